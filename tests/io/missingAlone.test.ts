/**
 * Which column lost the rows: for each model column, the rows that it ALONE makes incomplete (present in every
 * other model column, missing in this one), on the whole-file path (`completeCases`), on the streamed path
 * (`FactoredModelBuilder`), in every output, and a warning when more than half of the rows are dropped.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { completeCases } from '../../src/io/panel.js';
import { FactoredModelBuilder } from '../../src/models/design/factoredModel.js';
import { selectModelRows } from '../../src/models/design/modelData.js';
import { panelFrom, testRandom } from '../helpers.js';
import { runMain as run } from '../cli/run.js';

const NA = Number.NaN;

describe('completeCases counts the rows each column alone makes incomplete (hand-worked)', () => {
  //        row:  0    1    2    3    4     5    6
  const a = [1, NA, 3, NA, 5, 6, NA];
  const b = [1, 2, NA, NA, 5, 6, 7];
  const g = ['x', 'y', 'z', 'x', '', 'y', 'z'];
  // Row 0 and 5 complete; rows 1 and 6 miss a only; row 2 misses b only; row 3 misses a and b (no one column's
  // alone); row 4 misses g only. missingAlone: a 2, b 1, g 1; missingByColumn: a 3, b 2, g 1.
  const panel = panelFrom({ a, b, g });
  const categorical = panel.columns.get('g')!;
  if (categorical.kind === 'categorical') (categorical.codes as Int32Array)[4] = -1; // '' is a missing cell

  it('per column, alone and in all', () => {
    const cases = completeCases(panel, ['a', 'b', 'g']);
    expect(Array.from(cases.rows)).toEqual([0, 5]);
    expect(cases.droppedRows).toBe(5);
    expect(cases.missingByColumn).toEqual({ a: 3, b: 2, g: 1 });
    expect(cases.missingAlone).toEqual({ a: 2, b: 1, g: 1 });
  });

  it('a column named twice (a fixed effect that is also the cluster) is one column', () => {
    expect(completeCases(panel, ['a', 'g', 'b', 'g']).missingAlone).toEqual({ a: 2, g: 1, b: 1 });
  });

  it('a column called "__proto__" is an ordinary key', () => {
    // JSON.parse makes "__proto__" an own key (an object literal would set the prototype instead).
    const columns = JSON.parse('{"__proto__": [1, -1, 3], "y": [1, 2, 3]}') as Record<string, number[]>;
    Object.getOwnPropertyDescriptor(columns, '__proto__')!.value[1] = NA;
    const odd = panelFrom(columns);
    const cases = completeCases(odd, ['__proto__', 'y']);
    expect(Object.hasOwn(cases.missingAlone, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(cases.missingAlone, '__proto__')!.value).toBe(1);
  });
});

/** Rows (given as columns of numbers, NaN missing) that only column c lacks, counted plainly. */
function aloneByHand(columns: Record<string, readonly number[]>): Record<string, number> {
  const names = Object.keys(columns);
  const rows = columns[names[0]!]!.length;
  const counts = Object.fromEntries(names.map((name) => [name, 0]));
  for (let i = 0; i < rows; i++) {
    const missing = names.filter((name) => Number.isNaN(columns[name]![i]!));
    if (missing.length === 1) counts[missing[0]!]!++;
  }
  return counts;
}

describe('the streamed path adds the counts of its batches', () => {
  it('equals a plain count over all the rows', () => {
    const random = testRandom(5);
    const make = (n: number) => ({
      y: Array.from({ length: n }, () => (random.uniform() < 0.1 ? NA : random.normal())),
      x1: Array.from({ length: n }, () => (random.uniform() < 0.2 ? NA : random.normal())),
      x2: Array.from({ length: n }, () => (random.uniform() < 0.05 ? NA : random.normal())),
    });
    const batches = [make(40), make(25), make(60)];
    const spec = {
      outcome: 'y',
      groups: [
        { name: 'one', kind: 'numeric' as const, columns: ['x1'] },
        { name: 'two', kind: 'numeric' as const, columns: ['x2'] },
      ],
    };
    const builder = new FactoredModelBuilder(spec.groups);
    for (const batch of batches) builder.add(selectModelRows(panelFrom(batch), spec));
    const model = builder.finish('batches', ['y', 'x1', 'x2'], 125);
    const all = (name: 'y' | 'x1' | 'x2') => batches.flatMap((batch) => batch[name]);
    expect(model.missingAlone).toEqual(aloneByHand({ y: all('y'), x1: all('x1'), x2: all('x2') }));
    expect(Object.values(model.missingAlone!).reduce((s, v) => s + v, 0)).toBeGreaterThan(10);
  });
});

