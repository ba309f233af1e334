/**
 * The shipped command line (`npm run build`, after tsc): dist/src bundled into dist/bin, the folder package.json's
 * "bin" points into. From dist/src a cold `cpp-variance decompose` read, resolved and compiled about 100 module
 * files (ours and our dependencies'); from the bundle it reads 7.
 *
 * - Chunks. A file costs a cold start about 1 ms whatever its size, so the code is grouped by who needs it at
 *   start-up: `common` (what both the command line and the worker threads import), `cli` (the rest of what every
 *   command loads: the parameter table, commander), `models` (the rest of what the workers load: engines,
 *   methods, bootstrap, permutations) and `decompose` (the rest of what `decompose` loads: reading input,
 *   renderers). Each group is the static import graph of its entries less the groups above it.
 * - Commands stay lazy: every other dynamic import (`fit`, `report`, `describe` and the table commands, the spec
 *   validator, the progress bar) is a chunk of its own, loaded only by the command that needs it.
 * - The worker threads are entries, written beside the chunks under their own names, so that
 *   `new URL('./shapleyWorker.js', import.meta.url)` (and bootstrapWorker.js, permutationWorker.js) in
 *   src/models/parallel/parallel.ts finds them from whichever chunk that code lands in: every file of the bundle
 *   is in the one folder (tests/cli/bundle.test.ts checks both, and runs a bundled worker).
 * - Dependencies are bundled too, except Node's own modules and those loaded on first use through `lazyRequire`
 *   (src/lazyRequire.ts), which Node's require resolves from node_modules. read-excel-file is not imported
 *   either: the workbook reader resolves it by name for a child process (src/io/workbook.ts).
 * - src/io/packageRoot.ts walks up from the chunk to package.json, as it does from dist/src.
 * - dist/bin/cli.js is made executable: `npm ci` links package.json's "bin" before `prepare` builds it, so the
 *   build, not npm, must set the mode that `npx cpp-variance` runs it by.
 */
import { chmodSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'rolldown';

const WORKERS = ['shapleyWorker', 'bootstrapWorker', 'permutationWorker'] as const;
const CLI = resolve('dist/src/cli.js');
const WORKER_FILES = WORKERS.map((name) => resolve(`dist/src/models/parallel/${name}.js`));
const DECOMPOSE = resolve('dist/src/commands/decompose.js');

type Group = 'common' | 'cli' | 'models' | 'decompose';
interface Graph {
  getModuleInfo(id: string): { readonly importedIds: readonly string[]; readonly isEntry: boolean } | null;
}

/** The modules statically imported, directly or not, by `roots` (the roots included). */
function staticGraph(roots: readonly string[], graph: Graph): Set<string> {
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const next of graph.getModuleInfo(id)?.importedIds ?? []) visit(next);
  };
  for (const root of roots) visit(root);
  return seen;
}

let graphs: { cli: Set<string>; workers: Set<string>; decompose: Set<string> } | undefined;

/** The group of a module; entries stay in their own files (their top-level code runs when they are loaded). */
function groupOf(id: string, graph: Graph): Group | undefined {
  graphs ??= {
    cli: staticGraph([CLI], graph),
    workers: staticGraph(WORKER_FILES, graph),
    decompose: staticGraph([DECOMPOSE], graph),
  };
  if (graph.getModuleInfo(id)?.isEntry) return undefined;
  if (graphs.cli.has(id)) return graphs.workers.has(id) ? 'common' : 'cli';
  if (graphs.workers.has(id)) return 'models';
  return graphs.decompose.has(id) ? 'decompose' : undefined;
}

const GROUPS: readonly Group[] = ['common', 'cli', 'models', 'decompose'];

export default defineConfig({
  plugins: [{ name: 'executable-bin', writeBundle: () => chmodSync('dist/bin/cli.js', 0o755) }],
  input: { cli: CLI, ...Object.fromEntries(WORKERS.map((name, i) => [name, WORKER_FILES[i]!])) },
  platform: 'node',
  logLevel: 'warn',
  output: {
    dir: 'dist/bin',
    format: 'esm',
    cleanDir: true,
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
    codeSplitting: {
      // Higher priority first: a module goes to the first group whose graph holds it.
      groups: GROUPS.map((group, i) => ({
        name: (id: string, graph: Graph) => (groupOf(id, graph) === group ? group : null),
        debugName: group,
        priority: GROUPS.length - i,
      })),
    },
  },
});
