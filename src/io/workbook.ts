/**
 * Workbooks: a sheet of an Excel workbook (.xlsx) or OpenDocument spreadsheet (.ods) read as a RawTable, with the
 * checks and messages a CSV file gets, and row numbers as the spreadsheet shows them. Other workbook formats (.xls,
 * .xlsb) are recognised by their first bytes and refused with how to convert them. An .ods file is read in this
 * process by ods.ts (fflate and a small XML scanner); the rest of this comment is about .xlsx.
 *
 * The cells are read by read-excel-file (its `universal` build: fflate to unzip, a bundled SAX parser for the XML),
 * which is asynchronous; the input pipeline is synchronous, so the library runs in a child Node process
 * (`spawnSync`) that reads the workbook on standard input and writes the chosen sheet as JSON. The child also
 * bounds what a hostile or damaged file can cost: its memory and time are limited, and it cannot touch this
 * process's state.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { DataError, InternalError, ParameterError } from '../errors.js';
import {
  checkNoBom,
  checkRepeatedHeader,
  displayText,
  type HeaderReport,
  nameHeader,
  quotedText,
  type RawTable,
} from './csv.js';
import { readOdsCells } from './ods.js';
import type { InputSource } from './source.js';

/** Which sheet of a workbook to read, and where its table starts. */
export interface WorkbookOptions {
  /** The sheet: its name, or its number counting from 1 (a sheet of that name wins); default the first. */
  readonly sheet?: string;
  /** Rows above the header to skip (title rows); default 0. */
  readonly skip?: number;
  /** Name empty header cells inside the table `unnamed_N` (N: the header cell's number) instead of refusing. */
  readonly allowUnnamed?: boolean;
}

/** A sheet read as a table, and what was read. */
export interface WorkbookRead {
  readonly table: RawTable;
  /** The name of the sheet read. */
  readonly sheet: string;
  /** Every sheet of the workbook, in order. */
  readonly sheets: readonly string[];
  /** The spreadsheet row of the header. */
  readonly headerRow: number;
  /** Lines for standard error (which sheet was read when the workbook has several and none was chosen). */
  readonly messages: readonly string[];
  /** Header cells named by `allowUnnamed`. */
  readonly header: HeaderReport;
}

/** What a ZIP or OLE container holds, by its bytes. */
export type WorkbookKind = 'xlsx' | 'xlsb' | 'ods' | 'xls' | 'zip';

/** Memory the reader may use, in MiB: far above any statistics workbook, well below the machine. */
const WORKBOOK_MEMORY_MIB = 4096;

/** The longest a workbook may take to read, in milliseconds. */
const WORKBOOK_TIMEOUT_MS = 10 * 60 * 1000;

/** The largest sheet handed back by the reader, in bytes of JSON (a string longer than this cannot be parsed). */
const MAX_SHEET_JSON_BYTES = 512 * 1024 * 1024;

const ZIP = [0x50, 0x4b, 0x03, 0x04];
const OLE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/**
 * What kind of workbook the bytes are, by their content rather than the file's name: an OLE container (.xls), or a
 * ZIP archive holding an OpenDocument spreadsheet (its `mimetype` entry comes first), an Excel binary workbook
 * (`xl/workbook.bin`), an Excel workbook (`xl/workbook.xml`: .xlsx, .xlsm; or an Office package that is neither
 * a Word document nor a presentation, which the reader then judges), or something else; undefined when the bytes
 * are neither ZIP nor OLE.
 */
export function workbookKind(bytes: Uint8Array): WorkbookKind | undefined {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const starts = (signature: number[]) => signature.every((b, i) => buffer[i] === b);
  if (starts(OLE)) return 'xls';
  if (!starts(ZIP)) return undefined;
  if (buffer.subarray(0, 200).includes('application/vnd.oasis.opendocument.spreadsheet')) return 'ods';
  if (buffer.includes('xl/workbook.bin')) return 'xlsb';
  if (buffer.includes('xl/workbook.xml')) return 'xlsx';
  // An Office Open XML package that is not a document or a presentation: a workbook, whole or cut short.
  const office = buffer.includes('[Content_Types].xml');
  if (office && !buffer.includes('word/') && !buffer.includes('ppt/')) return 'xlsx';
  return 'zip';
}

