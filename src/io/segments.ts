import { DataError } from '../errors.js';
import { parseCsv, type RawTable } from './csv.js';
import { readChunks } from './source.js';

/** Bytes of input parsed at a time by `readTableSegments` (a segment ends at the first record boundary after). */
export const SEGMENT_BYTES = 8 * 1024 * 1024;

/** A piece of a CSV input parsed as a table of its own (with the input's header), and where it lies. */
export interface TableSegment {
  readonly table: RawTable;
  /** Data records of the input before this segment: record i of the segment is record recordsBefore + i. */
  readonly recordsBefore: number;
}

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

/**
 * Read a CSV input (a path, or `-` for standard input) as a sequence of tables of consecutive records, each
 * parsed by `parseCsv` — so with every check and message of a whole-file read — from about `segmentBytes` of
 * input with the header row put in front. Memory therefore holds one segment at a time, whatever the size of
 * the input. Row numbers in errors are those of the whole input (see `relocateRows`).
 *
 * A segment ends at a line break outside quotes: in well-formed CSV (RFC 4180) a quote character only opens,
 * closes or doubles inside a quoted field, so a line break preceded by an even number of quotes since the start
 * of a record ends a record. In malformed CSV the guess may be wrong, but the parse of that segment then fails
 * on the malformed field, as the whole-file parse would.
 *
 * @param name how to call the input in messages (default: the path, or `<stdin>`)
 * @throws {DataError} as `readSource` (except the size limit) and `parseCsv`.
 */
export function* readTableSegments(path: string, options: { name?: string; segmentBytes?: number } = {}): Generator<TableSegment> {
  const segmentBytes = options.segmentBytes ?? SEGMENT_BYTES;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let header: Buffer | undefined;
  let recordsBefore = 0;
  let name: string | undefined = options.name;

  const parse = (bytes: Buffer): TableSegment => {
    const table = relocateRows(recordsBefore, () => parseCsv({ name: name!, bytes: header === undefined ? bytes : Buffer.concat([header, bytes]) }));
    const segment = { table, recordsBefore };
    recordsBefore += table.records.length;
    return segment;
  };

  for (const chunk of readChunks(path)) {
    name ??= path === '-' ? '<stdin>' : path;
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes < segmentBytes) continue;
    const bytes = Buffer.concat(pending, pendingBytes);
    // The first segment must hold the header and at least one record.
    const from = header === undefined ? recordEnd(bytes, 0) : 0;
    const cut = from < 0 ? -1 : lastRecordEnd(bytes, from);
    if (cut <= from) {
      pending = [bytes];
      continue;
    }
    const segment = parse(bytes.subarray(0, cut));
    header ??= Buffer.from(bytes.subarray(0, recordEnd(bytes, 0)));
    yield segment;
    pending = [Buffer.from(bytes.subarray(cut))];
    pendingBytes = pending[0]!.length;
  }
  name ??= path === '-' ? '<stdin>' : path;
  const rest = Buffer.concat(pending, pendingBytes);
  if (header === undefined) yield parse(rest);
  else if (rest.some((b) => b !== LF && b !== CR)) yield parse(rest);
}

/**
 * Run `read` (a parse or read of one segment) and give any DataError it throws the row numbers of the whole
 * input: a data row r ≥ 2 of the segment is row r + recordsBefore; row 1, the header, is the input's.
 */
export function relocateRows<T>(recordsBefore: number, read: () => T): T {
  try {
    return read();
  } catch (error) {
    const row = error instanceof DataError ? error.location?.row : undefined;
    if (recordsBefore === 0 || row === undefined || row < 2) throw error;
    throw new DataError((error as DataError).detail, { ...(error as DataError).location!, row: row + recordsBefore });
  }
}

/** Offset just after the first record's line break (LF, CRLF or a CR not at the end), or -1 if none yet. */
function recordEnd(bytes: Buffer, from: number): number {
  let quoted = false;
  for (let i = from; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === QUOTE) quoted = !quoted;
    else if (!quoted && b === LF) return i + 1;
    else if (!quoted && b === CR && i + 1 < bytes.length) return bytes[i + 1] === LF ? i + 2 : i + 1;
  }
  return -1;
}

/**
 * Offset just after the last line break outside quotes at or after `from` (a record start), preferring LF (so a
 * CRLF is never cut in two); a CR counts only when no LF does (old Mac files) and it is not the last byte.
 * Returns -1 if there is none.
 */
function lastRecordEnd(bytes: Buffer, from: number): number {
  let lastLf = -1;
  let lastCr = -1;
  let quoted = false;
  const end = bytes.length;
  for (let i = from; i < end; i++) {
    const b = bytes[i];
    if (b === QUOTE) quoted = !quoted;
    else if (!quoted && b === LF) lastLf = i;
    else if (!quoted && b === CR && i + 1 < end) lastCr = i;
  }
  if (lastLf >= 0) return lastLf + 1;
  return lastCr >= 0 ? lastCr + 1 : -1;
}
