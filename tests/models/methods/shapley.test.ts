import { describe, expect, it } from 'vitest';
import { decomposeShapley } from '../../../src/models/methods/decompose.js';
import { buildModelData } from '../../../src/models/design/modelData.js';
import { orderingWeights, shapleyValues } from '../../../src/models/methods/shapley.js';
import type { ModelSpec } from '../../../src/models/spec/spec.js';
import { dummies, panelFrom, permutations, referenceR2, testRandom } from '../../helpers.js';

/** Random unbalanced panel with correlated predictors, authority and year labels. */
function randomPanel(seed: number) {
  const random = testRandom(seed);
  const la: string[] = [];
  const year: string[] = [];
  const x1: number[] = [];
  const x2: number[] = [];
  const x3: number[] = [];
  const absorbed: number[] = [];
  const y: number[] = [];
  for (let a = 0; a < 9; a++) {
    const effect = random.normal();
    const level = random.normal();
    for (let t = 0; t < 5; t++) {
      if (random.uniform() < 0.2) continue; // unbalanced
      const u = random.normal();
      la.push(`a${a}`);
      year.push(`${2010 + t}`);
      x1.push(u + 0.5 * effect);
      x2.push(0.6 * u + random.normal());
      x3.push(random.normal() + 0.3 * t);
      absorbed.push(level);
      y.push(effect + 0.2 * t + 0.7 * x1[x1.length - 1]! - 0.4 * x2[x2.length - 1]! + 0.3 * level + random.normal());
    }
  }
  return { la, year, x1, x2, x3, absorbed, y };
}

/** Brute force, independent of src: average marginal R² over all k! orderings, each R² by SVD least squares. */
function bruteForceShapley(y: number[], groupColumns: number[][][]): number[] {
  const k = groupColumns.length;
  const r2Of = (members: number[]) =>
    members.length === 0
      ? 0
      : referenceR2(
          y,
          members.flatMap((g) => groupColumns[g]!),
        );
  const totals = new Array<number>(k).fill(0);
  const orders = permutations(k);
  for (const order of orders) {
    for (let position = 0; position < k; position++) {
      const before = order.slice(0, position);
      totals[order[position]!]! += r2Of([...before, order[position]!]) - r2Of(before);
    }
  }
  return totals.map((t) => t / orders.length);
}

describe('group Shapley decomposition', () => {
  it.each([1, 2, 3, 4, 5])('matches a brute-force average over all orderings (seed %i)', (seed) => {
    const data = randomPanel(seed);
    const spec: ModelSpec = {
      outcome: 'y',
      groups: [
        { name: 'authority', kind: 'fixed-effect', columns: ['la'] },
        { name: 'resources', kind: 'numeric', columns: ['x1', 'x2'] },
        { name: 'year', kind: 'fixed-effect', columns: ['year'] },
        { name: 'absorbed', kind: 'numeric', columns: ['absorbed'] },
        { name: 'other', kind: 'numeric', columns: ['x3'] },
      ],
    };
    const result = decomposeShapley(buildModelData(panelFrom(data), spec));
    const expected = bruteForceShapley(data.y, [
      dummies(data.la),
      [data.x1, data.x2],
      dummies(data.year),
      [data.absorbed],
      [data.x3],
    ]);
    expect(result.groups).toHaveLength(5);
    expect(expected).toHaveLength(5);
    result.groups.forEach((group, g) => expect(group.share).toBeCloseTo(expected[g]!, 10));
    const sum = result.groups.reduce((s, g) => s + g.share, 0);
    expect(Math.abs(sum - result.r2)).toBeLessThan(1e-10);
    expect(Math.abs(sum + result.unexplained - 1)).toBeLessThan(1e-12);
    expect(result.notes.some((note) => note.includes('"absorbed"'))).toBe(true);
  });

  it('satisfies symmetry, null player and efficiency on a hand-made game', () => {
    // v: players 0 and 1 symmetric, player 2 null.
    const v = (mask: number) => (mask & 1 ? 0.3 : 0) + (mask & 2 ? 0.3 : 0) + (mask & 3 ? 0.1 : 0);
    const phi = shapleyValues(3, v);
    expect(phi[0]).toBeCloseTo(0.35, 15);
    expect(phi[1]).toBeCloseTo(0.35, 15);
    expect(phi[2]).toBe(0);
  });

  it('uses ordering weights s!(k−s−1)!/k!', () => {
    const factorial = (m: number): number => (m <= 1 ? 1 : m * factorial(m - 1));
    const weights = orderingWeights(6);
    for (let s = 0; s < 6; s++) expect(weights[s]).toBeCloseTo((factorial(s) * factorial(5 - s)) / factorial(6), 15);
  });
});
