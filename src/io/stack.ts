/**
 * Stack tables row-wise (one file per year, as the DfE's older "underlying data" files come), keeping the named
 * columns. Pure: no file I/O, inputs are never mutated.
 */
import { basename } from 'node:path';
import { DataError, UsageError, ParameterError } from '../errors.js';
import { displayText, type RawTable } from './csv.js';

/** Rows contributed by each input, in order. */
export interface StackReport {
  readonly columns: readonly string[];
  readonly inputs: readonly { readonly file: string; readonly rows: number }[];
  readonly outputRows: number;
}

/**
 * The rows of every table, in input order, under the columns `columns` — by default the first table's header,
 * which every other table must then have exactly (in any order). Cells are copied as text, unchanged; a column
 * is matched by its name, not its position.
 *
 * One table with `columns` is that table cut to those columns (a selection of columns by name, in their order).
 *
 * @throws {UsageError} no table, one without `columns`, or a column named twice in `columns`.
 * @throws {DataError} a table lacks a column, or (without `columns`) has one the first lacks; the message names
 *   the file, the columns, and `--columns` as the way to keep the common ones.
 */
export function stackTables(
  tables: readonly RawTable[],
  columns?: readonly string[],
): { table: RawTable; report: StackReport } {
  if (tables.length === 0 || (tables.length === 1 && columns === undefined))
    throw new UsageError('stack needs at least two files, or one with --columns (to keep only those columns)');
  const first = tables[0]!;
  const kept = columns ?? first.header;
  const repeated = kept.find((name, i) => kept.indexOf(name) !== i);
  if (repeated !== undefined) throw new ParameterError('columns', `names "${displayText(repeated)}" twice`);
  const records: string[][] = [];
  const inputs = tables.map((table) => {
    const missing = kept.filter((name) => !table.header.includes(name));
    if (missing.length > 0) {
      throw new DataError(
        `has no column ${missing.map((name) => `"${displayText(name)}"`).join(', ')}` +
          (columns ? '' : ` (which ${basename(first.file)} has); keep the columns all files share with --columns`),
        { file: table.file },
      );
    }
    if (!columns) {
      const extra = table.header.filter((name) => !kept.includes(name));
      if (extra.length > 0) {
        throw new DataError(
          `has column${extra.length === 1 ? '' : 's'} ${extra
            .slice(0, 5)
            .map((name) => `"${displayText(name)}"`)
            .join(', ')}${extra.length > 5 ? ', …' : ''} ` +
            `that ${basename(first.file)} lacks; keep the columns all files share with --columns`,
          { file: table.file },
        );
      }
    }
    const indices = kept.map((name) => table.header.indexOf(name));
    for (const record of table.records) records.push(indices.map((index) => record[index]!));
    return { file: table.file, rows: table.records.length };
  });
  return {
    table: { file: 'stacked', header: [...kept], records },
    report: { columns: [...kept], inputs, outputRows: records.length },
  };
}

/** Report lines for standard error. */
export function formatStackReport(report: StackReport): string[] {
  return [
    `stack: ${report.inputs.length} inputs, ${report.outputRows} output rows, columns ${report.columns.join(', ')}`,
    ...report.inputs.map((input) => `  ${input.file}: ${input.rows} rows`),
  ];
}
