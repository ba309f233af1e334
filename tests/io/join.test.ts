import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DataError, UsageError } from '../../src/errors.js';
import { parseCsv } from '../../src/io/csv.js';
import { normaliseDfeTable } from '../../src/io/dfe.js';
import { formatJoinReport, joinTables, type JoinInput, type UnmatchedKey } from '../../src/io/join.js';
import { sharedFiles } from '../sharedData.js';

const table = (name: string, text: string) => parseCsv({ name, bytes: Buffer.from(text) });

const A = table(
  'data/a.csv',
  'la,year,rate,la_name\n202,2019,10,Camden\n202,2020,11,Camden\n 203 ,2019,12,Greenwich\n204,2019,13,Hackney\n',
);
const B = table(
  'b.csv',
  'year,la_code,vacancy,la_name\n2019,202,5,Camden\n2019,203,6,Greenwich\n2020,203,7,Greenwich\n' +
    '2019,205,8,Hammersmith\n',
);
const inputs: JoinInput[] = [
  { table: A, keys: ['la', 'year'], label: 'la_name' },
  { table: B, keys: ['la_code', 'year'] },
];

describe('joinTables', () => {
  it('inner-joins on differently named keys, renaming shared column names', () => {
    const before = JSON.stringify([A, B]);
    const { table: out, report } = joinTables(inputs, { how: 'inner' });
    expect(JSON.stringify([A, B])).toBe(before);
    expect(out.file).toBe('join');
    expect(out.header).toEqual(['la', 'year', 'rate', 'la_name.a', 'vacancy', 'la_name.b']);
    expect(out.records).toEqual([
      ['202', '2019', '10', 'Camden', '5', 'Camden'],
      ['203', '2019', '12', 'Greenwich', '6', 'Greenwich'],
    ]);
    expect(report).toEqual({
      how: 'inner',
      keys: ['la', 'year'],
      outputRows: 2,
      inputs: [
        {
          file: 'data/a.csv',
          keys: ['la', 'year'],
          rows: 4,
          matchedRows: 2,
          unmatched: [
            { key: ['202', '2020'], row: 3, label: 'Camden', missingFrom: ['b.csv'] },
            { key: ['204', '2019'], row: 5, label: 'Hackney', missingFrom: ['b.csv'] },
          ],
          missingKeyRows: 0,
          droppedRows: 2,
          filledRows: 0,
          renamed: { la_name: 'la_name.a' },
        },
        {
          file: 'b.csv',
          keys: ['la_code', 'year'],
          rows: 4,
          matchedRows: 2,
          unmatched: [
            { key: ['203', '2020'], row: 4, missingFrom: ['data/a.csv'] },
            { key: ['205', '2019'], row: 5, missingFrom: ['data/a.csv'] },
          ],
          missingKeyRows: 0,
          droppedRows: 2,
          filledRows: 0,
          renamed: { la_name: 'la_name.b' },
        },
      ],
    });
  });

  it('left-joins: every first-input row stays, missing partners are empty cells and counted', () => {
    const { table: out, report } = joinTables(inputs, { how: 'left' });
    expect(out.records).toEqual([
      ['202', '2019', '10', 'Camden', '5', 'Camden'],
      ['202', '2020', '11', 'Camden', '', ''],
      ['203', '2019', '12', 'Greenwich', '6', 'Greenwich'],
      ['204', '2019', '13', 'Hackney', '', ''],
    ]);
    expect(report.outputRows).toBe(4);
    expect(
      report.inputs.map((input) => [
        input.rows,
        input.matchedRows,
        input.unmatched.length,
        input.droppedRows,
        input.filledRows,
      ]),
    ).toEqual([
      [4, 2, 2, 0, 0],
      [4, 2, 2, 2, 2],
    ]);
  });

  it('formats the report', () => {
    expect(formatJoinReport(joinTables(inputs, { how: 'left' }).report)).toEqual([
      'join (left) on la, year: 2 inputs, 4 output rows',
      '  data/a.csv: 4 rows, 2 matched, 2 unmatched, 0 dropped',
      '    la=202 "Camden" year=2020 (not in b.csv)',
      '    la=204 "Hackney" year=2019 (not in b.csv)',
      '    renamed: la_name → la_name.a',
      '  b.csv: 4 rows, 2 matched, 2 unmatched, 2 dropped, 2 output rows filled with missing',
      '    la_code=203 year=2020 (not in data/a.csv)',
      '    la_code=205 year=2019 (not in data/a.csv)',
      '    renamed: la_name → la_name.b',
    ]);
    const years = table('y.csv', 'la,year\n1,2013\n1,2014\n1,2015\n1,2019\n2,2013\n2,2014\n2,2015\n2,2019\n3,2020\n');
    const other = table('o.csv', 'la,year\n9,2013\n');
    const lines = formatJoinReport(
      joinTables(
        [
          { table: years, keys: ['la', 'year'] },
          { table: other, keys: ['la', 'year'] },
        ],
        { how: 'inner' },
      ).report,
    );
    expect(lines.slice(0, 5)).toEqual([
      'join (inner) on la, year: 2 inputs, 0 output rows',
      '  y.csv: 9 rows, 0 matched, 9 unmatched, 9 dropped',
      '    2 values of la (1; 2) year=2013–2015, 2019 (not in o.csv)',
      '    la=3 year=2020 (not in o.csv)',
      '  o.csv: 1 rows, 0 matched, 1 unmatched, 1 dropped',
    ]);
    const single = formatJoinReport(
      joinTables(
        [
          { table: other, keys: ['la'] },
          { table: years, keys: ['la'] },
        ].slice(0, 1),
        { how: 'inner' },
      ).report,
    );
    expect(single).toEqual(['join (inner) on la: 1 input, 1 output rows', '  o.csv: 1 rows, 1 matched, 0 dropped']);
  });

  it('names the file, key and rows of a duplicated key', () => {
    const dup = table('b.csv', 'la_code,year,v\n202,2019,1\n203,2019,2\n202,2019,3\n');
    expect(() => joinTables([inputs[0]!, { table: dup, keys: ['la_code', 'year'] }], { how: 'inner' })).toThrow(
      'b.csv: rows 2 and 4: key (la_code=202, year=2019) appears twice',
    );
    const many = table('m.csv', 'k,v\n1,a\n2,b\n1,c\n2,d\n 1 ,e\n');
    expect(() => joinTables([{ table: many, keys: ['k'] }], { how: 'left' })).toThrow(
      'm.csv: rows 2, 4 and 6: key (k=1) appears 3 times (1 more keys appear more than once)',
    );
    try {
      joinTables([{ table: many, keys: ['k'] }], { how: 'left' });
    } catch (error) {
      expect(error).toBeInstanceOf(DataError);
      expect((error as DataError).location).toEqual({ file: 'm.csv' });
    }
  });

  it('never matches an empty key cell and counts it', () => {
    const blanks = table('n.csv', 'la,year,v\n,2019,national\n,2019,regional\n202,2019,x\n');
    const { table: out, report } = joinTables([{ table: blanks, keys: ['la', 'year'] }, inputs[1]!], { how: 'left' });
    expect(out.records.map((r) => r.slice(0, 4))).toEqual([
      ['', '2019', 'national', ''],
      ['', '2019', 'regional', ''],
      ['202', '2019', 'x', '5'],
    ]);
    expect(report.inputs[0]!.missingKeyRows).toBe(2);
    expect(report.inputs[0]!.unmatched.map((u) => u.key)).toEqual([
      ['', '2019'],
      ['', '2019'],
    ]);
    expect(report.inputs[1]!.filledRows).toBe(2);
    expect(formatJoinReport(report)[2]).toBe('    la=(empty) year=2019 (not in b.csv)');
    expect(
      joinTables([{ table: blanks, keys: ['la', 'year'] }, inputs[1]!], { how: 'inner' }).report.inputs[0],
    ).toMatchObject({
      rows: 3,
      matchedRows: 1,
      missingKeyRows: 2,
      droppedRows: 2,
    });
  });

  it('joins three inputs and accounts for every row', () => {
    const C = table('c.csv', 'la,year,pop\n202,2019,100\n204,2019,300\n203,2020,200\n');
    const all: JoinInput[] = [...inputs, { table: C, keys: ['la', 'year'] }];
    const inner = joinTables(all, { how: 'inner' });
    expect(inner.table.header).toEqual(['la', 'year', 'rate', 'la_name.a', 'vacancy', 'la_name.b', 'pop']);
    expect(inner.table.records).toEqual([['202', '2019', '10', 'Camden', '5', 'Camden', '100']]);
    expect(inner.report.inputs.map((i) => [i.rows, i.matchedRows, i.droppedRows, i.filledRows])).toEqual([
      [4, 1, 3, 0],
      [4, 1, 3, 0],
      [3, 1, 2, 0],
    ]);
    expect(inner.report.inputs[0]!.unmatched.map((u) => [u.key.join('/'), u.missingFrom])).toEqual([
      ['202/2020', ['b.csv', 'c.csv']],
      ['203/2019', ['c.csv']],
      ['204/2019', ['b.csv']],
    ]);
    const left = joinTables(all, { how: 'left' });
    expect(left.table.records).toEqual([
      ['202', '2019', '10', 'Camden', '5', 'Camden', '100'],
      ['202', '2020', '11', 'Camden', '', '', ''],
      ['203', '2019', '12', 'Greenwich', '6', 'Greenwich', ''],
      ['204', '2019', '13', 'Hackney', '', '', '300'],
    ]);
    // b's (203, 2019) row lacks a partner in c but is used; c's (203, 2020) is not in a and is dropped.
    expect(left.report.inputs.map((i) => [i.rows, i.matchedRows, i.droppedRows, i.filledRows])).toEqual([
      [4, 1, 0, 0],
      [4, 1, 2, 2],
      [3, 1, 1, 2],
    ]);
  });

  it('renames by base name, with the position when two files share one', () => {
    const x = table('one/rates.csv', 'la,v,w\n1,2,3\n');
    const y = table('two/RATES.CSV', 'la,v\n1,4\n');
    const z = table('two/rates.csv', 'id,v,la\n1,5,keycol\n');
    const { table: out, report } = joinTables(
      [
        { table: x, keys: ['la'] },
        { table: y, keys: ['la'] },
        { table: z, keys: ['id'] },
      ],
      { how: 'inner' },
    );
    expect(out.header).toEqual(['la', 'v.rates#1', 'w', 'v.RATES', 'v.rates#3', 'la.rates#3']);
    expect(out.records).toEqual([['1', '2', '3', '4', '5', 'keycol']]);
    expect(report.inputs[2]!.renamed).toEqual({ v: 'v.rates#3', la: 'la.rates#3' });
    const clash = table('a.csv', 'k,v,v.b\n1,2,3\n');
    const other = table('b.csv', 'k,v\n1,4\n');
    expect(() =>
      joinTables(
        [
          { table: clash, keys: ['k'] },
          { table: other, keys: ['k'] },
        ],
        { how: 'inner' },
      ),
    ).toThrow('joined column name "v.b" would occur twice even after renaming');
  });

  it('checks its arguments', () => {
    expect(() => joinTables([], { how: 'inner' })).toThrow(UsageError);
    expect(() => joinTables([inputs[0]!, { table: B, keys: ['la_code'] }], { how: 'inner' })).toThrow(
      'every input needs the same number of key columns: data/a.csv has 2 (la, year), b.csv has 1 (la_code)',
    );
    expect(() => joinTables([inputs[0]!, { table: B, keys: ['la', 'year'] }], { how: 'inner' })).toThrow(
      'b.csv: key column "la" not found; the columns are: year, la_code, vacancy, la_name',
    );
    expect(() => joinTables([{ table: A, keys: ['la', 'year'], label: 'name' }], { how: 'inner' })).toThrow(
      'label column "name" not found',
    );
    expect(() => joinTables([{ table: A, keys: ['la', 'la'] }], { how: 'inner' })).toThrow(UsageError);
    expect(() => joinTables([{ table: A, keys: [] }], { how: 'inner' })).toThrow(UsageError);
  });
});

