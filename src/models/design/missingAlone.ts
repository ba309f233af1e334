/**
 * Which column lost the rows: the rows that one model column alone makes incomplete (present in every other
 * model column, missing in this one), counted where the complete cases are found (`completeCases`, and the
 * streamed path's `FactoredModelBuilder`), and how they are reported.
 */
import type { ModelShape } from './modelData.js';

/** The columns that alone make most rows incomplete, most first (ties by name), only those with any. */
export function worstColumns(
  missingAlone: Readonly<Record<string, number>>,
  count = 3,
): { column: string; rows: number }[] {
  return Object.entries(missingAlone)
    .filter(([, rows]) => rows > 0)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)) // column names are distinct: never a tie
    .slice(0, count)
    .map(([column, rows]) => ({ column, rows }));
}

/** `vacancy 412, ofsted 301, spend 97`: the worst `count` columns, or undefined when no column alone lost a row. */
export function worstColumnsText(
  missingAlone: Readonly<Record<string, number>> | undefined,
  count = 3,
  show: (name: string) => string = (name) => name,
): string | undefined {
  const worst = worstColumns(missingAlone ?? {}, count);
  return worst.length === 0 ? undefined : worst.map((w) => `${show(w.column)} ${w.rows}`).join(', ');
}

/**
 * The warning when more than half of the rows read were dropped from the model (for missing values, or by
 * --min-periods), naming the columns that alone make most rows incomplete; undefined otherwise.
 */
export function droppedRowsWarning(shape: Pick<ModelShape, 'n' | 'droppedRows' | 'missingAlone'>): string | undefined {
  const total = shape.n + shape.droppedRows;
  if (!(2 * shape.droppedRows > total)) return undefined;
  const worst = worstColumnsText(shape.missingAlone);
  return (
    `more than half of the rows were dropped: ${shape.n} of ${total} used (${shape.droppedRows} dropped)` +
    (worst === undefined
      ? '; no column alone makes a row incomplete (each dropped row misses two or more)'
      : `; the columns that alone make most rows incomplete: ${worst} (each column's count with --format json)`)
  );
}
