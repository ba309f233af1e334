import { AsyncLocalStorage } from 'node:async_hooks';
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { DataError } from '../errors.js';

/** Raw bytes of an input and the name to use for it in messages. */
export interface InputSource {
  readonly name: string;
  readonly bytes: Buffer;
}

/** The name used in messages for standard input. */
export const STDIN_NAME = '<stdin>';

/**
 * The file-system calls this module makes, in the forms it makes them. A parameter (node:fs's own by default) so
 * that the tests can create in this process what the system will not on demand: a non-blocking standard input with
 * nothing to read yet (EAGAIN), a pipe that reports its end as Windows does (EOF), a folder refused at its opening
 * (EISDIR), a failing fstat. (The tests share one module graph in the mutation run, so none may mock node:fs.)
 */
export interface InputFileSystem {
  readonly openSync: (path: string, flags: 'r') => number;
  readonly fstatSync: (fd: number) => { isDirectory(): boolean };
  readonly statSync: (path: string) => { isFile(): boolean };
  readonly readSync: (fd: number, buffer: Buffer, offset: number, length: number, position: number | null) => number;
  readonly closeSync: (fd: number) => void;
}

/** The file system itself: what every function here uses unless a test hands it another. */
export const NODE_INPUT_FILE_SYSTEM: InputFileSystem = { openSync, fstatSync, statSync, readSync, closeSync };

/**
 * Where standard input's bytes come from: called once per read of `-`, it gives the bytes as chunks, in order,
 * synchronously (the readers are synchronous). A chunk must not change after it has been given.
 */
export type StdinSource = () => Iterable<Uint8Array>;

/**
 * Standard input within one run: its source, its iterator once reading began, and the chunks `peekInput` looked at
 * that no reader has taken yet (standard input cannot be read twice).
 */
interface StdinState {
  readonly source: StdinSource;
  iterator?: Iterator<Uint8Array>;
  readonly pending: Buffer[];
}

/** The standard input of the code running inside `withStandardInput` (the CLI's `main`); else the process's. */
const standardInput = new AsyncLocalStorage<StdinState>();
let processState: StdinState | undefined;

function stdinState(): StdinState {
  return standardInput.getStore() ?? (processState ??= { source: processStandardInput, pending: [] });
}

/**
 * Run `body` with `stdin` as the standard input that `readSource` and `readChunks` read for `-`, in `body` and in
 * everything it awaits (an AsyncLocalStorage, so concurrent runs each keep their own). `main` uses this so that
 * the CLI reads the standard input of its injected IO: the process's in src/cli.ts, a string in the tests.
 */
export function withStandardInput<T>(stdin: StdinSource, body: () => T): T {
  return standardInput.run({ source: stdin, pending: [] }, body);
}

/** The process's standard input (file descriptor 0), read synchronously in chunks of 1 MiB. */
export function* processStandardInput(fs: InputFileSystem = NODE_INPUT_FILE_SYSTEM): Generator<Buffer> {
  yield* descriptorChunks(0, STDIN_NAME, fs);
}

/**
 * The longest line an input may have, in bytes (1 MiB), not counting its line break.
 *
 * A line is a run of bytes without CR or LF. A panel row is a few hundred bytes at most, so a longer line means
 * the input is not CSV (a binary or minified file) or has lost its line breaks. `readSource` stops reading as
 * soon as a line passes this limit, so a gigabyte-long line fails after about 1 MiB has been read, without
 * holding the file in memory. The CSV parser applies the same limit to a record spread over several lines by a
 * quoted field (csv-parse's `max_record_size`).
 */
export const MAX_RECORD_BYTES = 1024 * 1024;

/**
 * The largest input read whole, in bytes (256 MiB). A whole input is held in memory and parsed into cells, which
 * takes several times its size; 256 MiB is far above any authority-level panel or DfE statistics file and keeps
 * the parse well inside Node's default heap and its maximum string length (2^29 − 24 characters). Inputs read in
 * segments (`readChunks`, for `decompose` on a model without fixed effects) have no size limit.
 */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/** Bytes asked of the operating system per read. */
const CHUNK_BYTES = 1024 * 1024;

/** Bytes looked at to recognise a file format by its first bytes. */
const SNIFF_BYTES = 8;

/** Options of `readSource`. */
export interface ReadOptions {
  /**
   * Let a workbook through: an input whose first bytes are a ZIP (.xlsx, .ods) or OLE (.xls) signature is read
   * as bytes, with the size limit but without the text checks, for the caller to read as a workbook.
   */
  readonly workbooks?: boolean;
}

/** Whether the first bytes are the signature of a workbook container: ZIP (.xlsx, .ods) or OLE (.xls). */
export function hasWorkbookSignature(head: Uint8Array): boolean {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  return starts(0x50, 0x4b, 0x03, 0x04) || starts(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1);
}

