/**
 * The one CSV writer: every CSV the tool writes (results, joined, stacked, derived and simulated tables) goes
 * through `writeCsv`, so every CSV gets the same quoting and the same guard against formula injection.
 */

/** A text cell that a spreadsheet would run as a formula starts with one of these (OWASP, "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A cell that reads as a number (`-1.5`, `+2e-3`) is data, not a formula, and is written as it is. */
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A cell: text, a number (written in full precision; non-finite as empty) or missing (empty). */
export type CsvCell = string | number | null;

/** One cell as CSV: formula-like text prefixed with a single quote, then quoted when it holds `,` `"` CR or LF. */
function csvCell(value: CsvCell): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = FORMULA_START.test(value) && !NUMBER_TEXT.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * RFC 4180 CSV text with LF line ends: the header, then the rows. Text cells that a spreadsheet would run as a
 * formula (starting with =, +, -, @, tab or carriage return, and not a number) are prefixed with a single quote.
 *
 * @example writeCsv(['a', 'b'], [['=1+1', -2]]) // "a,b\n'=1+1,-2\n"
 */
export function writeCsv(columns: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return `${[columns, ...rows].map((row) => row.map(csvCell).join(',')).join('\n')}\n`;
}
