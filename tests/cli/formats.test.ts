import { describe, expect, it } from 'vitest';
import { runMain, SYNTHETIC } from './run.js';

const BASE_KEYS = [
  'schemaVersion',
  'command',
  'method',
  'file',
  'outcome',
  'n',
  'droppedRows',
  'missingAlone',
  'r2',
  'r2Percent',
  'estimator',
  'groups',
  'unexplained',
  'subsets',
  'notes',
];
// The method-specific sections the README documents, one per method.
const SECTIONS: Record<string, string[]> = {
  shapley: [],
  owen: ['owen'],
  sequential: ['sequential'],
  unique: ['unique'],
  commonality: ['commonality'],
  dominance: ['dominance'],
  all: ['comparison'],
};

describe('decompose --method M --format json follows the README layout', () => {
  it.each(Object.entries(SECTIONS))('%s', async (method, sections) => {
    const result = await runMain(['decompose', ...SYNTHETIC, '--method', method, '--format', 'json']);
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(Object.keys(json).sort()).toEqual([...BASE_KEYS, ...sections].sort());
    expect(json.method).toBe(method);
    for (const group of json.groups) {
      expect(Object.keys(group).sort()).toEqual(
        ['columns', 'kind', 'name', 'percent', 'share', ...(group.kind === 'fixed-effect' ? ['levels'] : [])].sort(),
      );
      expect(group.percent).toBeCloseTo(group.share * 100, 12);
    }
    if (method === 'owen') {
      expect(json.owen.columns.map((c: { column: string }) => c.column)).toEqual([
        'la',
        'idaci',
        'year',
        'spend',
        'vacancy',
      ]);
      const resources = json.owen.columns.filter((c: { group: string }) => c.group === 'resources');
      const total = resources.reduce((s: number, c: { share: number }) => s + c.share, 0);
      expect(total).toBeCloseTo(json.groups.find((g: { name: string }) => g.name === 'resources').share, 12);
    }
    if (method === 'sequential')
      expect(json.sequential.order).toEqual(['practice', 'deprivation', 'policy', 'resources']);
    if (method === 'unique') expect(Object.keys(json.unique.shared).sort()).toEqual(['percent', 'share']);
    if (method === 'commonality') {
      expect(json.commonality.sets).toHaveLength(15);
      const sum = json.commonality.sets.reduce((s: number, c: { share: number }) => s + c.share, 0);
      expect(sum).toBeCloseTo(json.r2, 10);
    }
    if (method === 'dominance') {
      expect(json.dominance.conditional).toHaveLength(4);
      expect(json.dominance.pairs).toHaveLength(6);
      expect(Object.keys(json.dominance.pairs[0]).sort()).toEqual(['a', 'b', 'complete', 'conditional', 'general']);
    }
    if (method === 'all') {
      expect(Object.keys(json.comparison.rows[0]).sort()).toEqual([
        'group',
        'owen',
        'sequential',
        'sequentialReverse',
        'shapley',
        'spread',
        'unique',
      ]);
    }
  });

  it('sequential --order changes the order of entry and the shares', async () => {
    const given = JSON.parse(
      (await runMain(['decompose', ...SYNTHETIC, '--method', 'sequential', '--format', 'json'])).stdout,
    );
    const reversed = JSON.parse(
      (
        await runMain([
          'decompose',
          ...SYNTHETIC,
          '--method',
          'sequential',
          '--order',
          'resources,policy,deprivation,practice',
          '--format',
          'json',
        ])
      ).stdout,
    );
    expect(reversed.sequential.order).toEqual(['resources', 'policy', 'deprivation', 'practice']);
    expect(reversed.groups[0].share).not.toBeCloseTo(given.groups[0].share, 3);
    const sum = (j: { groups: { share: number }[] }) => j.groups.reduce((s, g) => s + g.share, 0);
    expect(sum(reversed)).toBeCloseTo(sum(given), 12);
  });

  it('--method all prints the comparison table with a spread column', async () => {
    const result = await runMain(['decompose', ...SYNTHETIC, '--method', 'all']);
    expect(result.stdout).toMatch(/group\s+shapley\s+owen\s+sequential\s+reverse seq\.\s+unique\s+spread/);
    expect(result.stdout).toMatch(/^ {2}practice\s+\d+\.\d%/m);
  });
});

