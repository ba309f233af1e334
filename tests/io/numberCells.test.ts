import { describe, expect, it } from 'vitest';
import type { RawTable } from '../../src/io/csv.js';
import { columnNotFound, completeCases, parseStrictNumber, readPanel } from '../../src/io/panel.js';

/**
 * Which cells read as numbers, and what the message says about those that do not, case by case: each case pins a
 * piece of the patterns (anchors, quantifiers, signs) that the mutation run found unchecked (docs/mutation.md).
 */

describe('parseStrictNumber', () => {
  it.each([
    ['1', 1],
    ['-1.5', -1.5],
    ['+2', 2],
    ['.55', 0.55],
    ['5.', 5],
    ['2e3', 2000],
    ['1e10', 1e10],
    ['2E-3', 0.002],
    ['7e+12', 7e12],
    [' 7 ', 7],
    ['\t-0.25\t', -0.25],
  ])('reads %j as %d', (cell, value) => expect(parseStrictNumber(cell)).toBe(value));

  it.each([
    '',
    '.',
    '1e',
    'e3',
    '1e+',
    '1.2.3',
    'x1',
    '1x',
    '1 x',
    'a1.5',
    '--1',
    '+-1',
    '.e1',
    '1e1.5',
    '0x10',
    'Inf',
    '1,5',
    '1 000',
    '1e400',
  ])('refuses %j', (cell) => expect(parseStrictNumber(cell)).toBeUndefined());
});

/** The message readPanel gives for a column `x` asked for as numbers, whose cells are `cells`. */
function messageFor(cells: readonly string[]): string {
  const table: RawTable = { file: 'in.csv', header: ['x'], records: cells.map((cell) => [cell]) };
  try {
    readPanel(table, [{ name: 'x', kind: 'numeric' }]);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`cells ${JSON.stringify(cells)} were read as numbers`);
}

const DECIMAL = ' (use "." as the decimal point and no thousands separators)';
const INFINITE = ' (infinite and NaN values are not data)';
const TOO_LARGE = ' (it is too large for a double-precision number)';
const HEX = ' (write it as a plain decimal number; hexadecimal is not read)';
const MINUS = ' (write the minus sign as the ASCII hyphen-minus "-")';
const DIGITS = ' (only a plain decimal number is read: no units, currency or percent signs, or other text)';

describe('the hint for a cell that is not a number', () => {
  it.each([
    ['1,234', DECIMAL],
    ['-1,234,567.5', DECIMAL],
    ['+12,345.25', DECIMAL],
    ['3,5', DECIMAL],
    ['-3,75', DECIMAL],
    ['1 234', DECIMAL],
    ['12\u00a0345.5', DECIMAL],
    ['1\u202f234\u202f567', DECIMAL],
    ['x1,234', DIGITS],
    ['1,234x', DIGITS],
    ['1,2345', DECIMAL],
    ['1,23', DECIMAL],
    ['12,345,678', DECIMAL],
    ['1234,567,890', DIGITS],
    ['1,234.', DIGITS],
    ['1,234.5x', DIGITS],
    ['12 345x', DIGITS],
    ['a12 345', DIGITS],
    ['1 234 5', DIGITS],
    ['1 234.x', DIGITS],
    ['1 234.56', DECIMAL],
    ['12\u00a0345\u00a0678.125', DECIMAL],
    [' 1,234 ', DECIMAL],
    ['\t3,5 ', DECIMAL],
    ['Inf', INFINITE],
    ['-nan', INFINITE],
    ['+Infinity', INFINITE],
    ['Infinite', ' (if it marks a missing value, add --na "Infinite")'],
    ['xInf', ' (if it marks a missing value, add --na "xInf")'],
    ['1e999', TOO_LARGE],
    ['0x1F', HEX],
    ['-0xff', HEX],
    ['a0x1F', DIGITS],
    ['0x1Fg', DIGITS],
    ['\u2212 5', MINUS],
    ['\u22125.5', MINUS],
    ['\u20133', MINUS],
    ['a\u22125', DIGITS],
    ['\u2212x5', DIGITS],
    ['12%', DIGITS],
    ['n/a', ' (if it marks a missing value, add --na "n/a")'],
    ['x'.repeat(40), ` (if it marks a missing value, add --na "${'x'.repeat(40)}")`],
    ['x'.repeat(41), ''],
  ])('%j: the hint is %j', (cell, hint) => {
    const message = messageFor(['1', cell, '2']);
    expect(message.startsWith('in.csv row 3, column "x": "')).toBe(true);
    expect(message.endsWith(`" is not a number${hint}`)).toBe(true);
  });

  it('a cell that is a missing token with spaces around it is missing, not an error', () => {
    const table: RawTable = { file: 'in.csv', header: ['x'], records: [['1'], [' NA '], ['2']] };
    const column = readPanel(table, [{ name: 'x', kind: 'numeric' }]).columns.get('x')!;
    expect(column.kind).toBe('numeric');
  });
});

