import { enginesOf } from '../../../src/models/engines/engines.js';
import { describe, expect, it } from 'vitest';
import { buildModelData } from '../../../src/models/design/modelData.js';
import { sampleShapley } from '../../../src/models/engines/sampledShapley.js';
import { shapleyValues } from '../../../src/models/methods/shapley.js';
import type { GroupSpec } from '../../../src/models/spec/spec.js';
import { createSubsetFitter } from '../../../src/models/engines/subsetFit.js';
import { panelFrom, testRandom } from '../../helpers.js';

function data(seed: number, p: number, withFixedEffect: boolean) {
  const random = testRandom(seed);
  const columns: Record<string, number[] | string[]> = { unit: [], y: [] };
  for (let j = 0; j < p; j++) columns[`x${j}`] = [];
  for (let i = 0; i < 400; i++) {
    const common = random.normal();
    const unit = i % 20;
    (columns.unit as string[]).push(`u${unit}`);
    let y = random.normal() + 0.05 * unit;
    for (let j = 0; j < p; j++) {
      const x = 0.5 * common + random.normal();
      (columns[`x${j}`] as number[]).push(x);
      y += (j % 4) * 0.3 * x;
    }
    (columns.y as number[]).push(y);
  }
  const groups: GroupSpec[] = Array.from({ length: p }, (_, j) => ({
    name: `x${j}`,
    kind: 'numeric',
    columns: [`x${j}`],
  }));
  if (withFixedEffect) groups.push({ name: 'unit', kind: 'fixed-effect', columns: ['unit'] });
  return buildModelData(panelFrom(columns), { outcome: 'y', groups });
}

describe('Shapley values by antithetic permutation sampling', () => {
  it.each([false, true])('is within 4 standard errors of the exact values, and sums to R² (fixed effect: %s)', (fe) => {
    const model = data(1, 9, fe);
    const stable = createSubsetFitter(model);
    const exact = shapleyValues(model.groups.length, (mask) => stable.fit(mask).r2);
    const sampled = sampleShapley(model, enginesOf(model), { seed: 3, permutations: 2000 });
    expect(sampled.permutations).toBe(2000);
    expect(exact).toHaveLength(fe ? 10 : 9);
    expect(sampled.values).toHaveLength(exact.length);
    expect(sampled.standardErrors).toHaveLength(exact.length);
    sampled.values.forEach((v, g) =>
      expect(Math.abs(v - exact[g]!)).toBeLessThan(4 * sampled.standardErrors[g]! + 1e-12),
    );
    expect(sampled.values.reduce((a, b) => a + b, 0)).toBeCloseTo(stable.fit(2 ** model.groups.length - 1).r2, 10);
    expect(Math.max(...sampled.standardErrors)).toBeLessThan(0.01);
  });

  it('standard errors shrink like 1/√permutations and the seed reproduces the estimate', () => {
    const model = data(2, 8, false);
    const small = sampleShapley(model, enginesOf(model), { seed: 1, permutations: 200 });
    const large = sampleShapley(model, enginesOf(model), { seed: 1, permutations: 3200 });
    const ratio = Math.max(...small.standardErrors) / Math.max(...large.standardErrors);
    expect(ratio).toBeGreaterThan(2.5);
    expect(ratio).toBeLessThan(6.5);
    expect(sampleShapley(model, enginesOf(model), { seed: 1, permutations: 200 })).toEqual(small);
  });
});
