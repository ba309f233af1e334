import { Matrix, solve } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { seededStreams } from '../../../src/models/bootstrap/random.js';
import { buildModelData, type ModelData } from '../../../src/models/design/modelData.js';
import { enginesOf } from '../../../src/models/engines/engines.js';
import { createGramFitter } from '../../../src/models/engines/gramFitter.js';
import { decompose, type DecompositionMethod } from '../../../src/models/methods/decompose.js';
import { ParameterError } from '../../../src/errors.js';
import { refuseLongPermutations } from '../../../src/commands/decompose.js';
import { permutationSeconds } from '../../../src/models/permutation/cost.js';
import {
  blockRows,
  checkPermutationOptions,
  drawPermutation,
  permutationBatch,
  permutationNull,
  summariseNull,
  type PermutationOptions,
} from '../../../src/models/permutation/freedmanLane.js';
import { createResponseEngine } from '../../../src/models/permutation/responses.js';
import type { ModelSpec } from '../../../src/models/spec/spec.js';
import { describeHeavy, panelFrom, permutations, referenceR2, testRandom } from '../../helpers.js';

/**
 * A small panel: units × periods (a quarter of the rows dropped when unbalanced), unit effects correlated with a
 * deprivation score that also varies within units, two resource columns, and a score constant within units
 * (absorbed by the unit effects). `near` adds a column that is x0 plus noise of 1e-5 (ill-conditioned subsets).
 */
function panel(seed: number, options: { units?: number; periods?: number; balanced?: boolean; near?: boolean } = {}) {
  const random = testRandom(seed);
  const columns: Record<string, number[] | string[]> = {
    unit: [],
    period: [],
    dep: [],
    x0: [],
    x1: [],
    level: [],
    near: [],
    w: [],
    y: [],
  };
  const push = (name: string, value: number | string) => (columns[name] as (number | string)[]).push(value);
  for (let u = 0; u < (options.units ?? 8); u++) {
    const effect = random.normal();
    const level = random.normal();
    const weight = 0.5 + 2 * random.uniform();
    for (let t = 0; t < (options.periods ?? 5); t++) {
      if (options.balanced === false && random.uniform() < 0.25) continue;
      const dep = 0.7 * effect + random.normal();
      const x0 = 0.4 * dep + random.normal();
      const x1 = random.normal();
      push('unit', `u${u}`);
      push('period', `t${t}`);
      push('dep', dep);
      push('x0', x0);
      push('x1', x1);
      push('level', level);
      push('near', x0 + 1e-5 * random.normal());
      push('w', weight * (0.8 + 0.4 * random.uniform()));
      push('y', effect + 0.3 * t + 0.5 * dep + 0.4 * x0 - 0.3 * x1 + 0.5 * level + random.normal());
    }
  }
  return panelFrom(columns);
}

const NAO_LIKE: ModelSpec = {
  outcome: 'y',
  groups: [
    { name: 'practice', kind: 'fixed-effect', columns: ['unit'] },
    { name: 'deprivation', kind: 'numeric', columns: ['dep'] },
    { name: 'policy', kind: 'fixed-effect', columns: ['period'] },
    { name: 'resources', kind: 'numeric', columns: ['x0', 'x1'] },
  ],
};

/** The model's columns as plain arrays, group by group: numeric columns, or one 0/1 column per level. */
function groupColumns(data: ModelData): number[][][] {
  return data.groups.map((group) =>
    group.kind === 'numeric'
      ? group.values.map((values) => Array.from(values))
      : Array.from({ length: group.levels }, (_, level) => Array.from(group.codes, (c) => (c === level ? 1 : 0))),
  );
}

