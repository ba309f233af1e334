/**
 * The datasets that ship with the package, by their paths relative to the package root, and the notes every output
 * made from them carries. Kept apart from the input pipeline so that the command line can name them without
 * loading any reader.
 */
import { join, resolve } from 'node:path';
import { packageRoot } from '../io/packageRoot.js';

/** The dataset used when no file is given, relative to the package root: the real England panel. */
export const DEFAULT_DATASET = 'fixtures/england-la-panel.csv';

/** The synthetic NAO panel, kept for the NAO reproduction. */
export const SYNTHETIC_DATASET = 'fixtures/nao-2019-synthetic.csv';

/** What the default dataset covers: the authorities and years its default model uses (checked in the tests). */
export const ENGLAND_PANEL_EXTENT = '149 English local authorities (not all in every year), 2016–2022';

export const ENGLAND_NOTE =
  `real public data: ${ENGLAND_PANEL_EXTENT} (DfE, ONS and IPSE; sources in fixtures/real/SOURCES.md), ` +
  'rebuilt by scripts/build-england-panel.sh';

export const SYNTHETIC_NOTE =
  'these data are SYNTHETIC (made by `cpp-variance simulate --seed 2019`), calibrated to the NAO 2019 published ' +
  'split ' +
  "(44/15/10/6/25); they are not the NAO's data";

/**
 * The note carried into every output made from a fixture that ships with the package, by its path relative to
 * the package root. A file is recognised by where it is, not by its content: a copy elsewhere is the user's file.
 */
export const BUNDLED_DATASET_NOTES: Readonly<Record<string, string>> = {
  [DEFAULT_DATASET]: ENGLAND_NOTE,
  [SYNTHETIC_DATASET]: SYNTHETIC_NOTE,
};

/** Path of the default dataset inside the installed package. */
export function defaultDatasetPath(): string {
  return join(packageRoot(), DEFAULT_DATASET);
}

/**
 * The bundled fixture at `path` (as given, relative to the working folder), by its path relative to the package
 * root, or undefined when `path` is no bundled fixture; "-" is standard input.
 */
export function bundledDataset(path: string): string | undefined {
  if (path === '-') return undefined;
  const absolute = resolve(path);
  return Object.keys(BUNDLED_DATASET_NOTES).find((name) => join(packageRoot(), name) === absolute);
}

/** The note of a bundled fixture when `path` (as given, relative to the working folder) is one; "-" is standard input.
 * */
export function bundledDatasetNote(path: string): string | undefined {
  const fixture = bundledDataset(path);
  return fixture === undefined ? undefined : BUNDLED_DATASET_NOTES[fixture];
}
