import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { parseCsv } from '../../src/io/csv.js';
import {
  DFE_SYMBOLS,
  LA_CODE_COLUMNS,
  detectDfeFormat,
  formatDfeReport,
  normaliseDfeTable,
  timePeriodOrder,
} from '../../src/io/dfe.js';
import { sharedFiles } from '../sharedData.js';

const source = (name: string, text: string) => ({ name, bytes: Buffer.from(text) });

const EES = [
  'time_period,time_identifier,geographic_level,country_code,region_name,' +
    'old_la_code,new_la_code,la_name,cpp_count,cpp_rate',
  '201718,Financial year,National,E92000001,,,,,"52,510",45.3',
  '201718,Financial year,Regional,E92000001,North East,,,,"3,180",x',
  '201718,Financial year,Local authority,E92000001,North East,841,E06000005,Darlington,"1,234.5",c',
  '201718,Financial year,Local authority,E92000001,North East,840,E06000047,County Durham,c,z',
  '201819,Financial year,Local authority,E92000001,North East,841,E06000005,Darlington,low,u',
  '201819,Financial year,Local authority,E92000001,North East,840,E06000047,County Durham,812,x',
  '201819,Financial year,Regional,E92000001,North East,,,,~,:',
  '201920,Financial year,Local authority,E92000001,North East,909,x,"Bournemouth, Christchurch and Poole",..,-',
  '201920,Financial year,Local authority,E92000001,North East,840,E06000047,County Durham, . ,7.5',
].join('\n');

describe('detectDfeFormat', () => {
  it('needs both time_period and geographic_level, spelled exactly', () => {
    expect(detectDfeFormat(['time_period', 'time_identifier', 'geographic_level'])).toBe(true);
    expect(detectDfeFormat([' geographic_level ', 'x', 'time_period'])).toBe(true);
    // The IPSE panel: time_period without geographic_level.
    expect(detectDfeFormat(['new_la_code', 'time_period', 'old_la_code'])).toBe(false);
    // An old SFR underlying-data file.
    expect(detectDfeFormat(['Country_code', 'LA_code (3 digit)'])).toBe(false);
    expect(detectDfeFormat(['Time_Period', 'Geographic_Level'])).toBe(false);
  });

  it('documents the LA code columns and the symbols', () => {
    expect(LA_CODE_COLUMNS).toEqual(['old_la_code', 'new_la_code', 'la_name']);
    expect(Object.keys(DFE_SYMBOLS)).toEqual(['c', 'low', 'u', 'x', 'z', '~', ':', '..', '.', '-']);
  });
});

