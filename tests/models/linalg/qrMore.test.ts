import { describe, expect, it } from 'vitest';
import { aliasedColumns, applyQTranspose, qrDecompose, solveLeastSquares } from '../../../src/models/linalg/qr.js';
import { thrownBy } from '../../helpers.js';
import { normalEquations } from './reference.js';

/**
 * Edge cases of the pivoted Householder QR that the mutation run found unchecked: the exact RangeErrors, an
 * empty matrix, the sign convention of R's diagonal, the rank test at exactly its threshold, where an aliased
 * column ends up (with its reference norm) and what it is left holding, and back-substitution when rank < p.
 * Numbers are checked against hand-worked reflections or normal equations solved by Gauss–Jordan here.
 */

describe('qrDecompose edge cases', () => {
  it('rejects columns of different lengths with its own message', () => {
    const error = thrownBy(() => qrDecompose([Float64Array.of(1, 2, 3), Float64Array.of(1, 2)]), RangeError);
    expect(error.message).toBe('qrDecompose: columns differ in length');
  });

  it('factors a matrix with no columns', () => {
    const qr = qrDecompose([]);
    expect(qr.rows).toBe(0);
    expect(qr.cols).toBe(0);
    expect(qr.rank).toBe(0);
    expect(Array.from(solveLeastSquares(qr, []))).toEqual([]);
  });

  it('gives R diagonal −sign(x₁)·‖x‖, taking a zero leading entry as positive', () => {
    // LINPACK's convention: alpha takes the sign of the leading entry, and diag = −alpha.
    expect(qrDecompose([Float64Array.of(3, 4)]).diag[0]).toBe(-5);
    expect(qrDecompose([Float64Array.of(-3, 4)]).diag[0]).toBe(5);
    expect(qrDecompose([Float64Array.of(0, 3, 4)]).diag[0]).toBe(-5);
  });

  it('keeps a column whose remaining norm is just above tolerance × reference, not one exactly at it', () => {
    const column = Float64Array.of(3, 4);
    expect(qrDecompose([column], { tolerance: 1 }).rank).toBe(0);
    expect(qrDecompose([column], { tolerance: 1 - 2 ** -20 }).rank).toBe(1);
    expect(qrDecompose([column], { tolerance: 1 + 2 ** -20 }).rank).toBe(0);
  });

  it('declares a zero column aliased whatever the tolerance, since it cannot be a pivot', () => {
    const qr = qrDecompose([Float64Array.of(0, 0), Float64Array.of(1, 2)], { tolerance: -1 });
    expect(qr.rank).toBe(1);
    expect(aliasedColumns(qr)).toEqual([0]);
  });

  it('stops at min(n, p) steps when there are more columns than rows', () => {
    const qr = qrDecompose([Float64Array.of(1, 0), Float64Array.of(0, 2), Float64Array.of(1, 1)]);
    expect(qr.rank).toBe(2);
    expect(Array.from(qr.pivot)).toEqual([0, 1, 2]);
    expect(aliasedColumns(qr)).toEqual([2]);
  });

  it('leaves an aliased column untouched by later reflections and its diagonal zero', () => {
    // Tolerance 0.5: c1 = (1, 0.1, 0) is 0.1 from span(c0) against a norm of about 1, so aliased.
    // H₀ for c0 = e₁ negates the first entry exactly; H₁ (from c2) must not touch c1.
    const c0 = Float64Array.of(1, 0, 0);
    const c1 = Float64Array.of(1, 0.1, 0);
    const c2 = Float64Array.of(0, 1, 1);
    const qr = qrDecompose([c0, c1, c2], { tolerance: 0.5 });
    expect(qr.rank).toBe(2);
    expect(Array.from(qr.pivot)).toEqual([0, 2, 1]);
    expect(Array.from(qr.packed.subarray(6, 9))).toEqual([-1, 0.1, 0]);
    expect(qr.diag[0]).toBe(-1);
    expect(qr.diag[1]).toBeCloseTo(-Math.SQRT2, 14);
    expect(qr.diag[2]).toBe(0);
    expect(qr.householderHead[2]).toBe(0);
  });

  it('does not build a reflector from a column aliased at the last step', () => {
    const qr = qrDecompose([Float64Array.of(1, 1), Float64Array.of(2, 2)]);
    expect(qr.rank).toBe(1);
    expect(qr.diag[1]).toBe(0);
    expect(qr.householderHead[1]).toBe(0);
    expect(qr.packed.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('moves an aliased first column to the end and keeps the reference norms with their columns', () => {
    // c2 (norm 1) is aliased only against its own huge reference norm; if the norms were shifted the wrong way,
    // c1 would be tested against 1e9 and aliased too.
    const columns = [Float64Array.of(0, 0, 0), Float64Array.of(1, 0, 0), Float64Array.of(0, 1, 0)];
    const qr = qrDecompose(columns, { referenceNorms: [1, 1, 1e9] });
    expect(qr.rank).toBe(1);
    expect(Array.from(qr.pivot)).toEqual([1, 2, 0]);
    // The moved zero column is kept intact at the end.
    expect(Array.from(qr.packed.subarray(6, 9))).toEqual([0, 0, 0]);
  });

  it('keeps reference norms in order when a middle column is moved', () => {
    const columns = [
      Float64Array.of(1, 0, 0, 0),
      Float64Array.of(2, 0, 0, 0),
      Float64Array.of(0, 1, 0, 0),
      Float64Array.of(0, 0, 1, 0),
    ];
    // Position 2 after the move holds c3; with its own reference 1 it is independent, with c2's 1e9 it is not.
    const qr = qrDecompose(columns, { referenceNorms: [1, 2, 1, 1e9] });
    expect(Array.from(qr.pivot)).toEqual([0, 2, 3, 1]);
    expect(qr.rank).toBe(2);
    const other = qrDecompose(columns, { referenceNorms: [1, 2, 1e9, 1] });
    expect(Array.from(other.pivot)).toEqual([0, 3, 2, 1]);
    expect(other.rank).toBe(2);
  });
});

describe('applyQTranspose and solveLeastSquares', () => {
  it('rejects a response of the wrong length with its own message', () => {
    const qr = qrDecompose([Float64Array.of(1, 2, 3)]);
    const error = thrownBy(() => applyQTranspose(qr, [1, 2]), RangeError);
    expect(error.message).toBe('applyQTranspose: length mismatch');
  });

  it('solves the identity exactly and returns exactly p coefficients', () => {
    const qr = qrDecompose([Float64Array.of(1, 0), Float64Array.of(0, 1)]);
    const b = solveLeastSquares(qr, [3, 4]);
    expect(b).toEqual(Float64Array.of(3, 4));
    expect(Object.keys(b)).toEqual(['0', '1']);
  });

  it('back-substitutes over the independent columns only when rank < p', () => {
    const c0 = [1, 1, 1, 1, 1];
    const c1 = [1, 2, 3, 4, 5];
    const c2 = c0.map((v, i) => 2 * v + c1[i]!); // aliased
    const c3 = [0, 1, 0, 0, 1];
    const y = [1, 3, 2, 5, 4];
    const qr = qrDecompose([c0, c1, c2, c3].map((c) => Float64Array.from(c)));
    expect(qr.rank).toBe(3);
    expect(aliasedColumns(qr)).toEqual([2]);
    const expected = normalEquations([c0, c1, c3], y);
    const b = solveLeastSquares(qr, y);
    expect(b).toHaveLength(4);
    expect(b[0]).toBeCloseTo(expected[0]!, 10);
    expect(b[1]).toBeCloseTo(expected[1]!, 10);
    expect(Number.isNaN(b[2]!)).toBe(true);
    expect(b[3]).toBeCloseTo(expected[2]!, 10);
  });
});
