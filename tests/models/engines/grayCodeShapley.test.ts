import { describe, expect, it } from 'vitest';
import { enginesOf } from '../../../src/models/engines/engines.js';
import {
  addGrayCodeSums,
  planGrayCodeShapley,
  shapleyFromGrayCodeSums,
} from '../../../src/models/engines/grayCodeShapley.js';
import { buildModelData } from '../../../src/models/design/modelData.js';
import { shapleyValues } from '../../../src/models/methods/shapley.js';
import type { GroupSpec, ModelSpec } from '../../../src/models/spec/spec.js';
import { createSubsetFitter } from '../../../src/models/engines/subsetFit.js';
import { panelFrom, testRandom } from '../../helpers.js';

/**
 * p correlated predictors (some in multi-column groups), optional unit and period effects, an absorbed column and a
 * near copy.
 */
function problem(seed: number, p: number, withFixedEffects: boolean, balanced = true, nearCopy = true) {
  const random = testRandom(seed);
  const columns: Record<string, number[] | string[]> = { unit: [], period: [], y: [], absorbed: [], near: [] };
  for (let j = 0; j < p; j++) columns[`x${j}`] = [];
  for (let u = 0; u < 30; u++) {
    const effect = random.normal();
    const level = random.normal();
    for (let t = 0; t < 5; t++) {
      if (!balanced && random.uniform() < 0.2) continue;
      (columns.unit as string[]).push(`u${u}`);
      (columns.period as string[]).push(`t${t}`);
      const common = random.normal();
      let y = effect + 0.3 * t + random.normal() + 0.4 * level;
      for (let j = 0; j < p; j++) {
        const x = 0.6 * common + random.normal() + 0.3 * effect;
        (columns[`x${j}`] as number[]).push(x);
        y += ((j % 3) - 1) * 0.5 * x;
      }
      (columns.absorbed as number[]).push(level);
      (columns.near as number[]).push((columns.x0 as number[]).at(-1)! + 1e-6 * random.normal());
      (columns.y as number[]).push(y);
    }
  }
  const groups: GroupSpec[] = [];
  for (let j = 0; j < p; j += 2)
    groups.push({ name: `g${j}`, kind: 'numeric', columns: j + 1 < p ? [`x${j}`, `x${j + 1}`] : [`x${j}`] });
  groups.push({ name: 'absorbed', kind: 'numeric', columns: ['absorbed'] });
  if (nearCopy) groups.push({ name: 'near', kind: 'numeric', columns: ['near'] });
  if (withFixedEffects) {
    groups.push(
      { name: 'unit', kind: 'fixed-effect', columns: ['unit'] },
      { name: 'period', kind: 'fixed-effect', columns: ['period'] },
    );
  }
  const spec: ModelSpec = { outcome: 'y', groups };
  return buildModelData(panelFrom(columns), spec);
}

describe('exact Shapley by Gray-code sweeps (the replaced engine, kept as baseline and cross-check)', () => {
  it.each([
    [1, 8, false, true],
    [2, 8, true, true],
    [3, 10, true, false],
    [4, 14, false, true],
  ])(
    'agrees with the subset table refitted by QR (seed %i, %i predictors, fixed effects %s, balanced %s)',
    (seed, p, fe, balanced) => {
      const data = problem(seed, p, fe, balanced);
      const stable = createSubsetFitter(data);
      const plan = planGrayCodeShapley(data, enginesOf(data));
      const sums = addGrayCodeSums([plan.sumsOfBlocks(0, plan.blocks)]);
      const fast = shapleyFromGrayCodeSums(sums);
      const reference = shapleyValues(data.groups.length, (mask) => stable.fit(mask).r2);
      // ⌈p/2⌉ groups of x, the absorbed column, the near copy, and two fixed effects when there are any
      expect(fast).toHaveLength(Math.ceil(p / 2) + 2 + (fe ? 2 : 0));
      expect(reference).toHaveLength(fast.length);
      fast.forEach((value, g) => expect(Math.abs(value - reference[g]!)).toBeLessThan(1e-9));
      expect(fast.reduce((a, b) => a + b, 0)).toBeCloseTo(stable.fit(2 ** data.groups.length - 1).r2, 10);
      // the near copy of x0 forces QR refits of the subsets holding both
      expect(sums.refits).toBeGreaterThan(0);
    },
  );

  it('gives the same sums however the blocks are shared out', () => {
    const data = problem(5, 30, false, true, false);
    const plan = planGrayCodeShapley(data, enginesOf(data));
    expect(plan.blocks).toBeGreaterThan(2);
    const whole = shapleyFromGrayCodeSums(addGrayCodeSums([plan.sumsOfBlocks(0, plan.blocks)]));
    const cut = Math.floor(plan.blocks / 3);
    const parts = shapleyFromGrayCodeSums(
      addGrayCodeSums([plan.sumsOfBlocks(0, cut), plan.sumsOfBlocks(cut, plan.blocks)]),
    );
    expect(whole).toHaveLength(16); // 15 pairs of x and the absorbed column
    expect(parts).toHaveLength(16);
    whole.forEach((v, j) => expect(Math.abs(v - parts[j]!)).toBeLessThan(1e-12));
  });
});
