import { spawnSync, type SpawnSyncOptionsWithStringEncoding, type SpawnSyncReturns } from 'node:child_process';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DataError, InternalError, ParameterError } from '../../src/errors.js';
import { readWorkbook, workbookKind, type Cell, type WorkbookOptions } from '../../src/io/workbook.js';
import { thrownBy } from '../helpers.js';

/**
 * Workbook reading case by case: the mutation run found the reader child's failures (timeout, output too large,
 * not started, out of memory, stopped, unreadable output, a reader error other than a damaged file) never run, and
 * in the sheet's table the header without data rows, a value left of the header's columns, a byte-order mark
 * in a cell, the hint of a one-sheet workbook and the exact empty-sheet messages unchecked. The sheet table is
 * read from .ods bytes built in memory (read in this process); the child's failures are produced by standing in
 * for `spawnSync` for the length of one call (`withReader`), since a real timeout takes ten minutes and a real
 * overflow half a gigabyte.
 */

// ---- The .xlsx reader's child process, stood in for -------------------------------------------------------------

const childProcess = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');

type Reader = (
  command: string,
  args: readonly string[],
  options: SpawnSyncOptionsWithStringEncoding,
) => Partial<SpawnSyncReturns<string>>;

/**
 * `action` with `spawnSync` replaced by `reader` (Node's own `syncBuiltinESMExports` carries the replacement to
 * the module's import), and the real one put back however `action` ends, so that no other test sees it.
 */
function withReader<T>(reader: Reader, action: () => T): T {
  const real = childProcess.spawnSync;
  childProcess.spawnSync = ((
    command: string,
    args: readonly string[],
    options: SpawnSyncOptionsWithStringEncoding,
  ) => ({
    pid: 1,
    output: [],
    stdout: '',
    stderr: '',
    status: 0,
    signal: null,
    ...reader(command, args, options),
  })) as typeof childProcess.spawnSync;
  syncBuiltinESMExports();
  try {
    return action();
  } finally {
    childProcess.spawnSync = real;
    syncBuiltinESMExports();
  }
}

/** The first bytes of an .xlsx file are enough: the reader is stood in for. */
const XLSX = { name: 'book.xlsx', bytes: Buffer.from(zipSync({ 'xl/workbook.xml': strToU8('<workbook/>') })) };

/** Read `XLSX` with the reader's result given by `reader`. */
const readXlsx =
  (reader: Reader, options: WorkbookOptions = {}) =>
  () =>
    withReader(reader, () => readWorkbook(XLSX, options));

/** A reader that writes `rows` as sheet S, the one sheet of the workbook. */
const sheetRows =
  (rows: readonly (readonly Cell[])[]): Reader =>
  () => ({
    stdout: JSON.stringify({ sheets: ['S'], index: 0, rows }),
  });

const failed = (code: string) =>
  Object.assign(new Error(`spawnSync ${process.execPath} ${code}`), { code, errno: -1, syscall: 'spawnSync' });

const TOO_BIG = 'save the sheet as CSV UTF-8 and read that';

describe('readWorkbook on an .xlsx: how the reader is run', () => {
  it('runs this Node on the program, the library and the sheet, the workbook on standard input, within limits', () => {
    const calls: { command: string; args: readonly string[]; options: SpawnSyncOptionsWithStringEncoding }[] = [];
    const reader: Reader = (command, args, options) => {
      calls.push({ command, args, options });
      return sheetRows([['a'], [1]])(command, args, options);
    };
    withReader(reader, () => readWorkbook(XLSX, { sheet: 'Data' }));
    withReader(reader, () => readWorkbook(XLSX));
    expect(calls).toHaveLength(2);
    const [named, first] = calls as [(typeof calls)[0], (typeof calls)[0]];
    expect(named.command).toBe(process.execPath);
    expect(named.args).toHaveLength(6);
    expect(named.args.slice(0, 2)).toEqual(['--max-old-space-size=4096', '-e']);
    expect(named.args[3]).toBe('--');
    expect(named.args[4]).toBe(createRequire(import.meta.url).resolve('read-excel-file/universal'));
    expect(named.args[5]).toBe('Data');
    expect(first.args[5]).toBe('');
    expect(named.options).toEqual({
      input: XLSX.bytes,
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
      timeout: 10 * 60 * 1000,
      windowsHide: true,
    });
  });

  it('puts the real spawnSync back, for the other tests of the module graph, even when the reader throws', () => {
    expect(() =>
      withReader(
        () => ({ stdout: 'not JSON' }),
        () => readWorkbook(XLSX),
      ),
    ).toThrow(InternalError);
    expect(childProcess.spawnSync).toBe(spawnSync);
    expect(spawnSync.name).toBe('spawnSync');
  });

  it('takes back the sheet the reader wrote', () => {
    const read = withReader(
      sheetRows([
        ['x', 'y'],
        [1, 'a'],
        [null, true],
      ]),
      () => readWorkbook(XLSX),
    );
    expect(read.table).toEqual({
      file: 'book.xlsx sheet "S"',
      header: ['x', 'y'],
      records: [
        ['1', 'a'],
        ['', 'TRUE'],
      ],
      rowNumbers: [2, 3],
    });
  });
});

