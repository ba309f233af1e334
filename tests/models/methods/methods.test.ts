import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../src/io/csv.js';
import { readPanel } from '../../../src/io/panel.js';
import { readSource } from '../../../src/io/source.js';
import { commonalityCoefficients } from '../../../src/models/methods/commonality.js';
import { decompose } from '../../../src/models/methods/decompose.js';
import { buildModelData, columnRequests, type ModelData } from '../../../src/models/design/modelData.js';
import type { GroupSpec, ModelSpec } from '../../../src/models/spec/spec.js';
import { createSubsetFitter } from '../../../src/models/engines/subsetFit.js';
import { subsetR2Table } from '../../../src/models/engines/subsetTable.js';

// Reference values computed once in R by scripts/reference/make-fit-reference.R (lm, anova, brute force).
interface MethodReference {
  fixture: string;
  outcome: string;
  groups: GroupSpec[];
  subsets: number[];
  shapley: number[];
  owen: { group: string; column: string; value: number }[];
  sequential: number[];
  sequentialReverse: number[];
  sequentialReverseOrder: string[];
  unique: number[];
  commonality: (number | null)[];
  dominance: {
    conditional: number[][];
    general: number[];
    complete: boolean[][];
    conditionalDominates: boolean[][];
    generalDominates: boolean[][];
  };
}
const reference = JSON.parse(readFileSync('tests/reference/fit-reference.json', 'utf8')) as {
  models: Record<string, MethodReference>;
};

/** |a − b| ≤ 1e-8 · max(1, |b|): relative agreement, absolute near zero. */
function expectAgrees(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-8 * Math.max(1, Math.abs(expected)));
}

function load(model: MethodReference): ModelData {
  const spec: ModelSpec = { outcome: model.outcome, groups: model.groups };
  return buildModelData(readPanel(parseCsv(readSource(model.fixture)), columnRequests(spec)), spec);
}

