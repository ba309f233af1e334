import { describe, expect, it } from 'vitest';
import { ModelError, ParameterError } from '../../../src/errors.js';
import {
  buildModelData,
  type FixedEffectGroupData,
  type GroupData,
  type ModelData,
  type ModelScales,
} from '../../../src/models/design/modelData.js';
import { fUpperP, tTwoSidedP } from '../../../src/models/fit/distributions.js';
import { fitModel } from '../../../src/models/fit/fit.js';
import { panelFrom, thrownBy } from '../../helpers.js';

/**
 * What `fitModel` and its distribution helpers promise at their edges, which the mutation run found unchecked:
 * the rank-tolerance and too-few-rows refusals, the refusals of results beyond the double range (exact messages),
 * which fixed effect is absorbed, the uncentred R² without intercept, the cluster-robust K of the "nested" rule
 * when duplicated fixed effects push it to its floor, the treatment-contrast coefficients (names, natural order,
 * aliased levels, rank tolerance) and the aliased-term notes. Numbers are checked against textbook formulas
 * computed here with plain arrays (normal equations), never against the code's own output.
 */

// ---------------------------------------------------------------------------------------------------------------
// Building model data by hand (stored values and scales chosen directly, so that the edges are reachable).

function fixedEffect(name: string, labels: readonly string[]): FixedEffectGroupData {
  const levels = [...new Set(labels)];
  return {
    kind: 'fixed-effect',
    name,
    columns: [name],
    codes: Int32Array.from(labels, (label) => levels.indexOf(label)),
    levels: levels.length,
    labels: levels,
  };
}

function numeric(name: string, values: readonly number[]): GroupData {
  return { kind: 'numeric', name, columns: [name], values: [Float64Array.from(values)] };
}

interface DataParts {
  readonly y: readonly number[];
  readonly groups: readonly GroupData[];
  readonly cluster?: readonly string[];
  readonly weights?: readonly number[];
  readonly weightsColumn?: string;
  readonly scales?: ModelScales;
}

