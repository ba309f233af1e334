import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The folder holding cpp-variance's package.json, found by walking up from this module (works from src and dist). */
export function packageRoot(): string {
  // Stryker disable next-line ConditionalExpression: looking again finds the same folder
  if (cached) return cached;
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(folder, 'package.json');
    // Stryker disable next-line StringLiteral,ConditionalExpression: Buffers parse as UTF-8; the first is ours
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'cpp-variance')
      return (cached = folder);
    const parent = dirname(folder);
    // Stryker disable next-line ConditionalExpression,StringLiteral: reached only outside the package, never in it
    if (parent === folder) throw new Error('cpp-variance: cannot find the package root');
    folder = parent;
  }
}

/** The tool's version, from package.json. */
export function packageVersion(): string {
  return JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version as string;
}
