import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DataError, InternalError, UsageError } from '../../src/errors.js';
import { parseCsv, type RawTable } from '../../src/io/csv.js';
import { normaliseDfeTable } from '../../src/io/dfe.js';
import { describeTable, type DescribeResult } from '../../src/profile/describe.js';
import { describeTabular, renderDescribeJson, renderDescribeTable } from '../../src/report/describeReport.js';
import { renderCsv, renderMarkdown } from '../../src/report/tabular.js';
import { dummies, referenceR2, testRandom } from '../helpers.js';
import { sharedFiles } from '../sharedData.js';

const table = (name: string, text: string): RawTable => parseCsv({ name, bytes: Buffer.from(text) });

/**
 * A hand-made panel. Spreadsheet rows (header = row 1) on the left.
 *   - B × 2020 is on rows 6 and 7 (a duplicate key); B lacks 2021, C lacks 2020 (unbalanced); row 10 has no la.
 *   - missing: la "" on row 10; cpp_rate "" row 6 and "NA" row 8; spend "NA" row 3, "" row 4, "-" row 6 (an extra
 *     token); comment is all missing ("" ×6, "NA" ×3).
 *   - idaci is numeric but for "0,25" (decimal comma) on row 7, so it is categorical.
 */
const SMALL = [
  'la,year,cpp_rate,region,spend,idaci,comment',
  /* row 2 */ 'A,2019,10,North,5,0.1,',
  /* row 3 */ 'A,2020,14,North,NA,0.2,NA',
  /* row 4 */ 'A,2021,12,North,,0.3,',
  /* row 5 */ 'B,2019,20,South,7,0.1,',
  /* row 6 */ 'B,2020,,South,-,0.2,NA',
  /* row 7 */ 'B,2020,24,South,9,"0,25",',
  /* row 8 */ 'C,2019,NA,South,11,0.3,',
  /* row 9 */ 'C,2021,28,South,13,0.4,NA',
  /* row 10 */ ',2021,40,South,1,0.5,',
].join('\n');

