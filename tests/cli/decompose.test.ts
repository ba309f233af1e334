import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain, SYNTHETIC, SYNTHETIC_FILE, SYNTHETIC_MODEL } from './run.js';

const NAO = { practice: 44, deprivation: 15, policy: 10, resources: 6 };

describe('decompose on the command line', () => {
  // A REGRESSION test, not evidence that the split is right: the synthetic panel was made by `simulate --seed 2019`,
  // which adjusts the data until this same decomposition code gives the NAO's 44/15/10/6/25, so agreement is
  // guaranteed by construction. It catches a change to the numbers since the fixture was made (or to the CLI's
  // JSON); correctness is tested against independent computations (tests/reference/*.json from R, brute force).
  it(
    'regression: the synthetic NAO panel still gives the split it was calibrated to ' + '(within 1 point), via the CLI',
    async () => {
      const result = await runMain(['decompose', ...SYNTHETIC, '--format', 'json']);
      expect(result.status).toBe(0);
      const json = JSON.parse(result.stdout);
      expect(json.schemaVersion).toBe(1);
      expect(json.method).toBe('shapley');
      expect(json.n).toBe(912);
      for (const [name, percent] of Object.entries(NAO)) {
        const group = json.groups.find((g: { name: string }) => g.name === name);
        expect(Math.abs(group.percent - percent)).toBeLessThan(1);
      }
      expect(Math.abs(json.unexplained.percent - 25)).toBeLessThan(1);
      expect(json.notes.join(' ')).toMatch(/SYNTHETIC/);
    },
  );

  it('prints a table with every group, the unexplained rest and the synthetic-data note', async () => {
    const result = await runMain(['decompose', ...SYNTHETIC]);
    expect(result.status).toBe(0);
    for (const name of [...Object.keys(NAO), 'unexplained'])
      expect(result.stdout).toMatch(new RegExp(`^  ${name} .*\\d+\\.\\d%`, 'm'));
    expect(result.stdout).toMatch(/rows used: 912 of 912 \(0 dropped/);
    expect(result.stdout).toMatch(/fixed effects: la 152 levels, year 6 levels/);
    expect(result.stdout).toMatch(/R² = 0\.\d{4}; method: exact Shapley/);
    expect(result.stdout).toMatch(/SYNTHETIC/);
    expect(result.stdout).not.toMatch(/\u001b\[/); // no colour when not a terminal
  });

  it('works on a file with other column names, and its table and JSON agree', async () => {
    const args = [
      'decompose',
      'fixtures/reference-panel.csv',
      '--outcome',
      'y',
      '--fe',
      'unit=region_code',
      '--group',
      'a=x1,x2',
    ];
    const json = JSON.parse((await runMain([...args, '--format', 'json'])).stdout);
    expect(json.outcome).toBe('y');
    expect(json.droppedRows).toBe(3);
    expect(json.groups.map((g: { name: string }) => g.name)).toEqual(['unit', 'a']);
    expect(json.groups[0]).toMatchObject({ kind: 'fixed-effect', columns: ['region_code'], levels: 30 });
    expect(json.groups[1]).not.toHaveProperty('levels');
    const sum = json.groups.reduce((s: number, g: { share: number }) => s + g.share, 0) + json.unexplained.share;
    expect(sum).toBeCloseTo(1, 12);
    const table = (await runMain(args)).stdout;
    expect(table).toContain(`${json.groups[0].percent.toFixed(1)}%`);
    expect(table).toContain(`${json.unexplained.percent.toFixed(1)}%`);
    expect(table).not.toMatch(/SYNTHETIC/);
  });

  it('reads standard input with "-" and writes --output', async () => {
    const input = readFileSync(SYNTHETIC_FILE, 'utf8');
    const fromStdin = await runMain(['decompose', '-', ...SYNTHETIC_MODEL, '--format', 'json'], { stdin: input });
    expect(fromStdin.status).toBe(0);
    const json = JSON.parse(fromStdin.stdout);
    expect(json.file).toBe('<stdin>');
    const out = join(mkdtempSync(join(tmpdir(), 'cpv-out-')), 'split.json');
    const written = await runMain(['decompose', ...SYNTHETIC, '--format', 'json', '--output', out]);
    expect(written.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).groups).toEqual(json.groups);
  });

  it('accepts a BOM, CRLF line ends and extra missing markers', async () => {
    const input = readFileSync(SYNTHETIC_FILE, 'utf8');
    const crlf = `\ufeff${input.replaceAll('\n', '\r\n').replace(/(\r\nLA00[23],2013,)[0-9.]+/g, '$1.')}`;
    const result = await runMain(['decompose', '-', ...SYNTHETIC_MODEL, '--format', 'json', '--na', '.'], {
      stdin: crlf,
    });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ n: 910, droppedRows: 2 });
    expect((await runMain(['decompose', '-', ...SYNTHETIC_MODEL], { stdin: crlf })).stderr).toMatch(
      /row 9, column "idaci": "\." is not a number/,
    );
  });

  it('colours the bars only for a terminal without NO_COLOR', async () => {
    // FORCE_COLOR does not apply: colour is decided from the stream, so a pipe stays plain.
    expect((await runMain(['decompose'], { env: { FORCE_COLOR: '1' } })).stdout).not.toMatch(/\u001b\[/);
  });

  it('documents the defaults in --help', async () => {
    const result = await runMain(['decompose', '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      '--outcome cpp_rate --fe practice=la --group deprivation=child_poverty --fe policy=year --group ' +
        'resources=spend,vacancy',
    );
    expect(result.stdout).toContain('cpp_rate ~ child_poverty + spend + vacancy | la + year');
    expect(result.stdout).toMatch(
      /With no FILE it runs on fixtures\/england-la-panel\.csv:\s+real public data, 149 English local authorities/,
    );
    expect(result.stdout).toMatch(/SYNTHETIC panel\s+fixtures\/nao-2019-synthetic\.csv/);
    expect(result.stdout).toContain(
      'cpp-variance decompose fixtures/nao-2019-synthetic.csv --spec fixtures/nao-2019-analysis.json',
    );
  });

  it('simulate writes the synthetic NAO panel from seed 2019', async () => {
    const result = await runMain(['simulate', '--seed', '2019']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(readFileSync(SYNTHETIC_FILE, 'utf8'));
  });
});
