import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { displayPath, displayText, parseCsv, quotedText } from '../../src/io/csv.js';
import { completeCases, readPanel } from '../../src/io/panel.js';
import { thrownBy } from '../helpers.js';

const source = (text: string | Buffer) => ({ name: 'in.csv', bytes: Buffer.isBuffer(text) ? text : Buffer.from(text) });

const message = (action: () => unknown): string => thrownBy(action, DataError).message;

describe('parseCsv on awkward but valid input', () => {
  it('reads CRLF, LF and lone CR line ends mixed in one file', () => {
    const table = parseCsv(source('g,x\r\na,1\nb,2\rc,3\r\n'));
    expect(table.records).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ]);
  });

  it('keeps line breaks inside quoted fields', () => {
    expect(parseCsv(source('g,x\n"a\r\nb",1\n')).records).toEqual([['a\r\nb', '1']]);
  });

  it('accepts a header that starts with "#" when the rows agree with it', () => {
    expect(parseCsv(source('#id,x\n1,2\n')).header).toEqual(['#id', 'x']);
  });

  it('accepts one column whose name has no separator in it, and rows like the header in part', () => {
    expect(parseCsv(source('x\n1\n')).records).toEqual([['1']]);
    expect(parseCsv(source('g,x\ng,1\n')).records).toEqual([['g', '1']]);
  });

  it('reads a column called __proto__ and counts its missing cells', () => {
    const table = parseCsv(source('__proto__,constructor\n1,\nNA,2\n'));
    const panel = readPanel(table, [
      { name: '__proto__', kind: 'numeric' },
      { name: 'constructor', kind: 'categorical' },
    ]);
    const cases = completeCases(panel, ['__proto__', 'constructor']);
    expect(Object.keys(cases.missingByColumn)).toEqual(['__proto__', 'constructor']);
    // biome-ignore lint/suspicious/noProto: the test is about a column named __proto__
    expect(cases.missingByColumn.__proto__).toBe(1);
  });
});

describe('parseCsv messages', () => {
  it('name the header row for a BOM inside a header name', () => {
    expect(message(() => parseCsv(source('\ufeff\ufeffg,x\na,1\n')))).toBe(
      'in.csv row 1, column "g": contains a byte-order mark (U+FEFF) inside the data, usually left where two files ' +
        'were joined; delete it',
    );
  });

  it('stay on one line and short, whatever the cells', () => {
    // That the number pattern does not backtrack on long digit runs (how fast this is refused) is measured by the
    // benchmark, scenario 7 (`npm run bench`), not timed here.
    const long = message(() =>
      readPanel(parseCsv(source(`x\n${'7'.repeat(1_000_000)}z\n`)), [{ name: 'x', kind: 'numeric' }]),
    );
    expect(long).toMatch(/^in\.csv row 2, column "x": "7{40}…" is not a number/);
    expect(long.length).toBeLessThan(200);
    const multiline = message(() =>
      readPanel(parseCsv(source('"a\u2028b\nc",y\n1,2\n')), [{ name: 'nope', kind: 'numeric' }]),
    );
    expect(multiline).toBe('in.csv: column "nope" not found; the columns are: a\\u2028b\\nc, y');
  });

  it('list at most 30 columns when one is not found', () => {
    const header = Array.from({ length: 40 }, (_, i) => `c${i}`);
    const text = `${header.join(',')}\n${header.map(() => '1').join(',')}\n`;
    expect(message(() => readPanel(parseCsv(source(text)), [{ name: 'zz', kind: 'numeric' }]))).toMatch(
      /c29, … \(40 in all\)$/,
    );
  });

  it('say UTF-32 and invalid UTF-8 apart, and locate the byte', () => {
    expect(message(() => parseCsv(source(Buffer.from([0xff, 0xfe, 0, 0, 0x61, 0, 0, 0]))))).toMatch(
      /^in\.csv: is UTF-32 text/,
    );
    const bad = Buffer.concat([Buffer.from('g,x\r\na,1\r\nb,"2'), Buffer.from([0xc3, 0x28]), Buffer.from('"\r\n')]);
    expect(message(() => parseCsv(source(bad)))).toBe(
      'in.csv row 3: is not valid UTF-8 text (byte C3 in column "x", which Latin-1/Windows-1252 reads as "Ã"); ' +
        'save it as UTF-8 CSV',
    );
  });

  it('helpers escape control characters and cut long text', () => {
    expect(displayText('a\nb\tc\u0000')).toBe('a\\nb\\tc\\u0000');
    expect(displayText('x'.repeat(100), 5)).toBe('xxxxx…');
    expect(quotedText('a"b\n\u2029')).toBe('"a\\"b\\n\\u2029"');
  });

  it('a long path in a title keeps its file name and loses its start', () => {
    const path = `/data/${'d'.repeat(80)}/panel.csv`;
    expect(displayPath(path)).toBe(`…${path.slice(-59)}`);
    expect(displayPath(path)).toHaveLength(60);
    expect(displayPath(path, 12)).toBe('…d/panel.csv');
    expect(displayPath('/a/b.csv')).toBe('/a/b.csv');
    expect(displayPath('x'.repeat(60))).toBe('x'.repeat(60));
    expect(displayPath('/a/\nb.csv')).toBe('/a/\\nb.csv');
  });
});
