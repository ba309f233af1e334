/**
 * The refusals of the .ods reader (src/io/ods.ts), message by message: a damaged, password-protected or
 * oversized archive, XML that is not well formed (each with the content.xml line it names), bad repeat counts and
 * character references, and the limits of a sheet at, and one past, each boundary. The mutation run found these
 * paths unreached or their messages and boundaries unchecked.
 */
import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { MAX_CONTENT_BYTES, readOdsCells } from '../../src/io/ods.js';
import {
  cell,
  damaged,
  declareSize,
  doc,
  empty,
  errorOf,
  FILE,
  FOOT,
  HEAD,
  num,
  odsBytes,
  readXml,
  row,
  rowsOf,
  str,
  table,
  xmlErrorOf,
} from './odsFixtures.js';

const readOdsRows = (bytes: Uint8Array) => readOdsCells(bytes, '', FILE).rows;

const SHEET = doc(table('S', row(str('x')), row(num(1))));
const MANIFEST = 'META-INF/manifest.xml';
const ENCRYPTED =
  '<manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data manifest:checksum-type="SHA1"/>' +
  '</manifest:file-entry>';

describe('an .ods archive that cannot be read', () => {
  it('is not a ZIP archive: the reason fflate gives is quoted', () => {
    expect(errorOf(new Uint8Array([1, 2, 3, 4]))).toBe(damaged('the ZIP archive cannot be read: invalid zip data'));
  });

  it('has no content.xml', () => {
    const bytes = zipSync({ mimetype: strToU8('application/vnd.oasis.opendocument.spreadsheet') });
    expect(errorOf(bytes)).toBe(damaged('it has no content.xml'));
  });

  it('has a content.xml that is not UTF-8', () => {
    const bytes = odsBytes(Uint8Array.from([...strToU8(SHEET.slice(0, 60)), 0xff, 0xfe, ...strToU8(SHEET.slice(60))]));
    expect(errorOf(bytes)).toBe(damaged('its content.xml is not UTF-8 text'));
  });

  it('is password-protected, as its manifest says', () => {
    const bytes = odsBytes(SHEET, { [MANIFEST]: strToU8(ENCRYPTED) });
    expect(errorOf(bytes)).toBe(
      `${FILE}: is a password-protected OpenDocument spreadsheet; open it, and save it without a password, or as ` +
        'CSV UTF-8',
    );
  });

  it('declares a content.xml of more than 256 MiB: refused by that size, in MiB', () => {
    const bytes = declareSize(odsBytes(SHEET), 'content.xml', 300 * 1024 * 1024);
    expect(errorOf(bytes)).toBe(
      `${FILE}: has a content.xml of 300 MiB uncompressed, more than the 256 MiB read; save the sheet as CSV ` +
        'UTF-8 and read that',
    );
  });
});

