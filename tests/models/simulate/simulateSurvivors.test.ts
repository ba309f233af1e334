import { describe, expect, it } from 'vitest';
import { ModelError, ParameterError } from '../../../src/errors.js';
import {
  NAO_2019_SHARES,
  simulatePanel,
  type SimulatedPanel,
  type SimulationOptions,
} from '../../../src/models/simulate/simulate.js';
import { dummies, referenceR2, thrownBy } from '../../helpers.js';

/**
 * Exact behaviour of `simulatePanel` that the mutation run found unchecked: the words and boundaries of its option
 * checks, the columns and labels it writes, the rates it builds from given component scales (recomputed here from
 * the written predictors), and that its reported shares are those of the written rows (recomputed here by an
 * independent Shapley decomposition over SVD least-squares fits). Small panels only, so that each test is fast.
 */

const OPTIONS: SimulationOptions = {
  seed: 5,
  authorities: 10,
  firstYear: 2012,
  lastYear: 2014,
  shares: NAO_2019_SHARES,
};

const optionError = (changes: Partial<SimulationOptions>) =>
  thrownBy(() => simulatePanel({ ...OPTIONS, ...changes }), ParameterError).message;

describe('simulatePanel: option checks', () => {
  it('at least three authorities, a whole number', () => {
    expect(optionError({ authorities: 2 })).toBe('authorities: must be a whole number of at least 3, got 2');
    expect(optionError({ authorities: 3.5 })).toBe('authorities: must be a whole number of at least 3, got 3.5');
    expect(simulatePanel({ ...OPTIONS, authorities: 3, scales: [1, 1, 1, 1, 1] }).rows).toHaveLength(9);
  });

  it('at least three whole years', () => {
    expect(optionError({ firstYear: 2012, lastYear: 2013 })).toBe(
      'years: must span at least three years (e.g. 2012-2017), got 2012-2013',
    );
    expect(optionError({ firstYear: 2011.5 })).toBe(
      'years: must span at least three years (e.g. 2012-2017), got 2011.5-2014',
    );
    expect(optionError({ lastYear: 2016.5 })).toBe(
      'years: must span at least three years (e.g. 2012-2017), got 2012-2016.5',
    );
    expect(simulatePanel({ ...OPTIONS, firstYear: 2012, lastYear: 2014, scales: [1, 1, 1, 1, 1] }).rows).toHaveLength(
      30,
    );
  });

  it('each share strictly between 0 and 100, and together below 100', () => {
    const shares = (changes: Partial<SimulationOptions['shares']>) => ({ shares: { ...NAO_2019_SHARES, ...changes } });
    expect(optionError(shares({ practice: 0 }))).toBe('shares: practice must be above 0 and below 100 percent, got 0');
    expect(optionError(shares({ policy: -1 }))).toBe('shares: policy must be above 0 and below 100 percent, got -1');
    expect(optionError(shares({ resources: 100 }))).toBe(
      'shares: resources must be above 0 and below 100 percent, got 100',
    );
    expect(optionError(shares({ deprivation: Number.NaN }))).toBe(
      'shares: deprivation must be above 0 and below 100 percent, got NaN',
    );
    expect(optionError({ shares: { practice: 40, deprivation: 30, policy: 20, resources: 10 } })).toBe(
      'shares: add up to 100%; they must leave some variance unexplained (below 100)',
    );
  });
});

/** Shapley shares (practice, deprivation, policy, resources, unexplained) of the written rows, by SVD fits. */
function independentShares(panel: SimulatedPanel): number[] {
  const column = (j: number) => panel.rows.map((row) => row[j]!);
  const numbers = (j: number) => column(j).map(Number);
  const groups = [dummies(column(0)), [numbers(2)], dummies(column(1)), [numbers(3), numbers(4)]];
  const y = numbers(5);
  const r2 = (mask: number) => {
    const columns = groups.flatMap((g, i) => (mask & (1 << i) ? g : []));
    return mask === 0 ? 0 : referenceR2(y, columns);
  };
  const factorial = [1, 1, 2, 6, 24];
  const bits = (mask: number) => [0, 1, 2, 3].filter((i) => mask & (1 << i)).length;
  const shares = groups.map((_, g) => {
    let share = 0;
    for (let mask = 0; mask < 16; mask++) {
      if (mask & (1 << g)) continue;
      const weight = (factorial[bits(mask)]! * factorial[3 - bits(mask)]!) / factorial[4]!;
      share += weight * (r2(mask | (1 << g)) - r2(mask));
    }
    return share;
  });
  return [...shares, 1 - r2(15)];
}

const achievedList = (panel: SimulatedPanel) => [
  panel.achieved.practice,
  panel.achieved.deprivation,
  panel.achieved.policy,
  panel.achieved.resources,
  panel.achieved.unexplained,
];