/** Least squares of y on [1, columns], rows scaled by √w (WLS), by SVD (ml-matrix): fitted values. */
function referenceFitted(y: readonly number[], columns: readonly (readonly number[])[], w?: readonly number[]) {
  const n = y.length;
  const root = (i: number) => (w ? Math.sqrt(w[i]!) : 1);
  const X = new Matrix(n, columns.length + 1);
  for (let i = 0; i < n; i++) {
    X.set(i, 0, root(i));
    columns.forEach((column, j) => X.set(i, j + 1, root(i) * column[i]!));
  }
  const beta = solve(X, Matrix.columnVector(y.map((v, i) => root(i) * v)), true);
  const fitted = X.mmul(beta);
  return y.map((_, i) => fitted.get(i, 0) / root(i));
}

/** Weighted R² = 1 − Σ w (y − ŷ)² / Σ w (y − ȳ_w)², by SVD. */
function referenceWeightedR2(y: readonly number[], columns: readonly (readonly number[])[], w: readonly number[]) {
  const fitted = referenceFitted(y, columns, w);
  const total = w.reduce((a, b) => a + b, 0);
  const mean = y.reduce((s, v, i) => s + w[i]! * v, 0) / total;
  let rss = 0;
  let tss = 0;
  y.forEach((v, i) => {
    rss += w[i]! * (v - fitted[i]!) ** 2;
    tss += w[i]! * (v - mean) ** 2;
  });
  return 1 - rss / tss;
}

/** R² of every subset of groups by SVD, for outcome y. */
function referenceTable(y: readonly number[], blocks: number[][][], w?: readonly number[]): number[] {
  const k = blocks.length;
  return Array.from({ length: 2 ** k }, (_, mask) => {
    if (mask === 0) return 0;
    const columns = blocks.filter((_, g) => mask & (1 << g)).flat();
    return w ? referenceWeightedR2(y, columns, w) : referenceR2(y, columns);
  });
}

/** Each group's headline share under `method`, from a table, by the definitions (Shapley over every ordering). */
function referenceShares(
  table: readonly number[],
  k: number,
  method: DecompositionMethod,
  order: readonly number[] = Array.from({ length: k }, (_, g) => g),
): number[] {
  const full = 2 ** k - 1;
  if (method === 'sequential') {
    const increments = new Array<number>(k).fill(0);
    let before = 0;
    for (const g of order) {
      const upto = before | (1 << g);
      increments[g] = table[upto]! - table[before]!;
      before = upto;
    }
    return increments;
  }
  if (method === 'unique') return Array.from({ length: k }, (_, g) => table[full]! - table[full & ~(1 << g)]!);
  const orders = permutations(k);
  const shares = new Array<number>(k).fill(0);
  for (const order of orders) {
    let mask = 0;
    for (const g of order) {
      shares[g]! += (table[mask | (1 << g)]! - table[mask]!) / orders.length;
      mask |= 1 << g;
    }
  }
  return shares;
}

/** The Freedman–Lane null, computed independently: reduced fits and every subset by SVD, with the same permutations. */
function bruteForceNull(
  data: ModelData,
  method: DecompositionMethod,
  seed: number,
  B: number,
  order?: readonly number[],
): number[][] {
  const k = data.groups.length;
  const blocks = groupColumns(data);
  const y = Array.from(data.y);
  const w = data.weights ? Array.from(data.weights) : undefined;
  const stream = seededStreams(seed);
  const rows = blockRows(data);
  const reduced = blocks.map((_, g) => {
    const fitted = referenceFitted(y, blocks.filter((_, h) => h !== g).flat(), w);
    const root = (i: number) => (w ? Math.sqrt(w[i]!) : 1);
    return { fitted, whitened: y.map((v, i) => root(i) * (v - fitted[i]!)), root };
  });
  const values = blocks.map(() => [] as number[]);
  for (let b = 0; b < B; b++) {
    const permutation = drawPermutation(stream(b), rows, data.n);
    reduced.forEach(({ fitted, whitened, root }, g) => {
      const star = fitted.map((f, i) => f + whitened[permutation[i]!]! / root(i));
      values[g]!.push(referenceShares(referenceTable(star, blocks, w), k, method, order)[g]!);
    });
  }
  return values;
}

