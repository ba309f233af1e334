/**
 * --log-outcome must model log(y), not merely rename y to "log(y)". The expected values are R² of independent SVD
 * least-squares fits (`referenceR2`, not the QR or Gram sweep under test) of Math.log(y) written out here, on data
 * where y is exp(linear): R² of y itself and of log(y) differ by far more than the tolerance.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDecompose, type DecomposeOptions } from '../../../src/commands/decompose.js';
import { loadModelData } from '../../../src/commands/data.js';
import { decompose } from '../../../src/models/methods/decompose.js';
import type { GroupSpec } from '../../../src/models/spec/spec.js';
import { dummies, referenceR2, testRandom } from '../../helpers.js';

const folder = mkdtempSync(join(tmpdir(), 'cpv-log-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** 12 units × 5 periods; y = exp(unit effect + 0.6 x1 − 0.4 x2 + 0.3 x3 + noise), so y is skewed and log(y) linear. */
function panel() {
  const random = testRandom(31);
  const rows = { unit: [] as string[], x1: [] as number[], x2: [] as number[], x3: [] as number[], y: [] as number[] };
  for (let u = 0; u < 12; u++) {
    const effect = 0.8 * random.normal();
    for (let t = 0; t < 5; t++) {
      const x1 = random.normal() + 0.5 * effect;
      const x2 = random.normal();
      const x3 = random.normal() + 0.3 * x2;
      rows.unit.push(`u${u}`);
      rows.x1.push(x1);
      rows.x2.push(x2);
      rows.x3.push(x3);
      rows.y.push(Math.exp(1 + effect + 0.6 * x1 - 0.4 * x2 + 0.3 * x3 + 0.3 * random.normal()));
    }
  }
  return rows;
}

const rows = panel();
const file = join(folder, 'log.csv');
writeFileSync(
  file,
  `unit,x1,x2,x3,y\n${rows.y
    .map((_, i) => [rows.unit[i], rows.x1[i], rows.x2[i], rows.x3[i], rows.y[i]].join(','))
    .join('\n')}\n`,
);
const logY = rows.y.map(Math.log);

const NUMERIC: GroupSpec[] = [
  { name: 'a', kind: 'numeric', columns: ['x1'] },
  { name: 'b', kind: 'numeric', columns: ['x2', 'x3'] },
];
const WITH_FE: GroupSpec[] = [{ name: 'unit', kind: 'fixed-effect', columns: ['unit'] }, ...NUMERIC];

/** |a − b| ≤ 1e-10. */
const agrees = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-10);

function options(groups: GroupSpec[]): DecomposeOptions {
  return {
    file,
    outcome: 'y',
    groups,
    missingTokens: [],
    logOutcome: true,
    method: 'shapley',
    format: 'json',
    color: false,
    tolerance: 0.5,
    expectWithinCi: false,
  };
}

describe('--log-outcome fits log(y)', () => {
  // Independent R² of log(y) on each subset of the two numeric groups, and the two-player Shapley value of a.
  const r2a = referenceR2(logY, [rows.x1]);
  const r2b = referenceR2(logY, [rows.x2, rows.x3]);
  const r2ab = referenceR2(logY, [rows.x1, rows.x2, rows.x3]);
  const shapleyA = (r2a + (r2ab - r2b)) / 2;

  it('the data tell log(y) from y apart', () => {
    expect(Math.abs(referenceR2(rows.y, [rows.x1, rows.x2, rows.x3]) - r2ab)).toBeGreaterThan(0.05);
  });

  it('loadModelData: y is log(y) and the full R² and a Shapley share are those of an independent fit of log(y)', () => {
    const loaded = loadModelData({ file, outcome: 'y', groups: NUMERIC, missingTokens: [], logOutcome: true });
    expect(loaded.data.outcome).toBe('log(y)');
    expect(loaded.data.y).toHaveLength(logY.length);
    // The model data hold log(y) in units of 2^scales.outcome (an exact power-of-two equilibration).
    const unit = 2 ** (loaded.data.scales?.outcome ?? 0);
    loaded.data.y.forEach((value, i) => expect(value * unit).toBe(logY[i]));
    const result = decompose(loaded.data);
    agrees(result.r2, r2ab);
    expect(result.groups).toHaveLength(2);
    agrees(result.groups[0]!.share, shapleyA);
    agrees(result.groups[1]!.share, r2ab - shapleyA);
  });

  it('decompose, streamed (no fixed effects): R² and shares of log(y)', async () => {
    const json = JSON.parse((await runDecompose(options(NUMERIC))).text);
    expect(json.outcome).toBe('log(y)');
    agrees(json.r2, r2ab);
    expect(json.groups).toHaveLength(2);
    agrees(json.groups[0].share, shapleyA);
  });

  it('decompose with a fixed effect: R² and the unit share of log(y)', async () => {
    const unit = dummies(rows.unit).slice(1); // the intercept stands for the first unit
    const full = referenceR2(logY, [...unit, rows.x1, rows.x2, rows.x3]);
    // Shapley value of "unit" among three players, from the definition over the 2^3 subsets.
    const r2 = (u: boolean, a: boolean, b: boolean) =>
      u || a || b
        ? referenceR2(logY, [...(u ? unit : []), ...(a ? [rows.x1] : []), ...(b ? [rows.x2, rows.x3] : [])])
        : 0;
    const unitShare =
      (r2(true, false, false) - r2(false, false, false)) / 3 +
      (r2(true, true, false) - r2(false, true, false)) / 6 +
      (r2(true, false, true) - r2(false, false, true)) / 6 +
      (r2(true, true, true) - r2(false, true, true)) / 3;
    const json = JSON.parse((await runDecompose(options(WITH_FE))).text);
    expect(json.outcome).toBe('log(y)');
    agrees(json.r2, full);
    expect(json.groups.map((g: { name: string }) => g.name)).toEqual(['unit', 'a', 'b']);
    agrees(json.groups[0].share, unitShare);
  });
});
