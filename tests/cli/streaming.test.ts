/**
 * Issue 5: models without fixed effects are streamed (the input read in segments, rows rotated into a triangular
 * factor). The CLI's results must be those of the whole-file path (`loadModelData` + `decompose` on the rows),
 * and errors must name the same rows.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelData, type DataOptions } from '../../src/commands/data.js';
import { SEGMENT_BYTES } from '../../src/io/segments.js';
import { decompose, type DecompositionMethod } from '../../src/models/methods/decompose.js';
import { testRandom } from '../helpers.js';
import { runCli, runMain } from './run.js';

let folder = '';
let big = '';
const ROWS = 70_000;

/** Columns a…e correlated, NA and empty cells sprinkled, a weight, and b = 0 in some rows (for a derived a / b). */
function bigCsv(): string {
  const random = testRandom(42);
  const lines = ['id,a,b,c,d,e,w,y'];
  for (let i = 0; i < ROWS; i++) {
    const common = random.normal();
    const x = [0, 1, 2, 3, 4].map(() => 0.6 * common + random.normal());
    const y = 0.4 * x[0]! - 0.2 * x[1]! + 0.1 * x[3]! + random.normal();
    const cells = [`u${i}`, ...x.map((v) => v.toFixed(5)), (0.5 + random.uniform()).toFixed(4), y.toFixed(5)];
    if (i % 97 === 5) cells[3] = 'NA';
    if (i % 131 === 7) cells[7] = '';
    if (i % 1009 === 3) cells[2] = '0';
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'cpv-streaming-'));
  big = join(folder, 'big.csv');
  writeFileSync(big, bigCsv());
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const MODEL = [
  '--outcome',
  'y',
  '--group',
  'first=a',
  '--group',
  'pair=b,c',
  '--group',
  'rest=d,e',
  '--group',
  'ratio=r',
  '--derive',
  'r = a / b',
  '--weights',
  'w',
];
const OPTIONS: Omit<DataOptions, 'file'> = {
  outcome: 'y',
  groups: [
    { name: 'first', kind: 'numeric', columns: ['a'] },
    { name: 'pair', kind: 'numeric', columns: ['b', 'c'] },
    { name: 'rest', kind: 'numeric', columns: ['d', 'e'] },
    { name: 'ratio', kind: 'numeric', columns: ['r'] },
  ],
  derive: ['r = a / b'],
  weights: 'w',
  missingTokens: [],
};