function quantile7(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!);
}

describe('the response engine: subsets factored once, fitted to any outcome', () => {
  const spec: ModelSpec = {
    ...NAO_LIKE,
    groups: [
      ...NAO_LIKE.groups.slice(0, 3),
      { name: 'resources', kind: 'numeric', columns: ['x0', 'x1', 'near'] },
      { name: 'absorbed', kind: 'numeric', columns: ['level'] },
    ],
  };
  const data = buildModelData(panel(11, { balanced: false, units: 10 }), spec);

  it('gives the Gram fitter’s R² of every subset, bit for bit, for the model’s own outcome', () => {
    const engine = createResponseEngine(data);
    const table = new Float64Array(2 ** 5);
    engine.values(data.y, table);
    const gram = createGramFitter(data, enginesOf(data));
    for (let mask = 1; mask < 32; mask++) {
      expect(table[mask]).toBe(gram.fit(mask).r2);
      expect(engine.ranks[mask]).toBe(gram.fit(mask).rank);
    }
    // Subsets with x0 and its near copy are ill-conditioned in the cross-products: fitted by QR from the rows.
    expect(engine.refits).toBe(16);
  });

  it('gives the R² of every subset of another outcome, against SVD least squares, to 1e-10', () => {
    const engine = createResponseEngine(data);
    const random = testRandom(5);
    const blocks = groupColumns(data);
    for (let trial = 0; trial < 3; trial++) {
      const v = Float64Array.from(data.y, (y) => y * random.normal() + random.normal());
      const table = new Float64Array(32);
      engine.values(v, table);
      const expected = referenceTable(Array.from(v), blocks);
      expected.forEach((r2, mask) => expect(Math.abs(table[mask]! - r2), `mask ${mask}`).toBeLessThan(1e-10));
    }
  });
});

describe('the Freedman–Lane null against brute-force refits with the same permutations', () => {
  const B = 12;
  it.each([
    ['shapley', true],
    ['shapley', false],
    ['sequential', false],
    ['unique', true],
    ['owen', true],
    ['dominance', false],
  ] as const)('--method %s (balanced %s): every null share to 1e-10, and the summaries', (method, balanced) => {
    const data = buildModelData(panel(3, { balanced }), NAO_LIKE);
    const observed = decompose(data, { method }).groups.map((g) => g.share);
    const result = permutationNull(data, observed, { permutations: B, seed: 7, method, keepValues: true });
    const expected = bruteForceNull(data, method, 7, B);
    expected.forEach((values, g) =>
      values.forEach((value, b) =>
        expect(Math.abs(result.values![g]![b]! - value), `group ${g}, b ${b}`).toBeLessThan(1e-10),
      ),
    );
    result.groups.forEach((group, g) => {
      const values = expected[g]!;
      const mean = values.reduce((a, v) => a + v, 0) / B;
      expect(group.observed).toBe(observed[g]);
      expect(Math.abs(group.meanShare - mean)).toBeLessThan(1e-10);
      expect(Math.abs(group.excess - (observed[g]! - mean))).toBeLessThan(1e-10);
      expect(Math.abs(group.q95Share - quantile7(values, 0.95))).toBeLessThan(1e-10);
      expect(group.p).toBe((1 + values.filter((v) => v >= observed[g]! - 1e-10).length) / (B + 1));
    });
    expect(result.permutations).toBe(B);
    expect(result.within).toBeNull();
  });

  it('sequential in another order: each group tested in its place in that order', () => {
    const data = buildModelData(panel(3), NAO_LIKE);
    const order = [3, 1, 0, 2];
    const names = order.map((g) => data.groups[g]!.name);
    const observed = decompose(data, { method: 'sequential', order: names }).groups.map((g) => g.share);
    const options = { permutations: B, seed: 5, method: 'sequential' as const, order, keepValues: true };
    const result = permutationNull(data, observed, options);
    bruteForceNull(data, 'sequential', 5, B, order).forEach((values, g) =>
      values.forEach((value, b) => expect(Math.abs(result.values![g]![b]! - value)).toBeLessThan(1e-10)),
    );
  });

  it('within blocks (the periods): each permutation keeps rows in their block, and the null matches', () => {
    const data = buildModelData(panel(4, { balanced: false }), { ...NAO_LIKE, blocks: 'period' });
    expect(data.blocks!.count).toBe(5);
    const rows = blockRows(data);
    const stream = seededStreams(9);
    for (let b = 0; b < B; b++) {
      const permutation = drawPermutation(stream(b), rows, data.n);
      expect([...permutation].sort((x, y) => x - y)).toEqual(Array.from({ length: data.n }, (_, i) => i));
      permutation.forEach((from, i) => expect(data.blocks!.codes[from]).toBe(data.blocks!.codes[i]));
    }
    const observed = decompose(data).groups.map((g) => g.share);
    const result = permutationNull(data, observed, { permutations: B, seed: 9, method: 'shapley', keepValues: true });
    expect(result.within).toBe('period');
    expect(result.blocks).toBe(5);
    bruteForceNull(data, 'shapley', 9, B).forEach((values, g) =>
      values.forEach((value, b) => expect(Math.abs(result.values![g]![b]! - value)).toBeLessThan(1e-10)),
    );
  });

  it('with weights: whitened residuals permuted and unwhitened, shares of weighted R², to 1e-10', () => {
    const data = buildModelData(panel(5), { ...NAO_LIKE, weights: 'w' });
    const observed = decompose(data).groups.map((g) => g.share);
    const result = permutationNull(data, observed, { permutations: B, seed: 3, method: 'shapley', keepValues: true });
    bruteForceNull(data, 'shapley', 3, B).forEach((values, g) =>
      values.forEach((value, b) => expect(Math.abs(result.values![g]![b]! - value)).toBeLessThan(1e-10)),
    );
  });
});

