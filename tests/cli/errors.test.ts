import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain } from './run.js';

const folder = mkdtempSync(join(tmpdir(), 'cpv-errors-'));
function file(name: string, content: string | Buffer): string {
  const path = join(folder, name);
  writeFileSync(path, content);
  return path;
}

// A user's own file with the columns of the default model (cpp_rate ~ child_poverty + spend + vacancy | la + year).
const GOOD_HEADER = 'la,year,child_poverty,spend,vacancy,cpp_rate';
function panel(
  rows: number,
  cell: (i: number) => string = (i) =>
    `A${i % 5},${2012 + (i % 4)},0.${10 + i},${500 + i * 7},${10 + (i % 3)},${30 + ((i * 17) % 23)}`,
): string {
  return `${[GOOD_HEADER, ...Array.from({ length: rows }, (_, i) => cell(i))].join('\n')}\n`;
}

// [case, file content, extra arguments, pattern the one-line message must match]
const cases: [string, string | Buffer, string[], RegExp][] = [
  ['unknown column', panel(20), ['--group', 'x=nonexistent'], /column "nonexistent" not found/],
  [
    'non-numeric cell',
    panel(20).replace(',0.13,', ',abc,'),
    [],
    /row 5, column "child_poverty": "abc" is not a number/,
  ],
  [
    'decimal comma in quotes',
    panel(20).replace(',0.13,', ',"12,3",'),
    [],
    /row 5, column "child_poverty": "12,3" is not a number/,
  ],
  [
    'n/a in a numeric column',
    panel(20).replace(',0.14,', ',n/a,'),
    [],
    /row 6, column "child_poverty": "n\/a" is not a number .*--na/,
  ],
  [
    'outcome with no variance',
    panel(20, (i) => `A${i % 5},${2012 + (i % 4)},0.${10 + i},${500 + i * 7},${10 + (i % 3)},42`),
    [],
    /outcome "cpp_rate" has no variance/,
  ],
  ['fewer rows than parameters', panel(6), [], /6 usable rows but the full model has \d+ parameters/],
  [
    'constant numeric column',
    panel(20, (i) => `A${i % 5},${2012 + (i % 4)},0.${10 + i},${500 + i * 7},12,${30 + ((i * 17) % 23)}`),
    [],
    /column "vacancy" of group "resources" is constant/,
  ],
  [
    'fixed effect with one level',
    panel(20, (i) => `A${i % 5},2012,0.${10 + i},${500 + i * 7},${10 + (i % 3)},${30 + ((i * 17) % 23)}`),
    [],
    /fixed effect "policy" \(column "year"\) has only one level/,
  ],
  [
    'column in two groups',
    panel(20),
    ['--fe', 'practice=la', '--group', 'a=child_poverty', '--group', 'b=child_poverty,spend'],
    /column "child_poverty" is in two groups/,
  ],
  ['empty file', '', [], /the file is empty/],
  ['header only', `${GOOD_HEADER}\n`, [], /header row but no data rows/],
  ['ragged row', panel(20).replace(/\n(A3,[^\n]*)\n/, '\n$1,99\n'), [], /row \d+: has 7 fields but the header has 6/],
  [
    'unterminated quote',
    panel(20).replace(',0.12,', ',"0.12,'),
    [],
    /row \d+: a quoted field is opened here and never closed/,
  ],
  ['duplicate header', panel(20).replace('vacancy', 'spend'), [], /column name "spend" appears twice/],
  ['empty header cell', panel(20).replace('vacancy', ''), [], /header cell 5 is empty/],
  ['binary file', Buffer.from([0x4c, 0x41, 0x00, 0x01, 0x02]), [], /contains a NUL byte/],
  [
    'non-UTF-8 text',
    Buffer.concat([Buffer.from(panel(3)), Buffer.from([0xe9, 0x0a])]),
    [],
    /row 5: is not valid UTF-8/,
  ],
  [
    'infinite value',
    panel(20).replace(',0.14,', ',Inf,'),
    [],
    /"Inf" is not a number \(infinite and NaN values are not data\)/,
  ],
  [
    'all rows incomplete',
    panel(20, (i) => `A${i % 5},${2012 + (i % 4)},NA,${500 + i * 7},${10 + (i % 3)},${30 + ((i * 17) % 23)}`),
    [],
    /no row has all of .* present \(column "child_poverty" is missing in 20 of 20 rows\)/,
  ],
];

describe('bad input gives exit code 2 and a one-line message', () => {
  it.each(cases)('%s', async (_, content, extra, pattern) => {
    const path = file(`${_.replace(/[^a-z0-9]+/gi, '-')}.csv`, content);
    const result = await runMain(['decompose', path, ...extra]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toMatch(pattern);
    expect(result.stderr).not.toMatch(/at .*\.[jt]s:\d+/); // no stack trace (.ts: in process, from the sources)
  });

  it('names file, row and column for a bad numeric cell', async () => {
    const path = file('data.csv', panel(20).replace(',514,', ',"12,3",'));
    const result = await runMain(['decompose', path]);
    expect(result.stderr).toBe(
      `error: ${path} row 4, column "spend": "12,3" is not a number (use "." as the decimal point and no ` +
        'thousands separators)\n',
    );
  });

  it('leaves the input file untouched, and refuses to overwrite it with --output', async () => {
    const content = panel(30);
    const path = file('keep.csv', content);
    const result = await runMain(['decompose', path, '--output', path]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/is an input of this command; refusing to overwrite it/);
    expect(readFileSync(path, 'utf8')).toBe(content);
  });

  it.each([
    [['decompose', '--bogus'], /unknown option '--bogus'/],
    [['decompose', '--group', 'nocolumns'], /--group expects NAME=COL/],
    [['decompose', '--format', 'xml'], /--format \/ "format": "xml" is not one of table, json/],
    [['decompose', '--group', 'unexplained=idaci'], /"unexplained" is reserved/],
    [['decompose', '--fe', 'x=la,year'], /fixed-effect group "x" takes exactly one column/],
    [['decompose', '--outcome', 'idaci', '--group', 'd=idaci'], /column "idaci" is the outcome/],
    [['decompose', 'no/such/file.csv'], /no\/such\/file.csv: no such file/],
    [['simulate'], /simulate needs --seed N/],
    [['simulate', '--seed', '-3'], /--seed: must be a whole number from 0/],
    [['simulate', '--seed', '1', '--shares', 'practice=90,deprivation=15,policy=10,resources=6'], /add up to 121%/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('usage error %j', async (args, pattern) => {
    const result = await runMain(args);
    expect(result.status).toBe(2);
    expect(result.stderr.trimEnd().split('\n')[0]).toMatch(pattern);
  });
});