describe('simulatePanel with given component scales', () => {
  const scales = [0, 20, 1, 1, 0];
  // Built in each test, not when the file is collected: the mutation run credits code to the test that runs it.
  const given = () => simulatePanel({ ...OPTIONS, scales });

  it('writes the six columns, authorities LA001 … LA010 and the years', () => {
    const panel = given();
    expect(panel.columns).toEqual(['la', 'year', 'idaci', 'spend', 'vacancy', 'cpp_rate']);
    expect(panel.rows).toHaveLength(30);
    expect(panel.rows.slice(0, 4).map((row) => row.slice(0, 2))).toEqual([
      ['LA001', '2012'],
      ['LA001', '2013'],
      ['LA001', '2014'],
      ['LA002', '2012'],
    ]);
    expect(panel.rows[29]!.slice(0, 2)).toEqual(['LA010', '2014']);
    expect(panel.scales).toEqual(scales);
  });

  it('builds the rate from the written predictors: standardised, sd 15, centred at 45 or kept at 10 or more', () => {
    const panel = given();
    // Only the observable components have a scale: 20 · idaci + year path + the resources index.
    const raw = panel.rows.map((row) => {
      const tau = Number(row[1]) - OPTIONS.firstYear;
      const resources = ((Number(row[3]) - 600) / 150 + (Number(row[4]) - 15) / 5) / 2;
      return 20 * Number(row[2]) + (0.8 * tau + 0.6 * Math.sin(1.7 * tau)) + resources;
    });
    const mean = raw.reduce((s, v) => s + v, 0) / raw.length;
    const sd = Math.sqrt(raw.reduce((s, v) => s + (v - mean) ** 2, 0) / raw.length);
    const z = raw.map((v) => (v - mean) / sd);
    const centre = Math.max(45, 10 - 15 * Math.min(...z));
    expect(panel.rows).toHaveLength(30);
    panel.rows.forEach((row, i) => {
      expect(row[5]).toMatch(/^\d+\.\d$/);
      expect(Math.abs(Number(row[5]) - (centre + 15 * z[i]!))).toBeLessThanOrEqual(0.05 + 1e-9);
    });
  });

  it('reports the shares of the written rows', () => {
    const panel = given();
    const expected = independentShares(panel);
    const achieved = achievedList(panel);
    expect(achieved).toHaveLength(5);
    achieved.forEach((share, g) => expect(Math.abs(share - expected[g]!)).toBeLessThan(1e-9));
  });

  it('every scale 0 leaves no usable rate', () => {
    const error = thrownBy(() => simulatePanel({ ...OPTIONS, authorities: 3, scales: [0, 0, 0, 0, 0] }), ModelError);
    expect(error.message).toBe(
      'simulate: no row has all of cpp_rate, la, idaci, year, spend, vacancy present ' +
        '(column "cpp_rate" is missing in 9 of 9 rows)',
    );
  });
});

describe('simulatePanel calibrated to shares', () => {
  it('brings every share to its target, as an independent decomposition of the rows confirms', () => {
    const panel = simulatePanel({ ...OPTIONS, seed: 4, authorities: 20 });
    const expected = independentShares(panel);
    const targets = [44, 15, 10, 6, 25].map((p) => p / 100);
    const achieved = achievedList(panel);
    expect(achieved).toHaveLength(5);
    achieved.forEach((share, g) => {
      expect(Math.abs(share - expected[g]!)).toBeLessThan(1e-9);
      // Rounding the rates to 0.1 moves the shares by a few 1e-4 at most.
      expect(Math.abs(share - targets[g]!)).toBeLessThan(1e-3);
    });
    // The iteration starts at a_c = √target_c / sd_c (population sd) and then only corrects the ratios of the
    // scales, by factors near 1: for the components seen in the rows, a_c · sd_c stays of the order of √target_c.
    const populationSd = (values: readonly number[]) => {
      const mean = values.reduce((s, v) => s + v, 0) / values.length;
      return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
    };
    const observed = [
      { c: 1, values: panel.rows.map((row) => Number(row[2])) },
      {
        c: 2,
        values: panel.rows.map((row) => {
          const tau = Number(row[1]) - OPTIONS.firstYear;
          return 0.8 * tau + 0.6 * Math.sin(1.7 * tau);
        }),
      },
      { c: 3, values: panel.rows.map((row) => ((Number(row[3]) - 600) / 150 + (Number(row[4]) - 15) / 5) / 2) },
    ];
    for (const { c, values } of observed) {
      const ratio = (panel.scales[c]! * populationSd(values)) / Math.sqrt(targets[c]!);
      expect(ratio).toBeGreaterThan(0.1);
      expect(ratio).toBeLessThan(10);
    }
  });

  it('says which shares it came closest to when it cannot calibrate', () => {
    const message = thrownBy(() => simulatePanel({ ...OPTIONS, seed: 1, authorities: 5 }), ModelError).message;
    const head =
      'simulate: cannot calibrate the shares practice=44,deprivation=15,policy=10,resources=6 ' +
      'with 5 authorities × 3 years (closest: ';
    const tail = '); try other shares or more data';
    expect(message.startsWith(head)).toBe(true);
    expect(message.endsWith(tail)).toBe(true);
    const closest = message.slice(head.length, message.length - tail.length).split('/');
    expect(closest).toHaveLength(5);
    closest.forEach((percent) => expect(percent).toMatch(/^\d+\.\d$/));
    // Five shares of one variance, in percent, each rounded to 0.1.
    expect(Math.abs(closest.reduce((s, p) => s + Number(p), 0) - 100)).toBeLessThanOrEqual(0.25);
  });
});
