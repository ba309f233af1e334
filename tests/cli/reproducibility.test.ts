import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runMain, SYNTHETIC, SYNTHETIC_FILE } from './run.js';

const NAO = 'practice=44,deprivation=15,policy=10,resources=6,unexplained=25';

describe('--expect for CI jobs', () => {
  it('exits 0 when every share is within the tolerance', async () => {
    const result = await runMain(['decompose', ...SYNTHETIC, '--expect', NAO, '--tolerance', '1']);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
  });

  // End to end: the exit code as the shell sees it, and the output on stdout kept apart from the misses on stderr.
  it('exits 3 with one stderr line per miss, after printing the output', () => {
    const result = runCli([
      'decompose',
      ...SYNTHETIC,
      '--expect',
      'practice=40,deprivation=15,unexplained=30',
      '--tolerance',
      '1',
    ]);
    expect(result.status).toBe(3);
    expect(result.stdout).toMatch(/practice/);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      'practice: got 44.0, expected 40 ± 1',
      'unexplained: got 25.0, expected 30 ± 1',
      'error: 2 of 3 expected shares missed',
    ]);
  });

  it('uses a default tolerance of 0.5 points', async () => {
    expect((await runMain(['decompose', ...SYNTHETIC, '--expect', 'practice=44.4'])).status).toBe(0);
    expect((await runMain(['decompose', ...SYNTHETIC, '--expect', 'practice=44.6'])).status).toBe(3);
  });

  it('rejects unknown names', async () => {
    const result = await runMain(['decompose', ...SYNTHETIC, '--expect', 'poverty=10']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/"poverty", which is not a group/);
  });

  it('with --expect-within-ci passes when the expected value is inside the interval', async () => {
    const inside = await runMain([
      'decompose',
      ...SYNTHETIC,
      '--bootstrap',
      '100',
      '--expect',
      'practice=46,policy=11',
      '--expect-within-ci',
    ]);
    expect(inside.status).toBe(0);
    const outside = await runMain([
      'decompose',
      ...SYNTHETIC,
      '--bootstrap',
      '100',
      '--expect',
      'practice=60',
      '--expect-within-ci',
    ]);
    expect(outside.status).toBe(3);
    expect(outside.stderr).toMatch(/^practice: got 44\.0 \[\d+\.\d, \d+\.\d\], expected 60 inside the interval$/m);
    expect(
      (await runMain(['decompose', ...SYNTHETIC, '--expect', 'practice=44', '--expect-within-ci'])).stderr,
    ).toMatch(/needs --bootstrap/);
  });
});

describe('bootstrap output', () => {
  it('is byte-identical for the same seed and differs for another', async () => {
    const args = ['decompose', ...SYNTHETIC, '--bootstrap', '150', '--seed', '42', '--format', 'json'];
    const first = (await runMain(args)).stdout;
    expect((await runMain(args)).stdout).toBe(first);
    expect((await runMain([...args.slice(0, -4), '--seed', '43', '--format', 'json'])).stdout).not.toBe(first);
  });

  // End to end: worker threads run only from the built dist/ (from the sources the work stays on this thread).
  it('is byte-identical with 1 and 2 worker threads', () => {
    const args = [
      'decompose',
      ...SYNTHETIC,
      '--bootstrap',
      '120',
      '--seed',
      '9',
      '--ci-type',
      'bca',
      '--format',
      'json',
    ];
    expect(runCli([...args, '--workers', '2']).stdout).toBe(runCli([...args, '--workers', '1']).stdout);
  });

  it('adds se, ciLow, ciHigh and the bootstrap block to the JSON', async () => {
    const json = JSON.parse(
      (
        await runMain([
          'decompose',
          ...SYNTHETIC,
          '--bootstrap',
          '100',
          '--seed',
          '5',
          '--ci',
          '0.9',
          '--format',
          'json',
        ])
      ).stdout,
    );
    expect(json.bootstrap).toEqual({
      replicates: 100,
      failed: 0,
      cluster: 'la',
      clusters: 152,
      seed: 5,
      ci: 0.9,
      type: 'percentile',
      failures: [],
    });
    for (const row of [...json.groups, json.unexplained]) {
      expect(row.ciLow).toBeLessThanOrEqual(row.share);
      expect(row.ciHigh).toBeGreaterThanOrEqual(row.share);
      expect(row.se).toBeGreaterThan(0);
    }
  });

  it('prints intervals and whiskers in the table', async () => {
    const out = (await runMain(['decompose', ...SYNTHETIC, '--bootstrap', '100', '--ci-type', 'bca'])).stdout;
    expect(out).toMatch(/95% CI/);
    expect(out).toMatch(/^ {2}practice .*44\.0%\s+\[\d+\.\d, \d+\.\d\]\s+█+▓*─*┤?/m);
    expect(out).toMatch(/95% BCa intervals from 100 bootstrap replicates resampling clusters of la \(152\), seed 1/);
  });

  it('resamples rows with --cluster none and refuses commonality', async () => {
    const json = JSON.parse(
      (await runMain(['decompose', ...SYNTHETIC, '--bootstrap', '50', '--cluster', 'none', '--format', 'json'])).stdout,
    );
    expect(json.bootstrap.cluster).toBe('none');
    expect(json.bootstrap.clusters).toBe(912);
    expect((await runMain(['decompose', ...SYNTHETIC, '--bootstrap', '50', '--method', 'commonality'])).status).toBe(2);
  });

  it('shows no progress bar when stderr is not a terminal', async () => {
    expect((await runMain(['decompose', ...SYNTHETIC, '--bootstrap', '50'])).stderr).toBe('');
  });
});

