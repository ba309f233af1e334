import fc from 'fast-check';
import { Matrix, solve } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import type { Panel } from '../../../src/io/panel.js';
import { selectRows } from '../../../src/io/panelRows.js';
import {
  FactoredModelBuilder,
  type FactoredModel,
  type NumericGroupShape,
} from '../../../src/models/design/factoredModel.js';
import { buildModelData, columnRequests, selectModelRows } from '../../../src/models/design/modelData.js';
import { fitModel, type FitOptions, type FitResult } from '../../../src/models/fit/fit.js';
import {
  DECOMPOSITION_METHODS,
  decompose,
  type DecomposeOptions,
  type DecompositionResult,
} from '../../../src/models/methods/decompose.js';
import type { ModelSpec } from '../../../src/models/spec/spec.js';
import { panelFrom, testRandom } from '../../helpers.js';

/**
 * Results do not depend on the units of the data: multiplying one column (an outcome, a predictor, the weights)
 * by 10^k, k anywhere in [−300, 300], leaves R², every share, every aliasing verdict and every unit-free
 * statistic unchanged, and multiplies coefficients, standard errors and intervals by the factor the units imply
 * — on the whole-file path (rows, with fixed effects), on the streamed path (rows rotated into a triangular
 * factor in batches), for every decomposition method, and for the regression report. The expected values come
 * from the same computation on the unscaled data (an independent check of the scaled computation: the two
 * inputs differ in every bit pattern of the scaled column and in its exponent by up to 997 binary orders).
 */

/** Runs per property; CPV_PROPERTY_RUNS=2000 for a longer search. */
const RUNS = Number(process.env.CPV_PROPERTY_RUNS ?? 60);

/** Every non-zero value has 1e−4 ≤ |v| < 1e3, so v·10^k stays a finite normal double for every |k| ≤ 300. */
const round4 = (v: number) => Math.round(v * 1e4) / 1e4;

const NUMERIC_GROUPS = [
  { name: 'pair', kind: 'numeric' as const, columns: ['x1', 'x2'] },
  { name: 'single', kind: 'numeric' as const, columns: ['x3'] },
  // `absorbed` is constant within each unit (aliased once unit effects are in); `copy` = x1 − x2 (always aliased).
  { name: 'extra', kind: 'numeric' as const, columns: ['absorbed', 'copy'] },
];

/** Well-conditioned correlated predictors, unit effects, an aliased copy and an absorbed column, optional weights. */
function dataset(seed: number, n: number, weighted: boolean): Record<string, number[] | string[]> {
  const random = testRandom(seed);
  const units = 8;
  const effect = Array.from({ length: units }, () => random.normal());
  const level = Array.from({ length: units }, () => round4(2 + random.normal()));
  const columns = {
    unit: [] as string[],
    y: [] as number[],
    x1: [] as number[],
    x2: [] as number[],
    x3: [] as number[],
    absorbed: [] as number[],
    copy: [] as number[],
    w: [] as number[],
  };
  for (let i = 0; i < n; i++) {
    const u = i % units;
    const common = random.normal();
    const x1 = round4(0.6 * common + random.normal());
    const x2 = round4(2 + 0.5 * x1 + random.normal());
    const x3 = round4(10 + 3 * random.normal());
    columns.unit.push(`u${u}`);
    columns.x1.push(x1);
    columns.x2.push(x2);
    columns.x3.push(x3);
    columns.absorbed.push(level[u]!);
    columns.copy.push(x1 - x2);
    columns.y.push(round4(5 + 0.8 * x1 - 0.5 * x2 + 0.3 * x3 + 0.4 * level[u]! + effect[u]! + random.normal()));
    columns.w.push(round4(0.2 + 3 * random.uniform()));
  }
  const { w, ...unweighted } = columns;
  return weighted ? columns : unweighted;
}

