import { describe, expect, it } from 'vitest';
import { dominanceAnalysis } from '../../../src/models/methods/dominance.js';
import { orderingWeights, popcount, shapleyValues } from '../../../src/models/methods/shapley.js';

/**
 * The set-function methods at their edges: the bounds they accept, how often they call the value function, and
 * where a dominance difference stops being a tie. (The mutation run found these unpinned: see docs/mutation.md.)
 */
describe('shapleyValues', () => {
  it('refuses k outside 1..30 and fractional k before calling the value function', () => {
    let calls = 0;
    const value = () => {
      calls++;
      return 0;
    };
    for (const k of [0, -1, 31, 1.5, Number.NaN]) {
      expect(() => shapleyValues(k, value)).toThrow(/^shapleyValues: k must be an integer in 1\.\.30, got /);
    }
    expect(calls).toBe(0);
    expect(Array.from(shapleyValues(1, () => 0.4))).toEqual([0.4]);
  });

  it('asks for each non-empty subset exactly once (2^k − 1 calls), never for a mask beyond the full set', () => {
    const asked: number[] = [];
    const phi = shapleyValues(3, (mask) => {
      asked.push(mask);
      return popcount(mask) / 3;
    });
    expect(asked).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(phi, (x) => Math.round(x * 1e12) / 1e12)).toEqual(
      [1 / 3, 1 / 3, 1 / 3].map((x) => Math.round(x * 1e12) / 1e12),
    );
  });

  it('the ordering weights s!(k − s − 1)!/k! for k = 4 are 1/4, 1/12, 1/12, 1/4', () => {
    const weights = orderingWeights(4);
    expect(weights).toHaveLength(4);
    [1 / 4, 1 / 12, 1 / 12, 1 / 4].forEach((w, s) => expect(weights[s]).toBeCloseTo(w, 15));
  });
});

describe('dominanceAnalysis ties', () => {
  // Two groups: R²(∅) = 0, R²({a}) = x, R²({b}) = y, R²({a, b}) = z. Every criterion compares a's increments with b's.
  const twoGroups = (x: number, y: number, z: number) => dominanceAnalysis(Float64Array.from([0, x, y, z]), 2);

  it('a difference of exactly 1e-12 is a tie under every criterion; just above it decides', () => {
    // Increments of a over b: R²({a}) − R²({b}) and R²({a,b}) − R²({a,b}) … the second is 0, so complete dominance
    // needs the first alone; conditional and general compare averages.
    const atTie = twoGroups(1e-12, 0, 0.5);
    expect(atTie.pairs).toHaveLength(1);
    expect(atTie.pairs[0]).toMatchObject({ a: 0, b: 1, complete: null, conditional: null });
    const reversed = twoGroups(0, 1e-12, 0.5);
    expect(reversed.pairs[0]).toMatchObject({ complete: null, conditional: null });
  });

  it('equal increments dominate neither way; clearly larger ones dominate', () => {
    const equal = twoGroups(0.2, 0.2, 0.5);
    expect(equal.pairs).toHaveLength(1);
    expect(equal.pairs[0]).toEqual({ a: 0, b: 1, complete: null, conditional: null, general: null });
    const aWins = twoGroups(0.3, 0.1, 0.5);
    expect(aWins.pairs[0]).toEqual({ a: 0, b: 1, complete: 0, conditional: 0, general: 0 });
    const bWins = twoGroups(0.1, 0.3, 0.5);
    expect(bWins.pairs[0]).toEqual({ a: 0, b: 1, complete: 1, conditional: 1, general: 1 });
  });

  it('general dominance decides on the average, complete dominance only when every subset agrees', () => {
    // Three groups; a beats b alone (0.3 vs 0.1) but loses with c present (increments over {c}: 0.05 vs 0.15).
    const table = Float64Array.from([0, 0.3, 0.1, 0.4, 0.2, 0.25, 0.35, 0.5]);
    const result = dominanceAnalysis(table, 3);
    expect(result.pairs.map(({ a, b }) => [a, b])).toEqual([
      [0, 1],
      [0, 2],
      [1, 2],
    ]);
    const ab = result.pairs[0]!;
    expect(ab.complete).toBeNull();
    // general weights, by hand: a = (0.3 + (0.4−0.1 + 0.25−0.2)/2 + (0.5−0.35))/3,
    // b = (0.1 + (0.4−0.3 + 0.35−0.2)/2 + (0.5−0.25))/3
    const a = (0.3 + (0.3 + 0.05) / 2 + 0.15) / 3;
    const b = (0.1 + (0.1 + 0.15) / 2 + 0.25) / 3;
    expect(result.general[0]).toBeCloseTo(a, 14);
    expect(result.general[1]).toBeCloseTo(b, 14);
    expect(ab.general).toBe(a > b ? 0 : 1);
  });
});
