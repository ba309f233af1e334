/**
 * Ranking many measures: `--sort share|name|given`, the compact layout when every group is one numeric column
 * (rank, measure, share, ±se, bar), the transposed `--by` layout (measures as rows, levels as columns), and the
 * same order in Markdown, CSV and SVG; JSON keeps the order given and adds each group's rank. Orders and ranks
 * are checked against the shares of the JSON output, sorted here.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { displayOrder, shareRanks } from '../../src/report/ranking.js';
import { testRandom } from '../helpers.js';
import { runMain as run } from '../cli/run.js';

const folder = mkdtempSync(join(tmpdir(), 'cpv-ranking-'));

/** Names like the ones researchers screen: long, with digits, not in alphabetical order. */
const MEASURE_NAMES = [
  'children_in_need_rate',
  'idaci_score_2019',
  'spend_per_child_gbp',
  'social_worker_vacancy',
  'agency_worker_share',
  'caseload_per_worker',
  'ofsted_rating_good',
  'looked_after_rate',
  'care_leavers_in_touch',
  'early_help_spend',
  'youth_offending_rate',
  'school_exclusions_rate',
  'free_school_meals_pct',
  'lone_parent_households',
  'housing_overcrowding',
  'domestic_abuse_rate',
  'adult_mental_health',
  'substance_misuse_rate',
  'unemployment_rate',
  'median_income_gbp',
  'population_density',
  'urban_rural_index',
  'ethnic_diversity_idx',
  'teen_pregnancy_rate',
  'referral_rate_10k',
  're_referral_pct',
  'assessments_per_10k',
  'section47_per_10k',
];

