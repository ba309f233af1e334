#!/usr/bin/env node
// `npm run mutate`: StrykerJS over src/models and src/io, one part at a time, then the combined score.
//   node scripts/mutate.mjs            retest what changed since the last run (all of it the first time)
//   node scripts/mutate.mjs --fresh    forget earlier results and retest every mutant
//   node scripts/mutate.mjs PART ...   only these parts (e.g. src/io src/models/linalg/qr.ts)
// Why in parts: Stryker instruments every file it mutates, and instrumented numerical code runs many times slower.
// Mutated all at once, every test of every mutant runs through instrumented QR, Gram and subset-tree code; one part
// at a time, only the tests of that part's mutants do. Each part runs `stryker run --incremental`: its results join
// those of the other parts in reports/mutation/stryker-incremental.json, and the last run's JSON report holds them
// all. The score is then computed over every file (scripts/mutation-summary.mjs) and checked against the threshold.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { crowdedMarkers, keyOfMutant, readListed } from './mutation-listed.mjs';

/** The parts, each one Stryker run: the hot numerical files on their own, the rest by folder. */
const PARTS = [
  'src/io',
  'src/models/spec',
  'src/models/design',
  'src/models/methods',
  'src/models/engines/subsetTree.ts',
  'src/models/engines/gramFitter.ts',
  'src/models/engines',
  'src/models/linalg/qr.ts',
  'src/models/linalg/leastSquares.ts',
  'src/models/linalg/scaling.ts',
  'src/models/linalg',
  'src/models/fit',
  'src/models/bootstrap',
  'src/models/permutation',
  'src/models/parallel',
  'src/models/simulate',
];
/**
 * The tests that judge a part, where not the whole suite. Nearly every test fits a model through leastSquares.ts and
 * scaling.ts, most of them many times: instrumented, a mutant there took about 20 s with the whole suite (381
 * mutants, over two hours). They are judged by the tests of their folder and of the fit code that calls them, which
 * check them against exact references: a score that can only be lower than the whole suite's (a mutant these tests
 * kill, the suite kills too; one they miss, the suite might not).
 */
const LINALG_AND_FIT_TESTS = ['tests/models/linalg/**/*.test.ts', 'tests/models/fit/**/*.test.ts'];
const TESTS_OF = {
  'src/models/linalg/leastSquares.ts': LINALG_AND_FIT_TESTS,
  'src/models/linalg/scaling.ts': LINALG_AND_FIT_TESTS,
};
const THRESHOLD = 85;
const INCREMENTAL = 'reports/mutation/stryker-incremental.json';
const REPORT = 'reports/mutation/mutation.json';

const args = process.argv.slice(2);
const fresh = args.includes('--fresh');
const chosen = args.filter((a) => a !== '--fresh');
for (const part of chosen) {
  if (!existsSync(part)) {
    console.error(`mutate: ${part} does not exist`);
    process.exit(2);
  }
}
if (fresh) rmSync(INCREMENTAL, { force: true });

const parts = chosen.length > 0 ? chosen : PARTS;
/** A file part is mutated by its own run; a folder part leaves out the files that are parts of their own. */
const globsOf = (part) => {
  if (part.endsWith('.ts')) return [part];
  const own = [...new Set([...PARTS, ...parts])].filter((p) => p.endsWith('.ts') && p.startsWith(`${part}/`));
  return [`${part}/**/*.ts`, '!src/models/**/*Worker.ts', ...own.map((file) => `!${file}`)];
};

// The tests of src/models/parallel run the built worker scripts (dist/), which must be those of these sources.
const build = spawnSync('npm', ['run', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) {
  console.error(`mutate: npm run build failed (exit ${build.status})`);
  process.exit(build.status ?? 1);
}

const started = Date.now();
const minutes = (ms) => `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
for (const part of parts) {
  const partStarted = Date.now();
  console.log(`\nmutate: ${part}`);
  const result = spawnSync('npx', ['stryker', 'run', '--incremental', '--mutate', globsOf(part).join(',')], {
    stdio: 'inherit',
    env: {
      ...process.env,
      CPP_VARIANCE_MUTATE_PART: part,
      ...(TESTS_OF[part] ? { CPP_VARIANCE_MUTATE_TESTS: TESTS_OF[part].join(',') } : {}),
    },
  });
  if (result.status !== 0) {
    console.error(`mutate: stryker failed on ${part} (exit ${result.status})`);
    process.exit(result.status ?? 1);
  }
  console.log(`mutate: ${part} took ${minutes(Date.now() - partStarted)}`);
}

const summary = spawnSync('node', ['scripts/mutation-summary.mjs', REPORT], { encoding: 'utf8' });
process.stdout.write(summary.stdout);
const reported = JSON.parse(readFileSync(REPORT, 'utf8')).files;
const scope = ['src/io', 'src/models'].flatMap((folder) =>
  readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('Worker.ts')) // worker entry scripts: see stryker.config.mjs
    .map((f) => `${folder}/${f}`),
);
const unscored = scope.filter((file) => !(file in reported));
// A file Stryker finds nothing to mutate in (a list of constants and its type: `as const` literals are not
// mutated) is never in the report; any other file listed here is one whose part has not run yet.
if (unscored.length > 0) {
  console.log(`\nmutate: not in the report (nothing to mutate, or its part not run yet): ${unscored.sort().join(', ')}`);
}
// Surviving mutants listed as equivalent in docs/mutation-equivalents.md are left out, as marked ones are.
const listed = readListed();
const undetectedStatus = (m) => m.status === 'Survived' || m.status === 'NoCoverage';
const files = Object.entries(reported).flatMap(([file, data]) =>
  data.mutants.filter((m) => !(undetectedStatus(m) && listed.has(keyOfMutant(file, m)))),
);
const detected = files.filter((m) => m.status === 'Killed' || m.status === 'Timeout').length;
const undetected = files.filter(undetectedStatus).length;
const score = (100 * detected) / Math.max(1, detected + undetected);
console.log(`\nmutate: ${score.toFixed(1)}% of ${detected + undetected} mutants detected (threshold ${THRESHOLD}%), ` +
  `${minutes(Date.now() - started)} in all`);
const crowded = crowdedMarkers(new Map(Object.entries(reported)));
if (crowded.length > 0) {
  console.log(`mutate: ${crowded.length} markers hide more than one mutant each (${crowded.join(', ')}): ` +
    'list each equivalent mutant in docs/mutation-equivalents.md instead');
}
process.exit(score >= THRESHOLD && crowded.length === 0 ? 0 : 1);
