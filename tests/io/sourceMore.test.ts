/**
 * Two corners of src/io/source.ts the mutation run found unchecked: the process's own standard-input state, made
 * on first use outside `withStandardInput` (no test reached it), and a read refused with EPERM rather than EACCES,
 * which is a permission problem all the same.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { peekInput, readSource } from '../../src/io/source.js';
import { thrownBy } from '../helpers.js';

describe('standard input outside withStandardInput', () => {
  it('peeks at no bytes without reading the process’s standard input', () => {
    // A count of 0 reads nothing, so the test cannot block on the test runner's standard input; the state it
    // makes (no chunk kept yet) is what a later peek or read of "-" in this process would start from.
    const head = peekInput('-', 0);
    expect(Buffer.isBuffer(head)).toBe(true);
    expect(head.length).toBe(0);
    expect(peekInput('-', 0).length).toBe(0);
  });
});

/** The system's code for a read of `path` that opens but then fails, or undefined if it reads or cannot open. */
function readFailure(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    readSync(fd, Buffer.alloc(64), 0, 64, null);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code;
  } finally {
    closeSync(fd);
  }
}

// Another process's kernel stack or current system call: the open succeeds, the read needs the right to trace it.
const eperm = ['/proc/1/syscall', '/proc/1/stack'].find(
  (path) => process.platform === 'linux' && readFailure(path) === 'EPERM',
);

describe('a read refused by the system', () => {
  it.runIf(eperm !== undefined)('with EPERM is "permission denied", as with EACCES', () => {
    const error = thrownBy(() => readSource(eperm!), DataError);
    expect(error.message).toBe(`${eperm}: permission denied`);
    expect(error.location).toEqual({ file: eperm });
  });
});
