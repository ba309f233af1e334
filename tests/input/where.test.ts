import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain, SYNTHETIC_FILE as SYNTHETIC, SYNTHETIC_MODEL as MODEL } from '../cli/run.js';

/** Run the CLI in this process (the shared harness), capturing what it writes. */
const run = (args: readonly string[]) => runMain(args);

const folder = mkdtempSync(join(tmpdir(), 'cpv-where-'));

/** The synthetic panel's rows where `keep(record)` holds, written as a file of their own (the independent filter). */
function filteredCopy(name: string, keep: (cells: Record<string, string>) => boolean): string {
  const [header, ...lines] = readFileSync(SYNTHETIC, 'utf8').trimEnd().split('\n');
  const names = header!.split(',');
  const kept = lines.filter((line) => {
    const cells = line.split(',');
    return keep(Object.fromEntries(names.map((n, i) => [n, cells[i]!])));
  });
  const path = join(folder, name);
  writeFileSync(path, `${header}\n${kept.join('\n')}\n`);
  return path;
}

describe('--where', () => {
  it('gives the split of the filtered rows, and counts the rows it removed', async () => {
    const where = await run([
      'decompose',
      SYNTHETIC,
      ...MODEL,
      '--where',
      'year >= 2014 & la != "LA001"',
      '--format',
      'json',
    ]);
    expect(where.stderr).toBe('');
    expect(where.status).toBe(0);
    const copy = filteredCopy('kept.csv', (c) => Number(c.year) >= 2014 && c.la !== 'LA001');
    const direct = await run(['decompose', copy, ...MODEL, '--format', 'json']);
    const [a, b] = [JSON.parse(where.stdout), JSON.parse(direct.stdout)];
    expect(a.groups).toHaveLength(4);
    expect(a.groups).toEqual(b.groups);
    expect(a.n).toBe(b.n);
    const removed = 912 - a.n;
    expect(removed).toBeGreaterThan(0);
    expect(a.notes).toContain(`rows removed by --where "year >= 2014 & la != \\"LA001\\"": ${removed} of 912`);
  });

  it('filters the streamed path (a model without fixed effects) the same way', async () => {
    const where = await run([
      'decompose',
      SYNTHETIC,
      '--outcome',
      'cpp_rate',
      '--group',
      'd=idaci',
      '--group',
      'r=spend,vacancy',
      '--where',
      'spend > 500',
      '--format',
      'json',
    ]);
    const copy = filteredCopy('spend.csv', (c) => Number(c.spend) > 500);
    const direct = await run([
      'decompose',
      copy,
      '--outcome',
      'cpp_rate',
      '--group',
      'd=idaci',
      '--group',
      'r=spend,vacancy',
      '--format',
      'json',
    ]);
    expect(where.status).toBe(0);
    const [a, b] = [JSON.parse(where.stdout), JSON.parse(direct.stdout)];
    expect(a.r2).toBe(b.r2);
    expect(a.groups).toEqual(b.groups);
    expect(a.notes.some((note: string) => /^rows removed by --where "spend > 500": \d+ of 912$/.test(note))).toBe(true);
  });

  it('keeps the spreadsheet row numbers of the rows it kept in later messages', async () => {
    const path = join(folder, 'bad.csv');
    writeFileSync(path, 'g,x,y\na,1,2\nb,2,3\nb,3,oops\na,4,5\n');
    const result = await run(['decompose', path, '--outcome', 'y', '--group', 'x=x', '--where', 'g == "b"']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `error: ${path} row 4, column "y": "oops" is not a number (if it marks a missing value, add --na "oops")\n`,
    );
  });

  it('can use derived columns, and works in describe, derive, dedupe, join and stack', async () => {
    const path = join(folder, 'small.csv');
    writeFileSync(path, 'la,year,x\n1,2019,10\n1,2020,20\n2,2019,30\n2,2020,40\n2,2020,41\n');
    const derive = await run(['derive', path, '--derive', 'double = x * 2', '--where', 'double > 50']);
    expect(derive.stdout).toBe('la,year,x,double\n2,2019,30,60\n2,2020,40,80\n2,2020,41,82\n');
    expect(derive.stderr).toContain('rows removed by --where "double > 50": 2 of 5');
    const dedupe = await run(['dedupe', path, '--on', 'la,year', '--where', 'la == 2']);
    expect(dedupe.stdout).toBe('la,year,x\n2,2019,30\n2,2020,40\n');
    const describe = await run([
      'describe',
      path,
      '--unit',
      'la',
      '--period',
      'year',
      '--where',
      'year == 2019',
      '--format',
      'json',
    ]);
    expect(JSON.parse(describe.stdout).rows).toBe(2);
    const other = join(folder, 'other.csv');
    writeFileSync(other, 'la,year,z\n1,2019,a\n2,2019,b\n2,2020,c\n');
    const single = join(folder, 'single.csv');
    writeFileSync(single, 'la,year,x\n1,2019,10\n1,2020,20\n2,2019,30\n2,2020,40\n');
    const joined = await run(['join', single, other, '--on', 'la,year', '--where', 'z != "a"']);
    expect(joined.stdout).toBe('la,year,x,z\n2,2019,30,b\n2,2020,40,c\n');
    const stacked = await run(['stack', single, single, '--where', 'x >= 30']);
    expect(stacked.stdout).toBe('la,year,x\n2,2019,30\n2,2020,40\n2,2019,30\n2,2020,40\n');
  });

  it('is refused before reading when malformed, and names what is wrong when it meets the data', async () => {
    const cases: [string[], string][] = [
      [['--where', 'year = 2019'], 'error: --where / "where": "=" at position 6: compare with "=="\n'],
      [['--where', 'nope == 1'], `error: --where / "where": column "nope" is not in ${SYNTHETIC}\n`],
      [['--where', 'la > "LA1"'], 'error: --where / "where": text can only be compared with == or != (or in), not >\n'],
      [['--where', 'year > 3000'], `error: --where / "where": removed every row of ${SYNTHETIC} (912 read)\n`],
    ];
    for (const [flags, message] of cases) {
      const result = await run(['decompose', SYNTHETIC, ...MODEL, ...flags]);
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(message);
    }
    const text = await run(['decompose', SYNTHETIC, ...MODEL, '--where', 'la == 3']);
    expect(text.status).toBe(2);
    expect(text.stderr).toMatch(
      /row 2, column "la": "LA001" is not a number; to compare text, quote it: la == "LA001"/,
    );
  });

  it('is a spec key of decompose, and the spec and the flag give the same result', async () => {
    const spec = join(folder, 'spec.json');
    writeFileSync(spec, JSON.stringify({ where: 'year >= 2015' }));
    const fromSpec = await run(['decompose', SYNTHETIC, ...MODEL, '--spec', spec, '--format', 'json']);
    const fromFlag = await run(['decompose', SYNTHETIC, ...MODEL, '--where', 'year >= 2015', '--format', 'json']);
    expect(fromSpec.status).toBe(0);
    expect(fromSpec.stdout).toBe(fromFlag.stdout);
  });
});