function modelData(parts: DataParts): ModelData {
  const clusterLevels = parts.cluster ? [...new Set(parts.cluster)] : [];
  return {
    outcome: 'y',
    n: parts.y.length,
    droppedRows: 0,
    missingByColumn: {},
    y: Float64Array.from(parts.y),
    groups: parts.groups,
    ...(parts.cluster
      ? {
          cluster: {
            column: 'cl',
            codes: Int32Array.from(parts.cluster, (c) => clusterLevels.indexOf(c)),
            count: clusterLevels.length,
          },
        }
      : {}),
    ...(parts.weights ? { weights: Float64Array.from(parts.weights) } : {}),
    ...(parts.weightsColumn !== undefined ? { weightsColumn: parts.weightsColumn } : {}),
    ...(parts.scales ? { scales: parts.scales } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Textbook least squares: normal equations solved by Gauss–Jordan elimination with partial pivoting.

function inverse(matrix: readonly (readonly number[])[]): number[][] {
  const p = matrix.length;
  const a = matrix.map((row, i) => [...row, ...Array.from({ length: p }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < p; c++) {
    let pivot = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r;
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    const d = a[c]![c]!;
    for (let j = 0; j < 2 * p; j++) a[c]![j]! /= d;
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const factor = a[r]![c]!;
      for (let j = 0; j < 2 * p; j++) a[r]![j]! -= factor * a[c]![j]!;
    }
  }
  return a.map((row) => row.slice(p));
}

/** OLS (or WLS with weights w) of y on the given columns: coefficients, residuals, RSS = Σ w e², (X'WX)⁻¹. */
function ols(columns: readonly (readonly number[])[], y: readonly number[], w?: readonly number[]) {
  const n = y.length;
  const weight = (i: number) => (w ? w[i]! : 1);
  const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, i) => s + weight(i) * v * b[i]!, 0);
  const xtxInv = inverse(columns.map((a) => columns.map((b) => dot(a, b))));
  const xty = columns.map((a) => dot(a, y));
  const beta = xtxInv.map((row) => row.reduce((s, v, j) => s + v * xty[j]!, 0));
  const residuals = Array.from({ length: n }, (_, i) => y[i]! - columns.reduce((s, c, j) => s + beta[j]! * c[i]!, 0));
  const rss = residuals.reduce((s, e, i) => s + weight(i) * e * e, 0);
  return { beta, residuals, rss, xtxInv };
}

const ones = (n: number) => new Array<number>(n).fill(1);
const indicator = (labels: readonly string[], level: string) => labels.map((l) => (l === level ? 1 : 0));
const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

// ---------------------------------------------------------------------------------------------------------------

describe('distribution helpers at the edges of their domain', () => {
  it('gives P(F ≥ 0) = 1 exactly (0 is inside the domain)', () => {
    expect(fUpperP(0, 2, 10)).toBe(1);
    expect(fUpperP(0, 5, 1)).toBe(1);
  });

  it('gives NaN for a negative F, however negative, and 0 for an infinite one', () => {
    expect(fUpperP(-1, 2, 10)).toBeNaN();
    expect(fUpperP(Number.NEGATIVE_INFINITY, 2, 10)).toBeNaN();
    expect(fUpperP(Number.NaN, 2, 10)).toBeNaN();
    expect(fUpperP(Number.POSITIVE_INFINITY, 2, 10)).toBe(0);
  });

  it('gives P(F ≥ 1) on (2, 2) df = 1/2 and P(|T| ≥ 1) on 1 df = 1/2 (closed forms)', () => {
    // F(2, 2): P(F ≥ f) = 1/(1 + f). Cauchy: P(|T| ≥ t) = 1 − 2·atan(t)/π.
    expect(Math.abs(fUpperP(1, 2, 2) - 0.5)).toBeLessThan(1e-15);
    expect(Math.abs(fUpperP(3, 2, 2) - 0.25)).toBeLessThan(1e-15);
    expect(Math.abs(tTwoSidedP(1, 1) - 0.5)).toBeLessThan(1e-15);
    expect(tTwoSidedP(Number.POSITIVE_INFINITY, 3)).toBe(0);
    expect(tTwoSidedP(Number.NEGATIVE_INFINITY, 3)).toBe(0);
    expect(tTwoSidedP(Number.NaN, 3)).toBeNaN();
  });
});

describe('fitModel refuses what it cannot fit', () => {
  // Intercept and x: k = 2.
  const x = [-0.5, -0.25, 0.25, 0.5, 0.125];
  const y = [0.1, -0.2, 0.3, 0.5, -0.4];

  it('a rank tolerance outside the open interval (0, 1), with the value in the message', () => {
    const data = modelData({ y, groups: [numeric('x', x)] });
    for (const value of [0, 1, -0.1, 1.5, Number.NaN]) {
      const error = thrownBy(() => fitModel(data, { rankTolerance: value }), ParameterError);
      expect(error.message).toBe(`rankTolerance: ${value} is not a tolerance; it must lie between 0 and 1`);
    }
    // Just inside both ends is accepted.
    expect(fitModel(data, { rankTolerance: 1e-300 }).rankTolerance).toBe(1e-300);
    expect(fitModel(data, { rankTolerance: 0.999 }).rankTolerance).toBe(0.999);
  });

  it('as many parameters as rows (no residual degree of freedom), and fits one row more', () => {
    const exact = modelData({ y: y.slice(0, 2), groups: [numeric('x', x.slice(0, 2))] });
    const error = thrownBy(() => fitModel(exact), ModelError);
    expect(error.message).toBe('2 usable rows but 2 parameters; the model needs more rows than parameters');
    const one = fitModel(modelData({ y: y.slice(0, 3), groups: [numeric('x', x.slice(0, 3))] }));
    expect(one.dfResidual).toBe(1);
    expect(one.k).toBe(2);
  });

  it('cluster-robust standard errors without a cluster column', () => {
    const data = modelData({
      y: [0.1, -0.2, 0.3, 0.5, -0.4, 0.2],
      groups: [fixedEffect('g', ['a', 'a', 'b', 'b', 'c', 'c']), numeric('x', [0.5, -0.5, 0.25, 0.75, -0.25, 0.5])],
    });
    const error = thrownBy(() => fitModel(data, { clustered: true }), ModelError);
    expect(error.message).toBe('cluster-robust standard errors need a cluster column');
    const plain = modelData({ y, groups: [numeric('x', x)] });
    expect(thrownBy(() => fitModel(plain, { clustered: true }), ModelError).message).toBe(
      'cluster-robust standard errors need a cluster column',
    );
  });
});

describe('fitModel refuses a result beyond the double range in the units read', () => {
  // Stored x is centred and e ⟂ 1, x: the stored fit of y = b·x + c·e has intercept 0, slope b, RSS = 4c²,
  // σ = c·√2 and SE(b) = σ/√Σx² = σ/√0.625; the t quantile on 2 df at 0.975 is 4.3027.
  const x = [-0.5, -0.25, 0.25, 0.5];
  const e = [1, -1, -1, 1];
  const data = (b: number, c: number, scales: ModelScales, more: Partial<DataParts> = {}) =>
    modelData({ y: x.map((v, i) => b * v + c * e[i]!), groups: [numeric('x', x)], scales, ...more });
  // y stored × 2^−1000, x × 2^24: the slope is unscaled by 2^1024 (about 1.8e308), the intercept by 2^1000.
  const big = { outcome: 1000, columns: [-24], weights: 0 };
  const bigger = { outcome: 1000, columns: [-25], weights: 0 };
  const units = 'beyond the range of double-precision numbers (±1.8e308); express "x" or "y" in other units';

  it('a coefficient: 0.75 × 2^1025 ≈ 2.7e308, and its negative', () => {
    const positive = thrownBy(() => fitModel(data(0.75, 0.01, bigger)), ModelError);
    expect(positive.message).toBe(`the coefficient of "x" is about 1e308, ${units}`);
    const negative = thrownBy(() => fitModel(data(-0.75, 0.01, bigger)), ModelError);
    expect(negative.message).toBe(`the coefficient of "x" is about -1e308, ${units}`);
  });

  it('the decimal exponent counts the binary one: 0.75 × 2^1100 ≈ 1e331', () => {
    // log10(0.75) + 1100·log10(2) = 331.0
    const error = thrownBy(
      () => fitModel(data(0.75, 0.01, { outcome: 1000, columns: [-100], weights: 0 })),
      ModelError,
    );
    expect(error.message).toBe(`the coefficient of "x" is about 1e331, ${units}`);
  });

  it('a standard error whose coefficient fits', () => {
    // b = 0.01·2^1024 ≈ 1.8e306 fits; SE = 0.6·√2/√0.625 ≈ 1.07, × 2^1024 ≈ 1.9e308 does not.
    const error = thrownBy(() => fitModel(data(0.01, 0.6, big)), ModelError);
    expect(error.message).toBe(`the standard error of "x" is about 1e308, ${units}`);
  });

  it('an interval end whose coefficient and standard error fit: the upper, and the lower of a negative slope', () => {
    // SE ≈ 0.0625·√2/√0.625 ≈ 0.112: b ± 4.30·SE = 0.75 ± 0.48, so only the end away from 0 passes 1 (× 2^1024).
    const upper = thrownBy(() => fitModel(data(0.75, 0.0625, big)), ModelError);
    expect(upper.message).toBe(`the confidence interval of "x" is about 1e308, ${units}`);
    const lower = thrownBy(() => fitModel(data(-0.75, 0.0625, big)), ModelError);
    expect(lower.message).toBe(`the confidence interval of "x" is about -1e308, ${units}`);
    // The same fit in units 2^10 smaller is returned, unscaled exactly.
    const fits = fitModel(data(0.75, 0.0625, { outcome: 990, columns: [-24], weights: 0 }));
    const slope = fits.coefficients.find((c) => c.term === 'x')!;
    expect(relative(slope.estimate!, 0.75 * 2 ** 1014)).toBeLessThan(1e-14);
    expect(relative(slope.stdError!, (0.0625 * Math.SQRT2 * 2 ** 1014) / Math.sqrt(0.625))).toBeLessThan(1e-14);
  });

  it('a fixed-effect coefficient (treatment contrast) whose level difference does not fit', () => {
    // Levels a and b at ±0.75 (stored) × 2^1024: the baseline a, −1.35e308, fits; b − a = 1.5 × 2^1024 ≈ 2.7e308
    // does not. x (× 2^10) and σ are small.
    const g = ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b'];
    const x8 = [...x, ...x];
    const y8 = g.map((level, i) => (level === 'a' ? -0.75 : 0.75) + 0.01 * x8[i]! + 0.001 * e[i % 4]!);
    const scales = { outcome: 1024, columns: [10], weights: 0 };
    const data8 = modelData({ y: y8, groups: [fixedEffect('g', g), numeric('x', x8)], scales });
    expect(fitModel(data8).coefficients.map((c) => c.aliased)).toEqual([false]);
    const error = thrownBy(() => fitModel(data8, { fixedEffectCoefficients: true }), ModelError);
    expect(error.message).toBe(
      'the coefficient of "g=b" is about 1e308, beyond the range of double-precision numbers (±1.8e308); express ' +
        '"g=b" or "y" in other units',
    );
  });

  it('the residual standard error, naming the weights when there are any', () => {
    // No intercept (so that no interval of it overflows first); x × 2^−10 keeps the slope small.
    const small = { outcome: 1024, columns: [10], weights: 0 };
    // RSS = 4c² on 3 df: σ_s = √(4/3) ≈ 1.15, × 2^1024 does not fit.
    const unweighted = thrownBy(() => fitModel(data(0.25, 1, small), { intercept: false }), ModelError);
    expect(unweighted.message).toBe(
      'the residual standard error is beyond the range of double-precision numbers (±1.8e308); express "y" in ' +
        'other units',
    );
    // Weights 1/4 stored × 2^−2: σ_s = √(1/3) ≈ 0.58 fits × 2^1024 but not × 2^(1024 + 2/2) ≈ 3.6e308.
    const weighted = data(0.25, 1, { ...small, weights: 2 }, { weights: [0.25, 0.25, 0.25, 0.25], weightsColumn: 'w' });
    expect(thrownBy(() => fitModel(weighted, { intercept: false }), ModelError).message).toBe(
      'the residual standard error is beyond the range of double-precision numbers (±1.8e308); express "y" or the ' +
        'weights "w" in other units',
    );
    // Without the weights' exponent the same stored fit is returned: σ = √(1/3)·2^1024 = √(4/3)·2^1023.
    const unscaled = fitModel({ ...weighted, scales: small }, { intercept: false });
    expect(relative(unscaled.sigma, Math.sqrt(4 / 3) * 2 ** 1023)).toBeLessThan(1e-14);
  });
});

describe('fitModel statistics against the textbook formulas', () => {
  const x = [0.3, 1.2, -0.7, 2.1, 0.4, -1.5, 0.9, -0.2, 1.7, -0.6, 0.8, 0.1];
  const z = [1.1, -0.4, 0.6, 0.2, -1.3, 0.9, 0.5, -0.8, 0.3, 1.4, -0.2, -0.6];
  const y = x.map((v, i) => 3 + 2 * v - z[i]! + 0.3 * ((i * 7) % 5) - 0.4);
  const n = y.length;

  it('without intercept: R² = 1 − RSS/Σy² (uncentred) and adjusted R² on n, not n − 1', () => {
    const fit = fitModel(modelData({ y, groups: [numeric('x', x), numeric('z', z)] }), { intercept: false });
    const reference = ols([x, z], y);
    const sumY2 = y.reduce((s, v) => s + v * v, 0);
    const r2 = 1 - reference.rss / sumY2;
    expect(fit.intercept).toBe(false);
    expect(fit.k).toBe(2);
    expect(fit.fDf).toEqual([2, n - 2]);
    expect(Math.abs(fit.r2 - r2)).toBeLessThan(1e-12);
    expect(Math.abs(fit.adjR2 - (1 - ((1 - r2) * n) / (n - 2)))).toBeLessThan(1e-12);
    expect(Math.abs(fit.f - (sumY2 - reference.rss) / 2 / (reference.rss / (n - 2)))).toBeLessThan(1e-9);
    expect(fit.coefficients.map((c) => c.term)).toEqual(['x', 'z']);
    expect(fit.coefficients.map((c) => c.vif)).toEqual([null, null]);
    expect(fit.withinR2).toBeNull();
  });

  it('with intercept: R² on the centred outcome', () => {
    const fit = fitModel(modelData({ y, groups: [numeric('x', x), numeric('z', z)] }));
    const reference = ols([ones(n), x, z], y);
    const mean = y.reduce((s, v) => s + v, 0) / n;
    const tss = y.reduce((s, v) => s + (v - mean) ** 2, 0);
    expect(Math.abs(fit.r2 - (1 - reference.rss / tss))).toBeLessThan(1e-12);
    expect(fit.fDf).toEqual([2, n - 3]);
  });

  it('CR1 standard errors: G/(G−1)·(N−1)/(N−K)·(X′X)⁻¹ Σ_g X_g′e_g e_g′X_g (X′X)⁻¹, t on G − 1 df', () => {
    const cluster = ['a', 'a', 'b', 'b', 'b', 'c', 'c', 'd', 'd', 'd', 'e', 'e'];
    const fit = fitModel(modelData({ y, groups: [numeric('x', x), numeric('z', z)], cluster }), { clustered: true });
    const columns = [ones(n), x, z];
    const { beta, residuals, xtxInv } = ols(columns, y);
    const meat = columns.map(() => columns.map(() => 0));
    for (const g of new Set(cluster)) {
      const score = columns.map((c) => c.reduce((s, v, i) => s + (cluster[i] === g ? v * residuals[i]! : 0), 0));
      score.forEach((sa, a) => score.forEach((sb, b) => (meat[a]![b]! += sa * sb)));
    }
    const product = (a: number[][], b: number[][]) =>
      a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
    const sandwich = product(product(xtxInv, meat), xtxInv);
    const factor = (5 / 4) * ((n - 1) / (n - 3));
    expect(fit.se).toBe('cluster');
    expect(fit.clusters).toEqual({ column: 'cl', count: 5, df: 4 });
    expect(fit.smallSample).toEqual({ rule: 'lm', k: 3, nested: [] });
    expect(fit.coefficients.map((c) => c.term)).toEqual(['(Intercept)', 'x', 'z']);
    fit.coefficients.forEach((row, j) => {
      expect(relative(row.estimate!, beta[j]!)).toBeLessThan(1e-12);
      expect(relative(row.stdError!, Math.sqrt(factor * sandwich[j]![j]!))).toBeLessThan(1e-10);
      // t quantile at 0.975 on G − 1 = 4 df.
      expect(relative(row.ciHigh! - row.estimate!, 2.7764451051977987 * row.stdError!)).toBeLessThan(1e-9);
    });
    expect(fitModel(modelData({ y, groups: [numeric('x', x)], cluster })).se).toBe('classical');
  });

  it('RSS with weights in the units read: × 2^(2E_y + E_w)', () => {
    const w = [4, 8, 16, 4, 8, 16, 4, 8, 16, 4, 8, 40];
    const data = buildModelData(panelFrom({ y, x, z, w }), {
      outcome: 'y',
      weights: 'w',
      groups: [
        { name: 'x', kind: 'numeric', columns: ['x'] },
        { name: 'z', kind: 'numeric', columns: ['z'] },
      ],
    });
    expect(data.scales!.weights).not.toBe(0);
    const fit = fitModel(data);
    const reference = ols([ones(n), x, z], y, w);
    expect(relative(fit.rss, reference.rss)).toBeLessThan(1e-12);
    expect(relative(fit.sigma, Math.sqrt(reference.rss / (n - 3)))).toBeLessThan(1e-12);
  });

  it('notes each aliased term in R’s words, and only those', () => {
    const twice = x.map((v) => 2 * v);
    const fit = fitModel(modelData({ y, groups: [numeric('x', x), numeric('x2', twice), numeric('z', z)] }));
    expect(fit.coefficients.map((c) => c.aliased)).toEqual([false, false, true, false]);
    expect(fit.notes).toEqual([
      '"x2" is not estimable: it is a linear combination of other terms (e.g. constant within each level of a fixed ' +
        "effect), reported as aliased as R's lm() does",
    ]);
    expect(fitModel(modelData({ y, groups: [numeric('x', x)] })).notes).toEqual([]);
  });
});

describe('fixed effects', () => {
  // 12 rows, units u1–u4 (3 rows each) crossed with periods p1–p3.
  const unit = ['u1', 'u1', 'u1', 'u2', 'u2', 'u2', 'u3', 'u3', 'u3', 'u4', 'u4', 'u4'];
  const period = ['p1', 'p2', 'p3', 'p1', 'p2', 'p3', 'p1', 'p2', 'p3', 'p1', 'p2', 'p3'];
  const x = [0.3, 1.2, -0.7, 2.1, 0.4, -1.5, 0.9, -0.2, 1.7, -0.6, 0.8, 0.1];
  const w = [0.5, -0.25, -0.25, 0.25, 0.5, -0.75, -0.5, 0.75, -0.25, 0.5, -0.5, 0];
  const y = x.map((v, i) => 2 * v - w[i]! + (i % 4) * 0.7 - ((i * 5) % 3) * 0.4 + unit.indexOf(unit[i]!) / 3);
  const n = y.length;
  const dummies = (labels: readonly string[], levels: readonly string[]) => levels.map((l) => indicator(labels, l));

  it('within R² with one fixed effect: 1 − RSS / Σ(y − ȳ_unit)²', () => {
    const fit = fitModel(modelData({ y, groups: [fixedEffect('unit', unit), numeric('x', x)] }));
    const full = ols([...dummies(unit, ['u1', 'u2', 'u3', 'u4']), x], y);
    const fixedOnly = ols(dummies(unit, ['u1', 'u2', 'u3', 'u4']), y);
    expect(fit.k).toBe(5);
    expect(Math.abs(fit.withinR2! - (1 - full.rss / fixedOnly.rss))).toBeLessThan(1e-12);
    expect(fit.coefficients.map((c) => c.term)).toEqual(['x']);
    expect(relative(fit.coefficients[0]!.estimate!, full.beta[4]!)).toBeLessThan(1e-12);
  });

  it('within R² with two fixed effects: the fixed-effects-only fit includes the second one', () => {
    const fit = fitModel(
      modelData({ y, groups: [fixedEffect('unit', unit), fixedEffect('period', period), numeric('x', x)] }),
    );
    const fe = [...dummies(unit, ['u1', 'u2', 'u3', 'u4']), ...dummies(period, ['p2', 'p3'])];
    const full = ols([...fe, x], y);
    const fixedOnly = ols(fe, y);
    expect(fit.k).toBe(7);
    expect(Math.abs(fit.withinR2! - (1 - full.rss / fixedOnly.rss))).toBeLessThan(1e-12);
    expect(relative(fit.coefficients[0]!.estimate!, full.beta[6]!)).toBeLessThan(1e-12);
  });

  it('within R² at a high rank tolerance: the fixed-effects-only fit uses that tolerance too', () => {
    // Demeaned within units, the period indicators d1, d2, d3 are pairwise at correlation −1/2 (sine √3/2 ≈ 0.87):
    // at tolerance 0.9 only the first is kept, in the full fit (after x) and in the fixed-effects-only fit alike.
    const fit = fitModel(
      modelData({ y, groups: [fixedEffect('unit', unit), fixedEffect('period', period), numeric('x', x)] }),
      { rankTolerance: 0.9 },
    );
    const units = dummies(unit, ['u1', 'u2', 'u3', 'u4']);
    const full = ols([...units, x, indicator(period, 'p1')], y);
    const fixedOnly = ols([...units, indicator(period, 'p1')], y);
    expect(fit.k).toBe(6);
    expect(Math.abs(fit.withinR2! - (1 - full.rss / fixedOnly.rss))).toBeLessThan(1e-12);
    expect(relative(fit.coefficients[0]!.estimate!, full.beta[4]!)).toBeLessThan(1e-12);
  });

  it('asked for fixed-effect coefficients without fixed effects, reports none', () => {
    const fit = fitModel(modelData({ y, groups: [numeric('x', x)] }), { fixedEffectCoefficients: true });
    expect('fixedEffectCoefficients' in fit).toBe(false);
  });

  it('treatment contrasts: baseline the first level in natural order (l2 before l9 before l10)', () => {
    const labels = unit.map((u) => ({ u1: 'l10', u2: 'l2', u3: 'l9', u4: 'l2' })[u]!);
    const fit = fitModel(modelData({ y, groups: [fixedEffect('g', labels), numeric('x', x)] }), {
      fixedEffectCoefficients: true,
    });
    const reference = ols([ones(n), indicator(labels, 'l9'), indicator(labels, 'l10'), x], y);
    const coefficients = fit.fixedEffectCoefficients!;
    expect(coefficients.map((c) => c.term)).toEqual(['(Intercept)', 'g=l9', 'g=l10']);
    coefficients.forEach((c, j) => expect(Math.abs(c.estimate! - reference.beta[j]!)).toBeLessThan(1e-12));
  });

  it('treatment contrasts: a fixed effect duplicating another has every contrast aliased (null)', () => {
    const copy = unit.map((u) => u.replace('u', 'v'));
    const fit = fitModel(
      modelData({ y, groups: [fixedEffect('unit', unit), fixedEffect('copy', copy), numeric('x', x)] }),
      { fixedEffectCoefficients: true },
    );
    const reference = ols([ones(n), ...dummies(unit, ['u2', 'u3', 'u4']), x], y);
    const coefficients = fit.fixedEffectCoefficients!;
    expect(coefficients.map((c) => c.term)).toEqual([
      '(Intercept)',
      'unit=u2',
      'unit=u3',
      'unit=u4',
      'copy=v2',
      'copy=v3',
      'copy=v4',
    ]);
    expect(coefficients.slice(4).map((c) => c.estimate)).toEqual([null, null, null]);
    coefficients.slice(0, 4).forEach((c, j) => expect(Math.abs(c.estimate! - reference.beta[j]!)).toBeLessThan(1e-12));
  });

  it('treatment contrasts use the rank tolerance: at 0.5 a predictor mostly between units is aliased there too', () => {
    // z: a unit level plus within-unit variation of about a tenth of it, so that after the unit dummies (and w)
    // less than half its norm is left: aliased at 0.5, estimated at the default 1e-7.
    const z = unit.map((u, i) => [4, -3, 1, 6][unit.indexOf(u) / 3]! + 0.1 * w[(i + 5) % n]!);
    const data = modelData({ y, groups: [fixedEffect('unit', unit), numeric('w', w), numeric('z', z)] });
    const fit = fitModel(data, { fixedEffectCoefficients: true, rankTolerance: 0.5 });
    expect(fit.coefficients.map((c) => [c.term, c.aliased])).toEqual([
      ['w', false],
      ['z', true],
    ]);
    const reference = ols([ones(n), ...dummies(unit, ['u2', 'u3', 'u4']), w], y);
    const coefficients = fit.fixedEffectCoefficients!;
    expect(coefficients.map((c) => c.term)).toEqual(['(Intercept)', 'unit=u2', 'unit=u3', 'unit=u4']);
    coefficients.forEach((c, j) => expect(Math.abs(c.estimate! - reference.beta[j]!)).toBeLessThan(1e-12));
    expect(fitModel(data).coefficients.map((c) => c.aliased)).toEqual([false, false]);
  });
});

describe('which fixed effect is absorbed, seen through a predictor constant within one of them', () => {
  // A predictor equal to a level of fixed effect A plus 1e-9 noise: absorbing A reduces it to noise (aliased);
  // absorbing the other, B, leaves it a full column that the QR meets before A's indicators (estimated).
  const noise = [1, -2, 1, 2, 0, -2, -1, 3, -2, 0, 1, -1, 2, -1, 0, -1];
  const levelOf = (labels: readonly string[], values: readonly number[]) => {
    const levels = [...new Set(labels)];
    return labels.map((l, i) => values[levels.indexOf(l)]! + 1e-9 * noise[i]!);
  };
  const x = [0.3, 1.2, -0.7, 2.1, 0.4, -1.5, 0.9, -0.2, 1.7, -0.6, 0.8, 0.1, -0.9, 0.6, 1.1, -0.3];
  const aliasedZ = (groups: GroupData[], y: readonly number[]) =>
    fitModel(modelData({ y, groups })).coefficients.find((c) => c.term === 'z')!.aliased;

  it('of two with as many levels, the first', () => {
    const a = Array.from({ length: 16 }, (_, i) => `a${Math.floor(i / 4)}`);
    const b = Array.from({ length: 16 }, (_, i) => `b${i % 4}`);
    const z = levelOf(a, [0.5, -0.25, 0.75, 0.125]);
    const y = x.map((v, i) => v + z[i]! + (i % 3) * 0.2);
    expect(aliasedZ([fixedEffect('a', a), fixedEffect('b', b), numeric('x', x), numeric('z', z)], y)).toBe(true);
    // The same fixed effects the other way round: now b is absorbed, and z is estimated.
    expect(aliasedZ([fixedEffect('b', b), fixedEffect('a', a), numeric('x', x), numeric('z', z)], y)).toBe(false);
  });

  it('the one with more levels, wherever it is listed', () => {
    const a = Array.from({ length: 12 }, (_, i) => `a${i % 3}`);
    const b = Array.from({ length: 12 }, (_, i) => `b${Math.floor(i / 3)}`);
    const z = levelOf(a, [0.5, -0.25, 0.75]);
    const y = x.slice(0, 12).map((v, i) => v + z[i]! + (i % 4) * 0.2);
    expect(aliasedZ([fixedEffect('a', a), fixedEffect('b', b), numeric('x', x.slice(0, 12)), numeric('z', z)], y)).toBe(
      false,
    );
    expect(aliasedZ([fixedEffect('b', b), fixedEffect('a', a), numeric('x', x.slice(0, 12)), numeric('z', z)], y)).toBe(
      false,
    );
  });
});

describe('a predictor reduced to noise by the absorbed fixed effect, against tolerance × its centred norm', () => {
  it('is aliased when its within-unit norm is below rankTolerance × its centred norm', () => {
    const unit = ['u1', 'u1', 'u1', 'u2', 'u2', 'u2', 'u3', 'u3', 'u3', 'u4', 'u4', 'u4'];
    const x = [0.3, 0.9, -0.7, 0.1, 0.4, -0.5, 0.9, -0.2, 0.7, -0.6, 0.8, 0.1];
    const within = [0.2, -0.1, -0.1, 0.1, 0.1, -0.2, -0.15, 0.05, 0.1, 0, 0.1, -0.1];
    const z = unit.map((u, i) => ({ u1: 0.8, u2: -0.7, u3: 0.5, u4: -0.6 })[u]! + within[i]!);
    const y = x.map((v, i) => v - z[i]! + (i % 4) * 0.3);
    // Independently: z's centred norm C and its within-unit norm W (the within values have mean 0 in each unit).
    const mean = z.reduce((s, v) => s + v, 0) / z.length;
    const centredNorm = Math.sqrt(z.reduce((s, v) => s + (v - mean) ** 2, 0));
    const withinNorm = Math.sqrt(within.reduce((s, v) => s + v * v, 0));
    // W/C lies between 0.5/C² and 0.5: aliased at tolerance 0.5 only if the test is W ≤ 0.5·C (not W ≤ 0.5/C).
    expect(withinNorm / centredNorm).toBeLessThan(0.5);
    expect(withinNorm / centredNorm).toBeGreaterThan(0.5 / centredNorm ** 2);
    const data = modelData({ y, groups: [fixedEffect('unit', unit), numeric('x', x), numeric('z', z)] });
    expect(fitModel(data, { rankTolerance: 0.5 }).coefficients.map((c) => c.aliased)).toEqual([false, true]);
    expect(fitModel(data, { rankTolerance: 0.5 }).k).toBe(5);
    // At a tolerance below W/C (about 0.18) the predictor is kept.
    expect(fitModel(data, { rankTolerance: 0.1 }).coefficients.map((c) => c.aliased)).toEqual([false, false]);
  });
});

describe('cluster-robust K of the "nested" rule at its floor: estimated slopes + 1', () => {
  // Six units in three clusters (two each), crossed with three periods; "copy" duplicates the units. Both are
  // nested in the clusters, so K_nested = K − 2·(6 − 1) would fall to 0; the floor is the estimated slopes + 1:
  // x and w (x + w is aliased; the periods' indicators are not slopes) + 1 = 3.
  const units = Array.from({ length: 18 }, (_, i) => `u${Math.floor(i / 3)}`);
  const copy = units.map((u) => u.replace('u', 'c'));
  const periods = Array.from({ length: 18 }, (_, i) => `p${i % 3}`);
  const cluster = units.map((u) => `g${Math.floor(Number(u.slice(1)) / 2)}`);
  const x = [0.3, 0.9, -0.7, 0.1, 0.4, -0.5, 0.9, -0.2, 0.7, -0.6, 0.8, 0.1, 0.2, -0.4, 0.5, -0.9, 0.6, 0.35];
  const w = [0.5, -0.25, -0.25, 0.25, 0.5, -0.75, -0.5, 0.75, -0.25, 0.5, -0.5, 0, 0.1, 0.6, -0.3, 0.2, -0.7, 0.4];
  const y = x.map((v, i) => v - 2 * w[i]! + (i % 4) * 0.3 + (i % 3) * 0.1);
  const data = modelData({
    y,
    cluster,
    groups: [
      fixedEffect('units', units),
      fixedEffect('copy', copy),
      fixedEffect('periods', periods),
      numeric('x', x),
      numeric('w', w),
      numeric(
        'xw',
        x.map((v, i) => v + w[i]!),
      ),
    ],
  });

  it('gives K = 3, and standard errors in the ratio √((N − K_lm)/(N − 3))', () => {
    const lm = fitModel(data, { clustered: true });
    const nested = fitModel(data, { clustered: true, ssc: 'nested' });
    // K_lm: 6 units + 2 periods + x and w.
    expect(lm.k).toBe(10);
    expect(lm.smallSample).toEqual({ rule: 'lm', k: 10, nested: ['units', 'copy'] });
    expect(nested.smallSample).toEqual({ rule: 'nested', k: 3, nested: ['units', 'copy'] });
    expect(nested.coefficients.map((c) => c.aliased)).toEqual([false, false, true]);
    const ratio = nested.coefficients[0]!.stdError! / lm.coefficients[0]!.stdError!;
    expect(relative(ratio, Math.sqrt((18 - 10) / (18 - 3)))).toBeLessThan(1e-13);
  });
});
