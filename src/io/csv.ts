import { isUtf8 } from 'node:buffer';
import { parse } from 'csv-parse/sync';
import { DataError } from '../errors.js';
import { printable } from '../report/printable.js';
import { checkInputBytes, formatBytes, MAX_RECORD_BYTES, type InputSource } from './source.js';

/**
 * A CSV file (or a workbook's sheet) as text cells: the header and the data records.
 * `rowNumber(i, table)` gives the spreadsheet row of record i (in a CSV file the header is row 1).
 */
export interface RawTable {
  readonly file: string;
  readonly header: readonly string[];
  readonly records: readonly (readonly string[])[];
  /**
   * The spreadsheet row of each record, where it is not index + 2: a workbook's sheet (rows above the header
   * skipped, empty rows left out) or a table whose rows were selected from another. A table made from another
   * with other records must set its own (or none).
   */
  readonly rowNumbers?: readonly number[];
}

/**
 * Spreadsheet row number of data record `index` (0-based) of `table`: its `rowNumbers` entry, else index + 2 (the
 * header is row 1).
 */
export function rowNumber(index: number, table?: Pick<RawTable, 'rowNumbers'>): number {
  return table?.rowNumbers?.[index] ?? index + 2;
}

/** The records of `table` for which `keep` is true, each with its spreadsheet row. */
export function keepRecords(table: RawTable, keep: (index: number) => boolean): RawTable {
  const records: (readonly string[])[] = [];
  const rowNumbers: number[] = [];
  table.records.forEach((record, i) => {
    if (!keep(i)) return;
    records.push(record);
    rowNumbers.push(rowNumber(i, table));
  });
  return { ...table, records, rowNumbers };
}

/**
 * The csv-parse options: RFC 4180 with a leading UTF-8 byte-order mark skipped and blank lines skipped.
 * Records end at CRLF, LF or a lone CR, in any mix: csv-parse would otherwise keep whichever it meets first, so a
 * file mixing them would be misread; old Mac (CR-only) files are read like any other. `max_record_size` is a
 * second guard behind `readSource`'s line-length check, for a record spread over lines by a quoted field.
 */
const PARSE_OPTIONS = {
  bom: true,
  skip_empty_lines: true,
  relax_column_count: false,
  record_delimiter: ['\r\n', '\n', '\r'],
  max_record_size: MAX_RECORD_BYTES,
};

/**
 * Decode and parse a CSV input (RFC 4180, comma-separated, UTF-8 with or without BOM; LF, CRLF or CR line ends).
 *
 * Checks, in order: not empty; the byte checks of `checkInputBytes` (not UTF-16/32 or a workbook, archive or PDF
 * by its first bytes, no NUL byte, no line longer than MAX_RECORD_BYTES, at most MAX_INPUT_BYTES); valid UTF-8;
 * not only blank lines; a first line that is not Excel's `sep=` line or HTML/XML; well-formed CSV with every record as
 * wide as the header; header cells non-empty and unique, and more than one column when the only one looks separated by
 * `;`, tab or `|`; at least one data record; no byte-order mark (U+FEFF) inside the data; no data row repeating the
 * header. Every failure is a DataError naming the file and, where there is one, the row (and the column when known).
 *
 * @throws {DataError} as above.
 * @example
 * const table = parseCsv({ name: 'in.csv', bytes: Buffer.from('g,x\na,1\n') });
 * // table.header = ['g', 'x'], table.records = [['a', '1']]
 */
export function parseCsv(source: InputSource, options: HeaderOptions = {}): RawTable {
  return parseCsvTable(source, options).table;
}

/** How a header with unnamed cells is read. */
export interface HeaderOptions {
  /** Name empty header cells `unnamed_N` (N: the cell's 1-based column position) instead of refusing the file. */
  readonly allowUnnamed?: boolean;
  /**
   * Whether the first column is row names, decided by an earlier segment of the same input (see
   * `readTableSegments`); otherwise it is decided from the rows at hand (`rowNamesKind`).
   */
  readonly rowNames?: RowNames | false;
}

/** What a row-names column held: R's default 1, 2, …, n, or other labels that are all different. */
export type RowNames = 'numbers' | 'labels';

