import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGLAND_NOTE } from '../../src/commands/data.js';
import { type CliResult, runMain, SYNTHETIC, SYNTHETIC_FILE } from './run.js';

// With no file and no model, every model command reads the real England panel with the default model
// cpp_rate ~ child_poverty + spend + vacancy | la + year. The reference values are R's, computed from the same file
// by scripts/reference/make-fit-reference.R (model "england"): lm() on factor dummies, sandwich::vcovCL for CR1.
const PANEL = 'fixtures/england-la-panel.csv';
const EXPLICIT = [
  PANEL,
  '--fe',
  'practice=la',
  '--group',
  'deprivation=child_poverty',
  '--fe',
  'policy=year',
  '--group',
  'resources=spend,vacancy',
];

interface ReferenceCoefficient {
  term: string;
  estimate: number;
  stdError: number;
}
const R = JSON.parse(readFileSync('tests/reference/fit-reference.json', 'utf8')).models.england as {
  fixture: string;
  groups: { name: string; kind: string; columns: string[] }[];
  cluster: string;
  fit: { n: number; r2: number; cluster: { clusters: number; coefficients: ReferenceCoefficient[] } };
  shapley: number[];
  sequential: number[];
  sequentialReverse: number[];
  sequentialReverseOrder: string[];
  unique: number[];
};

/** Relative agreement to 1e-8 (absolute below 1), as in the in-process reference tests. */
const agrees = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-8 * Math.max(1, Math.abs(expected)));

/** The panel's data rows and the distinct values of its la and year columns, read here as plain text. */
const panelRows = readFileSync(PANEL, 'utf8').trimEnd().split('\n').slice(1);

const folder = mkdtempSync(join(tmpdir(), 'cpv-default-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('decompose with no file and no model', () => {
  let result: CliResult;
  let json: ReturnType<typeof JSON.parse>;
  beforeAll(async () => {
    result = await runMain(['decompose', '--format', 'json']);
    json = JSON.parse(result.stdout);
  });

  it('reads the England panel with cpp_rate ~ child_poverty + spend + vacancy | la + year', () => {
    expect(result.status).toBe(0);
    expect(R.fixture).toBe(PANEL);
    expect(json.file).toBe(PANEL);
    expect(json.outcome).toBe('cpp_rate');
    expect(
      json.groups.map((g: { name: string; kind: string; columns: string[] }) => ({
        name: g.name,
        kind: g.kind,
        columns: g.columns,
      })),
    ).toEqual(R.groups);
    expect(json.n).toBe(R.fit.n);
    expect(json.droppedRows).toBe(panelRows.length - R.fit.n);
  });

  it("gives R's Shapley values and R² to 1e-8", () => {
    agrees(json.r2, R.fit.r2);
    R.shapley.forEach((value, g) => agrees(json.groups[g].share, value));
    agrees(json.unexplained.share, 1 - R.fit.r2);
  });

  it('prints the same split in its table, rounded to one decimal, with the England note', async () => {
    const table = await runMain(['decompose']);
    expect(table.status).toBe(0);
    R.groups.forEach((group, g) => {
      expect(table.stdout).toMatch(new RegExp(`^  ${group.name} .* ${(R.shapley[g]! * 100).toFixed(1)}%`, 'm'));
    });
    expect(table.stdout).toMatch(new RegExp(`^  unexplained .* ${((1 - R.fit.r2) * 100).toFixed(1)}%`, 'm'));
    expect(table.stdout).toContain(
      `rows used: ${R.fit.n} of ${panelRows.length} (${panelRows.length - R.fit.n} dropped for missing values)`,
    );
    expect(table.stdout).toContain(`data: ${PANEL}\nnote: ${ENGLAND_NOTE}\n`);
    expect(table.stdout).not.toMatch(/SYNTHETIC/);
  });

  it('says what the data are, and the note agrees with the file: 149 authorities used, 2016–2022', () => {
    expect(json.notes).toEqual([ENGLAND_NOTE]);
    expect(ENGLAND_NOTE).toMatch(
      new RegExp(
        '^real public data: 149 English local authorities \\(not all in every year\\), ' +
          '2016–2022 \\(.*fixtures/real/SOURCES\\.md\\), rebuilt by scripts/build-england-panel\\.sh$',
      ),
    );
    const [practice, , policy] = json.groups;
    expect(practice.levels).toBe(149);
    expect(R.fit.cluster.clusters).toBe(149);
    expect(policy.levels).toBe(7);
    expect([...new Set(panelRows.map((row) => row.split(',')[1]))].sort()).toEqual([
      '2016',
      '2017',
      '2018',
      '2019',
      '2020',
      '2021',
      '2022',
    ]);
  });

  it('is byte for byte the run that names the file and the model', async () => {
    expect((await runMain(['decompose', ...EXPLICIT, '--format', 'json'])).stdout).toBe(result.stdout);
  });

  it("--method all: R's sequential increments in both orders and unique contributions", async () => {
    const all = JSON.parse((await runMain(['decompose', '--method', 'all', '--format', 'json'])).stdout);
    const rows = new Map(all.comparison.rows.map((row: Record<string, number>) => [row.group, row]));
    R.groups.forEach((group, g) => {
      const row = rows.get(group.name) as Record<string, number>;
      agrees(row.shapley!, R.shapley[g]!);
      agrees(row.owen!, R.shapley[g]!);
      agrees(row.sequential!, R.sequential[g]!);
      agrees(row.sequentialReverse!, R.sequentialReverse[R.sequentialReverseOrder.indexOf(group.name)]!);
      agrees(row.unique!, R.unique[g]!);
    });
  });
});

