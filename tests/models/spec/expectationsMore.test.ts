import { describe, expect, it } from 'vitest';
import { ParameterError } from '../../../src/errors.js';
import type { BootstrapResult } from '../../../src/models/bootstrap/bootstrap.js';
import type { DecompositionResult } from '../../../src/models/methods/decompose.js';
import { checkExpectations } from '../../../src/models/spec/expectations.js';
import { thrownBy } from '../../helpers.js';

/**
 * `--expect` in this process: a share passes when it is within the tolerance of the expected percent (the bound
 * included, and a share that only rounding puts past it), or with `withinInterval` when the expected value lies
 * in its bootstrap interval (both ends included, the unexplained share's interval for "unexplained"). The mutation
 * run found these bounds and messages checked only by CLI tests, which cannot see a mutant.
 */

/** Shares chosen exact in binary, so that share × 100 is exact: 25 %, 12.5 % and 62.5 %. */
function result(shares: { a: number; b: number; unexplained: number }): DecompositionResult {
  return {
    method: 'shapley',
    outcome: 'y',
    n: 10,
    droppedRows: 0,
    missingByColumn: {},
    tss: 1,
    r2: 1 - shares.unexplained,
    groups: [
      { name: 'a', kind: 'numeric', columns: ['x'], share: shares.a },
      { name: 'b', kind: 'fixed-effect', columns: ['la'], share: shares.b },
    ],
    unexplained: shares.unexplained,
    subsets: 4,
    notes: [],
  };
}

const exact = result({ a: 0.25, b: 0.125, unexplained: 0.625 });

/** Intervals in fractions: a [0.125, 0.375], b [0.0625, 0.1875], unexplained [0.5, 0.75] (all exact). */
const bootstrap: BootstrapResult = {
  replicates: 100,
  failed: 0,
  failures: [],
  cluster: null,
  clusters: 10,
  seed: 1,
  level: 0.95,
  type: 'percentile',
  groups: [
    { se: 0.05, low: 0.125, high: 0.375 },
    { se: 0.03, low: 0.0625, high: 0.1875 },
  ],
  unexplained: { se: 0.06, low: 0.5, high: 0.75 },
};

describe('checkExpectations with a tolerance', () => {
  it('passes a share exactly the tolerance away, on either side, and reports it', () => {
    const checks = checkExpectations(
      exact,
      [
        { name: 'a', percent: 24.5 },
        { name: 'unexplained', percent: 63 },
      ],
      { tolerance: 0.5 },
    );
    expect(checks).toEqual([
      { name: 'a', expected: 24.5, got: 25, passed: true, message: 'a: got 25.0, expected 24.5 ± 0.5' },
      {
        name: 'unexplained',
        expected: 63,
        got: 62.5,
        passed: true,
        message: 'unexplained: got 62.5, expected 63 ± 0.5',
      },
    ]);
  });

  it('fails a share just past the tolerance', () => {
    const checks = checkExpectations(
      exact,
      [
        { name: 'a', percent: 24.4 },
        { name: 'b', percent: 13.1 },
      ],
      { tolerance: 0.5 },
    );
    expect(checks.map((c) => c.passed)).toEqual([false, false]);
    expect(checks[1]!.message).toBe('b: got 12.5, expected 13.1 ± 0.5');
  });

  it('passes a share that only floating-point rounding puts past the tolerance', () => {
    // 0.145 × 100 is 14.499999999999998 in doubles: 14.5 %, within 0.5 of 15 %.
    expect(0.145 * 100).toBeLessThan(14.5);
    const [check] = checkExpectations(result({ a: 0.145, b: 0.2, unexplained: 0.655 }), [{ name: 'a', percent: 15 }], {
      tolerance: 0.5,
    });
    expect(check!.passed).toBe(true);
    expect(check!.message).toBe('a: got 14.5, expected 15 ± 0.5');
  });

  it('allows rounding up to 1e-9 percentage points past the tolerance and no more', () => {
    const zero = result({ a: 0, b: 0.5, unexplained: 0.5 });
    const at = checkExpectations(zero, [{ name: 'a', percent: 0.5 + 1e-9 }], { tolerance: 0.5 });
    expect(at.map((c) => c.passed)).toEqual([true]);
    const past = checkExpectations(zero, [{ name: 'a', percent: 0.5 + 2e-9 }], { tolerance: 0.5 });
    expect(past.map((c) => c.passed)).toEqual([false]);
  });

  it('refuses a name that is neither a group nor unexplained, listing them', () => {
    const unknown = () => checkExpectations(exact, [{ name: 'c', percent: 1 }], { tolerance: 1 });
    const error = thrownBy(unknown, ParameterError);
    expect(error.parameter).toBe('expect');
    expect(error.detail).toBe('names "c", which is not a group; the groups are a, b, unexplained');
  });
});

describe('checkExpectations within the bootstrap interval', () => {
  const within = (name: string, percent: number) =>
    checkExpectations(exact, [{ name, percent }], { tolerance: 0.5, withinInterval: bootstrap })[0]!;

  it("passes values at both ends of a group's interval and fails values just outside", () => {
    expect(within('a', 12.5)).toEqual({
      name: 'a',
      expected: 12.5,
      got: 25,
      passed: true,
      message: 'a: got 25.0 [12.5, 37.5], expected 12.5 inside the interval',
    });
    expect(within('a', 37.5).passed).toBe(true);
    expect(within('a', 12.4).passed).toBe(false);
    expect(within('a', 37.6).passed).toBe(false);
  });

  it('uses each group its own interval, not the tolerance', () => {
    // 6.25 % is 6.25 points from b's share, far past the tolerance, but at the low end of its interval.
    expect(within('b', 6.25)).toEqual({
      name: 'b',
      expected: 6.25,
      got: 12.5,
      passed: true,
      message: 'b: got 12.5 [6.3, 18.8], expected 6.25 inside the interval',
    });
    expect(within('b', 12.6).passed).toBe(true);
    expect(within('b', 18.76).passed).toBe(false);
  });

  it("checks unexplained against the unexplained share's interval, ends included", () => {
    expect(within('unexplained', 50)).toEqual({
      name: 'unexplained',
      expected: 50,
      got: 62.5,
      passed: true,
      message: 'unexplained: got 62.5 [50.0, 75.0], expected 50 inside the interval',
    });
    expect(within('unexplained', 75).passed).toBe(true);
    expect(within('unexplained', 49.9).passed).toBe(false);
    expect(within('unexplained', 75.1).passed).toBe(false);
  });
});
