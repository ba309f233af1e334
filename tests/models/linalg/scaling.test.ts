import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  binaryExponent,
  equilibrationExponent,
  hypot,
  ldexp,
  powerOfTwo,
  scaleByPowerOfTwo,
  scaledNorm,
} from '../../../src/models/linalg/scaling.js';
import { slowPowerOfTwo } from './reference.js';

describe('power-of-two scaling', () => {
  it('powerOfTwo is 2^e exactly over the normal range', () => {
    for (const e of [-1022, -1000, -53, -1, 0, 1, 52, 1000, 1023]) expect(powerOfTwo(e)).toBe(slowPowerOfTwo(e));
    expect(() => powerOfTwo(1024)).toThrow(RangeError);
    expect(() => powerOfTwo(-1023)).toThrow(RangeError);
  });

  it('binaryExponent is frexp’s exponent: 2^(e−1) ≤ |x| < 2^e, subnormals included', () => {
    expect(binaryExponent(1)).toBe(1);
    expect(binaryExponent(0.75)).toBe(0);
    expect(binaryExponent(-3)).toBe(2);
    expect(binaryExponent(Number.MAX_VALUE)).toBe(1024);
    expect(binaryExponent(Number.MIN_VALUE)).toBe(-1073); // 2^−1074 ∈ [2^−1075, 2^−1074)
    expect(binaryExponent(3 * Number.MIN_VALUE)).toBe(-1072);
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        fc.pre(x !== 0);
        const e = binaryExponent(x);
        expect(Math.abs(x)).toBeGreaterThanOrEqual(slowPowerOfTwo(e - 1));
        if (e <= 1023) expect(Math.abs(x)).toBeLessThan(slowPowerOfTwo(e));
      }),
      { numRuns: 300 },
    );
  });

  it('ldexp is exact whenever the result is normal, whatever the exponent (beyond ±1023 too)', () => {
    expect(ldexp(Number.MAX_VALUE, -2000)).toBe(Number.MAX_VALUE * slowPowerOfTwo(-1000) * slowPowerOfTwo(-1000));
    expect(ldexp(Number.MIN_VALUE, 2000)).toBe(slowPowerOfTwo(926));
    expect(ldexp(1.5, 1024)).toBe(Number.POSITIVE_INFINITY);
    expect(ldexp(-1, -1075)).toBe(-0);
    fc.assert(
      fc.property(fc.double({ min: 0.5, max: 1, noNaN: true }), fc.integer({ min: -1021, max: 1024 }), (m, e) => {
        // m·2^e is normal: compare with repeated doubling or halving of m itself (each step exact).
        let expected = m;
        for (let i = 0; i < Math.abs(e); i++) expected = e > 0 ? expected * 2 : expected / 2;
        expect(ldexp(m, e)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('equilibrationExponent puts the largest magnitude in [1/2, 1), or [1/4, 1) with an even exponent', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: 1e-300, max: 1e300 }), (largest) => {
        const e = equilibrationExponent(largest);
        const scaled = ldexp(largest, -e);
        expect(scaled >= 0.5 && scaled < 1).toBe(true);
        const even = equilibrationExponent(largest, true);
        expect(Math.abs(even % 2)).toBe(0);
        const scaledEven = ldexp(largest, -even);
        expect(scaledEven >= 0.25 && scaledEven < 1).toBe(true);
        // The square root of a weight scales by exactly 2^(−even/2).
        expect(Math.sqrt(scaledEven)).toBe(ldexp(Math.sqrt(largest), -even / 2));
      }),
      { numRuns: 300 },
    );
    expect(equilibrationExponent(0)).toBe(0);
    expect(() => equilibrationExponent(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it(
    'scaleByPowerOfTwo scales a column beyond the normal range of the factor ' + '(2^−1024 for a column near 1.8e308)',
    () => {
      const column = [Number.MAX_VALUE, -1e308, 3];
      const scaled = scaleByPowerOfTwo(column, -1024);
      expect(scaled[0]).toBe(Number.MAX_VALUE / 2 / slowPowerOfTwo(1023));
      expect(scaled[1]).toBe(-1e308 / 2 / slowPowerOfTwo(1023));
      expect(scaled[2]).toBe(3 * slowPowerOfTwo(-1024));
    },
  );
});

describe('overflow-safe norms', () => {
  it('scaledNorm is the Euclidean norm where Σ v² over- or underflows (3-4-5 at 1e±200)', () => {
    expect(scaledNorm([3e200, 4e200])).toBeCloseTo(5e200, -186);
    expect(Math.abs(scaledNorm([3e200, 4e200]) / 5e200 - 1)).toBeLessThan(1e-15);
    expect(Math.abs(scaledNorm([3e-200, -4e-200]) / 5e-200 - 1)).toBeLessThan(1e-15);
    expect(Math.abs(scaledNorm([1e308, 1e308]) / (Math.SQRT2 * 1e308) - 1)).toBeLessThan(1e-15);
    expect(scaledNorm([])).toBe(0);
    // Against the naive sum where that cannot fail.
    const values = [0.3, -1.7, 2.2, 0, 5.5];
    expect(Math.abs(scaledNorm(values) - Math.sqrt(values.reduce((s, v) => s + v * v, 0)))).toBeLessThan(1e-15);
    // A slice: start and length.
    expect(Math.abs(scaledNorm([9, 9, 3, 4, 9], 2, 2) - 5)).toBeLessThan(1e-15);
  });

  it('hypot is √(a² + b²) without overflow, and scale-equivariant bit for bit', () => {
    expect(Math.abs(hypot(3e300, -4e300) / 5e300 - 1)).toBeLessThan(1e-15);
    expect(Math.abs(hypot(3e-300, 4e-300) / 5e-300 - 1)).toBeLessThan(1e-15);
    expect(hypot(0, 0)).toBe(0);
    fc.assert(
      fc.property(
        fc.double({ min: -1e10, max: 1e10, noNaN: true }),
        fc.double({ min: -1e10, max: 1e10, noNaN: true }),
        fc.integer({ min: -900, max: 900 }),
        (a, b, k) => {
          // Every value stays normal at 2^±900 (0 aside), and so do a², b² and their ratio.
          fc.pre([a, b].every((v) => v === 0 || Math.abs(v) >= 1e-20) && (a !== 0 || b !== 0));
          expect(hypot(ldexp(a, k), ldexp(b, k))).toBe(ldexp(hypot(a, b), k));
          const naive = Math.sqrt(a * a + b * b);
          expect(Math.abs(hypot(a, b) - naive)).toBeLessThanOrEqual(4 * Number.EPSILON * naive);
        },
      ),
      { numRuns: 300 },
    );
  });
});
