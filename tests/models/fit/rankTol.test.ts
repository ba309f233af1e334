/**
 * `fit --rank-tol T` is R's lm(tol = T), passed to the QR's rank test. NIST's Filip (a degree-10 polynomial) has a
 * power whose part not explained by the lower ones is about 5e-8 of its norm: at R's default 1e-7 it is aliased (as
 * lm() does), at 1e-10 every power is kept and the certified coefficients are met (fixtures/nist-strd; see the
 * NIST test of the solver, tests/models/fit/nist.test.ts).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nistDesignColumns, parseNistDataset } from '../../../src/io/nist.js';
import { buildModelData } from '../../../src/models/design/modelData.js';
import { fitModel } from '../../../src/models/fit/fit.js';
import { panelFrom } from '../../helpers.js';
import { runMain as run } from '../../cli/run.js';

const filip = parseNistDataset(readFileSync('fixtures/nist-strd/Filip.dat', 'utf8'));
const powers = nistDesignColumns(filip).slice(1); // x, x², …, x¹⁰ (the intercept is the model's own)
const names = powers.map((_, j) => `x${j + 1}`);

/** Filip as a CSV (numbers in full precision: String() of a double reads back as the same double). */
function filipCsv(): string {
  const folder = mkdtempSync(join(tmpdir(), 'cpv-filip-'));
  const path = join(folder, 'filip.csv');
  const lines = [['y', ...names].join(',')];
  filip.y.forEach((y, i) => lines.push([y, ...powers.map((column) => column[i]!)].map(String).join(',')));
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** Correct significant digits of `computed` against `certified` (McCullough's LRE, capped at 15). */
function lre(computed: number, certified: number): number {
  return Math.min(15, -Math.log10(Math.abs(computed - certified) / Math.abs(certified)));
}

const FORMULA = `y ~ ${names.join(' + ')}`;

describe('fit --rank-tol on NIST Filip', () => {
  const path = filipCsv();

  it('with 1e-10 keeps every power and meets the certified coefficients to 7 digits', async () => {
    const result = await run(['fit', path, '--formula', FORMULA, '--rank-tol', '1e-10', '--format', 'json']);
    expect(result.status, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.rankTolerance).toBe(1e-10);
    expect(json.k).toBe(11);
    const estimates = json.coefficients.map((c: { estimate: number }) => c.estimate);
    expect(json.coefficients.map((c: { term: string }) => c.term)).toEqual(['(Intercept)', ...names]);
    const digits = estimates.map((b: number, j: number) => lre(b, filip.certified.coefficients[j]!));
    expect(Math.min(...digits)).toBeGreaterThanOrEqual(7);
  });

  it('with the default (1e-7, as lm) declares one power aliased', async () => {
    const result = await run(['fit', path, '--formula', FORMULA, '--format', 'json']);
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.rankTolerance).toBe(1e-7);
    expect(json.k).toBe(10);
    expect(json.coefficients.filter((c: { aliased: boolean }) => c.aliased)).toHaveLength(1);
  });

  it('refuses a tolerance outside (0, 1)', async () => {
    for (const value of ['0', '1', '-1e-7', '2']) {
      const result = await run(['fit', path, '--formula', FORMULA, '--rank-tol', value]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/--rank-tol/);
    }
  });
});

describe('fitModel rankTolerance reaches the test for columns reduced to noise by absorbing a fixed effect', () => {
  // z = 1e-8 × (a column that varies within units) + a unit-level constant: absorbing the units leaves about 3e-10 of
  // its centred norm or less, aliased at 1e-7 and kept at 1e-10.
  const units = ['a', 'a', 'a', 'b', 'b', 'b', 'c', 'c', 'c', 'd', 'd', 'd'];
  const within = [1, -2, 1, 2, 0, -2, -1, 3, -2, 0, 1, -1];
  const level = { a: 10, b: -4, c: 7, d: 1 } as Record<string, number>;
  const z = units.map((u, i) => level[u]! + 1e-9 * within[i]!);
  const x = [0.3, 1.2, -0.7, 2.1, 0.4, -1.5, 0.9, -0.2, 1.7, -0.6, 0.8, 0.1];
  const y = x.map((v, i) => 2 * v + within[i]! + (i % 3));
  const spec = {
    outcome: 'y',
    groups: [
      { name: 'units', kind: 'fixed-effect' as const, columns: ['unit'] },
      { name: 'x', kind: 'numeric' as const, columns: ['x'] },
      { name: 'z', kind: 'numeric' as const, columns: ['z'] },
    ],
  };
  const data = () => buildModelData(panelFrom({ unit: units, x, z, y }), spec);

  it('aliases z at the default and estimates it at 1e-12', () => {
    expect(fitModel(data()).coefficients.find((c) => c.term === 'z')!.aliased).toBe(true);
    expect(fitModel(data(), { rankTolerance: 1e-12 }).coefficients.find((c) => c.term === 'z')!.aliased).toBe(false);
  });
});