function specs(weighted: boolean): { rows: ModelSpec; numeric: ModelSpec } {
  const weights = weighted ? { weights: 'w' } : {};
  return {
    rows: {
      outcome: 'y',
      groups: [...NUMERIC_GROUPS, { name: 'unit', kind: 'fixed-effect', columns: ['unit'] }],
      cluster: 'unit',
      ...weights,
    },
    numeric: { outcome: 'y', groups: NUMERIC_GROUPS, ...weights },
  };
}

/** The factored model of a panel, fed in batches of `batch` rows (as the streamed path feeds file segments). */
function factored(panel: Panel, spec: ModelSpec, batch: number): FactoredModel {
  const builder = new FactoredModelBuilder(spec.groups as readonly NumericGroupShape[]);
  for (let first = 0; first < panel.rowCount; first += batch) {
    const rows = Int32Array.from({ length: Math.min(batch, panel.rowCount - first) }, (_, i) => first + i);
    builder.add(selectModelRows(selectRows(panel, rows), spec));
  }
  return builder.finish(
    panel.file,
    columnRequests(spec).map((r) => r.name),
    panel.rowCount,
  );
}

/** 10^k, correctly rounded. */
const powerOfTen = (k: number) => Number(`1e${k}`);

function scaled(columns: Record<string, number[] | string[]>, column: string, factor: number) {
  return { ...columns, [column]: (columns[column] as number[]).map((v) => v * factor) };
}

/** R²-scale quantities (R², shares, conditional dominance values): equal to 1e−12 relative to max(1, |expected|). */
const SHARE_TOLERANCE = 1e-12;

/**
 * Every number of a decomposition equal to SHARE_TOLERANCE, every string (group names, aliasing notes, dominance
 * verdicts) and count equal exactly; `tss` is checked by the caller (it carries the outcome's units).
 */
function expectSameDecomposition(actual: unknown, expected: unknown, path = 'result', tolerance = SHARE_TOLERANCE) {
  if (typeof expected === 'number') {
    expect(typeof actual, path).toBe('number');
    // Monte Carlo standard errors are √(mean of squares − square of mean): the cancellation costs a digit.
    const allowed = (path.includes('standardErrors') ? 10 : 1) * tolerance * Math.max(1, Math.abs(expected));
    expect(Math.abs((actual as number) - expected), path).toBeLessThanOrEqual(allowed);
    return;
  }
  if (expected === null || typeof expected !== 'object') {
    expect(actual, path).toEqual(expected);
    return;
  }
  if (expected instanceof Float64Array || Array.isArray(expected)) {
    const list = Array.from(expected as ArrayLike<unknown>);
    expect(Array.from(actual as ArrayLike<unknown>), path).toHaveLength(list.length);
    list.forEach((item, i) =>
      expectSameDecomposition((actual as ArrayLike<unknown>)[i], item, `${path}[${i}]`, tolerance),
    );
    return;
  }
  const keys = Object.keys(expected).filter((key) => key !== 'tss');
  expect(
    Object.keys(actual as object)
      .filter((key) => key !== 'tss')
      .sort(),
    path,
  ).toEqual([...keys].sort());
  for (const key of keys) {
    expectSameDecomposition(
      (actual as Record<string, unknown>)[key],
      (expected as Record<string, unknown>)[key],
      `${path}.${key}`,
      tolerance,
    );
  }
}

/**
 * a ≈ b to `tolerance` relative to `scale` (default |b|); exactly equal for null, and for 0 and non-finite
 * values when no scale is given.
 */
function expectRelative(
  actual: number | null,
  expected: number | null,
  tolerance: number,
  path: string,
  scale = Math.abs(expected ?? 0),
): void {
  if (expected === null || scale === 0 || !Number.isFinite(expected)) {
    expect(actual, path).toBe(expected);
    return;
  }
  expect(actual, path).not.toBeNull();
  expect(Math.abs(actual! - expected) / scale, path).toBeLessThanOrEqual(tolerance);
}

/** Coefficients and their standard errors and intervals: 1e−11 relative (the fit refines them to full accuracy). */
const COEFFICIENT_TOLERANCE = 1e-11;

