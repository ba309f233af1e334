import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../src/io/csv.js';
import { readPanel } from '../../../src/io/panel.js';
import { readSource } from '../../../src/io/source.js';
import { fitModel } from '../../../src/models/fit/fit.js';
import { buildModelData, columnRequests } from '../../../src/models/design/modelData.js';
import type { GroupSpec, ModelSpec } from '../../../src/models/spec/spec.js';

// Reference values computed once in R by scripts/reference/make-fit-reference.R
// (lm on factor dummies; sandwich::vcovCL(type = "HC1") for CR1; car-free VIF from auxiliary lm fits).
interface ReferenceCoefficient {
  term: string;
  estimate: number | null;
  stdError: number | null;
  t: number | null;
  p: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  vif?: number | null;
  aliased: boolean;
}
interface FitReference {
  fixture: string;
  outcome: string;
  groups: GroupSpec[];
  cluster: string;
  fit: {
    n: number;
    k: number;
    dfResidual: number;
    sigma: number;
    r2: number;
    adjR2: number;
    f: number;
    fNumDf: number;
    fDenDf: number;
    fP: number;
    withinR2: number | null;
    coefficients: ReferenceCoefficient[];
    cluster: { clusters: number; df: number; coefficients: ReferenceCoefficient[] };
  };
}
const reference = JSON.parse(readFileSync('tests/reference/fit-reference.json', 'utf8')) as {
  models: Record<string, FitReference>;
};

/** Relative agreement to 1e-8 (absolute below 1). */
function expectAgrees(actual: number | null, expected: number | null): void {
  if (expected === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(1e-8 * Math.max(1, Math.abs(expected)));
}

/** p-values: relative agreement to 1e-8, however small. */
function expectPAgrees(actual: number | null, expected: number | null): void {
  if (expected === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(1e-8 * Math.abs(expected) + 1e-300);
}

describe.each(Object.entries(reference.models))('fit agrees with R lm() on %s', (_, model) => {
  const spec: ModelSpec = { outcome: model.outcome, groups: model.groups, cluster: model.cluster };
  const data = buildModelData(readPanel(parseCsv(readSource(model.fixture)), columnRequests(spec)), spec);
  const hasFixedEffects = model.groups.some((g) => g.kind === 'fixed-effect');
  const numericColumns = model.groups.reduce((sum, g) => sum + (g.kind === 'numeric' ? g.columns.length : 0), 0);
  // With fixed effects absorbed the intercept is not a reported term (it is the baseline level in R's coding).
  const reportedTerms = (rows: ReferenceCoefficient[]) =>
    rows.filter((c) => !(hasFixedEffects && c.term === '(Intercept)'));

  it('model statistics', () => {
    const fit = fitModel(data);
    expect(fit.n).toBe(model.fit.n);
    expect(fit.k).toBe(model.fit.k);
    expect(fit.dfResidual).toBe(model.fit.dfResidual);
    expect(fit.fDf).toEqual([model.fit.fNumDf, model.fit.fDenDf]);
    expectAgrees(fit.sigma, model.fit.sigma);
    expectAgrees(fit.r2, model.fit.r2);
    expectAgrees(fit.adjR2, model.fit.adjR2);
    expectAgrees(fit.f, model.fit.f);
    expectPAgrees(fit.fP, model.fit.fP);
    expectAgrees(fit.withinR2, model.fit.withinR2);
  });

  it('classical coefficients, standard errors, t, p, intervals and VIF', () => {
    const fit = fitModel(data);
    const expected = reportedTerms(model.fit.coefficients);
    expect(expected.length).toBeGreaterThanOrEqual(numericColumns);
    expect(fit.coefficients.map((c) => c.term)).toEqual(expected.map((c) => c.term));
    fit.coefficients.forEach((row, i) => {
      const ref = expected[i]!;
      expect(row.aliased).toBe(ref.aliased);
      for (const key of ['estimate', 'stdError', 't', 'ciLow', 'ciHigh'] as const) expectAgrees(row[key], ref[key]);
      expectPAgrees(row.p, ref.p);
      expectAgrees(row.vif, ref.vif ?? null);
    });
  });

  it('cluster-robust CR1 standard errors (sandwich::vcovCL HC1) with t on G − 1 df', () => {
    const fit = fitModel(data, { clustered: true });
    expect(fit.clusters).toEqual({
      column: model.cluster,
      count: model.fit.cluster.clusters,
      df: model.fit.cluster.df,
    });
    const expected = reportedTerms(model.fit.cluster.coefficients);
    expect(expected.length).toBeGreaterThanOrEqual(numericColumns);
    expect(fit.coefficients.map((c) => c.term)).toEqual(expected.map((c) => c.term));
    fit.coefficients.forEach((row, i) => {
      const ref = expected[i]!;
      for (const key of ['estimate', 'stdError', 't', 'ciLow', 'ciHigh'] as const) expectAgrees(row[key], ref[key]);
      expectPAgrees(row.p, ref.p);
    });
  });

  it.runIf(hasFixedEffects)('fixed-effect coefficients with treatment contrasts give R’s intercept', () => {
    const fit = fitModel(data, { fixedEffectCoefficients: true });
    const intercept = fit.fixedEffectCoefficients!.find((c) => c.term === '(Intercept)')!;
    expectAgrees(intercept.estimate, model.fit.coefficients.find((c) => c.term === '(Intercept)')!.estimate);
  });
});
