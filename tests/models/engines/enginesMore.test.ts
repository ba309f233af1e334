import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { seededStreams } from '../../../src/models/bootstrap/random.js';
import {
  buildModelData,
  type FixedEffectGroupData,
  type ModelData,
  type ModelShape,
} from '../../../src/models/design/modelData.js';
import { enginesOf } from '../../../src/models/engines/engines.js';
import {
  enumerateInThread,
  exactShapleySeconds,
  gramsOfTransfer,
  planExactShapley,
  shapleyFromSums,
} from '../../../src/models/engines/exactShapley.js';
import type { ProjectedGrams, SubsetEngines } from '../../../src/models/engines/gramFitter.js';
import { sampleShapley } from '../../../src/models/engines/sampledShapley.js';
import { createSubsetFitter, rowTransform, type SubsetFitter } from '../../../src/models/engines/subsetFit.js';
import type { GroupSpec } from '../../../src/models/spec/spec.js';
import { dummies, panelFrom, permutations, referenceR2, testRandom, thrownBy } from '../../helpers.js';

/**
 * The Monte Carlo Shapley estimate (its standard error, antithetic reversal and stopping rule at its exact bounds),
 * the exact plan (its refusal at the one-hour limit, progress, and the Gram matrices handed to workers) and the QR
 * subset fitter (absorbing the fixed effect with most levels, the order of units, weighted indicator norms). The
 * mutation run found all of these unchecked. Numbers are checked against brute force: R² of every subset by SVD
 * least squares (`referenceR2`), Shapley values as the mean marginal over every order, the sample variance written
 * out, and weighted sums by hand.
 */

/** Raw columns and R² of every subset of groups (bit g = group g), by SVD least squares. */
interface Problem {
  readonly model: ModelData;
  /** R²(mask) by `referenceR2`. */
  readonly table: number[];
}

/** Three correlated single-column numeric groups, so that marginal contributions depend on the order. */
function correlatedProblem(): Problem {
  const random = testRandom(5);
  const n = 40;
  const x: number[][] = [[], [], []];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const common = random.normal();
    const row = [common + 0.3 * random.normal(), common + random.normal(), 0.2 * common + random.normal()];
    row.forEach((v, j) => x[j]!.push(v));
    y.push(row[0]! + 0.5 * row[1]! + 0.1 * row[2]! + random.normal());
  }
  const groups: GroupSpec[] = [0, 1, 2].map((j) => ({ name: `x${j}`, kind: 'numeric', columns: [`x${j}`] }));
  const model = buildModelData(panelFrom({ x0: x[0]!, x1: x[1]!, x2: x[2]!, y }), { outcome: 'y', groups });
  const table = Array.from({ length: 8 }, (_, mask) =>
    mask === 0
      ? 0
      : referenceR2(
          y,
          [0, 1, 2].filter((j) => mask & (1 << j)).map((j) => x[j]!),
        ),
  );
  return { model, table };
}

/** Two numeric groups and a fixed effect of 3 levels (group 2). */
function fixedEffectProblem(): Problem {
  const random = testRandom(9);
  const n = 30;
  const unit = Array.from({ length: n }, (_, i) => `u${i % 3}`);
  const x0 = Array.from({ length: n }, (_, i) => (i % 3) + random.normal());
  const x1 = Array.from({ length: n }, () => random.normal());
  const y = x0.map((v, i) => v + 0.4 * x1[i]! + 0.3 * (i % 3) + random.normal());
  const groups: GroupSpec[] = [
    { name: 'x0', kind: 'numeric', columns: ['x0'] },
    { name: 'x1', kind: 'numeric', columns: ['x1'] },
    { name: 'unit', kind: 'fixed-effect', columns: ['unit'] },
  ];
  const model = buildModelData(panelFrom({ x0, x1, unit, y }), { outcome: 'y', groups });
  const columnsOf = [[x0], [x1], dummies(unit)];
  const table = Array.from({ length: 8 }, (_, mask) =>
    mask === 0
      ? 0
      : referenceR2(
          y,
          [0, 1, 2].flatMap((g) => (mask & (1 << g) ? columnsOf[g]! : [])),
        ),
  );
  return { model, table };
}

/** Shapley values as the mean marginal contribution over every order of the k players. */
function bruteShapley(k: number, table: readonly number[]): number[] {
  const orders = permutations(k);
  const phi = new Array<number>(k).fill(0);
  for (const order of orders) {
    let mask = 0;
    for (const g of order) {
      const before = table[mask]!;
      mask |= 1 << g;
      phi[g]! += (table[mask]! - before) / orders.length;
    }
  }
  return phi;
}

