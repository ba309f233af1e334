import { describe, expect, it } from 'vitest';
import { sweepIn, sweepOut } from '../../../src/models/linalg/sweep.js';
import { testRandom } from '../../helpers.js';
import { normalEquations } from './reference.js';

/**
 * The sweep operator, checked on its own for mutation testing (sweep.ts had only been reached through the
 * Shapley engines, which do not pin its entries): a hand-worked sweep whose every quotient is exact, the swept
 * blocks against the textbook −(X'X)⁻¹, b and RSS, the sign of the pivot row in a forward and a reverse sweep,
 * sweepIn followed by sweepOut restoring the matrix, RSS of every subset against least squares solved here by
 * Gauss–Jordan, the lower triangle never read (NaN there) nor written (sentinels there), and the module's
 * scratch row when the matrix size changes between calls.
 */

/** An m × m row-major matrix holding `upper`'s upper triangle and `lower` everywhere below the diagonal. */
function packUpper(upper: readonly (readonly number[])[], lower: number): Float64Array {
  const m = upper.length;
  const a = new Float64Array(m * m).fill(lower);
  for (let i = 0; i < m; i++) for (let j = i; j < m; j++) a[i * m + j] = upper[i]![j]!;
  return a;
}

/** The upper triangle of a packed matrix, row by row (entries j ≥ i). */
function upperOf(a: Float64Array, m: number): number[][] {
  return Array.from({ length: m }, (_, i) => Array.from({ length: m - i }, (_, d) => a[i * m + i + d]!));
}

/** The entries below the diagonal. */
function lowerOf(a: Float64Array, m: number): number[] {
  const values: number[] = [];
  for (let i = 1; i < m; i++) for (let j = 0; j < i; j++) values.push(a[i * m + j]!);
  return values;
}

/**
 * The textbook sweep (Goodnight 1979) on a full symmetric matrix, both triangles, with the same sign
 * convention: B_ij − B_ik B_kj / h off the pivot, ±B_ik / h on the pivot row and column, −1/h on the pivot.
 */
function referenceSweep(b: readonly (readonly number[])[], k: number, sign: 1 | -1): number[][] {
  const h = b[k]![k]!;
  return b.map((row, i) =>
    row.map((v, j) => {
      if (i === k && j === k) return -1 / h;
      if (i === k) return (sign * b[k]![j]!) / h;
      if (j === k) return (sign * b[i]![k]!) / h;
      return v - (b[i]![k]! * b[k]![j]!) / h;
    }),
  );
}

/** Cross products [X y]'[X y] as a full matrix (columns of X first, y last). */
function crossProducts(columns: readonly (readonly number[])[]): number[][] {
  return columns.map((u) => columns.map((v) => u.reduce((s, ui, i) => s + ui * v[i]!, 0)));
}

/** RSS of y on the given columns, from the normal equations solved by Gauss–Jordan (no columns: Σ y²). */
function leastSquaresRss(columns: readonly (readonly number[])[], y: readonly number[]): number {
  const b = normalEquations(columns, y);
  return y.reduce((s, yi, i) => {
    const r = yi - columns.reduce((fit, column, j) => fit + column[i]! * b[j]!, 0);
    return s + r * r;
  }, 0);
}

// X = [x1 x2], y with X'X = [4 2; 2 5], X'y = (6, 7), y'y = 20. (X'X)⁻¹ = [5 −2; −2 4]/16, b = (1, 1), RSS = 7.
const SMALL = [
  [4, 2, 6],
  [2, 5, 7],
  [6, 7, 20],
];

describe('sweep on a hand-worked 3 × 3 cross-product matrix', () => {
  it('sweeping x1 in gives −1/h, the pivot row divided by h, and the Schur complement', () => {
    const a = packUpper(SMALL, -7777.5);
    sweepIn(a, 3, 0);
    // −1/4; 2/4, 6/4; 5 − 2·2/4, 7 − 2·6/4, 20 − 6·6/4.
    expect(upperOf(a, 3)).toEqual([[-0.25, 0.5, 1.5], [4, 4], [11]]);
    expect(lowerOf(a, 3)).toEqual([-7777.5, -7777.5, -7777.5]);
  });

  it('sweeping both columns in gives −(X′X)⁻¹, the coefficients b and the RSS', () => {
    const a = packUpper(SMALL, -7777.5);
    sweepIn(a, 3, 0);
    sweepIn(a, 3, 1);
    const det = 4 * 5 - 2 * 2;
    const inverse = [
      [5 / det, -2 / det],
      [-2 / det, 4 / det],
    ];
    const b = [inverse[0]![0]! * 6 + inverse[0]![1]! * 7, inverse[1]![0]! * 6 + inverse[1]![1]! * 7];
    const rss = 20 - (b[0]! * 6 + b[1]! * 7);
    expect(upperOf(a, 3)).toEqual([[-inverse[0]![0]!, -inverse[0]![1]!, b[0]!], [-inverse[1]![1]!, b[1]!], [rss]]);
    expect(rss).toBe(7);
    expect(lowerOf(a, 3)).toEqual([-7777.5, -7777.5, -7777.5]);
  });

  it('sweeping in the other order gives the same matrix (sweeps commute)', () => {
    const a = packUpper(SMALL, 0);
    const b = packUpper(SMALL, 0);
    sweepIn(a, 3, 0);
    sweepIn(a, 3, 1);
    sweepIn(b, 3, 1);
    sweepIn(b, 3, 0);
    upperOf(b, 3).forEach((row, i) => row.forEach((v, d) => expect(v).toBeCloseTo(upperOf(a, 3)[i]![d]!, 14)));
  });

  it('sweeping out reverses each sweep exactly, in either order', () => {
    const a = packUpper(SMALL, -7777.5);
    sweepIn(a, 3, 0);
    sweepIn(a, 3, 1);
    sweepOut(a, 3, 1);
    expect(upperOf(a, 3)).toEqual([[-0.25, 0.5, 1.5], [4, 4], [11]]);
    sweepOut(a, 3, 0);
    expect(upperOf(a, 3)).toEqual([[4, 2, 6], [5, 7], [20]]);
    expect(lowerOf(a, 3)).toEqual([-7777.5, -7777.5, -7777.5]);
  });

  it('the reverse sweep of an unswept column negates the pivot row, unlike the forward sweep', () => {
    const a = packUpper(SMALL, -7777.5);
    sweepOut(a, 3, 0);
    expect(upperOf(a, 3)).toEqual([[-0.25, -0.5, -1.5], [4, 4], [11]]);
  });
});