describe('describeTable on a hand-made panel', () => {
  const input = table('small.csv', SMALL);
  const snapshot = JSON.stringify(input);
  const result = describeTable(input, { missingTokens: ['-'] });
  const column = (name: string) => result.columns.find((c) => c.name === name)!;

  it('does not mutate its input', () => {
    expect(JSON.stringify(input)).toBe(snapshot);
  });

  it('infers each column type and counts missing cells by token', () => {
    expect(result.rows).toBe(9);
    expect(result.columns.map((c) => [c.name, c.type, c.values, c.missing])).toEqual([
      ['la', 'categorical', 8, 1],
      ['year', 'numeric', 9, 0],
      ['cpp_rate', 'numeric', 7, 2],
      ['region', 'categorical', 9, 0],
      ['spend', 'numeric', 6, 3],
      ['idaci', 'categorical', 9, 0],
      ['comment', 'empty', 0, 9],
    ]);
    expect(column('la').missingByToken).toEqual([{ token: '', count: 1, kind: 'empty' }]);
    expect(column('cpp_rate').missingByToken).toEqual([
      { token: '', count: 1, kind: 'empty' },
      { token: 'NA', count: 1, kind: 'marker' },
    ]);
    // Order: empty, NA, then the extra tokens.
    expect(column('spend').missingByToken).toEqual([
      { token: '', count: 1, kind: 'empty' },
      { token: 'NA', count: 1, kind: 'marker' },
      { token: '-', count: 1, kind: 'marker' },
    ]);
    expect(column('comment').missingByToken).toEqual([
      { token: '', count: 6, kind: 'empty' },
      { token: 'NA', count: 3, kind: 'marker' },
    ]);
  });

  it('summarises numeric columns by min, median and max', () => {
    // cpp_rate sorted: 10 12 14 20 24 28 40 → median the 4th, 20.
    expect(column('cpp_rate')).toMatchObject({ min: 10, median: 20, max: 40 });
    // spend sorted: 1 5 7 9 11 13 → median (7 + 9) / 2 = 8.
    expect(column('spend')).toMatchObject({ min: 1, median: 8, max: 13 });
    // year: 2019 ×3, 2020 ×3, 2021 ×3 → median the 5th, 2020.
    expect(column('year')).toMatchObject({ min: 2019, median: 2020, max: 2021 });
  });

  it('summarises categorical columns by distinct and most frequent values, ties in order of first appearance', () => {
    expect(column('region')).toMatchObject({
      distinct: 2,
      top: [
        { value: 'South', count: 6 },
        { value: 'North', count: 3 },
      ],
      numericCells: 0,
      firstNonNumeric: [],
    });
    expect(column('la')).toMatchObject({
      distinct: 3,
      top: [
        { value: 'A', count: 3 },
        { value: 'B', count: 3 },
        { value: 'C', count: 2 },
      ],
    });
    // idaci: 0.1 ×2, 0.2 ×2, 0.3 ×2, "0,25", 0.4, 0.5 → 6 distinct, five listed; 8 of 9 cells are numbers.
    expect(column('idaci')).toMatchObject({
      distinct: 6,
      top: [
        { value: '0.1', count: 2 },
        { value: '0.2', count: 2 },
        { value: '0.3', count: 2 },
        { value: '0,25', count: 1 },
        { value: '0.4', count: 1 },
      ],
      numericCells: 8,
      firstNonNumeric: [{ row: 7, value: '0,25' }],
    });
  });

  it('finds the panel structure: gaps, periods per unit, duplicates with their rows', () => {
    // Keys (rows 2–9; row 10 has no la): A 2019 2020 2021; B 2019 2020 2020; C 2019 2021.
    // 3 units × 3 periods = 9 cells, 7 distinct keys → 2 gaps (B × 2021, C × 2020).
    expect(result.panel).toEqual({
      unit: 'la',
      period: 'year',
      source: 'default',
      units: 3,
      periods: ['2019', '2020', '2021'],
      order: 'time',
      rows: 8,
      rowsMissingKey: 1,
      balanced: false,
      gaps: 2,
      // periods per unit: A 3, B 2, C 2 → min 2, median 2, max 3
      periodsPerUnit: {
        min: 2,
        median: 2,
        max: 3,
        counts: [
          { periods: 2, units: 2 },
          { periods: 3, units: 1 },
        ],
      },
      incompleteUnits: [
        { unit: 'B', observed: 2, missingPeriods: ['2021'] },
        { unit: 'C', observed: 2, missingPeriods: ['2020'] },
      ],
      duplicateKeys: 1,
      duplicateRows: 1,
      duplicates: [{ unit: 'B', period: '2020', rows: [6, 7] }],
    });
    expect(result.notes).toEqual([
      '1 row has no la or year and is left out of the panel structure',
      'unbalanced panel: 2 of 3 units lack at least one of the 3 periods (2 la × year cells empty)',
      '1 la × year key is on more than one row (1 extra row): check for repeated or stacked data',
    ]);
  });

  it('splits the outcome variance between and within units, by hand', () => {
    // Complete rows (cpp_rate, la, year present): rows 2 3 4 5 7 9 → A 10 14 12 | B 20 24 | C 28; n = 6.
    // ȳ = 108 / 6 = 18; ȳ_A = 12, ȳ_B = 22, ȳ_C = 28.
    // total   = 8² + 4² + 6² + 2² + 6² + 10² = 64 + 16 + 36 + 4 + 36 + 100 = 256
    // between = 3(12 − 18)² + 2(22 − 18)² + 1(28 − 18)² = 108 + 32 + 100 = 240
    // within  = (2² + 2² + 0²) + (2² + 2²) + 0 = 16;  240 + 16 = 256
    // periods: 2019 {10, 20} mean 15, 2020 {14, 24} mean 19, 2021 {12, 28} mean 20
    // period  = 2(15 − 18)² + 2(19 − 18)² + 2(20 − 18)² = 18 + 2 + 8 = 28
    expect(result.outcome).toEqual({
      column: 'cpp_rate',
      unit: 'la',
      period: 'year',
      n: 6,
      droppedRows: 3,
      units: 3,
      periods: 3,
      mean: 18,
      totalSS: 256,
      betweenSS: 240,
      withinSS: 16,
      periodSS: 28,
      betweenShare: 240 / 256, // 0.9375
      withinShare: 16 / 256, // 0.0625
      periodShare: 28 / 256, // 0.109375
    });
  });

  it('agrees with R² of the outcome on unit and on period indicators', () => {
    const y = [10, 14, 12, 20, 24, 28];
    expect(referenceR2(y, dummies(['A', 'A', 'A', 'B', 'B', 'C']))).toBeCloseTo(0.9375, 12);
    expect(referenceR2(y, dummies(['2019', '2020', '2021', '2019', '2020', '2021']))).toBeCloseTo(0.109375, 12);
  });
});