describe('the permutations', () => {
  it('are uniform over the orderings of a block (chi-square over the 24 orderings of 4 rows, 4,800 draws)', () => {
    const stream = seededStreams(123);
    const counts = new Map<string, number>();
    const rows = [Int32Array.of(0, 1, 2, 3)];
    for (let b = 0; b < 4800; b++) {
      const key = drawPermutation(stream(b), rows, 4).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    const chiSquare = [...counts.values()].reduce((s, c) => s + (c - 200) ** 2 / 200, 0);
    // 23 degrees of freedom: P(χ² > 49.7) = 0.001.
    expect(chiSquare).toBeLessThan(49.7);
  });

  it('give the same result however they are split between threads (batches summarised in order)', () => {
    const data = buildModelData(panel(6, { balanced: false }), NAO_LIKE);
    const observed = decompose(data).groups.map((g) => g.share);
    const options: PermutationOptions = { permutations: 40, seed: 11, method: 'shapley', keepValues: true };
    const whole = permutationNull(data, observed, options);
    const parts = [permutationBatch(data, options, 23, 40), permutationBatch(data, options, 0, 23)];
    expect(summariseNull(data, observed, options, parts)).toEqual(whole);
  });
});

describe('the chance floor where its expectation is known', () => {
  // Under random permutation of y, E[R²] of L − 1 indicator columns (or of p numeric columns) is exactly
  // (L − 1)/(n − 1) (p/(n − 1)) for any y: the expected between-groups sum of squares of a random split.
  // With one group the reduced model is the intercept, so y* is y permuted.
  const random = testRandom(31);
  const n = 240;
  const labels = Array.from({ length: n }, (_, i) => `L${i % 24}`);
  const noise = Array.from({ length: n }, () => random.normal());
  const xs = Array.from({ length: 3 }, () => Array.from({ length: n }, () => random.normal()));

  it.each([
    ['fixed effect with 24 levels on pure noise', 23],
    ['three numeric columns on pure noise', 3],
  ])('%s: mean null share (L − 1)/(n − 1) within 4 Monte Carlo standard errors', (_, columns) => {
    const spec: ModelSpec =
      columns === 23
        ? { outcome: 'y', groups: [{ name: 'g', kind: 'fixed-effect', columns: ['a'] }] }
        : { outcome: 'y', groups: [{ name: 'g', kind: 'numeric', columns: ['x0', 'x1', 'x2'] }] };
    const data = buildModelData(panelFrom({ a: labels, x0: xs[0]!, x1: xs[1]!, x2: xs[2]!, y: noise }), spec);
    const B = 3000;
    const observed = decompose(data).groups.map((g) => g.share);
    const result = permutationNull(data, observed, { permutations: B, seed: 2, method: 'shapley', keepValues: true });
    const values = result.values![0]!;
    const mean = result.groups[0]!.meanShare;
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (B - 1));
    const expected = columns / (n - 1);
    expect(Math.abs(mean - expected)).toBeLessThan((4 * sd) / Math.sqrt(B));
    // And the observed R² on noise is itself near the floor: no excess beyond chance.
    expect(result.groups[0]!.p).toBeGreaterThan(0.01);
  });
});