/** An authority × year panel: `count` measures with different effects on y, 7 years, 40 authorities. */
function measuresFile(count: number, seed = 3): { path: string; names: string[] } {
  const names = MEASURE_NAMES.slice(0, count);
  const random = testRandom(seed);
  const lines = [['la', 'year', 'y', ...names].join(',')];
  for (let la = 0; la < 40; la++) {
    for (let year = 2016; year <= 2022; year++) {
      const x = names.map(() => random.normal());
      const y = x.reduce((sum, v, j) => sum + v * (1 + ((j * 7) % 11)) * 0.3, 0) + 3 * random.normal();
      lines.push([`L${la}`, year, y, ...x].join(','));
    }
  }
  const path = join(folder, `measures-${count}.csv`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return { path, names };
}

const formulaOf = (names: readonly string[]) => `y ~ ${names.join(' + ')}`;

/** The group names in the order the table prints them (rows between the header and the unexplained row). */
function tableOrder(text: string, names: readonly string[]): string[] {
  const found: string[] = [];
  for (const line of text.split('\n')) {
    const cells = line.trim().split(/\s+/);
    const name = cells.find((cell) => names.includes(cell));
    if (name !== undefined && !found.includes(name)) found.push(name);
  }
  return found;
}

/** Largest share first, ties by name: the order --sort share must give, computed here from the JSON. */
function byShareHere(groups: readonly { name: string; share: number }[]): string[] {
  return [...groups].sort((a, b) => b.share - a.share || (a.name < b.name ? -1 : 1)).map((group) => group.name);
}

describe('the order of groups (unit)', () => {
  const items = [
    { name: 'b', share: 0.2 },
    { name: 'x10', share: 0.1 },
    { name: 'a', share: 0.2 },
    { name: 'x2', share: 0.3 },
    { name: 'c', share: Number.NaN },
  ];

  it('given keeps the model order; share is largest first with ties by name, NaN last; name is natural', () => {
    expect(displayOrder(items, 'given')).toEqual([0, 1, 2, 3, 4]);
    expect(displayOrder(items, 'share').map((i) => items[i]!.name)).toEqual(['x2', 'a', 'b', 'x10', 'c']);
    expect(displayOrder(items, 'name').map((i) => items[i]!.name)).toEqual(['a', 'b', 'c', 'x2', 'x10']);
    expect(shareRanks(items)).toEqual([3, 4, 2, 1, 5]);
  });

  it('shares equal but for rounding noise are ties, ordered by name whatever the order given', () => {
    const noisy = [
      { name: 'zeta', share: 0.1 + 0.2 }, // 0.30000000000000004
      { name: 'alpha', share: 0.3 },
    ];
    expect(displayOrder(noisy, 'share').map((i) => noisy[i]!.name)).toEqual(['alpha', 'zeta']);
    expect(displayOrder([...noisy].reverse(), 'share').map((i) => [...noisy].reverse()[i]!.name)).toEqual([
      'alpha',
      'zeta',
    ]);
  });
});

describe('--sort on the decompose table', () => {
  const { path, names } = measuresFile(10);
  const formula = formulaOf(names);

  it('share: largest first, as the JSON shares sorted here; given: the formula; name: alphabetical', async () => {
    const json = JSON.parse((await run(['decompose', path, '--formula', formula, '--format', 'json'])).stdout);
    const bySort = async (sort: string) =>
      tableOrder((await run(['decompose', path, '--formula', formula, '--sort', sort])).stdout, names);
    expect(await bySort('share')).toEqual(byShareHere(json.groups));
    expect(await bySort('given')).toEqual(names);
    expect(await bySort('name')).toEqual([...names].sort());
    expect(byShareHere(json.groups)).not.toEqual(names);
  });

  it('the default is given, and the JSON keeps that order with a rank per group only when sorted', async () => {
    const plain = JSON.parse((await run(['decompose', path, '--formula', formula, '--format', 'json'])).stdout);
    const sorted = JSON.parse(
      (await run(['decompose', path, '--formula', formula, '--format', 'json', '--sort', 'share'])).stdout,
    );
    expect(plain.sort).toBeUndefined();
    expect(plain.groups.some((g: { rank?: number }) => g.rank !== undefined)).toBe(false);
    expect(sorted.sort).toBe('share');
    expect(sorted.groups.map((g: { name: string }) => g.name)).toEqual(names);
    const order = byShareHere(sorted.groups);
    for (const group of sorted.groups) expect(group.rank).toBe(order.indexOf(group.name) + 1);
  });

  it('refuses an unknown order, in flags and in a spec alike', async () => {
    const result = await run(['decompose', path, '--formula', formula, '--sort', 'size']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--sort \/ "sort": "size" is not one of given, share, name/);
    const spec = join(folder, 'spec.json');
    writeFileSync(spec, JSON.stringify({ formula, sort: 'share' }));
    const fromSpec = await run(['decompose', path, '--spec', spec]);
    expect(tableOrder(fromSpec.stdout, names)).toEqual(
      byShareHere(JSON.parse((await run(['decompose', path, '--formula', formula, '--format', 'json'])).stdout).groups),
    );
  });
});

describe('ties: equal shares are ordered by name, whatever the order given', () => {
  // Every row is there twice, once with a and b swapped, so the two columns play exactly the same part and their
  // Shapley values are equal (up to rounding).
  const random = testRandom(8);
  const lines = ['zeta,alpha,mid,y'];
  for (let i = 0; i < 60; i++) {
    const a = random.normal();
    const b = random.normal();
    const m = random.normal();
    const e = random.normal();
    lines.push(`${a},${b},${m},${a + b + 0.4 * m + e}`);
    lines.push(`${b},${a},${m},${a + b + 0.4 * m + e}`);
  }
  const path = join(folder, 'ties.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);

  it.each([['y ~ zeta + alpha + mid'], ['y ~ mid + alpha + zeta']])('%s', async (formula) => {
    const json = JSON.parse((await run(['decompose', path, '--formula', formula, '--format', 'json'])).stdout);
    const share = (name: string) => json.groups.find((g: { name: string }) => g.name === name).share;
    expect(Math.abs(share('zeta') - share('alpha'))).toBeLessThan(1e-13);
    expect(share('mid')).toBeLessThan(share('alpha'));
    const table = (await run(['decompose', path, '--formula', formula, '--sort', 'share'])).stdout;
    expect(tableOrder(table, ['zeta', 'alpha', 'mid'])).toEqual(['alpha', 'zeta', 'mid']);
    expect(table).toMatch(/^ {5}1 {2}alpha /m);
    expect(table).toMatch(/^ {5}2 {2}zeta /m);
    const csv = (await run(['decompose', path, '--formula', formula, '--sort', 'share', '--format', 'csv'])).stdout;
    expect(csv.split('\n').slice(1, 4)).toEqual([
      expect.stringMatching(/^1,alpha,/),
      expect.stringMatching(/^2,zeta,/),
      expect.stringMatching(/^3,mid,/),
    ]);
  });
});

describe('the compact layout', () => {
  const { path, names } = measuresFile(6);
  const formula = formulaOf(names);

  it('when every group is one numeric column: rank, measure, share, bar; no columns column', async () => {
    const table = (await run(['decompose', path, '--formula', formula])).stdout;
    const lines = table.split('\n');
    expect(lines[2]).toBe('  rank  measure                  share');
    const json = JSON.parse((await run(['decompose', path, '--formula', formula, '--format', 'json'])).stdout);
    const order = byShareHere(json.groups);
    json.groups.forEach((group: { name: string; share: number }, g: number) => {
      const rank = order.indexOf(group.name) + 1;
      const percent = `${(group.share * 100).toFixed(1)}%`;
      expect(lines[3 + g]).toMatch(new RegExp(`^ +${rank}  ${group.name} +${percent.replace('.', '\\.')}  [█▏▎▍▌▋▊▉]`));
    });
    expect(lines[3 + names.length]).toMatch(/^ {8}unexplained +\d+\.\d%/);
  });

  it('not when a group is a fixed effect or has several columns, nor for the comparison of methods', async () => {
    const header = async (args: string[]) => (await run(['decompose', path, ...args])).stdout.split('\n')[2]!;
    expect(await header(['--formula', `${formula} | year`])).toMatch(/^ {2}group +columns +share$/);
    expect(await header(['--formula', formula, '--group-of', `two=${names[0]},${names[1]}`])).toMatch(
      /^ {2}group +columns +share$/,
    );
    expect(await header(['--formula', formula, '--method', 'all'])).toMatch(/^ {2}group +shapley +owen/);
    expect(await header(['--formula', formula, '--method', 'dominance'])).toMatch(/^ {2}rank {2}measure/);
  });

  it('Markdown and CSV: rank, measure, share, percent, in the order of --sort', async () => {
    const json = JSON.parse((await run(['decompose', path, '--formula', formula, '--format', 'json'])).stdout);
    const order = byShareHere(json.groups);
    const csv = (await run(['decompose', path, '--formula', formula, '--format', 'csv', '--sort', 'share'])).stdout;
    const rows = csv.trimEnd().split('\n');
    expect(rows[0]).toBe('rank,measure,share,percent');
    order.forEach((name, i) => {
      const share = json.groups.find((g: { name: string }) => g.name === name).share;
      expect(rows[1 + i]).toBe(`${i + 1},${name},${share},${share * 100}`);
    });
    expect(rows[1 + order.length]).toBe(`,unexplained,${json.unexplained.share},${json.unexplained.percent}`);
    const markdown = (await run(['decompose', path, '--formula', formula, '--format', 'markdown', '--sort', 'share']))
      .stdout;
    expect(markdown).toContain('| rank | measure | share | percent |');
    expect(markdown).toContain(`| 1 | ${order[0]} | `);
  });

  it('a ±se column with the Monte Carlo standard errors when the shares are estimated', async () => {
    const args = ['decompose', path, '--formula', formula, '--samples', '400', '--sort', 'share'];
    const json = JSON.parse((await run([...args, '--format', 'json'])).stdout);
    const table = (await run(args)).stdout;
    expect(table.split('\n')[2]).toBe('  rank  measure                  share     ±se');
    for (const group of json.groups) {
      const se = group.mcSePercent < 0.005 ? '<0.01' : group.mcSePercent.toFixed(2);
      expect(table).toMatch(new RegExp(`  ${group.name} +${(group.share * 100).toFixed(1)}% +±${se}  `));
    }
    const csv = (await run([...args, '--format', 'csv'])).stdout.split('\n');
    expect(csv[0]).toBe('rank,measure,share,percent,mc_se');
    const first = json.groups.find((g: { rank: number }) => g.rank === 1);
    expect(csv[1]).toBe(`1,${first.name},${first.share},${first.percent},${first.mcSe}`);
  });
});

describe('28 measures fit in 120 characters', () => {
  const { path, names } = measuresFile(28);
  const widest = (text: string) => Math.max(...text.split('\n').map((line) => [...line].length));

  it('decompose (Monte Carlo, with ±se), sorted', async () => {
    const result = await run(['decompose', path, '--formula', formulaOf(names), '--samples', '200', '--sort', 'share']);
    expect(result.status, result.stderr).toBe(0);
    expect(tableOrder(result.stdout, names)).toHaveLength(28);
    const body = result.stdout.split('\n').filter((line) => !line.startsWith('note: '));
    expect(widest(body.join('\n'))).toBeLessThan(120);
  });

  it('decompose --by year: 28 measures × 7 years, one row per measure', async () => {
    const result = await run([
      'decompose',
      path,
      '--formula',
      formulaOf(names),
      '--by',
      'year',
      '--samples',
      '100',
      '--sort',
      'share',
    ]);
    expect(result.status, result.stderr).toBe(0);
    const body = result.stdout.split('\n').filter((line) => !line.startsWith('note: '));
    expect(widest(body.join('\n'))).toBeLessThan(120);
    expect(body[2]).toMatch(/^ {2}rank {2}group +2016 +2017 +2018 +2019 +2020 +2021 +2022 +mean$/);
  });
});

describe('the --by layout', () => {
  const { path, names } = measuresFile(9);
  const args = ['decompose', path, '--formula', formulaOf(names), '--by', 'year'];

  it('with more groups than levels: a row per group, a column per level, the mean, ranked by the mean', async () => {
    const json = JSON.parse((await run([...args, '--format', 'json', '--sort', 'share'])).stdout);
    const years = json.splits.map((s: { level: string }) => s.level);
    expect(years).toEqual(['2016', '2017', '2018', '2019', '2020', '2021', '2022']);
    const mean = (name: string) =>
      json.splits.reduce(
        (sum: number, s: { groups: { name: string; share: number }[] }) =>
          sum + s.groups.find((g) => g.name === name)!.share,
        0,
      ) / years.length;
    const order = byShareHere(names.map((name) => ({ name, share: mean(name) })));
    const table = (await run([...args, '--sort', 'share'])).stdout;
    expect(tableOrder(table, names)).toEqual(order);
    const lines = table.split('\n');
    order.forEach((name, i) => {
      const cells = json.splits.map(
        (s: { groups: { name: string; share: number }[] }) =>
          `${(s.groups.find((g) => g.name === name)!.share * 100).toFixed(1)}%`,
      );
      const row = lines
        .find((line) => line.includes(` ${name} `))!
        .trim()
        .split(/\s+/);
      expect(row).toEqual([String(i + 1), name, ...cells, `${(mean(name) * 100).toFixed(1)}%`]);
    });
    const nRow = lines
      .find((line) => /^ +n +\d/.test(line))!
      .trim()
      .split(/\s+/);
    expect(nRow).toEqual(['n', ...json.splits.map((s: { n: number }) => String(s.n))]);
    // JSON: groups in the order given, ranked within each level.
    for (const split of json.splits) {
      expect(split.groups.map((g: { name: string }) => g.name)).toEqual(names);
      const within = byShareHere(split.groups);
      for (const group of split.groups) expect(group.rank).toBe(within.indexOf(group.name) + 1);
    }
  });

  it('CSV and Markdown take the same orientation and order', async () => {
    const json = JSON.parse((await run([...args, '--format', 'json'])).stdout);
    const csv = (await run([...args, '--format', 'csv', '--sort', 'name'])).stdout.trimEnd().split('\n');
    expect(csv[0]).toBe('rank,group,2016,2017,2018,2019,2020,2021,2022,mean');
    const sorted = [...names].sort();
    sorted.forEach((name, i) => {
      const cells = csv[1 + i]!.split(',');
      expect(cells[1]).toBe(name);
      expect(cells.slice(2, 9).map(Number)).toEqual(
        json.splits.map(
          (s: { groups: { name: string; share: number }[] }) => s.groups.find((g) => g.name === name)!.share,
        ),
      );
    });
    expect(csv.slice(-3).map((line) => line.split(',')[1])).toEqual(['unexplained', 'r2', 'n']);
    const markdown = (await run([...args, '--format', 'markdown', '--sort', 'name'])).stdout;
    expect(markdown).toContain('| rank | group | 2016 | 2017 | 2018 | 2019 | 2020 | 2021 | 2022 | mean |');
    expect(markdown.indexOf(`| ${sorted[0]} |`)).toBeLessThan(markdown.indexOf(`| ${sorted[1]} |`));
  });

  it('with no more groups than levels: a row per level, the group columns in the order of --sort', async () => {
    const few = ['decompose', path, '--formula', formulaOf(names.slice(0, 3)), '--by', 'year'];
    const json = JSON.parse((await run([...few, '--format', 'json'])).stdout);
    const mean = (name: string) =>
      json.splits.reduce(
        (sum: number, s: { groups: { name: string; share: number }[] }) =>
          sum + s.groups.find((g) => g.name === name)!.share,
        0,
      );
    const order = byShareHere(names.slice(0, 3).map((name) => ({ name, share: mean(name) })));
    const header = (await run([...few, '--sort', 'share'])).stdout.split('\n')[2]!.trim().split(/\s+/);
    expect(header).toEqual(['year', 'n', 'R²', ...order, 'unexplained']);
    const csv = (await run([...few, '--sort', 'share', '--format', 'csv'])).stdout.split('\n')[0];
    expect(csv).toBe(`year,n,r2,${order.join(',')},unexplained,error`);
  });
});

describe('the SVG bar chart follows --sort, each group keeping its colour', () => {
  const { path, names } = measuresFile(5);
  const formula = formulaOf(names);
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });

  /** (group, fill) of each bar, in document order. */
  function bars(svg: string): { group: string; fill: string }[] {
    const found: { group: string; fill: string }[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) {
        node.forEach(walk);
        return;
      }
      if (node === null || typeof node !== 'object') return;
      const element = node as Record<string, unknown>;
      if (element.class === 'bar') found.push({ group: String(element['data-group']), fill: String(element.fill) });
      for (const value of Object.values(element)) walk(value);
    };
    walk(parser.parse(svg));
    return found;
  }

  it('bars in share order; colours as in the order given', async () => {
    const json = JSON.parse((await run(['decompose', path, '--formula', formula, '--format', 'json'])).stdout);
    const given = bars((await run(['decompose', path, '--formula', formula, '--format', 'svg'])).stdout);
    const sorted = bars(
      (await run(['decompose', path, '--formula', formula, '--format', 'svg', '--sort', 'share'])).stdout,
    );
    expect(given.map((b) => b.group)).toEqual([...names, 'unexplained']);
    expect(sorted.map((b) => b.group)).toEqual([...byShareHere(json.groups), 'unexplained']);
    const colour = new Map(given.map((b) => [b.group, b.fill]));
    for (const bar of sorted) expect(bar.fill).toBe(colour.get(bar.group));
  });
});