describe('a column of labels asked for as numbers', () => {
  const TEXT = ' (a text column: use its values as categories with --fe NAME=x, or derive a 0/1 column from it)';
  const LOGICAL = ' (a TRUE/FALSE column: a fixed effect, --fe NAME=x, fits the same as a 0/1 column)';
  const first = (cells: readonly string[]) => messageFor(cells).replace(/^in\.csv row \d+, column "x": "[^"]*"/, '');

  it.each(['TRUE', 'FALSE', 'True', 'False', 'true', 'false', 'T', 'F'])('%s is a logical value', (token) => {
    expect(first([token, token, token])).toBe(` is not a number${LOGICAL}`);
  });

  it('two different labels make a text column; one label among numbers gets its own hint', () => {
    expect(first(['north', 'south', 'north'])).toBe(` is not a number${TEXT}`);
    expect(first(['1', '2', 'north', 'south'])).toBe(` is not a number${TEXT}`);
    expect(first(['1', '2', '3', 'north', 'south'])).toBe(
      ' is not a number (if it marks a missing value, add --na "north")',
    );
    expect(first(['1', 'north', 'north'])).toBe(' is not a number (if it marks a missing value, add --na "north")');
    expect(first(['TRUE', 'FALSE', 'north', 'south'])).toBe(` is not a number${TEXT}`);
    expect(first(['TRUE', 'north'])).toBe(' is not a number (if it marks a missing value, add --na "TRUE")');
  });

  it('missing-value markers with spaces around them are not labels', () => {
    expect(first(['north', ' NA ', ' NA '])).toBe(' is not a number (if it marks a missing value, add --na "north")');
    expect(first([' TRUE', 'FALSE ', ' NA'])).toBe(` is not a number${LOGICAL}`);
  });

  it('labels longer than 40 characters do not count as labels', () => {
    const [a40, b40, a41, b41] = ['a', 'b', 'a', 'b'].map((c, i) => c.repeat(i < 2 ? 40 : 41));
    expect(first([a40!, b40!])).toBe(` is not a number${TEXT}`);
    expect(first([a41!, b41!])).toBe(' is not a number');
  });
});

describe('columnNotFound', () => {
  const table = (header: string[]): RawTable => ({ file: 'in.csv', header, records: [] });

  it('suggests a name that differs only in case or surrounding spaces', () => {
    expect(columnNotFound(table(['la', 'Spend']), 'spend').message).toBe(
      'in.csv: column "spend" not found (did you mean "Spend"? names are case-sensitive); the columns are: la, Spend',
    );
    expect(columnNotFound(table(['la', ' Spend ']), 'spend').message).toMatch(/did you mean " Spend "\?/);
    expect(columnNotFound(table(['la', 'spend']), ' SPEND').message).toMatch(/did you mean "spend"\?/);
    expect(columnNotFound(table(['la', 'spending']), 'spend').message).not.toMatch(/did you mean/);
  });

  it('lists at most 30 columns, then how many there are', () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `c${i + 1}`);
    expect(columnNotFound(table(names(30)), 'x').message).toMatch(/: c1, c2, .*, c30$/);
    expect(columnNotFound(table(names(31)), 'x').message).toMatch(/: c1, .*, c30, … \(31 in all\)$/);
  });
});

describe('readPanel on a table not made by parseCsv', () => {
  it('a record narrower than the header is an error naming its row and column', () => {
    const table: RawTable = { file: 'in.csv', header: ['a', 'x'], records: [['1', '2'], ['3']] };
    for (const kind of ['numeric', 'categorical'] as const) {
      expect(() => readPanel(table, [{ name: 'x', kind }])).toThrow(
        'in.csv row 3, column "x": has 1 fields but the header has 2',
      );
    }
  });

  it('a narrow record is no label when a column of numbers is checked for text', () => {
    const table: RawTable = { file: 'in.csv', header: ['x', 'y'], records: [['north', '1'], [], ['2', '3']] };
    expect(() => readPanel(table, [{ name: 'x', kind: 'numeric' }])).toThrow(
      'in.csv row 2, column "x": "north" is not a number (if it marks a missing value, add --na "north")',
    );
  });

  it('completeCases refuses a column readPanel did not read', () => {
    const table: RawTable = { file: 'in.csv', header: ['x', 'y'], records: [['1', '2']] };
    const panel = readPanel(table, [{ name: 'x', kind: 'numeric' }]);
    expect(completeCases(panel, ['x']).rows).toEqual(Int32Array.from([0]));
    expect(() => completeCases(panel, ['x', 'y'])).toThrow('in.csv: column "y" was not read');
  });
});
