/**
 * OpenDocument spreadsheets (.ods) as input: read in this process (fflate and a small XML scanner), a sheet becomes
 * the table an .xlsx sheet would, with its row numbers and the checks and messages of a CSV file. Fixtures are
 * built here: a ZIP with the `mimetype` entry first and stored, and a `content.xml` as LibreOffice Calc writes it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readInput } from '../../src/input/pipeline.js';
import { parseCsv } from '../../src/io/csv.js';
import { MAX_CONTENT_BYTES } from '../../src/io/ods.js';
import { readSource } from '../../src/io/source.js';
import { readWorkbook, workbookKind } from '../../src/io/workbook.js';
import { runMain } from '../cli/run.js';

const folder = mkdtempSync(join(tmpdir(), 'cpv-ods-'));

const HEAD =
  '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content ' +
  'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" ' +
  'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" ' +
  'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" ' +
  'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" office:version="1.3">' +
  '<office:body><office:spreadsheet>';
const FOOT = '</office:spreadsheet></office:body></office:document-content>';

/** The bytes of an .ods file whose content.xml is `xml`. */
function odsBytes(xml: string): Uint8Array {
  return zipSync({
    mimetype: [strToU8('application/vnd.oasis.opendocument.spreadsheet'), { level: 0 }],
    'content.xml': strToU8(xml),
  });
}

/** A sheet of rows of cell XML. */
const sheet = (name: string, rows: string[]) =>
  `<table:table table:name="${name}"><table:table-column table:number-columns-repeated="3"/>` +
  `${rows.map((r) => (r.startsWith('<table:table-row') ? r : `<table:table-row>${r}</table:table-row>`)).join('')}` +
  '</table:table>';

const n = (value: number | string, type = 'float') =>
  `<table:table-cell office:value-type="${type}" office:value="${value}" calcext:value-type="${type}">` +
  `<text:p>${value}</text:p></table:table-cell>`;
const s = (...paragraphs: string[]) =>
  `<table:table-cell office:value-type="string" calcext:value-type="string">` +
  `${paragraphs.map((p) => `<text:p>${p}</text:p>`).join('')}</table:table-cell>`;
const empty = (repeat = 1) =>
  repeat === 1 ? '<table:table-cell/>' : `<table:table-cell table:number-columns-repeated="${repeat}"/>`;

const xmlText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Write an .ods file of sheets to `name` in the test folder; returns its path. */
function ods(name: string, sheets: string[]): string {
  const path = join(folder, name);
  writeFileSync(path, odsBytes(HEAD + sheets.join('') + FOOT));
  return path;
}

const read = (path: string, options: { sheet?: string; skip?: number } = {}) =>
  readWorkbook(readSource(path, undefined, { workbooks: true }), options);

