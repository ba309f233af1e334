/**
 * What src/io/source.ts does when the file system answers in ways it will not on demand: a non-blocking standard
 * input with nothing to read yet (EAGAIN: wait and read again), a pipe that reports its end as Windows does (EOF),
 * a folder refused when it is opened (EISDIR), an fstat that fails, and the descriptor closed once whatever
 * happens. The mutation run found these branches unreached; they are reached here through the module's
 * `InputFileSystem` parameter (the tests share one module graph, so node:fs itself is never mocked).
 */
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { type InputFileSystem, peekInput, processStandardInput, readChunks } from '../../src/io/source.js';
import { thrownBy } from '../helpers.js';

/** A failure as node:fs reports one: an Error with its code. */
function systemError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

/** What a read does, in turn: bytes to copy into the caller's buffer, or an error to throw. */
type ReadStep = string | NodeJS.ErrnoException;

/**
 * A file system whose one file (descriptor 7) answers its reads with `steps`, then with the end of the file;
 * `changes` replaces any call. Every call is written down, in order.
 */
function scriptedFileSystem(steps: ReadStep[], changes: Partial<InputFileSystem> = {}) {
  const calls: string[] = [];
  const fs: InputFileSystem = {
    openSync: (path, flags) => {
      calls.push(`open ${path} ${flags}`);
      return 7;
    },
    fstatSync: (fd) => {
      calls.push(`fstat ${fd}`);
      return { isDirectory: () => false };
    },
    statSync: (path) => {
      calls.push(`stat ${path}`);
      return { isFile: () => true };
    },
    readSync: (fd, buffer, offset, length) => {
      const step = steps.shift();
      calls.push(`read ${fd}${step instanceof Error ? ` ${step.code}` : ''}`);
      if (step instanceof Error) throw step;
      if (step === undefined) return 0;
      const bytes = Buffer.from(step.slice(0, length));
      bytes.copy(buffer, offset);
      return bytes.length;
    },
    closeSync: (fd) => void calls.push(`close ${fd}`),
    ...changes,
  };
  return { fs, calls };
}

const text = (chunks: Iterable<Buffer>) => Buffer.concat([...chunks]).toString('utf8');

describe('standard input read from its descriptor', () => {
  it('waits and reads again while a non-blocking input has nothing yet (EAGAIN)', () => {
    const { fs, calls } = scriptedFileSystem([systemError('EAGAIN'), 'a,b\n', systemError('EAGAIN'), '1,2\n']);
    expect(text(processStandardInput(fs))).toBe('a,b\n1,2\n');
    expect(calls).toEqual(['read 0 EAGAIN', 'read 0', 'read 0 EAGAIN', 'read 0', 'read 0']);
  });

  it('ends where a pipe reports its end as Windows does (EOF), keeping what came before', () => {
    const { fs, calls } = scriptedFileSystem(['a,b\n', systemError('EOF'), 'never read\n']);
    expect(text(processStandardInput(fs))).toBe('a,b\n');
    expect(calls).toEqual(['read 0', 'read 0 EOF']);
  });

  it('stops with the reason of any other failure, naming standard input', () => {
    const { fs } = scriptedFileSystem(['a,b\n', systemError('EIO')]);
    const error = thrownBy(() => text(processStandardInput(fs)), DataError);
    expect(error.message).toBe('<stdin>: cannot be read (EIO)');
  });
});

describe('a file read in chunks', () => {
  it('reads what the descriptor gives, waits on EAGAIN like standard input, and closes it once', () => {
    const { fs, calls } = scriptedFileSystem(['x,y\n', systemError('EAGAIN'), '3,4\n']);
    expect(text(readChunks('panel.csv', Number.POSITIVE_INFINITY, false, fs))).toBe('x,y\n3,4\n');
    expect(calls).toEqual(['open panel.csv r', 'fstat 7', 'read 7', 'read 7 EAGAIN', 'read 7', 'read 7', 'close 7']);
  });

  it('says a folder refused at its opening is a directory (EISDIR), as one found by fstat', () => {
    const refused = scriptedFileSystem([], {
      openSync: () => {
        throw systemError('EISDIR');
      },
    });
    expect(
      thrownBy(() => text(readChunks('folder', Number.POSITIVE_INFINITY, false, refused.fs)), DataError).message,
    ).toBe('folder: is a directory, not a CSV file');
    const found = scriptedFileSystem([], { fstatSync: () => ({ isDirectory: () => true }) });
    expect(
      thrownBy(() => text(readChunks('folder', Number.POSITIVE_INFINITY, false, found.fs)), DataError).message,
    ).toBe('folder: is a directory, not a CSV file');
    expect(found.calls).toEqual(['open folder r', 'close 7']);
  });

  it('stops with the reason when fstat fails, reads nothing and closes the descriptor', () => {
    const { fs, calls } = scriptedFileSystem(['never read\n'], {
      fstatSync: () => {
        throw systemError('EIO');
      },
    });
    expect(thrownBy(() => text(readChunks('panel.csv', Number.POSITIVE_INFINITY, false, fs)), DataError).message).toBe(
      'panel.csv: cannot be read (EIO)',
    );
    expect(calls).toEqual(['open panel.csv r', 'close 7']);
  });

  it('closes the descriptor once when a read fails', () => {
    const { fs, calls } = scriptedFileSystem(['x,y\n', systemError('EACCES')]);
    expect(thrownBy(() => text(readChunks('panel.csv', Number.POSITIVE_INFINITY, false, fs)), DataError).message).toBe(
      'panel.csv: permission denied',
    );
    expect(calls.filter((call) => call.startsWith('close'))).toEqual(['close 7']);
  });
});

describe('the first bytes of a file, peeked', () => {
  it('reads from the start through the given file system and closes the descriptor', () => {
    const { fs, calls } = scriptedFileSystem(['PK', '\u0003\u0004rest']);
    expect(peekInput('book.xlsx', 4, fs)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    expect(calls).toEqual(['stat book.xlsx', 'open book.xlsx r', 'read 7', 'read 7', 'close 7']);
  });

  it('opens nothing that is not a regular file', () => {
    const { fs, calls } = scriptedFileSystem(['never read'], { statSync: () => ({ isFile: () => false }) });
    expect(peekInput('/dev/fd/63', 4, fs)).toEqual(Buffer.alloc(0));
    expect(calls).toEqual([]);
  });
});
