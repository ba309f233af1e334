import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's shared public data files (full DfE, ONS and IPSE releases, not committed): the folder
 * `shared/data/real` beside the repository, i.e. `../shared/data/real` from the repository root (this file is in
 * `<root>/tests`), wherever the clone or worktree is.
 */
export const SHARED_REAL_DATA = fileURLToPath(new URL('../../shared/data/real', import.meta.url));

/** Whether `env` is a CI run's (CI set, e.g. CI=true as GitHub Actions and most CI services set it; not 0 or false). */
export function isCi(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return env.CI !== undefined && !['', '0', 'false'].includes(env.CI.toLowerCase());
}

/** Files of the shared data folder wanted by a test, and whether to run it. */
export interface SharedFiles {
  /** Absolute paths, in the order the names were given. */
  readonly paths: readonly string[];
  /** Skip the test: a file is missing and this is not CI. In CI a missing file fails the test instead. */
  readonly skip: boolean;
  /** Appended to a test's title: which files are missing (and so why it is skipped or fails), or '' when none is. */
  readonly titleNote: string;
  /** Call first in the test: throws, naming the missing files, when one is missing (which happens only in CI). */
  requirePresent(): void;
}

/**
 * The shared data files `names` (in `SHARED_REAL_DATA`). Use as
 * `it.skipIf(files.skip)(title + files.titleNote, () => { files.requirePresent(); … })`: locally a test whose data
 * are absent is skipped (and says so in its title); in CI, where `shared/` is checked out beside the clone, it
 * runs and fails.
 */
export function sharedFiles(...names: readonly string[]): SharedFiles {
  return sharedFilesIn(SHARED_REAL_DATA, names, process.env);
}

/** `sharedFiles` for a given folder and environment. */
export function sharedFilesIn(
  folder: string,
  names: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): SharedFiles {
  const paths = names.map((name) => join(folder, name));
  const missing = paths.filter((path) => !existsSync(path));
  const skip = missing.length > 0 && !isCi(env);
  return {
    paths,
    skip,
    titleNote: missing.length === 0 ? '' : ` (${skip ? 'SKIPPED' : 'FAILS in CI'}: ${missing.join(', ')} not found)`,
    requirePresent() {
      if (missing.length > 0)
        throw new Error(
          `shared data not found: ${missing.join(', ')} (CI needs shared/data/real beside the repository)`,
        );
    },
  };
}
