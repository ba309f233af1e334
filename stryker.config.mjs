// @ts-check
/**
 * Mutation testing of the estimation and input code (`npm run mutate`, scripts/mutate.mjs: one part at a time).
 * The score and the surviving mutants are recorded in docs/mutation.md; equivalent mutants are listed one by one in
 * docs/mutation-equivalents.md, or marked in the code (`// Stryker disable next-line <Mutator>: <reason>`) where the
 * marker hides that one mutant alone (scripts/mutation-listed.mjs names any marker that hides more). A part's own score does not stop the run
 * (CPP_VARIANCE_MUTATE_PART): the threshold applies to all parts together, checked by scripts/mutate.mjs.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  // Worker entry scripts (src/models/parallel/*Worker.ts) run only inside a worker thread, which the tests start
  // from the built bundle (tests/cli/bundle.test.ts); in this process nothing can load them, so a mutant there
  // could only ever show as "not covered". They are left out of the scope, not counted as killed.
  mutate: ['src/models/**/*.ts', 'src/io/**/*.ts', '!src/models/**/*Worker.ts'],
  coverageAnalysis: 'perTest',
  ignoreStatic: true,
  concurrency: 2,
  timeoutFactor: 1.25,
  timeoutMS: 3000,
  // The first run of all the tests, with coverage, takes 1–2 min alone; on a loaded machine it outran the default 5.
  dryRunTimeoutMinutes: 20,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  thresholds: { high: 90, low: 85, break: process.env.CPP_VARIANCE_MUTATE_PART ? null : 85 },
};
