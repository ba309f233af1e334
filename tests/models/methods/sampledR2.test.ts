import { describe, expect, it } from 'vitest';
import { buildModelData, type ModelData } from '../../../src/models/design/modelData.js';
import { enginesOf } from '../../../src/models/engines/engines.js';
import { sampleShapley } from '../../../src/models/engines/sampledShapley.js';
import { decompose } from '../../../src/models/methods/decompose.js';
import type { ModelSpec } from '../../../src/models/spec/spec.js';
import { panelFrom, testRandom } from '../../helpers.js';

/** n rows, four numeric groups of one column each, y depending on all of them. */
function data(seed: number, n = 60): ModelData {
  const random = testRandom(seed);
  const columns: Record<string, number[]> = { y: [] };
  const names = ['a', 'b', 'c', 'd'];
  for (const name of names) columns[name] = [];
  for (let i = 0; i < n; i++) {
    let y = random.normal();
    names.forEach((name, j) => {
      const x = random.normal() * 10 ** j;
      columns[name]!.push(x);
      y += x / 10 ** j;
    });
    columns.y!.push(y);
  }
  const spec: ModelSpec = {
    outcome: 'y',
    groups: names.map((name) => ({ name, kind: 'numeric' as const, columns: [name] })),
  };
  return buildModelData(panelFrom(columns), spec);
}

describe('a sampled decomposition', () => {
  it('reports the R² of its own sweeps, which its shares add up to, not that of the full fit', () => {
    const model = data(1);
    const sampled = sampleShapley(model, enginesOf(model), { seed: 3, permutations: 100 });
    const exact = decompose(model, { exact: true });
    // On these data the two R² differ in their last bits: the test can tell which one is reported.
    expect(sampled.r2).not.toBe(exact.r2);
    expect(Math.abs(sampled.r2 - exact.r2)).toBeLessThan(1e-12);
    const result = decompose(model, { samples: 100, seed: 3 });
    expect(result.r2).toBe(sampled.r2);
    expect(result.unexplained).toBe(1 - sampled.r2);
  });
});
