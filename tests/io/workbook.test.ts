/**
 * Excel workbooks (.xlsx) as input: a sheet becomes a table with the checks and messages of a CSV file, and the
 * sheet's row numbers. Fixtures are written here by write-excel-file (the companion writer of the reader,
 * read-excel-file); a formula's saved value is added to its XML the way Excel writes it, since write-excel-file
 * leaves formulas for Excel to calculate.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import writeXlsxFile, { type SheetData } from 'write-excel-file/node';
import { readInput } from '../../src/input/pipeline.js';
import { parseCsv } from '../../src/io/csv.js';
import { readSource } from '../../src/io/source.js';
import { cellText, columnLetters, workbookKind } from '../../src/io/workbook.js';
import { CLI, runMain } from '../cli/run.js';

/** Run the CLI in this process (the shared harness), capturing what it writes. */
const run = (args: readonly string[]) => runMain(args);

const folder = mkdtempSync(join(tmpdir(), 'cpv-workbook-'));

/** Write a workbook of named sheets to `name` in the test folder; returns its path. */
async function workbook(name: string, sheets: { sheet: string; data: SheetData }[]): Promise<string> {
  const path = join(folder, name);
  writeFileSync(path, await writeXlsxFile(sheets).toBuffer());
  return path;
}

/**
 * Give the formulas of a workbook's first sheet the values Excel saves with them (`<f>…</f><v>…</v>`), by the
 * formula's text as the XML has it (`A4&amp;"!"`); a string value is written as Excel does (`t="str"`).
 */
function withSavedValues(path: string, values: Record<string, number | string>): void {
  const files = unzipSync(new Uint8Array(readFileSync(path)));
  let sheet = strFromU8(files['xl/worksheets/sheet1.xml']!);
  for (const [formula, value] of Object.entries(values)) {
    const cell = new RegExp(`<c ([^>]*)><f>=?${formula.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</f></c>`);
    expect(sheet).toMatch(cell);
    sheet = sheet.replace(cell, (_, attributes: string) =>
      typeof value === 'number'
        ? `<c ${attributes}><f>${formula}</f><v>${value}</v></c>`
        : `<c ${attributes} t="str"><f>${formula}</f><v>${value}</v></c>`,
    );
  }
  files['xl/worksheets/sheet1.xml'] = strToU8(sheet);
  writeFileSync(path, zipSync(files));
}

const date = (y: number, m: number, d: number) => ({
  value: new Date(Date.UTC(y, m - 1, d)),
  format: 'yyyy-mm-dd',
});

describe('workbookKind: what a ZIP or OLE container holds, by its bytes', () => {
  it('tells .xlsx, .ods, .xlsb, .xls and other ZIP archives apart, and CSV text from all of them', async () => {
    const xlsx = readFileSync(await workbook('kind.xlsx', [{ sheet: 'S', data: [['a'], [1]] }]));
    expect(workbookKind(xlsx)).toBe('xlsx');
    const ods = zipSync({
      mimetype: [strToU8('application/vnd.oasis.opendocument.spreadsheet'), { level: 0 }],
      'content.xml': strToU8('<office:document-content/>'),
    });
    expect(workbookKind(ods)).toBe('ods');
    expect(workbookKind(zipSync({ 'xl/workbook.bin': new Uint8Array(4) }))).toBe('xlsb');
    expect(workbookKind(zipSync({ 'data.csv': strToU8('a,b\n1,2\n') }))).toBe('zip');
    expect(workbookKind(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]))).toBe('xls');
    expect(workbookKind(Buffer.from('la,year\n1,2\n'))).toBeUndefined();
  });
});

describe('cellText: the text a CSV file would hold for a cell', () => {
  it.each([
    [null, ''],
    ['  text kept as is ', '  text kept as is '],
    [0.1 + 0.2, '0.30000000000000004'],
    [1e21, '1e+21'],
    [-0, '0'],
    [true, 'TRUE'],
    [false, 'FALSE'],
    [{ date: Date.UTC(2019, 2, 31) }, '2019-03-31'],
    [{ date: Date.UTC(2019, 2, 31, 12, 30) }, '2019-03-31T12:30:00'],
    [{ date: Date.UTC(2019, 2, 31, 12, 30, 1, 500) }, '2019-03-31T12:30:01.500'],
  ] as const)('%j → %j', (cell, text) => {
    expect(cellText(cell)).toBe(text);
  });

  it('names columns as the spreadsheet does', () => {
    expect([0, 1, 25, 26, 27, 701, 702].map(columnLetters)).toEqual(['A', 'B', 'Z', 'AA', 'AB', 'ZZ', 'AAA']);
  });
});