describe.each(Object.entries(reference.models))('decomposition methods agree with R on %s', (_, model) => {
  const data = load(model);
  const names = model.groups.map((g) => g.name);
  const k = names.length;
  const shares = (method: Parameters<typeof decompose>[1]) => {
    const groups = decompose(data, method).groups;
    expect(groups).toHaveLength(k);
    return groups.map((g) => g.share);
  };

  it('the reference has every list it should, at full length', () => {
    expect(k).toBeGreaterThanOrEqual(2);
    expect(model.subsets).toHaveLength(2 ** k);
    for (const list of [model.shapley, model.sequential, model.sequentialReverse, model.unique])
      expect(list).toHaveLength(k);
    expect(model.sequentialReverseOrder).toEqual([...names].reverse());
    const units = model.groups.reduce((sum, g) => sum + (g.kind === 'numeric' ? g.columns.length : 1), 0);
    expect(model.owen).toHaveLength(units);
    expect(model.commonality).toHaveLength(2 ** k);
    expect(model.dominance.conditional.map((row) => row.length)).toEqual(Array(k).fill(k));
    expect(model.dominance.general).toHaveLength(k);
    for (const matrix of [
      model.dominance.complete,
      model.dominance.conditionalDominates,
      model.dominance.generalDominates,
    ])
      expect(matrix.map((row) => row.length)).toEqual(Array(k).fill(k));
  });

  it('subset R²', () => {
    const table = subsetR2Table(createSubsetFitter(data));
    expect(table).toHaveLength(2 ** k);
    table.forEach((r2, mask) => expectAgrees(r2, model.subsets[mask]!));
  });
  it('shapley', () => shares({ method: 'shapley' }).forEach((v, g) => expectAgrees(v, model.shapley[g]!)));
  it('owen', () => {
    const result = decompose(data, { method: 'owen' });
    expect(result.owen!.columns).toHaveLength(model.owen.length);
    expect(result.owen!.columns.map((c) => [c.group, c.column])).toEqual(model.owen.map((o) => [o.group, o.column]));
    result.owen!.columns.forEach((c, i) => expectAgrees(c.share, model.owen[i]!.value));
    result.groups.forEach((g, i) => expectAgrees(g.share, model.shapley[i]!));
  });
  it('sequential, given and reverse order (anova)', () => {
    shares({ method: 'sequential' }).forEach((v, g) => expectAgrees(v, model.sequential[g]!));
    const reverse = decompose(data, { method: 'sequential', order: model.sequentialReverseOrder });
    model.sequentialReverseOrder.forEach((name, i) =>
      expectAgrees(reverse.groups.find((g) => g.name === name)!.share, model.sequentialReverse[i]!),
    );
  });
  it('unique and the shared remainder', () => {
    const result = decompose(data, { method: 'unique' });
    expect(result.groups).toHaveLength(k);
    result.groups.forEach((g, i) => expectAgrees(g.share, model.unique[i]!));
    expectAgrees(result.unique!.shared, model.subsets.at(-1)! - model.unique.reduce((a, b) => a + b, 0));
  });
  it('commonality coefficients', () => {
    const result = decompose(data, { method: 'commonality' });
    expect(result.commonality!.sets).toHaveLength(2 ** k - 1);
    for (const set of result.commonality!.sets) {
      const mask = set.groups.reduce((m, name) => m | (1 << names.indexOf(name)), 0);
      expectAgrees(set.share, model.commonality[mask]!);
    }
    expect(result.commonality!.sets).toHaveLength(2 ** names.length - 1);
  });
  it('dominance: conditional, general and pairwise relations', () => {
    const result = decompose(data, { method: 'dominance' });
    expect(result.dominance!.conditional.map((row) => row.bySize.length)).toEqual(Array(k).fill(k));
    expect(result.groups).toHaveLength(k);
    expect(result.dominance!.pairs).toHaveLength((k * (k - 1)) / 2); // every unordered pair of groups once
    result.dominance!.conditional.forEach((row, g) =>
      row.bySize.forEach((v, s) => expectAgrees(v, model.dominance.conditional[g]![s]!)),
    );
    result.groups.forEach((g, i) => expectAgrees(g.share, model.dominance.general[i]!));
    for (const pair of result.dominance!.pairs) {
      const [a, b] = [names.indexOf(pair.a), names.indexOf(pair.b)];
      const expected = (matrix: boolean[][]) => (matrix[a]![b] ? pair.a : matrix[b]![a] ? pair.b : null);
      expect(pair.complete).toBe(expected(model.dominance.complete));
      expect(pair.conditional).toBe(expected(model.dominance.conditionalDominates));
      expect(pair.general).toBe(expected(model.dominance.generalDominates));
    }
  });
  it('all: one row per group, spread = max − min', () => {
    const result = decompose(data, { method: 'all' });
    expect(result.comparison!.rows.map((row) => row.group)).toEqual(names);
    result.comparison!.rows.forEach((row, g) => {
      expectAgrees(row.shapley, model.shapley[g]!);
      expectAgrees(row.owen, model.shapley[g]!);
      expectAgrees(row.sequential, model.sequential[g]!);
      expectAgrees(row.unique, model.unique[g]!);
      const values = [row.shapley, row.owen, row.sequential, row.sequentialReverse, row.unique];
      expect(row.spread).toBe(Math.max(...values) - Math.min(...values));
    });
  });
});

describe('commonality identities', () => {
  it('sums to R², unique parts are the singletons, and sets containing g sum to R²({g})', () => {
    const table = Float64Array.of(0, 0.3, 0.25, 0.4, 0.1, 0.35, 0.3, 0.5);
    const c = commonalityCoefficients(table, 3);
    expect(c.slice(1).reduce((a, b) => a + b, 0)).toBeCloseTo(0.5, 14);
    expect(c[1]).toBeCloseTo(0.5 - 0.3, 14); // unique of group 0 = R²(N) − R²({1,2})
    for (let g = 0; g < 3; g++) {
      let sum = 0;
      for (let mask = 1; mask < 8; mask++) if (mask & (1 << g)) sum += c[mask]!;
      expect(sum).toBeCloseTo(table[1 << g]!, 14);
    }
  });

  it('rejects an order that is not a permutation of the groups', () => {
    const data = load(reference.models.nao!);
    expect(() => decompose(data, { method: 'sequential', order: ['practice', 'policy'] })).toThrow(
      /every group exactly once/,
    );
    expect(() => decompose(data, { method: 'sequential', order: ['practice', 'x', 'policy', 'resources'] })).toThrow(
      /"x", which is not a group/,
    );
  });
});