describe('an .ods archive that is read', () => {
  it('has a manifest without encryption', () => {
    const bytes = odsBytes(SHEET, {
      [MANIFEST]: strToU8('<manifest:manifest><manifest:file-entry/></manifest:manifest>'),
    });
    expect(readOdsCells(bytes, '', FILE)).toEqual({ sheets: ['S'], index: 0, rows: [['x'], [1]] });
  });

  it('declares a content.xml of exactly 256 MiB, or of more than a manifest may have', () => {
    for (const size of [MAX_CONTENT_BYTES, 16 * 1024 * 1024 + 1]) {
      const bytes = declareSize(odsBytes(SHEET), 'content.xml', size);
      expect(readOdsRows(bytes)).toEqual([['x'], [1]]);
    }
  });

  it('has a manifest larger than 16 MiB, which is not read (so neither refused nor taken for content.xml)', () => {
    const bytes = declareSize(odsBytes(SHEET, { [MANIFEST]: strToU8(ENCRYPTED) }), MANIFEST, 16 * 1024 * 1024 + 1);
    expect(readOdsRows(bytes)).toEqual([['x'], [1]]);
    const exactly = declareSize(odsBytes(SHEET, { [MANIFEST]: strToU8(ENCRYPTED) }), MANIFEST, 16 * 1024 * 1024);
    expect(errorOf(exactly)).toContain('is a password-protected OpenDocument spreadsheet');
  });

  it('has other entries, damaged ones included, that are never inflated', () => {
    const bytes = Buffer.from(odsBytes(SHEET, { 'styles.xml': strToU8('<styles>'.repeat(50)) }));
    // The deflated data of styles.xml: after its 30-byte local header and name; block type 3 is invalid.
    const data = bytes.indexOf(Buffer.from('styles.xml')) + 'styles.xml'.length;
    expect(bytes.readUInt32LE(data - 'styles.xml'.length - 30)).toBe(0x04034b50);
    bytes.fill(0xff, data, data + 8);
    expect(() => unzipSync(bytes)).toThrow();
    expect(readOdsRows(bytes)).toEqual([['x'], [1]]);
  });

  it('has a content.xml with a byte order mark, or without an XML declaration', () => {
    expect(readOdsRows(odsBytes(Uint8Array.from([0xef, 0xbb, 0xbf, ...strToU8(SHEET)])))).toEqual([['x'], [1]]);
    expect(readXml(SHEET.slice(SHEET.indexOf('\n') + 1)).rows).toEqual([['x'], [1]]);
  });
});

/** content.xml with `bad` on line 4, inside a row of sheet "S". */
const inRow = (bad: string) =>
  `${HEAD}\n<table:table table:name="S"><table:table-row>\n${bad}\n</table:table-row>\n</table:table>${FOOT}`;
/** content.xml with `bad` on line 4, inside sheet "S" between rows. */
const inSheet = (bad: string) =>
  `${HEAD}\n<table:table table:name="S"><table:table-row/>\n${bad}\n</table:table>${FOOT}`;

describe('content.xml that is not well formed: what is wrong, and on which line', () => {
  it.each([
    ['<!-- never closed', 'an unclosed comment'],
    ['<![CDATA[ never closed', 'an unclosed CDATA section'],
    ['<!ELEMENT x ANY>', 'a DOCTYPE or other declaration, which an OpenDocument file does not have'],
    ['<?never closed', 'an unclosed processing instruction'],
    ['<table:table-cell <text:p>', 'a "<" inside a tag'],
    ['< table:table-cell/>', 'a tag without a name'],
    ['<>', 'a tag without a name'],
    ['<table:table-row>', 'a row inside a row'],
    ['<text:span></text:p>', '</text:p> closing <text:span>'],
    [str('a & b'), 'a bare "&"'],
    [str('a &amp b'), 'a bare "&"'],
    [str('&nbsp;'), 'an unknown entity "&nbsp;"'],
  ])('%j', (bad, why) => {
    expect(xmlErrorOf(inRow(bad))).toBe(damaged(`${why} at content.xml line 4`));
  });

  it('an unclosed tag or end tag at the end', () => {
    expect(xmlErrorOf(`${HEAD}\n<table:table table:name="S">\n<table:table-cell`)).toBe(
      damaged('an unclosed tag at content.xml line 4'),
    );
    expect(xmlErrorOf(`${HEAD}\n<table:table table:name="S">\n</table:table`)).toBe(
      damaged('an unclosed end tag at content.xml line 4'),
    );
  });

  it('an end tag after the document', () => {
    expect(xmlErrorOf(`${SHEET}\n\n</extra>`)).toBe(damaged('an end tag </extra> with no start at content.xml line 4'));
  });

  it('an element not closed at the end: the line is the last', () => {
    expect(xmlErrorOf(`${HEAD}\n<table:table table:name="S">\n</table:table>\n`)).toBe(
      damaged('<office:spreadsheet> not closed at the end at content.xml line 5'),
    );
  });

  it('a bare "&" in text after the last tag is found before the elements left open', () => {
    expect(xmlErrorOf(`${HEAD}<table:table table:name="S"><table:table-row><table:table-cell><text:p>a & b`)).toBe(
      damaged('a bare "&" at content.xml line 2'),
    );
  });

  it.each([
    ['1.5', 'rows'],
    ['0', 'rows'],
    ['1e3', 'rows'],
    ['-1', 'rows'],
    ['', 'rows'],
    ['x5', 'rows'],
    ['5x', 'rows'],
    ['1234567890123456', 'rows'],
    ['1.5', 'columns'],
    ['0', 'columns'],
  ])('a table:number-%s-repeated of "%s"', (repeat, what) => {
    const bad =
      what === 'rows'
        ? `<table:table-row table:number-rows-repeated="${repeat}"><table:table-cell/></table:table-row>`
        : row(`<table:table-cell table:number-columns-repeated="${repeat}"/>`);
    expect(xmlErrorOf(inSheet(bad))).toBe(
      damaged(`a table:number-${what}-repeated that is not a whole number at content.xml line 4`),
    );
  });

  it('repeat counts with white space around them, and of 1, are whole numbers', () => {
    expect(
      rowsOf(
        `<table:table-row table:number-rows-repeated=" 2 ">${num(1)}</table:table-row>`,
        row(`<table:table-cell table:number-columns-repeated="1"/>`, num(2)),
        row(cell('office:value-type="float" office:value="3" table:number-columns-repeated=" 2 "')),
        `<table:table-row table:number-rows-repeated="1">${num(4)}</table:table-row>`,
      ),
    ).toEqual([[1], [1], [null, 2], [3, 3], [4]]);
  });
});

