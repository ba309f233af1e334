import { enginesOf } from '../../../src/models/engines/engines.js';
import { describe, expect, it } from 'vitest';
import { createGramFitter } from '../../../src/models/engines/gramFitter.js';
import { buildModelData } from '../../../src/models/design/modelData.js';
import type { ModelSpec } from '../../../src/models/spec/spec.js';
import { createSubsetFitter } from '../../../src/models/engines/subsetFit.js';
import { panelFrom, testRandom } from '../../helpers.js';

/**
 * A random panel: units × periods (some dropped when unbalanced), p correlated predictors, one absorbed by unit
 * effects.
 */
function panel(seed: number, balanced: boolean, p: number) {
  const random = testRandom(seed);
  const columns: Record<string, number[] | string[]> = { unit: [], period: [], region: [], y: [] };
  for (let j = 0; j < p; j++) columns[`x${j}`] = [];
  columns.constantWithinUnit = [];
  columns.nearCopy = [];
  for (let u = 0; u < 25; u++) {
    const effect = random.normal();
    const level = random.normal();
    for (let t = 0; t < 6; t++) {
      if (!balanced && random.uniform() < 0.25) continue;
      (columns.unit as string[]).push(`u${u}`);
      (columns.period as string[]).push(`t${t}`);
      (columns.region as string[]).push(`r${u % 4}`);
      const common = random.normal();
      let y = effect + 0.3 * t + random.normal();
      for (let j = 0; j < p; j++) {
        const x = 0.5 * common + random.normal() + 0.2 * effect;
        (columns[`x${j}`] as number[]).push(x);
        y += (j % 2 ? -0.4 : 0.6) * x;
      }
      (columns.constantWithinUnit as number[]).push(level);
      (columns.nearCopy as number[]).push((columns.x0 as number[]).at(-1)! + 1e-5 * random.normal());
      (columns.y as number[]).push(y + 0.5 * level);
    }
  }
  return panelFrom(columns);
}

describe('Gram (sufficient-statistics) subset fits agree with the QR refit', () => {
  it.each([
    [1, true],
    [2, false],
    [3, true],
    [4, false],
  ])('every subset of units, seed %i, balanced %s', (seed, balanced) => {
    const p = 6;
    const spec: ModelSpec = {
      outcome: 'y',
      groups: [
        { name: 'unit', kind: 'fixed-effect', columns: ['unit'] },
        { name: 'period', kind: 'fixed-effect', columns: ['period'] },
        { name: 'region', kind: 'fixed-effect', columns: ['region'] },
        { name: 'a', kind: 'numeric', columns: ['x0', 'x1', 'x2'] },
        { name: 'b', kind: 'numeric', columns: Array.from({ length: p - 3 }, (_, j) => `x${j + 3}`) },
        { name: 'absorbed', kind: 'numeric', columns: ['constantWithinUnit'] },
        { name: 'near', kind: 'numeric', columns: ['nearCopy'] },
      ],
    };
    const data = buildModelData(panel(seed, balanced, p), spec);
    const gram = createGramFitter(data, enginesOf(data));
    const qr = createSubsetFitter(data);
    const unitCount = qr.units.length;
    let worst = 0;
    let withAliased = 0;
    for (let mask = 1; mask < 2 ** unitCount; mask++) {
      const units = Array.from({ length: unitCount }, (_, u) => u).filter((u) => mask & (1 << u));
      const a = gram.fitUnits(units);
      const b = qr.fitUnits(units);
      worst = Math.max(worst, Math.abs(a.r2 - b.r2));
      const aliased = b.aliased.filter((name) => !name.includes('['));
      expect(a.aliased.filter((name) => !name.includes('['))).toEqual(aliased);
      if (aliased.length > 0) withAliased++;
    }
    expect(worst).toBeLessThan(1e-9);
    // The aliased columns were compared on real cases: constantWithinUnit is aliased in every subset with the unit
    // effects, 2^(units − 2) of them.
    expect(withAliased).toBe(2 ** (unitCount - 2));
  });
});