/** Brute force: the complete rows of a table, then R² by SVD least squares on indicator columns. */
function bruteForce(input: RawTable, unit: string, period: string, outcome: string) {
  const [u, p, o] = [unit, period, outcome].map((name) => input.header.indexOf(name));
  const rows = input.records.filter((r) => r[u!] !== '' && r[p!] !== '' && r[o!] !== '' && r[o!] !== 'NA');
  const y = rows.map((r) => Number(r[o!]));
  return {
    n: rows.length,
    between: referenceR2(y, dummies(rows.map((r) => r[u!]!))),
    period: referenceR2(y, dummies(rows.map((r) => r[p!]!))),
    both: referenceR2(y, [...dummies(rows.map((r) => r[u!]!)), ...dummies(rows.map((r) => r[p!]!))]),
  };
}

describe('the between/within split against a regression on unit indicators', () => {
  it('matches on random unbalanced panels with gaps, duplicates and missing outcomes', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const random = testRandom(seed);
      const lines = ['authority,period,y'];
      for (let u = 0; u < 9; u++) {
        const effect = 10 * random.normal();
        for (let t = 0; t < 6; t++) {
          const copies = random.uniform() < 0.25 ? 0 : random.uniform() < 0.1 ? 2 : 1;
          for (let c = 0; c < copies; c++) {
            const y = random.uniform() < 0.1 ? 'NA' : String(50 + effect + 2 * t + 5 * random.normal());
            lines.push(`U${u + 1},${2010 + t},${y}`);
          }
        }
      }
      const input = table(`random-${seed}.csv`, lines.join('\n'));
      const result = describeTable(input, { unit: 'authority', period: 'period', outcome: 'y' });
      const expected = bruteForce(input, 'authority', 'period', 'y');
      const o = result.outcome!;
      expect(o.n).toBe(expected.n);
      expect(o.betweenShare!).toBeCloseTo(expected.between, 10);
      expect(o.periodShare!).toBeCloseTo(expected.period, 10);
      expect(o.betweenShare! + o.withinShare!).toBeCloseTo(1, 14);
      expect(o.betweenSS! + o.withinSS!).toBeCloseTo(o.totalSS, 8);
    }
  });
});

describe('describeTable on the synthetic NAO panel', () => {
  const input = parseCsv({ name: 'nao-2019-synthetic.csv', bytes: readFileSync('fixtures/nao-2019-synthetic.csv') });
  const result = describeTable(input, {});

  it('is a balanced panel of 152 authorities × 6 years with no missing cells', () => {
    expect(result.rows).toBe(912);
    expect(result.columns.map((c) => [c.name, c.type, c.missing])).toEqual([
      ['la', 'categorical', 0],
      ['year', 'numeric', 0],
      ['idaci', 'numeric', 0],
      ['spend', 'numeric', 0],
      ['vacancy', 'numeric', 0],
      ['cpp_rate', 'numeric', 0],
    ]);
    expect(result.panel).toMatchObject({
      unit: 'la',
      period: 'year',
      units: 152,
      periods: ['2012', '2013', '2014', '2015', '2016', '2017'],
      rows: 912,
      balanced: true,
      gaps: 0,
      periodsPerUnit: { min: 6, median: 6, max: 6, counts: [{ periods: 6, units: 152 }] },
      incompleteUnits: [],
      duplicateKeys: 0,
    });
    expect(result.notes).toEqual([]);
  });

  it('splits cpp_rate 63.2% between and 36.8% within authorities, as the dummy regression does', () => {
    const expected = bruteForce(input, 'la', 'year', 'cpp_rate');
    const o = result.outcome!;
    expect(o.n).toBe(912);
    expect(o.betweenShare!).toBeCloseTo(expected.between, 10);
    expect(o.periodShare!).toBeCloseTo(expected.period, 10);
    // Balanced: unit and year indicators are orthogonal after the mean, so their R²s add up.
    expect(o.betweenShare! + o.periodShare!).toBeCloseTo(expected.both, 10);
    // The values themselves (the sequential "practice" share of `--method all` on this panel with its model is the same
    // 63.2%).
    expect(o.betweenShare!).toBeCloseTo(0.6315341061415473, 12);
    expect(o.withinShare!).toBeCloseTo(0.36846589385845374, 12);
    expect(o.periodShare!).toBeCloseTo(0.10901314286961497, 12);
  });
});