describe('fit on the command line', () => {
  it('prints the coefficient table with cluster-robust errors, agreeing with the JSON', async () => {
    const result = await runMain(['fit', ...SYNTHETIC, '--cluster', 'la']);
    expect(result.status).toBe(0);
    const idaci = JSON.parse(
      (await runMain(['fit', ...SYNTHETIC, '--cluster', 'la', '--format', 'json'])).stdout,
    ).coefficients.find((c: { term: string }) => c.term === 'idaci');
    const six = (v: number) => String(Number(v.toPrecision(6)));
    expect(result.stdout).toMatch(new RegExp(`^  idaci\\s+${six(idaci.estimate)}\\s+${six(idaci.stdError)}`, 'm'));
    expect(result.stdout).toMatch(/cluster-robust CR1 by la \(152 clusters; t on 151 df\)/);
  });

  it('JSON has the documented fields', async () => {
    const json = JSON.parse((await runMain(['fit', ...SYNTHETIC, '--format', 'json'])).stdout);
    for (const key of [
      'schemaVersion',
      'command',
      'n',
      'k',
      'dfResidual',
      'sigma',
      'r2',
      'adjR2',
      'withinR2',
      'f',
      'fP',
      'coefficients',
      'se',
      'clusters',
    ]) {
      expect(json).toHaveProperty(key);
    }
    expect(json.command).toBe('fit');
    expect(json.se).toBe('classical');
    expect(Object.keys(json.coefficients[0]).sort()).toEqual([
      'aliased',
      'ciHigh',
      'ciLow',
      'estimate',
      'p',
      'stdError',
      't',
      'term',
      'vif',
    ]);
  });

  it('reports an absorbed predictor as aliased, not as an error', async () => {
    const result = await runMain([
      'fit',
      'fixtures/reference-panel.csv',
      '--outcome',
      'y',
      '--fe',
      'unit=region_code',
      '--group',
      'a=x1,x3',
      '--format',
      'json',
    ]);
    expect(result.status).toBe(0);
    const x3 = JSON.parse(result.stdout).coefficients.find((c: { term: string }) => c.term === 'x3');
    expect(x3).toMatchObject({ aliased: true, estimate: null, stdError: null });
  });

  it('--no-intercept fits through the origin and refuses fixed effects', async () => {
    const json = JSON.parse(
      (
        await runMain([
          'fit',
          'fixtures/reference-panel.csv',
          '--outcome',
          'y',
          '--group',
          'a=x1',
          '--no-intercept',
          '--format',
          'json',
        ])
      ).stdout,
    );
    expect(json.coefficients.map((c: { term: string }) => c.term)).toEqual(['x1']);
    expect(json.intercept).toBe(false);
    const refused = await runMain(['fit', '--no-intercept']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(
      /--no-intercept: leaving out the intercept applies only to models without fixed effects/,
    );
  });
});

describe('CSV and Markdown output', () => {
  it('decompose --format csv: one row per group, numbers unrounded and summing to 1', async () => {
    const lines = (await runMain(['decompose', ...SYNTHETIC, '--format', 'csv'])).stdout.trimEnd().split('\n');
    // The synthetic panel's CSV says on every row that it is synthetic (a last `note` column).
    expect(lines[0]).toBe('group,kind,columns,levels,share,percent,note');
    const shares = lines.slice(1).map((line) => Number(line.split(',')[4]));
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('neutralises cells a spreadsheet would run as formulas', async () => {
    const csv = [
      'la,year,=cmd,y',
      ...Array.from({ length: 30 }, (_, i) => `A${i % 6},${2010 + (i % 5)},${(i * 7) % 11},${(i * 13) % 17}`),
    ].join('\n');
    const out = await runMain(
      ['decompose', '-', '--outcome', 'y', '--group', '@evil==cmd', '--fe', 'u=la', '--format', 'csv'],
      { stdin: csv },
    );
    expect(out.status).toBe(2); // '@evil' is not a valid group name: names cannot inject
    const ok = await runMain(
      ['decompose', '-', '--outcome', 'y', '--group', 'g==cmd', '--fe', 'u=la', '--format', 'csv'],
      { stdin: csv },
    );
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(",'=cmd,");
  });

  it('markdown renders a table with a header separator', async () => {
    const out = (await runMain(['fit', ...SYNTHETIC, '--format', 'markdown'])).stdout;
    expect(out).toMatch(/^\| term \| estimate \| std_error \|/m);
    expect(out).toMatch(/^\| --- \| ---: \|/m);
    expect(out).toMatch(/^\| idaci \| -?\d+\.\d+ \| \d+\.\d+ \|/m);
  });
});
