import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedFiles } from '../sharedData.js';
import { DataError, ParameterError } from '../../src/errors.js';
import { parseCsv, type RawTable } from '../../src/io/csv.js';
import { readInput } from '../../src/input/pipeline.js';
import {
  describeByCategory,
  MAX_CATEGORIES,
  oneWayAnova,
  quantileType7,
  summarise,
  welchTest,
  type DescribeByResult,
  type Summary,
} from '../../src/profile/byCategory.js';

// ── the R reference (scripts/reference/make-describe-by-reference.R) ─────────────────────────────────────────

type Num = number | null;
interface RefSummary {
  n: number;
  mean: Num;
  sd: Num;
  median: Num;
  q1: Num;
  q3: Num;
  min: Num;
  max: Num;
  ciLow: Num;
  ciHigh: Num;
}
interface RefColumn {
  column: string;
  n: number;
  missing: number;
  groups: (RefSummary & { category: string; missing: number })[];
  overall: RefSummary;
  anova: {
    groups: number;
    ssBetween: number;
    ssWithin: number;
    ssTotal: number;
    eta2: number;
    f: number;
    df1: number;
    df2: number;
    p: number;
  } | null;
  welch: { f: number; df1: number; df2: number; p: number } | null;
}
interface RefDataset {
  name: string;
  file: string;
  by: string;
  rows: number;
  rowsMissingCategory: number;
  categories: string[];
  columns: RefColumn[];
}

const reference = JSON.parse(readFileSync('tests/reference/describe-by-reference.json', 'utf8')) as {
  datasets: RefDataset[];
};

/** Relative error at most `rel` (an expected 0 must be met exactly); null must meet null. */
function agrees(actual: Num | undefined, expected: Num, rel: number, what: string): void {
  if (expected === null) {
    expect(actual, what).toBeNull();
    return;
  }
  expect(actual, what).not.toBeNull();
  expect(actual, what).toBeTypeOf('number');
  const error = Math.abs(actual! - expected) / Math.max(Math.abs(expected), Number.MIN_VALUE);
  expect(error, `${what}: ${actual} against R's ${expected}`).toBeLessThanOrEqual(rel);
}

const STATS = ['mean', 'sd', 'median', 'q1', 'q3', 'min', 'max', 'ciLow', 'ciHigh'] as const;

function agreesSummary(actual: Summary, expected: RefSummary, what: string): void {
  expect(actual.n, `${what} n`).toBe(expected.n);
  for (const stat of STATS) agrees(actual[stat], expected[stat], 1e-10, `${what} ${stat}`);
}

function compare(result: DescribeByResult, ref: RefDataset): void {
  expect(result.rows).toBe(ref.rows);
  expect(result.rowsMissingCategory).toBe(ref.rowsMissingCategory);
  expect(result.categories.map((c) => c.category).sort()).toEqual([...ref.categories].sort());
  expect(result.columns.map((c) => c.column)).toEqual(ref.columns.map((c) => c.column));
  for (const [i, expected] of ref.columns.entries()) {
    const actual = result.columns[i]!;
    const at = `${ref.name} ${expected.column}`;
    expect(actual.n, `${at} n`).toBe(expected.n);
    expect(actual.missing, `${at} missing`).toBe(expected.missing);
    for (const group of expected.groups) {
      const mine = actual.groups.find((g) => g.category === group.category)!;
      expect(mine, `${at} "${group.category}"`).toBeDefined();
      expect(mine.missing, `${at} "${group.category}" missing`).toBe(group.missing);
      agreesSummary(mine, group, `${at} "${group.category}"`);
    }
    agreesSummary(actual.overall, expected.overall, `${at} overall`);
    if (expected.anova === null) expect(actual.anova, `${at} anova`).toBeNull();
    else {
      const a = actual.anova!;
      expect(a.groups).toBe(expected.anova.groups);
      expect(a.df1).toBe(expected.anova.df1);
      expect(a.df2).toBe(expected.anova.df2);
      for (const field of ['ssBetween', 'ssWithin', 'ssTotal', 'eta2', 'f'] as const)
        agrees(a[field], expected.anova[field], 1e-10, `${at} anova ${field}`);
      agrees(a.p, expected.anova.p, 1e-8, `${at} anova p`);
    }
    if (expected.welch === null) expect(actual.welch, `${at} welch`).toBeNull();
    else {
      const w = actual.welch!;
      expect(w.df1).toBe(expected.welch.df1);
      for (const field of ['f', 'df2'] as const) agrees(w[field], expected.welch[field], 1e-10, `${at} welch ${field}`);
      agrees(w.p, expected.welch.p, 1e-8, `${at} welch p`);
    }
  }
}