describe('character references', () => {
  it.each([
    ['&#65;', 'A'],
    ['&#0000065;', 'A'],
    ['&#x41;', 'A'],
    ['&#x000041;', 'A'],
    ['&#xe9;&#xE9;', 'éé'],
    ['&#1;', '\u0001'],
    ['&#55295;', '\ud7ff'],
    ['&#xD7FF;', '\ud7ff'],
    ['&#xE000;', '\ue000'],
    ['&#57344;', '\ue000'],
    ['&#x10FFFF;', '\u{10ffff}'],
    ['&#1114111;', '\u{10ffff}'],
    ['&lt;&gt;&quot;&apos;&amp;', '<>"\'&'],
  ])('%s is %j', (reference, text) => {
    expect(rowsOf(row(str(`a${reference}b`)))).toEqual([[`a${text}b`]]);
  });

  it.each([
    '#0',
    '#x0',
    '#x110000',
    '#1114112',
    '#xD800',
    '#xDFFF',
    '#xdbff',
    '#55296',
    '#57343',
    '#X41',
    '#x',
    '#',
    '#12345678',
    '#x1234567',
    '#65x',
    'a#65',
    '#x4G',
    '#6 5',
  ])('&%s; is refused', (entity) => {
    const shown = entity.includes(' ') ? entity.slice(0, entity.indexOf(' ')) : entity;
    const why = entity.includes(' ') ? 'a bare "&"' : `an unknown entity "&${shown};"`;
    expect(xmlErrorOf(inRow(str(`a&${entity};b`)))).toBe(damaged(`${why} at content.xml line 4`));
  });

  it('are decoded in attribute values too', () => {
    expect(rowsOf(row(cell('office:value-type="string" office:string-value="a&amp;&#66;c"')))).toEqual([['a&Bc']]);
  });
});

