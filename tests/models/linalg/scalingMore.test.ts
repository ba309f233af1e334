import { describe, expect, it } from 'vitest';
import {
  binaryExponent,
  equilibrationExponent,
  hypot,
  ldexp,
  maxAbs,
  powerOfTwo,
  scaleByPowerOfTwo,
  scaledNorm,
} from '../../../src/models/linalg/scaling.js';
import { thrownBy } from '../../helpers.js';
import { slowPowerOfTwo } from './reference.js';

/**
 * Edges of the power-of-two scaling tools that scaling.test.ts leaves unchecked, written for mutation testing
 * (this file had not been mutation-tested): the exact RangeError messages, each end of the normal exponent range
 * and one step past it, subnormal inputs of binaryExponent, ldexp running to ±Infinity or ±0 (and returning
 * early, at once, for exponents far outside the range), the `out` argument of scaleByPowerOfTwo, and exact 3-4-5
 * norms whose every intermediate is a dyadic rational. Powers of two come from repeated doubling or halving here.
 */

describe('powerOfTwo', () => {
  it('names the exponent and the normal range when it refuses one', () => {
    expect(thrownBy(() => powerOfTwo(1024), RangeError).message).toBe(
      'powerOfTwo: exponent 1024 is outside [-1022, 1023]',
    );
    expect(thrownBy(() => powerOfTwo(-1023), RangeError).message).toBe(
      'powerOfTwo: exponent -1023 is outside [-1022, 1023]',
    );
  });

  it('refuses exponents that are not integers, even inside the range', () => {
    // Without the integer check, (0.5 + 1023) << 20 would silently truncate to the bit pattern of 2^0.
    expect(thrownBy(() => powerOfTwo(0.5), RangeError).message).toBe(
      'powerOfTwo: exponent 0.5 is outside [-1022, 1023]',
    );
    expect(thrownBy(() => powerOfTwo(Number.NaN), RangeError).message).toBe(
      'powerOfTwo: exponent NaN is outside [-1022, 1023]',
    );
  });

  it('is exact at both ends of the range', () => {
    expect(powerOfTwo(-1022)).toBe(slowPowerOfTwo(-1022));
    expect(powerOfTwo(1023)).toBe(slowPowerOfTwo(1023));
  });
});

describe('binaryExponent', () => {
  it('refuses 0, ±Infinity and NaN with its own message', () => {
    expect(thrownBy(() => binaryExponent(0), RangeError).message).toBe('binaryExponent: 0 has no binary exponent');
    expect(thrownBy(() => binaryExponent(-0), RangeError).message).toBe('binaryExponent: 0 has no binary exponent');
    expect(thrownBy(() => binaryExponent(Number.POSITIVE_INFINITY), RangeError).message).toBe(
      'binaryExponent: Infinity has no binary exponent',
    );
    expect(thrownBy(() => binaryExponent(Number.NEGATIVE_INFINITY), RangeError).message).toBe(
      'binaryExponent: -Infinity has no binary exponent',
    );
    expect(thrownBy(() => binaryExponent(Number.NaN), RangeError).message).toBe(
      'binaryExponent: NaN has no binary exponent',
    );
  });

  it('is right on both sides of the boundary between subnormal and normal numbers', () => {
    const smallestNormal = slowPowerOfTwo(-1022);
    const largestSubnormal = smallestNormal - slowPowerOfTwo(-1074);
    expect(binaryExponent(smallestNormal)).toBe(-1021); // 2^−1022 ∈ [2^−1022, 2^−1021)
    expect(binaryExponent(-smallestNormal)).toBe(-1021);
    expect(binaryExponent(largestSubnormal)).toBe(-1022);
    expect(binaryExponent(slowPowerOfTwo(-1023))).toBe(-1022);
    expect(binaryExponent(-slowPowerOfTwo(-1060))).toBe(-1059);
  });

  it('is right on both sides of a power of two in the normal range', () => {
    expect(binaryExponent(0.5)).toBe(0);
    expect(binaryExponent(1 - 2 ** -53)).toBe(0);
    expect(binaryExponent(1 + 2 ** -52)).toBe(1);
    expect(binaryExponent(slowPowerOfTwo(1023))).toBe(1024);
    expect(binaryExponent(-slowPowerOfTwo(1000))).toBe(1001);
  });
});

