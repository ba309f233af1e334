/**
 * Small pieces of src/io that the mutation run found unchecked: splitCombinedRows' row numbers, trimming, unknown
 * key names and disagreeing part counts, formatSplitReport's text, the order of dedupeTable's duplicated keys when
 * a table's rows are not in file order, and the row numbers selectRows carries over.
 */
import { describe, expect, it } from 'vitest';
import { formatSplitReport, splitCombinedRows } from '../../src/io/combined.js';
import type { RawTable } from '../../src/io/csv.js';
import { dedupeTable } from '../../src/io/dedupe.js';
import { selectRows } from '../../src/io/panelRows.js';
import { panelFrom } from '../helpers.js';

describe('splitCombinedRows', () => {
  const table: RawTable = {
    file: 'w.csv',
    header: ['la', 'name', 'rate'],
    records: [
      ['313', 'Hounslow', '1'],
      [' 314 / 318 ', 'Kingston  /  Richmond', '2'],
      ['315', 'Merton', '3'],
    ],
  };

  it('gives every copy the row it was split from and trims each part', () => {
    const { table: out, split } = splitCombinedRows(table, ['la']);
    expect(out.records).toEqual([
      ['313', 'Hounslow', '1'],
      ['314', 'Kingston', '2'],
      ['318', 'Richmond', '2'],
      ['315', 'Merton', '3'],
    ]);
    expect(out.rowNumbers).toEqual([2, 3, 3, 4]);
    expect(split).toEqual([{ row: 3, combined: [' 314 / 318 '], parts: [['314'], ['318']] }]);
  });

  it('keeps the row numbers the table already had', () => {
    const { table: out } = splitCombinedRows({ ...table, rowNumbers: [10, 20, 30] }, ['la']);
    expect(out.rowNumbers).toEqual([10, 20, 20, 30]);
  });

  it('ignores key names the table does not have', () => {
    const { table: out, split } = splitCombinedRows(table, ['old_la_code', 'la']);
    expect(out.records.map((record) => record[0])).toEqual(['313', '314', '318', '315']);
    expect(split.map((s) => s.row)).toEqual([3]);
  });

  it('leaves a row whose key has a blank part, or key cells with different numbers of parts, as published', () => {
    const odd: RawTable = {
      file: 'o.csv',
      header: ['la', 'code'],
      records: [
        ['314 /   / 318', 'E1'],
        ['1 / 2 / 3', 'a / b'],
      ],
    };
    const { table: out, split } = splitCombinedRows(odd, ['la', 'code']);
    expect(out.records).toEqual(odd.records);
    expect(out.rowNumbers).toEqual([2, 3]);
    expect(split).toEqual([]);
  });
});

describe('formatSplitReport', () => {
  it('says nothing when no row was split', () => {
    expect(formatSplitReport('w.csv', [])).toEqual([]);
  });

  it('counts the split rows and lists each with its parts', () => {
    const { split } = splitCombinedRows(
      {
        file: 'w.csv',
        header: ['la', 'year'],
        records: [
          ['314 / 318', '2022'],
          ['940 / 941', '2021'],
        ],
      },
      ['la', 'year'],
    );
    expect(formatSplitReport('w.csv', split)).toEqual([
      'w.csv: 2 rows published for several authorities jointly were split into one row each ' +
        '(each copy has the joint values: rates apply to each authority; counts are the joint count, shared)',
      '  row 2: 314 / 318, 2022 → 314, 2022; 318, 2022',
      '  row 3: 940 / 941, 2021 → 940, 2021; 941, 2021',
    ]);
  });
});

describe('dedupeTable', () => {
  it('lists duplicated keys by their first spreadsheet row even when the records are not in file order', () => {
    const table: RawTable = {
      file: 'p.csv',
      header: ['la'],
      records: [['a'], ['b'], ['a'], ['b']],
      rowNumbers: [40, 3, 41, 4],
    };
    const { report } = dedupeTable(table, ['la'], 'first');
    expect(report.duplicated).toEqual([
      { key: ['b'], rows: [3, 4], kept: 3, differ: false },
      { key: ['a'], rows: [40, 41], kept: 40, differ: false },
    ]);
  });
});

describe('selectRows', () => {
  it('carries over the spreadsheet row of each selected row', () => {
    const panel = panelFrom({ y: [1, 2, 3] });
    expect(selectRows(panel, Int32Array.from([2, 0])).rowNumbers).toEqual([4, 2]);
    expect(selectRows({ ...panel, rowNumbers: [10, 20, 30] }, Int32Array.from([2, 0])).rowNumbers).toEqual([30, 10]);
  });
});
