import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/io/csv.js';
import { completeCases, parseStrictNumber, readPanel } from '../../src/io/panel.js';

const source = (text: string) => ({ name: 'in.csv', bytes: Buffer.from(text) });

describe('strict numbers', () => {
  it.each([
    ['12', 12],
    ['-1.5', -1.5],
    ['+3', 3],
    ['.5', 0.5],
    ['5.', 5],
    ['2e3', 2000],
    ['1.5E-2', 0.015],
    [' 7 ', 7],
  ])('accepts %j', (cell, value) => expect(parseStrictNumber(cell)).toBe(value));

  it.each(['12,3', '1,234', 'n/a', 'Inf', 'NaN', '-', '1e', '0x10', '1 2', '£5', '5%', 'e5', '1e999'])(
    'rejects %j',
    (cell) => expect(parseStrictNumber(cell)).toBeUndefined(),
  );
});

describe('reading a panel', () => {
  const table = parseCsv(source('\ufeffg,x,y\r\na,1,NA\r\nb,,2\r\n"c",3,4\r\nNA,5,6\r\n'));

  it('treats empty cells and NA as missing, and keeps categorical labels', () => {
    const panel = readPanel(table, [
      { name: 'g', kind: 'categorical' },
      { name: 'x', kind: 'numeric' },
      { name: 'y', kind: 'numeric' },
    ]);
    const x = panel.columns.get('x');
    expect(x?.kind === 'numeric' && Array.from(x.values)).toEqual([1, Number.NaN, 3, 5]);
    const g = panel.columns.get('g');
    expect(g?.kind === 'categorical' && [Array.from(g.codes), g.levels]).toEqual([
      [0, 1, 2, -1],
      ['a', 'b', 'c'],
    ]);
    const cases = completeCases(panel, ['g', 'x', 'y']);
    expect(Array.from(cases.rows)).toEqual([2]);
    expect(cases.droppedRows).toBe(3);
    expect(cases.missingByColumn).toEqual({ g: 1, x: 1, y: 1 });
  });

  it('adds user missing markers', () => {
    const withDots = parseCsv(source('x\n1\n.\n'));
    expect(() => readPanel(withDots, [{ name: 'x', kind: 'numeric' }])).toThrow(
      'in.csv row 3, column "x": "." is not a number',
    );
    const panel = readPanel(withDots, [{ name: 'x', kind: 'numeric' }], { missingTokens: ['.'] });
    const x = panel.columns.get('x');
    expect(x?.kind === 'numeric' && Number.isNaN(x.values[1]!)).toBe(true);
  });
});