describe('ldexp', () => {
  it('refuses an exponent that is not an integer', () => {
    expect(thrownBy(() => ldexp(1, 0.5), RangeError).message).toBe('ldexp: exponent 0.5 is not an integer');
    expect(thrownBy(() => ldexp(1, Number.NaN), RangeError).message).toBe('ldexp: exponent NaN is not an integer');
    expect(thrownBy(() => ldexp(1, Number.POSITIVE_INFINITY), RangeError).message).toBe(
      'ldexp: exponent Infinity is not an integer',
    );
  });

  it('applies exponents at each end of the normal range in one exact step', () => {
    expect(ldexp(0.75, 1023)).toBe(0.75 * slowPowerOfTwo(1023));
    expect(ldexp(-3, 1023)).toBe(Number.NEGATIVE_INFINITY); // 3·2^1023 > MAX_VALUE
    expect(ldexp(1, -1022)).toBe(slowPowerOfTwo(-1022));
    expect(ldexp(-1.5, -1022)).toBe(-1.5 * slowPowerOfTwo(-1022));
    expect(ldexp(1, 1024)).toBe(Number.POSITIVE_INFINITY);
    expect(ldexp(1, -1023)).toBe(slowPowerOfTwo(-1023));
    expect(ldexp(5, 0)).toBe(5);
  });

  it('rounds only once when the result is subnormal', () => {
    // 3·2^−1075 = 1.5·2^−1074 is a tie: to even, 2·2^−1074. (1 + 2^−52)·2^−1074 rounds down to 2^−1074.
    expect(ldexp(3, -1075)).toBe(2 * Number.MIN_VALUE);
    expect(ldexp(1 + 2 ** -52, -1074)).toBe(Number.MIN_VALUE);
    // (2^52 + 1)·2^−1100 = 2^−1048 + 2^−1100, and the subnormal spacing is 2^−1074.
    expect(ldexp(2 ** 52 + 1, -1100)).toBe(slowPowerOfTwo(-1048));
  });

  it('returns ±Infinity or ±0 once the result has left the range, before the exponent is used up', () => {
    expect(ldexp(1, 5000)).toBe(Number.POSITIVE_INFINITY);
    expect(ldexp(-1, 5000)).toBe(Number.NEGATIVE_INFINITY);
    expect(Object.is(ldexp(1, -5000), 0)).toBe(true);
    expect(Object.is(ldexp(-1, -5000), -0)).toBe(true);
    expect(ldexp(Number.NEGATIVE_INFINITY, 5000)).toBe(Number.NEGATIVE_INFINITY);
    expect(Number.isNaN(ldexp(Number.NaN, 5000))).toBe(true);
  });

  it('stops at once for exponents near 2^53 (a loop of 2^53/1023 steps would never finish)', () => {
    const huge = Number.MAX_SAFE_INTEGER;
    expect(ldexp(1, huge)).toBe(Number.POSITIVE_INFINITY);
    expect(Object.is(ldexp(0, huge), 0)).toBe(true);
    expect(Object.is(ldexp(-0, huge), -0)).toBe(true);
    expect(Object.is(ldexp(1, -huge), 0)).toBe(true);
    expect(Object.is(ldexp(0, -huge), 0)).toBe(true);
    // Found by these tests: an infinity or NaN scaled down stepped 2^53/1022 times before.
    expect(ldexp(Number.POSITIVE_INFINITY, -huge)).toBe(Number.POSITIVE_INFINITY);
    expect(ldexp(Number.NEGATIVE_INFINITY, -huge)).toBe(Number.NEGATIVE_INFINITY);
    expect(Number.isNaN(ldexp(Number.NaN, -huge))).toBe(true);
  });
});

describe('maxAbs', () => {
  it('is the largest magnitude, 0 for no values', () => {
    expect(maxAbs([])).toBe(0);
    expect(maxAbs([2, -3, 1])).toBe(3);
    expect(maxAbs(Float64Array.of(-0.5))).toBe(0.5);
    expect(maxAbs([1, 4, 4, -2])).toBe(4);
  });

  it('is NaN when any value is NaN, first, between or last', () => {
    // Found by these tests: a NaN not in last place lost to the next value, and fitLeastSquares then threw
    // "ldexp: exponent NaN is not an integer" where a NaN in last place gave NaN coefficients.
    expect(Number.isNaN(maxAbs([1, 5, Number.NaN]))).toBe(true);
    expect(Number.isNaN(maxAbs([Number.NaN, 1, 5]))).toBe(true);
    expect(Number.isNaN(maxAbs(Float64Array.of(7, Number.NaN, 9)))).toBe(true);
  });
});