describe('normaliseDfeTable', () => {
  const table = parseCsv(source('dfe_cpp.csv', EES));
  const snapshot = JSON.stringify(table);

  it('keeps Local authority rows, relabels periods, blanks symbols and removes thousands separators', () => {
    const { table: out, report } = normaliseDfeTable(table, {});
    expect(JSON.stringify(table)).toBe(snapshot); // input untouched
    expect(out.file).toBe('dfe_cpp.csv');
    expect(out.header).toEqual(table.header);
    expect(out.records.map((r) => [r[0], r[5], r[6], r[8], r[9]])).toEqual([
      ['2017-18', '841', 'E06000005', '1234.5', ''],
      ['2017-18', '840', 'E06000047', '', ''],
      ['2018-19', '841', 'E06000005', '', ''],
      ['2018-19', '840', 'E06000047', '812', ''],
      ['2019-20', '909', '', '', ''],
      ['2019-20', '840', 'E06000047', '', '7.5'],
    ]);
    // Non-numeric text with commas is not touched.
    expect(out.records[4]![7]).toBe('Bournemouth, Christchurch and Poole');
    expect(report).toEqual({
      file: 'dfe_cpp.csv',
      level: 'Local authority',
      rowsRead: 9,
      rowsKept: 6,
      rowsByLevel: { National: 1, Regional: 2, 'Local authority': 6 },
      dropped: { National: 1, Regional: 2 },
      timePeriod: {
        convention: 'span',
        fourDigit: 0,
        sixDigit: 6,
        labelled: 0,
        periods: ['2017-18', '2018-19', '2019-20'],
      },
      timeIdentifiers: { 'Financial year': 6 },
      missing: {
        cpp_count: { c: 1, low: 1, '..': 1, '.': 1 },
        cpp_rate: { c: 1, z: 1, u: 1, x: 1, '-': 1 },
        new_la_code: { x: 1 },
      },
      missingBySymbol: { c: 2, z: 1, low: 1, u: 1, x: 2, '..': 1, '-': 1, '.': 1 },
      thousandsSeparators: { cpp_count: 1 },
    });
    expect(Object.keys(report.missing)).toEqual(['new_la_code', 'cpp_count', 'cpp_rate']); // header order
    expect(Object.keys(report.missing.cpp_rate!)).toEqual(['c', 'u', 'x', 'z', '-']); // DFE_SYMBOLS order
  });

  it('chooses another level case-insensitively and keeps four-digit years as they are', () => {
    const { table: out, report } = normaliseDfeTable(table, { level: 'regional' });
    expect(report.level).toBe('Regional');
    expect(report.rowsKept).toBe(2);
    expect(report.dropped).toEqual({ National: 1, 'Local authority': 6 });
    expect(out.records.map((r) => [r[8], r[9]])).toEqual([
      ['3180', ''],
      ['', ''],
    ]);
    expect(report.missing).toEqual({ cpp_rate: { x: 1, ':': 1 }, cpp_count: { '~': 1 } });

    const years = parseCsv(
      source(
        'y.csv',
        'time_period,time_identifier,geographic_level,v\n2019,Reporting year,Local authority,1\n' +
          '2018,Reporting year,Local authority,2\n',
      ),
    );
    const normalised = normaliseDfeTable(years, {});
    expect(normalised.table.records.map((r) => r[0])).toEqual(['2019', '2018']);
    expect(normalised.report.timePeriod).toEqual({
      convention: 'year',
      fourDigit: 2,
      sixDigit: 0,
      labelled: 0,
      periods: ['2018', '2019'],
    });
    expect(normalised.report.timeIdentifiers).toEqual({ 'Reporting year': 2 });
    expect(normalised.report.missing).toEqual({});
  });

  it('is idempotent', () => {
    const once = normaliseDfeTable(table, {});
    const twice = normaliseDfeTable(once.table, {});
    expect(twice.table).toEqual(once.table);
    expect(twice.report.timePeriod).toEqual({ ...once.report.timePeriod, sixDigit: 0, labelled: 6 });
    expect(twice.report.missing).toEqual({});
  });

  it('names the levels present when the level is absent', () => {
    expect(() => normaliseDfeTable(table, { level: 'Ward' })).toThrow(
      'dfe_cpp.csv, column "geographic_level": has no rows at geographic level "Ward"; the levels present are: ' +
        '"National" (1 rows), "Regional" (2 rows), "Local authority" (6 rows)',
    );
    const national = parseCsv(source('n.csv', 'time_period,geographic_level\n2019,National\n'));
    expect(() => normaliseDfeTable(national, {})).toThrow(DataError);
  });

  it('rejects malformed time periods at their row', () => {
    const bad = parseCsv(
      source('b.csv', 'time_period,geographic_level\n201718,Local authority\n201719,Local authority\n'),
    );
    expect(() => normaliseDfeTable(bad, {})).toThrow(
      'b.csv row 3, column "time_period": "201719" is not a span of consecutive years (the span starting 2017 is ' +
        '201718, i.e. 2017-18)',
    );
    const slash = parseCsv(source('s.csv', 'time_period,geographic_level\n2017/18,Local authority\n'));
    expect(() => normaliseDfeTable(slash, {})).toThrow(
      's.csv row 2, column "time_period": "2017/18" is not a DfE time period',
    );
    // Rows of other levels are not checked (they are dropped).
    const dropped = parseCsv(source('d.csv', 'time_period,geographic_level\nTotal,National\n2019,Local authority\n'));
    expect(normaliseDfeTable(dropped, {}).report.rowsKept).toBe(1);
    // The century turn: 199900 → 1999-00.
    const century = parseCsv(source('c.csv', 'time_period,geographic_level\n199900,Local authority\n'));
    expect(normaliseDfeTable(century, {}).table.records[0]![0]).toBe('1999-00');
  });

  it('refuses a table that is not a DfE file', () => {
    const plain = parseCsv(source('p.csv', 'time_period,la,v\n2019,1,2\n'));
    expect(() => normaliseDfeTable(plain, {})).toThrow(
      'p.csv: is not a DfE statistics file: it has no "geographic_level" column',
    );
  });

  it('formats the report for people', () => {
    expect(formatDfeReport(normaliseDfeTable(table, {}).report)).toEqual([
      'dfe_cpp.csv: DfE statistics file; kept 6 "Local authority" rows (dropped 1 National, 2 Regional)',
      'dfe_cpp.csv: time_period year spans (6 six-digit codes such as 201718 shown as 2017-18): ' +
        '2017-18 to 2019-20 (3 periods); time_identifier Financial year (6)',
      'dfe_cpp.csv: blanked as missing by symbol: c=2 (confidential (suppressed)), low=1 (rounds to 0 but is not 0), ' +
        'u=1 (low reliability), x=2 (not available), z=1 (not applicable), ..=1 (not available (legacy DfE symbol)), ' +
        '.=1 (not applicable (legacy DfE symbol)), -=1 (nil or negligible (legacy DfE symbol)); per column:',
      '  new_la_code x=1',
      '  cpp_count c=1 low=1 ..=1 .=1',
      '  cpp_rate c=1 u=1 x=1 z=1 -=1',
      'dfe_cpp.csv: removed thousands separators from 1 numbers (cpp_count 1)',
    ]);
  });
});

