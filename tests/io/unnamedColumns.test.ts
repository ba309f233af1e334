import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import writeXlsxFile from 'write-excel-file/node';
import { DataError } from '../../src/errors.js';
import { readInput } from '../../src/input/pipeline.js';
import { parseCsv, parseCsvTable, rowNamesKind } from '../../src/io/csv.js';
import { readTableSegments } from '../../src/io/segments.js';
import { runMain } from '../cli/run.js';

// Header cells without a name: refused by default with the way out in the message; `--allow-unnamed` names them
// unnamed_N (N: the column's position from 1). A first column under an empty header cell whose values are all
// present and different is R's write.csv row names: left out, always, with a note.

const folder = mkdtempSync(join(tmpdir(), 'cpv-unnamed-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Run the CLI in this process (the shared harness), capturing what it writes. */
const run = (args: readonly string[]) => runMain(args);

const csv = (text: string, name = 'in.csv') => ({ name, bytes: Buffer.from(text) });
function refusal(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    return (error as Error).message;
  }
  throw new Error('not refused');
}

describe('empty header cells', () => {
  const text = 'la,year,,y,\nA,2016,,1,\nB,2016,,2,\n';

  it('are refused by default, the message naming --allow-unnamed and the name it would give', () => {
    expect(refusal(() => parseCsv(csv(text)))).toBe(
      'in.csv row 1: header cell 3 is empty; every column needs a name: name it in the file, or give --allow-unnamed ' +
        'to call it unnamed_3',
    );
    expect(refusal(() => parseCsv(csv('a, ,b\n1,2,3\n')))).toMatch(
      /^in\.csv row 1: header cell 2 is blank \(only spaces\);/,
    );
  });

  it('with allowUnnamed are named unnamed_N by their position, the cells unchanged', () => {
    const { table, header } = parseCsvTable(csv(text), { allowUnnamed: true });
    expect(table.header).toEqual(['la', 'year', 'unnamed_3', 'y', 'unnamed_5']);
    expect(table.records).toEqual([
      ['A', '2016', '', '1', ''],
      ['B', '2016', '', '2', ''],
    ]);
    expect(header).toEqual({ unnamed: ['unnamed_3', 'unnamed_5'] });
  });

  it('a generated name that is already a column is refused as a repeated name', () => {
    expect(refusal(() => parseCsv(csv('unnamed_2,,y\n1,2,3\n'), { allowUnnamed: true }))).toBe(
      'in.csv row 1: column name "unnamed_2" appears twice (header cells 1 and 2)',
    );
  });
});

describe("R's write.csv row names", () => {
  it('are recognised: an empty first header cell over values present on every row and all different', () => {
    expect(rowNamesKind(['', 'a'], [['1'], ['2'], ['3']])).toBe('numbers');
    expect(rowNamesKind(['', 'a'], [['3'], ['4'], ['9']])).toBe('labels');
    expect(rowNamesKind(['', 'a'], [['0'], ['1'], ['2']])).toBe('labels');
    expect(rowNamesKind(['', 'a'], [['Leeds'], ['York']])).toBe('labels');
    // not row names: a repeated value, a missing value, a header of spaces, or no other named column
    expect(rowNamesKind(['', 'a'], [['1'], ['1']])).toBe(false);
    expect(rowNamesKind(['', 'a'], [['1'], ['']])).toBe(false);
    expect(rowNamesKind([' ', 'a'], [['1'], ['2']])).toBe(false);
    expect(rowNamesKind(['', ''], [['1'], ['2']])).toBe(false);
    expect(rowNamesKind(['a', ''], [['1'], ['2']])).toBe(false);
  });

  it("R's file (row names 1–24) reads as the 24 rows R wrote, and decomposes as they do", async () => {
    const original = readFileSync('fixtures/nao-2019-synthetic.csv', 'utf8').split('\n').slice(0, 25).join('\n');
    const plain = join(folder, 'plain.csv');
    writeFileSync(plain, `${original}\n`);
    const { table, header } = parseCsvTable(csv(readFileSync('fixtures/row-names/r-write-csv.csv', 'utf8')));
    expect(header).toEqual({ rowNames: 'numbers', unnamed: [] });
    const expected = parseCsv(csv(`${original}\n`));
    expect(table.header).toEqual(expected.header);
    expect(table.records.map((r) => r.map(Number.parseFloat))).toEqual(
      expected.records.map((r) => r.map(Number.parseFloat)),
    );
    const model = ['--formula', 'cpp_rate ~ idaci + spend + vacancy | la + year', '--format', 'json'];
    const fromR = JSON.parse((await run(['decompose', 'fixtures/row-names/r-write-csv.csv', ...model])).stdout);
    const fromPlain = JSON.parse((await run(['decompose', plain, ...model])).stdout);
    expect(fromR.groups).toEqual(fromPlain.groups);
    expect(fromR.n).toBe(24);
    expect(fromR.notes).toContain(
      'fixtures/row-names/r-write-csv.csv: the first column has no name and numbers the rows 1, 2, …: row names, ' +
        "as R's write.csv writes them; it is left out",
    );
  });

  it("a subset's row numbers and pandas' index are row names too (all different), and say so", async () => {
    const subset = parseCsvTable(csv(readFileSync('fixtures/row-names/r-subset-write-csv.csv', 'utf8')));
    expect(subset.header.rowNames).toBe('labels');
    expect(subset.table.header[0]).toBe('la');
    expect(subset.table.records).toHaveLength(16);
    const pandas = await run(['describe', 'fixtures/row-names/pandas-index-column.csv', '--format', 'json']);
    expect(pandas.status).toBe(0);
    expect(JSON.parse(pandas.stdout).columns.map((c: { name: string }) => c.name)).toEqual([
      'la',
      'year',
      'idaci',
      'spend',
      'vacancy',
      'cpp_rate',
    ]);
    expect(pandas.stderr).toBe(
      'fixtures/row-names/pandas-index-column.csv: the first column has no name and a different value on every row: ' +
        "row names, as R's write.csv writes them; it is left out\n",
    );
  });

  it('a first unnamed column with a repeated value is not row names: refused, or kept as unnamed_1', () => {
    const text = ',y\nA,1\nA,2\nB,3\n';
    expect(refusal(() => parseCsv(csv(text)))).toMatch(/header cell 1 is empty; .* unnamed_1$/);
    expect(parseCsv(csv(text), { allowUnnamed: true }).header).toEqual(['unnamed_1', 'y']);
  });

  it('positions count the row-names column: R row names and an empty cell 4 give unnamed_4', () => {
    const { table, header } = parseCsvTable(csv('"","a","b",""\n"1",1,2,\n"2",3,4,\n'), { allowUnnamed: true });
    expect(table.header).toEqual(['a', 'b', 'unnamed_4']);
    expect(header).toEqual({ rowNames: 'numbers', unnamed: ['unnamed_4'] });
  });

  it('in segments: the first segment decides, and every segment leaves the column out', () => {
    const n = 5000;
    const lines = ['"","la","y"'];
    for (let i = 1; i <= n; i++) lines.push(`"${i}","L${i % 50}",${(i * 7) % 13}`);
    const path = join(folder, 'segments.csv');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const segments = [...readTableSegments(path, { segmentBytes: 4096 })];
    expect(segments.length).toBeGreaterThan(10);
    let rows = 0;
    for (const segment of segments) {
      expect(segment.table.header).toEqual(['la', 'y']);
      expect(segment.header.rowNames).toBe('numbers');
      expect(segment.recordsBefore).toBe(rows);
      segment.table.records.forEach((record, i) => {
        const k = rows + i + 1;
        expect(record).toEqual([`L${k % 50}`, String((k * 7) % 13)]);
      });
      rows += segment.table.records.length;
    }
    expect(rows).toBe(n);
  });
});

describe('--allow-unnamed on every command that reads data', () => {
  // As the raw SFR 08/2017 file: two trailing header cells without a name over empty cells.
  const rows = ['la,year,x,y,,'];
  for (let i = 0; i < 24; i++) rows.push(`L${i % 6},${2016 + Math.floor(i / 6)},${(i * 5) % 7},${(i * 11) % 9},,`);
  const path = join(folder, 'sfr-like.csv');
  writeFileSync(path, `${rows.join('\n')}\n`);
  const other = join(folder, 'other.csv');
  writeFileSync(other, `la,year,z\n${['L0', 'L1', 'L2'].map((la) => `${la},2016,1`).join('\n')}\n`);
  const commands: [string, string[]][] = [
    ['decompose', ['--formula', 'y ~ x | la + year']],
    ['fit', ['--formula', 'y ~ x | la + year']],
    ['report', ['--formula', 'y ~ x | la + year', '--output', join(folder, 'report.html')]],
    ['describe', []],
    ['derive', ['--derive', 'z = x + 1']],
    ['dedupe', ['--on', 'la,year']],
    ['stack', ['--columns', 'la,unnamed_5']],
  ];

  it.each(commands)('%s: refused without it, read with it', async (command, extra) => {
    const refused = await run([command, path, ...extra]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toBe(
      `error: ${path} row 1: header cell 5 is empty; every column needs a name: name it in the file, or give ` +
        '--allow-unnamed to call it unnamed_5\n',
    );
    const read = await run([command, path, ...extra, '--allow-unnamed']);
    expect(read.status, read.stderr).toBe(0);
    const note = `${path}: 2 header cells have no name; named unnamed_5, unnamed_6 (--allow-unnamed)`;
    if (['decompose', 'fit'].includes(command)) expect(read.stdout).toContain(`note: ${note}\n`);
    // report carries no notes of the reading (nor --where's) into the page: that it wrote the page is the check.
    else if (command === 'report') expect(existsSync(join(folder, 'report.html'))).toBe(true);
    else expect(read.stderr).toContain(`${note}\n`);
  });

  it('join: every file', async () => {
    expect((await run(['join', path, other, '--on', 'la,year'])).status).toBe(2);
    const joined = await run(['join', path, other, '--on', 'la,year', '--allow-unnamed']);
    expect(joined.status, joined.stderr).toBe(0);
    expect(joined.stdout.split('\n')[0]).toBe('la,year,x,y,unnamed_5,unnamed_6,z');
    expect(joined.stdout.trimEnd().split('\n')).toHaveLength(4);
  });

  it('decompose reads "allowUnnamed" from its spec', async () => {
    const spec = join(folder, 'spec.json');
    writeFileSync(spec, JSON.stringify({ formula: 'y ~ x | la + year', allowUnnamed: true }));
    const result = await run(['decompose', path, '--spec', spec, '--format', 'json']);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).n).toBe(24);
  });

  it('a workbook: an empty header cell inside the table is refused or named by its header cell', async () => {
    const book = join(folder, 'gap.xlsx');
    const data = [
      [{ value: 'la' }, null, { value: 'y' }, { value: 'x' }],
      ...Array.from({ length: 8 }, (_, i) => [
        { value: `L${i % 4}` },
        null,
        { value: (i * 3) % 5 },
        { value: (i * 7) % 4 },
      ]),
    ];
    writeFileSync(book, await writeXlsxFile(data).toBuffer());
    expect(() => readInput({ file: book })).toThrow(
      new RegExp(
        'header cell 2 is empty; every column needs a name: name it in the file, or give --allow-unnamed to ' +
          'call it unnamed_2',
      ),
    );
    const input = readInput({ file: book, allowUnnamed: true });
    expect(input.table.header).toEqual(['la', 'unnamed_2', 'y', 'x']);
    expect(input.header).toEqual({ unnamed: ['unnamed_2'] });
  });
});