describe('decompose streams a model without fixed effects', () => {
  it('reads an input several segments long', () => {
    expect(bigCsv().length).toBeGreaterThan(2 * SEGMENT_BYTES);
  });

  it.each(['shapley', 'owen', 'dominance'] as DecompositionMethod[])(
    'gives the whole-file %s split, sample accounting and notes',
    async (method) => {
      const result = await runMain(['decompose', big, ...MODEL, '--method', method, '--format', 'json']);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const json = JSON.parse(result.stdout);
      const loaded = loadModelData({ ...OPTIONS, file: big });
      const expected = decompose(loaded.data, { method });
      expect(json.n).toBe(expected.n);
      expect(json.droppedRows).toBe(expected.droppedRows);
      expect(Math.abs(json.r2 - expected.r2)).toBeLessThan(1e-10);
      json.groups.forEach((group: { name: string; share: number }, g: number) => {
        expect(group.name).toBe(expected.groups[g]!.name);
        expect(Math.abs(group.share - expected.groups[g]!.share)).toBeLessThan(1e-10);
      });
      // The derived ratio's division by zero is counted over the whole file, once.
      const zeroes = Math.floor((ROWS - 1 - 3) / 1009) + 1;
      expect(loaded.notes).toContain(
        `derive r: ${zeroes} rows became missing (division by zero or an invalid log, square root or power)`,
      );
      expect(json.notes).toEqual(expect.arrayContaining([...loaded.notes]));
    },
  );

  // End to end: several MiB through a real pipe into the built CLI's standard input (file descriptor 0).
  it('reads standard input the same way', async () => {
    const fromFile = JSON.parse((await runMain(['decompose', big, ...MODEL, '--format', 'json'])).stdout);
    const fromStdin = JSON.parse(runCli(['decompose', '-', ...MODEL, '--format', 'json'], bigCsv()).stdout);
    expect({ ...fromStdin, file: big }).toEqual(fromFile);
  });

  it('names the row and column of a bad cell deep in the file, as the whole-file read does', async () => {
    const lines = bigCsv().split('\n');
    lines[ROWS - 10] = lines[ROWS - 10]!.replace(/^([^,]*,[^,]*),[^,]*/, '$1,1.5.3');
    const path = join(folder, 'bad.csv');
    writeFileSync(path, lines.join('\n'));
    const result = await runMain(['decompose', path, ...MODEL]);
    expect(result.status).toBe(2);
    let whole = '';
    try {
      loadModelData({ ...OPTIONS, file: path });
    } catch (error) {
      whole = (error as Error).message;
    }
    expect(whole).toMatch(new RegExp(`row ${ROWS - 9}, column "b"`));
    expect(result.stderr.trim()).toBe(`error: ${whole}`);
  });

  // End to end: worker threads run only from the built dist/ (from the sources the work stays on this thread).
  it('spreads an exact enumeration of a streamed model over worker threads with identical results', () => {
    const random = testRandom(8);
    const p = 16;
    const lines = [['y', ...Array.from({ length: p }, (_, j) => `x${j}`)].join(',')];
    for (let i = 0; i < 300; i++) {
      const common = random.normal();
      const x = Array.from({ length: p }, () => 0.5 * common + random.normal());
      lines.push([(0.3 * (x[0]! + x[1]!) + random.normal()).toFixed(5), ...x.map((v) => v.toFixed(5))].join(','));
    }
    const path = join(folder, 'wide.csv');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const groups = Array.from({ length: p }, (_, j) => ['--group', `x${j}=x${j}`]).flat();
    const run = (workers: string) =>
      runCli(['decompose', path, '--outcome', 'y', ...groups, '--workers', workers, '--format', 'json']);
    const one = run('1');
    expect(one.status).toBe(0);
    expect(run('2').stdout).toBe(one.stdout);
    const expected = decompose(
      loadModelData({
        file: path,
        outcome: 'y',
        groups: Array.from({ length: p }, (_, j) => ({ name: `x${j}`, kind: 'numeric' as const, columns: [`x${j}`] })),
        missingTokens: [],
      }).data,
    );
    JSON.parse(one.stdout).groups.forEach((group: { share: number }, g: number) =>
      expect(Math.abs(group.share - expected.groups[g]!.share)).toBeLessThan(1e-11),
    );
  });

  it('normalises a DfE statistics file as a whole, then decomposes it', async () => {
    const rows = ['time_period,time_identifier,geographic_level,old_la_code,x,z,y'];
    const random = testRandom(3);
    for (let i = 0; i < 60; i++) {
      const x = random.normal();
      const z = random.normal();
      rows.push(
        `2019,Reporting year,Local authority,${800 + i},${i === 4 ? 'c' : x.toFixed(3)},${z.toFixed(3)},` +
          `${(x + 0.5 * z + random.normal()).toFixed(3)}`,
      );
    }
    rows.push('2019,Reporting year,National,,1,2,3');
    const path = join(folder, 'dfe.csv');
    writeFileSync(path, `${rows.join('\n')}\n`);
    const result = await runMain([
      'decompose',
      path,
      '--outcome',
      'y',
      '--group',
      'x=x',
      '--group',
      'z=z',
      '--format',
      'json',
      '--verbose',
    ]);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/blanked as missing by symbol: c=1/);
    const json = JSON.parse(result.stdout);
    const expected = decompose(
      loadModelData({
        file: path,
        outcome: 'y',
        groups: [
          { name: 'x', kind: 'numeric', columns: ['x'] },
          { name: 'z', kind: 'numeric', columns: ['z'] },
        ],
        missingTokens: [],
      }).data,
    );
    expect(json.n).toBe(59);
    json.groups.forEach((group: { share: number }, g: number) =>
      expect(Math.abs(group.share - expected.groups[g]!.share)).toBeLessThan(1e-12),
    );
  });
});