const dataset = (name: string) => reference.datasets.find((d) => d.name === name);

function resultFor(ref: RefDataset, path: string): DescribeByResult {
  const input = readInput({ file: path });
  return describeByCategory(input.table, { by: ref.by, columns: ref.columns.map((c) => c.column) });
}

describe('describeByCategory against R (tapply, quantile type 7, t.test, aov, oneway.test)', () => {
  it('agrees on the fixture with its edge cases to 1e-10 (p-values 1e-8)', () => {
    const ref = dataset('fixture')!;
    compare(resultFor(ref, 'fixtures/describe-by-panel.csv'), ref);
  });

  it('agrees on the England panel by region to 1e-10 (p-values 1e-8)', () => {
    const ref = dataset('england')!;
    compare(resultFor(ref, 'fixtures/england-la-panel.csv'), ref);
  });

  // The shared data beside the repository: skipped locally when absent, a failure in CI (see tests/sharedData.ts).
  const workforce = sharedFiles('dfe_csww_indicators_la_2017_to_2025.csv');
  it.skipIf(workforce.skip)(
    `agrees on the DfE workforce file by region, after DfE normalisation${workforce.titleNote}`,
    () => {
      workforce.requirePresent();
      const ref = dataset('workforce');
      expect(ref, 'tests/reference/describe-by-reference.json has the workforce data set').toBeDefined();
      compare(resultFor(ref!, workforce.paths[0]!), ref!);
    },
  );
});

// ── hand checks and edge cases ──────────────────────────────────────────────────────────────────────────────

const table = (text: string, name = 't.csv'): RawTable => parseCsv({ name, bytes: Buffer.from(text) });