// The full DfE releases in ../shared/data/real beside the repository: skipped locally when absent, failing in CI.
const REAL = sharedFiles('dfe_cpp_at31march_la_2013_to_2025.csv', 'dfe_csww_indicators_la_2017_to_2025.csv');
const [CPP, CSWW] = REAL.paths as [string, string];

/**
 * Local-authority keys "old_la_code|time_period" → la_name, read line by line without the CSV parser: the first
 * ten fields (time_period … la_name) of Local authority rows hold no quoted commas except in la_name, which is
 * only used as a label here. Checked in the shell:
 *   awk -F, 'NR>1 && $3=="Local authority"{print $8"|"$1}' dfe_csww_indicators_la_2017_to_2025.csv | sort > w
 *   awk -F, 'NR>1 && $3=="Local authority"{print $8"|"$1}' dfe_cpp_at31march_la_2013_to_2025.csv | sort > c
 *   comm -12 c w | wc -l   → 1337 keys in both
 *   comm -13 c w | wc -l   → 18 workforce keys not in CPP (314 / 318 ×9, 940 / 941 ×5, 838, 839 in 2019,
 *                            942, 943 in 2023)
 *   comm -23 c w | wc -l   → 639 CPP keys not in the workforce file (608 in 2013–2016, 31 in 2017–2025)
 */