describe('readWorkbook on an .xlsx: the reader fails', () => {
  it('a reader that timed out: a DataError saying how long, and what to do', () => {
    const error = thrownBy(
      readXlsx(() => ({ error: failed('ETIMEDOUT'), status: null, signal: 'SIGTERM' })),
      DataError,
    );
    expect(error.message).toBe(`book.xlsx: took more than 10 minutes to read; ${TOO_BIG}`);
    expect(error.location).toEqual({ file: 'book.xlsx' });
  });

  it('a reader whose output overflowed: a DataError saying the sheet is too large', () => {
    const error = thrownBy(
      readXlsx(() => ({ error: failed('ENOBUFS'), status: null, signal: 'SIGTERM' })),
      DataError,
    );
    expect(error.message).toBe(`book.xlsx: has a sheet too large to read as a workbook; ${TOO_BIG}`);
    expect(error.location).toEqual({ file: 'book.xlsx' });
  });

  it('a reader that could not be started: an InternalError with the reason', () => {
    const error = thrownBy(
      readXlsx(() => ({ error: failed('EACCES'), status: null })),
      InternalError,
    );
    expect(error.message).toBe(`the workbook reader could not be started (spawnSync ${process.execPath} EACCES)`);
  });

  it('a reader out of memory: a DataError saying how much it may use', () => {
    const stderr =
      '\n<--- Last few GCs --->\n\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n';
    const error = thrownBy(
      readXlsx(() => ({ status: 134, stderr })),
      DataError,
    );
    expect(error.message).toBe(`book.xlsx: needs more than 4 GiB of memory to read; ${TOO_BIG}`);
    expect(error.location).toEqual({ file: 'book.xlsx' });
  });

  it('a reader that stopped otherwise: an InternalError with its exit code and the last line it wrote', () => {
    const stderr = 'first line\nsecond line\nError: the last line\n\n';
    const error = thrownBy(
      readXlsx(() => ({ status: 3, stderr })),
      InternalError,
    );
    expect(error.message).toBe('the workbook reader stopped (exit 3): Error: the last line');
  });

  it('a reader killed by a signal: the signal instead of an exit code', () => {
    const error = thrownBy(
      readXlsx(() => ({ status: null, signal: 'SIGKILL', stderr: 'killed' })),
      InternalError,
    );
    expect(error.message).toBe('the workbook reader stopped (exit SIGKILL): killed');
  });

  it('a reader that wrote something other than JSON: an InternalError naming the file', () => {
    const error = thrownBy(
      readXlsx(() => ({ stdout: 'not JSON' })),
      InternalError,
    );
    expect(error.message).toBe('the workbook reader wrote no readable result for book.xlsx');
  });

  it('an error of the library: "damaged" only for its InvalidInputError', () => {
    const reported = (name: string) => () => ({ stdout: JSON.stringify({ error: { name, message: 'what it says' } }) });
    expect(thrownBy(readXlsx(reported('TypeError')), DataError).message).toBe(
      'book.xlsx: cannot be read as an Excel workbook (.xlsx) (what it says)',
    );
    expect(thrownBy(readXlsx(reported('InvalidInputError')), DataError).message).toBe(
      'book.xlsx: cannot be read as an Excel workbook (.xlsx) (it is damaged or not a workbook: what it says)',
    );
  });
});

// ---- The sheet's table, from .ods bytes -------------------------------------------------------------------------

const HEAD =
  '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content ' +
  'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" ' +
  'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" ' +
  'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">' +
  '<office:body><office:spreadsheet>';
const FOOT = '</office:spreadsheet></office:body></office:document-content>';

/** A number cell, a text cell and an empty cell. */
const n = (value: number) =>
  `<table:table-cell office:value-type="float" office:value="${value}"><text:p>${value}</text:p></table:table-cell>`;
const s = (text: string) => `<table:table-cell office:value-type="string"><text:p>${text}</text:p></table:table-cell>`;
const EMPTY = '<table:table-cell/>';

/** A sheet of rows, each given as its cells' XML. */
const sheet = (name: string, rows: readonly string[]) =>
  `<table:table table:name="${name}">${rows.map((r) => `<table:table-row>${r}</table:table-row>`).join('')}` +
  '</table:table>';

/** An .ods workbook named book.ods, in memory. */
const ods = (...sheets: string[]) => ({
  name: 'book.ods',
  bytes: Buffer.from(
    zipSync({
      mimetype: [strToU8('application/vnd.oasis.opendocument.spreadsheet'), { level: 0 }],
      'content.xml': strToU8(HEAD + sheets.join('') + FOOT),
    }),
  ),
});

const HINT = "; if the table's header is further down, skip the rows above it with --skip N";