const CONVERT = 'save it as an Excel workbook (.xlsx) or as CSV UTF-8';

/** What is read. */
const READ = 'an Excel workbook (.xlsx) or an OpenDocument spreadsheet (.ods)';

/** Why a kind of workbook is not read, and what to do. */
const REFUSALS: Readonly<Record<Exclude<WorkbookKind, 'xlsx' | 'ods'>, string>> = {
  xls: `is an Excel 97-2003 workbook (.xls), which cpp-variance does not read; ${CONVERT} (Excel: File > Save As)`,
  xlsb: `is an Excel binary workbook (.xlsb), which cpp-variance does not read; ${CONVERT} (Excel: File > Save As)`,
  zip: `is a ZIP archive, not CSV text, ${READ}; unzip it first`,
};

/**
 * Read one sheet of an Excel workbook (.xlsx) or an OpenDocument spreadsheet (.ods) as a table.
 *
 * The sheet is `options.sheet` (a name; else, when it is a whole number, the sheet at that position from 1),
 * the first by default. Rows above the header (`options.skip`) are left out, then empty rows, as a CSV reader
 * leaves out blank lines; the first row left is the header. Cells become the text a CSV file would hold: numbers
 * in the shortest form that reads back the same (`String(n)`), dates as yyyy-mm-dd (with the time,
 * yyyy-mm-ddThh:mm:ss, when there is one), TRUE and FALSE, formulas by the value Excel saved with them, and empty
 * cells, error values (#N/A, #DIV/0!) and formulas saved without a value as ''. Columns run from the header's
 * first named cell to its last (a table may start in column B).
 *
 * The table then gets the checks of a CSV file, with its messages: header cells non-empty and unique, at least
 * one data row, no data row repeating the header, no byte-order mark in a cell; and, as for a ragged CSV row, no
 * value outside the header's named columns. The table's file is `FILE sheet "NAME"`, and its row numbers are
 * the sheet's, so errors read `book.xlsx sheet "Data" row 12, column "x": ...`.
 *
 * An .ods cell becomes text by the same rules (its `office:value`, `office:date-value`, `office:boolean-value`;
 * a time as hh:mm:ss; text paragraphs joined by line breaks), row numbers are its rows, counted with
 * `table:number-rows-repeated`; see ods.ts.
 *
 * @throws {DataError} not an .xlsx or .ods workbook (an .xls or .xlsb file is named, with how to convert it), a
 *   damaged one, an empty sheet, or a check above; {ParameterError} (`sheet`) no such sheet, naming the sheets.
 */
export function readWorkbook(source: InputSource, options: WorkbookOptions = {}): WorkbookRead {
  const name = source.name;
  const kind = workbookKind(source.bytes);
  if (kind === undefined) throw new InternalError(`readWorkbook: ${name} is not a workbook`);
  const choice = options.sheet ?? '';
  let read: SheetCells;
  if (kind === 'xlsx') read = readSheetCells(source.bytes, choice, name);
  else if (kind === 'ods') read = readOdsCells(source.bytes, choice, name);
  else throw new DataError(REFUSALS[kind], { file: name });
  if (read.index < 0) {
    const shown = /^\d+$/.test(choice) ? choice : `"${displayText(choice)}"`;
    throw new ParameterError('sheet', `${name} has no sheet ${shown}; its sheets are ${sheetList(read.sheets)}`);
  }
  const sheet = read.sheets[read.index]!;
  const file = `${name} sheet "${displayText(sheet)}"`;
  const others = read.sheets.length > 1 ? `, or read another sheet with --sheet (${sheetList(read.sheets)})` : '';
  const { table, headerRow, unnamed } = sheetTable(file, read.rows, options.skip ?? 0, others, options.allowUnnamed);
  const messages = [
    ...(options.sheet === undefined && read.sheets.length > 1
      ? [
          `${name}: read its first sheet, "${displayText(sheet)}", of ${read.sheets.length} ` +
            `(${sheetList(read.sheets)}); choose another with --sheet NAME or --sheet N`,
        ]
      : []),
  ];
  return { table, sheet, sheets: read.sheets, headerRow, messages, header: { unnamed } };
}