describe('exact Shapley values on worker threads', () => {
  // End to end, as above: real worker threads.
  it('are identical with 1 and 2 workers (16 groups: 16 blocks of 4,096 subsets)', () => {
    const folder = mkdtempSync(join(tmpdir(), 'cpv-workers-'));
    const path = join(folder, 'wide.csv');
    const p = 16;
    let state = 7;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296 - 0.5;
    const lines = [['y', ...Array.from({ length: p }, (_, j) => `x${j}`)].join(',')];
    for (let i = 0; i < 300; i++) {
      const common = next();
      const x = Array.from({ length: p }, () => common + next());
      lines.push([x.reduce((s, v, j) => s + ((j % 3) - 1) * v, 0) + next(), ...x].map((v) => v.toFixed(6)).join(','));
    }
    writeFileSync(path, `${lines.join('\n')}\n`);
    const args = [
      'decompose',
      path,
      '--outcome',
      'y',
      ...Array.from({ length: p }, (_, j) => ['--group', `x${j}=x${j}`]).flat(),
      '--format',
      'json',
    ];
    const one = runCli([...args, '--workers', '1']);
    expect(one.status).toBe(0);
    expect(runCli([...args, '--workers', '2']).stdout).toBe(one.stdout);
  });
});

describe('--compare nao2019', () => {
  it('adds the published split beside ours, labelled with its source', async () => {
    const table = (await runMain(['decompose', ...SYNTHETIC, '--compare', 'nao2019'])).stdout;
    expect(table).toMatch(/NAO 2019/);
    expect(table).toMatch(/^ {2}practice .*44\.0%\s+44\.0%/m);
    expect(table).toMatch(/National Audit Office \(2019\)/);
    const json = JSON.parse(
      (await runMain(['decompose', ...SYNTHETIC, '--compare', 'nao2019', '--format', 'json'])).stdout,
    );
    expect(json.groups.map((g: { published: number }) => g.published)).toEqual([0.44, 0.15, 0.1, 0.06]);
    expect(json.unexplained.published).toBe(0.25);
    expect(json.compare.key).toBe('nao2019');
    expect((await runMain(['decompose', ...SYNTHETIC, '--compare', 'ons2020'])).stderr).toMatch(
      /--compare \/ "compare": "ons2020" is not one of nao2019/,
    );
  });
});

describe('--spec analysis.json', () => {
  it(
    'runs the committed example spec (data path relative to the spec): ' +
      'the NAO reproduction on the synthetic panel',
    async () => {
      const result = await runMain(['decompose', '--spec', 'fixtures/nao-2019-analysis.json', '--format', 'json']);
      expect(result.status).toBe(0); // its expectations, 44/15/10/6/25 within 1 point, are met
      const json = JSON.parse(result.stdout);
      expect(json.file).toBe(SYNTHETIC_FILE);
      expect(json.groups.map((g: { name: string; columns: string[] }) => [g.name, ...g.columns])).toEqual([
        ['practice', 'la'],
        ['deprivation', 'idaci'],
        ['policy', 'year'],
        ['resources', 'spend', 'vacancy'],
      ]);
      expect(json.bootstrap).toMatchObject({ replicates: 200, seed: 2019, cluster: 'la' });
      expect(json.compare.key).toBe('nao2019');
    },
  );

  it('lets flags override the spec', async () => {
    const json = JSON.parse(
      (
        await runMain([
          'decompose',
          '--spec',
          'fixtures/nao-2019-analysis.json',
          '--bootstrap',
          '30',
          '--seed',
          '3',
          '--method',
          'unique',
          '--format',
          'json',
        ])
      ).stdout,
    );
    expect(json.method).toBe('unique');
    expect(json.bootstrap).toMatchObject({ replicates: 30, seed: 3 });
  });

  it('fails with exit 3 when the spec expectations miss, and names bad keys', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'cpv-spec-'));
    const missing = join(folder, 'miss.json');
    const groups = [
      { name: 'practice', fe: 'la' },
      { name: 'deprivation', columns: ['idaci'] },
      { name: 'policy', fe: 'year' },
      { name: 'resources', columns: ['spend', 'vacancy'] },
    ];
    writeFileSync(
      missing,
      JSON.stringify({ data: join(process.cwd(), SYNTHETIC_FILE), groups, expect: { practice: 30 } }),
    );
    expect((await runMain(['decompose', '--spec', missing])).status).toBe(3);
    const typo = join(folder, 'typo.json');
    writeFileSync(typo, JSON.stringify({ methdo: 'owen' }));
    const bad = await runMain(['decompose', '--spec', typo]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/typo\.json: unknown key "methdo" in the spec/);
    const group = join(folder, 'group.json');
    writeFileSync(group, JSON.stringify({ groups: [{ name: 'x', columns: ['a'], fe: 'b' }] }));
    expect((await runMain(['decompose', '--spec', group])).stderr).toMatch(
      /needs exactly one of "columns" \(numeric\) or "fe"/,
    );
  });
});
