import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The folder holding cpp-variance's package.json, found by walking up from this module (works from src and dist). */
export function packageRoot(): string {
  cached ??= findPackageRoot(dirname(fileURLToPath(import.meta.url)));
  return cached;
}

/**
 * The nearest folder at or above `start` whose package.json names cpp-variance.
 *
 * @throws {Error} when no folder up to the file-system root has one.
 */
export function findPackageRoot(start: string): string {
  let folder = start;
  for (;;) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'cpp-variance') return folder;
    const parent = dirname(folder);
    if (parent === folder) throw new Error('cpp-variance: cannot find the package root');
    folder = parent;
  }
}

/** The tool's version, from package.json. */
export function packageVersion(): string {
  return JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version as string;
}
