/**
 * Rows that share a key (e.g. authority and year) reduced to one: the first, the last, or none of them, with a
 * report of every duplicated key, its rows and what was kept. Pure: no file I/O, inputs are never mutated.
 */
import { UsageError } from '../errors.js';
import { displayText, rowNumber, type RawTable } from './csv.js';

export { KEEP_CHOICES, type Keep } from './keep.js';
import type { Keep } from './keep.js';

/** One key that occurs on more than one row. */
export interface DuplicatedKey {
  /** The key values (trimmed), in the order of the key columns. */
  readonly key: readonly string[];
  /** Spreadsheet row numbers (header = row 1) of every row with this key, in file order. */
  readonly rows: readonly number[];
  /** The row kept, or null with `none`. */
  readonly kept: number | null;
  /** Whether the rows differ in any column (identical copies are harmless; differing ones are a choice). */
  readonly differ: boolean;
}

export interface DedupeReport {
  readonly file: string;
  readonly keys: readonly string[];
  readonly keep: Keep;
  readonly rows: number;
  readonly outputRows: number;
  readonly duplicated: readonly DuplicatedKey[];
}

/**
 * Keep one row per key: `first` or `last` keeps that row of each duplicated key, `none` drops every row of a
 * duplicated key. Keys are compared as trimmed strings; rows keep their order.
 *
 * @throws {UsageError} a key column is not in the table, or named twice.
 * @example dedupeTable(table, ['la', 'year'], 'first').report.duplicated
 *   // [{ key: ['837', '2016'], rows: [5, 9], kept: 5, differ: true }]
 */
export function dedupeTable(
  table: RawTable,
  keys: readonly string[],
  keep: Keep,
): { table: RawTable; report: DedupeReport } {
  const repeated = keys.find((name, i) => keys.indexOf(name) !== i);
  if (repeated !== undefined) throw new UsageError(`the key column "${displayText(repeated)}" is named twice`);
  const indices = keys.map((name) => {
    const index = table.header.indexOf(name);
    if (index < 0) {
      throw new UsageError(
        `${table.file} has no column "${displayText(name)}"; ` +
          `its columns are ${table.header.map((h) => displayText(h)).join(', ')}`,
      );
    }
    return index;
  });
  const byKey = new Map<string, number[]>();
  table.records.forEach((record, i) => {
    const key = JSON.stringify(indices.map((index) => record[index]!.trim()));
    const rows = byKey.get(key);
    if (rows) rows.push(i);
    else byKey.set(key, [i]);
  });
  const dropped = new Set<number>();
  const duplicated: DuplicatedKey[] = [];
  for (const [key, rows] of byKey) {
    if (rows.length < 2) continue;
    const kept = keep === 'first' ? rows[0]! : keep === 'last' ? rows[rows.length - 1]! : null;
    for (const row of rows) if (row !== kept) dropped.add(row);
    const first = table.records[rows[0]!]!;
    const differ = rows.some((row) => table.records[row]!.some((cell, j) => cell !== first[j]));
    duplicated.push({
      key: JSON.parse(key),
      rows: rows.map((i) => rowNumber(i, table)),
      kept: kept === null ? null : rowNumber(kept, table),
      differ,
    });
  }
  duplicated.sort((a, b) => a.rows[0]! - b.rows[0]!);
  const records = table.records.filter((_, i) => !dropped.has(i));
  const rowNumbers = table.records.flatMap((_, i) => (dropped.has(i) ? [] : [rowNumber(i, table)]));
  return {
    table: { ...table, records, rowNumbers },
    report: { file: table.file, keys, keep, rows: table.records.length, outputRows: records.length, duplicated },
  };
}

/** Lines for standard error: a summary, then one line per duplicated key. */
export function formatDedupeReport(report: DedupeReport): string[] {
  const keyText = (key: readonly string[]) =>
    report.keys.map((name, i) => `${name}=${displayText(key[i]!)}`).join(', ');
  const removed = report.rows - report.outputRows;
  return [
    `${report.file}: ${report.duplicated.length} duplicated keys (${report.keys.join(', ')}); ` +
      `kept ${report.outputRows} of ${report.rows} rows (${removed} removed, --keep ${report.keep})`,
    ...report.duplicated.map(
      (d) =>
        `  ${keyText(d.key)}: rows ${d.rows.join(', ')}${d.differ ? ' (they differ)' : ' (identical)'}; ` +
        (d.kept === null ? 'none kept' : `kept row ${d.kept}`),
    ),
  ];
}