describe('a sheet read through the input pipeline', () => {
  it('numbers, text, dates, booleans, empty cells and a formula become the cells of a CSV file', async () => {
    const path = await workbook('cells.xlsx', [
      {
        sheet: 'Data',
        data: [
          ['la', 'year', 'rate', 'when', 'flag', 'twice', 'label'],
          ['Camden', 2019, 0.1, date(2019, 3, 31), true, { type: 'Formula', value: '=C2*2' }, 'a, "quoted" text'],
          ['Barnet', 2020, null, null, false, { type: 'Formula', value: '=C3*2' }, null],
          ['Brent', 2021, 1234567.891, date(2020, 2, 29), null, { type: 'Formula', value: 'A4&"!"' }, ''],
        ],
      },
    ]);
    withSavedValues(path, { 'C2*2': 0.2, 'A4&amp;"!"': 'Brent!' }); // C3*2 is saved without a value
    const input = readInput({ file: path });
    expect(input.table.file).toBe(`${path} sheet "Data"`);
    expect(input.table.header).toEqual(['la', 'year', 'rate', 'when', 'flag', 'twice', 'label']);
    expect(input.table.records).toEqual([
      ['Camden', '2019', '0.1', '2019-03-31', 'TRUE', '0.2', 'a, "quoted" text'],
      ['Barnet', '2020', '', '', 'FALSE', '', ''],
      ['Brent', '2021', '1234567.891', '2020-02-29', '', 'Brent!', ''],
    ]);
    expect(input.table.rowNumbers).toEqual([2, 3, 4]);
    expect(input.workbook).toEqual({ sheet: 'Data', sheets: ['Data'] });
    expect(input.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(input.messages).toEqual([]);
  });

  it(
    'is recognised by its bytes, not its name: ' + 'an .xlsx named .csv is a workbook, a CSV named .xlsx is CSV',
    async () => {
      const path = await workbook('disguised.csv', [
        {
          sheet: 'S',
          data: [
            ['a', 'b'],
            [1, 2],
          ],
        },
      ]);
      expect(readInput({ file: path }).table.records).toEqual([['1', '2']]);
      const csv = join(folder, 'text.xlsx');
      writeFileSync(csv, 'a,b\n1,2\n');
      const input = readInput({ file: csv });
      expect(input.table.file).toBe(csv);
      expect(input.workbook).toBeUndefined();
    },
  );

  it('leaves out empty rows, as blank lines of a CSV file, and keeps the sheet row of every record', async () => {
    const path = await workbook('gaps.xlsx', [
      {
        sheet: 'S',
        data: [
          ['a', 'b'],
          [1, 2],
          [null, null],
          [3, null],
          [null, null],
          [5, 6],
          [null, null],
        ],
      },
    ]);
    const { table } = readInput({ file: path });
    expect(table.records).toEqual([
      ['1', '2'],
      ['3', ''],
      ['5', '6'],
    ]);
    expect(table.rowNumbers).toEqual([2, 4, 6]);
  });

  it('reads a table that starts in column B, and refuses a value outside the named columns', async () => {
    const path = await workbook('column-b.xlsx', [
      {
        sheet: 'S',
        data: [
          [null, 'a', 'b'],
          [null, 1, 2],
        ],
      },
      {
        sheet: 'Ragged',
        data: [
          ['a', 'b', null],
          [1, 2, null],
          [3, 4, 'note'],
        ],
      },
    ]);
    expect(readInput({ file: path }).table).toMatchObject({ header: ['a', 'b'], records: [['1', '2']] });
    expect(() => readInput({ file: path, sheet: 'Ragged' })).toThrow(
      `${path} sheet "Ragged" row 3: has a value in column C ("note"), outside the columns the header (row 1) names, ` +
        "A to B; name that column in the header row, or clear the cell; if the table's header is further down, skip " +
        'the rows above it with --skip N, or read another sheet with --sheet (1 "S", 2 "Ragged")',
    );
  });

  it('refuses an .xls workbook, whatever its name, saying how to convert it', () => {
    const xls = join(folder, 'old.xls');
    writeFileSync(
      xls,
      Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]),
    );
    expect(() => readInput({ file: xls })).toThrow(
      `${xls}: is an Excel 97-2003 workbook (.xls), which cpp-variance does not read; save it as an Excel ` +
        'workbook (.xlsx) or as CSV UTF-8 (Excel: File > Save As)',
    );
    const zip = join(folder, 'archive.zip');
    writeFileSync(zip, zipSync({ 'data.csv': strToU8('a,b\n1,2\n') }));
    expect(() => readInput({ file: zip })).toThrow(
      `${zip}: is a ZIP archive, not CSV text, an Excel workbook (.xlsx) or an OpenDocument spreadsheet ` +
        '(.ods); unzip it first',
    );
  });

  it('names a damaged workbook as such', () => {
    const path = join(folder, 'damaged.xlsx');
    const good = zipSync({ 'xl/workbook.xml': strToU8('<workbook') });
    writeFileSync(path, good);
    expect(() => readInput({ file: path })).toThrow(`${path}: cannot be read as an Excel workbook (.xlsx)`);
  });
});