describe('the other commands with no file', () => {
  it("fit: R's coefficients and CR1 standard errors by la", async () => {
    const json = JSON.parse((await runMain(['fit', '--cluster', 'la', '--format', 'json'])).stdout);
    expect(json.file).toBe(PANEL);
    expect(json.notes).toContain(ENGLAND_NOTE);
    expect(json.clusters).toBe(R.fit.cluster.clusters);
    const terms = R.fit.cluster.coefficients.filter((c) => c.term !== '(Intercept)');
    expect(json.coefficients.map((c: { term: string }) => c.term)).toEqual(terms.map((c) => c.term));
    terms.forEach((c, i) => {
      agrees(json.coefficients[i].estimate, c.estimate);
      agrees(json.coefficients[i].stdError, c.stdError);
    });
  });

  it('report: the England panel, its SHA-256 and its note', async () => {
    const out = join(folder, 'report.html');
    expect((await runMain(['report', '--output', out])).status).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain(PANEL);
    expect(html).toContain(createHash('sha256').update(readFileSync(PANEL)).digest('hex'));
    expect(html).toContain('real public data: 149 English local authorities');
    expect(html).not.toMatch(/SYNTHETIC/);
  });

  it('describe: the England panel, every row', async () => {
    const json = JSON.parse((await runMain(['describe', '--format', 'json'])).stdout);
    expect(json.file).toBe(PANEL);
    expect(json.rows).toBe(panelRows.length);
  });
});

describe('the synthetic NAO panel, named explicitly', () => {
  it('still carries the synthetic note, also through the committed analysis spec', async () => {
    const json = JSON.parse((await runMain(['decompose', ...SYNTHETIC, '--format', 'json'])).stdout);
    expect(json.file).toBe(SYNTHETIC_FILE);
    expect(json.notes.join(' ')).toMatch(/SYNTHETIC/);
    const spec = JSON.parse(
      (
        await runMain([
          'decompose',
          '--spec',
          'fixtures/nao-2019-analysis.json',
          '--bootstrap',
          '20',
          '--format',
          'json',
        ])
      ).stdout,
    );
    expect(spec.groups.map((g: { columns: string[] }) => g.columns)).toEqual([
      ['la'],
      ['idaci'],
      ['year'],
      ['spend', 'vacancy'],
    ]);
    expect(spec.notes.join(' ')).toMatch(/SYNTHETIC/);
  });
});

describe('a file without the default model columns', () => {
  const HINT =
    'the default model is cpp_rate ~ child_poverty + spend + vacancy | la + year (give yours with --formula, ' +
    'or --group and --fe)';

  it('is told what the default model is and how to give another, in one line', async () => {
    const result = await runMain(['decompose', SYNTHETIC_FILE]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `error: ${SYNTHETIC_FILE}: column "child_poverty" not found; ${HINT}; the columns are: la, year, idaci, spend, ` +
        'vacancy, cpp_rate\n',
    );
    expect((await runMain(['fit', SYNTHETIC_FILE])).stderr).toContain(HINT);
    expect((await runMain(['report', SYNTHETIC_FILE])).stderr).toContain(HINT);
  });

  it('is not given the hint when the model was given', async () => {
    const grouped = await runMain([
      'decompose',
      SYNTHETIC_FILE,
      '--fe',
      'practice=la',
      '--group',
      'deprivation=child_poverty',
    ]);
    expect(grouped.stderr).toBe(
      `error: ${SYNTHETIC_FILE}: column "child_poverty" not found; the columns are: la, year, idaci, spend, ` +
        'vacancy, cpp_rate\n',
    );
    const formula = await runMain(['decompose', SYNTHETIC_FILE, '--formula', 'cpp_rate ~ child_poverty | la']);
    expect(formula.stderr).not.toContain('default model');
    expect(formula.stderr).toMatch(/column "child_poverty" not found/);
  });

  it('meets the default model through --derive, with the same split as the explicit model', async () => {
    const derived = await runMain([
      'decompose',
      SYNTHETIC_FILE,
      '--derive',
      'child_poverty = idaci',
      '--format',
      'json',
    ]);
    expect(derived.status, derived.stderr).toBe(0);
    const explicit = JSON.parse((await runMain(['decompose', ...SYNTHETIC, '--format', 'json'])).stdout);
    expect(JSON.parse(derived.stdout).groups.map((g: { share: number }) => g.share)).toEqual(
      explicit.groups.map((g: { share: number }) => g.share),
    );
  });
});
