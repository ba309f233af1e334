/**
 * Setup file of the mutation run (vitest.mutate.config.ts): loads every module Stryker mutates before any test
 * starts. Why: Stryker tells a module's top-level code (constants, tables, regular expressions: "static" mutants,
 * which `ignoreStatic` leaves out) from code a test runs by whether a test was running when it executed. The
 * commands are loaded on first use (`await import` in src/program.ts), so without this the first test to run a
 * command would own that command's top-level code, and each such mutant would be judged by those few tests alone
 * — reported as surviving although other tests kill it.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
// Worker scripts answer their parent thread when loaded; they run only inside a worker.
const isWorkerScript = (file: string) => /Worker\.ts$/.test(file);

for (const folder of ['src/models', 'src/io']) {
  for (const entry of readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' }).sort()) {
    if (!entry.endsWith('.ts') || entry.endsWith('.d.ts') || isWorkerScript(entry)) continue;
    await import(pathToFileURL(join(root, folder, entry)).href);
  }
}