describe('workbookKind: a signature is all its bytes', () => {
  it('text starting with the first byte of a ZIP signature, or of an OLE one, is neither', () => {
    expect(workbookKind(Buffer.from('Plain text,x\n1,2\n'))).toBeUndefined();
    expect(workbookKind(Buffer.from([0x50, 0x4b, 0x03, 0x00, 0x41, 0x42]))).toBeUndefined();
    expect(workbookKind(Buffer.from([0xd0, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48]))).toBeUndefined();
    expect(workbookKind(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0x00, 0x48]))).toBeUndefined();
  });
});

describe('readWorkbook: what is not a workbook, and sheets that do not exist', () => {
  it('is an internal error for bytes that are no workbook (the caller sniffs first)', () => {
    const error = thrownBy(() => readWorkbook({ name: 'data.csv', bytes: Buffer.from('a,b\n1,2\n') }), InternalError);
    expect(error.message).toBe('readWorkbook: data.csv is not a workbook');
  });

  it('shows a sheet asked for by a number of several digits bare, and any other text quoted', () => {
    const book = ods(sheet('S', [s('a'), n(1)]));
    for (const [choice, shown] of [
      ['12', '12'],
      ['2x', '"2x"'],
      ['x2', '"x2"'],
    ] as const) {
      const error = thrownBy(() => readWorkbook(book, { sheet: choice }), ParameterError);
      expect(error.message).toBe(`sheet: book.ods has no sheet ${shown}; its sheets are 1 "S"`);
    }
  });
});

describe("readWorkbook: the sheet's table", () => {
  it('a workbook of one sheet: no message, and no hint to read another sheet', () => {
    const book = ods(sheet('S', [s('a') + s('a'), n(1) + n(2)]));
    const error = thrownBy(() => readWorkbook(book), DataError);
    expect(error.message).toBe(`book.ods sheet "S" row 1: column name "a" appears twice (header cells 1 and 2)${HINT}`);
    const read = readWorkbook(ods(sheet('S', [s('a'), n(1)])));
    expect(read.messages).toEqual([]);
    expect(read.sheets).toEqual(['S']);
  });

  it('an empty sheet is empty whatever --skip says', () => {
    const book = ods(sheet('S', []));
    for (const skip of [0, 2]) {
      expect(thrownBy(() => readWorkbook(book, { skip }), DataError).message).toBe(
        'book.ods sheet "S": the sheet is empty: there is no header row',
      );
    }
  });

  it('a sheet of blank rows only is empty without --skip, and has nothing below the rows skipped with it', () => {
    const blank = sheetRows([
      [null, ''],
      ['', null],
    ]);
    expect(thrownBy(readXlsx(blank), DataError).message).toBe(
      'book.xlsx sheet "S": the sheet is empty: there is no header row',
    );
    expect(thrownBy(readXlsx(blank, { skip: 1 }), DataError).message).toBe(
      'book.xlsx sheet "S": the sheet has nothing below row 1 (--skip 1); its last row is 2',
    );
  });

  it('a header row without data rows, on the row the sheet shows', () => {
    const book = ods(sheet('S', [s('Title'), EMPTY, s('a') + s('b')]));
    const error = thrownBy(() => readWorkbook(book, { skip: 1 }), DataError);
    expect(error.message).toBe('book.ods sheet "S": the sheet has a header row (row 3) but no data rows');
    expect(error.location).toEqual({ file: 'book.ods sheet "S"' });
  });

  it("a value left of the header's first named column is refused, as one right of its last is", () => {
    const wide = ods(sheet('S', [EMPTY + s('a') + s('b'), EMPTY + n(1) + n(2), n(9) + n(3) + n(4)]));
    expect(thrownBy(() => readWorkbook(wide), DataError).message).toBe(
      'book.ods sheet "S" row 3: has a value in column A ("9"), outside the columns the header (row 1) names, ' +
        `B to C; name that column in the header row, or clear the cell${HINT}`,
    );
    const narrow = ods(sheet('S', [EMPTY + s('a'), n(7) + n(1)]));
    expect(thrownBy(() => readWorkbook(narrow), DataError).message).toBe(
      'book.ods sheet "S" row 2: has a value in column A ("7"), outside the columns the header (row 1) names, ' +
        `B; name that column in the header row, or clear the cell${HINT}`,
    );
  });

  it('a table starting in column B reads from there when nothing lies left of it', () => {
    const read = readWorkbook(ods(sheet('S', [EMPTY + s('a') + s('b'), EMPTY + n(1) + n(2)])));
    expect(read.table.header).toEqual(['a', 'b']);
    expect(read.table.records).toEqual([['1', '2']]);
  });

  it('a byte-order mark in one cell of one data row is refused at its sheet row and column', () => {
    const book = ods(sheet('S', [s('a') + s('b'), EMPTY, n(1) + n(2), n(3) + s('x\ufeffy'), n(5) + n(6)]));
    const error = thrownBy(() => readWorkbook(book), DataError);
    expect(error.message).toBe(
      'book.ods sheet "S" row 4, column "b": contains a byte-order mark (U+FEFF) inside the data, usually left ' +
        'where two files were joined; delete it',
    );
  });
});