// A 4 × 4 matrix whose pivots in the tests below are powers of two, so each reference sweep is exact too.
const MIDDLE = [
  [3, 2, 6, 1],
  [2, 8, 4, -2],
  [6, 4, 21, 3],
  [1, -2, 3, 9],
];

describe('sweep on a middle column (entries above and below the pivot)', () => {
  it('matches the textbook sweep on the full matrix, forward and reverse', () => {
    for (const sign of [1, -1] as const) {
      const a = packUpper(MIDDLE, -7777.5);
      (sign === 1 ? sweepIn : sweepOut)(a, 4, 1);
      const expected = referenceSweep(MIDDLE, 1, sign);
      expect(upperOf(a, 4)).toEqual(upperOf(packUpper(expected, 0), 4));
      expect(lowerOf(a, 4)).toEqual(Array(6).fill(-7777.5));
    }
  });

  it('matches the textbook sweep of the last column', () => {
    const last = MIDDLE.map((row) => row.map((v) => v));
    last[3]![3] = 16;
    const packed = packUpper(last, -7777.5);
    sweepIn(packed, 4, 3);
    expect(upperOf(packed, 4)).toEqual(upperOf(packUpper(referenceSweep(last, 3, 1), 0), 4));
    expect(lowerOf(packed, 4)).toEqual(Array(6).fill(-7777.5));
  });

  it('never reads the lower triangle: NaN there leaves the upper triangle as without', () => {
    const a = packUpper(MIDDLE, Number.NaN);
    sweepIn(a, 4, 1);
    sweepIn(a, 4, 2);
    const b = packUpper(MIDDLE, 0);
    sweepIn(b, 4, 1);
    sweepIn(b, 4, 2);
    expect(upperOf(a, 4)).toEqual(upperOf(b, 4));
    expect(upperOf(a, 4).flat().every(Number.isFinite)).toBe(true);
  });
});

describe('RSS of every subset, visited in Gray-code order', () => {
  it('the last diagonal entry is the least-squares RSS, and the matrix returns to the start', () => {
    const random = testRandom(11);
    const n = 25;
    const x = Array.from({ length: 3 }, () => Array.from({ length: n }, () => random.normal()));
    const y = Array.from({ length: n }, (_, i) => 1 + x[0]![i]! - 2 * x[2]![i]! + random.normal());
    const full = crossProducts([...x, y]);
    const m = 4;
    const a = packUpper(full, -7777.5);
    let mask = 0;
    const seen: number[] = [];
    for (let step = 1; step < 8; step++) {
      const k = Math.log2(step & -step); // the bit that changes between Gray codes step − 1 and step
      const adding = !(mask & (1 << k));
      (adding ? sweepIn : sweepOut)(a, m, k);
      mask ^= 1 << k;
      seen.push(mask);
      const inSet = x.filter((_, j) => mask & (1 << j));
      const rss = leastSquaresRss(inSet, y);
      expect(Math.abs(a[m * m - 1]! / rss - 1)).toBeLessThan(1e-12);
      expect(lowerOf(a, m)).toEqual(Array(6).fill(-7777.5));
    }
    expect(seen.sort((p, q) => p - q)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // Back to the empty set: sweep out what is left in (mask is 4 after the Gray sequence of 3 bits).
    expect(mask).toBe(4);
    sweepOut(a, m, 2);
    const restored = upperOf(a, m).flat();
    const original = upperOf(packUpper(full, 0), m).flat();
    expect(restored).toHaveLength(10);
    restored.forEach((v, i) => expect(Math.abs(v - original[i]!)).toBeLessThan(1e-12 * Math.abs(original[i]!)));
  });
});

describe('the scratch row shared between calls', () => {
  it('gives right answers when the matrix size grows and shrinks between calls', () => {
    // A large sweep first leaves non-zero values in the scratch row beyond the smaller matrices' size.
    const size = 40;
    const big = Array.from({ length: size }, (_, i) =>
      Array.from({ length: size }, (_, j) => (i === j ? 64 : 1 + ((i + j) % 5))),
    );
    const packedBig = packUpper(big, -7777.5);
    sweepIn(packedBig, size, 0);
    const edge = big[size - 1]![0]!;
    expect(packedBig[size * size - 1]).toBe(64 - (edge * edge) / 64);
    expect(lowerOf(packedBig, size).every((v) => v === -7777.5)).toBe(true);

    const twoByTwo = [
      [2, 4],
      [4, 9],
    ];
    for (const matrix of [SMALL, MIDDLE, twoByTwo]) {
      const m = matrix.length;
      const a = packUpper(matrix, -7777.5);
      const k = m === 4 ? 1 : 0;
      sweepIn(a, m, k);
      expect(upperOf(a, m)).toEqual(upperOf(packUpper(referenceSweep(matrix, k, 1), 0), m));
      expect(lowerOf(a, m)).toEqual(Array((m * (m - 1)) / 2).fill(-7777.5));
    }
  });
});