describe('the statistics by hand', () => {
  it("quantileType7 is R's type 7", () => {
    // R: quantile(c(1, 2, 4, 8), c(0, 0.25, 0.5, 0.75, 1)) → 1, 1.75, 3, 5, 8
    expect([0, 0.25, 0.5, 0.75, 1].map((p) => quantileType7([1, 2, 4, 8], p))).toEqual([1, 1.75, 3, 5, 8]);
    // R: quantile(c(3, 3, 10), 0.25) → 3 (equal neighbours, no interpolation)
    expect(quantileType7([3, 3, 10], 0.25)).toBe(3);
    expect(quantileType7([7], 0.75)).toBe(7);
  });

  it('summarises one value without an SD or interval, and no values with n only', () => {
    expect(summarise([5])).toEqual({
      n: 1,
      mean: 5,
      sd: null,
      se: null,
      median: 5,
      q1: 5,
      q3: 5,
      min: 5,
      max: 5,
      ciLow: null,
      ciHigh: null,
    });
    const none = summarise([]);
    expect(none.n).toBe(0);
    expect(Object.values(none).filter((v) => v !== null)).toEqual([0]);
  });

  it('gives the t interval of the mean: R t.test(c(2, 4, 9))$conf.int', () => {
    const s = summarise([2, 4, 9]);
    // R: print(t.test(c(2, 4, 9))$conf.int, digits = 12) → -3.95668589503 13.95668589503; sd √13
    expect(s.mean).toBe(5);
    expect(s.sd!).toBeCloseTo(Math.sqrt(13), 14);
    expect(s.ciLow!).toBeCloseTo(-3.95668589503, 10);
    expect(s.ciHigh!).toBeCloseTo(13.95668589503, 10);
  });

  it('one-way ANOVA: η² = SS_between / SS_total, F on (k − 1, n − k)', () => {
    // groups {1, 2, 3} and {5, 6, 7}: means 2 and 6, grand mean 4; SS_between 24, SS_within 4, SS_total 28.
    const a = oneWayAnova([
      [1, 2, 3],
      [5, 6, 7],
    ])!;
    expect(a).toMatchObject({ groups: 2, ssBetween: 24, ssWithin: 4, ssTotal: 28, df1: 1, df2: 4, f: 24 });
    expect(a.eta2).toBeCloseTo(24 / 28, 15);
    // R: print(pf(24, 1, 4, lower.tail = FALSE), digits = 10) → 0.008049893101
    expect(a.p!).toBeCloseTo(0.008049893101, 12);
    expect(oneWayAnova([[1, 2]])).toBeNull();
    // Constant within every group: F infinite, not reported; η² = 1.
    expect(
      oneWayAnova([
        [1, 1],
        [2, 2],
      ]),
    ).toMatchObject({ eta2: 1, f: null, p: null });
    // One value per group: df2 = 0.
    expect(oneWayAnova([[1], [2]])).toMatchObject({ df2: 0, f: null, p: null });
    // A constant column: no η².
    expect(oneWayAnova([[3, 3], [3]])).toMatchObject({ eta2: null, f: null });
  });

  it('Welch: R oneway.test(y ~ g, var.equal = FALSE) on a small case', () => {
    // R: d <- data.frame(y = c(1, 2, 3, 5, 6, 7, 9), g = factor(c(1, 1, 1, 2, 2, 2, 2)))
    //    w <- oneway.test(y ~ g, d, var.equal = FALSE); print(c(w$statistic, w$parameter, w$p.value), digits = 12)
    //   → 21.23529411764706 1 4.84959602237415 0.00625286419705
    const w = welchTest([
      [1, 2, 3],
      [5, 6, 7, 9],
    ]);
    expect(w.df1).toBe(1);
    expect(w.f).toBeCloseTo(21.23529411764706, 12);
    expect(w.df2).toBeCloseTo(4.84959602237415, 12);
    expect(w.p).toBeCloseTo(0.00625286419705, 12);
  });
});

