import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupThousands } from '../src/groupThousands.js';

describe('groupThousands', () => {
  it('writes integers as toLocaleString("en-GB") and toLocaleString("en") do', () => {
    const values = [
      0,
      -0,
      1,
      -1,
      9,
      10,
      99,
      100,
      999,
      -999,
      1000,
      -1000,
      1001,
      9999,
      10000,
      99999,
      100000,
      999999,
      1000000,
      1041,
      12345,
      -12345,
      123456,
      1234567,
      2 ** 31,
      2 ** 32,
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER,
      2 ** 53 + 2,
      1e15,
      -1e15,
      1e16,
      1e20,
      1e21,
      1e22,
      2 ** 70,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
    ];
    for (const n of values) {
      expect(groupThousands(n), String(n)).toBe(n.toLocaleString('en-GB'));
      expect(groupThousands(n), String(n)).toBe(n.toLocaleString('en'));
    }
  });

  it('agrees with toLocaleString("en-GB") on random integers of every size', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double().map(Math.trunc)), (n) => {
        fc.pre(Number.isFinite(n));
        expect(groupThousands(n)).toBe(n.toLocaleString('en-GB'));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes what is not an integer as String does', () => {
    for (const n of [0.5, -1234.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])
      expect(groupThousands(n)).toBe(String(n));
  });
});
