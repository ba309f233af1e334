import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The suite as StrykerJS runs it (`npm run mutate`): every test that runs the code in this process. Left out:
 * - test files that only start the built CLI (`dist/`, which Stryker does not mutate) or a script as a child
 *   process: their checks of the mutated code could never fail;
 * - tests declared with `describeHeavy`/`itHeavy` (tests/helpers.ts), skipped when CPP_VARIANCE_MUTATION_RUN=1:
 *   simulations and enumerations of millions of subsets, whose code smaller tests beside them cover. Stryker's
 *   instrumentation makes tight numeric loops tens of times slower, and a test runs once per mutant it covers.
 *
 * Every mutated module is loaded before the tests start (tests/mutation/loadMutatedModules.ts says why), and all
 * test files share one module graph (isolate: false; no test mocks a module or sets module state): each mutant
 * reruns the tests that reach it, and with isolated files every one of them first re-evaluated the instrumented
 * sources. Measured on src/io/panel.ts (2 cores): 6 min 52 s against 13 min 53 s.
 */
const CHILD_PROCESS_ONLY = [
  'tests/readme/**',
  'tests/scripts/**',
  'tests/cli/bin.test.ts',
  'tests/cli/englandPanelSources.test.ts',
  'tests/cli/outputSafety.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 300_000,
    env: { CPP_VARIANCE_MUTATION_RUN: '1' },
    setupFiles: ['tests/mutation/loadMutatedModules.ts'],
    isolate: false,
    // scripts/mutate.mjs names the tests of a part that is judged by fewer than all (its TESTS_OF says which, and why).
    include: process.env.CPP_VARIANCE_MUTATE_TESTS?.split(',') ?? ['tests/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...CHILD_PROCESS_ONLY],
  },
});