describe('an .ods sheet read as a table', () => {
  it('is recognised by its bytes', () => {
    expect(workbookKind(odsBytes(HEAD + FOOT))).toBe('ods');
  });

  it('numbers, text of several paragraphs, dates, booleans, empty and repeated cells, repeated rows', () => {
    const path = ods('types.ods', [
      sheet('Data', [
        s('la') + s('rate') + s('note') + s('when') + s('flag'),
        n(1) +
          n(0.1, 'percentage') +
          s('first line', 'second <text:span>line</text:span>') +
          '<table:table-cell office:value-type="date" office:date-value="2019-03-31"><text:p>31/03/19</text:p>' +
          '</table:table-cell>' +
          '<table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>TRUE</text:p>' +
          '</table:table-cell>',
        '<table:table-row table:number-rows-repeated="2">' +
          n(2) +
          n(1234.5, 'currency') +
          s('a<text:s text:c="2"/>b &amp; c', '') +
          '<table:table-cell office:value-type="date" office:date-value="2020-01-02T12:30:00"><text:p>x</text:p>' +
          '</table:table-cell>' +
          '<table:table-cell office:value-type="boolean" office:boolean-value="false"><text:p>FALSE</text:p>' +
          '</table:table-cell></table:table-row>',
        `<table:table-row table:number-rows-repeated="3">${empty(5)}</table:table-row>`,
        `${n(3)}${empty(2)}<table:covered-table-cell/>${n(1e21)}`,
        `<table:table-row table:number-rows-repeated="1048570">${empty(16384)}</table:table-row>`,
      ]),
    ]);
    const { table, sheet: name, headerRow, messages } = read(path);
    expect(name).toBe('Data');
    expect(headerRow).toBe(1);
    expect(messages).toEqual([]);
    expect(table.file).toBe(`${path} sheet "Data"`);
    expect(table.header).toEqual(['la', 'rate', 'note', 'when', 'flag']);
    expect(table.records).toEqual([
      ['1', '0.1', 'first line\nsecond line', '2019-03-31', 'TRUE'],
      ['2', '1234.5', 'a  b & c\n', '2020-01-02T12:30:00', 'FALSE'],
      ['2', '1234.5', 'a  b & c\n', '2020-01-02T12:30:00', 'FALSE'],
      ['3', '', '', '', '1e+21'],
    ]);
    expect(table.rowNumbers).toEqual([2, 3, 4, 8]);
  });

  it('leaves out comments, collapses white space as ODF does, and reads errors as empty', () => {
    const path = ods('text.ods', [
      sheet('S', [
        s('x') + s('y'),
        s('  two\n  words ') +
          '<table:table-cell table:formula="of:=1/0" office:value-type="float" office:value="0" ' +
          'calcext:value-type="error"><text:p>#DIV/0!</text:p></table:table-cell>',
        '<table:table-cell office:value-type="string"><office:annotation><text:p>a comment</text:p>' +
          '</office:annotation><text:p>kept<text:tab/>tab</text:p></table:table-cell>' +
          '<table:table-cell office:value-type="time" office:time-value="PT13H05M09S"><text:p>13:05</text:p>' +
          '</table:table-cell>',
      ]),
    ]);
    expect(read(path).table.records).toEqual([
      ['two words ', ''],
      ['kept\ttab', '13:05:09'],
    ]);
  });

  it('two sheets: the first by default, with a message; --sheet by name and by number; --skip', () => {
    const path = ods('two.ods', [
      sheet('Cover', [s('About this file'), s('note')]),
      sheet('Table 1', [s('Title row'), '', s('la') + s('rate'), s('LA1') + n(2.5), s('LA2') + n(3)]),
    ]);
    const first = read(path);
    expect(first.sheet).toBe('Cover');
    expect(first.sheets).toEqual(['Cover', 'Table 1']);
    expect(first.messages).toEqual([
      `${path}: read its first sheet, "Cover", of 2 (1 "Cover", 2 "Table 1"); choose another with --sheet NAME ` +
        'or --sheet N',
    ]);
    const byName = read(path, { sheet: 'Table 1', skip: 1 });
    expect(byName.table.header).toEqual(['la', 'rate']);
    expect(byName.table.records).toEqual([
      ['LA1', '2.5'],
      ['LA2', '3'],
    ]);
    expect(byName.table.rowNumbers).toEqual([4, 5]);
    expect(byName.headerRow).toBe(3);
    const byNumber = read(path, { sheet: '2', skip: 2 });
    expect(byNumber.table).toEqual(byName.table);
    expect(() => read(path, { sheet: '2', skip: 5 })).toThrow(
      `${path} sheet "Table 1": the sheet has nothing below row 5 (--skip 5); its last row is 5`,
    );
    for (const [choice, shown] of [
      ['Table 2', '"Table 2"'],
      ['3', '3'],
      ['0', '0'],
    ]) {
      expect(() => read(path, { sheet: choice })).toThrow(
        `${path} has no sheet ${shown}; its sheets are 1 "Cover", 2 "Table 1"`,
      );
    }
  });

  it('a sheet named by a number wins over the sheet at that position', () => {
    const path = ods('numbered.ods', [sheet('A', [s('a'), n(1)]), sheet('1', [s('b'), n(2)])]);
    expect(read(path, { sheet: '1' }).table.header).toEqual(['b']);
    expect(read(path, { sheet: 'A' }).table.header).toEqual(['a']);
  });

  it('errors name the file, sheet, row and column, as for an .xlsx sheet', async () => {
    const path = ods('bad.ods', [
      sheet('S', [s('x') + s('y'), n(1) + n(2), n(3) + s('n/a')]),
      sheet('Ragged', [s('a') + s('b'), n(1) + n(2) + s('note')]),
      sheet('Empty', []),
    ]);
    const result = await runMain(['decompose', path, '--formula', 'y ~ x']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${path} sheet "S" row 3, column "y": "n/a" is not a number`);
    expect(() => read(path, { sheet: 'Ragged' })).toThrow(
      `${path} sheet "Ragged" row 2: has a value in column C ("note"), outside the columns the header (row 1) names`,
    );
    expect(() => read(path, { sheet: 'Empty' })).toThrow(
      `${path} sheet "Empty": the sheet is empty: there is no header row`,
    );
  });

  it('a huge trailing run of empty cells or rows costs nothing; a value beyond the limits is refused', () => {
    const wide = `<table:table-row>${s('x')}${empty(1_000_000_000)}</table:table-row>`;
    const path = ods('huge.ods', [
      sheet('S', [
        wide,
        `${n(1)}${empty(16383)}`,
        `<table:table-row table:number-rows-repeated="999999999">${empty(16384)}</table:table-row>`,
      ]),
    ]);
    const started = Date.now();
    expect(read(path).table.records).toEqual([['1']]);
    expect(Date.now() - started).toBeLessThan(2000);
    const beyond = ods('beyond.ods', [sheet('S', [s('x'), `${empty(16384)}${n(1)}`])]);
    expect(() => read(beyond)).toThrow(
      `${beyond} sheet "S" row 2: has a value in column XFE ("1"), beyond the 16,384 columns a sheet may have`,
    );
    const below = ods('below.ods', [
      sheet('S', [s('x'), `<table:table-row table:number-rows-repeated="1048576">${empty()}</table:table-row>`, n(1)]),
    ]);
    expect(() => read(below)).toThrow(`${below} sheet "S": has a value in row 1048578, beyond the 1,048,576 rows`);
    const repeated = ods('repeated.ods', [
      sheet('S', [s('x'), `<table:table-row table:number-rows-repeated="1000000000">${n(1)}</table:table-row>`]),
    ]);
    expect(() => read(repeated)).toThrow('beyond the 1,048,576 rows a sheet may have');
  });

  it('refuses a content.xml over 256 MiB by its declared size, and damaged or hostile XML', () => {
    // A content.xml whose header declares more than the limit: fflate's filter sees the sizes before inflating.
    const bytes = odsBytes(HEAD + sheet('S', [s('x'), n(1)]) + FOOT);
    const buffer = Buffer.from(bytes);
    const central = buffer.lastIndexOf(Buffer.from('content.xml'));
    // The central directory entry: uncompressed size at offset 24 of its 46-byte header.
    buffer.writeUInt32LE(MAX_CONTENT_BYTES + 1, central - 46 + 24);
    const big = join(folder, 'big.ods');
    writeFileSync(big, buffer);
    expect(() => read(big)).toThrow(`${big}: has a content.xml of 256 MiB uncompressed, more than the 256 MiB read`);
    const doctype = ods('doctype.ods', [`<!DOCTYPE x [<!ENTITY a "aaaa">]>${sheet('S', [s('x')])}`]);
    expect(() => read(doctype)).toThrow('a DOCTYPE or other declaration');
    const unclosed = join(folder, 'unclosed.ods');
    writeFileSync(unclosed, odsBytes(HEAD + sheet('S', [s('x'), n(1)])));
    expect(() => read(unclosed)).toThrow(
      `${unclosed}: cannot be read as an OpenDocument spreadsheet (.ods) (it is damaged or not a spreadsheet: ` +
        '<office:spreadsheet> not closed at the end',
    );
    const entity = ods('entity.ods', [sheet('S', [s('&bad;'), n(1)])]);
    expect(() => read(entity)).toThrow('an unknown entity "&bad;"');
    const noSheet = ods('nosheet.ods', []);
    expect(() => read(noSheet)).toThrow('its content.xml holds no sheet');
  });

  it('decompose on an .ods writes the same JSON as on the same data in CSV, but for the file it names', async () => {
    const csvPath = join(folder, 'england.csv');
    writeFileSync(csvPath, readFileSync('fixtures/england-la-panel.csv'));
    const { header, records } = parseCsv(readSource(csvPath));
    const numeric = /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i;
    const cell = (text: string) => (text === '' ? empty() : numeric.test(text) ? n(text) : s(xmlText(text)));
    const book = ods('england.ods', [
      sheet('Panel', [
        s('England panel, as a spreadsheet'),
        header.map((h) => s(xmlText(h))).join(''),
        ...records.map((r) => r.map(cell).join('')),
      ]),
    ]);
    const fromCsv = await runMain(['decompose', csvPath, '--format', 'json']);
    const fromBook = await runMain(['decompose', book, '--skip', '1', '--format', 'json']);
    expect(fromCsv.status).toBe(0);
    expect(fromBook.stderr).toBe('');
    expect(fromBook.status).toBe(0);
    const named = (text: string, file: string) => text.replace(JSON.stringify(file), '"FILE"');
    expect(fromBook.stdout).toContain(`"file": ${JSON.stringify(`${book} sheet "Panel"`)},`);
    expect(named(fromBook.stdout, `${book} sheet "Panel"`)).toBe(named(fromCsv.stdout, csvPath));
  });

  it('goes through the input pipeline whatever the file is named', () => {
    const path = ods('table.csv', [sheet('S', [s('x') + s('y'), n(1) + n(2)])]);
    const input = readInput({ file: path });
    expect(input.table.file).toBe(`${path} sheet "S"`);
    expect(input.table.records).toEqual([['1', '2']]);
  });
});
