import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runSimulate } from '../../../src/commands/simulate.js';
import { NAO_2019_SHARES, simulatePanel } from '../../../src/models/simulate/simulate.js';

describe('simulate', () => {
  it('regenerates the synthetic NAO panel byte for byte from its seed', () => {
    const text = runSimulate({ seed: 2019, authorities: 152, years: '2012-2017' });
    expect(text).toBe(readFileSync('fixtures/nao-2019-synthetic.csv', 'utf8'));
  });

  it.each([
    [7, 152, 2012, 2017, NAO_2019_SHARES],
    [11, 60, 2015, 2022, { practice: 30, deprivation: 20, policy: 5, resources: 10 }],
    [12, 150, 2010, 2014, { practice: 55, deprivation: 8, policy: 12, resources: 3 }],
  ])(
    'lands within 1 point of the requested shares (seed %i, %i authorities)',
    (seed, authorities, firstYear, lastYear, shares) => {
      const panel = simulatePanel({ seed, authorities, firstYear, lastYear, shares });
      const total = shares.practice + shares.deprivation + shares.policy + shares.resources;
      for (const [name, target] of Object.entries({ ...shares, unexplained: 100 - total })) {
        expect(Math.abs(100 * panel.achieved[name as keyof typeof panel.achieved] - target)).toBeLessThan(1);
      }
      expect(panel.rows).toHaveLength(authorities * (lastYear - firstYear + 1));
    },
  );

  it('produces plausible magnitudes', () => {
    const panel = simulatePanel({
      seed: 3,
      authorities: 152,
      firstYear: 2012,
      lastYear: 2017,
      shares: NAO_2019_SHARES,
    });
    expect(panel.rows).toHaveLength(152 * 6);
    const column = (j: number) => panel.rows.map((row) => Number(row[j]));
    const within = (values: number[], low: number, high: number) => values.every((v) => v >= low && v <= high);
    expect(within(column(2), 0.05, 0.4)).toBe(true); // IDACI
    expect(within(column(5), 10, 200)).toBe(true); // CPP rate per 10,000
    expect(within(column(3), 100, 3000)).toBe(true); // spend per child
    expect(within(column(4), 0, 60)).toBe(true); // vacancy %
  });

  it('gives different data for different seeds', () => {
    expect(runSimulate({ seed: 1, authorities: 60, years: '2012-2017' })).not.toBe(
      runSimulate({ seed: 2, authorities: 60, years: '2012-2017' }),
    );
  });

  it('says so when the shares cannot be reached with so few rows', () => {
    // 5 authorities × 3 years: the 7 indicator columns soak up so much chance variation that 25% cannot stay
    // unexplained.
    expect(() => runSimulate({ seed: 1, authorities: 5, years: '2012-2014' })).toThrow(/cannot calibrate the shares/);
  });
});
