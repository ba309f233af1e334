import { ParameterError } from '../../errors.js';
import type { BootstrapResult } from '../bootstrap/bootstrap.js';
import type { DecompositionResult } from '../methods/decompose.js';
import { UNEXPLAINED } from './spec.js';

/** An expected share, in percent of total variance, for a group or for "unexplained". */
export interface Expectation {
  readonly name: string;
  readonly percent: number;
}

export interface ExpectationCheck {
  readonly name: string;
  readonly expected: number;
  /** Our share in percent. */
  readonly got: number;
  readonly passed: boolean;
  /** One line for stderr, e.g. `practice: got 41.2, expected 44 ± 1`. */
  readonly message: string;
}

/**
 * Compare shares with expectations: each passes when |got − expected| ≤ tolerance (percentage points), or, with
 * `withinInterval`, when the expected value lies inside the bootstrap interval.
 */
export function checkExpectations(
  result: DecompositionResult,
  expectations: readonly Expectation[],
  options: { readonly tolerance: number; readonly withinInterval?: BootstrapResult },
): ExpectationCheck[] {
  const names = [...result.groups.map((g) => g.name), UNEXPLAINED];
  return expectations.map(({ name, percent }) => {
    const index = names.indexOf(name);
    if (index < 0)
      throw new ParameterError('expect', `names "${name}", which is not a group; the groups are ${names.join(', ')}`);
    const share = index < result.groups.length ? result.groups[index]!.share : result.unexplained;
    const got = share * 100;
    const shown = got.toFixed(1);
    if (options.withinInterval) {
      const interval =
        index < result.groups.length ? options.withinInterval.groups[index]! : options.withinInterval.unexplained;
      const [low, high] = [interval.low * 100, interval.high * 100];
      const passed = percent >= low && percent <= high;
      const range = `[${low.toFixed(1)}, ${high.toFixed(1)}]`;
      return {
        name,
        expected: percent,
        got,
        passed,
        message: `${name}: got ${shown} ${range}, expected ${percent} inside the interval`,
      };
    }
    const passed = Math.abs(got - percent) <= options.tolerance + 1e-9;
    return {
      name,
      expected: percent,
      got,
      passed,
      message: `${name}: got ${shown}, expected ${percent} ± ${options.tolerance}`,
    };
  });
}