/**
 * The scaled fit against the unscaled one: unit-free statistics unchanged; each coefficient, standard error and
 * interval end of term j times `factorOf(j)`; σ times `sigmaFactor`.
 */
function expectScaledFit(
  actual: FitResult,
  expected: FitResult,
  factorOf: (term: string) => number,
  sigmaFactor: number,
  outcomeFactor: number,
): void {
  expect(actual.n).toBe(expected.n);
  expect(actual.k).toBe(expected.k);
  expect(actual.dfResidual).toBe(expected.dfResidual);
  expect(actual.fDf).toEqual(expected.fDf);
  expect(actual.notes).toEqual(expected.notes);
  for (const key of ['r2', 'adjR2', 'withinR2'] as const) {
    expectRelative(actual[key], expected[key], SHARE_TOLERANCE, key, Math.max(1, Math.abs(expected[key] ?? 0)));
  }
  expectRelative(actual.f, expected.f, SHARE_TOLERANCE, 'f');
  expectRelative(actual.fP, expected.fP, 1e-9, 'fP');
  expectRelative(actual.sigma, expected.sigma * sigmaFactor, COEFFICIENT_TOLERANCE, 'sigma');
  expect(actual.coefficients).toHaveLength(expected.coefficients.length);
  actual.coefficients.forEach((row, j) => {
    const base = expected.coefficients[j]!;
    expect(row.term).toBe(base.term);
    expect(row.aliased).toBe(base.aliased);
    const factor = factorOf(row.term);
    const times = (v: number | null) => (v === null ? null : v * factor);
    // A coefficient's rounding error is relative to |b| + SE (b itself may be near 0), and so is an interval end's.
    const errorScale = base.aliased ? 0 : (Math.abs(base.estimate!) + base.stdError!) * Math.abs(factor);
    for (const key of ['estimate', 'ciLow', 'ciHigh'] as const) {
      expectRelative(row[key], times(base[key]), COEFFICIENT_TOLERANCE, `${row.term}.${key}`, errorScale);
    }
    expectRelative(row.stdError, times(base.stdError), COEFFICIENT_TOLERANCE, `${row.term}.stdError`);
    expectRelative(row.t, base.t, COEFFICIENT_TOLERANCE, `${row.term}.t`, Math.abs(base.t ?? 0) + 1);
    expectRelative(row.p, base.p, 1e-9, `${row.term}.p`);
    expectRelative(row.vif, base.vif, COEFFICIENT_TOLERANCE, `${row.term}.vif`);
  });
  expect(actual.fixedEffectCoefficients?.length).toBe(expected.fixedEffectCoefficients?.length);
  actual.fixedEffectCoefficients?.forEach((row, j) => {
    const base = expected.fixedEffectCoefficients![j]!;
    expect(row.term).toBe(base.term);
    expectRelative(
      row.estimate,
      base.estimate === null ? null : base.estimate * outcomeFactor,
      COEFFICIENT_TOLERANCE,
      row.term,
    );
  });
}

const DECOMPOSITIONS: readonly DecomposeOptions[] = [
  ...DECOMPOSITION_METHODS.map((method) => ({ method })),
  { method: 'shapley', samples: 60, seed: 5 },
];

const FITS: readonly { name: string; spec: 'rows' | 'numeric'; options: FitOptions }[] = [
  { name: 'fixed effects, classical', spec: 'rows', options: {} },
  {
    name: 'fixed effects, clustered, FE coefficients',
    spec: 'rows',
    options: { clustered: true, fixedEffectCoefficients: true },
  },
  { name: 'intercept only', spec: 'numeric', options: {} },
  { name: 'no intercept', spec: 'numeric', options: { intercept: false } },
];

/** One random problem and one column multiplied by 10^k, keeping every value a finite normal double. */
const problems = fc
  .record({
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    n: fc.integer({ min: 50, max: 200 }),
    weighted: fc.boolean(),
    k: fc.integer({ min: -300, max: 300 }),
    pick: fc.nat(),
    batch: fc.integer({ min: 1, max: 80 }),
  })
  .map((p) => {
    const candidates = ['y', 'x1', 'x2', 'x3', 'absorbed', 'copy', ...(p.weighted ? ['w'] : [])];
    return { ...p, column: candidates[p.pick % candidates.length]! };
  });

