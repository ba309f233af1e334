import { DataError } from '../errors.js';
import { parseCsvTable, type HeaderOptions, type HeaderReport, type RawTable } from './csv.js';
import { readChunks, STDIN_NAME } from './source.js';

/** Bytes of input parsed at a time by `readTableSegments` (a segment ends at the first record boundary after). */
export const SEGMENT_BYTES = 2 * 1024 * 1024;

/** A piece of a CSV input parsed as a table of its own (with the input's header), and where it lies. */
export interface TableSegment {
  readonly table: RawTable;
  /** Data records of the input before this segment: record i of the segment is record recordsBefore + i. */
  readonly recordsBefore: number;
  /** What was done to the header (a row-names column left out, unnamed cells named): the same for every segment. */
  readonly header: HeaderReport;
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
 * A segment ends at the last record boundary before `segmentBytes` (or the first after, for a longer record),
 * so the cuts depend on the content only, not on how the operating system delivers it: a file and the same
 * bytes piped to standard input give the same segments, hence the same arithmetic. A record boundary is a line
 * break outside quotes: in well-formed CSV (RFC 4180) a quote character only opens, closes or doubles inside a
 * quoted field, so a line break preceded by an even number of quotes since the start of a record ends a record.
 * In malformed CSV the guess may be wrong, but the parse of that segment then fails on the malformed field, as
 * the whole-file parse would. Whether the first column is row names (see `parseCsvTable`) is decided by the first
 * segment's rows, and every later segment follows that decision.
 *
 * @param name how to call the input in messages (default: the path, or `<stdin>`)
 * @throws {DataError} as `readSource` (except the size limit) and `parseCsv`.
 */
export function* readTableSegments(
  path: string,
  options: { name?: string; segmentBytes?: number; header?: HeaderOptions } = {},
): Generator<TableSegment> {
  const segmentBytes = options.segmentBytes ?? SEGMENT_BYTES;
  const name = options.name ?? (path === '-' ? STDIN_NAME : path);
  let pending: Buffer = Buffer.alloc(0);
  let header: Buffer | undefined;
  let recordsBefore = 0;
  let parsed = false;

  // The first segment decides whether the first column is row names; the others follow it.
  let headerOptions: HeaderOptions = options.header ?? {};
  const parse = (body: Buffer): TableSegment => {
    const { table, header: report } = relocateRows(recordsBefore, () =>
      parseCsvTable({ name, bytes: header === undefined ? body : Buffer.concat([header, body]) }, headerOptions),
    );
    headerOptions = { ...headerOptions, rowNames: report.rowNames ?? false };
    const segment = { table, recordsBefore, header: report };
    recordsBefore += table.records.length;
    parsed = true;
    return segment;
  };

  for (const chunk of readChunks(path)) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    if (header === undefined) {
      const end = recordEnd(pending);
      if (end < 0) continue;
      header = Buffer.from(pending.subarray(0, end));
      pending = pending.subarray(end);
    }
    for (;;) {
      if (pending.length < segmentBytes) break;
      const cut = segmentEnd(pending, segmentBytes);
      if (cut < 0) break;
      const body = pending.subarray(0, cut);
      if (!onlyLineBreaks(body)) yield parse(body);
      pending = pending.subarray(cut);
    }
    pending = Buffer.from(pending); // a copy, so that consumed segments can be freed
  }
  // A last segment; or, when no record was found, the whole input, for the whole-file parse's verdict.
  if (!onlyLineBreaks(pending) || !parsed) yield parse(pending);
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

/** Offset just after the first record boundary (see `segmentEnd`), or -1 if there is none yet. */
function recordEnd(bytes: Buffer): number {
  let quoted = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === QUOTE) quoted = !quoted;
    else if (!quoted && (b === LF || b === CR)) {
      if (b === LF) return i + 1;
      // A header cut between CR and LF would give every later segment a header ending in a lone CR, and move the cuts.
      if (i + 1 >= bytes.length) return -1; // a CR at the end may be the first half of a CRLF
      if (bytes[i + 1] !== LF) return i + 1;
    }
  }
  return -1;
}

/**
 * Where a segment starting at a record start ends: just after the last record boundary before `limit`, else
 * the first one after it; -1 if the bytes at hand do not decide it. A boundary is an LF, or a CR not followed
 * by LF, outside quotes.
 */
function segmentEnd(bytes: Buffer, limit: number): number {
  let quoted = false;
  let last = 0; // just after the last boundary seen; 0 while there is none (a boundary ends at 1 at the earliest)
  for (let i = 0; i < bytes.length; i++) {
    if (i >= limit && last > 0) return last;
    const b = bytes[i];
    if (b === QUOTE) quoted = !quoted;
    else if (!quoted && (b === LF || b === CR)) {
      if (b === CR) {
        // A CR at the end may be the first half of a CRLF. (A boundary before it past the limit was returned above.)
        if (i + 1 >= bytes.length) return -1;
        // A cut between CR and LF would leave the LF to start the next segment: a blank line, one line too many
        // before a byte-level fault there.
        if (bytes[i + 1] === LF) continue;
      }
      last = i + 1;
    }
  }
  return last > 0 && bytes.length >= limit ? last : -1;
}

function onlyLineBreaks(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== LF && bytes[i] !== CR) return false;
  return true;
}