describe('equilibrationExponent', () => {
  it('refuses a non-finite magnitude with its own message', () => {
    expect(thrownBy(() => equilibrationExponent(Number.POSITIVE_INFINITY), RangeError).message).toBe(
      'equilibrationExponent: Infinity is not finite',
    );
    expect(thrownBy(() => equilibrationExponent(Number.NaN, true), RangeError).message).toBe(
      'equilibrationExponent: NaN is not finite',
    );
  });

  it('rounds an odd exponent up to even only when asked, and leaves an even one alone', () => {
    // frexp exponents: 4 → 3, 3 → 2, 0.25 → −1, 0.125 → −2.
    expect(equilibrationExponent(4)).toBe(3);
    expect(equilibrationExponent(4, true)).toBe(4);
    expect(equilibrationExponent(3, true)).toBe(2);
    expect(equilibrationExponent(0.25, true)).toBe(0);
    expect(equilibrationExponent(0.125, true)).toBe(-2);
    expect(equilibrationExponent(0, true)).toBe(0);
  });
});

describe('scaleByPowerOfTwo', () => {
  it('writes into the given array, only as many entries as there are values', () => {
    const out = Float64Array.of(9, 9, 9, 9);
    expect(scaleByPowerOfTwo([1, -2, 3], 1, out)).toBe(out);
    expect(Array.from(out)).toEqual([2, -4, 6, 9]);
  });

  it('does the same when the factor is outside the normal range', () => {
    const out = Float64Array.of(9, 9, 9);
    const big = slowPowerOfTwo(1000);
    expect(scaleByPowerOfTwo([big, -3 * big], -1100, out)).toBe(out);
    expect(Array.from(out)).toEqual([slowPowerOfTwo(-100), -3 * slowPowerOfTwo(-100), 9]);
  });

  it('scales up past the normal range too: each value exact while its result is normal, else ±Infinity', () => {
    const tiny = slowPowerOfTwo(-1000);
    const scaled = scaleByPowerOfTwo([tiny, -3 * tiny, 1], 1100);
    expect(Array.from(scaled)).toEqual([slowPowerOfTwo(100), -3 * slowPowerOfTwo(100), Number.POSITIVE_INFINITY]);
  });

  it('refuses an exponent that is not an integer, even with no values to scale', () => {
    expect(thrownBy(() => scaleByPowerOfTwo([], 0.5), RangeError).message).toBe(
      'powerOfTwo: exponent 0.5 is outside [-1022, 1023]',
    );
    expect(thrownBy(() => scaleByPowerOfTwo([1], 0.5), RangeError).message).toBe(
      'powerOfTwo: exponent 0.5 is outside [-1022, 1023]',
    );
  });

  it('returns a new array of the values’ length by default', () => {
    const scaled = scaleByPowerOfTwo([1, 2], -1);
    expect(Array.from(scaled)).toEqual([0.5, 1]);
  });
});

describe('scaledNorm and hypot on exact 3-4-5 triangles', () => {
  // Every intermediate (3/4, (3/4)² = 0.5625, 1.5625, √1.5625 = 1.25) is exact, so the norm is exactly 5.
  it('scaledNorm is exactly 5 in either order, with zeros before, between or after', () => {
    expect(scaledNorm([3, 4])).toBe(5);
    expect(scaledNorm([4, 3])).toBe(5);
    expect(scaledNorm([0, 0, -3, 4])).toBe(5);
    expect(scaledNorm([-4, 0, 3, 0])).toBe(5);
    expect(scaledNorm([0])).toBe(0);
  });

  it('scaledNorm keeps the largest magnitude as its scale: a tiny value is not squared against a huge one', () => {
    // (1e200/1e-200)² would overflow: the tiny value must go through the other branch, (1e-200/1e200)² = 0.
    expect(scaledNorm([3e200, 1e-200, 4e200])).toBe(scaledNorm([3e200, 4e200]));
    expect(scaledNorm([1e200, 1e-200])).toBe(1e200);
    expect(scaledNorm([1e-200, 1e200])).toBe(1e200);
  });

  it('scaledNorm of a slice reads exactly the entries from start to start + length', () => {
    expect(scaledNorm([9, 3, 4], 1)).toBe(5);
    expect(scaledNorm([9, 3, 4, 9], 1, 2)).toBe(5);
    expect(scaledNorm([9, 9, 9, 3, 4], 3, 2)).toBe(5);
    expect(scaledNorm([3, 4, 9], 0, 2)).toBe(5);
  });

  it('hypot is exactly 5 whichever argument is larger and whatever the signs', () => {
    expect(hypot(3, 4)).toBe(5);
    expect(hypot(-4, 3)).toBe(5);
    expect(hypot(3, -4)).toBe(5);
    expect(hypot(0, -2)).toBe(2);
    expect(hypot(7, 0)).toBe(7);
  });
});
