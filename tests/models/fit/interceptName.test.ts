/**
 * A data column named "(Intercept)" is an ordinary slope. fit.ts once told the intercept from the slopes by that
 * name, so with an absorbed fixed effect (no intercept term) such a column was left out of the nested
 * small-sample K (fixest's `fixef.K = "nested"`) and lost its VIF. Checked by renaming: the same data with the
 * column called "z" must give the same numbers.
 */
import { describe, expect, it } from 'vitest';
import { buildModelData } from '../../../src/models/design/modelData.js';
import { fitModel, type FitOptions } from '../../../src/models/fit/fit.js';
import type { ModelSpec } from '../../../src/models/spec/spec.js';
import { panelFrom, testRandom } from '../../helpers.js';

/** Authorities × years with a unit effect; `name` is what the first predictor is called. */
function fitWith(name: string, options: FitOptions, fixedEffect: boolean) {
  const random = testRandom(17);
  const columns: Record<string, number[] | string[]> = { la: [], [name]: [], x: [], y: [] };
  for (let u = 0; u < 9; u++) {
    const effect = random.normal();
    for (let t = 0; t < 5; t++) {
      const first = random.normal() + 0.4 * effect;
      const x = random.normal();
      (columns.la as string[]).push(`la${u}`);
      (columns[name] as number[]).push(first);
      (columns.x as number[]).push(x);
      (columns.y as number[]).push(effect + 0.7 * first - 0.3 * x + random.normal());
    }
  }
  const spec: ModelSpec = {
    outcome: 'y',
    groups: [
      { name: 'first', kind: 'numeric', columns: [name, 'x'] },
      ...(fixedEffect ? [{ name: 'la', kind: 'fixed-effect' as const, columns: ['la'] }] : []),
    ],
    cluster: 'la',
  };
  return fitModel(buildModelData(panelFrom(columns), spec), options);
}

describe('a predictor named "(Intercept)"', () => {
  it.each([
    ['an absorbed fixed effect, CR1 with the nested K', { clustered: true, ssc: 'nested' } as FitOptions, true],
    ['an absorbed fixed effect, CR1 with the lm K', { clustered: true, ssc: 'lm' } as FitOptions, true],
    ['no fixed effect, classical', {} as FitOptions, false],
  ])('gets the same estimate, standard error and VIF as under another name: %s', (_, options, fixedEffect) => {
    const named = fitWith('(Intercept)', options, fixedEffect);
    const plain = fitWith('z', options, fixedEffect);
    const rowOf = (fit: typeof named, term: string) => {
      const rows = fit.coefficients.filter((row) => row.term === term);
      // Without a fixed effect the intercept's own row shares the name: the predictor's row is the last.
      expect(rows.length).toBe(term === '(Intercept)' && !fixedEffect ? 2 : 1);
      return rows.at(-1)!;
    };
    const predictor = rowOf(named, '(Intercept)');
    expect(predictor.vif).not.toBeNull();
    expect({ ...predictor, term: 'z' }).toEqual(rowOf(plain, 'z'));
    expect(named.coefficients.find((row) => row.term === 'x')).toEqual(
      plain.coefficients.find((row) => row.term === 'x'),
    );
  });
});
