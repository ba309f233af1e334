import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelData } from '../../src/commands/data.js';
import { decompose } from '../../src/models/methods/decompose.js';
import { permutationNull } from '../../src/models/permutation/freedmanLane.js';
import { FLOOR_MARK } from '../../src/report/table.js';
import { SYNTHETIC_OPTIONS } from '../helpers.js';
import { CLI, runMain, SYNTHETIC_FILE as SYNTHETIC, SYNTHETIC_MODEL as MODEL } from '../cli/run.js';

/** Run the CLI in this process (the shared harness), capturing what it writes. */
const run = (args: readonly string[]) => runMain(args);

const folder = mkdtempSync(join(tmpdir(), 'cpv-chance-'));
let specs = 0;
function spec(content: unknown): string {
  const path = join(folder, `spec-${specs++}.json`);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

async function json(args: readonly string[]) {
  const result = await run([...args, '--format', 'json']);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout);
}

interface NullJson {
  meanShare: number;
  meanSharePercent: number;
  q95Share: number;
  q95SharePercent: number;
  excess: number;
  excessPercent: number;
  p: number;
  permutations: number;
}

describe('decompose --permutations B: the chance floor of every share', () => {
  it('adds to each group "null" with percent twins, the same numbers as permutationNull on the same data', async () => {
    const out = await json(['decompose', SYNTHETIC, ...MODEL, '--permutations', '40', '--seed', '3']);
    const data = loadModelData(SYNTHETIC_OPTIONS).data;
    const shares = decompose(data).groups.map((g) => g.share);
    const direct = permutationNull(data, shares, { permutations: 40, seed: 3, method: 'shapley' });
    expect(out.permutation).toEqual({ scheme: 'freedman-lane', permutations: 40, seed: 3, within: null, blocks: 1 });
    out.groups.forEach((group: { share: number; null: NullJson }, g: number) => {
      const expected = direct.groups[g]!;
      expect(group.null).toEqual({
        meanShare: expected.meanShare,
        meanSharePercent: expected.meanShare * 100,
        q95Share: expected.q95Share,
        q95SharePercent: expected.q95Share * 100,
        excess: expected.excess,
        excessPercent: expected.excess * 100,
        p: expected.p,
        permutations: 40,
      });
      expect(group.null.excess).toBe(group.share - group.null.meanShare);
    });
    // The unexplained rest is not tested.
    expect(out.unexplained.null).toBeUndefined();
  });

  it('reads "permutations" and "permuteWithin" from a spec as from flags; within year makes 6 blocks', async () => {
    const flags = await json(['decompose', SYNTHETIC, ...MODEL, '--permutations', '20', '--permute-within', 'year']);
    const fromSpec = await json([
      'decompose',
      SYNTHETIC,
      ...MODEL,
      '--spec',
      spec({ permutations: 20, permuteWithin: 'year' }),
    ]);
    expect(fromSpec).toEqual(flags);
    expect(flags.permutation).toEqual({
      scheme: 'freedman-lane',
      permutations: 20,
      seed: 1,
      within: 'year',
      blocks: 6,
    });
    // Permuting within years keeps each year's mean residual: the test of the year effects is flagged.
    expect(flags.notes.filter((note: string) => /test nothing/.test(note))).toEqual([
      'permuting within the levels of year keeps the mean residual of each level, so the chance floor and p-value of ' +
        '"policy" (effects of year) test nothing; read them as uninformative',
    ]);
    const unrestricted = await json(['decompose', SYNTHETIC, ...MODEL, '--permutations', '20']);
    expect(unrestricted.groups[1].null.meanShare).not.toBe(flags.groups[1].null.meanShare);
  });

  it('works with sequential, unique, owen and dominance, each null of its own headline', async () => {
    for (const method of ['sequential', 'unique', 'owen', 'dominance']) {
      const out = await json(['decompose', SYNTHETIC, ...MODEL, '--method', method, '--permutations', '15']);
      const data = loadModelData(SYNTHETIC_OPTIONS).data;
      const shares = out.groups.map((g: { share: number }) => g.share);
      const direct = permutationNull(data, shares, { permutations: 15, seed: 1, method: method as 'owen' });
      out.groups.forEach((group: { null: NullJson }, g: number) =>
        expect(group.null.meanShare, method).toBe(direct.groups[g]!.meanShare),
      );
    }
  });

  it('tests sequential increments in the order given by --order', async () => {
    const order = ['resources', 'policy', 'deprivation', 'practice'];
    const out = await json([
      'decompose',
      SYNTHETIC,
      ...MODEL,
      '--method',
      'sequential',
      '--order',
      order.join(','),
      '--permutations',
      '15',
    ]);
    const data = loadModelData(SYNTHETIC_OPTIONS).data;
    const shares = out.groups.map((g: { share: number }) => g.share);
    const options = { permutations: 15, seed: 1, method: 'sequential' as const, order: [3, 2, 1, 0] };
    const direct = permutationNull(data, shares, options);
    out.groups.forEach((group: { null: NullJson }, g: number) => expect(group.null.p).toBe(direct.groups[g]!.p));
    out.groups.forEach((group: { null: NullJson }, g: number) =>
      expect(group.null.meanShare).toBe(direct.groups[g]!.meanShare),
    );
  });

  it.each([
    [['--permute-within', 'year'], '--permute-within / "permuteWithin" sets the blocks of --permutations'],
    [['--permutations', '5'], '--permutations / "permutations": must be a whole number from 10 to 100,000, got 5'],
    [['--permutations', '20', '--method', 'all'], 'works with the methods that give one number per group'],
    [['--permutations', '20', '--method', 'commonality'], 'not "commonality"'],
    [['--permutations', '20', '--permute-within', 'cpp_rate'], 'cannot be the outcome or the weights'],
    [['--permutations', '20', '--by', 'year'], '--by prints one split per level; it does not combine with'],
    [['--adjusted', '--by', 'year'], '--by prints one split per level; it does not combine with'],
    [['--permutations', '20', '--samples', '100'], 'these Shapley values are Monte Carlo estimates'],
    [['--adjusted', '--samples', '100'], '--adjusted decomposes adjusted R² exactly'],
  ])('refuses %j (exit 2, one line)', async (flags, message) => {
    const result = await run(['decompose', SYNTHETIC, ...MODEL, ...flags]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(message);
  });

  it('the table gets "chance" and "p" columns, and each bar a ┆ in the cell of its chance floor', async () => {
    const out = await json(['decompose', SYNTHETIC, ...MODEL, '--permutations', '30']);
    const table = await run(['decompose', SYNTHETIC, ...MODEL, '--permutations', '30']);
    expect(table.status).toBe(0);
    const lines = table.stdout.split('\n');
    const header = lines.find((line) => line.trimStart().startsWith('group'))!;
    expect(header).toMatch(/share\s+chance\s+p$/);
    out.groups.forEach((group: { name: string; null: NullJson }) => {
      const line = lines.find((l) => l.trimStart().startsWith(`${group.name} `))!;
      const floor = `${(group.null.meanShare * 100).toFixed(1)}%`;
      const p = group.null.p < 0.001 ? '< 0.001' : group.null.p.toFixed(3);
      expect(line).toContain(`${floor}  ${p.padStart(7)}`);
      const bar = line.slice(line.lastIndexOf(p) + p.length + 2);
      expect([...bar].indexOf(FLOOR_MARK)).toBe(Math.floor(group.null.meanShare * 40));
    });
    expect(lines.find((l) => l.startsWith('unexplained') || l.trimStart().startsWith('unexplained'))).not.toContain(
      FLOOR_MARK,
    );
    expect(table.stdout).toContain('chance floor = mean share over 30 Freedman–Lane permutations');
  });

  it('CSV and Markdown carry null_mean, null_q95, excess and p', async () => {
    const out = await json(['decompose', SYNTHETIC, ...MODEL, '--permutations', '25']);
    const csv = await run(['decompose', SYNTHETIC, ...MODEL, '--permutations', '25', '--format', 'csv']);
    // The last cell of each row is the synthetic panel's note (quoted, with commas): left out here.
    const [header, ...rows] = csv.stdout
      .trimEnd()
      .split('\n')
      .map((line) => line.replace(/,"SYNTHETIC[^"]*"$/, ''));
    expect(header).toBe('group,kind,columns,levels,share,percent,null_mean,null_q95,excess,p,note');
    out.groups.forEach((group: { null: NullJson }, g: number) => {
      const cells = rows[g]!.split(',');
      expect(cells.slice(6).map(Number)).toEqual([
        group.null.meanShare,
        group.null.q95Share,
        group.null.excess,
        group.null.p,
      ]);
    });
    expect(rows.at(-1)).toMatch(/^unexplained,.*,,,,$/);
    const markdown = await run(['decompose', SYNTHETIC, ...MODEL, '--permutations', '25', '--format', 'markdown']);
    expect(markdown.stdout).toContain('| null_mean | null_q95 | excess | p |');
  });

  it('SVG draws the floor as a dashed mark on each group bar, with its numbers as attributes', async () => {
    const out = await json(['decompose', SYNTHETIC, ...MODEL, '--permutations', '25']);
    const svg = (await run(['decompose', SYNTHETIC, ...MODEL, '--permutations', '25', '--format', 'svg'])).stdout;
    const marks = [
      ...svg.matchAll(/<line class="chance-floor"[^>]*data-group="([^"]+)" data-floor="([^"]+)"[^>]*data-p="([^"]+)"/g),
    ];
    expect(marks.map((m) => m[1])).toEqual(out.groups.map((g: { name: string }) => g.name));
    marks.forEach((mark, g) => {
      expect(Number(mark[2])).toBe(out.groups[g].null.meanShare);
      expect(Number(mark[3])).toBe(out.groups[g].null.p);
    });
    expect(svg).toContain('chance floor (mean share over 25 permutations)');
    expect(svg).toContain('Dashed marks: chance floor = mean share over 25 Freedman');
  });

  it('report --permutations B shows the floor in the HTML table and figure', async () => {
    const result = await run(['report', SYNTHETIC, ...MODEL, '--permutations', '20']);
    expect(result.status).toBe(0);
    const html = result.stdout;
    expect(html).toContain('<th class="num">chance floor</th><th class="num">95% of chance</th>');
    expect((html.match(/<line class="chance-floor"/g) ?? []).length).toBe(4);
    expect(html).toContain('How much of each share is chance');
    expect(html).toMatch(/<dt>seed<\/dt><dd>1<\/dd>/);
  });
});

describe('decompose --adjusted: the split of adjusted R² beside the raw shares', () => {
  it('JSON adds adjustedShare (with its percent twin) to groups and unexplained, and "adjusted"', async () => {
    const out = await json(['decompose', SYNTHETIC, ...MODEL, '--adjusted']);
    const direct = decompose(loadModelData(SYNTHETIC_OPTIONS).data, { adjusted: true }).adjusted!;
    out.groups.forEach((group: { adjustedShare: number; adjustedSharePercent: number }, g: number) => {
      expect(group.adjustedShare).toBe(direct.shares[g]);
      expect(group.adjustedSharePercent).toBe(direct.shares[g]! * 100);
    });
    expect(out.unexplained.adjustedShare).toBe(direct.unexplained);
    expect(out.adjusted).toEqual({ method: 'shapley', r2: direct.r2, r2Percent: direct.r2 * 100 });
    const fromSpec = await json(['decompose', SYNTHETIC, ...MODEL, '--spec', spec({ adjusted: true })]);
    expect(fromSpec).toEqual(out);
  });

  it('--method all gains an adjusted Shapley column in the table, JSON and CSV', async () => {
    const out = await json(['decompose', SYNTHETIC, ...MODEL, '--method', 'all', '--adjusted']);
    const table = (await run(['decompose', SYNTHETIC, ...MODEL, '--method', 'all', '--adjusted'])).stdout;
    expect(table).toMatch(/unique\s+spread\s+adj\. shapley/);
    const csv = (await run(['decompose', SYNTHETIC, ...MODEL, '--method', 'all', '--adjusted', '--format', 'csv']))
      .stdout;
    const [header, ...rows] = csv.trimEnd().split('\n');
    expect(header).toBe('group,shapley,owen,sequential,sequential_reverse,unique,spread,adjusted_shapley,note');
    out.comparison.rows.forEach((row: { adjustedShapley: number }, g: number) => {
      expect(Number(rows[g]!.split(',')[7])).toBe(row.adjustedShapley);
    });
    const total = out.comparison.rows.reduce(
      (s: number, row: { adjustedShapley: number }) => s + row.adjustedShapley,
      0,
    );
    expect(Math.abs(total - out.adjusted.r2)).toBeLessThan(1e-12);
  });

  it('the table shows an "adjusted" column that adds up to 100% with the adjusted unexplained share', async () => {
    const out = await json(['decompose', SYNTHETIC, ...MODEL, '--adjusted']);
    const table = (await run(['decompose', SYNTHETIC, ...MODEL, '--adjusted'])).stdout;
    expect(table).toMatch(/share\s+adjusted/);
    const total = out.groups.reduce((s: number, g: { adjustedShare: number }) => s + g.adjustedShare, 0);
    expect(Math.abs(total + out.unexplained.adjustedShare - 1)).toBeLessThan(1e-12);
    expect(table).toContain(`adjusted R² = ${out.adjusted.r2.toFixed(4)}`);
  });
});

describe('byte-identical for any number of workers (the built CLI)', () => {
  it('--permutations 60 gives the same JSON with 1 and 2 workers', () => {
    const cli = (workers: string) =>
      spawnSync(
        process.execPath,
        [CLI, 'decompose', SYNTHETIC, ...MODEL, '--permutations', '60', '--format', 'json', '--workers', workers],
        { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
      );
    const one = cli('1');
    expect(one.status).toBe(0);
    expect(JSON.parse(one.stdout).groups[0].null.permutations).toBe(60);
    expect(cli('2').stdout).toBe(one.stdout);
  });
});