// The file that motivated the flag, where the shared data folder is at hand (../shared/data/real from the
// repository root; see fixtures/real/SOURCES.md): DfE's raw SFR 08/2017 underlying data, 162 header cells of which
// 161 and 162 are empty.
const SFR08 = '../shared/data/real/dfe_csww_la_2016_SFR08_2017_UD.csv';
describe.skipIf(!existsSync(SFR08))('the raw SFR 08/2017 workforce file', () => {
  it('is refused by every command without the flag, naming cell 161 and the way out', async () => {
    const result = await run(['describe', SFR08]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/row 1: header cell 161 is empty; .*--allow-unnamed to call it unnamed_161\n$/);
  });

  it('is read with it: its columns kept, the two unnamed ones named, the vacancy rates as in the extract', () => {
    const input = readInput({ file: SFR08, allowUnnamed: true });
    expect(input.table.header).toHaveLength(162);
    expect(input.table.header.slice(-2)).toEqual(['unnamed_161', 'unnamed_162']);
    expect(input.table.records.every((r) => r[160] === '' && r[161] === '')).toBe(true);
    const extract = parseCsv(csv(readFileSync('fixtures/real/dfe_csww_la_2016_SFR08_2017_UD_extract.csv', 'utf8')));
    const column = (table: { header: readonly string[]; records: readonly (readonly string[])[] }, name: string) =>
      table.records.map((r) => r[table.header.indexOf(name)]);
    for (const name of ['LA_code (3 digit)', 'A3_FTE_VacancyRate_2016'])
      expect(column(input.table, name)).toEqual(column(extract, name));
  });
});
