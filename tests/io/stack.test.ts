import { describe, expect, it } from 'vitest';
import { DataError, UsageError } from '../../src/errors.js';
import type { RawTable } from '../../src/io/csv.js';
import { formatStackReport, stackTables } from '../../src/io/stack.js';

const table = (file: string, header: string[], records: string[][]): RawTable => ({ file, header, records });

describe('stackTables', () => {
  const a = table(
    'a.csv',
    ['la', 'year', 'x'],
    [
      ['805', '2016', '1'],
      ['806', '2016', ''],
    ],
  );
  const b = table('b.csv', ['x', 'la', 'year'], [['3', '805', '2017']]);

  it('puts the rows one after another, matching columns by name, cells unchanged', () => {
    const { table: out, report } = stackTables([a, b]);
    expect(out.header).toEqual(['la', 'year', 'x']);
    expect(out.records).toEqual([
      ['805', '2016', '1'],
      ['806', '2016', ''],
      ['805', '2017', '3'],
    ]);
    expect(report).toEqual({
      columns: ['la', 'year', 'x'],
      inputs: [
        { file: 'a.csv', rows: 2 },
        { file: 'b.csv', rows: 1 },
      ],
      outputRows: 3,
    });
    expect(formatStackReport(report)).toEqual([
      'stack: 2 inputs, 3 output rows, columns la, year, x',
      '  a.csv: 2 rows',
      '  b.csv: 1 rows',
    ]);
    expect(a.records).toHaveLength(2); // inputs untouched
  });

  it('keeps only the named columns, in the order named', () => {
    const wide = table('c.csv', ['LA_name', 'la', 'year', 'x', 'A3_2015'], [['Hartlepool', '805', '2015', '7', '12']]);
    const { table: out } = stackTables([wide, a], ['year', 'la']);
    expect(out.header).toEqual(['year', 'la']);
    expect(out.records).toEqual([
      ['2015', '805'],
      ['2016', '805'],
      ['2016', '806'],
    ]);
  });

  it('refuses files whose columns differ, naming the file and the columns', () => {
    const other = table('d.csv', ['la', 'year', 'y'], [['1', '2', '3']]);
    expect(() => stackTables([a, other])).toThrow(DataError);
    expect(() => stackTables([a, other])).toThrow(
      'd.csv: has no column "x" (which a.csv has); keep the columns all files share with --columns',
    );
    const extra = table('e.csv', ['la', 'year', 'x', 'z'], [['1', '2', '3', '4']]);
    expect(() => stackTables([a, extra])).toThrow(
      'e.csv: has column "z" that a.csv lacks; keep the columns all files share with --columns',
    );
    expect(() => stackTables([a, b], ['la', 'spend'])).toThrow('a.csv: has no column "spend"');
  });

  it('needs two files and distinct column names', () => {
    expect(() => stackTables([a])).toThrow(UsageError);
    expect(() => stackTables([a, b], ['la', 'la'])).toThrow('columns: names "la" twice');
  });
});
