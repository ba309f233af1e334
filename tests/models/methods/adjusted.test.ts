import { readFileSync } from 'node:fs';
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../src/io/csv.js';
import { readPanel } from '../../../src/io/panel.js';
import { readSource } from '../../../src/io/source.js';
import { buildModelData, columnRequests, type ModelData } from '../../../src/models/design/modelData.js';
import { enginesOf } from '../../../src/models/engines/engines.js';
import { enumerateInThread, planExactShapley } from '../../../src/models/engines/exactShapley.js';
import { createGramFitter } from '../../../src/models/engines/gramFitter.js';
import { createSubsetFitter } from '../../../src/models/engines/subsetFit.js';
import { subsetTableByTree } from '../../../src/models/engines/subsetTree.js';
import { adjustedValue } from '../../../src/models/engines/subsetValue.js';
import { decompose, type DecompositionMethod } from '../../../src/models/methods/decompose.js';
import type { GroupSpec, ModelSpec } from '../../../src/models/spec/spec.js';
import { referenceR2, testRandom } from '../../helpers.js';

// Values computed with R's lm() and summary()$adj.r.squared by scripts/reference/make-adjusted-reference.R.
interface ReferenceModel {
  fixture: string;
  outcome: string;
  weights: string | null;
  n: number;
  groups: { name: string; kind: 'fixed-effect' | 'numeric'; columns: string[] }[];
  r2: number[];
  rank: number[];
  adjusted: number[];
  shapley: number[];
  owen: { group: string; column: string; value: number }[];
  sequential: number[];
  sequentialReverse: number[];
  unique: number[];
  commonality: (number | null)[];
  dominance: number[];
}
const reference = JSON.parse(readFileSync('tests/reference/adjusted-reference.json', 'utf8')) as {
  models: Record<string, ReferenceModel>;
};

function dataOf(model: ReferenceModel): ModelData {
  const spec: ModelSpec = {
    outcome: model.outcome,
    groups: model.groups.map((g): GroupSpec => ({ name: g.name, kind: g.kind, columns: g.columns })),
    ...(model.weights ? { weights: model.weights } : {}),
  };
  return buildModelData(readPanel(parseCsv(readSource(model.fixture)), columnRequests(spec)), spec);
}

const TOLERANCE = 1e-8;

describe.each(Object.entries(reference.models))('adjusted R² decomposition against R on %s', (_, model) => {
  const data = dataOf(model);
  const k = model.groups.length;
  const names = model.groups.map((g) => g.name);

  it('uses the same rows', () => expect(data.n).toBe(model.n));

  it("reports every subset's rank as lm does (fixed effects levels − 1, aliased columns not counted)", () => {
    const engines = enginesOf(data);
    const gram = createGramFitter(data, engines);
    const qr = createSubsetFitter(data);
    for (let mask = 0; mask < 2 ** k; mask++) {
      expect(gram.fit(mask).rank, `mask ${mask}`).toBe(model.rank[mask]);
      expect(qr.fit(mask).rank, `mask ${mask}`).toBe(model.rank[mask]);
    }
  });

  it('gives every subset its adjusted R² through the subset tree (which counts ranks as it sweeps) to 1e-8', () => {
    const table = subsetTableByTree(data, enginesOf(data), adjustedValue(data.n));
    model.adjusted.forEach((value, mask) =>
      expect(Math.abs(table[mask]! - value), `mask ${mask}`).toBeLessThan(TOLERANCE),
    );
  });

  const expected: Record<Exclude<DecompositionMethod, 'all'>, number[]> = {
    shapley: model.shapley,
    owen: model.shapley,
    sequential: model.sequential,
    unique: model.unique,
    commonality: model.unique,
    dominance: model.dominance,
  };
  it.each(Object.entries(expected))('--method %s --adjusted matches to 1e-8', (method, values) => {
    const result = decompose(data, { method: method as DecompositionMethod, adjusted: true });
    const adjusted = result.adjusted!;
    expect(adjusted.method).toBe(method);
    expect(Math.abs(adjusted.r2 - model.adjusted[2 ** k - 1]!)).toBeLessThan(TOLERANCE);
    expect(Math.abs(adjusted.unexplained - (1 - model.adjusted[2 ** k - 1]!))).toBeLessThan(TOLERANCE);
    values.forEach((value, g) => expect(Math.abs(adjusted.shares[g]! - value), names[g]).toBeLessThan(TOLERANCE));
    // The raw split is unchanged beside it.
    expect(Math.abs(result.r2 - model.r2[2 ** k - 1]!)).toBeLessThan(TOLERANCE);
  });

  it("gives each column's Owen value in the adjusted game to 1e-8", () => {
    const columns = decompose(data, { method: 'owen', adjusted: true }).adjusted!.owen!.columns;
    expect(columns).toHaveLength(model.owen.length);
    model.owen.forEach((entry, i) => {
      expect(columns[i]!.column).toBe(entry.column);
      expect(Math.abs(columns[i]!.share - entry.value)).toBeLessThan(TOLERANCE);
    });
  });

  it('sequential in the reverse order, and --method all gains the adjusted Shapley column', () => {
    const reverse = decompose(data, { method: 'sequential', order: [...names].reverse(), adjusted: true });
    model.sequentialReverse.forEach((value, g) =>
      expect(Math.abs(reverse.adjusted!.shares[g]! - value)).toBeLessThan(TOLERANCE),
    );
    const all = decompose(data, { method: 'all', adjusted: true });
    expect(all.adjusted!.method).toBe('shapley');
    model.shapley.forEach((value, g) =>
      expect(Math.abs(all.comparison!.rows[g]!.adjustedShapley! - value)).toBeLessThan(TOLERANCE),
    );
  });
});