describe('describeTable options and edge cases', () => {
  it('refuses the same column as unit and period', () => {
    const input = table('t.csv', SMALL);
    expect(() => describeTable(input, { unit: 'la', period: 'la' })).toThrow(UsageError);
  });

  it('with only a unit: the units and the split between and within them, no period guessed, with a note', () => {
    const input = table('t.csv', SMALL);
    const result = describeTable(input, { unit: 'la', missingTokens: ['-'] });
    const both = describeTable(input, { unit: 'la', period: 'year', missingTokens: ['-'] });
    expect(result.panel).toBeNull();
    // la: A ×3, B ×3, C ×2, and row 10 without one.
    expect(result.singleKey).toEqual({
      column: 'la',
      role: 'unit',
      levels: 3,
      rows: 8,
      rowsMissingKey: 1,
      rowsPerLevel: { min: 2, median: 3, max: 3 },
    });
    // The same complete rows as with a period (every row here has a year), so the same split.
    expect(result.outcome).toMatchObject({
      unit: 'la',
      period: null,
      periods: null,
      periodSS: null,
      periodShare: null,
      n: both.outcome!.n,
      units: 3,
    });
    expect(result.outcome!.betweenShare!).toBeCloseTo(both.outcome!.betweenShare!, 14);
    expect(result.notes).toContain(
      'only a unit column (la) was named: the unit × period panel structure needs a period column too (--period); ' +
        "the outcome's variance is split between and within la only",
    );
    const text = renderDescribeTable(result);
    expect(text).toContain('Unit: la (no period column named)');
    expect(text).toMatch(/between la \(3 units\) +93\.8%/);
    expect(text).not.toContain('explained by');
    expect(JSON.parse(renderDescribeJson(result)).singleKey.role).toBe('unit');
  });

  it('with only a period: the periods and the share of the period means', () => {
    const result = describeTable(table('t.csv', SMALL), { period: 'year', missingTokens: ['-'] });
    expect(result.panel).toBeNull();
    expect(result.singleKey).toMatchObject({ column: 'year', role: 'period', levels: 3, rows: 9, rowsMissingKey: 0 });
    expect(result.outcome).toMatchObject({
      unit: null,
      units: null,
      betweenShare: null,
      withinShare: null,
      periods: 3,
    });
    // Complete rows: cpp_rate present (rows 2, 3, 4, 5, 7, 9, 10): 10, 14, 12, 20, 24, 28, 40 in 2019, 2020, 2021.
    const y = [10, 14, 12, 20, 24, 28, 40];
    const year = [2019, 2020, 2021, 2019, 2020, 2021, 2021];
    const mean = y.reduce((a, b) => a + b) / y.length;
    const total = y.reduce((ss, v) => ss + (v - mean) ** 2, 0);
    const between = [2019, 2020, 2021].reduce((ss, t) => {
      const values = y.filter((_, i) => year[i] === t);
      const m = values.reduce((a, b) => a + b) / values.length;
      return ss + values.length * (m - mean) ** 2;
    }, 0);
    expect(result.outcome!.periodShare!).toBeCloseTo(between / total, 14);
    const text = renderDescribeTable(result);
    expect(text).toContain('Period: year (no unit column named)');
    expect(text).toMatch(/explained by year means \(3 periods\)/);
  });

  it('names a missing column and a bad outcome cell', () => {
    const input = table('t.csv', SMALL);
    expect(() => describeTable(input, { unit: 'authority', period: 'year' })).toThrow(/column "authority" not found/);
    expect(() => describeTable(input, { outcome: 'rate' })).toThrow(DataError);
    expect(() => describeTable(input, { outcome: 'idaci' })).toThrow(
      't.csv row 7, column "idaci": "0,25" is not a number',
    );
  });

  it(
    'skips the split with a note when the default outcome is not numeric, ' + 'and the panel when there are no keys',
    () => {
      const text = table('t.csv', 'la,year,cpp_rate\nA,2019,1\nA,2020,high\nB,2019,3\n');
      const result = describeTable(text, {});
      expect(result.outcome).toBeNull();
      expect(result.panel).not.toBeNull();
      expect(result.notes).toContain('cpp_rate has cells that are not numbers: outcome variance split skipped');

      const noKeys = describeTable(table('t.csv', 'authority,cpp_rate\nA,1\nB,2\n'), {});
      expect(noKeys.panel).toBeNull();
      expect(noKeys.outcome).toBeNull();
      expect(noKeys.notes).toEqual([
        'no unit and period columns (la/year or old_la_code/time_period): panel structure and outcome variance split ' +
          'skipped (name the unit and period columns to get them)',
      ]);
    },
  );

  it('uses old_la_code and time_period when there is no la/year, and orders DfE spans in time', () => {
    const input = table(
      't.csv',
      'old_la_code,time_period,x\n201,2018-19,1\n201,2017-18,2\n202,2018-19,3\n202,2017-18,4\n',
    );
    const result = describeTable(input, {});
    expect(result.panel).toMatchObject({
      unit: 'old_la_code',
      period: 'time_period',
      order: 'time',
      periods: ['2017-18', '2018-19'],
      balanced: true,
    });
    expect(result.outcome).toBeNull();
    expect(result.notes).toEqual(['no cpp_rate column: outcome variance split skipped (name an outcome to get it)']);
  });

  it('falls back to natural text order for periods that are not years', () => {
    const result = describeTable(table('t.csv', 'u,p\nA,P10\nA,P2\nB,P1\n'), { unit: 'u', period: 'p' });
    expect(result.panel).toMatchObject({ order: 'text', periods: ['P1', 'P2', 'P10'], gaps: 3 });
  });

  it('returns null shares for an outcome that does not vary', () => {
    const result = describeTable(table('t.csv', 'la,year,cpp_rate\nA,1,0.1\nA,2,0.1\nB,1,0.1\n'), {});
    expect(result.outcome).toMatchObject({ n: 3, betweenShare: null, withinShare: null, periodShare: null });
    expect(result.notes).toContain('cpp_rate takes one value on all 3 complete rows: no variance to split');
  });

  it('moves DfE symbol counts from empty cells to their symbols', () => {
    const ees = [
      'time_period,time_identifier,geographic_level,old_la_code,cpp_rate,count',
      '2018,Reporting year,Local authority,201,c,5',
      '2018,Reporting year,Local authority,202,x,',
      '2019,Reporting year,Local authority,201,3.5,z',
      '2019,Reporting year,Local authority,202,,7',
      '2019,Reporting year,National,,40,12',
    ].join('\n');
    const { table: normalised, report } = normaliseDfeTable(table('ees.csv', ees), {});
    const result = describeTable(normalised, { dfeMissing: report.missing });
    const rate = result.columns.find((c) => c.name === 'cpp_rate')!;
    // cpp_rate: "c", "x", 3.5, "" → 3 missing: 1 empty cell written as such, c 1, x 1.
    expect(rate).toMatchObject({ type: 'numeric', values: 1, missing: 3 });
    expect(rate.missingByToken).toEqual([
      { token: '', count: 1, kind: 'empty' },
      { token: 'c', count: 1, kind: 'dfe-symbol' },
      { token: 'x', count: 1, kind: 'dfe-symbol' },
    ]);
    expect(result.columns.find((c) => c.name === 'count')!.missingByToken).toEqual([
      { token: '', count: 1, kind: 'empty' },
      { token: 'z', count: 1, kind: 'dfe-symbol' },
    ]);
    expect(() => describeTable(normalised, { dfeMissing: { cpp_rate: { c: 4 } } })).toThrow(InternalError);
    expect(() => describeTable(normalised, { dfeMissing: { rate: { c: 1 } } })).toThrow(InternalError);
  });
});

