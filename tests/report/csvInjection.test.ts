/**
 * The CSV formula-injection guard of `renderCsv` (OWASP "CSV injection"): a text cell that a spreadsheet would run
 * as a formula — one starting with =, +, -, @, tab or carriage return — is written with a leading single quote.
 * Numbers are not formulas: a negative number stays a number (-1.5, not '-1.5), whether it comes as a number or as
 * the text of a data cell passed through (join, stack, derive write their tables through the same writer).
 * Expected lines are written out by hand.
 */
import { describe, expect, it } from 'vitest';
import { writeCsv } from '../../src/report/csv.js';
import { renderCsv, type Tabular } from '../../src/report/tabular.js';

/** The CSV of a one-column table with the given cells. */
function csvOf(...cells: (string | number | null)[]): string {
  const table: Tabular = { title: 't', columns: ['value'], rows: cells.map((cell) => [cell]), notes: [] };
  return renderCsv(table);
}

describe('renderCsv formula-injection guard', () => {
  it.each([
    ['=', '=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['=', '=1+1', "'=1+1"],
    ['+', '+1+1', "'+1+1"],
    ['-', '-2+3', "'-2+3"],
    ['@', '@SUM(A1:A2)', "'@SUM(A1:A2)"],
    ['tab', '\t=1+1', "'\t=1+1"],
    ['carriage return', '\r=1+1', `"'\r=1+1"`],
  ])('prefixes a text cell starting with %s', (_, cell, expected) => {
    expect(csvOf(cell)).toBe(`value\n${expected}\n`);
  });

  it('writes text that reads as a number unchanged: it is data, not a formula', () => {
    expect(csvOf('-1.5', '+2e-3', '-.5', '-1,5')).toBe(`value\n-1.5\n+2e-3\n-.5\n"'-1,5"\n`);
  });

  it('is the writer of every CSV: data tables from join, stack and derive get the same guard', () => {
    expect(
      writeCsv(
        ['la', 'name'],
        [
          ['-3', '=cmd|calc'],
          ['201', 'Camden'],
        ],
      ),
    ).toBe("la,name\n-3,'=cmd|calc\n201,Camden\n");
  });

  it('writes numbers, negative ones included, as plain numbers in full precision', () => {
    expect(csvOf(-1.5, -0.000123, 1.5, -1e-12, 0.1 + 0.2)).toBe(
      'value\n-1.5\n-0.000123\n1.5\n-1e-12\n0.30000000000000004\n',
    );
  });

  it('leaves text with a trigger character elsewhere than at the start, and empty and missing cells, alone', () => {
    expect(csvOf('a=b', 'x-1', 'mail@example.org', '', null)).toBe('value\na=b\nx-1\nmail@example.org\n\n\n');
  });

  it('guards column names too', () => {
    const table: Tabular = { title: 't', columns: ['=a', 'b'], rows: [['-x', -2]], notes: [] };
    expect(renderCsv(table)).toBe("'=a,b\n'-x,-2\n");
  });
});
