import { describe, expect, it } from 'vitest';
import type { FixedEffectGroupData, GroupData, ModelData } from '../../../src/models/design/modelData.js';
import { fitModel as sharedFitModel } from '../../../src/models/fit/fit.js';
import { normalEquations } from '../linalg/reference.js';

/**
 * The natural order of fixed-effect levels in `fitModel`'s treatment contrasts (l2 < l9 < l10, so l2 is the
 * baseline), checked on a module instance of its own. fit.ts builds its collator once per module instance, on first
 * use; the mutation run loads every module once, so a mutant of the collator's options never took effect after
 * an earlier test had built it. Importing fit.ts under a query no other import uses evaluates it afresh, and the
 * collator is built while the test runs. Coefficients are checked against normal equations solved here.
 */

type FitModule = typeof import('../../../src/models/fit/fit.js');

let instances = 0;
/** A new instance of fit.ts (its own module-level state), whatever other tests have loaded or called. */
async function freshFitModule(): Promise<FitModule> {
  instances++;
  const url = `../../../src/models/fit/fit.ts?fresh-collator=${instances}-${Date.now()}`;
  return (await import(/* @vite-ignore */ url)) as FitModule;
}

describe('treatment contrasts on a fresh instance of fit.ts', () => {
  // Levels first seen in the order l10, l2, l9: neither first-seen nor plain string order puts l2 first.
  const labels = ['l10', 'l10', 'l10', 'l2', 'l2', 'l2', 'l9', 'l9', 'l9', 'l2', 'l2', 'l10'];
  const x = [0.3, 1.2, -0.7, 2.1, 0.4, -1.5, 0.9, -0.2, 1.7, -0.6, 0.8, 0.1];
  const y = x.map((v, i) => 1.5 * v + ['l10', 'l2', 'l9'].indexOf(labels[i]!) + 0.25 * ((i * 7) % 5));
  const levels = ['l10', 'l2', 'l9'];
  const group: FixedEffectGroupData = {
    kind: 'fixed-effect',
    name: 'g',
    columns: ['g'],
    codes: Int32Array.from(labels, (label) => levels.indexOf(label)),
    levels: 3,
    labels: levels,
  };
  const numeric: GroupData = { kind: 'numeric', name: 'x', columns: ['x'], values: [Float64Array.from(x)] };
  const data: ModelData = {
    outcome: 'y',
    n: y.length,
    droppedRows: 0,
    missingByColumn: {},
    y: Float64Array.from(y),
    groups: [group, numeric],
  };

  it('takes l2 as the baseline and lists l9 before l10 (numeric order of the digits)', async () => {
    const { fitModel } = await freshFitModule();
    expect(fitModel).not.toBe(sharedFitModel);
    const fit = fitModel(data, { fixedEffectCoefficients: true });
    const indicator = (level: string) => labels.map((l) => (l === level ? 1 : 0));
    const beta = normalEquations([labels.map(() => 1), indicator('l9'), indicator('l10'), x], y);
    const coefficients = fit.fixedEffectCoefficients!;
    expect(coefficients.map((c) => c.term)).toEqual(['(Intercept)', 'g=l9', 'g=l10']);
    coefficients.forEach((c, j) => expect(Math.abs(c.estimate! - beta[j]!)).toBeLessThan(1e-12));
  });
});