describe('describe renderers', () => {
  const result = describeTable(table('small.csv', SMALL), { missingTokens: ['-'] });

  it('renders aligned text: columns, panel, split in percent, notes', () => {
    const text = renderDescribeTable(result);
    const lines = text.split('\n');
    expect(lines[0]).toBe('Describe small.csv: 9 rows, 7 columns');
    expect(lines[2]).toMatch(/^ {2}column {4}type {9}values {2}missing {2}missing as {14}summary$/);
    expect(text).toContain('  spend     numeric           6        3  empty 1, "NA" 1, "-" 1  min 1, median 8, max 13');
    expect(text).toContain('8 of 9 are numbers, not: row 7 "0,25"');
    expect(text).toContain('    B × 2020: rows 6, 7');
    expect(text).toContain('    C: 2 of 3, lacks 2020');
    expect(text).toMatch(/between la \(3 units\) +93\.8%/);
    expect(text).toMatch(/within la +6\.3%/);
    expect(text).toMatch(/total +100\.0%/);
    expect(text).toMatch(/explained by year means \(3 periods\) +10\.9% {2}\(unbalanced panel/);
    expect(text.endsWith('check for repeated or stacked data\n')).toBe(true);
  });

  it('renders versioned JSON with the result unrounded', () => {
    const document = JSON.parse(renderDescribeJson(result)) as Record<string, unknown> & {
      outcome: DescribeResult['outcome'];
    };
    expect(Object.keys(document)).toEqual([
      'schemaVersion',
      'command',
      'file',
      'rows',
      'columns',
      'panel',
      'singleKey',
      'outcome',
      'notes',
    ]);
    const { schemaVersion, command, ...rest } = document;
    expect([schemaVersion, command]).toEqual([1, 'describe']);
    expect(document.outcome!.betweenShare).toBe(0.9375);
    // Every field of the result, nothing more (key order is the renderer's, checked above for the top level).
    expect(rest).toEqual(JSON.parse(JSON.stringify(result)));
  });

  it('gives one tabular row per column for CSV and Markdown', () => {
    const tabular = describeTabular(result);
    expect(tabular.rows).toHaveLength(7);
    expect(tabular.rows[4]).toEqual(['spend', 'numeric', 6, 3, 'empty 1, "NA" 1, "-" 1', 1, 8, 13, null, '']);
    const csv = renderCsv(tabular);
    expect(csv.split('\n')[0]).toBe('column,type,values,missing,missing_by_token,min,median,max,distinct,top_values');
    expect(csv).toContain('region,categorical,9,0,,,,,2,"""South"" (6), ""North"" (3)"');
    const markdown = renderMarkdown(tabular);
    expect(markdown).toContain(
      '- variance of cpp_rate over 6 complete rows: 93.8% between la, 6.3% within la; 10.9% explained by year means',
    );
  });
});

// The full DfE release in ../shared/data/real beside the repository: skipped locally when absent, failing in CI.
const CPP_FILE = sharedFiles('dfe_cpp_at31march_la_2013_to_2025.csv');
const CPP = CPP_FILE.paths[0]!;

describe('describeTable on the real DfE CPP file', () => {
  it.skipIf(CPP_FILE.skip)(
    `describes 158 authorities over 13 years after normaliseDfeTable${CPP_FILE.titleNote}`,
    () => {
      CPP_FILE.requirePresent();
      const { table: normalised, report } = normaliseDfeTable(
        parseCsv({ name: 'dfe_cpp.csv', bytes: readFileSync(CPP) }),
        {},
      );
      const result = describeTable(normalised, {
        unit: 'old_la_code',
        period: 'time_period',
        outcome: 'CPP_At31',
        dfeMissing: report.missing,
      });
      // With F=../shared/data/real/dfe_cpp_at31march_la_2013_to_2025.csv (from the repository root). Fields 1
      // (time_period), 3 (geographic_level) and 8 (old_la_code) come before the only field with commas (la_name, field
      // 10), so awk -F, reads them; CPP_At31 is the 11th field from the end, $(NF-10).
      //   awk -F, '$3=="Local authority"{print $8}' $F | sort -u | wc -l                        → 158
      //   awk -F, '$3=="Local authority"{print $1}' $F | sort | uniq -c
      //     → 2013–2025, 151–153 each (1976 rows)
      //   awk -F, '$3=="Local authority"{print $8"|"$1}' $F | sort | uniq -d
      //     → (nothing: no duplicates)
      //   awk -F, '$3=="Local authority"{c[$8]++} END{for(k in c) print c[k]}' $F | sort -n | uniq -c
      //     → 2 ×2, 2 ×4, 2 ×6, 3 ×7, 1 ×9, 1 ×11, 147 ×13   (158 × 13 − 1976 = 78 gaps)
      //   awk -F, '$3=="Local authority"{print $(NF-10)}' $F | grep -v '^[0-9]*$' | sort | uniq -c → c 17, u 1, x 3
      //   awk -F, '$3=="Local authority" && $(NF-10) ~ /^[0-9]+$/ {n++; y[n]=$(NF-10); u[n]=$8; s+=y[n];
      //     su[$8]+=y[n]; nu[$8]++} END{m=s/n; for(i=1;i<=n;i++) t+=(y[i]-m)^2;
      //     for(k in su) b+=nu[k]*(su[k]/nu[k]-m)^2; printf "n=%d share=%.10f\n", n, b/t}' $F
      //     → n=1955 share=0.8654530866
      //   awk -F, '$3=="Local authority" && $(NF-10) ~ /^[0-9]+$/ {print $(NF-10)}' $F | sort -n
      //     → min 0, median 276, max 1677
      expect(result.rows).toBe(1976);
      expect(result.panel).toMatchObject({
        units: 158,
        periods: [
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
        ],
        order: 'time',
        rows: 1976,
        rowsMissingKey: 0,
        balanced: false,
        gaps: 78,
        periodsPerUnit: {
          min: 2,
          median: 13,
          max: 13,
          counts: [
            { periods: 2, units: 2 },
            { periods: 4, units: 2 },
            { periods: 6, units: 2 },
            { periods: 7, units: 3 },
            { periods: 9, units: 1 },
            { periods: 11, units: 1 },
            { periods: 13, units: 147 },
          ],
        },
        duplicateKeys: 0,
      });
      // The reorganisations documented in src/io/dfe.ts: Dorset/Poole/Bournemouth 2019, Northamptonshire 2021, Cumbria
      // 2023.
      expect(result.panel!.incompleteUnits.map((u) => u.unit)).toEqual([
        '835',
        '836',
        '837',
        '838',
        '839',
        '909',
        '928',
        '940',
        '941',
        '942',
        '943',
      ]);
      expect(result.panel!.incompleteUnits.find((u) => u.unit === '909')!.missingPeriods).toEqual(['2024', '2025']);
      const cpp = result.columns.find((c) => c.name === 'CPP_At31')!;
      expect(cpp).toMatchObject({ type: 'numeric', values: 1955, missing: 21, min: 0, median: 276, max: 1677 });
      expect(cpp.missingByToken).toEqual([
        { token: 'c', count: 17, kind: 'dfe-symbol' },
        { token: 'u', count: 1, kind: 'dfe-symbol' },
        { token: 'x', count: 3, kind: 'dfe-symbol' },
      ]);
      expect(result.outcome).toMatchObject({ n: 1955, droppedRows: 21, units: 158, periods: 13 });
      expect(result.outcome!.betweenShare!).toBeCloseTo(0.8654530866, 9);
    },
  );
});