/** Kolmogorov's asymptotic P(D_n > d) with Stephens' small-sample correction (Stephens 1970). */
function kolmogorovP(d: number, n: number): number {
  const lambda = (Math.sqrt(n) + 0.12 + 0.11 / Math.sqrt(n)) * d;
  let sum = 0;
  for (let j = 1; j <= 100; j++) sum += 2 * (-1) ** (j - 1) * Math.exp(-2 * j * j * lambda * lambda);
  return Math.min(1, Math.max(0, sum));
}

/** D = sup |F_n(p) − p| of a sample against the uniform distribution on [0, 1]. */
function ksUniform(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.max(...sorted.map((v, i) => Math.max((i + 1) / sorted.length - v, v - i / sorted.length)));
}

describeHeavy('calibration (the fast version of bench/permutationCalibration.ts)', () => {
  /**
   * Panels of 12 units × 5 periods with period effects and resources. Unit effects (SD `authority`) are correlated
   * with deprivation, which varies within units unless `constant`; deprivation's own effect is `beta`.
   */
  function simulated(seed: number, effects: { beta: number; authority: number; constant: boolean }): ModelData {
    const random = testRandom(seed);
    const columns: Record<string, number[] | string[]> = { unit: [], period: [], dep: [], x0: [], x1: [], y: [] };
    const push = (name: string, value: number | string) => (columns[name] as (number | string)[]).push(value);
    for (let u = 0; u < 12; u++) {
      const latent = random.normal();
      const score = 0.8 * latent + random.normal();
      for (let t = 0; t < 5; t++) {
        const dep = effects.constant ? score : score + random.normal();
        const x0 = 0.3 * latent + random.normal();
        const x1 = random.normal();
        push('unit', `u${u}`);
        push('period', `t${t}`);
        push('dep', dep);
        push('x0', x0);
        push('x1', x1);
        push('y', effects.authority * latent + 0.2 * t + effects.beta * dep + 0.4 * x0 + random.normal());
      }
    }
    return buildModelData(panelFrom(columns), NAO_LIKE);
  }
  /** The p-value of group g's Shapley share (99 permutations), residuals permuted within units or among all rows. */
  const pOf = (seed: number, effects: Parameters<typeof simulated>[1], g: number, withinUnits: boolean) => {
    const panel = simulated(seed, effects);
    const unit = panel.groups[0] as Extract<ModelData['groups'][number], { kind: 'fixed-effect' }>;
    const data = withinUnits ? { ...panel, blocks: { column: 'unit', codes: unit.codes, count: unit.levels } } : panel;
    const observed = decompose(data).groups.map((group) => group.share);
    return permutationNull(data, observed, { permutations: 99, seed, method: 'shapley' }).groups[g]!.p;
  };
  const noDeprivation = { beta: 0, authority: 1, constant: false };
  const noAuthority = { beta: 0.5, authority: 0, constant: true };
  // Binomial(120, 0.05): P(X ≤ 1) + P(X ≥ 13) < 0.01.
  const nominal = (ps: number[]) => {
    const rejections = ps.filter((p) => p <= 0.05).length;
    expect(rejections).toBeGreaterThanOrEqual(2);
    expect(rejections).toBeLessThanOrEqual(12);
  };

  it(
    'deprivation without an effect, residuals permuted within units: p uniform (KS, 120 panels), nominal rate at ' +
      '0.05',
    () => {
      const ps = Array.from({ length: 120 }, (_, i) => pOf(1000 + i, noDeprivation, 1, true));
      expect(kolmogorovP(ksUniform(ps), ps.length)).toBeGreaterThan(0.01);
      nominal(ps);
    },
  );

  it('practice without unit effects (deprivation constant within units), all rows: p uniform, nominal rate', () => {
    const ps = Array.from({ length: 120 }, (_, i) => pOf(3000 + i, noAuthority, 0, false));
    expect(kolmogorovP(ksUniform(ps), ps.length)).toBeGreaterThan(0.01);
    nominal(ps);
  });

  it('deprivation without an effect, all rows permuted: never rejects more often than the nominal rate allows', () => {
    // Residuals of a model with unit effects sum to zero within each unit; permuting them across units adds
    // between-unit noise to y*, which widens the null: the test is conservative (bench: 0 of 200 at 120 × 7).
    const ps = Array.from({ length: 120 }, (_, i) => pOf(1000 + i, noDeprivation, 1, false));
    expect(ps.filter((p) => p <= 0.05).length).toBeLessThanOrEqual(12);
  });

  it('with real effects it rejects at 0.05 in most panels (deprivation 0.5 per unit; unit effects SD 1)', () => {
    const deprivation = Array.from({ length: 40 }, (_, i) => pOf(2000 + i, { ...noDeprivation, beta: 0.5 }, 1, true));
    expect(deprivation.filter((p) => p <= 0.05).length).toBeGreaterThanOrEqual(32);
    const practice = Array.from({ length: 40 }, (_, i) => pOf(4000 + i, { ...noAuthority, authority: 1 }, 0, false));
    expect(practice.filter((p) => p <= 0.05).length).toBeGreaterThanOrEqual(32);
  });
});

