/**
 * Authorities published jointly. DfE files give some pairs of authorities one row, with both codes in the key
 * ("314 / 318", "E09000021 / E09000027", "Kingston upon Thames / Richmond upon Thames"); such a row matches
 * neither authority in a join. Splitting it gives each authority a copy of the joint values. Pure.
 */
import { rowNumber, type RawTable } from './csv.js';

/** How DfE separates the parts of a combined cell. */
const SEPARATOR = ' / ';

/** One combined row and the authorities it was split into. */
export interface SplitRow {
  /** Spreadsheet row of the combined row (header = row 1). */
  readonly row: number;
  /** The key as published, e.g. "314 / 318". */
  readonly combined: readonly string[];
  /** The key of each copy, e.g. [["314"], ["318"]]. */
  readonly parts: readonly (readonly string[])[];
}

/**
 * Split every row whose key cells hold several parts separated by " / " (the same number, ≥ 2, in each key cell that
 * has more than one; a key cell with one part, such as the year, goes to every copy) into one row per part: key cells,
 * and any other cell with that many parts (names, other codes), take the part of their copy; every other cell is copied
 * unchanged. A rate then applies to each authority of the pair; a count is the pair's joint count in each copy (shared,
 * not divided). Rows keep their order; copies follow in the order published.
 *
 * @example splitCombinedRows(table, ['old_la_code']) // "314 / 318" → rows "314" and "318"
 */
export function splitCombinedRows(table: RawTable, keys: readonly string[]): { table: RawTable; split: SplitRow[] } {
  const keyIndices = keys.map((name) => table.header.indexOf(name)).filter((index) => index >= 0);
  const split: SplitRow[] = [];
  const records: (readonly string[])[] = [];
  const rowNumbers: number[] = [];
  table.records.forEach((record, i) => {
    const parts = keyIndices.map((index) => record[index]!.split(SEPARATOR).map((part) => part.trim()));
    // Key cells with one part (the year) belong to every copy; those with several must agree on how many.
    const count = Math.max(1, ...parts.map((p) => p.length));
    if (count < 2 || parts.some((p) => (p.length !== 1 && p.length !== count) || p.some((part) => part === ''))) {
      records.push(record);
      rowNumbers.push(rowNumber(i, table));
      return;
    }
    const copies = Array.from({ length: count }, (_, k) =>
      record.map((cell) => {
        const pieces = cell.split(SEPARATOR);
        return pieces.length === count ? pieces[k]!.trim() : cell;
      }),
    );
    records.push(...copies);
    rowNumbers.push(...copies.map(() => rowNumber(i, table)));
    split.push({
      row: rowNumber(i, table),
      combined: keyIndices.map((index) => record[index]!),
      parts: copies.map((copy) => keyIndices.map((index) => copy[index]!)),
    });
  });
  // Each copy keeps the row it was split from.
  return { table: { ...table, records, rowNumbers }, split };
}

/** One line per split row, for standard error. */
export function formatSplitReport(file: string, split: readonly SplitRow[]): string[] {
  if (split.length === 0) return [];
  return [
    `${file}: ${split.length} rows published for several authorities jointly were split into one row each ` +
      '(each copy has the joint values: rates apply to each authority; counts are the joint count, shared)',
    ...split.map((s) => `  row ${s.row}: ${s.combined.join(', ')} → ${s.parts.map((p) => p.join(', ')).join('; ')}`),
  ];
}