function laKeys(path: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/).slice(1)) {
    const fields = line.split(',');
    if (fields[2] === 'Local authority') keys.set(`${fields[7]}|${fields[0]}`, fields[9]!);
  }
  return keys;
}

describe('joining real DfE files', () => {
  const read = (path: string, name: string) =>
    normaliseDfeTable(parseCsv({ name, bytes: readFileSync(path) }), {}).table;

  it.skipIf(REAL.skip)(
    `CPP at 31 March with the social work workforce at 30 September, on old_la_code and time_period${REAL.titleNote}`,
    () => {
      REAL.requirePresent();
      const cpp = read(CPP, 'cpp.csv');
      const csww = read(CSWW, 'csww.csv');
      const { table: out, report } = joinTables(
        [
          { table: cpp, keys: ['old_la_code', 'time_period'], label: 'la_name' },
          { table: csww, keys: ['old_la_code', 'time_period'], label: 'la_name' },
        ],
        { how: 'inner' },
      );
      const c = laKeys(CPP);
      const w = laKeys(CSWW);
      const onlyCpp = [...c.keys()].filter((key) => !w.has(key)).sort();
      const onlyCsww = [...w.keys()].filter((key) => !c.has(key)).sort();
      const both = [...c.keys()].filter((key) => w.has(key));
      expect([both.length, onlyCpp.length, onlyCsww.length]).toEqual([1337, 639, 18]); // hand-checked with comm above

      expect(report.outputRows).toBe(1337);
      expect(out.records).toHaveLength(1337);
      const [cppReport, cswwReport] = report.inputs;
      expect(cppReport).toMatchObject({
        rows: 1976,
        matchedRows: 1337,
        droppedRows: 639,
        filledRows: 0,
        missingKeyRows: 0,
      });
      expect(cswwReport).toMatchObject({
        rows: 1355,
        matchedRows: 1337,
        droppedRows: 18,
        filledRows: 0,
        missingKeyRows: 0,
      });
      expect(cppReport!.unmatched.map((u) => u.key.join('|')).sort()).toEqual(onlyCpp);
      expect(cswwReport!.unmatched.map((u) => u.key.join('|')).sort()).toEqual(onlyCsww);

      // The reorganisations: the workforce snapshot at 30 September already has the new authorities that the
      // CPP count at 31 March of the same year does not.
      const named = (entries: readonly UnmatchedKey[], from: number) =>
        entries
          .filter((u) => Number(u.key[1]) >= from)
          .map((u) => `${u.key[0]} ${u.label} ${u.key[1]}`)
          .sort();
      expect(named(cswwReport!.unmatched, 2017)).toEqual([
        ...['2017', '2018', '2019', '2020', '2021', '2022', '2023', '2024', '2025'].map(
          (y) => `314 / 318 Kingston upon Thames / Richmond upon Thames ${y}`,
        ),
        '838 Dorset 2019',
        '839 Bournemouth, Christchurch and Poole 2019',
        ...['2021', '2022', '2023', '2024', '2025'].map(
          (y) => `940 / 941 North Northamptonshire / West Northamptonshire ${y}`,
        ),
        '942 Cumberland 2023',
        '943 Westmorland and Furness 2023',
      ]);
      expect(named(cppReport!.unmatched, 2017)).toEqual([
        ...['2017', '2018', '2019', '2020', '2021', '2022', '2023', '2024', '2025'].map(
          (y) => `314 Kingston upon Thames ${y}`,
        ),
        ...['2017', '2018', '2019', '2020', '2021', '2022', '2023', '2024', '2025'].map(
          (y) => `318 Richmond upon Thames ${y}`,
        ),
        '835 Dorset 2019',
        '836 Poole 2019',
        '837 Bournemouth 2019',
        '909 Cumbria 2023',
        '928 Northamptonshire 2021',
        ...['2022', '2023', '2024', '2025'].map((y) => `940 North Northamptonshire ${y}`),
        ...['2022', '2023', '2024', '2025'].map((y) => `941 West Northamptonshire ${y}`),
      ]);
      // 152 authorities × 2013–2016.
      expect(cppReport!.unmatched.filter((u) => Number(u.key[1]) <= 2016)).toHaveLength(608);

      const lines = formatJoinReport(report);
      expect(lines[0]).toBe('join (inner) on old_la_code, time_period: 2 inputs, 1,337 output rows');
      expect(lines).toContain('  cpp.csv: 1,976 rows, 1,337 matched, 639 unmatched, 639 dropped');
      expect(lines).toContain('  csww.csv: 1,355 rows, 1,337 matched, 18 unmatched, 18 dropped');
      expect(lines).toContain(
        '    2 values of old_la_code (839 "Bournemouth, Christchurch and Poole"; ' +
          '838 "Dorset") time_period=2019 (not in cpp.csv)',
      );
      expect(lines).toContain(
        '    2 values of old_la_code (942 "Cumberland"; 943 "Westmorland and Furness") time_period=2023 ' +
          '(not in cpp.csv)',
      );
      expect(lines).toContain('    old_la_code=928 "Northamptonshire" time_period=2013–2016, 2021 (not in csww.csv)');
    },
  );

  it.skipIf(REAL.skip)(
    'aligning each 30 September snapshot with the following 31 March leaves only the combined rows ' +
      `unmatched${REAL.titleNote}`,
    () => {
      REAL.requirePresent();
      const cpp = read(CPP, 'cpp.csv');
      const csww = read(CSWW, 'csww.csv');
      const period = csww.header.indexOf('time_period');
      const shifted = {
        ...csww,
        records: csww.records.map((r) => r.map((cell, i) => (i === period ? String(Number(cell) + 1) : cell))),
      };
      const overlap = { ...cpp, records: cpp.records.filter((r) => Number(r[0]) >= 2018) };
      const { report } = joinTables(
        [
          { table: overlap, keys: ['old_la_code', 'time_period'], label: 'la_name' },
          { table: shifted, keys: ['old_la_code', 'time_period'], label: 'la_name' },
        ],
        { how: 'left' },
      );
      const [cppReport, cswwReport] = report.inputs;
      // CPP at 31 March 2018–2025: 152 + 152 + 151 + 151 + 152 + 152 + 153 + 153 = 1,216 rows; all match except
      // Kingston 314 and Richmond 318 (2018–2025, 16 rows) and North 940 / West 941 Northamptonshire
      // (2022–2025, 8 rows).
      expect(cppReport).toMatchObject({ rows: 1216, matchedRows: 1192, droppedRows: 0 });
      expect(cppReport!.unmatched).toHaveLength(24);
      expect(new Set(cppReport!.unmatched.map((u) => u.key[0]))).toEqual(new Set(['314', '318', '940', '941']));
      // Unmatched workforce rows: the combined 314 / 318 (9) and 940 / 941 (5) rows, and the other 149 rows of
      // 30 Sept 2025 (shifted to 2026, beyond the CPP file): 163 = 1,355 − 1,192.
      expect(cswwReport).toMatchObject({ rows: 1355, matchedRows: 1192, droppedRows: 163, filledRows: 24 });
      expect(cswwReport!.unmatched).toHaveLength(9 + 5 + 149);
      expect(cswwReport!.unmatched.filter((u) => u.key[1] === '2026')).toHaveLength(151);
      expect(new Set(cswwReport!.unmatched.filter((u) => u.key[1] !== '2026').map((u) => u.key[0]))).toEqual(
        new Set(['314 / 318', '940 / 941']),
      );
    },
  );
});
