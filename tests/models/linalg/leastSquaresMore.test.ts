import { describe, expect, it } from 'vitest';
import { fitLeastSquares, fitLeastSquaresWithoutCovariance } from '../../../src/models/linalg/leastSquares.js';
import { qrDecompose, solveLeastSquares } from '../../../src/models/linalg/qr.js';
import { thrownBy } from '../../helpers.js';
import { slowPowerOfTwo } from './reference.js';

/**
 * fitLeastSquares checked against exact rational arithmetic, for mutation testing (leastSquares.ts had only
 * been reached through the NIST tests, whose tolerances leave much of it unpinned): coefficients and (X'X)⁻¹ of
 * an ill-conditioned design to within a few units in the last place of the exact values — which the plain QR
 * solution, without Björck's refinement, misses by millions —, residuals faithful to the exact y − Xb of the
 * returned b under heavy cancellation (the double-double TwoSum/TwoProduct), the RSS correctly rounded, exact
 * equivariance under power-of-two units far outside [2^−511, 2^511], the error message, and the degenerate
 * inputs (no columns, a zero column or response, an aliased column between kept ones, NaN).
 * Every double is an integer times a power of two, so BigInt fractions hold each value exactly.
 */

interface Fraction {
  readonly num: bigint;
  readonly den: bigint; // > 0
}

const abs = (v: bigint) => (v < 0n ? -v : v);
const gcd = (a: bigint, b: bigint): bigint => {
  let [x, y] = [abs(a), abs(b)];
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
};
function fraction(num: bigint, den: bigint): Fraction {
  const sign = den < 0n ? -1n : 1n;
  const g = gcd(num, den) || 1n;
  return { num: (sign * num) / g, den: (sign * den) / g };
}
const add = (a: Fraction, b: Fraction) => fraction(a.num * b.den + b.num * a.den, a.den * b.den);
const sub = (a: Fraction, b: Fraction) => fraction(a.num * b.den - b.num * a.den, a.den * b.den);
const mul = (a: Fraction, b: Fraction) => fraction(a.num * b.num, a.den * b.den);
const div = (a: Fraction, b: Fraction) => fraction(a.num * b.den, a.den * b.num);
const ZERO = fraction(0n, 1n);

/** A finite double as an exact fraction (doubling it until it is an integer is exact). */
function exact(x: number): Fraction {
  let exponent = 0;
  let v = x;
  while (!Number.isInteger(v)) {
    v *= 2;
    exponent++;
  }
  return fraction(BigInt(v), 1n << BigInt(exponent));
}

/** x·2^e in steps that stay normal (x·2^e must be normal): exact. */
function timesPowerOfTwo(x: number, e: number): number {
  let value = x;
  let rest = e;
  while (Math.abs(rest) > 500) {
    const step = Math.sign(rest) * 500;
    value *= slowPowerOfTwo(step);
    rest -= step;
  }
  return value * slowPowerOfTwo(rest);
}

const bitLength = (v: bigint) => v.toString(2).length;

/** The double nearest a fraction (ties to even), for results in the normal range. */
function nearest(f: Fraction): number {
  if (f.num === 0n) return 0;
  let num = abs(f.num);
  let den = f.den;
  // Scale so that the quotient has 66 or 67 bits; a sticky low bit keeps Number()'s rounding correct.
  const shift = 66 - (bitLength(num) - bitLength(den));
  if (shift > 0) num <<= BigInt(shift);
  else den <<= BigInt(-shift);
  let quotient = num / den;
  if (quotient * den !== num) quotient |= 1n;
  const magnitude = timesPowerOfTwo(Number(quotient), -shift);
  return f.num < 0n ? -magnitude : magnitude;
}

/** |computed − exact| in units of the last place of the double nearest `exact` (normal range). */
function ulpsFrom(computed: number, value: Fraction): number {
  const target = nearest(value);
  const ulp = timesPowerOfTwo(1, Math.floor(Math.log2(Math.abs(target))) - 52);
  return Math.abs(nearest(sub(exact(computed), value))) / ulp;
}