/** What was done to the header: a row-names column left out, cells without a name named. */
export interface HeaderReport {
  /** Set when the first column (empty header cell, a value on every row, no value twice) was left out. */
  readonly rowNames?: RowNames;
  /** The names given to empty header cells (with `allowUnnamed`), in column order. */
  readonly unnamed: readonly string[];
}

/**
 * `parseCsv`, with what was done to the header. A first column whose header cell is empty (`""`, not spaces) and
 * whose values are present on every row and all different — 1, 2, …, n, or other labels — holds row names, as R's
 * `write.csv` (and pandas' `to_csv`) write them: it is left out, always, and reported. Any other empty header cell
 * is refused, or with `options.allowUnnamed` named `unnamed_N`, N its column position in the file (from 1).
 */
export function parseCsvTable(
  source: InputSource,
  options: HeaderOptions = {},
): { table: RawTable; header: HeaderReport } {
  const file = source.name;
  const bytes = asBuffer(source.bytes);
  if (bytes.length === 0) throw new DataError('the file is empty', { file });
  checkInputBytes(bytes, file);
  checkUtf8(bytes, file);
  if (isBlank(bytes)) throw new DataError('the file has only blank lines: there is no header row', { file });
  checkFirstLine(bytes, file);
  let rows: string[][];
  try {
    rows = parse(bytes, PARSE_OPTIONS) as string[][];
  } catch (error) {
    throw csvParseError(error, file, bytes);
  }
  if (rows.length === 0) throw new DataError('the file has no header row (it is empty or blank)', { file });
  const rowNames = options.rowNames ?? rowNamesKind(rows[0]!, rows.slice(1));
  const cut = rowNames ? rows.map((row) => row.slice(1)) : rows;
  const raw = cut[0]!;
  const { header, unnamed } = nameHeader(raw, file, {
    ...(options.allowUnnamed ? { allowUnnamed: true } : {}),
    position: (index) => index + (rowNames ? 2 : 1),
  });
  const records = cut.slice(1);
  if (records.length === 0) throw new DataError('the file has a header row but no data rows', { file });
  if (hasInnerBom(bytes)) checkNoBom(cut, header, file);
  checkRepeatedHeader({ file, header, records });
  return { table: { file, header, records }, header: { ...(rowNames ? { rowNames } : {}), unnamed } };
}

/**
 * Whether the first column of `records` is row names (see `parseCsvTable`): its header cell is empty (not
 * spaces), another header cell has a name, and its values are present on every row and all different — 1, 2, …,
 * n (`numbers`) or otherwise (`labels`); false if not.
 */
export function rowNamesKind(header: readonly string[], records: readonly (readonly string[])[]): RowNames | false {
  if (header.length < 2 || header[0] !== '' || header.slice(1).every((cell) => cell.trim() === '')) return false;
  if (records.length === 0) return false;
  const values = new Set<string>();
  let numbers = true;
  for (let i = 0; i < records.length; i++) {
    const value = records[i]![0]!.trim();
    if (value === '' || values.has(value)) return false;
    values.add(value);
    numbers &&= value === String(i + 1);
  }
  return numbers ? 'numbers' : 'labels';
}

/** The note for a header report, or none; `file` as named in messages. */
export function headerNotes(file: string, report: HeaderReport | undefined): string[] {
  if (report === undefined) return [];
  const notes: string[] = [];
  if (report.rowNames) {
    notes.push(
      `${file}: the first column has no name ` +
        `and ${report.rowNames === 'numbers' ? 'numbers the rows 1, 2, …' : 'a different value on every row'}: ` +
        "row names, as R's write.csv writes them; it is left out",
    );
  }
  if (report.unnamed.length > 0) {
    const n = report.unnamed.length;
    notes.push(
      `${file}: ${n} header cell${n === 1 ? ' has' : 's have'} no name; ` +
        `named ${report.unnamed.join(', ')} (--allow-unnamed)`,
    );
  }
  return notes;
}

/**
 * The header's names: each cell trimmed, and a cell left empty (or only spaces) refused with the way out, or with
 * `allowUnnamed` named `unnamed_N`, N = `position(index)` (its 1-based column position); then `checkHeader`.
 * `row` and `hint` are checkHeader's.
 *
 * @throws {DataError} as checkHeader, and for an empty cell without `allowUnnamed`.
 */
