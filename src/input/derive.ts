/**
 * Derived columns, appended to a table as text before anything reads it: the one implementation behind the
 * `derive` command and `--derive` in every model command. Because a derived column is a column like any other,
 * it can be read as a number or as a category (a fixed effect), and a derivation can read any column, including
 * one that the model reads as a category.
 */
import { ParameterError } from '../errors.js';
import type { RawTable } from '../io/csv.js';
import { DEFAULT_MISSING_TOKENS, readPanel } from '../io/panel.js';
import { columnsOf, evaluate, type Derivation } from '../models/spec/expression.js';

/** What one derivation made. */
export interface DerivedColumn {
  readonly name: string;
  /** The definition as given. */
  readonly text: string;
  /** Set when the definition only names a column: the column is copied as text (a renamed key or label). */
  readonly copyOf?: string;
  /** Rows whose value is missing (missing inputs, or failed arithmetic). */
  readonly missing: number;
  /** Rows where the arithmetic failed: division by zero, log/sqrt of a number outside its domain, a bad power. */
  readonly invalid: number;
}

/**
 * Numbers are written in the shortest form that reads back as the same double; missing or infinite as an empty cell.
 */
function cellOf(value: number): string {
  return Number.isFinite(value) ? String(value) : '';
}

/**
 * Append each derivation's column to `table`, in order (a derivation may use the columns derived before it).
 * A definition that only names a column copies it as text, with missing-value markers blanked; anything else is
 * arithmetic on the named columns read as numbers (strictly, with the reader's messages for a cell that is not
 * one), and rows where it fails become missing.
 *
 * @throws {UsageError} the new column's name is taken, or a named column does not exist.
 * @throws {DataError} a cell of a column used in arithmetic is not a number (naming file, row and column).
 */
export function appendDerivedColumns(
  table: RawTable,
  derivations: readonly Derivation[],
  missingTokens: readonly string[],
): { table: RawTable; columns: DerivedColumn[] } {
  if (derivations.length === 0) return { table, columns: [] };
  const missing = new Set([...DEFAULT_MISSING_TOKENS, ...missingTokens.map((token) => token.trim())]);
  let current = table;
  const columns: DerivedColumn[] = [];
  for (const d of derivations) {
    if (current.header.includes(d.name)) {
      throw new ParameterError('derive', `"${d.text}": column "${d.name}" already exists in ${table.file}`);
    }
    let cells: string[];
    let invalid = 0;
    if (d.expression.kind === 'column') {
      const index = current.header.indexOf(d.expression.name);
      if (index < 0)
        throw new ParameterError('derive', `"${d.text}": column "${d.expression.name}" not found in ${table.file}`);
      cells = current.records.map((record) => (missing.has(record[index]!.trim()) ? '' : record[index]!));
    } else {
      for (const name of columnsOf(d.expression)) {
        if (!current.header.includes(name)) {
          throw new ParameterError('derive', `"${d.text}": column "${name}" not found in ${table.file}`);
        }
      }
      const panel = readPanel(
        current,
        columnsOf(d.expression).map((name) => ({ name, kind: 'numeric' as const })),
        { missingTokens },
      );
      const result = evaluate(
        d.expression,
        (name) => {
          const column = panel.columns.get(name);
          return column?.kind === 'numeric' ? column.values : undefined;
        },
        current.records.length,
      );
      // A value too large for a double (exp(1000)) is as unusable as a division by zero.
      const overflowed = result.values.filter((value) => value === Infinity || value === -Infinity).length;
      invalid = result.invalid + overflowed;
      cells = Array.from(result.values, cellOf);
    }
    current = {
      ...current,
      header: [...current.header, d.name],
      records: current.records.map((record, i) => [...record, cells[i]!]),
    };
    columns.push({
      name: d.name,
      text: d.text,
      ...(d.expression.kind === 'column' ? { copyOf: d.expression.name } : {}),
      missing: cells.filter((cell) => cell.trim() === '' || missing.has(cell.trim())).length,
      invalid,
    });
  }
  return { table: current, columns };
}

/** One note per derived column with rows where its arithmetic failed. */
export function derivationNotes(columns: readonly DerivedColumn[]): string[] {
  return columns.flatMap((column) =>
    column.invalid > 0
      ? [
          `derive ${column.name}: ${column.invalid} rows became missing (division by zero or an invalid log, ` +
            'square root or power)',
        ]
      : [],
  );
}
