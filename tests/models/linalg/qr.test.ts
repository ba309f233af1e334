import MLR from 'ml-regression-multivariate-linear';
import { describe, expect, it } from 'vitest';
import { aliasedColumns, qrDecompose, residualSumOfSquares, solveLeastSquares } from '../../../src/models/linalg/qr.js';
import { testRandom } from '../../helpers.js';

describe('pivoted Householder QR', () => {
  it('agrees with ml-regression-multivariate-linear on well-conditioned data', () => {
    const random = testRandom(42);
    const n = 200;
    const x = Array.from({ length: n }, () => [random.normal(), random.normal(), random.normal()]);
    const y = x.map((row) => 1 + 2 * row[0]! - row[1]! + 0.5 * row[2]! + 0.1 * random.normal());
    const columns = [new Float64Array(n).fill(1), ...[0, 1, 2].map((j) => Float64Array.from(x, (row) => row[j]!))];
    const ours = solveLeastSquares(qrDecompose(columns), y);
    const theirs = new MLR(
      x,
      y.map((v) => [v]),
      { intercept: true },
    ).weights.map((w) => w[0]!);
    // ml's weights list the slopes first and the intercept last.
    const reordered = [theirs[3]!, theirs[0]!, theirs[1]!, theirs[2]!];
    expect(ours).toHaveLength(4);
    ours.forEach((b, j) => expect(b).toBeCloseTo(reordered[j]!, 9));
  });

  it('fits an exactly determined line', () => {
    const qr = qrDecompose([Float64Array.of(1, 1, 1), Float64Array.of(1, 2, 3)]);
    expect(Array.from(solveLeastSquares(qr, [3, 5, 7]))).toEqual([expect.closeTo(1, 12), expect.closeTo(2, 12)]);
    expect(residualSumOfSquares(qr, [3, 5, 7])).toBeLessThan(1e-24);
  });

  it('declares exactly collinear columns aliased, as R lm() does, and still fits', () => {
    // Intercept plus a full set of indicators: the last indicator is aliased.
    const one = Float64Array.of(1, 1, 1, 1, 1, 1);
    const a = Float64Array.of(1, 1, 1, 0, 0, 0);
    const b = Float64Array.of(0, 0, 0, 1, 1, 1);
    const x = Float64Array.of(1, 2, 3, 1, 5, 2);
    const qr = qrDecompose([one, a, b, x]);
    expect(qr.rank).toBe(3);
    expect(aliasedColumns(qr)).toEqual([2]);
    const coefficients = solveLeastSquares(qr, [2, 3, 4, 8, 9, 9]);
    expect(Number.isNaN(coefficients[2]!)).toBe(true);
  });

  it('uses reference norms to catch columns reduced to rounding noise', () => {
    const tiny = Float64Array.of(1e-17, -1e-17, 2e-17, 0);
    const other = Float64Array.of(1, 2, 3, 4);
    expect(qrDecompose([other, tiny]).rank).toBe(2); // on its own norm the noise looks independent
    expect(qrDecompose([other, tiny], { referenceNorms: [Math.sqrt(30), 1] }).rank).toBe(1);
  });
});
