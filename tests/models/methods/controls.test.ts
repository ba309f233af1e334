import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../src/io/csv.js';
import { readPanel } from '../../../src/io/panel.js';
import { readSource } from '../../../src/io/source.js';
import { buildModelData, columnRequests, type ModelData } from '../../../src/models/design/modelData.js';
import { decompose, type DecompositionResult } from '../../../src/models/methods/decompose.js';
import type { GroupSpec, ModelSpec } from '../../../src/models/spec/spec.js';

// Values computed by brute force in R (one lm per subset; relaimpo's `always =` game) by
// scripts/reference/make-controls-reference.R.
interface ReferenceModel {
  fixture: string;
  outcome: string;
  n: number;
  groups: { name: string; kind: 'fixed-effect' | 'numeric'; columns: string[] }[];
  controls: string[];
  free: string[];
  order: string[];
  r2: number;
  controlsR2: number;
  values: number[];
  shapley: number[];
  sequential: number[];
  unique: number[];
  dominance: number[];
}
const reference = JSON.parse(readFileSync('tests/reference/controls-reference.json', 'utf8')) as {
  models: Record<string, ReferenceModel>;
};

function dataOf(model: ReferenceModel): ModelData {
  const spec: ModelSpec = {
    outcome: model.outcome,
    groups: model.groups.map((g): GroupSpec => ({ name: g.name, kind: g.kind, columns: g.columns })),
  };
  return buildModelData(readPanel(parseCsv(readSource(model.fixture)), columnRequests(spec)), spec);
}

const TOLERANCE = 1e-8;

function expectClose(actual: readonly number[], expected: readonly number[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  actual.forEach((value, i) => expect(Math.abs(value - expected[i]!), `${what}[${i}]`).toBeLessThan(TOLERANCE));
}

/** Controls + the groups' shares (+ shared, for unique) + unexplained. */
function total(result: DecompositionResult): number {
  return (
    result.controls!.share +
    result.groups.reduce((sum, g) => sum + g.share, 0) +
    (result.unique?.shared ?? 0) +
    result.unexplained
  );
}

describe.each(Object.entries(reference.models))('--control against an R brute force on %s', (_, model) => {
  const data = dataOf(model);
  const run = (method: 'shapley' | 'sequential' | 'unique' | 'commonality' | 'dominance') =>
    decompose(data, { method, controls: model.controls, order: model.order });

  it('uses the same rows', () => expect(data.n).toBe(model.n));

  it('reports R² of the controls alone as the controls row and the full R²', () => {
    const result = run('shapley');
    expect(result.controls!.groups).toEqual(model.controls);
    expect(Math.abs(result.controls!.share - model.controlsR2)).toBeLessThan(TOLERANCE);
    expect(Math.abs(result.r2 - model.r2)).toBeLessThan(TOLERANCE);
    expect(result.groups.map((g) => g.name)).toEqual(model.free);
  });

  it('gives Shapley (LMG) values of the other groups as relaimpo always= does, summing to R² − R²(controls)', () => {
    const result = run('shapley');
    expectClose(
      result.groups.map((g) => g.share),
      model.shapley,
      'shapley',
    );
    expect(Math.abs(result.groups.reduce((s, g) => s + g.share, 0) - (model.r2 - model.controlsR2))).toBeLessThan(
      TOLERANCE,
    );
    expect(Math.abs(total(result) - 1)).toBeLessThan(1e-12);
  });

  it('gives sequential increments in the given order after the controls', () => {
    const result = run('sequential');
    expect(result.sequential!.order).toEqual(model.order);
    expectClose(
      result.groups.map((g) => g.share),
      model.sequential,
      'sequential',
    );
    expect(Math.abs(total(result) - 1)).toBeLessThan(1e-12);
  });

  it('gives unique contributions (the same as without controls) and the joint rest', () => {
    const result = run('unique');
    expectClose(
      result.groups.map((g) => g.share),
      model.unique,
      'unique',
    );
    const sumUnique = model.unique.reduce((a, b) => a + b, 0);
    expect(Math.abs(result.unique!.shared - (model.r2 - model.controlsR2 - sumUnique))).toBeLessThan(TOLERANCE);
    expect(Math.abs(total(result) - 1)).toBeLessThan(1e-12);
  });

  it('gives general dominance weights of the controlled game', () => {
    const result = run('dominance');
    expectClose(
      result.groups.map((g) => g.share),
      model.dominance,
      'dominance',
    );
  });

  it('gives commonality coefficients that sum to R² − R²(controls), singletons equal to the unique parts', () => {
    const result = run('commonality');
    const sets = result.commonality!.sets;
    const sum = sets.reduce((s, set) => s + set.share, 0);
    expect(Math.abs(sum - (model.r2 - model.controlsR2))).toBeLessThan(TOLERANCE);
    expectClose(
      result.groups.map((g) => g.share),
      model.unique,
      'commonality unique',
    );
  });
});

describe('--control refusals', () => {
  const model = reference.models.periodControl!;
  const data = dataOf(model);
  it('names an unknown group', () => {
    expect(() => decompose(data, { controls: ['nope'] })).toThrow(/not a group/);
  });
  it('refuses to hold every group', () => {
    expect(() => decompose(data, { controls: model.groups.map((g) => g.name) })).toThrow(/every group/);
  });
  it('refuses the methods that split groups into columns', () => {
    expect(() => decompose(data, { method: 'owen', controls: ['period'] })).toThrow(/not for owen/);
    expect(() => decompose(data, { method: 'all', controls: ['period'] })).toThrow(/not for all/);
  });
  it('refuses an --order that lists a control', () => {
    expect(() =>
      decompose(data, { method: 'sequential', controls: ['period'], order: ['period', 'a', 'b', 'c'] }),
    ).toThrow(/^order: /);
  });
});
