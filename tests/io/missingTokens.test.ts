/**
 * Missing-value tokens are compared after trimming the cell (and the token): ` NA `, a cell of spaces, and ` . `
 * under --na . are missing, in numeric and categorical columns alike, exactly as `NA`, an empty cell and `.` are.
 * The CSV parser keeps the spaces (RFC 4180 cells are not trimmed), so this is the panel reader's job.
 */
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/io/csv.js';
import { completeCases, readPanel, type Panel } from '../../src/io/panel.js';

const source = (text: string) => ({ name: 'in.csv', bytes: Buffer.from(text) });

const numeric = (panel: Panel, name: string) => {
  const column = panel.columns.get(name);
  if (column?.kind !== 'numeric') throw new Error(`${name} is not numeric`);
  return Array.from(column.values);
};

describe('padded missing-value tokens', () => {
  // Rows 2–7 of the file; x and g hold one padded token per row, y is always present.
  const text = 'g,x,y\n a ,1,10\n NA , NA ,11\n  ,  ,12\n\t. ,\t. ,13\n"  NA","NA  ",14\n b , 2 ,15\n';
  const table = parseCsv(source(text));

  it('the parser keeps the padding', () => {
    expect(table.records.map((r) => r[1])).toEqual(['1', ' NA ', '  ', '\t. ', 'NA  ', ' 2 ']);
  });

  it('reads " NA " and a cell of spaces as missing in a numeric column (no --na needed)', () => {
    const table2 = parseCsv(source('x,y\n NA ,1\n  ,2\n"   ",3\n4,4\n'));
    const panel = readPanel(table2, [{ name: 'x', kind: 'numeric' }]);
    expect(numeric(panel, 'x')).toEqual([Number.NaN, Number.NaN, Number.NaN, 4]);
  });

  it('reads " . " as missing under --na ".", and a padded token given to --na as well', () => {
    const requests = [
      { name: 'g', kind: 'categorical' as const },
      { name: 'x', kind: 'numeric' as const },
      { name: 'y', kind: 'numeric' as const },
    ];
    for (const token of ['.', ' . ']) {
      const panel = readPanel(table, requests, { missingTokens: [token] });
      expect(numeric(panel, 'x')).toEqual([1, Number.NaN, Number.NaN, Number.NaN, Number.NaN, 2]);
      const g = panel.columns.get('g');
      expect(g?.kind === 'categorical' && [Array.from(g.codes), g.levels]).toEqual([
        [0, -1, -1, -1, -1, 1],
        ['a', 'b'],
      ]);
      const cases = completeCases(panel, ['g', 'x', 'y']);
      expect(Array.from(cases.rows)).toEqual([0, 5]);
      expect(cases.missingByColumn).toEqual({ g: 4, x: 4, y: 0 });
    }
  });

  it('without --na, " . " is still an error naming its row, not a number', () => {
    expect(() => readPanel(table, [{ name: 'x', kind: 'numeric' }])).toThrow(
      'in.csv row 5, column "x": "\\t. " is not a number',
    );
  });
});
