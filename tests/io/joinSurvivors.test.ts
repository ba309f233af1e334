/**
 * joinTables and formatJoinReport, piece by piece: the exact argument errors, label columns, file tags, and every
 * shape of the unmatched-key report (one key, several leading keys, long lists, sorted and compacted last-key values,
 * thousands separators). The mutation run found these unchecked: join.test.ts matches the messages only in part
 * and never reaches the one-key report or the long-list and count-formatting branches.
 */
import { describe, expect, it } from 'vitest';
import { DataError, UsageError } from '../../src/errors.js';
import type { RawTable } from '../../src/io/csv.js';
import { formatJoinReport, joinTables, type JoinInputReport, type JoinReport } from '../../src/io/join.js';
import { thrownBy } from '../helpers.js';

const raw = (file: string, header: string[], ...records: string[][]): RawTable => ({ file, header, records });

/** The group lines under `file`'s count line in a formatted join report. */
function groupLines(lines: readonly string[], file: string): string[] {
  const start = lines.findIndex((line) => line.startsWith(`  ${file}: `));
  expect(start).toBeGreaterThan(0);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => !line.startsWith('    '));
  return end < 0 ? rest : rest.slice(0, end);
}

/** The report's lines for a.csv's rows joined (inner, on la and year) with a b.csv that matches none of them. */
function unmatchedInA(a: RawTable): string[] {
  const b = raw('b.csv', ['la', 'year'], ['99', '2000']);
  const { report } = joinTables(
    [
      { table: a, keys: ['la', 'year'] },
      { table: b, keys: ['la', 'year'] },
    ],
    { how: 'inner' },
  );
  return groupLines(formatJoinReport(report), 'a.csv');
}

describe('joinTables argument errors', () => {
  const a = raw('a.csv', ['la', 'year', 'v'], ['1', '2019', 'x']);
  const b = raw('b.csv', ['la', 'year', 'w'], ['1', '2019', 'y']);

  it('says there is no input table', () => {
    expect(thrownBy(() => joinTables([], { how: 'inner' }), UsageError).message).toBe(
      'joinTables needs at least one input table',
    );
  });

  it('names the file of the first input when it has no key column', () => {
    expect(thrownBy(() => joinTables([{ table: a, keys: [] }], { how: 'left' }), UsageError).message).toBe(
      'joinTables needs at least one key column (a.csv has none)',
    );
  });

  it('lists the key columns of both inputs when their numbers differ', () => {
    const error = thrownBy(
      () =>
        joinTables(
          [
            { table: a, keys: ['la'] },
            { table: b, keys: ['la', 'year'] },
          ],
          { how: 'inner' },
        ),
      UsageError,
    );
    expect(error.message).toBe(
      'every input needs the same number of key columns: a.csv has 1 (la), b.csv has 2 (la, year)',
    );
  });

  it('names a key column given twice and the file', () => {
    expect(thrownBy(() => joinTables([{ table: a, keys: ['la', 'la'] }], { how: 'inner' }), UsageError).message).toBe(
      'key column "la" is named twice for a.csv',
    );
  });

  it('places a renaming clash in the join itself', () => {
    const clash = raw('a.csv', ['k', 'v', 'v.b'], ['1', '2', '3']);
    const other = raw('b.csv', ['k', 'v'], ['1', '4']);
    const error = thrownBy(
      () =>
        joinTables(
          [
            { table: clash, keys: ['k'] },
            { table: other, keys: ['k'] },
          ],
          { how: 'inner' },
        ),
      DataError,
    );
    expect(error.location).toEqual({ file: 'join' });
    expect(error.message).toBe(
      'join: joined column name "v.b" would occur twice even after renaming; rename the column in one of the files',
    );
  });
});

