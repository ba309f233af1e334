/**
 * Parsed copies of the datasets that ship with the package, made when the package is built (`npm run build` writes
 * them to dist/datasets). Parsing the 562 KB England panel with csv-parse costs a cold run about 40 ms, most of a
 * `decompose` on it, because the parser's code has not yet been compiled; reading the same table back from JSON
 * takes about 5 ms.
 *
 * A copy is used only for a shipped dataset (recognised by where it is, as its note is) and only when it was made
 * from exactly the bytes read there: it records their SHA-256, which `readInput` reports anyway. A fixture edited
 * after the build, a copy from another version or a missing or damaged copy is passed over, and the file is read
 * and parsed as any other. User files are always parsed.
 *
 * A copy holds what `parseCsvTable` gives: the header and the records as text. It is made only when parsing left
 * the header as it is (no row-names column, no cell without a name), so that the table does not depend on the
 * reader's options (`--allow-unnamed` changes only cells without a name) and every check of the reader has been
 * passed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createHash } from 'node:crypto';
import { InternalError } from '../errors.js';
import { parseCsvTable, type RawTable } from '../io/csv.js';
import { packageRoot } from '../io/packageRoot.js';
import { BUNDLED_DATASET_NOTES, bundledDataset } from './datasets.js';

/** Where the build writes the copies, relative to the package root. */
export const PREPARED_FOLDER = 'dist/datasets';

/** A shipped dataset as parsed: the SHA-256 (hex) of the CSV it was parsed from, its header and its records. */
export interface PreparedCopy {
  readonly sha256: string;
  readonly header: readonly string[];
  readonly records: readonly (readonly string[])[];
}

/** The path of the copy of a shipped dataset, given by its path relative to the package root. */
export function preparedPath(dataset: string): string {
  return join(packageRoot(), PREPARED_FOLDER, `${basename(dataset)}.json`);
}

/**
 * The shipped dataset at `path` as `readInput` reads it, from its copy (`fromCopy`), or undefined when `path` is
 * no shipped dataset or its copy does not apply; the caller then reads and parses the file.
 */
export function preparedInput(path: string, file: string): { table: RawTable; sha256: string } | undefined {
  const dataset = bundledDataset(path);
  return dataset === undefined ? undefined : fromCopy(preparedPath(dataset), path, file);
}

/**
 * The CSV file at `path` from the copy at `copyPath`, as the table named `file` with the SHA-256 (hex) of the
 * file's bytes, when the copy was made from bytes with that SHA-256; otherwise (also when either file cannot be
 * read) undefined. The bytes are not given `readSource`'s checks: the copy's were, and these are the same bytes.
 */
export function fromCopy(
  copyPath: string,
  path: string,
  file: string,
): { table: RawTable; sha256: string } | undefined {
  let copy: PreparedCopy;
  let sha256: string;
  try {
    sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
    copy = JSON.parse(readFileSync(copyPath, 'utf8')) as PreparedCopy;
  } catch {
    return undefined;
  }
  if (copy.sha256 !== sha256 || !Array.isArray(copy.header) || !Array.isArray(copy.records)) return undefined;
  return { table: { file, header: copy.header, records: copy.records }, sha256 };
}

/**
 * The copy of a shipped dataset (its path relative to the package root): its CSV parsed by `parseCsvTable`.
 *
 * @throws {InternalError} parsing changed the header (a row-names column, a cell without a name): such a table
 *   would depend on the reader's options, and is not copied.
 */
export function prepareCopy(dataset: string): PreparedCopy {
  const bytes = readFileSync(join(packageRoot(), dataset));
  const { table, header } = parseCsvTable({ name: dataset, bytes });
  if (header.rowNames || header.unnamed.length > 0)
    throw new InternalError(`${dataset}: its header is changed when read; a parsed copy would depend on options`);
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    header: table.header,
    records: table.records,
  };
}

/** Write the copy of every shipped dataset (`npm run build`); returns the paths written. */
export function writePreparedCopies(): string[] {
  const datasets = Object.keys(BUNDLED_DATASET_NOTES);
  if (new Set(datasets.map((dataset) => basename(dataset))).size < datasets.length)
    throw new InternalError('two shipped datasets have the same file name: their copies would be one file');
  mkdirSync(join(packageRoot(), PREPARED_FOLDER), { recursive: true });
  return datasets.map((dataset) => {
    const path = preparedPath(dataset);
    writeFileSync(path, JSON.stringify(prepareCopy(dataset)));
    return path;
  });
}