/** The exact least-squares coefficients and (X'X)⁻¹ by Gauss–Jordan on the normal equations in fractions. */
function exactLeastSquares(columns: readonly Float64Array[], y: Float64Array) {
  const p = columns.length;
  const x = columns.map((column) => Array.from(column, exact));
  const ys = Array.from(y, exact);
  const dot = (u: Fraction[], v: Fraction[]) => u.reduce((s, ui, i) => add(s, mul(ui, v[i]!)), ZERO);
  // Rows [X'X | X'y | I].
  const m = x.map((xi, i) => [
    ...x.map((xj) => dot(xi, xj)),
    dot(xi, ys),
    ...x.map((_, j) => fraction(i === j ? 1n : 0n, 1n)),
  ]);
  for (let c = 0; c < p; c++) {
    const pivotRow = m[c]!;
    const head = pivotRow[c]!;
    for (let k = 0; k < pivotRow.length; k++) pivotRow[k] = div(pivotRow[k]!, head);
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const factor = m[r]![c]!;
      for (let k = 0; k < pivotRow.length; k++) m[r]![k] = sub(m[r]![k]!, mul(factor, pivotRow[k]!));
    }
  }
  return { coefficients: m.map((row) => row[p]!), inverse: m.map((row) => row.slice(p + 1)) };
}

/** y_i − Σ_k x_ik b_k exactly, for the given double coefficients. */
function exactResiduals(columns: readonly Float64Array[], y: Float64Array, b: ArrayLike<number>): Fraction[] {
  return Array.from(y, (yi, i) =>
    columns.reduce((r, column, k) => sub(r, mul(exact(column[i]!), exact(b[k]!))), exact(yi)),
  );
}

// An ill-conditioned cubic, t = 100 … 111, with a large residual.
const T = Array.from({ length: 12 }, (_, i) => 100 + i);
const CUBIC = [0, 1, 2, 3].map((d) => Float64Array.from(T, (t) => t ** d));
const NOISY_Y = Float64Array.from(T, (t, i) => 0.37 * t ** 3 - 1.9 * t * t + 3.1 * t - 7 + 300 * ((i % 3) - 1));

describe('fitLeastSquares against exact rational least squares', () => {
  it('gives the exact coefficients to within a unit in the last place, where plain QR does not', () => {
    const fit = fitLeastSquares(CUBIC, NOISY_Y);
    const { coefficients } = exactLeastSquares(CUBIC, NOISY_Y);
    expect(fit.rank).toBe(4);
    expect(fit.aliased).toEqual([]);
    expect(fit.coefficients).toHaveLength(4);
    fit.coefficients.forEach((b, j) => expect(ulpsFrom(b, coefficients[j]!)).toBeLessThanOrEqual(1));
    // Without refinement the error is many thousands of units: the refinement is what this test pins.
    const plain = solveLeastSquares(qrDecompose(CUBIC), NOISY_Y);
    expect(Math.max(...Array.from(plain, (b, j) => ulpsFrom(b, coefficients[j]!)))).toBeGreaterThan(1000);
  });

  it('gives (X′X)⁻¹ to within a few units in the last place, symmetric', () => {
    const fit = fitLeastSquares(CUBIC, NOISY_Y);
    const { inverse } = exactLeastSquares(CUBIC, NOISY_Y);
    expect(fit.unscaledCovariance).toHaveLength(16);
    for (let a = 0; a < 4; a++) {
      for (let b = 0; b < 4; b++) {
        expect(ulpsFrom(fit.unscaledCovariance[a * 4 + b]!, inverse[a]![b]!)).toBeLessThanOrEqual(4);
        expect(fit.unscaledCovariance[a * 4 + b]).toBe(fit.unscaledCovariance[b * 4 + a]);
      }
    }
  });

  it('returns residuals within one unit of the exact y − Xb, and the RSS of those residuals', () => {
    const fit = fitLeastSquares(CUBIC, NOISY_Y);
    const residuals = exactResiduals(CUBIC, NOISY_Y, fit.coefficients);
    expect(fit.residuals).toHaveLength(12);
    fit.residuals.forEach((r, i) => expect(ulpsFrom(r, residuals[i]!)).toBeLessThanOrEqual(1));
    const squares = Array.from(fit.residuals, (r) => mul(exact(r), exact(r))).reduce(add, ZERO);
    expect(ulpsFrom(fit.rss, squares)).toBeLessThanOrEqual(0.5);
  });
});

// The same design with a response 1e-7 from a cubic with dyadic coefficients: residuals of about 1e-7 are left
// by products of about 5e5, so y − Xb loses 12 of its 16 digits unless computed in double-double.
const NEAR_Y = Float64Array.from(
  T,
  (t, i) => 0.375 * t ** 3 - 1.5 * t * t + 2.25 * t - 7 + 1e-7 * ((i % 4) - 1.5) * (1 + i / 16),
);