/**
 * Read a whole input: a path, or `-` for standard input.
 *
 * The input is read synchronously in chunks of 1 MiB, and every chunk is checked as it arrives (see
 * `InputChecker`): a format that is not UTF-8 text (UTF-16/32, a workbook unless `options.workbooks`, an archive,
 * a PDF), a NUL byte, a line longer than `MAX_RECORD_BYTES` or an input larger than `MAX_INPUT_BYTES` stops the
 * reading at once with a DataError naming the file (and the line, for a NUL byte or a long line). Never writes to
 * or moves the file; unreadable paths become a DataError naming the file.
 *
 * Standard input is `stdin`'s bytes if given (they get the same checks after the fact), else that of the enclosing
 * `withStandardInput`, else the process's.
 *
 * @param stdin supplies standard input's bytes (for tests); they get the same checks after the fact.
 * @throws {DataError} unreadable path, directory, or one of the checks above.
 * @example
 * const { name, bytes } = readSource('fixtures/reference-panel.csv');
 */
export function readSource(path: string, stdin?: () => Buffer, options: ReadOptions = {}): InputSource {
  const name = path === '-' ? STDIN_NAME : path;
  if (path === '-' && stdin) {
    const bytes = stdin();
    const checker = new InputChecker(STDIN_NAME, MAX_INPUT_BYTES, options.workbooks === true);
    checker.push(bytes);
    checker.end();
    return { name, bytes };
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for (const chunk of readChunks(path, MAX_INPUT_BYTES, options.workbooks === true)) {
    chunks.push(chunk);
    total += chunk.length;
  }
  return { name, bytes: Buffer.concat(chunks, total) };
}

/**
 * Run every byte-level check of `readSource` on bytes already in memory (the same checks, the same messages).
 * `parseCsv` calls this, so inputs that did not come through `readSource` are checked too.
 *
 * @throws {DataError} not UTF-8 text by its first bytes, a NUL byte, a line longer than MAX_RECORD_BYTES, or
 *   more than MAX_INPUT_BYTES.
 */
export function checkInputBytes(bytes: Uint8Array, file: string): void {
  const checker = new InputChecker(file);
  checker.push(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  checker.end();
}

/**
 * An input (a path, or `-` for standard input) as a sequence of chunks of about 1 MiB, each given the byte-level
 * checks of `readSource` before it is yielded. The total size is bounded by `maxBytes`, by default not at all: for
 * readers that keep only a bounded part of the input at a time (see `readTableSegments`). With `workbooks`, a
 * workbook's bytes pass unchecked but for their size (see `ReadOptions`).
 *
 * @throws {DataError} as `readSource`, with `maxBytes` as the size limit.
 */
export function* readChunks(
  path: string,
  maxBytes = Number.POSITIVE_INFINITY,
  workbooks = false,
  fs: InputFileSystem = NODE_INPUT_FILE_SYSTEM,
): Generator<Buffer> {
  if (path === '-') {
    yield* checkedChunks(stdinChunks(), STDIN_NAME, maxBytes, workbooks);
    return;
  }
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (error) {
    throw unreadable(path, error);
  }
  try {
    // Stryker disable next-line BooleanLiteral: fstatSync below sets it, or the read stops with an error
    let isDirectory = false;
    // Stryker disable next-line BlockStatement: without fstat, a folder fails its first read with EISDIR: same words
    try {
      isDirectory = fs.fstatSync(fd).isDirectory();
    } catch (error) {
      throw unreadable(path, error);
    }
    if (isDirectory) throw new DataError('is a directory, not a CSV file', { file: path });
    yield* checkedChunks(descriptorChunks(fd, path, fs), path, maxBytes, workbooks);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The first `count` bytes of an input (fewer if it is shorter), without consuming them: a file is read from its
 * start again by the next reader, and standard input's bytes are kept for it (in the run's standard-input state).
 * A path that is not a regular file (a named pipe, a process substitution) is not opened, since its bytes could
 * not be read twice: the answer is then empty. For choosing a reader by the input's signature before reading it
 * (see `hasWorkbookSignature`).
 *
 * @throws {DataError} unreadable path, as `readSource`.
 */
export function peekInput(path: string, count: number, fs: InputFileSystem = NODE_INPUT_FILE_SYSTEM): Buffer {
  if (path === '-') {
    const state = stdinState();
    let have = state.pending.reduce((sum, chunk) => sum + chunk.length, 0);
    while (have < count) {
      const next = stdinIterator(state).next();
      if (next.done) break;
      const chunk = asBuffer(next.value);
      state.pending.push(chunk);
      have += chunk.length;
    }
    return Buffer.concat(state.pending).subarray(0, count);
  }
  let fd: number;
  try {
    // A directory is refused by the reader that follows, with its message; a pipe cannot be read twice.
    if (!fs.statSync(path).isFile()) return Buffer.alloc(0);
    fd = fs.openSync(path, 'r');
  } catch (error) {
    throw unreadable(path, error);
  }
  try {
    const buffer = Buffer.alloc(count);
    let have = 0;
    while (have < count) {
      const read = fs.readSync(fd, buffer, have, count - have, have);
      if (read === 0) break;
      have += read;
    }
    return buffer.subarray(0, have);
  } catch (error) {
    throw unreadable(path, error);
  } finally {
    fs.closeSync(fd);
  }
}

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function stdinIterator(state: StdinState): Iterator<Uint8Array> {
  state.iterator ??= state.source()[Symbol.iterator]();
  return state.iterator;
}

/** Standard input's chunks for a reader: first those `peekInput` kept, then the rest of the source. */
function* stdinChunks(): Generator<Uint8Array> {
  const state = stdinState();
  while (state.pending.length > 0) yield state.pending.shift()!;
  const iterator = stdinIterator(state);
  for (;;) {
    const next = iterator.next();
    if (next.done) return;
    yield next.value;
  }
}

/** The bytes of an open file descriptor, read synchronously in chunks of up to 1 MiB (each a copy of its own). */
function* descriptorChunks(fd: number, file: string, fs: InputFileSystem): Generator<Buffer> {
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  for (;;) {
    let count: number;
    try {
      count = fs.readSync(fd, buffer, 0, CHUNK_BYTES, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        // A non-blocking standard input with nothing to read yet: wait a moment, synchronously.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      if (code === 'EOF') break; // Windows pipes report their end this way
      throw unreadable(file, error);
    }
    if (count === 0) break;
    yield Buffer.from(buffer.subarray(0, count)); // a copy, so each chunk holds only its own bytes
  }
}

/** `chunks` given the checks of `InputChecker`, each yielded once it has passed them. */
function* checkedChunks(
  chunks: Iterable<Uint8Array>,
  file: string,
  maxBytes: number,
  workbooks: boolean,
): Generator<Buffer> {
  const checker = new InputChecker(file, maxBytes, workbooks);
  for (const chunk of chunks) {
    if (chunk.length === 0) continue;
    checker.push(asBuffer(chunk));
    yield* checker.release();
  }
  checker.end();
  yield* checker.release();
}

function unreadable(file: string, error: unknown): DataError {
  // Stryker disable next-line OptionalChaining: every caller passes what a node:fs call threw, always an Error
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'is a directory, not a CSV file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : `cannot be read (${code ?? String(error)})`;
  return new DataError(why, { file });
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Incremental byte-level checks of an input, fed chunk by chunk:
 *
 * 1. the first bytes: a byte-order mark or signature of UTF-16, UTF-32, ZIP (.xlsx, .ods), OLE (.xls), gzip or
 *    PDF, or UTF-16 text without a byte-order mark (ASCII interleaved with NUL bytes); when `workbooks` is set, a
 *    ZIP or OLE signature is let through instead and the checks below are skipped, but for the size limit;
 * 2. no NUL byte (binary data);
 * 3. no line longer than MAX_RECORD_BYTES: a line ends at LF, CR or CRLF (so old Mac files count correctly);
 * 4. no more than MAX_INPUT_BYTES in all.
 *
 * Lines are counted as they pass, so errors name the line (row) at fault. The cost is a few native `indexOf`
 * scans per chunk; nothing is decoded.
 */
class InputChecker {
  private readonly file: string;
  private readonly maxBytes: number;
  /** Chunks that have passed every check, waiting to be taken by `release`. */
  private checked: Buffer[] = [];
  /** 1-based number of the line being read. */
  private line = 1;
  /** Bytes of the current line seen so far. */
  private lineBytes = 0;
  /** The last byte seen was CR (so an LF right after it ends no further line). */
  private afterCr = false;
  private total = 0;
  /** Chunks held back until SNIFF_BYTES have arrived and the format check has run. */
  private pending: Buffer[] | undefined = [];
  /** Whether a workbook's signature lets its bytes through unscanned. */
  private readonly workbooks: boolean;
  /** A workbook was recognised: its bytes are passed on as they are. */
  private binary = false;

  constructor(file: string, maxBytes = MAX_INPUT_BYTES, workbooks = false) {
    this.file = file;
    this.maxBytes = maxBytes;
    this.workbooks = workbooks;
  }

  /** The chunks checked so far, in order, each once. */
  release(): Buffer[] {
    const out = this.checked;
    this.checked = [];
    return out;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.total > this.maxBytes) {
      throw new DataError(`is larger than ${formatBytes(this.maxBytes)}, the most cpp-variance reads`, {
        file: this.file,
      });
    }
    if (this.pending) {
      this.pending.push(chunk);
      if (this.total < SNIFF_BYTES) return;
      this.flushPending();
      return;
    }
    this.scan(chunk);
  }

  end(): void {
    if (this.pending) this.flushPending();
  }

  private flushPending(): void {
    // Stryker disable next-line ArrayDeclaration: push() and end() call it with chunks pending
    const pending = this.pending ?? [];
    this.pending = undefined;
    const head = Buffer.concat(pending.map((c) => c.subarray(0, SNIFF_BYTES))).subarray(0, SNIFF_BYTES);
    if (this.workbooks && hasWorkbookSignature(head)) {
      this.binary = true;
      this.checked.push(...pending);
      return;
    }
    const problem = recogniseFormat(head);
    if (problem) throw new DataError(problem, { file: this.file });
    for (const chunk of pending) this.scan(chunk);
  }

  private scan(chunk: Buffer): void {
    if (this.binary) {
      this.checked.push(chunk);
      return;
    }
    const nul = chunk.indexOf(0);
    const end = nul < 0 ? chunk.length : nul;
    let pos = 0;
    let nextLf = -2; // -2: not searched yet; -1: none left in this chunk
    let nextCr = -2;
    while (pos < end) {
      if (nextLf !== -1 && nextLf < pos) nextLf = chunk.indexOf(LF, pos);
      if (nextCr !== -1 && nextCr < pos) nextCr = chunk.indexOf(CR, pos);
      const lf = nextLf >= 0 && nextLf < end ? nextLf : -1;
      const cr = nextCr >= 0 && nextCr < end ? nextCr : -1;
      const brk = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      if (brk < 0) {
        this.addToLine(end - pos);
        pos = end;
        break;
      }
      if (brk > pos) this.addToLine(brk - pos);
      if (chunk[brk] === CR) {
        this.line++;
        this.lineBytes = 0;
        this.afterCr = true;
      } else {
        if (!(this.afterCr && brk === pos)) this.line++; // the LF of a CRLF ends no second line
        this.lineBytes = 0;
        this.afterCr = false;
      }
      pos = brk + 1;
    }
    if (nul >= 0) {
      throw new DataError('contains a NUL byte: this looks like a binary file, not CSV text', {
        file: this.file,
        row: this.line,
      });
    }
    this.checked.push(chunk);
  }

  private addToLine(bytes: number): void {
    this.afterCr = false;
    this.lineBytes += bytes;
    if (this.lineBytes > MAX_RECORD_BYTES) {
      throw new DataError(
        `a record is longer than ${formatBytes(MAX_RECORD_BYTES)} (the file may not be CSV, or lack line breaks)`,
        { file: this.file, row: this.line },
      );
    }
  }
}

/** What the first bytes say the input is, when that is not UTF-8 text; undefined if they look like text. */
function recogniseFormat(head: Buffer): string | undefined {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  const saveAs = 'save it as UTF-8 CSV (in Excel: "CSV UTF-8 (Comma delimited)")';
  if (starts(0xff, 0xfe, 0x00, 0x00))
    return `is UTF-32 text (little-endian byte-order mark FF FE 00 00), not UTF-8; ${saveAs}`;
  if (starts(0x00, 0x00, 0xfe, 0xff))
    return `is UTF-32 text (big-endian byte-order mark 00 00 FE FF), not UTF-8; ${saveAs}`;
  if (starts(0xff, 0xfe)) return `is UTF-16 text (little-endian byte-order mark FF FE), not UTF-8; ${saveAs}`;
  if (starts(0xfe, 0xff)) return `is UTF-16 text (big-endian byte-order mark FE FF), not UTF-8; ${saveAs}`;
  if (starts(0x50, 0x4b, 0x03, 0x04))
    return `is a ZIP archive (an Excel .xlsx or OpenDocument workbook?), not CSV text; ${saveAs}`;
  if (starts(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1))
    return `is an Excel 97-2003 workbook (.xls), not CSV text; ${saveAs}`;
  if (starts(0x1f, 0x8b)) return 'is gzip-compressed, not CSV text; decompress it first (gunzip)';
  if (starts(0x25, 0x50, 0x44, 0x46, 0x2d)) return 'is a PDF document, not CSV text';
  if (head.length >= 4) {
    const text = (b: number | undefined) => b !== undefined && b >= 0x09 && b < 0x7f;
    if (text(head[0]) && head[1] === 0 && text(head[2]) && head[3] === 0) {
      return `looks like UTF-16 text (little-endian, without a byte-order mark), not UTF-8; ${saveAs}`;
    }
    if (head[0] === 0 && text(head[1]) && head[2] === 0 && text(head[3])) {
      return `looks like UTF-16 text (big-endian, without a byte-order mark), not UTF-8; ${saveAs}`;
    }
  }
  return undefined;
}

/** `1 MiB`, `256 MiB`, or a byte count. */
export function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MiB` : `${bytes} bytes`;
}