describe('joinTables labels and tags', () => {
  it('takes a label from the first column, trimmed', () => {
    const named = raw('a.csv', ['name', 'la', 'v'], [' Camden ', '202', '1'], ['  Hackney ', '204', '2']);
    const other = raw('b.csv', ['la', 'w'], ['202', '3']);
    const { report } = joinTables(
      [
        { table: named, keys: ['la'], label: 'name' },
        { table: other, keys: ['la'] },
      ],
      { how: 'inner' },
    );
    expect(report.inputs[0]!.unmatched).toEqual([{ key: ['204'], row: 3, label: 'Hackney', missingFrom: ['b.csv'] }]);
  });

  it('strips .csv only at the end of a file name when tagging renamed columns', () => {
    const first = raw('x/rates.csv.bak', ['la', 'v'], ['1', '2']);
    const second = raw('y/b.csv', ['la', 'v'], ['1', '3']);
    const { table } = joinTables(
      [
        { table: first, keys: ['la'] },
        { table: second, keys: ['la'] },
      ],
      { how: 'inner' },
    );
    expect(table.header).toEqual(['la', 'v.rates.csv.bak', 'v.b']);
  });
});

describe('formatJoinReport with one key column', () => {
  // a.csv: la=2 has an empty label, la=3 lacks only c.csv, the last row has no key; b.csv has no label column.
  const a = raw('a.csv', ['la', 'name'], ['1', 'Camden'], ['2', ''], ['3', 'Hackney'], ['', 'Nowhere']);
  const b = raw('b.csv', ['la', 'x'], ['1', 'p'], ['3', 'q']);
  const c = raw('c.csv', ['la', 'y'], ['1', 'r']);
  const lines = formatJoinReport(
    joinTables(
      [
        { table: a, keys: ['la'], label: 'name' },
        { table: b, keys: ['la'] },
        { table: c, keys: ['la'] },
      ],
      { how: 'inner' },
    ).report,
  );

  it('lists each unmatched row with its key, label, row and the files lacking it', () => {
    expect(lines).toEqual([
      'join (inner) on la: 3 inputs, 1 output rows',
      '  a.csv: 4 rows, 1 matched, 3 unmatched, 1 with an empty key, 3 dropped',
      '    la=2 row 3 (not in b.csv, c.csv)',
      '    la=3 "Hackney" row 4 (not in c.csv)',
      '    la=(empty) "Nowhere" row 5 (not in b.csv, c.csv)',
      '  b.csv: 2 rows, 1 matched, 1 unmatched, 1 dropped',
      '    la=3 row 3 (not in c.csv)',
      '  c.csv: 1 rows, 1 matched, 0 dropped',
    ]);
  });
});