/** `1 "Cover", 2 "Data"`. */
function sheetList(sheets: readonly string[]): string {
  return sheets.map((sheet, i) => `${i + 1} "${displayText(sheet)}"`).join(', ');
}

/** A cell as the reader gives it: a date as milliseconds since 1970 (UTC). */
export type Cell = string | number | boolean | null | { readonly date: number };

export interface SheetCells {
  readonly sheets: readonly string[];
  /** Position of the chosen sheet in `sheets`, or -1 when there is none such. */
  readonly index: number;
  /** The chosen sheet's rows from row 1, each as wide as the sheet (empty rows at its foot left out). */
  readonly rows: readonly (readonly Cell[])[];
}

/**
 * The reader's program, run by `node -e` (CommonJS): the workbook on standard input, the library's path and the
 * chosen sheet as arguments; writes `{ sheets, index, rows }`, or `{ error: { name, message } }`, as JSON. Strings
 * are not trimmed (as a CSV reader does not); dates become `{ date: ms }`. The `\` ending a line of the template
 * joins it to the next (a line continuation), so the program itself has that statement on one line.
 */
const READER_PROGRAM = `'use strict';
const { readFileSync } = require('node:fs');
const [modulePath, choice] = process.argv.slice(1);
const write = (value) => process.stdout.write(JSON.stringify(value));
const failed = (error) => \
write({ error: { name: String(error && error.name), message: String(error && error.message) } });
try {
  const readXlsxFile = require(modulePath);
  const bytes = readFileSync(0);
  const input = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  readXlsxFile(input, { trim: false }).then((sheets) => {
    const names = sheets.map((sheet) => sheet.sheet);
    let index = choice === '' ? 0 : names.indexOf(choice);
    if (index < 0 && /^[0-9]+$/.test(choice)) index = Number(choice) - 1;
    if (!(index >= 0 && index < names.length)) return write({ sheets: names, index: -1, rows: [] });
    const rows = sheets[index].data.map((row) =>
      row.map((cell) => (cell instanceof Date ? { date: cell.getTime() } : cell)),
    );
    write({ sheets: names, index, rows });
  }, failed);
} catch (error) {
  failed(error);
}
`;

/** Run the reader in a child process and take back the chosen sheet's cells. */
function readSheetCells(bytes: Uint8Array, choice: string, file: string): SheetCells {
  const library = createRequire(import.meta.url).resolve('read-excel-file/universal');
  const result = spawnSync(
    process.execPath,
    [`--max-old-space-size=${WORKBOOK_MEMORY_MIB}`, '-e', READER_PROGRAM, '--', library, choice],
    {
      input: bytes,
      encoding: 'utf8',
      maxBuffer: MAX_SHEET_JSON_BYTES,
      timeout: WORKBOOK_TIMEOUT_MS,
      windowsHide: true,
    },
  );
  const tooBig = 'save the sheet as CSV UTF-8 and read that';
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === 'ETIMEDOUT')
      throw new DataError(`took more than ${WORKBOOK_TIMEOUT_MS / 60_000} minutes to read; ${tooBig}`, { file });
    if (code === 'ENOBUFS') throw new DataError(`has a sheet too large to read as a workbook; ${tooBig}`, { file });
    throw new InternalError(`the workbook reader could not be started (${result.error.message})`);
  }
  if (result.status !== 0) {
    if (/heap out of memory|allocation failed/i.test(result.stderr)) {
      throw new DataError(`needs more than ${WORKBOOK_MEMORY_MIB / 1024} GiB of memory to read; ${tooBig}`, { file });
    }
    const last = result.stderr.trim().split('\n').slice(-1)[0] ?? '';
    throw new InternalError(
      `the workbook reader stopped (exit ${result.status ?? result.signal}): ${displayText(last, 200)}`,
    );
  }
  let output: SheetCells | { error: { name: string; message: string } };
  try {
    output = JSON.parse(result.stdout) as typeof output;
  } catch {
    throw new InternalError(`the workbook reader wrote no readable result for ${file}`);
  }
  if ('error' in output) {
    const damaged = output.error.name === 'InvalidInputError' ? 'it is damaged or not a workbook: ' : '';
    throw new DataError(
      `cannot be read as an Excel workbook (.xlsx) (${damaged}${displayText(output.error.message, 200)})`,
      { file },
    );
  }
  return output;
}