/** Rank of [1, columns] minus 1, by SVD (ml-matrix), independent of the QR and sweeps under test. */
function referenceRank(columns: readonly (readonly number[])[], n: number): number {
  const X = new Matrix(n, columns.length + 1);
  for (let i = 0; i < n; i++) {
    X.set(i, 0, 1);
    columns.forEach((column, j) => X.set(i, j + 1, column[i]!));
  }
  return new SingularValueDecomposition(X).rank - 1;
}

describe('adjusted R² through the tree where sweeps are refitted by QR', () => {
  // A near-collinear pair (relative pivot ~1e-8: below the 1e-6 the tree trusts, above the 1e-14 of aliasing) sends
  // subsets to the QR refit, whose rank the tree takes; an exactly collinear third column is aliased.
  const random = testRandom(77);
  const n = 60;
  const x1 = Array.from({ length: n }, () => random.normal());
  const x2 = x1.map((v) => v + 1e-4 * random.normal());
  const x3 = Array.from({ length: n }, () => random.normal());
  const x4 = x1.map((v, i) => 2 * v - x3[i]!);
  const y = x1.map((v, i) => v + 0.5 * x3[i]! + random.normal());
  const columns = [x1, x2, x3, x4];
  const data: ModelData = {
    outcome: 'y',
    n,
    y: Float64Array.from(y),
    groups: columns.map((values, j) => ({
      kind: 'numeric' as const,
      name: `g${j}`,
      columns: [`x${j + 1}`],
      values: [Float64Array.from(values)],
    })),
    droppedRows: 0,
    missingByColumn: {},
  };

  it('matches 1 − (1 − R²)(n − 1)/(n − rank − 1) with R² and rank by SVD, for every subset, to 1e-8', () => {
    const sums = enumerateInThread(planExactShapley(data, enginesOf(data), adjustedValue(n)));
    expect(sums.refits).toBeGreaterThan(0);
    const table = subsetTableByTree(data, enginesOf(data), adjustedValue(n));
    for (let mask = 1; mask < 16; mask++) {
      const chosen = columns.filter((_, j) => mask & (1 << j));
      const rank = referenceRank(chosen, n);
      const expected = 1 - ((1 - referenceR2(y, chosen)) * (n - 1)) / (n - rank - 1);
      expect(Math.abs(table[mask]! - expected), `mask ${mask}`).toBeLessThan(1e-8);
    }
  });
});