export function nameHeader(
  raw: readonly string[],
  file: string,
  options: { allowUnnamed?: boolean; position?: (index: number) => number; row?: number; hint?: string } = {},
): { header: string[]; unnamed: string[] } {
  const position = options.position ?? ((index: number) => index + 1);
  const row = options.row ?? 1;
  const hint = options.hint ?? '';
  const unnamed: string[] = [];
  const header = raw.map((cell, index) => {
    const name = cell.trim();
    if (name !== '') return name;
    const generated = `unnamed_${position(index)}`;
    if (!options.allowUnnamed) {
      const what = cell === '' ? 'is empty' : 'is blank (only spaces)';
      throw new DataError(
        `header cell ${position(index)} ${what}; every column needs a name: name it in the file, or give ` +
          `--allow-unnamed to call it ${generated}${hint}`,
        { file, row },
      );
    }
    unnamed.push(generated);
    return generated;
  });
  checkHeader(raw, header, file, row, hint);
  return { header, unnamed };
}

/**
 * A cell in double quotes for a one-line message: JSON escapes, and what JSON leaves raw (DEL, C1 controls,
 * U+2028/U+2029, invisible format characters) escaped as `printable` does; cut to `max`.
 */
export function quotedText(text: string, max = 40): string {
  return printable(JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text));
}

/**
 * A name or cell as it may appear in a one-line message: cut to `max` characters with an ellipsis, and escaped as
 * `printable` escapes every text shown to a person (control and invisible format characters made visible).
 */
export function displayText(text: string, max = 60): string {
  return printable(text.length > max ? `${text.slice(0, max)}…` : text);
}

/** A file path for a title, at most `max` characters: a long path loses its start, never its file name. */
export function displayPath(path: string, max = 60): string {
  return printable(path.length > max ? `…${path.slice(path.length - max + 1)}` : path);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const LF = 0x0a;
const CR = 0x0d;

/** The 1-based line (LF, CR or CRLF ends a line) holding byte `offset`, and the offset where that line starts. */
function lineAt(bytes: Buffer, offset: number): { line: number; start: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    const b = bytes[i];
    if (b === LF || (b === CR && bytes[i + 1] !== LF)) {
      line++;
      start = i + 1;
    }
  }
  return { line, start };
}

// ---------------------------------------------------------------------------------------------- encoding

/** Windows-1252 characters of bytes 0x80–0x9F ('' where undefined); above 0x9F it agrees with Latin-1. */
const CP1252_HIGH = '€\0‚ƒ„…†‡ˆ‰Š‹Œ\0Ž\0\0‘’“”•–—˜™š›œ\0žŸ';

function checkUtf8(bytes: Buffer, file: string): void {
  if (isUtf8(bytes)) return;
  const offset = firstInvalidUtf8(bytes);
  if (offset < 0) throw new DataError('is not valid UTF-8 text; save it as UTF-8 CSV', { file });
  const { line, start } = lineAt(bytes, offset);
  const byte = bytes[offset]!;
  const legacy = byte >= 0xa0 ? String.fromCharCode(byte) : byte >= 0x80 ? CP1252_HIGH[byte - 0x80] : undefined;
  const column = line === 1 ? undefined : columnAt(bytes, start, offset);
  const where = column === undefined ? '' : ` in column "${displayText(column)}"`;
  const reads =
    legacy && legacy !== '\0'
      ? `, which ${byte >= 0xa0 ? 'Latin-1/Windows-1252' : 'Windows-1252'} reads as "${legacy}"`
      : '';
  throw new DataError(
    `is not valid UTF-8 text (byte ${byte.toString(16).toUpperCase().padStart(2, '0')}${where}${reads}); ` +
      'save it as UTF-8 CSV',
    { file, row: line },
  );
}

/** Offset of the first byte that does not begin a well-formed UTF-8 sequence (RFC 3629), or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    const b1 = bytes[i + 1];
    if (b1 === undefined || b1 < lo || b1 > hi) return i;
    for (let k = 2; k <= need; k++) {
      const bk = bytes[i + k];
      if (bk === undefined || bk < 0x80 || bk > 0xbf) return i;
    }
    i += need + 1;
  }
  // Stryker disable next-line UnaryOperator: called on invalid text: never reached
  return -1;
}

/**
 * The header name of the field holding byte `offset` of the line starting at `start`, counting commas outside
 * quotes; undefined if it cannot be told (the header is unreadable, or the line has more fields than it).
 */
