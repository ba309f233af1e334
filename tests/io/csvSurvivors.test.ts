/**
 * The CSV reader of src/io/csv.ts pinned where the mutation run found it unchecked (docs/mutation-survivors.md):
 * which byte is named first in invalid UTF-8 and where (row, column, how Windows-1252 reads it), the byte-order
 * mark at the start against bytes that merely resemble it, Excel's `sep=` line and web pages, the header checks,
 * the parse errors with their row and column, row names, and the notes about the header.
 */
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import {
  checkHeader,
  checkNoBom,
  checkRepeatedHeader,
  csvParseError,
  displayText,
  headerNotes,
  parseCsv,
  rowNamesKind,
  rowNumber,
} from '../../src/io/csv.js';
import { thrownBy } from '../helpers.js';

const source = (...parts: (string | readonly number[])[]) => ({
  name: 'in.csv',
  bytes: Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : Buffer.from(part)))),
});

const message = (action: () => unknown): string => thrownBy(action, DataError).message;

const BOM = [0xef, 0xbb, 0xbf];

/** The message for invalid UTF-8 at `hex` on `row`, in `column` if named, read by Windows-1252 as `reads`. */
function notUtf8(row: number, hex: string, column: string | undefined, reads: string | undefined): string {
  const where = column === undefined ? '' : ` in column "${column}"`;
  return `in.csv row ${row}: is not valid UTF-8 text (byte ${hex}${where}${reads ?? ''}); save it as UTF-8 CSV`;
}
const latin1 = (char: string) => `, which Latin-1/Windows-1252 reads as "${char}"`;
const AS_FF = latin1('ÿ');