describe('describeByCategory: categories, columns, missing values and notes', () => {
  const fixture = describeByCategory(readInput({ file: 'fixtures/describe-by-panel.csv' }).table, {
    by: 'rating',
    exclude: ['la', 'year'],
  });
  const column = (name: string) => fixture.columns.find((c) => c.column === name)!;

  it('takes every numeric column but the category, unit and period by default, and orders categories by text', () => {
    expect(fixture.columnSource).toBe('default');
    expect(fixture.columns.map((c) => c.column)).toEqual(['caseload', 'agency_rate', 'vacancy_rate', 'sparse', 'flat']);
    expect(fixture.categories).toEqual([
      { category: 'Good', rows: 30 },
      { category: 'Inadequate', rows: 7 },
      { category: 'Outstanding', rows: 3 },
      { category: 'Requires improvement', rows: 18 },
    ]);
    expect(fixture.rowsMissingCategory).toBe(2);
    expect(fixture.notes).toEqual([
      'columns: every numeric column but the unit and period columns (la, year)',
      '2 rows have no rating and are left out',
    ]);
  });

  it('counts missing cells per column and category (empty and NA alike), and says so', () => {
    expect(column('agency_rate')).toMatchObject({ n: 55, missing: 3 });
    expect(column('agency_rate').notes).toContain('3 missing agency_rate cells left out (of 58 rows with a category)');
    expect(column('vacancy_rate').notes[0]).toBe('1 missing vacancy_rate cell left out (of 58 rows with a category)');
  });

  it('keeps a category with one value (no SD) and one with none (left out of the tests), with notes', () => {
    const sparse = column('sparse');
    expect(sparse.groups.find((g) => g.category === 'Outstanding')).toMatchObject({ n: 1, sd: null, ciLow: null });
    expect(sparse.groups.find((g) => g.category === 'Inadequate')).toMatchObject({ n: 0, mean: null, missing: 7 });
    expect(sparse.anova?.groups).toBe(3);
    expect(sparse.welch).toBeNull();
    expect(sparse.notes).toEqual([
      '9 missing sparse cells left out (of 58 rows with a category)',
      '"Inadequate" has no sparse values: left out of the tests',
      '"Outstanding" has one sparse value: no SD or confidence interval',
      'Welch\'s test needs at least 2 sparse values in every category: "Outstanding" has 1',
    ]);
  });

  it('refuses Welch for a category with no variation, naming it', () => {
    const flat = column('flat');
    expect(flat.groups.find((g) => g.category === 'Outstanding')).toMatchObject({ sd: 0 });
    expect(flat.anova?.f).not.toBeNull();
    expect(flat.welch).toBeNull();
    expect(flat.notes).toEqual([
      'Welch\'s test needs some variation within every category: every flat value of "Outstanding" is the same',
    ]);
  });

  it('orders categories naturally (LA2 before LA10) and notes a single category', () => {
    const result = describeByCategory(table('g,y\nLA10,1\nLA2,2\nLA10,3\n'), { by: 'g' });
    expect(result.categories.map((c) => c.category)).toEqual(['LA2', 'LA10']);
    const one = describeByCategory(table('g,y\nA,1\nA,2\n'), { by: 'g' });
    expect(one.columns[0]!.anova).toBeNull();
    expect(one.columns[0]!.notes).toEqual([
      'fewer than two categories have y values: no analysis of variance or Welch test',
    ]);
  });

  it('treats --na tokens as missing in the category and the columns', () => {
    const result = describeByCategory(table('g,y\nA,1\nA,-\n-,3\nB,4\nB,6\n'), { by: 'g', missingTokens: ['-'] });
    expect(result.rowsMissingCategory).toBe(1);
    expect(result.columns[0]).toMatchObject({ n: 3, missing: 1 });
  });

  it('refuses what it cannot summarise, naming the parameter or the cell', () => {
    const t = table('g,y,label\nA,1,x\nB,2,y\n');
    expect(() => describeByCategory(t, { by: 'group' })).toThrow(DataError);
    expect(() => describeByCategory(t, { by: 'group' })).toThrow(/column "group" not found/);
    expect(() => describeByCategory(t, { by: 'g', columns: ['label'] })).toThrow(
      't.csv row 2, column "label": "x" is not a number',
    );
    expect(() => describeByCategory(t, { by: 'g', columns: ['y', 'g'] })).toThrow(ParameterError);
    expect(() => describeByCategory(table('g,label\nA,x\n'), { by: 'g' })).toThrow(
      /has no numeric column besides g; name the columns to summarise with --columns/,
    );
    const many = `g,y\n${Array.from({ length: MAX_CATEGORIES + 1 }, (_, i) => `c${i},${i}`).join('\n')}\n`;
    expect(() => describeByCategory(table(many), { by: 'g' })).toThrow(
      /g has 251 distinct values; summaries by category are for at most 250 categories/,
    );
  });

  it('does not mutate its input', () => {
    const t = table('g,y\nA,1\nA,2\nB,4\nB,7\n');
    const snapshot = JSON.stringify(t);
    describeByCategory(t, { by: 'g' });
    expect(JSON.stringify(t)).toBe(snapshot);
  });
});

// Keep the committed fixture and the reference in step: the fixture is written by the R script.
it('the committed fixture is the one the R reference was computed on', () => {
  const text = readFileSync(join('fixtures', 'describe-by-panel.csv'), 'utf8');
  expect(text.split('\n')[0]).toBe('la,year,rating,caseload,agency_rate,vacancy_rate,sparse,flat');
  expect(dataset('fixture')!.rows).toBe(text.trimEnd().split('\n').length - 1);
});