describe('timePeriodOrder', () => {
  it('orders years and spans', () => {
    expect(timePeriodOrder('2017')).toBe(2017);
    expect(timePeriodOrder('2017-18')).toBe(2017.5);
    expect(timePeriodOrder('201718')).toBe(2017.5);
    expect(timePeriodOrder('1999-00')).toBe(1999.5);
    const labels = ['2019', '2018-19', '2017', '2017-18', '2018'];
    expect(labels.sort((a, b) => timePeriodOrder(a) - timePeriodOrder(b))).toEqual([
      '2017',
      '2017-18',
      '2018',
      '2018-19',
      '2019',
    ]);
  });

  it.each(['2017-19', '17', '2017/18', 'Total', ''])('rejects %j', (label) =>
    expect(() => timePeriodOrder(label)).toThrow(DataError),
  );
});

// The full DfE releases in ../shared/data/real beside the repository: skipped locally when absent, failing in CI.
const CPP_FILE = sharedFiles('dfe_cpp_at31march_la_2013_to_2025.csv');
const CSWW_FILE = sharedFiles('dfe_csww_indicators_la_2017_to_2025.csv');
const CPP = CPP_FILE.paths[0]!;
const CSWW = CSWW_FILE.paths[0]!;

/**
 * An independent count, without the CSV parser: the first three fields (time_period, time_identifier,
 * geographic_level) never contain commas, and the data columns are the LAST `dataColumns` fields (names such as
 * "Bournemouth, Christchurch and Poole" come earlier), so a plain split on commas finds both. The same counts by awk:
 *   awk -F, 'NR>1{n[$3]++} END{for(k in n) print k": "n[k]}' dfe_cpp_at31march_la_2013_to_2025.csv
 *     → Local authority: 1976, National: 13, Regional: 143
 *   awk -F, 'NR==1{for(i=1;i<=NF;i++)h[NF-i]=$i; next} $3=="Local authority"{for(j=0;j<11;j++){v=$(NF-j);
 *     if(v ~ /^(c|x|z|u|low|~|:|\.\.|\.|-)$/) t[v]++}} END{for(k in t) print k, t[k]}' \
 *     dfe_cpp_at31march_la_2013_to_2025.csv
 *     → c 2957, u 11, x 33, z 45 (CPP_At31 alone: c 17, u 1, x 3)
 */
function lineCount(path: string, dataColumns: number) {
  const lines = readFileSync(path, 'utf8')
    .replace(/^\ufeff/, '')
    .split(/\r?\n/)
    .filter((line) => line !== '');
  const names = lines[0]!.split(',').slice(-dataColumns);
  const levels: Record<string, number> = {};
  const years: Record<string, number> = {};
  const symbols: Record<string, Record<string, number>> = {};
  for (const line of lines.slice(1)) {
    const fields = line.split(',');
    levels[fields[2]!] = (levels[fields[2]!] ?? 0) + 1;
    if (fields[2] !== 'Local authority') continue;
    years[fields[0]!] = (years[fields[0]!] ?? 0) + 1;
    fields.slice(-dataColumns).forEach((value, i) => {
      if (!['c', 'low', 'u', 'x', 'z', '~', ':', '..', '.', '-'].includes(value)) return;
      const column = (symbols[names[i]!] ??= {});
      column[value] = (column[value] ?? 0) + 1;
    });
  }
  return { levels, years, symbols };
}

