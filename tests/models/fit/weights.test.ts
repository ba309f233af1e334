import { enginesOf } from '../../../src/models/engines/engines.js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../src/io/csv.js';
import { readPanel } from '../../../src/io/panel.js';
import { readSource } from '../../../src/io/source.js';
import { bootstrapDecomposition } from '../../../src/models/bootstrap/bootstrap.js';
import { decompose } from '../../../src/models/methods/decompose.js';
import { fitModel } from '../../../src/models/fit/fit.js';
import { buildModelData, columnRequests } from '../../../src/models/design/modelData.js';
import { sampleShapley } from '../../../src/models/engines/sampledShapley.js';
import type { ModelSpec } from '../../../src/models/spec/spec.js';
import { createSubsetFitter } from '../../../src/models/engines/subsetFit.js';
import { createGramFitter } from '../../../src/models/engines/gramFitter.js';

// Reference values from R's lm(weights = pop): scripts/reference/make-weighted-reference.R.
const reference = JSON.parse(readFileSync('tests/reference/weighted-reference.json', 'utf8'));
const scalar = (v: number | number[]) => (Array.isArray(v) ? v[0]! : v);
const SPEC: ModelSpec = {
  outcome: 'y',
  weights: 'pop',
  cluster: 'unit',
  groups: [
    { name: 'unit', kind: 'fixed-effect', columns: ['unit'] },
    { name: 'a', kind: 'numeric', columns: ['x1', 'x2'] },
    { name: 'period', kind: 'fixed-effect', columns: ['period'] },
  ],
};
const data = buildModelData(readPanel(parseCsv(readSource(reference.fixture)), columnRequests(SPEC)), SPEC);
const close = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-8 * Math.max(1, Math.abs(expected)));

describe('weighted least squares agrees with R lm(weights = pop)', () => {
  it('R² of every subset, by both subset engines', () => {
    const qr = createSubsetFitter(data);
    const gram = createGramFitter(data, enginesOf(data));
    expect(reference.r2BySubset).toHaveLength(2 ** SPEC.groups.length);
    reference.r2BySubset.forEach((r2: number, mask: number) => {
      close(qr.fit(mask).r2, r2);
      close(gram.fit(mask).r2, r2);
    });
  });

  it('Shapley values, exact and sampled', () => {
    expect(reference.shapley).toHaveLength(SPEC.groups.length);
    const exact = decompose(data).groups;
    expect(exact).toHaveLength(SPEC.groups.length);
    exact.forEach((g, i) => close(g.share, reference.shapley[i]));
    const sampled = sampleShapley(data, enginesOf(data), { seed: 1, permutations: 4000 });
    expect(sampled.values).toHaveLength(SPEC.groups.length);
    sampled.values.forEach((v, i) =>
      expect(Math.abs(v - reference.shapley[i])).toBeLessThan(4 * sampled.standardErrors[i]! + 1e-12),
    );
  });

  it('fit: statistics, classical and cluster-robust errors, VIF', () => {
    const expected = reference.fit;
    const classical = fitModel(data);
    expect(classical.k).toBe(scalar(expected.k));
    expect(classical.dfResidual).toBe(scalar(expected.dfResidual));
    for (const key of ['sigma', 'r2', 'adjR2', 'f', 'withinR2'] as const)
      close(classical[key] as number, scalar(expected[key]));
    // One row per numeric column (x1, x2); the intercept is absorbed with the fixed effects.
    expect(classical.coefficients.map((row) => row.term)).toEqual(['x1', 'x2']);
    expect(expected.classical).toHaveLength(2);
    expect(expected.vif).toHaveLength(2);
    expect(expected.cluster).toHaveLength(2);
    classical.coefficients.forEach((row, i) => {
      const ref = expected.classical[i];
      for (const key of ['estimate', 'stdError', 't', 'p'] as const) close(row[key]!, scalar(ref[key]));
      close(row.vif!, expected.vif[i]);
    });
    const clustered = fitModel(data, { clustered: true }).coefficients;
    expect(clustered.map((row) => row.term)).toEqual(['x1', 'x2']);
    clustered.forEach((row, i) => {
      const ref = expected.cluster[i];
      for (const key of ['estimate', 'stdError', 't', 'p'] as const) close(row[key]!, scalar(ref[key]));
    });
  });

  // That each resampled row keeps its own weight is checked replicate by replicate in
  // tests/models/bootstrap/weightedBootstrap.test.ts; this only shows that the weights are used at all.
  it('the bootstrap of the weighted model differs from that of the unweighted one', () => {
    const estimate = decompose(data);
    const result = bootstrapDecomposition(data, estimate, {
      replicates: 30,
      seed: 1,
      level: 0.9,
      type: 'percentile',
      decompose: { method: 'shapley' },
    });
    expect(result.failed).toBe(0);
    const unweighted = buildModelData(
      readPanel(parseCsv(readSource(reference.fixture)), columnRequests({ ...SPEC, weights: undefined })),
      { ...SPEC, weights: undefined },
    );
    const other = bootstrapDecomposition(unweighted, decompose(unweighted), {
      replicates: 30,
      seed: 1,
      level: 0.9,
      type: 'percentile',
      decompose: { method: 'shapley' },
    });
    expect(result.groups[1]!.low).not.toBeCloseTo(other.groups[1]!.low, 6);
  });

  it('refuses negative weights, naming the row (weight 0: tests/models/fit/zeroWeights.test.ts)', () => {
    const table = parseCsv({
      name: 'w.csv',
      bytes: Buffer.from(readFileSync(reference.fixture, 'utf8').replace(/,47495,/, ',-3,')),
    });
    expect(() => buildModelData(readPanel(table, columnRequests(SPEC)), SPEC)).toThrow(
      /w\.csv row 2, column "pop": weight -3 is negative/,
    );
  });
});
