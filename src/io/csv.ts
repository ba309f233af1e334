import { parse } from 'csv-parse/sync';
import { DataError } from '../errors.js';
import type { InputSource } from './source.js';

/**
 * A CSV file as text cells: the header and the data records.
 * `rowNumber(i)` gives the spreadsheet row of record i (the header is row 1).
 */
export interface RawTable {
  readonly file: string;
  readonly header: readonly string[];
  readonly records: readonly (readonly string[])[];
}

/** Spreadsheet row number of data record `index` (0-based): the header is row 1. */
export function rowNumber(index: number): number {
  return index + 2;
}

/**
 * Decode and parse a CSV input (RFC 4180, comma-separated, UTF-8 with or without BOM, LF or CRLF).
 * Checks, in order: not empty, no NUL bytes, valid UTF-8, well-formed CSV with every record as wide as
 * the header, header cells non-empty and unique, at least one data record.
 */
export function parseCsv(source: InputSource): RawTable {
  const file = source.name;
  const text = decodeUtf8(source);
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false }) as string[][];
  } catch (error) {
    throw csvParseError(error, file);
  }
  if (rows.length === 0) throw new DataError('the file has no header row (it is empty or blank)', { file });
  const header = rows[0]!.map((cell) => cell.trim());
  checkHeader(header, file);
  const records = rows.slice(1);
  if (records.length === 0) throw new DataError('the file has a header row but no data rows', { file });
  return { file, header, records };
}

function decodeUtf8(source: InputSource): string {
  const { bytes, name: file } = source;
  if (bytes.length === 0) throw new DataError('the file is empty', { file });
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    throw new DataError('contains a NUL byte: this looks like a binary file, not CSV text', {
      file,
      row: lineOfOffset(bytes, nul),
    });
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DataError('is not valid UTF-8 text (save it as UTF-8 CSV)', { file, row: firstBadUtf8Line(bytes) });
  }
}

function lineOfOffset(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

function firstBadUtf8Line(bytes: Buffer): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let start = 0;
  let line = 1;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    try {
      decoder.decode(bytes.subarray(start, end));
    } catch {
      return line;
    }
    start = end + 1;
    line++;
  }
  return line;
}

function checkHeader(header: readonly string[], file: string): void {
  const seen = new Map<string, number>();
  header.forEach((name, index) => {
    if (name === '') throw new DataError(`header cell ${index + 1} is empty; every column needs a name`, { file, row: 1 });
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new DataError(`column name "${name}" appears twice (header cells ${earlier + 1} and ${index + 1})`, {
        file,
        row: 1,
      });
    }
    seen.set(name, index);
  });
}

interface CsvParseFailure {
  code?: string;
  records?: number;
  lines?: number;
  record?: unknown[];
  message: string;
}

function csvParseError(error: unknown, file: string): DataError {
  const failure = error as CsvParseFailure;
  if (typeof failure?.code !== 'string') return new DataError(`cannot be parsed as CSV: ${String(error)}`, { file });
  const row = (failure.records ?? 0) + 1;
  switch (failure.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_DONT_MATCH_COLUMNS_LENGTH':
      return new DataError(
        `has ${failure.record?.length ?? 'a different number of'} fields but the header has ${headerWidth(failure)}`,
        { file, row },
      );
    case 'CSV_QUOTE_NOT_CLOSED':
      return new DataError('a quoted field is opened here and never closed', { file, row });
    case 'INVALID_OPENING_QUOTE':
    case 'CSV_INVALID_CLOSING_QUOTE':
      return new DataError('a quote character is misplaced inside a field (quote the whole field and double inner quotes)', {
        file,
        row,
      });
    default:
      return new DataError(`cannot be parsed as CSV (${failure.message})`, { file, row });
  }
}

function headerWidth(failure: CsvParseFailure): string {
  const match = /expect (\d+)/.exec(failure.message);
  return match ? match[1]! : 'another number';
}