describe('what a permutation test refuses, before any work', () => {
  it('more than 20 groups for the methods that enumerate every subset; sequential and unique take any number', () => {
    const groups = Array.from({ length: 21 }, (_, g) => ({
      kind: 'numeric' as const,
      name: `g${g}`,
      columns: [`x${g}`],
    }));
    const shape = { groups } as unknown as ModelData;
    expect(() => checkPermutationOptions(shape, { permutations: 10, seed: 1, method: 'shapley' })).toThrow(
      /all 2\^21 subsets .* at most 20 groups/,
    );
    expect(() => checkPermutationOptions(shape, { permutations: 10, seed: 1, method: 'unique' })).not.toThrow();
  });

  it('a test expected to run over an hour, naming --permutations and the time per permutation', () => {
    expect(() => refuseLongPermutations(100_000, 0.05, 1)).toThrow(ParameterError);
    expect(() => refuseLongPermutations(100_000, 0.05, 1)).toThrow(/100000 permutations would take about 1\.4 hours/);
    expect(() => refuseLongPermutations(100_000, 0.05, 2)).not.toThrow();
    // The estimate grows with the rows, the subsets and the fixed effects' levels.
    const data = buildModelData(panel(8), NAO_LIKE);
    const wider = buildModelData(panel(8, { units: 16 }), NAO_LIKE);
    expect(permutationSeconds(wider, 'shapley')).toBeGreaterThan(permutationSeconds(data, 'shapley'));
    expect(permutationSeconds(data, 'unique')).toBeLessThan(permutationSeconds(data, 'shapley'));
  });
});