/** The text a CSV file would hold for a cell. */
export function cellText(cell: Cell): string {
  if (cell === null) return '';
  if (typeof cell === 'string') return cell;
  if (typeof cell === 'number') return String(cell);
  if (typeof cell === 'boolean') return cell ? 'TRUE' : 'FALSE';
  const iso = new Date(cell.date).toISOString();
  if (iso.endsWith('T00:00:00.000Z')) return iso.slice(0, 10);
  return iso.replace(/(\.000)?Z$/, '');
}

/** Column letters of a 0-based column index: 0 → A, 26 → AA. */
export function columnLetters(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26))
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/** The table of a sheet's rows (row i is sheet row i + 1): see `readWorkbook`. */
function sheetTable(
  file: string,
  sheetRows: readonly (readonly Cell[])[],
  skip: number,
  others: string,
  allowUnnamed = false,
): { table: RawTable; headerRow: number; unnamed: string[] } {
  const rows: { row: number; cells: string[] }[] = [];
  for (let i = skip; i < sheetRows.length; i++) {
    const cells = sheetRows[i]!.map(cellText);
    if (cells.some((cell) => cell !== '')) rows.push({ row: i + 1, cells });
  }
  if (rows.length === 0) {
    if (skip === 0 || sheetRows.length === 0)
      throw new DataError('the sheet is empty: there is no header row', { file });
    throw new DataError(
      `the sheet has nothing below row ${skip} (--skip ${skip}); its last row is ${sheetRows.length}`,
      { file },
    );
  }
  const [head, ...body] = rows as [{ row: number; cells: string[] }, ...{ row: number; cells: string[] }[]];
  // The table's columns run from the header's first named cell to its last: empty columns at either side (a
  // table that starts in column B) are left out, but a value in them is an error, as a ragged CSV row is.
  let start = 0;
  while (start < head.cells.length && head.cells[start] === '') start++;
  let end = head.cells.length;
  while (end > start && head.cells[end - 1] === '') end--;
  const width = end - start;
  const raw = head.cells.slice(start, end);
  const hint = `; if the table's header is further down, skip the rows above it with --skip N${others}`;
  const { header, unnamed } = nameHeader(raw, file, { allowUnnamed, row: head.row, hint });
  if (body.length === 0) {
    throw new DataError(`the sheet has a header row (row ${head.row}) but no data rows`, { file });
  }
  for (const { row, cells } of body) {
    const outside = cells.findIndex((cell, c) => (c < start || c >= end) && cell !== '');
    if (outside >= 0) {
      const named = width === 1 ? columnLetters(start) : `${columnLetters(start)} to ${columnLetters(end - 1)}`;
      throw new DataError(
        `has a value in column ${columnLetters(outside)} (${quotedText(cells[outside]!)}), outside the columns ` +
          `the header (row ${head.row}) names, ${named}; name that column in the header row, or clear the cell${hint}`,
        { file, row },
      );
    }
  }
  const records = body.map(({ cells }) => {
    const record = cells.slice(start, end);
    while (record.length < width) record.push('');
    return record;
  });
  const table: RawTable = { file, header, records, rowNumbers: body.map(({ row }) => row) };
  if (rows.some(({ cells }) => cells.some((cell) => cell.includes('\ufeff')))) {
    checkNoBom([header, ...records], header, file, (r) => rows[r]!.row);
  }
  checkRepeatedHeader(table);
  return { table, headerRow: head.row, unnamed };
}
