import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain } from './run.js';

const folder = mkdtempSync(join(tmpdir(), 'cpv-real-'));
function file(name: string, content: string): string {
  const path = join(folder, name);
  writeFileSync(path, content);
  return path;
}

// A small panel with counts and populations: 12 authorities × 5 years.
const rows: string[] = ['la,year,idaci,spend,vacancy,cpp_count,child_pop'];
for (let a = 0; a < 12; a++) {
  for (let t = 0; t < 5; t++) {
    const idaci = 0.1 + 0.02 * ((a * 7 + t * 3) % 11);
    const spend = 500 + ((a * 37 + t * 11) % 90);
    const vacancy = 10 + ((a * 5 + t * 7) % 13);
    const pop = 10000 + 1500 * a + 100 * t;
    const rate = 20 + 3 * a + 40 * idaci + 0.02 * spend + 0.2 * vacancy + ((a * 13 + t * 17) % 7);
    rows.push(`L${a},${2016 + t},${idaci.toFixed(3)},${spend},${vacancy},${Math.round((rate * pop) / 10000)},${pop}`);
  }
}
const counts = file('counts.csv', `${rows.join('\n')}\n`);
const RATE = 'cpp_rate = cpp_count / child_pop * 10000';

describe('real-world inputs on the command line', () => {
  it(
    '--derive computes the outcome, --formula and --group-of name the groups, ' + 'and the result equals the flag form',
    async () => {
      const formula = JSON.parse(
        (
          await runMain([
            'decompose',
            counts,
            '--derive',
            RATE,
            '--formula',
            'cpp_rate ~ idaci + spend + vacancy | la + year',
            '--group-of',
            'resources=spend,vacancy',
            '--format',
            'json',
          ])
        ).stdout,
      );
      // --group-of puts the groups it names first, then the other terms in formula order.
      expect(formula.groups.map((g: { name: string }) => g.name)).toEqual(['resources', 'idaci', 'la', 'year']);
      const flags = JSON.parse(
        (
          await runMain([
            'decompose',
            counts,
            '--derive',
            RATE,
            '--group',
            'resources=spend,vacancy',
            '--group',
            'idaci=idaci',
            '--fe',
            'la=la',
            '--fe',
            'year=year',
            '--format',
            'json',
          ])
        ).stdout,
      );
      formula.groups.forEach((g: { share: number }, i: number) =>
        expect(g.share).toBeCloseTo(flags.groups[i].share, 12),
      );
    },
  );

  it('interactions a*b become derived product columns', async () => {
    const json = JSON.parse(
      (
        await runMain([
          'decompose',
          counts,
          '--derive',
          RATE,
          '--formula',
          'cpp_rate ~ idaci*spend | la',
          '--format',
          'json',
        ])
      ).stdout,
    );
    expect(json.groups.map((g: { name: string }) => g.name)).toEqual(['idaci', 'spend', 'idaci:spend', 'la']);
  });

  it('counts rows a derivation makes missing', async () => {
    const zero = file(
      'zero.csv',
      `${rows.map((line, i) => (i === 3 ? line.replace(/,\d+$/, ',0') : line)).join('\n')}\n`,
    );
    const json = JSON.parse(
      (await runMain(['decompose', zero, '--derive', RATE, '--fe', 'la=la', '--group', 'd=idaci', '--format', 'json']))
        .stdout,
    );
    expect(json.droppedRows).toBe(1);
    expect(json.notes.join(' ')).toMatch(/derive cpp_rate: 1 rows became missing \(division by zero/);
  });

  it('--weights changes the split; --log-outcome models the log', async () => {
    const base = [
      'decompose',
      counts,
      '--derive',
      RATE,
      '--fe',
      'la=la',
      '--group',
      'd=idaci',
      '--group',
      'r=spend,vacancy',
      '--format',
      'json',
    ];
    const plain = JSON.parse((await runMain(base)).stdout);
    const weighted = JSON.parse((await runMain([...base, '--weights', 'child_pop'])).stdout);
    expect(weighted.groups[1].share).not.toBeCloseTo(plain.groups[1].share, 6);
    const logged = JSON.parse((await runMain([...base, '--log-outcome'])).stdout);
    expect(logged.outcome).toBe('log(cpp_rate)');
  });

  it('--min-periods drops authorities seen too few times, and says so', async () => {
    const gappy = file('gappy.csv', `${rows.filter((line) => !/^L0,201[6-8]/.test(line)).join('\n')}\n`);
    const json = JSON.parse(
      (
        await runMain([
          'decompose',
          gappy,
          '--derive',
          RATE,
          '--fe',
          'la=la',
          '--group',
          'd=idaci',
          '--min-periods',
          '3',
          '--format',
          'json',
        ])
      ).stdout,
    );
    expect(json.n).toBe(55);
    expect(json.droppedRows).toBe(2);
    expect(json.notes.join(' ')).toMatch(/--min-periods 3: 2 rows/);
  });

  it('--by year gives one split per year, leaving out what a cross-section cannot hold', async () => {
    const json = JSON.parse(
      (
        await runMain([
          'decompose',
          counts,
          '--derive',
          RATE,
          '--by',
          'year',
          '--group',
          'd=idaci',
          '--group',
          'r=spend,vacancy',
          '--fe',
          'la=la',
          '--fe',
          'year=year',
          '--format',
          'json',
        ])
      ).stdout,
    );
    expect(json.splits.map((s: { level: string }) => s.level)).toEqual(['2016', '2017', '2018', '2019', '2020']);
    for (const split of json.splits) {
      expect(split.n).toBe(12);
      const total = split.groups.reduce((s: number, g: { share: number }) => s + g.share, 0) + split.unexplained.share;
      expect(total).toBeCloseTo(1, 12);
    }
    expect(json.notes.join(' ')).toMatch(/"year" \(over year\) is left out/);
  });

  it('join merges on keys named differently per file and reports unmatched keys; derive appends columns', async () => {
    const a = file('a.csv', 'la,year,x\nL1,2019,1\nL2,2019,2\nL3,2019,3\n');
    const b = file('b.csv', 'code,period,z\nL1,2019,10\nL2,2019,20\nL4,2019,40\n');
    const joined = await runMain(['join', a, b, '--on', 'a.csv:la,year', '--on', 'b.csv:code,period']);
    expect(joined.status).toBe(0);
    expect(joined.stdout).toBe('la,year,x,z\nL1,2019,1,10\nL2,2019,2,20\n');
    expect(joined.stderr).toMatch(/L3/);
    expect(joined.stderr).toMatch(/L4/);
    const derived = await runMain(['derive', a, '--derive', 'next = year + 1', '--derive', 'half = x / 2']);
    expect(derived.stdout).toBe('la,year,x,next,half\nL1,2019,1,2020,0.5\nL2,2019,2,2020,1\nL3,2019,3,2020,1.5\n');
  });

  it('join refuses duplicate keys, naming them', async () => {
    const a = file('dup.csv', 'la,year,x\nL1,2019,1\nL1,2019,2\n');
    const b = file('other.csv', 'la,year,z\nL1,2019,3\n');
    const result = await runMain(['join', a, b, '--on', 'la,year']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/rows 2 and 3: key \(la=L1, year=2019\) appears twice/);
  });

  it(
    'recognises DfE statistics files: keeps local authorities, turns suppression symbols into counted missing ' +
      'values, accepts 1,234',
    async () => {
      const dfe = file(
        'dfe.csv',
        `${[
          'time_period,time_identifier,geographic_level,country_code,old_la_code,la_name,cpp_rate,spend',
          '2019,Reporting year,National,E92000001,,,45,"1,000"',
          ...Array.from(
            { length: 8 },
            (_, i) =>
              `2019,Reporting year,Local authority,E92000001,${300 + i},LA ${i},${30 + i * 3},"1,${100 + i * 17}"`,
          ),
          ...Array.from(
            { length: 8 },
            (_, i) =>
              '2020,Reporting year,Local authority,E92000001,' +
              `${300 + i},LA ${i},${i === 2 ? 'c' : 32 + i * 3},"1,${120 + i * 13}"`,
          ),
        ].join('\n')}\n`,
      );
      const result = await runMain([
        'decompose',
        dfe,
        '--fe',
        'la=old_la_code',
        '--group',
        's=spend',
        '--format',
        'json',
      ]);
      expect(result.status).toBe(0);
      const json = JSON.parse(result.stdout);
      expect(json.n).toBe(15);
      expect(json.missing).toEqual({ cpp_rate: { c: 1 } });
      expect(result.stderr).toMatch(/dfe\.csv/);
      // The same thousands separator in a file that is not a DfE statistics file is an error.
      const plain = file('plain.csv', 'la,year,cpp_rate,spend\nA,2019,30,"1,000"\nB,2019,31,900\n');
      expect((await runMain(['decompose', plain, '--fe', 'la=la', '--group', 's=spend'])).stderr).toMatch(
        /"1,000" is not a number/,
      );
    },
  );
});

describe('derive copies a named column as text', () => {
  it('renames text and key columns without turning them into numbers', async () => {
    const names = file('names.csv', 'la_name,code,x\nHartlepool,805,1\n"Kingston, upon Thames",314 / 318,2\n');
    const result = await runMain([
      'derive',
      names,
      '--derive',
      'name = la_name',
      '--derive',
      'la = code',
      '--derive',
      'y = x * 2',
    ]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      'la_name,code,x,name,la,y\nHartlepool,805,1,Hartlepool,805,2\n' +
        '"Kingston, upon Thames",314 / 318,2,"Kingston, upon Thames",314 / 318,4\n',
    );
  });
});

describe('stack and derive --na, as for one wide file per year', () => {
  it('renames each file with derive (markers blanked), stacks them and reports the rows', async () => {
    const y2015 = file(
      'sfr2015.csv',
      'LA_code (3 digit),LA_name,A3_2015\n805,Hartlepool,12\n806,Middlesbrough,x\n,,\n',
    );
    const y2016 = file(
      'sfr2016.csv',
      'LA_code (3 digit),LA_name,A3_2016,extra\n805,Hartlepool,9.5,a\n806,Middlesbrough,..,b\n',
    );
    const renamed: string[] = [];
    for (const [i, path] of [y2015, y2016].entries()) {
      const out = join(folder, `renamed${i}.csv`);
      const year = 2015 + i;
      const result = await runMain([
        'derive',
        path,
        '--na',
        'x,..',
        '--derive',
        'la = `LA_code (3 digit)`',
        '--derive',
        `year = ${year}`,
        '--derive',
        `vacancy = A3_${year}`,
        '--output',
        out,
      ]);
      expect(result.status).toBe(0);
      renamed.push(out);
    }
    const stacked = await runMain(['stack', ...renamed, '--columns', 'la,year,vacancy']);
    expect(stacked.status).toBe(0);
    expect(stacked.stdout).toBe('la,year,vacancy\n805,2015,12\n806,2015,\n,2015,\n805,2016,9.5\n806,2016,\n');
    expect(stacked.stderr).toMatch(/^stack: 2 inputs, 5 output rows, columns la, year, vacancy$/m);
    const refused = await runMain(['stack', ...renamed]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(
      new RegExp(
        'renamed1\\.csv: has no column "A3_2015" \\(which renamed0\\.csv has\\); ' +
          'keep the columns all files share with --columns',
      ),
    );
  });
});
