import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RawTable } from '../../src/io/csv.js';
import { dedupeTable, formatDedupeReport } from '../../src/io/dedupe.js';
import { sharedFiles } from '../sharedData.js';
import { runMain } from '../cli/run.js';

const table: RawTable = {
  file: 't.csv',
  header: ['la', 'year', 'x'],
  records: [
    ['1', '2016', 'a'],
    ['1', '2017', 'b'],
    [' 1', '2016', 'c'], // the same key once trimmed, a different value
    ['2', '2016', 'd'],
    ['2', '2016', 'd'], // an identical copy
    ['1', '2016', 'e'],
  ],
};

describe('dedupeTable', () => {
  it('keeps the first row of each duplicated key, in file order, and reports every key with its rows', () => {
    const { table: out, report } = dedupeTable(table, ['la', 'year'], 'first');
    expect(out.records.map((r) => r[2])).toEqual(['a', 'b', 'd']);
    expect(report.duplicated).toEqual([
      { key: ['1', '2016'], rows: [2, 4, 7], kept: 2, differ: true },
      { key: ['2', '2016'], rows: [5, 6], kept: 5, differ: false },
    ]);
    expect(report).toMatchObject({ rows: 6, outputRows: 3, keep: 'first' });
  });

  it('keeps the last, or none', () => {
    expect(dedupeTable(table, ['la', 'year'], 'last').table.records.map((r) => r[2])).toEqual(['b', 'd', 'e']);
    expect(dedupeTable(table, ['la', 'year'], 'none').table.records.map((r) => r[2])).toEqual(['b']);
  });

  it('leaves a table without duplicates as it is, and refuses unknown or repeated key columns', () => {
    const { table: out, report } = dedupeTable(table, ['x'], 'first');
    expect(out.records).toHaveLength(5);
    expect(report.duplicated).toHaveLength(1);
    expect(dedupeTable(table, ['la', 'year', 'x'], 'none').table.records).toHaveLength(4);
    expect(() => dedupeTable(table, ['la', 'nope'], 'first')).toThrow(/t.csv has no column "nope"/);
    expect(() => dedupeTable(table, ['la', 'la'], 'first')).toThrow(/"la" is named twice/);
  });
});

/** Run the CLI in this process (the shared harness), capturing what it writes. */
const run = (args: readonly string[]) => runMain(args);

describe('cpp-variance dedupe', () => {
  it('writes the CSV with one row per key and reports each duplicated key on stderr', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'cpv-dedupe-'));
    const path = join(folder, 'd.csv');
    writeFileSync(path, 'la,year,x\n1,2016,a\n1,2016,b\n2,2016,c\n');
    const result = await run(['dedupe', path, '--on', 'la,year', '--keep', 'last']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('la,year,x\n1,2016,b\n2,2016,c\n');
    expect(result.stderr).toBe(
      `${path}: 1 duplicated keys (la, year); kept 2 of 3 rows (1 removed, --keep last)\n` +
        '  la=1, year=2016: rows 2, 3 (they differ); kept row 3\n',
    );
    const refused = await run(['dedupe', path, '--on', 'la,year', '--keep', 'middle']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toBe('error: --keep: "middle" is not one of first, last, none\n');
    expect((await run(['dedupe', path])).stderr).toMatch(/dedupe needs --on COL,COL/);
  });

  const ipse = sharedFiles('ipse_la_panel_2010_2022.csv');
  it.skipIf(ipse.skip)(
    'finds the seven duplicated authority-years of the IPSE panel (Bournemouth, Christchurch and Poole, ' +
      `2011–17)${ipse.titleNote}`,
    async () => {
      ipse.requirePresent();
      const result = await run(['dedupe', ipse.paths[0]!, '--on', 'new_la_code,time_period', '--keep', 'none']);
      expect(result.status).toBe(0);
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines[0]).toMatch(
        /7 duplicated keys \(new_la_code, time_period\); kept 1956 of 1970 rows \(14 removed, --keep none\)$/,
      );
      expect(lines.slice(1)).toEqual(
        [2011, 2012, 2013, 2014, 2015, 2016, 2017].map(
          (year, i) =>
            `  new_la_code=E06000058, time_period=${year}: rows ${705 + 2 * i}, ${706 + 2 * i} (they ` +
            'differ); none kept',
        ),
      );
      expect(result.stdout.trimEnd().split('\n')).toHaveLength(1957);
    },
  );
});

describe('dedupeTable, piece by piece', () => {
  // Keys b (rows 2, 4, 6: the second copy differs) and a (rows 3, 5: identical); c once. Header is row 1.
  const table: RawTable = {
    file: 'panel.csv',
    header: ['la', 'year', 'x'],
    records: [
      ['b', '2020', '1'],
      ['a', '2020', '5'],
      ['b', '2020', '2'],
      ['a', '2020', '5'],
      [' b ', '2020', '1'],
      ['c', '2020', '7'],
    ],
  };

  it('reports duplicated keys by their first row, with the rows kept and their spreadsheet row numbers', () => {
    const { table: out, report } = dedupeTable(table, ['la', 'year'], 'last');
    expect(report.duplicated).toEqual([
      { key: ['b', '2020'], rows: [2, 4, 6], kept: 6, differ: true },
      { key: ['a', '2020'], rows: [3, 5], kept: 5, differ: false },
    ]);
    expect(out.records).toEqual([table.records[3], table.records[4], table.records[5]]);
    expect(out.rowNumbers).toEqual([5, 6, 7]);
    expect(formatDedupeReport(report)).toEqual([
      'panel.csv: 2 duplicated keys (la, year); kept 3 of 6 rows (3 removed, --keep last)',
      '  la=b, year=2020: rows 2, 4, 6 (they differ); kept row 6',
      '  la=a, year=2020: rows 3, 5 (identical); kept row 5',
    ]);
  });

  it('with none, keeps no row of a duplicated key and says so', () => {
    const { table: out, report } = dedupeTable(table, ['la', 'year'], 'none');
    expect(report.duplicated.map((d) => d.kept)).toEqual([null, null]);
    expect(out.rowNumbers).toEqual([7]);
    expect(formatDedupeReport(report).slice(1)).toEqual([
      '  la=b, year=2020: rows 2, 4, 6 (they differ); none kept',
      '  la=a, year=2020: rows 3, 5 (identical); none kept',
    ]);
  });

  it('names the file and lists its columns when a key column is missing', () => {
    expect(() => dedupeTable(table, ['la', 'period'], 'first')).toThrow(
      'panel.csv has no column "period"; its columns are la, year, x',
    );
  });
});