describe('real DfE files', () => {
  it.skipIf(CPP_FILE.skip)(
    `CPP at 31 March 2013–2025 normalises to its Local authority rows${CPP_FILE.titleNote}`,
    () => {
      CPP_FILE.requirePresent();
      const table = parseCsv({ name: 'dfe_cpp.csv', bytes: readFileSync(CPP) });
      expect(detectDfeFormat(table.header)).toBe(true);
      const { table: out, report } = normaliseDfeTable(table, {});
      const expected = lineCount(CPP, 11);
      // Hand-checked with awk above.
      expect(expected.levels).toEqual({ National: 13, Regional: 143, 'Local authority': 1976 });
      expect(report.rowsRead).toBe(2132);
      expect(report.rowsKept).toBe(1976);
      expect(out.records).toHaveLength(1976);
      expect(report.rowsByLevel).toEqual(expected.levels);
      expect(report.dropped).toEqual({ National: 13, Regional: 143 });
      expect(report.level).toBe('Local authority');
      expect(report.timeIdentifiers).toEqual({ 'Reporting year': 1976 });
      expect(report.timePeriod).toEqual({
        convention: 'year',
        fourDigit: 1976,
        sixDigit: 0,
        labelled: 0,
        periods: Object.keys(expected.years).sort(),
      });
      expect(report.timePeriod.periods).toEqual([
        '2013',
        '2014',
        '2015',
        '2016',
        '2017',
        '2018',
        '2019',
        '2020',
        '2021',
        '2022',
        '2023',
        '2024',
        '2025',
      ]);
      // 152 authorities a year, 151 in 2020–21 (after the 2019 Dorset/BCP merger, before the 2021 Northamptonshire
      // split), 153 from 2024.
      expect(expected.years).toEqual({
        '2013': 152,
        '2014': 152,
        '2015': 152,
        '2016': 152,
        '2017': 152,
        '2018': 152,
        '2019': 152,
        '2020': 151,
        '2021': 151,
        '2022': 152,
        '2023': 152,
        '2024': 153,
        '2025': 153,
      });
      const period = out.header.indexOf('time_period');
      const kept: Record<string, number> = {};
      for (const record of out.records) kept[record[period]!] = (kept[record[period]!] ?? 0) + 1;
      expect(kept).toEqual(expected.years);
      expect(report.missing).toEqual(expected.symbols);
      expect(report.missing.CPP_At31).toEqual({ c: 17, u: 1, x: 3 });
      expect(report.missingBySymbol).toEqual({ c: 2957, u: 11, x: 33, z: 45 });
      expect(report.thousandsSeparators).toEqual({});
      expect(out.records.every((record) => record[2] === 'Local authority')).toBe(true);
      const cppAt31 = out.header.indexOf('CPP_At31');
      expect(out.records.filter((record) => record[cppAt31] === '')).toHaveLength(17 + 1 + 3);
    },
  );

  it.skipIf(CSWW_FILE.skip)(
    `social work workforce 2017–2025 normalises with its own symbols${CSWW_FILE.titleNote}`,
    () => {
      CSWW_FILE.requirePresent();
      const table = parseCsv({ name: 'csww.csv', bytes: readFileSync(CSWW) });
      const { report } = normaliseDfeTable(table, {});
      const expected = lineCount(CSWW, 22);
      expect(expected.levels).toEqual({ National: 9, Regional: 99, 'Local authority': 1355 });
      expect(report.rowsKept).toBe(1355);
      expect(report.dropped).toEqual({ National: 9, Regional: 99 });
      expect(report.timePeriod.periods).toEqual([
        '2017',
        '2018',
        '2019',
        '2020',
        '2021',
        '2022',
        '2023',
        '2024',
        '2025',
      ]);
      expect(report.missing).toEqual(expected.symbols);
      expect(report.missingBySymbol).toEqual({ c: 8, low: 12, u: 50, x: 98, z: 81 });
    },
  );
});