describe('residuals and RSS under heavy cancellation (double-double accumulation)', () => {
  it('residuals are within one unit of the exact y − Xb, where plain double arithmetic is far off', () => {
    const fit = fitLeastSquares(CUBIC, NEAR_Y);
    expect(fit.rank).toBe(4);
    const residuals = exactResiduals(CUBIC, NEAR_Y, fit.coefficients);
    expect(fit.residuals).toHaveLength(12);
    fit.residuals.forEach((r, i) => expect(ulpsFrom(r, residuals[i]!)).toBeLessThanOrEqual(1));
    const naive = Array.from(NEAR_Y, (yi, i) =>
      CUBIC.reduce((r, column, k) => r - column[i]! * fit.coefficients[k]!, yi),
    );
    expect(Math.max(...naive.map((r, i) => ulpsFrom(r, residuals[i]!)))).toBeGreaterThan(1e5);
  });

  it('the RSS is Σ r² of the returned residuals, correctly rounded', () => {
    const fit = fitLeastSquares(CUBIC, NEAR_Y);
    const squares = Array.from(fit.residuals, (r) => mul(exact(r), exact(r))).reduce(add, ZERO);
    expect(fit.rss).toBe(nearest(squares));
  });

  it('the coefficients are the exact ones to within a unit in the last place', () => {
    const fit = fitLeastSquares(CUBIC, NEAR_Y);
    const { coefficients } = exactLeastSquares(CUBIC, NEAR_Y);
    fit.coefficients.forEach((b, j) => expect(ulpsFrom(b, coefficients[j]!)).toBeLessThanOrEqual(1));
  });
});

describe('fitLeastSquaresWithoutCovariance', () => {
  it('gives the exact coefficients, residuals and correctly rounded RSS, and no (X′X)⁻¹', () => {
    const solution = fitLeastSquaresWithoutCovariance(CUBIC, NEAR_Y);
    const { coefficients } = exactLeastSquares(CUBIC, NEAR_Y);
    expect(solution.rank).toBe(4);
    expect(solution.aliased).toEqual([]);
    expect(solution.coefficients).toHaveLength(4);
    solution.coefficients.forEach((b, j) => expect(ulpsFrom(b, coefficients[j]!)).toBeLessThanOrEqual(1));
    const residuals = exactResiduals(CUBIC, NEAR_Y, solution.coefficients);
    expect(solution.residuals).toHaveLength(12);
    solution.residuals.forEach((r, i) => expect(ulpsFrom(r, residuals[i]!)).toBeLessThanOrEqual(1));
    const squares = Array.from(solution.residuals, (r) => mul(exact(r), exact(r))).reduce(add, ZERO);
    expect(solution.rss).toBe(nearest(squares));
    expect(solution).not.toHaveProperty('unscaledCovariance');
  });

  it('is fitLeastSquares less its (X′X)⁻¹, bit for bit, aliased columns included', () => {
    const columns = [CUBIC[0]!, CUBIC[1]!, CUBIC[1]!.map((v) => 3 * v), CUBIC[2]!];
    const { unscaledCovariance, ...full } = fitLeastSquares(columns, NOISY_Y);
    expect(unscaledCovariance).toHaveLength(16);
    const solution = fitLeastSquaresWithoutCovariance(columns, NOISY_Y);
    expect(solution.aliased).toEqual([2]);
    expect(solution).toEqual(full);
  });
});