describe('the first invalid UTF-8 byte', () => {
  // Each valid character comes before an invalid FF on the same row: the FF, not the character, must be named.
  it.each([
    ['é (C3 A9)', [0xc3, 0xa9]],
    ['© (C2 A9, the lowest two-byte lead)', [0xc2, 0xa9]],
    ['U+07FF (DF BF, the highest two-byte lead and continuation)', [0xdf, 0xbf]],
    ['À (C3 80, the lowest continuation)', [0xc3, 0x80]],
    ['€ (E2 82 AC)', [0xe2, 0x82, 0xac]],
    ['₀ (E2 82 80, a low third byte)', [0xe2, 0x82, 0x80]],
    ['₿ (E2 82 BF, the highest third byte)', [0xe2, 0x82, 0xbf]],
    ['U+0800 (E0 A0 80, the lowest three-byte character)', [0xe0, 0xa0, 0x80]],
    ['， (EF BC 8C, the highest three-byte lead)', [0xef, 0xbc, 0x8c]],
    ['U+D7FF (ED 9F BF, just below the surrogates)', [0xed, 0x9f, 0xbf]],
    ['😀 (F0 9F 98 80)', [0xf0, 0x9f, 0x98, 0x80]],
    ['U+10000 (F0 90 80 80, the lowest four-byte character)', [0xf0, 0x90, 0x80, 0x80]],
    ['U+40000 (F1 80 80 80)', [0xf1, 0x80, 0x80, 0x80]],
    ['U+10FFFF (F4 8F BF BF, the highest character)', [0xf4, 0x8f, 0xbf, 0xbf]],
  ])('is found after a valid %s', (_, valid) => {
    expect(message(() => parseCsv(source('g,x\na,', valid, [0xff], '\n')))).toBe(notUtf8(2, 'FF', 'x', AS_FF));
  });

  it.each([
    ['a lone continuation byte 80', [0x80, 0x62], '80', ', which Windows-1252 reads as "€"'],
    ['an overlong C0 80', [0xc0, 0x80, 0x80, 0x80], 'C0', latin1('À')],
    ['a lead byte F8 (five-byte form)', [0xf8, 0x80, 0x80, 0x80], 'F8', latin1('ø')],
    ['an overlong E0 80 80', [0xe0, 0x80, 0x80], 'E0', latin1('à')],
    ['a surrogate ED A0 80', [0xed, 0xa0, 0x80], 'ED', latin1('í')],
    ['an overlong F0 80 80 80', [0xf0, 0x80, 0x80, 0x80], 'F0', latin1('ð')],
    ['F4 90 80 80, above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 'F4', latin1('ô')],
    ['C3 followed by another lead', [0xc3, 0xc3, 0xa9], 'C3', latin1('Ã')],
    ['E2 82 followed by ASCII', [0xe2, 0x82, 0x41], 'E2', latin1('â')],
    ['E2 82 followed by a lead', [0xe2, 0x82, 0xc3, 0xa9], 'E2', latin1('â')],
    ['A0 (no-break space in Latin-1)', [0xa0], 'A0', latin1('\u00a0')],
    ['81 (undefined in Windows-1252)', [0x81], '81', undefined],
    ['8D (undefined in Windows-1252)', [0x8d], '8D', undefined],
    ['9F (Ÿ in Windows-1252)', [0x9f], '9F', ', which Windows-1252 reads as "Ÿ"'],
  ])('is %s, named at its lead byte', (_, bad, hex, reads) => {
    expect(message(() => parseCsv(source('g,x\na,', bad, '\n')))).toBe(notUtf8(2, hex, 'x', reads));
  });

  it.each([
    ['C3', [0xc3], latin1('Ã')],
    ['E2 82', [0xe2, 0x82], latin1('â')],
  ])('is a sequence %s cut off by the end of the file', (hex, bad, reads) => {
    expect(message(() => parseCsv(source('g,x\na,b', bad)))).toBe(notUtf8(2, hex.slice(0, 2), 'x', reads));
  });

  it('names no column on the header row, nor at the very first byte', () => {
    expect(message(() => parseCsv(source('g', [0xff], ',x\n1,2\n')))).toBe(notUtf8(1, 'FF', undefined, AS_FF));
    expect(message(() => parseCsv(source([0xff], 'g,x\n1,2\n')))).toBe(notUtf8(1, 'FF', undefined, AS_FF));
  });

  it('counts lone CRs as line ends', () => {
    expect(message(() => parseCsv(source('g,x\ra,', [0xff], '\r')))).toBe(notUtf8(2, 'FF', 'x', AS_FF));
    expect(message(() => parseCsv(source('g,x\r\na,1\rb,', [0xff], '\r\n')))).toBe(notUtf8(3, 'FF', 'x', AS_FF));
  });

  it('finds the column by the commas outside quotes, from the start of its own line', () => {
    expect(message(() => parseCsv(source('g,"x"\na,', [0xff], '\n')))).toBe(notUtf8(2, 'FF', 'x', AS_FF));
    expect(message(() => parseCsv(source('g,x,y\na,"b,c",', [0xff], '\n')))).toBe(notUtf8(2, 'FF', 'y', AS_FF));
    expect(message(() => parseCsv(source(' g , x \na,', [0xff], '\n')))).toBe(notUtf8(2, 'FF', 'x', AS_FF));
  });

  it('names no column when the header cannot be parsed or the row is wider than it', () => {
    expect(message(() => parseCsv(source('g,"x\n1,', [0xff], '\n')))).toBe(notUtf8(2, 'FF', undefined, AS_FF));
    expect(message(() => parseCsv(source('g,x\n1,2,', [0xff], '\n')))).toBe(notUtf8(2, 'FF', undefined, AS_FF));
  });
});

describe('a byte-order mark at the start, and bytes that only resemble one', () => {
  // A, C2 BF (¿); E2 BB BF, EF BF BF and EF BB 80 are valid characters that share two of the mark's three bytes.
  const lookalikes: [string, number[]][] = [
    ['a¿', [0x61, 0xc2, 0xbf]],
    ['U+2EFF', [0xe2, 0xbb, 0xbf]],
    ['U+FFFF', [0xef, 0xbf, 0xbf]],
    ['U+FEC0', [0xef, 0xbb, 0x80]],
  ];

  it('is skipped before blank lines, which are still refused as blank', () => {
    expect(message(() => parseCsv(source(BOM, '\n \r\n\t\n')))).toBe(
      'in.csv: the file has only blank lines: there is no header row',
    );
  });

  it('is skipped before a sep= line and a "#" comment line, which are still named', () => {
    expect(message(() => parseCsv(source(BOM, 'sep=;\na;b\n1;2\n')))).toBe(
      `in.csv row 1: starts with Excel's "sep=;" line instead of a header; delete that line and save the file ` +
        'comma-separated',
    );
    expect(message(() => parseCsv(source(BOM, '# exported\na,b\n1,2\n')))).toBe(
      'in.csv row 1: starts with a "#" comment line instead of a header; delete the comment lines',
    );
  });

  it.each(lookalikes)('%s is not taken for one before a line break: the header is read', (_, head) => {
    expect(message(() => parseCsv(source(head, '\n')))).toBe('in.csv: the file has a header row but no data rows');
  });

  it.each(lookalikes)('%s is not taken for one before "sep="', (_, head) => {
    const table = parseCsv(source(head, 'sep=\n1\n'));
    expect(table.header).toEqual([`${Buffer.from(head).toString()}sep=`]);
    expect(table.records).toEqual([['1']]);
  });

  it.each(lookalikes)('%s is not taken for one before "#"', (_, head) => {
    expect(message(() => parseCsv(source(head, '#,b\n1\n')))).toBe('in.csv row 2: has 1 field but the header has 2');
  });
});

describe("Excel's sep= line and web pages", () => {
  const sepLine = (shown: string, resave: boolean) =>
    `in.csv row 1: starts with Excel's "sep=${shown}" line instead of a header; delete that line` +
    (resave ? ' and save the file comma-separated' : '');

  it.each([
    ['sep=;\na;b\n1;2\n', ';', true],
    ['sep=,\na,b\n1,2\n', ',', false],
    ['SEP=\t\na\tb\n1\t2\n', '\\t', true],
    ['sep=\na,b\n1,2\n', '', true],
    ['sep=|', '|', true],
    ['sep=;\r\na;b\r\n', ';', true],
  ])('refuses %j', (text, shown, resave) => {
    expect(message(() => parseCsv(source(text)))).toBe(sepLine(shown, resave));
  });

  it('reads "sep=" anywhere but at the start of the file as data', () => {
    expect(parseCsv(source('a,sep=\n1,2\n')).header).toEqual(['a', 'sep=']);
  });

  it.each([
    '<html>\n<body>\n',
    ' \t<html lang="en">\n<body>\n',
    '<!DOCTYPE  html>\n<html>\n',
    '<!doctype html>\n',
    '<?xml version="1.0"?>\n<a/>\n',
  ])('refuses the web page or XML %j', (text) => {
    const error = thrownBy(() => parseCsv(source(text)), DataError);
    expect(error.message).toBe('in.csv row 1: is an HTML or XML document (a web page?), not CSV text');
  });

  it('reads "<html>" anywhere but at the start of the file as data', () => {
    expect(parseCsv(source('x,<html>\n1,2\n')).header).toEqual(['x', '<html>']);
    expect(parseCsv(source('x<html>\n1\n')).header).toEqual(['x<html>']);
  });
});

describe('checkHeader', () => {
  it('names an empty and a blank header cell by position, with the row and the hint', () => {
    const empty = thrownBy(() => checkHeader(['a', ''], ['a', ''], 'f'), DataError);
    expect(empty.message).toBe('f row 1: header cell 2 is empty; every column needs a name');
    expect(empty.location).toEqual({ file: 'f', row: 1 });
    expect(message(() => checkHeader(['a', '  '], ['a', ''], 'f', 4, ' (see x)'))).toBe(
      'f row 4: header cell 2 is blank (only spaces); every column needs a name (see x)',
    );
  });

  it('names a repeated name by both positions, without a hint unless given one', () => {
    expect(message(() => checkHeader(['a', 'b', 'a'], ['a', 'b', 'a'], 'f'))).toBe(
      'f row 1: column name "a" appears twice (header cells 1 and 3)',
    );
  });

  it('looks for another separator only in a single-column header', () => {
    expect(() => checkHeader(['a;b', 'c|d'], ['a;b', 'c|d'], 'f')).not.toThrow();
    expect(message(() => checkHeader(['a\tb'], ['a\tb'], 'f'))).toBe(
      'f row 1: the header is a single column "a\\tb": the file seems to be separated by tabs, but cpp-variance ' +
        'reads comma-separated CSV; save it with "," as the separator',
    );
    expect(message(() => checkHeader(['a|b'], ['a|b'], 'f', 3))).toBe(
      'f row 3: the header is a single column "a|b": the file seems to be separated by "|", but cpp-variance ' +
        'reads comma-separated CSV; save it with "," as the separator',
    );
  });
});

describe('checkNoBom and checkRepeatedHeader', () => {
  it('name a cell beyond the header by its position', () => {
    const error = thrownBy(() => checkNoBom([['a'], ['x', '\ufeffy']], ['a'], 'f'), DataError);
    expect(error.location).toEqual({ file: 'f', row: 2, column: '#2' });
  });

  it('takes only a row as wide as the header for a repeat of it, with spaces trimmed', () => {
    expect(() => checkRepeatedHeader({ file: 'f', header: ['a', 'b'], records: [['a']] })).not.toThrow();
    expect(message(() => parseCsv(source('a,b\n1,2\n a , b\n')))).toBe(
      'in.csv row 3: repeats the header row (were two files joined?); delete this row',
    );
  });
});

describe('parse errors', () => {
  it('name a header cell by its position', () => {
    const error = thrownBy(() => parseCsv(source('a,b"c\n1,2\n')), DataError);
    expect(error.message).toBe(
      'in.csv row 1, column "#2": a quote character is misplaced inside a field (quote the whole field and double ' +
        'inner quotes)',
    );
    expect(message(() => parseCsv(source('g,"x\n1,2\n')))).toBe(
      'in.csv row 1: a quoted field is opened here and never closed (in column "#2")',
    );
  });

  it('name a data cell by its header name, and none beyond the header', () => {
    expect(message(() => parseCsv(source('a,b\n1,"2\n')))).toBe(
      'in.csv row 2: a quoted field is opened here and never closed (in column "b")',
    );
    expect(message(() => parseCsv(source('a,b\n1,2,"3\n')))).toBe(
      'in.csv row 2: a quoted field is opened here and never closed',
    );
    const misplaced = thrownBy(() => parseCsv(source('a,b\n1,2,x"y\n')), DataError);
    expect(misplaced.location).toStrictEqual({ file: 'in.csv', row: 2 });
  });

  it('read a header width of two digits', () => {
    const header = Array.from({ length: 10 }, (_, i) => `c${i}`).join(',');
    expect(message(() => parseCsv(source(`${header}\n${'1,'.repeat(10)}1\n`)))).toBe(
      'in.csv row 2: has 11 fields but the header has 10 (a comma inside a value, such as a decimal comma or ' +
        'thousands separator, must be quoted)',
    );
  });

  it('blame a "#" first line only when the second row disagrees with it', () => {
    expect(message(() => parseCsv(source('#x,y\n1,2\n3\n')))).toBe('in.csv row 3: has 1 field but the header has 2');
    expect(message(() => parseCsv(source('a,b\n1\n')))).toBe('in.csv row 2: has 1 field but the header has 2');
  });
});

/**
 * csvParseError accepts anything thrown: csv-parse's own failures are reached through parseCsv above; these are
 * the failures it does not produce today (no code, no record count, no column, no record, another code), which a
 * future version or a bug could, and which must still give one readable DataError.
 */
describe("csvParseError: failures without csv-parse's fields", () => {
  const bytes = Buffer.from('a,b\n1,2\n');
  const parseFailure = (fields: Record<string, unknown>) =>
    Object.assign(new Error('Invalid Record Length: expect 2, got 3'), fields);
  const describeFailure = (error: unknown) => {
    const failure = csvParseError(error, 'in.csv', bytes);
    expect(failure).toBeInstanceOf(DataError);
    return { message: failure.message, location: failure.location };
  };

  it('something not an error, or an error without a code: its text, with the file only', () => {
    expect(describeFailure('plain text')).toStrictEqual({
      message: 'in.csv: cannot be parsed as CSV (plain text)',
      location: { file: 'in.csv' },
    });
    expect(describeFailure(null)).toStrictEqual({
      message: 'in.csv: cannot be parsed as CSV (null)',
      location: { file: 'in.csv' },
    });
    expect(describeFailure({ message: 42, code: 7 })).toStrictEqual({
      message: 'in.csv: cannot be parsed as CSV ([object Object])',
      location: { file: 'in.csv' },
    });
  });

  it('an unknown code: its message at the row after the records read, row 1 when none is given', () => {
    expect(describeFailure(parseFailure({ code: 'CSV_SOMETHING_NEW', records: 4 }))).toStrictEqual({
      message: 'in.csv row 5: cannot be parsed as CSV (Invalid Record Length: expect 2, got 3)',
      location: { file: 'in.csv', row: 5 },
    });
    expect(describeFailure(parseFailure({ code: 'CSV_SOMETHING_NEW', records: '4' })).location).toStrictEqual({
      file: 'in.csv',
      row: 1,
    });
  });

  it('a field-count failure without the record, or without the width in its message', () => {
    const code = 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH';
    expect(describeFailure(parseFailure({ code, records: 1 })).message).toBe(
      'in.csv row 2: has a different number of fields but the header has 2',
    );
    expect(
      describeFailure(Object.assign(new Error('odd'), { code, records: 1, record: ['1', '2', '3'] })).message,
    ).toBe('in.csv row 2: has 3 fields but the header has another number');
    expect(describeFailure(parseFailure({ code, records: 1, record: ['1'] })).message).toBe(
      'in.csv row 2: has 1 field but the header has 2',
    );
    // The code csv-parse gives with its `columns` option, which the reader does not use today.
    expect(
      describeFailure(parseFailure({ code: 'CSV_RECORD_DONT_MATCH_COLUMNS_LENGTH', records: 1, record: ['1'] }))
        .message,
    ).toBe('in.csv row 2: has 1 field but the header has 2');
    expect(describeFailure(parseFailure({ code, records: 1, record: ['1', '2'] })).message).toBe(
      'in.csv row 2: has 2 fields but the header has 2',
    );
  });

  it('a quote failure without a column names no column; with one beyond the header, none either', () => {
    expect(describeFailure(parseFailure({ code: 'CSV_QUOTE_NOT_CLOSED', records: 1 })).message).toBe(
      'in.csv row 2: a quoted field is opened here and never closed',
    );
    expect(
      describeFailure(parseFailure({ code: 'INVALID_OPENING_QUOTE', records: 1, column: 1 })).location,
    ).toStrictEqual({
      file: 'in.csv',
      row: 2,
      column: 'b',
    });
    expect(
      describeFailure(parseFailure({ code: 'CSV_INVALID_CLOSING_QUOTE', records: 1, column: '1' })).location,
    ).toStrictEqual({
      file: 'in.csv',
      row: 2,
    });
  });

  it('a record too long: the limit and the likely causes', () => {
    expect(describeFailure(parseFailure({ code: 'CSV_MAX_RECORD_SIZE', records: 0 })).message).toBe(
      'in.csv row 1: a record is longer than 1 MiB (a quote may be unclosed, or the file may not be CSV)',
    );
  });
});

describe('row names and header notes', () => {
  it('rowNamesKind trims the header and the values, and needs records', () => {
    expect(rowNamesKind(['', '  '], [['1'], ['2']])).toBe(false);
    expect(rowNamesKind(['', 'a'], [])).toBe(false);
    expect(rowNamesKind(['', 'a'], [[' 1'], ['2 ']])).toBe('numbers');
    expect(rowNamesKind(['', 'a'], [['1'], ['  ']])).toBe(false);
  });

  it('rowNumber is index + 2 without a table or its row numbers', () => {
    expect(rowNumber(0)).toBe(2);
    expect(rowNumber(3, {})).toBe(5);
    expect(rowNumber(1, { rowNumbers: [7, 9] })).toBe(9);
  });

  it('headerNotes says what was done, in the singular or plural, and nothing else', () => {
    expect(headerNotes('f', undefined)).toEqual([]);
    expect(headerNotes('f', { unnamed: [] })).toEqual([]);
    expect(headerNotes('f', { unnamed: ['unnamed_2'] })).toEqual([
      'f: 1 header cell has no name; named unnamed_2 (--allow-unnamed)',
    ]);
    expect(headerNotes('f', { rowNames: 'labels', unnamed: ['unnamed_1', 'unnamed_3'] })).toEqual([
      "f: the first column has no name and a different value on every row: row names, as R's write.csv writes " +
        'them; it is left out',
      'f: 2 header cells have no name; named unnamed_1, unnamed_3 (--allow-unnamed)',
    ]);
    expect(headerNotes('f', { rowNames: 'numbers', unnamed: [] })).toEqual([
      "f: the first column has no name and numbers the rows 1, 2, …: row names, as R's write.csv writes them; " +
        'it is left out',
    ]);
  });
});

describe('displayText', () => {
  it('cuts only text longer than the limit', () => {
    expect(displayText('x'.repeat(60))).toBe('x'.repeat(60));
    expect(displayText('x'.repeat(61))).toBe(`${'x'.repeat(60)}…`);
    expect(displayText('abc', 3)).toBe('abc');
    expect(displayText('abcd', 3)).toBe('abc…');
  });
});