function columnAt(bytes: Buffer, start: number, offset: number): string | undefined {
  let index = 0;
  let quoted = false;
  for (let i = start; i < offset; i++) {
    if (bytes[i] === 0x22) quoted = !quoted;
    else if (bytes[i] === 0x2c && !quoted) index++;
  }
  return headerNames(bytes)?.[index];
}

/** The header row alone, trimmed; undefined if it cannot be parsed. */
function headerNames(bytes: Buffer): string[] | undefined {
  try {
    const rows = parse(bytes, { ...PARSE_OPTIONS, to: 1, relax_column_count: true }) as string[][];
    // Stryker disable next-line OptionalChaining: a parse of text that has a header row
    return rows[0]?.map((cell) => cell.trim());
  } catch /* Stryker disable next-line BlockStatement: an empty catch returns undefined as well */ {
    return undefined;
  }
}

/** Only spaces, tabs and line breaks (after an optional byte-order mark). */
function isBlank(bytes: Buffer): boolean {
  const from = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let i = from; i < bytes.length; i++) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x09 && b !== LF && b !== CR) return false;
  }
  return true;
}

/**
 * A first line that is not a header: Excel's `sep=;` line (which names the separator), or the start of an HTML
 * or XML document (a web page saved instead of the data). A `#` comment line is named when the next row's width
 * disagrees with it (see csvParseError), since a header may legitimately start with `#`.
 */
function checkFirstLine(bytes: Buffer, file: string): void {
  const from = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const head = bytes.subarray(from, from + 64).toString('latin1');
  const sep = /^sep=(.?)(\r|\n|$)/i.exec(head);
  if (sep) {
    throw new DataError(
      `starts with Excel's "sep=${displayText(sep[1]!)}" line instead of a header; ` +
        `delete that line${sep[1] === ',' ? '' : ' and save the file comma-separated'}`,
      { file, row: 1 },
    );
  }
  if (/^\s*<(!doctype\s+html|html[\s>]|\?xml\s)/i.test(head)) {
    throw new DataError('is an HTML or XML document (a web page?), not CSV text', { file, row: 1 });
  }
}

// ---------------------------------------------------------------------------------------------- structure

/**
 * Header cells non-empty and unique, and more than one column when the only one looks separated by `;`, tab or
 * `|`. `row` is the header's row (1 in a CSV file); `hint` is added to the message of an empty or repeated name.
 *
 * @throws {DataError} naming the file, the header's row and the cell.
 */
export function checkHeader(raw: readonly string[], header: readonly string[], file: string, row = 1, hint = ''): void {
  const seen = new Map<string, number>();
  header.forEach((name, index) => {
    if (name === '') {
      const what = raw[index] === '' ? 'is empty' : 'is blank (only spaces)';
      throw new DataError(`header cell ${index + 1} ${what}; every column needs a name${hint}`, { file, row });
    }
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new DataError(
        `column name "${displayText(name)}" appears twice (header cells ${earlier + 1} and ${index + 1})${hint}`,
        { file, row },
      );
    }
    seen.set(name, index);
  });
  if (header.length === 1) {
    const separator = [';', '\t', '|'].find((s) => header[0]!.includes(s));
    if (separator !== undefined) {
      const shown = separator === '\t' ? 'tabs' : `"${separator}"`;
      throw new DataError(
        `the header is a single column "${displayText(header[0]!)}": the file seems to be separated by ${shown}, ` +
          'but cpp-variance reads comma-separated CSV; save it with "," as the separator',
        { file, row },
      );
    }
  }
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** A UTF-8 byte-order mark anywhere but at the very start (which csv-parse skips). */
function hasInnerBom(bytes: Buffer): boolean {
  return bytes.indexOf(BOM, 1) >= 0;
}

/**
 * Name the row and column of a U+FEFF inside the data: `trim()` would silently drop it from a cell. `rows` are
 * the header and the records; `rowOf(r)` is the spreadsheet row of `rows[r]` (r + 1 in a CSV file).
 */