/** A CSV with a unit and a year, an outcome and ten measures, each missing at random in some rows. */
function panelFile(rows: number, missingRate: number, seed: number) {
  const random = testRandom(seed);
  const measures = Array.from({ length: 10 }, (_, j) => `m${String(j + 1).padStart(2, '0')}`);
  const columns: Record<string, number[]> = { y: [] };
  for (const m of measures) columns[m] = [];
  const lines = [['la', 'year', 'y', ...measures].join(',')];
  for (let i = 0; i < rows; i++) {
    const values = measures.map((_, j) => (random.uniform() < missingRate * (j + 1) ? NA : random.normal()));
    const y =
      random.uniform() < missingRate ? NA : values.reduce((s, v) => s + (Number.isNaN(v) ? 0 : v), 0) + random.normal();
    columns.y!.push(y);
    measures.forEach((m, j) => columns[m]!.push(values[j]!));
    lines.push(
      [`L${i % 40}`, 2010 + (i % 7), y, ...values]
        .map((v) => (typeof v === 'number' && Number.isNaN(v) ? '' : String(v)))
        .join(','),
    );
  }
  const folder = mkdtempSync(join(tmpdir(), 'cpv-alone-'));
  const path = join(folder, 'panel.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return { path, measures, columns };
}

describe('missingAlone in the outputs, against a count of the file', () => {
  const { path, measures, columns } = panelFile(500, 0.008, 21);
  const formula = `y ~ ${measures.join(' + ')}`;
  const expected = aloneByHand(columns);
  const worst = Object.entries(expected)
    .filter(([, n]) => n > 0)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .slice(0, 3)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');

  it('the file has rows lost to many columns', () => {
    expect(Object.values(expected).filter((n) => n > 0).length).toBeGreaterThan(3);
  });

  it('decompose JSON, streamed (no fixed effects): every column', async () => {
    const result = await run(['decompose', path, '--formula', formula, '--format', 'json']);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).missingAlone).toEqual(expected);
  });

  it('decompose JSON with fixed effects (rows kept): every column, the fixed effects included', async () => {
    const result = await run(['decompose', path, '--formula', `${formula} | la + year`, '--format', 'json']);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).missingAlone).toEqual({ ...expected, la: 0, year: 0 });
  });

  it('fit JSON: every column', async () => {
    const result = await run(['fit', path, '--formula', formula, '--format', 'json']);
    expect(JSON.parse(result.stdout).missingAlone).toEqual(expected);
  });

  it('the decompose and fit tables name the worst three', async () => {
    const line = `rows lost to one column alone: ${worst} (every column with --format json)`;
    expect((await run(['decompose', path, '--formula', formula])).stdout).toContain(`\n${line}\n`);
    expect((await run(['fit', path, '--formula', formula])).stdout).toMatch(
      new RegExp(`\\nlost to one column alone +${worst.replaceAll('(', '\\(')} \\(every column`),
    );
    expect((await run(['decompose', path, '--formula', formula, '--format', 'markdown'])).stdout).toContain(
      `- ${line}`,
    );
  });
});

describe('a warning when more than half of the rows are dropped', () => {
  /** 20 rows; x missing in the first `missing` of them. */
  function file(missing: number): string {
    const folder = mkdtempSync(join(tmpdir(), 'cpv-half-'));
    const path = join(folder, `half-${missing}.csv`);
    const lines = ['unit,y,x,z'];
    for (let i = 0; i < 20; i++)
      lines.push(`u${i % 4},${(i * 7) % 11},${i < missing ? '' : (i * 3) % 5},${(i * 5) % 7}`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  }
  const warning = (used: number) =>
    `more than half of the rows were dropped: ${used} of 20 used (${20 - used} dropped); ` +
    'the columns that alone make most rows incomplete: x ' +
    `${20 - used} (each column's count with --format json)`;

  it.each([
    ['decompose (streamed)', ['decompose']],
    ['decompose with a fixed effect', ['decompose', '--fe', 'unit=unit']],
    ['fit', ['fit']],
  ])('%s: not at exactly half, in the output and on stderr at more', async (_, command) => {
    const args = (missing: number) => [
      command[0]!,
      file(missing),
      '--group',
      'x=x',
      '--group',
      'z=z',
      '--outcome',
      'y',
      ...command.slice(1),
    ];
    const half = await run(args(10));
    expect(half.status, half.stderr).toBe(0);
    expect(half.stdout + half.stderr).not.toMatch(/more than half/);
    const most = await run([...args(11), '--format', 'json']);
    expect(most.status, most.stderr).toBe(0);
    expect(most.stderr).toContain(`warning: ${warning(9)}\n`);
    expect(JSON.parse(most.stdout).notes).toContain(warning(9));
    const table = await run(args(11));
    expect(table.stdout).toContain(`note: ${warning(9)}`);
  });
});