function factorsFor(column: string, s: number) {
  return {
    // The coefficient of x in units of s·x is b/s; every coefficient of an outcome in units of s·y is s·b.
    coefficient: (term: string) => (column === 'y' ? s : term === column ? 1 / s : 1),
    // σ² = Σ w r² / df: × s² for the outcome, × s for the weights.
    sigma: column === 'y' ? s : column === 'w' ? Math.sqrt(s) : 1,
    outcome: column === 'y' ? s : 1,
    // TSS = Σ w (y − ȳ)²
    tss: (tss: number) => (column === 'y' ? tss * s * s : column === 'w' ? tss * s : tss),
  };
}

describe('results do not depend on the units of any column (x · 10^k, |k| ≤ 300)', () => {
  it('whole-file decomposition with fixed effects, every method', () => {
    fc.assert(
      fc.property(problems, ({ seed, n, weighted, k, column }) => {
        const base = dataset(seed, n, weighted);
        const s = powerOfTen(k);
        const spec = specs(weighted).rows;
        const before = buildModelData(panelFrom(base), spec);
        const after = buildModelData(panelFrom(scaled(base, column, s)), spec);
        for (const options of DECOMPOSITIONS) {
          const expected = decompose(before, options);
          const actual = decompose(after, options);
          expectSameDecomposition(actual, expected);
          const tss = factorsFor(column, s).tss(expected.tss);
          if (Number.isFinite(tss)) expectRelative(actual.tss, tss, SHARE_TOLERANCE, 'tss');
          else expect(actual.tss).toBe(Number.POSITIVE_INFINITY);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('streamed factor (rows rotated in batches), every method', () => {
    fc.assert(
      fc.property(problems, ({ seed, n, weighted, k, column, batch }) => {
        const base = dataset(seed, n, weighted);
        const s = powerOfTen(k);
        const spec = specs(weighted).numeric;
        const before = factored(panelFrom(base), spec, batch);
        const after = factored(panelFrom(scaled(base, column, s)), spec, batch);
        const rows = buildModelData(panelFrom(scaled(base, column, s)), spec);
        for (const options of DECOMPOSITIONS) {
          const expected: DecompositionResult = decompose(before, options);
          const actual = decompose(after, options);
          expectSameDecomposition(actual, expected);
          // And the streamed factor of the scaled data is the model of its rows (to the rounding of two paths).
          expectSameDecomposition(actual, decompose(rows, options), 'streamed vs rows', 1e-11);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it.each(FITS)('regression report ($name)', ({ spec: which, options }) => {
    fc.assert(
      fc.property(problems, ({ seed, n, weighted, k, column }) => {
        const base = dataset(seed, n, weighted);
        const s = powerOfTen(k);
        const spec = specs(weighted)[which];
        const expected = fitModel(buildModelData(panelFrom(base), spec), options);
        const actual = fitModel(buildModelData(panelFrom(scaled(base, column, s)), spec), options);
        const factors = factorsFor(column, s);
        expectScaledFit(actual, expected, factors.coefficient, factors.sigma, factors.outcome);
      }),
      { numRuns: RUNS },
    );
  });

  it('the aliasing verdicts the properties compare are the expected ones', () => {
    // Guard against a vacuous property: in the unscaled data `copy` is aliased on both paths and `absorbed` with
    // unit effects, and nothing else is.
    const base = dataset(7, 120, false);
    const { rows, numeric } = specs(false);
    const notes = (result: DecompositionResult) => result.notes.map((note) => note.match(/^"(\w+)"/)?.[1]);
    expect(notes(decompose(buildModelData(panelFrom(base), rows)))).toEqual(['absorbed', 'copy']);
    expect(notes(decompose(factored(panelFrom(base), numeric, 17)))).toEqual(['copy']);
    const fit = fitModel(buildModelData(panelFrom(base), rows));
    expect(fit.coefficients.filter((c) => c.aliased).map((c) => c.term)).toEqual(['absorbed', 'copy']);
  });
});

/**
 * Weighted R² of y on an intercept and the columns by ml-matrix's SVD solve on the √w-scaled rows (independent
 * of the QR, Givens and scaling code under test): 1 − Σ w r² / Σ w (y − ȳ_w)².
 */
function weightedReferenceR2(y: readonly number[], columns: readonly (readonly number[])[], w: readonly number[]) {
  const n = y.length;
  const X = new Matrix(n, columns.length + 1);
  const Y = new Matrix(n, 1);
  for (let i = 0; i < n; i++) {
    const root = Math.sqrt(w[i]!);
    X.set(i, 0, root);
    columns.forEach((column, j) => X.set(i, j + 1, root * column[i]!));
    Y.set(i, 0, root * y[i]!);
  }
  const fitted = X.mmul(solve(X, Y, true));
  const totalWeight = w.reduce((a, b) => a + b, 0);
  const mean = y.reduce((sum, v, i) => sum + w[i]! * v, 0) / totalWeight;
  let rss = 0;
  let tss = 0;
  for (let i = 0; i < n; i++) {
    rss += (Y.get(i, 0) - fitted.get(i, 0)) ** 2;
    tss += w[i]! * (y[i]! - mean) ** 2;
  }
  return 1 - rss / tss;
}

describe('the streamed factor when later batches hold larger values', () => {
  // Each batch of 10 rows has larger weights (× 4 per batch) and a larger predictor and outcome than the one
  // before, so the factor's units widen at every batch: its columns, shifts and (for the weights) all of it are
  // rescaled by powers of two as it goes.
  const n = 120;
  const batch = 10;
  const random = testRandom(99);
  const columns = { y: [] as number[], a: [] as number[], b: [] as number[], w: [] as number[] };
  for (let i = 0; i < n; i++) {
    const growth = 1 + Math.floor(i / batch);
    const a = random.normal() * growth;
    const b = 0.5 * a + random.normal();
    columns.a.push(a);
    columns.b.push(b);
    columns.y.push(growth * (1 + 0.7 * a - 0.4 * b + random.normal()));
    columns.w.push((0.5 + random.uniform()) * 4 ** Math.floor(i / batch));
  }
  const spec: ModelSpec = {
    outcome: 'y',
    groups: [
      { name: 'A', kind: 'numeric', columns: ['a'] },
      { name: 'B', kind: 'numeric', columns: ['b'] },
    ],
    weights: 'w',
  };

  it('gives the R² of an independent weighted least-squares solve, and of the rows', () => {
    const expected = weightedReferenceR2(columns.y, [columns.a, columns.b], columns.w);
    const streamed = decompose(factored(panelFrom(columns), spec, batch), { method: 'all' });
    expect(Math.abs(streamed.r2 - expected)).toBeLessThan(1e-12);
    expectSameDecomposition(
      streamed,
      decompose(buildModelData(panelFrom(columns), spec), { method: 'all' }),
      'r',
      1e-11,
    );
  });

  it('one cell of 1e300 in a late batch: the R² of the rows and of an independent solve in units of 1e300', () => {
    const withCell = { ...columns, w: columns.w.map(() => 1), a: columns.a.map((v, i) => (i === 95 ? 1e300 : v)) };
    const rows = decompose(buildModelData(panelFrom(withCell), spec), { method: 'shapley' });
    const streamed = decompose(factored(panelFrom(withCell), spec, batch), { method: 'shapley' });
    expectSameDecomposition(streamed, rows, 'streamed vs rows', 1e-11);
    expect(streamed.notes).toEqual([]);
    // The same regression with a expressed in units of 1e300 (the test's own rescaling), solved by SVD.
    const inUnits = withCell.a.map((v) => v / 1e300);
    const expected = weightedReferenceR2(withCell.y, [inUnits, withCell.b], withCell.w);
    expect(Math.abs(streamed.r2 - expected)).toBeLessThan(1e-12);
  });
});
