/**
 * The QR rank tolerance is R's lm() default, 1e-7 (LINPACK dqrdc2: a column is aliased when the norm of what the
 * columns before it leave of it is below 1e-7 × its own norm). A column left with a relative norm of 3.2e-7 must
 * be kept and one left with 3.2e-8 must be aliased: a tolerance of 1e-6 would drop the first, 1e-8 keep the second.
 *
 * Construction (exact, no randomness): on n = 8 rows take the intercept 1, x = (−7, −5, −3, −1, 1, 3, 5, 7) and
 * z = (1, −1, −1, 1, 1, −1, −1, 1). z is orthogonal to both 1 (its entries sum to 0) and x (x·z = −7 + 5 + 3 − 1 +
 * 1 − 3 − 5 + 7 = 0), and x has mean 0. Then w = x + δ z projects onto span(1, x) as x, its residual is exactly δ z,
 * and the relative residual norm is ρ = δ‖z‖ / ‖w‖ = δ√8 / √(168 + 8δ²). Solving for δ gives a column with any
 * chosen ρ. The ρ are the geometric midpoints √(1e-7 · 1e-6) ≈ 3.2e-7 and √(1e-8 · 1e-7) ≈ 3.2e-8, so each is a
 * factor √10 from either threshold, far above rounding (about 1e-16 relative). Since w has mean 0, its norm is also
 * its centred norm (the reference norm of the subset fitter, which centres instead of fitting the intercept).
 *
 * Checked in R 4.2.2 with y = (1, 4, 2, 8, 3, 9, 5, 7): lm(y ~ x + w)$rank is 3 for ρ = 3.2e-7 and 2 (coefficient of
 * w NA) for ρ = 3.2e-8; with tol = 1e-6 both are 2, with tol = 1e-8 both are 3.
 */
import { describe, expect, it } from 'vitest';
import { buildModelData } from '../../../src/models/design/modelData.js';
import { createSubsetFitter } from '../../../src/models/engines/subsetFit.js';
import { fitLeastSquares } from '../../../src/models/linalg/leastSquares.js';
import { aliasedColumns, qrDecompose } from '../../../src/models/linalg/qr.js';
import { panelFrom } from '../../helpers.js';

const one = [1, 1, 1, 1, 1, 1, 1, 1];
const x = [-7, -5, -3, -1, 1, 3, 5, 7];
const z = [1, -1, -1, 1, 1, -1, -1, 1];
const y = [1, 4, 2, 8, 3, 9, 5, 7];
const norm = (v: readonly number[]) => Math.sqrt(v.reduce((s, e) => s + e * e, 0));

/** x + δz with relative residual norm ρ after projection on (1, x): δ = ρ‖x‖ / (‖z‖ √(1 − ρ²)). */
function columnWithResidual(rho: number): number[] {
  const delta = (rho * norm(x)) / (norm(z) * Math.sqrt(1 - rho * rho));
  return x.map((v, i) => v + delta * z[i]!);
}

const KEPT = Math.sqrt(1e-7 * 1e-6); // ≈ 3.16e-7: above R's 1e-7, below 1e-6
const ALIASED = Math.sqrt(1e-8 * 1e-7); // ≈ 3.16e-8: below R's 1e-7, above 1e-8

describe('rank tolerance 1e-7, as R lm()', () => {
  it('the construction gives the intended relative residual norms', () => {
    for (const rho of [KEPT, ALIASED]) {
      const w = columnWithResidual(rho);
      const residual = w.map((v, i) => v - x[i]!); // = δz, the part of w outside span(1, x)
      expect(Math.abs(norm(residual) / norm(w) / rho - 1)).toBeLessThan(1e-6);
    }
  });

  it('qrDecompose keeps a column 3.2e-7 from the span of the others', () => {
    const qr = qrDecompose([one, x, columnWithResidual(KEPT)]);
    expect(qr.rank).toBe(3);
    expect(aliasedColumns(qr)).toEqual([]);
  });

  it('qrDecompose declares a column 3.2e-8 from the span of the others aliased', () => {
    const qr = qrDecompose([one, x, columnWithResidual(ALIASED)]);
    expect(qr.rank).toBe(2);
    expect(aliasedColumns(qr)).toEqual([2]);
  });

  it('fitLeastSquares (the regression report) gives R’s rank and NA coefficient', () => {
    const kept = fitLeastSquares(
      [one, x, columnWithResidual(KEPT)].map((c) => Float64Array.from(c)),
      Float64Array.from(y),
    );
    expect(kept.rank).toBe(3);
    expect(kept.aliased).toEqual([]);
    const dropped = fitLeastSquares(
      [one, x, columnWithResidual(ALIASED)].map((c) => Float64Array.from(c)),
      Float64Array.from(y),
    );
    expect(dropped.rank).toBe(2);
    expect(dropped.aliased).toEqual([2]);
    expect(Number.isNaN(dropped.coefficients[2]!)).toBe(true);
  });

  it('the subset fitter (the decompositions) names the aliased column only below the tolerance', () => {
    const fitted = (rho: number) => {
      const data = buildModelData(panelFrom({ x, w: columnWithResidual(rho), y }), {
        outcome: 'y',
        groups: [
          { name: 'a', kind: 'numeric', columns: ['x'] },
          { name: 'b', kind: 'numeric', columns: ['w'] },
        ],
      });
      return createSubsetFitter(data).fit(0b11);
    };
    expect(fitted(KEPT).aliased).toEqual([]);
    expect(fitted(ALIASED).aliased).toEqual(['w']);
  });
});
