import { renameSync, writeFileSync, realpathSync, existsSync } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';
import { UsageError, DataError } from '../errors.js';

/**
 * Write `text` to `path` atomically (a temporary file in the same folder, then rename), refusing to
 * overwrite any of the command's input files.
 */
export function writeOutputFile(path: string, text: string, inputs: readonly string[]): void {
  const target = canonical(path);
  for (const input of inputs) {
    if (input !== '-' && canonical(input) === target) {
      throw new UsageError(`--output ${path} is an input of this command; refusing to overwrite it`);
    }
  }
  const temporary = join(dirname(resolve(path)), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  } catch (error) {
    throw new DataError(`cannot be written (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
      file: path,
    });
  }
}

function canonical(path: string): string {
  const absolute = resolve(path);
  return existsSync(absolute) ? realpathSync(absolute) : absolute;
}