/**
 * The documented estimator written out: pair r shuffles 0 … k − 1 by Fisher–Yates with stream r of the seed, walks
 * the order and its reverse, and records each player's mean credit over the two walks. Returns those pair means.
 */
function pairMeans(k: number, table: readonly number[], seed: number, pairs: number): number[][] {
  const stream = seededStreams(seed);
  const means: number[][] = [];
  const walk = (order: readonly number[], credit: number[]) => {
    let mask = 0;
    for (const g of order) {
      const before = table[mask]!;
      mask |= 1 << g;
      credit[g]! += table[mask]! - before;
    }
  };
  for (let pair = 0; pair < pairs; pair++) {
    const random = stream(pair);
    const order = Array.from({ length: k }, (_, g) => g);
    for (let i = k - 1; i > 0; i--) {
      const j = random.integer(0, i);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const credit = new Array<number>(k).fill(0);
    walk(order, credit);
    walk([...order].reverse(), credit);
    means.push(credit.map((c) => c / 2));
  }
  return means;
}

/** Mean of the first d pair means of player g, and its standard error √(s²/d), s² with the d − 1 denominator. */
function meanAndError(means: readonly number[][], g: number, d: number): { mean: number; error: number } {
  const xs = means.slice(0, d).map((row) => row[g]!);
  const mean = xs.reduce((a, b) => a + b, 0) / d;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (d - 1);
  return { mean, error: Math.sqrt(variance / d) };
}

/** Pairs drawn under the documented rule: stop at the first d ≥ 100, d a multiple of 50, with every error ≤ target. */
function pairsUntilStop(means: readonly number[][], k: number, target: number, pairs: number): number {
  for (let d = 100; d <= pairs; d += 50) {
    const errors = Array.from({ length: k }, (_, g) => meanAndError(means, g, d).error);
    // The test's errors differ from the code's by rounding: a check this close to the target would be a coin toss.
    errors.forEach((e) => expect(Math.abs(e - target)).toBeGreaterThan(1e-9 * target));
    if (errors.every((e) => e <= target)) return d;
  }
  return pairs;
}

describe('sampled Shapley values against the estimator written out', () => {
  const { model, table } = correlatedProblem();
  const engines = enginesOf(model);

  it('gives the mean of the antithetic pair means and their standard error with the d − 1 denominator', () => {
    const means = pairMeans(3, table, 17, 60);
    const result = sampleShapley(model, engines, { seed: 17, permutations: 120 });
    expect(result.permutations).toBe(120);
    expect(result.r2).toBeCloseTo(table[7]!, 12);
    expect(result.values).toHaveLength(3);
    for (let g = 0; g < 3; g++) {
      const { mean, error } = meanAndError(means, g, 60);
      expect(result.values[g]).toBeCloseTo(mean, 12);
      expect(result.standardErrors[g]).toBeCloseTo(error, 12);
      // Not degenerate: the order matters, so the pair means vary.
      expect(error).toBeGreaterThan(1e-4);
    }
  });

  it('rounds an odd number of permutations up to whole pairs, and has no standard error from one pair', () => {
    const means = pairMeans(3, table, 4, 2);
    const three = sampleShapley(model, engines, { seed: 4, permutations: 3 });
    expect(three.permutations).toBe(4);
    expect(Array.from(three.values)).toEqual(
      [0, 1, 2].map((g) => expect.closeTo(meanAndError(means, g, 2).mean, 12) as unknown as number),
    );
    const one = sampleShapley(model, engines, { seed: 4, permutations: 1 });
    expect(one.permutations).toBe(2);
    expect(Array.from(one.standardErrors)).toEqual([Number.NaN, Number.NaN, Number.NaN]);
    one.values.forEach((value, g) => expect(value).toBeCloseTo(means[0]![g]!, 12));
  });

  it('reports progress after every pair, out of the pairs asked for', () => {
    const calls: [number, number][] = [];
    sampleShapley(model, engines, { seed: 1, permutations: 7, onProgress: (done, total) => calls.push([done, total]) });
    expect(calls).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
  });

  it('with any target at all, stops at exactly 100 pairs, the first check', () => {
    const result = sampleShapley(model, engines, { seed: 2, permutations: 1000, targetStandardError: Infinity });
    expect(result.permutations).toBe(200);
  });

  it('never stops early for a target no error reaches', () => {
    const result = sampleShapley(model, engines, { seed: 2, permutations: 300, targetStandardError: 0 });
    expect(result.permutations).toBe(300);
  });

  it('stops at 100 pairs when the largest error there equals the target, and not when it is one ulp above', () => {
    const atHundred = sampleShapley(model, engines, { seed: 6, permutations: 200 });
    const largest = Math.max(...atHundred.standardErrors);
    const stopped = sampleShapley(model, engines, { seed: 6, permutations: 1000, targetStandardError: largest });
    expect(stopped.permutations).toBe(200);
    expect(Array.from(stopped.values)).toEqual(Array.from(atHundred.values));

    const below = largest * (1 - 2 ** -52);
    expect(below).toBeLessThan(largest);
    const means = pairMeans(3, table, 6, 500);
    const expected = pairsUntilStop(means, 3, below * (1 - 1e-6), 500);
    // Checked only every 50 pairs: the errors cross the target between checks.
    expect(expected).toBeGreaterThan(100);
    expect(expected % 50).toBe(0);
    const between = Array.from({ length: expected - 101 }, (_, i) => i + 101).filter((d) =>
      [0, 1, 2].every((g) => meanAndError(means, g, d).error <= below * (1 - 1e-6)),
    );
    expect(between.length).toBeGreaterThan(0);
    const later = sampleShapley(model, engines, { seed: 6, permutations: 1000, targetStandardError: below });
    expect(later.permutations).toBe(2 * expected);
  });

  it('waits for every group, not just one, to reach the target', () => {
    const atHundred = sampleShapley(model, engines, { seed: 6, permutations: 200 });
    const smallest = Math.min(...atHundred.standardErrors);
    const means = pairMeans(3, table, 6, 300);
    const errors = [0, 1, 2].map((g) => meanAndError(means, g, 100).error);
    // Some group's error is above the smallest at the first check, so the smallest alone must not stop the run.
    expect(Math.max(...errors)).toBeGreaterThan(1.01 * Math.min(...errors));
    const expected = pairsUntilStop(means, 3, smallest * 1.0000001, 300);
    expect(expected).toBeGreaterThan(100);
    const result = sampleShapley(model, engines, { seed: 6, permutations: 600, targetStandardError: smallest });
    expect(result.permutations).toBe(2 * expected);
  });

  it('draws every pair asked for without a target, even with no group to estimate', () => {
    const shape: ModelShape = { outcome: 'y', n: 10, groups: [], droppedRows: 0, missingByColumn: {} };
    const statistics: ProjectedGrams = {
      numericCount: 0,
      centredSquares: [],
      fixedGroups: [],
      gramFor: () => ({ size: 1, entries: Float64Array.of(1), fixedRank: 0 }),
    };
    const stable = { tss: 1 } as unknown as SubsetFitter;
    const result = sampleShapley(shape, { statistics, stable }, { seed: 1, permutations: 300 });
    expect(result.permutations).toBe(300);
    expect(result.values).toHaveLength(0);
  });
});

describe('sampled Shapley values: columns dependent on those already in', () => {
  /**
   * Orthogonal columns by hand (Gram matrix diagonal d, cross-products b with y, y'y = 1): each column adds b²/d
   * to R² in any order, unless its pivot d is at or below 1e-14 of its centred sum of squares s (aliased: adds 0).
   * Column 0: d/s = 1e-14 exactly; column 1: d = s = 1; column 2: d = s = 1e-8 (d·s below 1e-14, d/s = 1).
   */
  const d = [1e-14, 1, 1e-8];
  const s = [1, 1, 1e-8];
  const b = [1e-8, 0.5, 1e-5];
  const m = 4;
  const entries = new Float64Array(m * m);
  d.forEach((dc, c) => {
    entries[c * m + c] = dc;
    entries[c * m + 3] = b[c]!;
    entries[3 * m + c] = b[c]!;
  });
  entries[m * m - 1] = 1;
  const statistics: ProjectedGrams = {
    numericCount: 3,
    centredSquares: s,
    fixedGroups: [],
    gramFor: () => ({ size: m, entries, fixedRank: 0 }),
  };
  const shape: ModelShape = {
    outcome: 'y',
    n: 10,
    groups: [0, 1, 2].map((j) => ({ kind: 'numeric', name: `x${j}`, columns: [`x${j}`] })),
    droppedRows: 0,
    missingByColumn: {},
  };
  const engines: SubsetEngines = { statistics, stable: { tss: 1 } as unknown as SubsetFitter };

  it('skips a column whose pivot is exactly 1e-14 of its centred squares, and keeps one at the same ratio 1', () => {
    const result = sampleShapley(shape, engines, { seed: 3, permutations: 4 });
    // Column 2 adds (1e-5)²/1e-8 = 0.01, column 1 adds 0.25, column 0 nothing.
    expect(result.values[0]).toBe(0);
    expect(result.values[1]).toBeCloseTo(0.25, 14);
    expect(result.values[2]).toBeCloseTo(0.01, 14);
    expect(result.r2).toBeCloseTo(0.26, 14);
  });
});

describe('exact Shapley plans', () => {
  const { model, table } = fixedEffectProblem();
  const engines = enginesOf(model);
  const expected = bruteShapley(3, table);

  it('reports progress after each task, and its values are the brute-force Shapley values', () => {
    const plan = planExactShapley(model, engines);
    const calls: [number, number][] = [];
    const values = shapleyFromSums(enumerateInThread(plan, (done, total) => calls.push([done, total])));
    expect(plan.tasks).toBeGreaterThan(0);
    expect(calls).toEqual(Array.from({ length: plan.tasks }, (_, t) => [t + 1, plan.tasks]));
    expect(values).toHaveLength(3);
    values.forEach((value, g) => expect(value).toBeCloseTo(expected[g]!, 10));
  });

  it('hands workers Gram matrices from which a plan gives the same sums', () => {
    const plan = planExactShapley(model, engines);
    const transfer = plan.transfer();
    // The fixed effect of 3 levels projects out rank 2; none projected out for mask 0.
    expect(transfer.fixedRanks).toEqual([0, 2]);
    expect(transfer.numericCount).toBe(2);
    expect(transfer.grams).toHaveLength(2);
    const grams = gramsOfTransfer(transfer);
    expect(grams.numericCount).toBe(2);
    expect(grams.fixedGroups).toEqual([2]);
    expect(grams.centredSquares).toEqual(engines.statistics.centredSquares);
    for (const mask of [0, 1]) {
      const gram = grams.gramFor(mask);
      expect(gram.size).toBe(3);
      expect(gram.fixedRank).toBe(mask === 0 ? 0 : 2);
      expect(Array.from(gram.entries)).toEqual(Array.from(engines.statistics.gramFor(mask).entries));
    }
    const rebuilt = planExactShapley(model, { statistics: grams, stable: engines.stable });
    const sums = enumerateInThread(rebuilt);
    expect(sums).toEqual(enumerateInThread(plan));
    shapleyFromSums(sums).forEach((value, g) => expect(value).toBeCloseTo(expected[g]!, 10));
  });

  it('is refused one step past an hour, with the advice to sample, and planned at exactly an hour', () => {
    // Two single-column groups: a layout whose expected time takes the value 3600 s exactly at some row count.
    const random = testRandom(2);
    const columns = { x0: [] as number[], x1: [] as number[], y: [] as number[] };
    for (let i = 0; i < 20; i++) for (const name of ['x0', 'x1', 'y'] as const) columns[name].push(random.normal());
    const groups: GroupSpec[] = ['x0', 'x1'].map((name) => ({ name, kind: 'numeric', columns: [name] }));
    const pair = buildModelData(panelFrom(columns), { outcome: 'y', groups });
    const pairEngines = enginesOf(pair);
    const seconds = (n: number) => exactShapleySeconds({ ...pair, n }, pairEngines);
    // Bisection on the row count for the least n whose expected time reaches 3600 s.
    let low = 0;
    let high = 1;
    while (seconds(high) < 3600) high *= 2;
    for (;;) {
      const middle = low + (high - low) / 2;
      if (middle === low || middle === high) break;
      if (seconds(middle) < 3600) low = middle;
      else high = middle;
    }
    expect(seconds(high)).toBe(3600);
    expect(planExactShapley({ ...pair, n: high }, pairEngines).players).toBe(2);
    let past = high;
    while (seconds(past) === 3600) past += high * 2 ** -53;
    expect(seconds(past)).toBeLessThan(3600.001);
    const error = thrownBy(() => planExactShapley({ ...pair, n: past }, pairEngines), UsageError);
    expect(error.message).toBe(
      'exact Shapley values over 2 groups need 2^2 subset fits, about 1.0 hours here; ' +
        'use --samples 20000 for a Monte Carlo estimate with standard errors',
    );
  });
});

describe('QR subset fits', () => {
  it('gives R² 0, no aliased column and rank 0 for the empty subset, even when y has no variation', () => {
    const { model } = correlatedProblem();
    const flat = { ...model, y: new Float64Array(model.n).fill(0.25) };
    const fit = createSubsetFitter(flat).fit(0);
    expect(fit).toEqual({ r2: 0, aliased: [], rank: 0 });
    expect(createSubsetFitter(model).fit(0)).toEqual({ r2: 0, aliased: [], rank: 0 });
  });

  it('enters units in index order whatever order they are listed in, so the later copy is the aliased one', () => {
    const x0 = [1, 2, 3, 4, 5, 6, 7, 8];
    const x1 = [2, 1, 0, 3, 1, 4, 2, 2];
    const x2 = x0.map((v, i) => v + x1[i]!);
    const y = [3, 1, 4, 1, 5, 9, 2, 6];
    const groups: GroupSpec[] = ['x0', 'x1', 'x2'].map((name) => ({ name, kind: 'numeric', columns: [name] }));
    const model = buildModelData(panelFrom({ x0, x1, x2, y }), { outcome: 'y', groups });
    const fitter = createSubsetFitter(model);
    for (const listed of [
      [2, 1, 0],
      [0, 1, 2],
      [1, 2, 0],
    ]) {
      const fit = fitter.fitUnits(listed);
      expect(fit.aliased).toEqual(['x2']);
      expect(fit.rank).toBe(2);
      expect(fit.r2).toBeCloseTo(referenceR2(y, [x0, x1]), 12);
    }
  });

  it('absorbs the fixed effect with most levels, so the other enters as indicators and loses its last', () => {
    const n = 24;
    const few = Array.from({ length: n }, (_, i) => `f${i % 2}`);
    const many = Array.from({ length: n }, (_, i) => `m${Math.floor(i / 2) % 4}`);
    const random = testRandom(3);
    const y = Array.from({ length: n }, (_, i) => (i % 2) + 0.5 * (Math.floor(i / 2) % 4) + random.normal());
    const groups: GroupSpec[] = [
      { name: 'few', kind: 'fixed-effect', columns: ['few'] },
      { name: 'many', kind: 'fixed-effect', columns: ['many'] },
    ];
    const fitter = createSubsetFitter(buildModelData(panelFrom({ few, many, y }), { outcome: 'y', groups }));
    const both = fitter.fit(3);
    expect(both.aliased).toEqual(['few[2]']);
    expect(both.rank).toBe(1 + 3);
    expect(both.r2).toBeCloseTo(referenceR2(y, [...dummies(few), ...dummies(many)]), 12);
    const alone = fitter.fit(1);
    expect(alone.aliased).toEqual([]);
    expect(alone.rank).toBe(1);
    expect(alone.r2).toBeCloseTo(referenceR2(y, dummies(few)), 12);
  });
});

describe('row transformations of weighted least squares', () => {
  const group: FixedEffectGroupData = {
    kind: 'fixed-effect',
    name: 'unit',
    columns: ['unit'],
    codes: Int32Array.from([0, 0, 0, 1, 1, 2]),
    levels: 3,
    labels: ['a', 'b', 'c'],
  };

  it('gives each centred indicator the norm √(W_l − W_l²/W)', () => {
    // Unweighted: W = 6, W_l = 3, 2, 1.
    const plain = rowTransform(undefined).indicatorNorms(group);
    [3 - 9 / 6, 2 - 4 / 6, 1 - 1 / 6].forEach((square, l) => expect(plain[l]).toBeCloseTo(Math.sqrt(square), 14));
    // Weights 1, 2, 3, 4, 5, 6: W = 21, W_l = 6, 9, 6.
    const weights = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const weighted = rowTransform(weights).indicatorNorms(group);
    expect(weighted).toHaveLength(3);
    [6 - 36 / 21, 9 - 81 / 21, 6 - 36 / 21].forEach((square, l) =>
      expect(weighted[l]).toBeCloseTo(Math.sqrt(square), 14),
    );
  });

  it('removes the weighted mean of each level, then scales by √w', () => {
    const weights = Float64Array.from([1, 3, 2, 1, 1, 4]);
    const values = Float64Array.from([1, 2, 4, 3, 5, 7]);
    const within = rowTransform(weights).within(values, group);
    // Level means: (1 + 6 + 8)/6 = 2.5, (3 + 5)/2 = 4, 7.
    const means = [2.5, 2.5, 2.5, 4, 4, 7];
    expect(within).toHaveLength(6);
    within.forEach((v, i) => expect(v).toBeCloseTo(Math.sqrt(weights[i]!) * (values[i]! - means[i]!), 14));
    // Weighted grand mean: (1 + 6 + 8 + 3 + 5 + 28)/12 = 51/12.
    const centred = rowTransform(weights).centred(values);
    centred.forEach((v, i) => expect(v).toBeCloseTo(Math.sqrt(weights[i]!) * (values[i]! - 51 / 12), 14));
  });
});
