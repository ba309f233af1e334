import { readFileSync } from 'node:fs';
import { DataError } from '../errors.js';

/** Raw bytes of an input and the name to use for it in messages. */
export interface InputSource {
  readonly name: string;
  readonly bytes: Buffer;
}

/** The name used in messages for standard input. */
export const STDIN_NAME = '<stdin>';

/**
 * Read a whole input: a path, or `-` for standard input.
 * Never writes to or moves the file; unreadable paths become a DataError naming the file.
 */
export function readSource(path: string, stdin: () => Buffer = () => readFileSync(0)): InputSource {
  if (path === '-') return { name: STDIN_NAME, bytes: stdin() };
  try {
    return { name: path, bytes: readFileSync(path) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' :
      code === 'EISDIR' ? 'is a directory, not a CSV file' :
      code === 'EACCES' ? 'permission denied' :
      `cannot be read (${code ?? String(error)})`;
    throw new DataError(why, { file: path });
  }
}
