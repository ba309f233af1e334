import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain } from './run.js';

// decompose --control: groups held in every model; R² of the controls alone is its own row.
const reference = JSON.parse(readFileSync('tests/reference/controls-reference.json', 'utf8')) as {
  models: Record<string, { controlsR2: number; shapley: number[]; sequential: number[]; r2: number }>;
};
const model = reference.models.periodControl!;
const ARGS = [
  'decompose',
  'fixtures/reference-panel.csv',
  '--outcome',
  'y',
  '--group',
  'a=x1',
  '--group',
  'b=x2',
  '--fe',
  'period=period',
  '--group',
  'c=x3',
  '--control',
  'period',
];

interface Json {
  groups: { name: string; share: number }[];
  controls: { groups: string[]; columns: string[]; share: number; percent: number };
  unexplained: { share: number };
  unique?: { shared: { share: number } };
  r2: number;
}

describe('decompose --control', () => {
  it('reports the controls row and the other groups (JSON), agreeing with the R brute force to 1e-8', async () => {
    const result = await runMain([...ARGS, '--format', 'json']);
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout) as Json;
    expect(json.groups.map((g) => g.name)).toEqual(['a', 'b', 'c']);
    expect(json.controls.groups).toEqual(['period']);
    expect(json.controls.columns).toEqual(['period']);
    expect(Math.abs(json.controls.share - model.controlsR2)).toBeLessThan(1e-8);
    json.groups.forEach((g, i) => expect(Math.abs(g.share - model.shapley[i]!)).toBeLessThan(1e-8));
    const sum = json.controls.share + json.groups.reduce((s, g) => s + g.share, 0) + json.unexplained.share;
    expect(Math.abs(sum - 1)).toBeLessThan(1e-12);
  });

  it.each(['sequential', 'unique', 'commonality', 'dominance'])('adds up to 100%% with --method %s', async (method) => {
    const json = JSON.parse((await runMain([...ARGS, '--method', method, '--format', 'json'])).stdout) as Json & {
      commonality?: { sets: { share: number }[] };
    };
    const parts = json.commonality
      ? json.commonality.sets.reduce((s, set) => s + set.share, 0)
      : json.groups.reduce((s, g) => s + g.share, 0) + (json.unique?.shared.share ?? 0);
    expect(Math.abs(json.controls.share + parts + json.unexplained.share - 1)).toBeLessThan(1e-12);
  });

  it('prints a controls row in the table, CSV, Markdown and the figure', async () => {
    const table = (await runMain(ARGS)).stdout;
    expect(table).toMatch(/controls\s+4\.7%/);
    expect(table).toMatch(/total\s+100\.0%/);
    const csv = (await runMain([...ARGS, '--format', 'csv'])).stdout;
    expect(csv).toMatch(/^,controls,0\.0468077913456/m);
    expect((await runMain([...ARGS, '--format', 'markdown'])).stdout).toMatch(/\| controls \| 0\.0468078 \|/);
    expect((await runMain([...ARGS, '--format', 'svg'])).stdout).toContain('>controls<');
  });

  it('takes several controls, and the spec key "controls"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpp-controls-'));
    const spec = join(dir, 'spec.json');
    writeFileSync(spec, JSON.stringify({ controls: ['period', 'c'] }));
    const fromSpec = JSON.parse(
      (await runMain([...ARGS.slice(0, -2), '--spec', spec, '--format', 'json'])).stdout,
    ) as Json;
    const fromFlag = JSON.parse((await runMain([...ARGS.slice(0, -1), 'period,c', '--format', 'json'])).stdout) as Json;
    expect(fromSpec.controls.groups).toEqual(['period', 'c']);
    expect(fromSpec).toEqual(fromFlag);
    expect(fromSpec.groups.map((g) => g.name)).toEqual(['a', 'b']);
  });

  it('refuses what it does not combine with, and unknown groups', async () => {
    for (const extra of [['--bootstrap', '10'], ['--adjusted'], ['--method', 'owen'], ['--method', 'all']]) {
      const result = await runMain([...ARGS, ...extra]);
      expect(result.status, extra.join(' ')).not.toBe(0);
      expect(result.stderr).toMatch(/control/);
    }
    const unknown = await runMain([...ARGS.slice(0, -1), 'nope']);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/"nope", which is not a group/);
  });
});