// Polynomials of degree 16–28 on [1, 2] with --rank-tol 1e-30: κ(X)·ε far above 1, so the refinement stops
// contracting after a pass or two. Its corrections are then noise: the one that fails to halve the one before must
// not be applied (as LAPACK's dgerfs keeps the iterate whose error estimate stopped shrinking). Applying it, as the
// code once did, left the RSS 7–70% above the plain QR fit's in four of these six designs.
describe('refinement on designs beyond its reach', () => {
  function polynomialDesign(degree: number) {
    const t = Array.from({ length: 40 }, (_, i) => 1 + i / 39);
    const columns = Array.from({ length: degree + 1 }, () => new Float64Array(t.length));
    t.forEach((v, i) => {
      let power = 1;
      for (const column of columns) {
        column[i] = power;
        power *= v;
      }
    });
    const y = Float64Array.from(t, (v, i) => 1 / (1 + v) + 0.001 * ((i % 3) - 1));
    return { columns, y };
  }

  it.each([16, 18, 20, 22, 24, 28])('degree %i: an RSS no more than 2%% above the plain QR fit’s', (degree) => {
    const { columns, y } = polynomialDesign(degree);
    const refined = fitLeastSquaresWithoutCovariance(columns, y, { tolerance: 1e-30 });
    expect(refined.rank).toBe(degree + 1);
    const plain = solveLeastSquares(qrDecompose(columns, { tolerance: 1e-30 }), y);
    expect(plain).toHaveLength(degree + 1);
    const plainRss = y.reduce((rss, yi, i) => {
      const residual = columns.reduce((r, column, k) => r - column[i]! * plain[k]!, yi);
      return rss + residual * residual;
    }, 0);
    expect(refined.rss).toBeLessThanOrEqual(1.02 * plainRss);
  });
});

describe('when the refinement stops', () => {
  // y = −0.625 + 0.375·t plus 1e10·(1, −2, 1) at t = 5…7, which is orthogonal to 1 and t: the exact coefficients are
  // representable, and tiny beside ‖y‖, so a convergence test relative to anything but the coefficients' own size
  // (ε/max|x| instead of ε·max|x|) stops before any refinement and misses them by about 1e9 units in the last place.
  it('a line under a residual 1e10 times larger and orthogonal to it: exactly its coefficients', () => {
    const t = Array.from({ length: 21 }, (_, i) => i);
    const spike = (i: number) => (i === 5 || i === 7 ? 1 : i === 6 ? -2 : 0);
    const columns = [Float64Array.from(t, () => 1), Float64Array.from(t)];
    const y = Float64Array.from(t, (ti, i) => -0.625 + 0.375 * ti + 1e10 * spike(i));
    const solution = fitLeastSquaresWithoutCovariance(columns, y);
    expect(Array.from(solution.coefficients)).toEqual([-0.625, 0.375]);
  });

  // Columns (1, 0) and (1, 1e-320), y = (0, 1), every column kept (tolerance 0): b = (−1e320, 1e320), beyond the
  // double range. The first correction is infinite; it must be applied, and the loop stop, not run on into ∞ − ∞.
  it('coefficients beyond the double range come out as ±Infinity, not 0 or NaN', () => {
    const columns = [Float64Array.of(1, 0), Float64Array.of(1, 1e-320)];
    const solution = fitLeastSquaresWithoutCovariance(columns, Float64Array.of(0, 1), { tolerance: 0 });
    expect(solution.rank).toBe(2);
    expect(Array.from(solution.coefficients)).toEqual([Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY]);
  });
});

describe('units far outside the double range of squares', () => {
  it('columns and response scaled by 2^±600 give the unit-scale fit scaled exactly', () => {
    const columnShift = [600, -600, 300, -700];
    const yShift = 200;
    const unit = fitLeastSquares(CUBIC, NOISY_Y);
    const scaled = fitLeastSquares(
      CUBIC.map((column, j) => column.map((v) => timesPowerOfTwo(v, columnShift[j]!))),
      NOISY_Y.map((v) => timesPowerOfTwo(v, yShift)),
    );
    expect(scaled.rank).toBe(4);
    expect(Array.from(scaled.coefficients)).toEqual(
      Array.from(unit.coefficients, (b, j) => timesPowerOfTwo(b, yShift - columnShift[j]!)),
    );
    expect(Array.from(scaled.residuals)).toEqual(Array.from(unit.residuals, (r) => timesPowerOfTwo(r, yShift)));
    expect(scaled.rss).toBe(timesPowerOfTwo(unit.rss, 2 * yShift));
    // (X'X)⁻¹ scales by 2^(−shift_a − shift_b); compare the entries that stay normal (15 of the 16).
    let compared = 0;
    for (let a = 0; a < 4; a++) {
      for (let b = 0; b < 4; b++) {
        const shift = -columnShift[a]! - columnShift[b]!;
        const value = unit.unscaledCovariance[a * 4 + b]!;
        if (Math.log2(Math.abs(value)) + shift < -1000) continue;
        expect(scaled.unscaledCovariance[a * 4 + b]).toBe(timesPowerOfTwo(value, shift));
        compared++;
      }
    }
    expect(compared).toBe(15);
  });
});

