/**
 * Two messages the mutation run found unchecked. csvParseError on the header row: a quote failure there without a
 * column names no column (it must not make one up). formatJoinReport with one key column: each unmatched row with
 * its label and the files lacking it (joinSurvivors.test.ts builds this report while collecting its tests, outside
 * any test, where a mutant is never active).
 */
import { describe, expect, it } from 'vitest';
import { csvParseError, type RawTable } from '../../src/io/csv.js';
import { formatJoinReport, joinTables } from '../../src/io/join.js';

describe('csvParseError on the header row', () => {
  const bytes = Buffer.from('"a,b\n1,2\n');

  it('names no column for a quote failure that csv-parse gives without one', () => {
    const unclosed = csvParseError({ code: 'CSV_QUOTE_NOT_CLOSED', records: 0 }, 'in.csv', bytes);
    expect(unclosed.message).toBe('in.csv row 1: a quoted field is opened here and never closed');
    const misplaced = csvParseError({ code: 'INVALID_OPENING_QUOTE', records: 0 }, 'in.csv', bytes);
    expect(misplaced.location).toStrictEqual({ file: 'in.csv', row: 1 });
  });

  it('names a header cell by its position when csv-parse gives the column', () => {
    const misplaced = csvParseError({ code: 'CSV_INVALID_CLOSING_QUOTE', records: 0, column: 1 }, 'in.csv', bytes);
    expect(misplaced.location).toStrictEqual({ file: 'in.csv', row: 1, column: '#2' });
  });
});

describe('formatJoinReport with one key column, built inside the test', () => {
  const raw = (file: string, header: string[], ...records: string[][]): RawTable => ({ file, header, records });

  it('quotes a label that is not empty and lists every file lacking the key, comma-separated', () => {
    const a = raw('a.csv', ['la', 'name'], ['1', 'Camden'], ['2', ''], ['3', 'Hackney'], ['4', 'Islington']);
    const b = raw('b.csv', ['la', 'x'], ['1', 'p'], ['3', 'q']);
    const c = raw('c.csv', ['la', 'y'], ['1', 'r']);
    const { report } = joinTables(
      [
        { table: a, keys: ['la'], label: 'name' },
        { table: b, keys: ['la'] },
        { table: c, keys: ['la'] },
      ],
      { how: 'inner' },
    );
    expect(formatJoinReport(report)).toEqual([
      'join (inner) on la: 3 inputs, 1 output rows',
      '  a.csv: 4 rows, 1 matched, 3 unmatched, 3 dropped',
      '    la=2 row 3 (not in b.csv, c.csv)',
      '    la=3 "Hackney" row 4 (not in c.csv)',
      '    la=4 "Islington" row 5 (not in b.csv, c.csv)',
      '  b.csv: 2 rows, 1 matched, 1 unmatched, 1 dropped',
      '    la=3 row 3 (not in c.csv)',
      '  c.csv: 1 rows, 1 matched, 0 dropped',
    ]);
  });
});
