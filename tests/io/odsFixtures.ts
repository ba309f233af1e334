/**
 * Small .ods files built in memory for the tests of src/io/ods.ts: a ZIP with a stored `mimetype` first and a
 * `content.xml`, as LibreOffice Calc writes it, and helpers to write its XML and to read it back with
 * `readOdsCells` in this process.
 */
import { strToU8, zipSync, type Zippable } from 'fflate';
import { expect } from 'vitest';
import { DataError } from '../../src/errors.js';
import { readOdsCells } from '../../src/io/ods.js';
import type { Cell, SheetCells } from '../../src/io/workbook.js';
import { thrownBy } from '../helpers.js';

export const URN = {
  office: 'urn:oasis:names:tc:opendocument:xmlns:office:1.0',
  table: 'urn:oasis:names:tc:opendocument:xmlns:table:1.0',
  text: 'urn:oasis:names:tc:opendocument:xmlns:text:1.0',
  draw: 'urn:oasis:names:tc:opendocument:xmlns:drawing:1.0',
  calcext: 'urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0',
} as const;

/** The namespace declarations LibreOffice writes, with the usual prefixes. */
export const DECLARATIONS = Object.entries(URN)
  .map(([prefix, uri]) => `xmlns:${prefix}="${uri}"`)
  .join(' ');

/** Line 1 is the XML declaration; line 2 opens the document, its body and the spreadsheet. */
export const HEAD =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  `<office:document-content ${DECLARATIONS} office:version="1.3"><office:body><office:spreadsheet>`;
export const FOOT = '</office:spreadsheet></office:body></office:document-content>';

export const FILE = 'book.ods';

/** The content.xml of a spreadsheet holding `sheets` (XML of `table:table` elements). */
export const doc = (...sheets: string[]) => HEAD + sheets.join('') + FOOT;
export const table = (name: string, ...rows: string[]) =>
  `<table:table table:name="${name}">${rows.join('')}</table:table>`;
export const row = (...cells: string[]) => `<table:table-row>${cells.join('')}</table:table-row>`;
export const cell = (attributes: string, inner = '') =>
  inner === '' ? `<table:table-cell ${attributes}/>` : `<table:table-cell ${attributes}>${inner}</table:table-cell>`;
export const p = (text: string) => `<text:p>${text}</text:p>`;
export const num = (value: number) => cell(`office:value-type="float" office:value="${value}"`, p(String(value)));
export const str = (text: string) => cell('office:value-type="string"', p(text));
export const empty = (repeat: number) => `<table:table-cell table:number-columns-repeated="${repeat}"/>`;

/** The bytes of an .ods file whose content.xml is `xml` (stored, so that a declared size can be edited). */
export function odsBytes(xml: string | Uint8Array, more: Zippable = {}): Uint8Array {
  return zipSync({
    mimetype: [strToU8('application/vnd.oasis.opendocument.spreadsheet'), { level: 0 }],
    ...more,
    'content.xml': [typeof xml === 'string' ? strToU8(xml) : xml, { level: 0 }],
  });
}

/**
 * `bytes` with the uncompressed size that the central directory declares for entry `name` set to `size` (what
 * fflate's filter sees before it inflates anything).
 */
export function declareSize(bytes: Uint8Array, name: string, size: number): Uint8Array {
  const buffer = Buffer.from(bytes);
  const at = buffer.lastIndexOf(Buffer.from(name)) - 46;
  expect(buffer.readUInt32LE(at)).toBe(0x02014b50);
  buffer.writeUInt32LE(size, at + 24);
  return new Uint8Array(buffer);
}

export const readXml = (xml: string, choice = ''): SheetCells => readOdsCells(odsBytes(xml), choice, FILE);

/** The rows of the first sheet of a spreadsheet of one sheet, "S", of `rows`. */
export const rowsOf = (...rows: string[]) => readXml(doc(table('S', ...rows))).rows;

/** The value of one cell, read as the only cell of a sheet; null when it reads as empty. */
export function readValue(cellXml: string): Cell {
  const rows = rowsOf(row(cellXml));
  expect(rows.length).toBeLessThanOrEqual(1);
  return rows[0]?.[0] ?? null;
}

/** The text of a cell of paragraphs `inner` (a string cell, whose text is its value). */
export const textOf = (inner: string) => readValue(cell('office:value-type="string"', inner));

/** The message of the DataError reading `bytes` throws. */
export const errorOf = (bytes: Uint8Array, choice = '') =>
  thrownBy(() => readOdsCells(bytes, choice, FILE), DataError).message;

/** The message of the DataError reading content.xml `xml` throws. */
export const xmlErrorOf = (xml: string, choice = '') => errorOf(odsBytes(xml), choice);

/** The message of a file that is not a readable .ods file, for `why`. */
export const damaged = (why: string) =>
  `${FILE}: cannot be read as an OpenDocument spreadsheet (.ods) (it is damaged or not a spreadsheet: ${why}); ` +
  'save it again from LibreOffice Calc, or save it as an Excel workbook (.xlsx) or CSV UTF-8';