describe('the limits of a sheet, at and one past each', () => {
  it('a value in column XFD is read; one in column XFE is refused, whatever the value', () => {
    const rows = rowsOf(row(empty(16383), num(1)));
    expect(rows.length).toBe(1);
    expect(rows[0]!.length).toBe(16384);
    expect(rows[0]![16383]).toBe(1);
    expect(rows[0]![16382]).toBe(null);
    const beyond = (value: string) => xmlErrorOf(doc(table('S', row(str('x')), row(empty(16384), value))));
    const message = (shown: string) =>
      `${FILE} sheet "S" row 2: has a value in column XFE (${shown}), beyond the 16,384 columns a sheet may ` +
      'have; save the sheet as CSV UTF-8 and read that';
    expect(beyond(cell('office:value-type="date" office:date-value="2019-03-31T10:00:00"'))).toBe(
      message('2019-03-31'),
    );
    expect(beyond(cell('office:value-type="boolean" office:boolean-value="true"'))).toBe(message('"true"'));
    expect(beyond(num(2.5))).toBe(message('"2.5"'));
  });

  it('a value in row 1,048,576 is read; in row 1,048,577 refused', () => {
    const rows = rowsOf('<table:table-row table:number-rows-repeated="1048575"/>', row(num(1)));
    expect(rows.length).toBe(1_048_576);
    expect(rows[1_048_575]).toEqual([1]);
    expect(rows[0]).toEqual([]);
    expect(xmlErrorOf(doc(table('S', '<table:table-row table:number-rows-repeated="1048576"/>', row(num(1)))))).toBe(
      `${FILE} sheet "S": has a value in row 1048577, beyond the 1,048,576 rows a sheet may have; save the sheet ` +
        'as CSV UTF-8 and read that',
    );
  });

  // 1 cell, then `empty` empty rows (each counted as one cell), then 1,999 rows of 10,000 values.
  const cellsSheet = (emptyRows: number) =>
    doc(
      table(
        'S',
        row(num(1)),
        `<table:table-row table:number-rows-repeated="${emptyRows}"/>`,
        `<table:table-row table:number-rows-repeated="1999">` +
          cell('office:value-type="float" office:value="7" table:number-columns-repeated="10000"') +
          '</table:table-row>',
      ),
    );

  it('20,000,000 cells up to the last value are read, empty rows between included; one more is refused', () => {
    const { rows } = readXml(cellsSheet(9999));
    expect(rows.length).toBe(1 + 9999 + 1999);
    expect(rows[10_000]!.length).toBe(10_000);
    expect(rows[rows.length - 1]![9999]).toBe(7);
    expect(xmlErrorOf(cellsSheet(10_000))).toBe(
      `${FILE} sheet "S" row 10002: has more than 20,000,000 cells up to its last value; save the sheet as CSV ` +
        'UTF-8 and read that',
    );
  });

  const spaces = (n: number) =>
    doc(
      table(
        'S',
        row(str('x')),
        `\n${row(cell('office:value-type="string"', `<text:p><text:s text:c="${n}"/></text:p>`))}`,
      ),
    );

  it('a cell of 1,048,576 characters is read; of one more refused, naming its row and line', () => {
    const { rows } = readXml(spaces(1_048_576));
    expect(rows.length).toBe(2);
    expect(rows[1]![0]).toBe(' '.repeat(1_048_576));
    const message =
      `${FILE} sheet "S" row 2: has a cell of more than 1,048,576 characters (content.xml line 3); save the ` +
      'sheet as CSV UTF-8 and read that';
    expect(xmlErrorOf(spaces(1_048_577))).toBe(message);
    expect(xmlErrorOf(spaces(999_999_999_999))).toBe(message);
  });

  it('the characters of all the paragraphs of a cell count', () => {
    const half = 'x'.repeat(600_000);
    const xml = doc(
      table(
        'S',
        row(str('x')),
        `\n${row(cell('office:value-type="string"', `<text:p>${half}</text:p>\n<text:p>${half}</text:p>`))}`,
      ),
    );
    expect(xmlErrorOf(xml)).toBe(
      `${FILE} sheet "S" row 2: has a cell of more than 1,048,576 characters (content.xml line 4); save the ` +
        'sheet as CSV UTF-8 and read that',
    );
  });
});