describe('formatJoinReport with several leading key columns', () => {
  it('keeps apart leading values that run together, quoting labels and naming every file lacking them', () => {
    // (1, 23) and (12, 3) would be one authority if their values were joined without a separator.
    const a = raw('a.csv', ['la', 'sub', 'year', 'name'], ['1', '23', '2019', ''], ['12', '3', '2020', 'X']);
    const b = raw('b.csv', ['la', 'sub', 'year'], ['9', '9', '2019']);
    const c = raw('c.csv', ['la', 'sub', 'year'], ['9', '9', '2019']);
    const { report } = joinTables(
      [
        { table: a, keys: ['la', 'sub', 'year'], label: 'name' },
        { table: b, keys: ['la', 'sub', 'year'] },
        { table: c, keys: ['la', 'sub', 'year'] },
      ],
      { how: 'left' },
    );
    expect(groupLines(formatJoinReport(report), 'a.csv')).toEqual([
      '    (la, sub)=1, 23 year=2019 (not in b.csv, c.csv)',
      '    (la, sub)=12, 3 "X" year=2020 (not in b.csv, c.csv)',
    ]);
  });

  it('lists up to five authorities sharing a line, then an ellipsis', () => {
    const five = ['1', '2', '3', '4', '5'].map((la) => [la, '2019']);
    const six = ['11', '12', '13', '14', '15', '16'].map((la) => [la, '2020']);
    const a = raw('a.csv', ['la', 'year'], ...five, ...six);
    expect(unmatchedInA(a)).toEqual([
      '    5 values of la (1; 2; 3; 4; 5) year=2019 (not in b.csv)',
      '    6 values of la (11; 12; 13; 14; 15; ...) year=2020 (not in b.csv)',
    ]);
  });

  it('sorts the last key values as text unless all are integers, then numerically with runs compacted', () => {
    const a = raw(
      'a.csv',
      ['la', 'year'],
      ['1', '2019-20'],
      ['1', '2017-18'],
      ['1', '2018-19'],
      ['2', 'x'],
      ['2', '2019'],
      ['3', 'b1'],
      ['3', 'a2'],
      ['4', '1c'],
      ['4', '1a'],
      ['5', '10'],
      ['5', '5'],
      ['5', '3'],
      ['5', '4'],
      ['5', '9'],
      ['6', '-1'],
      ['6', '-3'],
      ['6', '-2'],
    );
    expect(unmatchedInA(a)).toEqual([
      '    la=1 year=2017-18, 2018-19, 2019-20 (not in b.csv)',
      '    la=2 year=2019, x (not in b.csv)',
      '    la=3 year=a2, b1 (not in b.csv)',
      '    la=4 year=1a, 1c (not in b.csv)',
      '    la=5 year=3–5, 9, 10 (not in b.csv)',
      '    la=6 year=-3–-1 (not in b.csv)',
    ]);
  });
});

describe('formatJoinReport long lists', () => {
  const report = (count: number) => {
    const a = raw('a.csv', ['la', 'v'], ...Array.from({ length: count }, (_, i) => [String(i + 1), 'x']));
    const b = raw('b.csv', ['la', 'w'], ['0', 'y']);
    return joinTables(
      [
        { table: a, keys: ['la'] },
        { table: b, keys: ['la'] },
      ],
      { how: 'inner' },
    ).report;
  };

  it('shows 40 unmatched groups in full', () => {
    const lines = groupLines(formatJoinReport(report(40)), 'a.csv');
    expect(lines).toHaveLength(40);
    expect(lines[39]).toBe('    la=40 row 41 (not in b.csv)');
  });

  it('shows the first 40 of 41 groups and counts the rest', () => {
    const lines = groupLines(formatJoinReport(report(41)), 'a.csv');
    expect(lines).toHaveLength(41);
    expect(lines[39]).toBe('    la=40 row 41 (not in b.csv)');
    expect(lines[40]).toBe('    ... and 1 more');
  });
});

describe('formatJoinReport counts', () => {
  const input = (file: string, counts: Partial<JoinInputReport>): JoinInputReport => ({
    file,
    keys: ['la'],
    rows: 0,
    matchedRows: 0,
    unmatched: [],
    missingKeyRows: 0,
    droppedRows: 0,
    filledRows: 0,
    renamed: {},
    ...counts,
  });

  it('separates thousands and lists every renamed column', () => {
    const report: JoinReport = {
      how: 'left',
      keys: ['la'],
      outputRows: 1234567,
      inputs: [
        input('a.csv', { rows: 1234567, matchedRows: 1000, missingKeyRows: 999, droppedRows: 12345678 }),
        input('b.csv', { rows: 100, matchedRows: 1, filledRows: 1234567890, renamed: { v: 'v.b', w: 'w.b' } }),
      ],
    };
    expect(formatJoinReport(report)).toEqual([
      'join (left) on la: 2 inputs, 1,234,567 output rows',
      '  a.csv: 1,234,567 rows, 1,000 matched, 999 with an empty key, 12,345,678 dropped',
      '  b.csv: 100 rows, 1 matched, 0 dropped, 1,234,567,890 output rows filled with missing',
      '    renamed: v → v.b, w → w.b',
    ]);
  });
});