describe('fitLeastSquares degenerate inputs', () => {
  it('refuses a column of the wrong length with its own message, wherever it is', () => {
    const y = Float64Array.of(1, 2, 3);
    for (const columns of [[Float64Array.of(1, 2)], [Float64Array.of(1, 1, 1), Float64Array.of(1, 2, 3, 4)]]) {
      expect(thrownBy(() => fitLeastSquares(columns, y), RangeError).message).toBe(
        'fitLeastSquares: every column must have one value per observation',
      );
    }
  });

  it('with no columns, the residuals are y and the RSS is Σ y²', () => {
    const fit = fitLeastSquares([], Float64Array.of(3, -4, 12));
    expect(fit.rank).toBe(0);
    expect(fit.aliased).toEqual([]);
    expect(fit.coefficients).toHaveLength(0);
    expect(fit.unscaledCovariance).toHaveLength(0);
    expect(Array.from(fit.residuals)).toEqual([3, -4, 12]);
    expect(fit.rss).toBe(169);
  });

  it('a zero response gives zero coefficients, residuals and RSS, and the same (X′X)⁻¹', () => {
    const zero = new Float64Array(T.length);
    const fit = fitLeastSquares(CUBIC, zero);
    expect(Array.from(fit.coefficients, (b) => b === 0)).toEqual([true, true, true, true]);
    expect(fit.residuals.every((r) => r === 0)).toBe(true);
    expect(fit.rss).toBe(0);
    const { inverse } = exactLeastSquares(CUBIC, zero);
    for (let a = 0; a < 4; a++) {
      for (let b = 0; b < 4; b++) expect(ulpsFrom(fit.unscaledCovariance[a * 4 + b]!, inverse[a]![b]!)).toBeLessThan(5);
    }
  });

  it('an aliased column between kept ones gets NaN, and the kept ones the exact fit without it', () => {
    const [one, t, t2] = [CUBIC[0]!, CUBIC[1]!, CUBIC[2]!];
    const cases = [
      { columns: [one, t, t.map((v) => 2 * v), t2], aliasedAt: 2 }, // 2t: exactly dependent on t
      { columns: [one, new Float64Array(T.length), t, t2], aliasedAt: 1 }, // a zero column
    ];
    for (const { columns, aliasedAt } of cases) {
      const fit = fitLeastSquares(columns, NOISY_Y);
      expect(fit.rank).toBe(3);
      expect(fit.aliased).toEqual([aliasedAt]);
      const kept = [0, 1, 2, 3].filter((j) => j !== aliasedAt);
      const reference = exactLeastSquares(
        kept.map((j) => columns[j]!),
        NOISY_Y,
      );
      expect(Number.isNaN(fit.coefficients[aliasedAt]!)).toBe(true);
      kept.forEach((j, k) => expect(ulpsFrom(fit.coefficients[j]!, reference.coefficients[k]!)).toBeLessThanOrEqual(1));
      for (let a = 0; a < 4; a++) {
        for (let b = 0; b < 4; b++) {
          const value = fit.unscaledCovariance[a * 4 + b]!;
          if (a === aliasedAt || b === aliasedAt) expect(Number.isNaN(value)).toBe(true);
          else expect(ulpsFrom(value, reference.inverse[kept.indexOf(a)]![kept.indexOf(b)]!)).toBeLessThan(5);
        }
      }
    }
  });

  it('a NaN anywhere in the response, or an infinity, gives NaN coefficients rather than an error', () => {
    // maxAbs is NaN or Infinity here, which has no binary exponent: the response is left unscaled. A NaN before
    // the end used to lose to the next value in maxAbs, and the fit threw instead.
    const withNaN = (at: number) => {
      const y = Float64Array.from(NOISY_Y);
      y[at] = Number.NaN;
      return y;
    };
    const withInfinity = Float64Array.from(NOISY_Y);
    withInfinity[3] = Number.NEGATIVE_INFINITY;
    for (const y of [withNaN(NOISY_Y.length - 1), withNaN(0), withNaN(2), withInfinity]) {
      const fit = fitLeastSquares(CUBIC, y);
      expect(fit.rank).toBe(4);
      expect(Array.from(fit.coefficients, Number.isNaN)).toEqual([true, true, true, true]);
      expect(Number.isNaN(fit.rss)).toBe(true);
    }
  });
});