export function checkNoBom(
  rows: readonly (readonly string[])[],
  header: readonly string[],
  file: string,
  rowOf: (r: number) => number = (r) => r + 1,
): void {
  rows.forEach((row, r) => {
    row.forEach((cell, c) => {
      if (cell.includes('\ufeff')) {
        throw new DataError(
          'contains a byte-order mark (U+FEFF) inside the data, usually left where two files were joined; delete it',
          { file, row: rowOf(r), column: displayText(header[c] ?? `#${c + 1}`) },
        );
      }
    });
  });
}

/** A data row equal to the header, as left by concatenating two CSV files. */
export function checkRepeatedHeader(table: RawTable): void {
  const { header, file } = table;
  table.records.forEach((record, i) => {
    if (record.length === header.length && record.every((cell, c) => cell.trim() === header[c])) {
      throw new DataError('repeats the header row (were two files joined?); delete this row', {
        file,
        row: rowNumber(i, table),
      });
    }
  });
}

interface CsvParseFailure {
  code?: unknown;
  records?: unknown;
  column?: unknown;
  record?: unknown;
  message?: unknown;
}

/**
 * What csv-parse threw, as one DataError naming the file, the row (csv-parse's `records` + 1) and, where it
 * applies, the column. Anything thrown is accepted: a failure without csv-parse's fields (a future version, a
 * bug) still becomes a readable message rather than a stack trace. Exported for the tests, which hand it such
 * failures.
 */
export function csvParseError(error: unknown, file: string, bytes: Buffer): DataError {
  const failure = (typeof error === 'object' && error !== null ? error : {}) as CsvParseFailure;
  const message = typeof failure.message === 'string' ? failure.message : String(error);
  if (typeof failure.code !== 'string')
    return new DataError(`cannot be parsed as CSV (${displayText(message, 200)})`, { file });
  const row = (typeof failure.records === 'number' ? failure.records : 0) + 1;
  const columnIndex = typeof failure.column === 'number' ? failure.column : undefined;
  const columnName = (): string | undefined => {
    if (columnIndex === undefined) return undefined;
    if (row === 1) return `#${columnIndex + 1}`;
    // Stryker disable next-line OptionalChaining: failing at row ≥ 2, the header parses
    const name = headerNames(bytes)?.[columnIndex];
    return name === undefined ? undefined : displayText(name);
  };
  switch (failure.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_DONT_MATCH_COLUMNS_LENGTH': {
      if (row === 2 && startsWithComment(bytes)) {
        return new DataError('starts with a "#" comment line instead of a header; delete the comment lines', {
          file,
          row: 1,
        });
      }
      const got = Array.isArray(failure.record) ? failure.record.length : undefined;
      const width = headerWidth(message);
      const fields = got === undefined ? 'a different number of fields' : `${got} field${got === 1 ? '' : 's'}`;
      const hint =
        got !== undefined && width !== undefined && got > width
          ? ' (a comma inside a value, such as a decimal comma or thousands separator, must be quoted)'
          : '';
      return new DataError(`has ${fields} but the header has ${width ?? 'another number'}${hint}`, { file, row });
    }
    case 'CSV_QUOTE_NOT_CLOSED': {
      const column = columnName();
      return new DataError(
        `a quoted field is opened here and never closed${column === undefined ? '' : ` (in column "${column}")`}`,
        {
          file,
          row,
        },
      );
    }
    case 'INVALID_OPENING_QUOTE':
    case 'CSV_INVALID_CLOSING_QUOTE': {
      const column = columnName();
      return new DataError(
        'a quote character is misplaced inside a field (quote the whole field and double inner quotes)',
        {
          file,
          row,
          ...(column === undefined ? {} : { column }),
        },
      );
    }
    case 'CSV_MAX_RECORD_SIZE':
      return new DataError(
        `a record is longer than ${formatBytes(MAX_RECORD_BYTES)} (a quote may be unclosed, ` +
          'or the file may not be CSV)',
        { file, row },
      );
    default:
      return new DataError(`cannot be parsed as CSV (${displayText(message, 200)})`, { file, row });
  }
}

function startsWithComment(bytes: Buffer): boolean {
  const from = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return bytes[from] === 0x23;
}

function headerWidth(message: string): number | undefined {
  const match = /expect (\d+)/.exec(message);
  return match ? Number(match[1]) : undefined;
}
