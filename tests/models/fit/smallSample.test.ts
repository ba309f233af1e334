/**
 * `fit --cluster COL --ssc lm|nested`: whose small-sample convention the cluster-robust standard errors follow.
 * Reference values: scripts/reference/make-ssc-reference.R (sandwich::vcovCL HC1 on lm for "lm"; the HC0 sandwich
 * times (N − 1)/(N − K_nested) for "nested", K_nested checked there against fixest's documented rule).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildModelData } from '../../../src/models/design/modelData.js';
import { fitModel } from '../../../src/models/fit/fit.js';
import { panelFrom, testRandom } from '../../helpers.js';
import { runMain as run } from '../../cli/run.js';

interface ReferenceCase {
  name: string;
  fixedEffects: string[];
  cluster: string;
  n: number;
  clusters: number;
  kLm: number;
  kNested: number;
  nested: string[];
  ratio: number;
  coefficients: { term: string; estimate: number; stdErrorLm: number; stdErrorNested: number }[];
}

const reference = JSON.parse(readFileSync('tests/reference/ssc-reference.json', 'utf8')) as { cases: ReferenceCase[] };
const NUMERIC = ['child_poverty', 'spend', 'vacancy'];

const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

async function fitJson(c: ReferenceCase, rule: 'lm' | 'nested') {
  const result = await run([
    'fit',
    'fixtures/england-la-panel.csv',
    ...c.fixedEffects.flatMap((fe) => ['--fe', `${fe}=${fe}`]),
    ...NUMERIC.flatMap((column) => ['--group', `${column}=${column}`]),
    '--cluster',
    c.cluster,
    '--ssc',
    rule,
    '--format',
    'json',
  ]);
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

describe('--ssc: cluster-robust standard errors against R', () => {
  it.each(reference.cases.map((c) => [c.name, c] as const))(
    '%s: lm = sandwich::vcovCL(type = "HC1"), nested = fixest’s K',
    async (_, c) => {
      const lm = await fitJson(c, 'lm');
      const nested = await fitJson(c, 'nested');
      for (const json of [lm, nested]) {
        expect(json.n).toBe(c.n);
        expect(json.k).toBe(c.kLm);
        expect(json.clusters).toBe(c.clusters);
      }
      expect(lm.smallSample).toEqual({ rule: 'lm', k: c.kLm, nested: c.nested });
      expect(nested.smallSample).toEqual({ rule: 'nested', k: c.kNested, nested: c.nested });
      for (const expected of c.coefficients) {
        const a = lm.coefficients.find((row: { term: string }) => row.term === expected.term);
        const b = nested.coefficients.find((row: { term: string }) => row.term === expected.term);
        expect(relative(a.estimate, expected.estimate)).toBeLessThan(1e-9);
        expect(relative(a.stdError, expected.stdErrorLm)).toBeLessThan(1e-9);
        expect(relative(b.stdError, expected.stdErrorNested)).toBeLessThan(1e-9);
        expect(relative(b.stdError / a.stdError, c.ratio)).toBeLessThan(1e-12);
      }
    },
  );

  it('says in the table which convention the factor follows', async () => {
    const args = ['fit', '--cluster', 'la'];
    const lm = await run(args);
    const nested = await run([...args, '--ssc', 'nested']);
    expect(lm.stdout).toMatch(/small-sample K +158 \(--ssc lm: every dummy counted, as sandwich::vcovCL/);
    expect(nested.stdout).toMatch(/small-sample K +10 \(--ssc nested: practice nested in la not counted, as fixest\)/);
  });

  it('refuses --ssc nested without --cluster', async () => {
    const result = await run(['fit', '--ssc', 'nested']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--ssc nested .*give --cluster/);
  });
});

describe('the nested rule on a hand-worked panel', () => {
  // 12 rows: units A–D, A and B in cluster 1, C and D in cluster 2; periods 1–3 in both clusters.
  // K_lm = intercept + x + (4 − 1) units + (3 − 1) periods = 7. Units are nested in the clusters (each unit lies in
  // one), periods are not (each period meets both), so K_nested = 7 − (4 − 1) = 4, and the nested standard error is
  // the lm one times √((12 − 7)/(12 − 4)).
  const units = ['A', 'B', 'C', 'D'];
  const random = testRandom(11);
  const rows = units.flatMap((unit) => [1, 2, 3].map((period) => ({ unit, period, x: random.normal() })));
  const panel = panelFrom({
    unit: rows.map((r) => r.unit),
    period: rows.map((r) => `p${r.period}`),
    cluster: rows.map((r) => (r.unit === 'A' || r.unit === 'B' ? 'one' : 'two')),
    x: rows.map((r) => r.x),
    y: rows.map((r, i) => r.x + r.period + units.indexOf(r.unit) + random.normal() + (i % 2)),
  });
  const spec = {
    outcome: 'y',
    cluster: 'cluster',
    groups: [
      { name: 'units', kind: 'fixed-effect' as const, columns: ['unit'] },
      { name: 'periods', kind: 'fixed-effect' as const, columns: ['period'] },
      { name: 'x', kind: 'numeric' as const, columns: ['x'] },
    ],
  };

  it('leaves out the levels − 1 of the nested fixed effect only', () => {
    const data = buildModelData(panel, spec);
    const lm = fitModel(data, { clustered: true });
    const nested = fitModel(data, { clustered: true, ssc: 'nested' });
    expect(lm.k).toBe(7);
    expect(lm.smallSample).toEqual({ rule: 'lm', k: 7, nested: ['units'] });
    expect(nested.smallSample).toEqual({ rule: 'nested', k: 4, nested: ['units'] });
    const ratio = nested.coefficients[0]!.stdError! / lm.coefficients[0]!.stdError!;
    expect(relative(ratio, Math.sqrt((12 - 7) / (12 - 4)))).toBeLessThan(1e-14);
    // Nothing else changes: estimates, K, residual df.
    expect(nested.coefficients[0]!.estimate).toBe(lm.coefficients[0]!.estimate);
    expect(nested.dfResidual).toBe(lm.dfResidual);
  });

  it('with every fixed effect nested keeps the intercept (K = slopes + 1)', () => {
    const data = buildModelData(panel, { ...spec, groups: [spec.groups[0]!, spec.groups[2]!] });
    const nested = fitModel(data, { clustered: true, ssc: 'nested' });
    expect(nested.k).toBe(5);
    expect(nested.smallSample).toEqual({ rule: 'nested', k: 2, nested: ['units'] });
  });
});
