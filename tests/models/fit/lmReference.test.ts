import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../src/io/csv.js';
import { readPanel } from '../../../src/io/panel.js';
import { readSource } from '../../../src/io/source.js';
import { decomposeShapley } from '../../../src/models/methods/decompose.js';
import { buildModelData, columnRequests } from '../../../src/models/design/modelData.js';
import type { GroupSpec, ModelSpec } from '../../../src/models/spec/spec.js';
import { createSubsetFitter } from '../../../src/models/engines/subsetFit.js';

// Values computed once with R's lm() on factor dummies by scripts/reference/make-reference.R.
interface ReferenceModel {
  groups: { name: string; terms: string | string[] }[];
  n: number;
  r2BySubset: number[];
  shapley: number[];
}
const reference = JSON.parse(readFileSync('tests/reference/lm-reference.json', 'utf8')) as {
  fixture: string;
  models: Record<string, ReferenceModel>;
};
const FIXED_EFFECT_COLUMNS = new Set(['region_code', 'period']);

function specOf(model: ReferenceModel): ModelSpec {
  return {
    outcome: 'y',
    groups: model.groups.map((g): GroupSpec => {
      const columns = typeof g.terms === 'string' ? [g.terms] : g.terms;
      return { name: g.name, kind: FIXED_EFFECT_COLUMNS.has(columns[0]!) ? 'fixed-effect' : 'numeric', columns };
    }),
  };
}

describe.each(Object.entries(reference.models))('agreement with R lm() on %s', (_, model) => {
  const spec = specOf(model);
  const table = parseCsv(readSource(reference.fixture));
  const data = buildModelData(readPanel(table, columnRequests(spec)), spec);

  it('drops the same incomplete rows', () => {
    expect(data.n).toBe(model.n);
    expect(data.droppedRows).toBe(table.records.length - model.n);
  });

  it('gives every subset R² to 1e-10', () => {
    expect(model.r2BySubset).toHaveLength(2 ** model.groups.length);
    const fitter = createSubsetFitter(data);
    model.r2BySubset.forEach((r2, mask) => expect(Math.abs(fitter.fit(mask).r2 - r2)).toBeLessThan(1e-10));
  });

  it('gives every Shapley value to 1e-10', () => {
    const result = decomposeShapley(data);
    expect(model.shapley).toHaveLength(model.groups.length);
    expect(result.groups).toHaveLength(model.groups.length);
    model.shapley.forEach((value, g) => expect(Math.abs(result.groups[g]!.share - value)).toBeLessThan(1e-10));
  });
});