describe('cpp-variance on a workbook: --sheet, --skip and the messages of a CSV file', () => {
  // An ONS-style workbook: a cover sheet, then a table under two title rows and a blank row; its header is row 4,
  // its data rows 5 to 16.
  let ons = '';
  beforeAll(async () => {
    ons = await workbook('ons.xlsx', [
      { sheet: 'Cover', data: [['Children looked after'], ['Source: a publication']] },
      {
        sheet: 'Table 1',
        data: [
          ['Table 1: rates by authority and year'],
          ['Rates per 10,000 children'],
          [null],
          ['la', 'year', 'rate', 'spend'],
          ...Array.from({ length: 12 }, (_, i) => [
            `LA${i % 4}`,
            2019 + Math.floor(i / 4),
            40 + ((i * 7) % 11),
            600 + i,
          ]),
        ],
      },
    ]);
  });

  it('describe reads the first sheet by default, and says which it read among several', async () => {
    const result = await run(['describe', ons, '--format', 'json']);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe(
      `${ons}: read its first sheet, "Cover", of 2 (1 "Cover", 2 "Table 1"); ` +
        'choose another with --sheet NAME or --sheet N\n',
    );
    expect(JSON.parse(result.stdout)).toMatchObject({ file: `${ons} sheet "Cover"`, rows: 1 });
  });

  it('--sheet by name and by number, with --skip for the title rows', async () => {
    const byName = await run(['describe', ons, '--sheet', 'Table 1', '--skip', '2', '--format', 'json']);
    expect(byName.stderr).toBe('');
    expect(byName.status).toBe(0);
    const described = JSON.parse(byName.stdout);
    expect(described.file).toBe(`${ons} sheet "Table 1"`);
    expect(described.rows).toBe(12);
    expect(described.columns.map((c: { name: string }) => c.name)).toEqual(['la', 'year', 'rate', 'spend']);
    const byNumber = await run(['describe', ons, '--sheet', '2', '--skip', '3', '--format', 'json']);
    expect(byNumber.stdout).toBe(byName.stdout);
  });

  it('an unknown sheet is an exit-2 error listing the sheets', async () => {
    for (const sheet of ['Table 2', '3', '0']) {
      const result = await run(['describe', ons, '--sheet', sheet]);
      expect(result.status).toBe(2);
      const shown = /^\d+$/.test(sheet) ? sheet : `"${sheet}"`;
      expect(result.stderr).toBe(
        `error: --sheet: ${ons} has no sheet ${shown}; its sheets are 1 "Cover", 2 "Table 1"\n`,
      );
    }
    const spec = join(folder, 'sheet-spec.json');
    writeFileSync(spec, JSON.stringify({ sheet: 'Table 2' }));
    const fromSpec = await run(['decompose', ons, '--spec', spec]);
    expect(fromSpec.status).toBe(2);
    expect(fromSpec.stderr).toBe(
      `error: --sheet / "sheet": ${ons} has no sheet "Table 2"; its sheets are 1 "Cover", 2 "Table 1"\n`,
    );
  });

  it('decompose reads "sheet" and "skip" from its spec, a sheet by number as a JSON number', async () => {
    const spec = join(folder, 'workbook-spec.json');
    writeFileSync(spec, JSON.stringify({ sheet: 2, skip: 3, formula: 'rate ~ spend', format: 'json' }));
    const result = await run(['decompose', ons, '--spec', spec]);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ file: `${ons} sheet "Table 1"`, n: 12 });
    writeFileSync(spec, JSON.stringify({ sheet: 0 }));
    const zero = await run(['decompose', ons, '--spec', spec]);
    expect(zero.status).toBe(2);
    expect(zero.stderr).toBe('error: --sheet / "sheet": must be a sheet name or a whole number from 1, got 0\n');
  });

  it(
    'a title row taken as the header: ' + "the table's cells lie outside its one named column, with the way out",
    async () => {
      const result = await run(['describe', ons, '--sheet', 'Table 1']);
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(
        `error: ${ons} sheet "Table 1" row 4: has a value in column B ("year"), outside the columns the header ` +
          "(row 1) names, A; name that column in the header row, or clear the cell; if the table's header is " +
          'further down, skip the rows above it with --skip N, or read another sheet with --sheet (1 "Cover", ' +
          '2 "Table 1")\n',
      );
    },
  );

  it('an empty or repeated column name is refused as in a CSV file, on the header row of the sheet', async () => {
    const path = await workbook('header.xlsx', [
      { sheet: 'Twice', data: [['Title'], ['a', 'b', 'a'], [1, 2, 3]] },
      {
        sheet: 'Gap',
        data: [
          ['a', null, 'c'],
          [1, 2, 3],
        ],
      },
    ]);
    const twice = await run(['describe', path, '--skip', '1']);
    expect(twice.status).toBe(2);
    expect(twice.stderr).toBe(
      `error: ${path} sheet "Twice" row 2: column name "a" appears twice (header cells 1 and 3); if the table's ` +
        'header is further down, skip the rows above it with --skip N, or read another sheet with --sheet ' +
        '(1 "Twice", 2 "Gap")\n',
    );
    const gap = await run(['describe', path, '--sheet', 'Gap']);
    expect(gap.stderr).toBe(
      `error: ${path} sheet "Gap" row 1: header cell 2 is empty; every column needs a name: name it in the file, ` +
        "or give --allow-unnamed to call it unnamed_2; if the table's " +
        'header is further down, skip the rows above it with --skip N, or read another sheet with --sheet ' +
        '(1 "Twice", 2 "Gap")\n',
    );
  });

  it('errors name file, sheet, row and column, with the rows the spreadsheet shows', async () => {
    const path = await workbook('bad-cell.xlsx', [
      {
        sheet: 'Data',
        data: [
          ['A title'],
          [null],
          ['la', 'year', 'rate', 'spend'],
          ...Array.from({ length: 12 }, (_, i) => [
            `LA${i % 4}`,
            2019 + Math.floor(i / 4),
            i === 8 ? 'n/a' : 40 + i,
            600 + ((i * 5) % 7),
          ]),
        ],
      },
    ]);
    // Data row 9 (i = 8) is sheet row 3 + 9 = 12.
    const result = await run(['fit', path, '--skip', '2', '--formula', 'rate ~ spend']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `error: ${path} sheet "Data" row 12, column "rate": "n/a" is not a number (if it marks a missing value, ` +
        'add --na "n/a")\n',
    );
    const weights = await run([
      'fit',
      path,
      '--skip',
      '2',
      '--formula',
      'spend ~ year',
      '--weights',
      'rate',
      '--na',
      'n/a',
    ]);
    expect(weights.status).toBe(0);
    const negative = await workbook('negative-weight.xlsx', [
      { sheet: 'W', data: [['t'], ['y', 'x', 'w'], [1, 2, 1], [2, 3, 1], [3, 5, -1], [4, 4, 1]] },
    ]);
    const refused = await run(['fit', negative, '--skip', '1', '--formula', 'y ~ x', '--weights', 'w']);
    expect(refused.stderr).toBe(
      `error: ${negative} sheet "W" row 5, column "w": weight -1 is negative; ` +
        'weights must be 0 or more (rows of weight 0 are left out)\n',
    );
  });

  it('--sheet and --skip are refused for a CSV file, as --level is for a file that is not a DfE file', async () => {
    const csv = join(folder, 'plain.csv');
    writeFileSync(csv, 'la,year,rate,spend\nA,2019,1,2\nB,2019,2,3\nC,2019,4,3\n');
    const sheet = await run(['describe', csv, '--sheet', '1']);
    expect(sheet.status).toBe(2);
    expect(sheet.stderr).toBe(`error: --sheet applies to workbooks (.xlsx, .ods); ${csv} is CSV text\n`);
    const both = await run(['decompose', csv, '--formula', 'rate ~ spend', '--skip', '1', '--sheet', 'S']);
    expect(both.stderr).toBe(`error: --sheet and --skip apply to workbooks (.xlsx, .ods); ${csv} is CSV text\n`);
    const several = await run(['stack', csv, csv, '--skip', '1']);
    expect(several.stderr).toBe('error: --skip applies to workbooks (.xlsx, .ods); none of the files is one\n');
  });

  it('decompose on an .xlsx writes the same JSON as on the same data in CSV, but for the file it names', async () => {
    // A copy, so that neither carries the note of the bundled dataset.
    const csvPath = join(folder, 'england.csv');
    writeFileSync(csvPath, readFileSync('fixtures/england-la-panel.csv'));
    const { header, records } = parseCsv(readSource(csvPath));
    // Numbers are written as numbers (the cells read back as String(n), which parses to the same double), the rest
    // as text, empty cells as empty.
    const numeric = /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i;
    const cell = (text: string) => (text === '' ? null : numeric.test(text) ? Number(text) : text);
    const book = await workbook('england.xlsx', [
      { sheet: 'Panel', data: [['England panel, as a workbook'], [...header], ...records.map((r) => r.map(cell))] },
    ]);
    const fromCsv = await run(['decompose', csvPath, '--format', 'json']);
    const fromBook = await run(['decompose', book, '--skip', '1', '--format', 'json']);
    expect(fromCsv.status).toBe(0);
    expect(fromBook.status).toBe(0);
    const named = (text: string, file: string) => text.replace(JSON.stringify(file), '"FILE"');
    expect(fromBook.stdout).toContain(`"file": ${JSON.stringify(`${book} sheet "Panel"`)},`);
    expect(named(fromBook.stdout, `${book} sheet "Panel"`)).toBe(named(fromCsv.stdout, csvPath));
    // A model without fixed effects reads a CSV file in segments, with the streaming arithmetic; a workbook is read
    // whole, as the whole-file path computes it: the same split to rounding (as the streaming tests accept).
    const formula = ['--formula', 'cpp_rate ~ child_poverty + spend + vacancy', '--format', 'json'];
    const streamedCsv = JSON.parse((await run(['decompose', csvPath, ...formula])).stdout);
    const wholeBook = JSON.parse((await run(['decompose', book, '--skip', '1', ...formula])).stdout);
    expect(wholeBook.n).toBe(streamedCsv.n);
    expect(Math.abs(wholeBook.r2 - streamedCsv.r2)).toBeLessThan(1e-12);
    wholeBook.groups.forEach((group: { share: number }, g: number) =>
      expect(Math.abs(group.share - streamedCsv.groups[g].share)).toBeLessThan(1e-12),
    );
  });

  it('join: a CSV file with a workbook, --skip applied to the workbook only', async () => {
    const csv = join(folder, 'spend.csv');
    writeFileSync(csv, 'la,year,budget\nLA0,2019,1\nLA1,2019,2\nLA2,2020,3\nLA9,2020,4\n');
    const joined = await run(['join', csv, ons, '--sheet', 'Table 1', '--skip', '3', '--on', 'la,year']);
    expect(joined.status).toBe(0);
    expect(joined.stdout.split('\n').slice(0, 4)).toEqual([
      'la,year,budget,rate,spend',
      'LA0,2019,1,40,600',
      'LA1,2019,2,47,601',
      'LA2,2020,3,49,606',
    ]);
    expect(joined.stderr).toContain(`  ${csv}: 4 rows, 3 matched, 1 unmatched, 1 dropped\n`);
    expect(joined.stderr).toContain(`    la=LA9 year=2020 (not in ${ons} sheet "Table 1")\n`);
  });
});

