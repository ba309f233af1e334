import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from './run.js';

// The real panel of English authorities (fixtures/england-la-panel.csv) is rebuilt from the public extracts in
// fixtures/real/ by scripts/build-england-panel.sh, which runs only the BUILT cpp-variance CLI (derive, stack, join).
const PANEL = 'fixtures/england-la-panel.csv';
const MODEL = [
  '--outcome',
  'cpp_rate',
  '--fe',
  'practice=la',
  '--fe',
  'policy=year',
  '--group',
  'deprivation=child_poverty',
  '--group',
  'resources=spend,vacancy',
];

const folder = mkdtempSync(join(tmpdir(), 'cpv-england-'));
const rebuilt = join(folder, 'nested', 'england-la-panel.csv');
let build: { status: number | null; stdout: string; stderr: string };

beforeAll(() => {
  const result = spawnSync('bash', ['scripts/build-england-panel.sh', rebuilt], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  build = { status: result.status, stdout: result.stdout, stderr: result.stderr };
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('the real England panel', () => {
  it('is rebuilt from fixtures/real/ byte for byte by scripts/build-england-panel.sh', () => {
    expect(build.stderr).not.toMatch(/^error:/m);
    expect(build.status).toBe(0);
    expect(readFileSync(rebuilt).equals(readFileSync(PANEL))).toBe(true);
  });

  it('prints the join report with the authorities that cannot be matched on old_la_code', () => {
    expect(build.stderr).toMatch(/join \(inner\) on la, year: 4 inputs, 1,054 output rows/);
    expect(build.stderr).toMatch(/workforce\.csv: 6 rows published for several authorities jointly were split/);
    expect(build.stderr).toMatch(/la=928 "Northamptonshire" year=2022/);
    expect(build.stderr).toMatch(/old_la_code=836 "Poole" year=2016–2019/);
    expect(build.stderr).toMatch(/rows removed by --where "la != \\"201\\" & la != \\"420\\"": 14 of 1,054/);
    expect(build.stderr).toMatch(/derived cpp_rate: 18 of 1054 rows missing\n/);
  });

  it('stacks the 30 September 2015 and 2016 wide workforce files under the indicators file', () => {
    expect(build.stderr).toMatch(
      /stack: 3 inputs, 1112 output rows, columns old_la_code, la_name, time_period, vacancy_rate_fte/,
    );
    const lines = readFileSync(PANEL, 'utf8').trimEnd().split('\n');
    const header = lines[0]!.split(',');
    const [la, year, vacancy] = ['la', 'year', 'vacancy'].map((name) => header.indexOf(name));
    const cells = (line: string) => line.split(',');
    // Darlington (841): 12% at 30 September 2015 (SFR 07/2016), so 12 in panel year 2016.
    const sfr = readFileSync('fixtures/real/dfe_csww_la_2015_SFR07_2016_UD_extract.csv', 'utf8')
      .split('\n')
      .find((line) => line.includes(',841,'))!;
    const darlington2016 = lines.map(cells).find((row) => row[la!] === '841' && row[year!] === '2016')!;
    expect(sfr.split(',').at(-1)).toBe('12');
    expect(darlington2016[vacancy!]).toBe('12');
  });

  it('has the model columns, authorities keyed by the 3-digit DfE code and the years 2016–2022', () => {
    const lines = readFileSync(PANEL, 'utf8').trimEnd().split('\n');
    const header = lines[0]!.split(',');
    for (const column of ['la', 'year', 'cpp_rate', 'child_poverty', 'spend', 'vacancy'])
      expect(header).toContain(column);
    expect(header.slice(0, 2)).toEqual(['la', 'year']);
    const rows = lines.slice(1).map((line) => line.split(',', 2));
    expect(rows).toHaveLength(1040);
    expect(new Set(rows.map((r) => r[1]))).toEqual(new Set(['2016', '2017', '2018', '2019', '2020', '2021', '2022']));
    expect(rows.every((r) => /^\d{3}$/.test(r[0]!))).toBe(true);
  });

  it('decomposes: the shares and the unexplained part sum to 1', async () => {
    const result = await runMain(['decompose', PANEL, ...MODEL, '--format', 'json']);
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.n).toBe(1029);
    expect(json.droppedRows).toBe(11);
    expect(json.groups.map((g: { name: string }) => g.name)).toEqual([
      'practice',
      'policy',
      'deprivation',
      'resources',
    ]);
    expect(json.groups[0].levels).toBe(149);
    expect(json.groups[1].levels).toBe(7);
    const total = json.groups.reduce((sum: number, g: { share: number }) => sum + g.share, 0) + json.unexplained.share;
    expect(total).toBeCloseTo(1, 12);
    for (const g of json.groups) expect(g.share).toBeGreaterThanOrEqual(0);
    expect(json.notes.join(' ')).not.toMatch(/SYNTHETIC/);
  });
});
