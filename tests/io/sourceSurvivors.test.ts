/**
 * The byte-level reading of src/io/source.ts pinned where the mutation run found it unchecked
 * (docs/mutation-survivors.md): what the first bytes are taken for (workbook, UTF-16 with and without a byte-order
 * mark, binary), the line a NUL byte is reported on (LF, CR and CRLF, inside a chunk and across chunk boundaries),
 * when chunks are handed on, the size limit at and one byte over, peeking at an input without consuming it, and
 * the exact message for each way a path cannot be read.
 */
import { chmodSync, mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import {
  checkInputBytes,
  formatBytes,
  hasWorkbookSignature,
  peekInput,
  readChunks,
  readSource,
  STDIN_NAME,
  withStandardInput,
} from '../../src/io/source.js';
import { thrownBy } from '../helpers.js';

const folder = mkdtempSync(join(tmpdir(), 'cpv-source-survivors-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const path = join(folder, name);
  writeFileSync(path, content);
  return path;
}

const message = (action: () => unknown): string => thrownBy(action, DataError).message;

const bytes = (...values: number[]) => Buffer.from(values);

const SAVE_AS = 'save it as UTF-8 CSV (in Excel: "CSV UTF-8 (Comma delimited)")';
const NUL = 'contains a NUL byte: this looks like a binary file, not CSV text';
const ZIP = `is a ZIP archive (an Excel .xlsx or OpenDocument workbook?), not CSV text; ${SAVE_AS}`;
const UTF16_LE = `looks like UTF-16 text (little-endian, without a byte-order mark), not UTF-8; ${SAVE_AS}`;
const UTF16_BE = `looks like UTF-16 text (big-endian, without a byte-order mark), not UTF-8; ${SAVE_AS}`;

/** The first bytes of a .xlsx/.ods (a ZIP local file header), then bytes that would fail the text checks. */
const ZIP_BYTES = Buffer.concat([bytes(0x50, 0x4b, 0x03, 0x04), bytes(0x14, 0, 0, 0, 0, 0, 0xff, 0x0a)]);

/**
 * A standard input made of `parts`, each handed out as one chunk, with a count of the chunks handed out so far (to
 * tell how far a reader has read).
 */
function stdinOf(parts: readonly (string | readonly number[])[]) {
  const progress = { pulled: 0 };
  function* source(): Generator<Uint8Array> {
    for (const part of parts) {
      progress.pulled++;
      yield typeof part === 'string' ? Buffer.from(part) : Uint8Array.from(part);
    }
  }
  return { source, progress };
}

/** The chunks `chunks` yields (as text) before it ends or throws, and the DataError it throws, if any. */
function drain(chunks: Iterable<Buffer>): { got: string[]; error: DataError | undefined } {
  const got: string[] = [];
  try {
    for (const chunk of chunks) got.push(chunk.toString('latin1'));
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    return { got, error: error as DataError };
  }
  return { got, error: undefined };
}

/** readChunks('-') over a standard input made of `parts`. */
function drainStdin(parts: readonly (string | readonly number[])[], maxBytes?: number, workbooks?: boolean) {
  return withStandardInput(stdinOf(parts).source, () => drain(readChunks('-', maxBytes, workbooks)));
}

describe('hasWorkbookSignature', () => {
  it('needs every byte of the ZIP or OLE signature, not just some', () => {
    expect(hasWorkbookSignature(bytes(0x50, 0x4b, 0x03, 0x04))).toBe(true);
    expect(hasWorkbookSignature(bytes(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1))).toBe(true);
    expect(hasWorkbookSignature(bytes(0x50, 0x4b, 0x03, 0x05))).toBe(false);
    expect(hasWorkbookSignature(bytes(0x50, 0, 0, 0))).toBe(false);
    expect(hasWorkbookSignature(Buffer.from('P,Q\n1,2\n'))).toBe(false);
    expect(hasWorkbookSignature(bytes(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe0))).toBe(false);
    expect(hasWorkbookSignature(bytes())).toBe(false);
  });
});

describe('formatBytes', () => {
  it('gives whole MiB as MiB and anything else as a byte count', () => {
    expect(formatBytes(1024 * 1024)).toBe('1 MiB');
    expect(formatBytes(256 * 1024 * 1024)).toBe('256 MiB');
    expect(formatBytes(10)).toBe('10 bytes');
    expect(formatBytes(1.5 * 1024 * 1024)).toBe('1572864 bytes');
  });
});

describe('what the first bytes are taken for', () => {
  it('names a ZIP archive (a workbook read as CSV) in full', () => {
    expect(message(() => checkInputBytes(ZIP_BYTES, 'in.csv'))).toBe(`in.csv: ${ZIP}`);
  });

  it.each([
    ['ASCII then NUL, three times', [0x61, 0, 0x62, 0, 0x0a, 0]],
    ['a tab first', [0x09, 0, 0x61, 0]],
    ['"~" (0x7E, the last text byte) first', [0x7e, 0, 0x61, 0]],
    ['exactly four bytes', [0x61, 0, 0x62, 0]],
  ])('takes %s for UTF-16 little-endian without a byte-order mark', (_, head) => {
    expect(message(() => checkInputBytes(bytes(...head), 'in.csv'))).toBe(`in.csv: ${UTF16_LE}`);
  });

  it.each([
    ['NUL then ASCII, twice', [0, 0x61, 0, 0x62]],
    ['a tab and "~"', [0, 0x09, 0, 0x7e]],
  ])('takes %s for UTF-16 big-endian without a byte-order mark', (_, head) => {
    expect(message(() => checkInputBytes(bytes(...head), 'in.csv'))).toBe(`in.csv: ${UTF16_BE}`);
  });

  it.each([
    ['a NUL only in the fourth byte', [0x61, 0x62, 0x63, 0]],
    ['a NUL only in the second byte', [0x61, 0, 0x62, 0x63]],
    ['a control character (0x01) before the first NUL', [0x01, 0, 0x61, 0]],
    ['a backspace (0x08, just below tab) before the first NUL', [0x08, 0, 0x61, 0]],
    ['DEL (0x7F) before the first NUL', [0x7f, 0, 0x61, 0]],
    ['a NUL first, then no second NUL', [0, 0x61, 0x62, 0x63]],
    ['a control character, then a NUL in the third byte', [0x01, 0x01, 0, 0x61]],
    ['text, then a NUL in the third byte', [0x62, 0x61, 0, 0x63]],
    ['a NUL first, then a control character', [0, 0x01, 0, 0x61]],
  ])('takes %s for binary, not UTF-16', (_, head) => {
    const error = thrownBy(() => checkInputBytes(bytes(...head), 'in.csv'), DataError);
    expect(error.message).toBe(`in.csv row 1: ${NUL}`);
  });

  it('does not take fewer than four bytes for UTF-16', () => {
    expect(message(() => checkInputBytes(bytes(0x61, 0, 0x62), 'in.csv'))).toBe(`in.csv row 1: ${NUL}`);
  });
});

describe('the line a NUL byte is reported on, within one chunk', () => {
  it.each([
    ['a NUL as the very first byte', '\0ab\n\ncd', 1],
    ['a NUL before two line breaks', 'ab\0c\rd\r', 1],
    ['a file that starts with LF', '\nabc\0', 2],
    ['a file that starts with CR', '\rabc\0', 2],
    ['CR first, then LF later in the line', '\rab\ncd\0', 3],
    ['CR, then LF later', 'a\rb\nc\0', 3],
    ['two LFs in a row (an empty line)', 'a\n\nb\0', 3],
    ['two CRs in a row', 'a\r\rb\0', 3],
    ['CR, CR, LF: the LF ends no line of its own', 'a\r\r\nb\0', 3],
    ['CRLF, then LF', 'a\r\n\nb\0', 3],
  ])('%s', (_, text, row) => {
    const error = thrownBy(() => checkInputBytes(Buffer.from(text, 'latin1'), 'in.csv'), DataError);
    expect(error.message).toBe(`in.csv row ${row}: ${NUL}`);
    expect(error.location).toEqual({ file: 'in.csv', row });
  });
});

describe('chunks of standard input', () => {
  it('counts an LF that starts a chunk after text as a line end', () => {
    expect(drainStdin(['abcdefgh', '\nx\0'])).toEqual({
      got: ['abcdefgh'],
      error: expect.objectContaining({ message: `${STDIN_NAME} row 2: ${NUL}` }),
    });
  });

  it('counts a CRLF split between chunks once, and a CR then CR twice', () => {
    expect(drainStdin(['abcdefg\r', '\nx\0']).error?.message).toBe(`${STDIN_NAME} row 2: ${NUL}`);
    expect(drainStdin(['abcdefg\r', '\rx\0']).error?.message).toBe(`${STDIN_NAME} row 3: ${NUL}`);
  });

  it('reports a NUL that starts a later chunk', () => {
    expect(drainStdin(['a,b\n1,2\n', '\0']).error?.message).toBe(`${STDIN_NAME} row 3: ${NUL}`);
  });

  it('hands on a chunk of exactly eight bytes (enough to recognise the format) before reading the next', () => {
    const { got, error } = drainStdin(['a,b\n1,2\n', 'x\0']);
    expect(got).toEqual(['a,b\n1,2\n']);
    expect(error?.message).toBe(`${STDIN_NAME} row 3: ${NUL}`);
  });

  it('holds back short chunks only until eight bytes have arrived', () => {
    const { source, progress } = stdinOf(['abc', 'defgh', 'ij\n', 'kl\n']);
    withStandardInput(source, () => {
      const iterator = readChunks('-')[Symbol.iterator]();
      expect(iterator.next().value?.toString()).toBe('abc');
      expect(progress.pulled).toBe(2);
      expect(iterator.next().value?.toString()).toBe('defgh');
      expect(progress.pulled).toBe(2);
      expect(iterator.next().value?.toString()).toBe('ij\n');
      expect(progress.pulled).toBe(3);
    });
  });

  it('recognises a UTF-16 byte-order mark that arrives one byte at a time', () => {
    const parts = [[0xff], [0xfe], [0x61, 0], [0x2c, 0], [0x62, 0], [0x0a, 0]];
    expect(drainStdin(parts).error?.message).toBe(
      `${STDIN_NAME}: is UTF-16 text (little-endian byte-order mark FF FE), not UTF-8; ${SAVE_AS}`,
    );
  });

  it('skips empty chunks instead of handing them on', () => {
    expect(drainStdin(['a,b\n1,2\n', '', '3,4\n', ''])).toEqual({ got: ['a,b\n1,2\n', '3,4\n'], error: undefined });
  });

  it('accepts exactly maxBytes and refuses one byte more, before handing anything on', () => {
    expect(drainStdin(['a,b\n', '1,2\n3\n'], 10)).toEqual({ got: ['a,b\n', '1,2\n3\n'], error: undefined });
    const over = drainStdin(['a,b\n', '1,2\n34\n'], 10);
    expect(over.got).toEqual([]);
    expect(over.error?.message).toBe(`${STDIN_NAME}: is larger than 10 bytes, the most cpp-variance reads`);
  });

  it('lets a workbook through unscanned only when asked to, and still applies the size limit', () => {
    const zip = ZIP_BYTES.toString('latin1');
    const parts = [[...ZIP_BYTES], [0, 0, 0x0d, 0]];
    expect(drainStdin(parts, undefined, true)).toEqual({ got: [zip, '\0\0\r\0'], error: undefined });
    expect(drainStdin(parts).error?.message).toBe(`${STDIN_NAME}: ${ZIP}`);
    expect(drainStdin(parts, 12, true).error?.message).toBe(
      `${STDIN_NAME}: is larger than 12 bytes, the most cpp-variance reads`,
    );
  });
});

describe('readSource and the workbooks option', () => {
  it('reads a workbook from standard input only with workbooks: true', () => {
    expect(readSource('-', () => ZIP_BYTES, { workbooks: true }).bytes.equals(ZIP_BYTES)).toBe(true);
    expect(message(() => readSource('-', () => ZIP_BYTES))).toBe(`${STDIN_NAME}: ${ZIP}`);
    expect(message(() => readSource('-', () => ZIP_BYTES, { workbooks: false }))).toBe(`${STDIN_NAME}: ${ZIP}`);
  });

  it('reads a workbook file only with workbooks: true (readChunks refuses one by default)', () => {
    const path = file('book.xlsx', ZIP_BYTES);
    expect(readSource(path, undefined, { workbooks: true }).bytes.equals(ZIP_BYTES)).toBe(true);
    expect(message(() => readSource(path))).toBe(`${path}: ${ZIP}`);
    expect(drain(readChunks(path)).error?.message).toBe(`${path}: ${ZIP}`);
    expect(drain(readChunks(path, undefined, true)).got).toEqual([ZIP_BYTES.toString('latin1')]);
  });

  it('reads a path given with a standard-input supplier from the path', () => {
    const path = file('plain.csv', 'a,b\n1,2\n');
    expect(readSource(path, () => Buffer.from('x\n9\n')).bytes.toString()).toBe('a,b\n1,2\n');
  });

  it('reads the standard input of withStandardInput when no supplier is given', () => {
    const { source } = stdinOf(['a,b\n', '1,2\n']);
    expect(withStandardInput(source, () => readSource('-')).bytes.toString()).toBe('a,b\n1,2\n');
  });

  it('accepts a file of exactly maxBytes and refuses one a byte longer', () => {
    const exact = file('exact.csv', 'a,b\n1,2\n');
    expect(drain(readChunks(exact, 8))).toEqual({ got: ['a,b\n1,2\n'], error: undefined });
    const over = file('over.csv', 'a,b\n1,2\n\n');
    expect(drain(readChunks(over, 8)).error?.message).toBe(
      `${over}: is larger than 8 bytes, the most cpp-variance reads`,
    );
  });
});

describe('peekInput on standard input', () => {
  it('reads only the chunks it needs, keeps them, and hands them to the next reader', () => {
    const { source, progress } = stdinOf(['ab', 'cd', 'ef', 'gh']);
    withStandardInput(source, () => {
      expect(peekInput('-', 4).toString()).toBe('abcd');
      expect(progress.pulled).toBe(2);
      expect(peekInput('-', 3).toString()).toBe('abc');
      expect(progress.pulled).toBe(2);
      expect(peekInput('-', 6).toString()).toBe('abcdef');
      expect(progress.pulled).toBe(3);
      expect(peekInput('-', 100).toString()).toBe('abcdefgh');
      expect(progress.pulled).toBe(4);
      expect(drain(readChunks('-'))).toEqual({ got: ['ab', 'cd', 'ef', 'gh'], error: undefined });
    });
  });

  it('gives what there is of a short input', () => {
    const { source } = stdinOf(['a,b\n']);
    withStandardInput(source, () => {
      expect(peekInput('-', 8).toString()).toBe('a,b\n');
      expect(readSource('-').bytes.toString()).toBe('a,b\n');
    });
  });
});

describe('peekInput on a path', () => {
  it('gives the first bytes of a file, or all of a shorter one', () => {
    const path = file('peek.csv', 'a,b\n1,2\n');
    expect(peekInput(path, 4).toString()).toBe('a,b\n');
    expect(peekInput(path, 8).toString()).toBe('a,b\n1,2\n');
    expect(peekInput(file('short.csv', 'abc'), 8).toString()).toBe('abc');
    expect(peekInput(path, 0).length).toBe(0);
  });

  it('gives nothing for a directory (its reader refuses it) and names a missing file', () => {
    const dir = join(folder, 'a-dir');
    mkdirSync(dir, { recursive: true });
    expect(peekInput(dir, 8).length).toBe(0);
    const missing = join(folder, 'missing.csv');
    expect(message(() => peekInput(missing, 8))).toBe(`${missing}: no such file`);
  });
});

describe('paths that cannot be read', () => {
  it('names a path through a file (ENOTDIR) with its system code', () => {
    const through = join(file('not-a-dir.csv', 'a\n1\n'), 'x.csv');
    const error = thrownBy(() => readSource(through), DataError);
    expect(error.message).toBe(`${through}: cannot be read (ENOTDIR)`);
    expect(error.location).toEqual({ file: through });
    expect(message(() => peekInput(through, 8))).toBe(`${through}: cannot be read (ENOTDIR)`);
  });

  it.runIf(process.platform === 'linux')('names a read that fails after the open (EIO)', () => {
    // Reading a process's own memory at address 0 (never mapped) fails with EIO after a successful open.
    expect(message(() => readSource('/proc/self/mem'))).toBe('/proc/self/mem: cannot be read (EIO)');
    expect(message(() => peekInput('/proc/self/mem', 8))).toBe('/proc/self/mem: cannot be read (EIO)');
  });

  /** A path this process may not open: a file of mode 000, or (for root) another process's memory. */
  function forbiddenPath(): string | undefined {
    const candidates = [file('forbidden.csv', 'a\n1\n'), '/proc/1/mem'];
    chmodSync(candidates[0]!, 0);
    return candidates.find((path) => {
      try {
        closeSync(openSync(path, 'r'));
        return false;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === 'EACCES';
      }
    });
  }

  const forbidden = process.platform === 'linux' ? forbiddenPath() : undefined;
  it.runIf(forbidden !== undefined)('names a file it may not open: permission denied', () => {
    expect(message(() => readSource(forbidden!))).toBe(`${forbidden}: permission denied`);
    expect(message(() => peekInput(forbidden!, 8))).toBe(`${forbidden}: permission denied`);
  });
});

describe.runIf(process.platform === 'linux')('file descriptors', () => {
  const openDescriptors = () => readdirSync('/proc/self/fd').length;

  it('are closed after every read, peek and refusal', () => {
    const path = file('fd.csv', 'a,b\n1,2\n');
    const dir = join(folder, 'fd-dir');
    mkdirSync(dir, { recursive: true });
    const before = openDescriptors();
    for (let i = 0; i < 5; i++) {
      readSource(path);
      peekInput(path, 4);
      thrownBy(() => readSource(dir), DataError);
    }
    expect(openDescriptors()).toBe(before);
  });

  it('are closed when a peek fails', () => {
    const before = openDescriptors();
    for (let i = 0; i < 5; i++) thrownBy(() => peekInput('/proc/self/mem', 8), DataError);
    expect(openDescriptors()).toBe(before);
  });
});