describe('a workbook on standard input (the built CLI)', () => {
  it('is recognised by its first bytes, for a whole read and for a streamed one', async () => {
    const path = await workbook('stdin.xlsx', [
      {
        sheet: 'S',
        data: [
          ['y', 'x'],
          [1, 2],
          [2, 3],
          [3, 5],
          [4, 4],
          [6, 7],
        ],
      },
    ]);
    const bytes = readFileSync(path);
    const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { input: bytes, encoding: 'utf8' });
    const described = cli(['describe', '-', '--format', 'json']);
    expect(described.stderr).toBe('');
    expect(JSON.parse(described.stdout)).toMatchObject({ file: '<stdin> sheet "S"', rows: 5 });
    // A model without fixed effects reads its input in segments: the workbook's first bytes are looked at, kept,
    // and the workbook read whole.
    const streamed = cli(['decompose', '-', '--formula', 'y ~ x', '--format', 'json']);
    expect(streamed.stderr).toBe('');
    expect(JSON.parse(streamed.stdout)).toMatchObject({ file: '<stdin> sheet "S"', n: 5 });
  });
});

describe('row numbers are those of the file through every step that selects rows', () => {
  it('a DfE file keeps its rows after the other geographic levels are dropped', async () => {
    const path = join(folder, 'dfe.csv');
    writeFileSync(
      path,
      [
        'time_period,time_identifier,geographic_level,old_la_code,cpp_rate,spend',
        '2019,Reporting year,National,,40,600',
        '2019,Reporting year,Regional,,41,610',
        '2019,Reporting year,Local authority,841,42,620',
        '2019,Reporting year,Local authority,840,4 3,630',
      ].join('\n'),
    );
    const result = await run(['fit', path, '--formula', 'cpp_rate ~ spend']);
    expect(result.stderr).toContain(`error: ${path} row 5, column "cpp_rate": "4 3" is not a number`);
  });

  it('a sheet read by join --split-combined, and by dedupe, reports the rows the sheet shows', async () => {
    const path = await workbook('combined.xlsx', [
      {
        sheet: 'Joint',
        data: [['Title'], ['old_la_code', 'time_period', 'x'], ['314 / 318', 2020, 1], [202, 2020, 2], [999, 2020, 4]],
      },
      {
        sheet: 'Twice',
        data: [
          ['old_la_code', 'time_period', 'x'],
          [202, 2020, 2],
          [202, 2020, 3],
          [999, 2020, 4],
        ],
      },
    ]);
    const csv = join(folder, 'keys.csv');
    writeFileSync(csv, 'old_la_code,time_period,y\n314,2020,1\n318,2020,2\n202,2020,3\n');
    const on = ['--on', 'old_la_code,time_period'];
    const joined = await run(['join', path, csv, '--skip', '1', ...on, '--split-combined']);
    expect(joined.status).toBe(0);
    expect(joined.stderr).toContain('  row 3: 314 / 318, 2020 → 314, 2020; 318, 2020\n');
    expect(joined.stderr).toContain('    old_la_code=999 time_period=2020 (not in');
    const twice = await run(['join', path, csv, '--sheet', 'Twice', ...on]);
    expect(twice.stderr).toBe(
      `error: ${path} sheet "Twice": rows 2 and 3: key (old_la_code=202, time_period=2020) appears twice\n`,
    );
    const deduped = await run(['dedupe', path, '--sheet', 'Twice', ...on, '--keep', 'last']);
    expect(deduped.status).toBe(0);
    expect(deduped.stdout).toBe('old_la_code,time_period,x\n202,2020,3\n999,2020,4\n');
    expect(deduped.stderr).toContain('rows 2, 3');
  });
});
