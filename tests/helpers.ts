import { Matrix, solve } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import type { Panel, PanelColumn } from '../src/io/panel.js';
import { SIMULATED_SPEC } from '../src/models/spec/spec.js';

/**
 * Whether this is the mutation run (`npm run mutate`: vitest.mutate.config.ts sets CPP_VARIANCE_MUTATION_RUN=1).
 * Stryker's instrumentation makes tight numeric loops tens of times slower, and a test runs once per mutant it
 * covers: simulations and enumerations of millions of subsets are left to `npm test`, where they run as usual.
 */
export const MUTATION_RUN = process.env.CPP_VARIANCE_MUTATION_RUN === '1';
/** `describe`, skipped in the mutation run: for tests of seconds whose code smaller tests beside them cover. */
export const describeHeavy = describe.skipIf(MUTATION_RUN);
/** `it`, skipped in the mutation run (see `describeHeavy`). */
export const itHeavy = it.skipIf(MUTATION_RUN);

/** The error `action` throws, checked to be a `type` (fails the test if it throws anything else or nothing). */
export function thrownBy<T extends Error>(action: () => unknown, type: abstract new (...args: never[]) => T): T {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as T;
  }
  throw new Error(`expected a ${type.name}, but nothing was thrown`);
}

/** A small deterministic generator for test data (independent of the code under test's own helpers). */
export function testRandom(seed: number): { uniform: () => number; normal: () => number } {
  const generator = xoroshiro128plus(seed);
  const uniform = () => uniformFloat64(generator);
  return {
    uniform,
    // Box–Muller: deliberately a different normal generator from the one in src.
    normal: () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform()),
  };
}

/** An in-memory panel from plain arrays: numbers become numeric columns, strings categorical. */
export function panelFrom(columns: Record<string, readonly number[] | readonly string[]>): Panel {
  const map = new Map<string, PanelColumn>();
  let rowCount = 0;
  for (const [name, values] of Object.entries(columns)) {
    rowCount = values.length;
    if (typeof values[0] === 'number') {
      map.set(name, { kind: 'numeric', name, values: Float64Array.from(values as number[]) });
    } else {
      const levels = [...new Set(values as string[])];
      map.set(name, {
        kind: 'categorical',
        name,
        levels,
        codes: Int32Array.from(values as string[], (v) => levels.indexOf(v)),
      });
    }
  }
  return { file: 'test.csv', rowCount, columns: map };
}

/**
 * R² of y on an intercept and the given columns by SVD least squares (ml-matrix), an estimator independent of
 * the QR under test that also copes with rank-deficient designs (minimum-norm solution, same fitted values).
 */
export function referenceR2(y: readonly number[], columns: readonly (readonly number[])[]): number {
  const n = y.length;
  const mean = y.reduce((a, b) => a + b, 0) / n;
  const tss = y.reduce((a, b) => a + (b - mean) ** 2, 0);
  const X = new Matrix(n, columns.length + 1);
  for (let i = 0; i < n; i++) {
    X.set(i, 0, 1);
    columns.forEach((column, j) => X.set(i, j + 1, column[i]!));
  }
  const Y = Matrix.columnVector([...y]);
  const beta = solve(X, Y, true);
  const fitted = X.mmul(beta);
  let rss = 0;
  for (let i = 0; i < n; i++) rss += (y[i]! - fitted.get(i, 0)) ** 2;
  return 1 - rss / tss;
}

/** 0/1 indicator columns, one per level of a categorical vector. */
export function dummies(labels: readonly string[]): number[][] {
  const levels = [...new Set(labels)];
  return levels.map((level) => labels.map((label) => (label === level ? 1 : 0)));
}

/** All permutations of 0 … k − 1. */
export function permutations(k: number): number[][] {
  if (k === 0) return [[]];
  return permutations(k - 1).flatMap((p) =>
    Array.from({ length: k }, (_, i) => [...p.slice(0, i), k - 1, ...p.slice(i)]),
  );
}

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

/** The Shapley weight of a coalition of s among k players, s!(k − s − 1)!/k!. */
export const orderWeight = (k: number, s: number): number => (factorial(s) * factorial(k - s - 1)) / factorial(k);

/**
 * Shapley values from the definition, φ_j = Σ_{S ∌ j} s!(k−s−1)!/k! (v(S ∪ j) − v(S)), over a table of v by subset
 * mask (bit g for group g).
 */
export function bruteShapley(k: number, table: ArrayLike<number>): number[] {
  return Array.from({ length: k }, (_, j) => {
    let value = 0;
    for (let mask = 0; mask < 2 ** k; mask++) {
      if (mask & (1 << j)) continue;
      let s = 0;
      for (let g = 0; g < k; g++) if (mask & (1 << g)) s++;
      value += orderWeight(k, s) * (table[mask | (1 << j)]! - table[mask]!);
    }
    return value;
  });
}

/**
 * loadModelData / runReport options for the synthetic NAO panel with its model (SIMULATED_SPEC: deprivation = idaci).
 */
export const SYNTHETIC_OPTIONS = {
  file: 'fixtures/nao-2019-synthetic.csv',
  groups: SIMULATED_SPEC.groups,
  missingTokens: [] as string[],
};
