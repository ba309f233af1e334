import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import type { RawTable } from '../../src/io/csv.js';
import {
  formatDfeReport,
  normaliseDfeTable,
  summariseDfeReport,
  timePeriodOrder,
  type DfeReport,
} from '../../src/io/dfe.js';
import { thrownBy } from '../helpers.js';

/**
 * DfE (EES) normalisation and its reports, case by case: the mutation run found unchecked the trimming of header
 * names, levels, identifiers and periods (cells as a hand-built table holds them, padded), the `mixed` time-period
 * convention, the full text of the refusals, and most branches of the report lines (no dropped levels, a blank
 * level, zero or one period, spans without six-digit codes, no identifiers, no symbols, several thousands columns)
 * and of the one-line summary with its thousands-separated counts, which only the CLI reached before.
 */

/** A table as a reader hands it over: cells are not trimmed. */
const table = (header: string[], records: string[][], file = 'f.csv'): RawTable => ({ file, header, records });

/** A report as normaliseDfeTable builds it, for the formatting functions; `changes` replaces what a case needs. */
function report(changes: Partial<DfeReport> = {}): DfeReport {
  return {
    file: 'f.csv',
    level: 'Local authority',
    rowsRead: 2,
    rowsKept: 2,
    rowsByLevel: { 'Local authority': 2 },
    dropped: {},
    timePeriod: { convention: 'year', fourDigit: 2, sixDigit: 0, labelled: 0, periods: ['2019'] },
    timeIdentifiers: {},
    missing: {},
    missingBySymbol: {},
    thousandsSeparators: {},
    ...changes,
  };
}

describe('normaliseDfeTable: padded names and cells', () => {
  it('finds the required columns, the level, the identifier and the period by their trimmed text', () => {
    const { table: out, report: made } = normaliseDfeTable(
      table(
        [' time_identifier ', ' time_period ', ' geographic_level ', 'v'],
        [
          [' Reporting year ', ' 2019 ', ' Local authority ', '1'],
          ['Reporting year', '2020', 'National', '2'],
          [' Reporting year', '2020 ', 'Local authority ', '3'],
        ],
      ),
      { level: '  local AUTHORITY  ' },
    );
    expect(made.level).toBe('Local authority');
    expect(made.rowsByLevel).toEqual({ 'Local authority': 2, National: 1 });
    expect(made.dropped).toEqual({ National: 1 });
    expect(made.timeIdentifiers).toEqual({ 'Reporting year': 2 });
    expect(made.timePeriod.periods).toEqual(['2019', '2020']);
    expect(out.records).toEqual([
      [' Reporting year ', '2019', ' Local authority ', '1'],
      [' Reporting year', '2020', 'Local authority ', '3'],
    ]);
    expect(out.rowNumbers).toEqual([2, 4]);
  });

  it('counts the identifiers of a file whose first column is time_identifier', () => {
    const { report: made } = normaliseDfeTable(
      table(
        ['time_identifier', 'time_period', 'geographic_level'],
        [
          ['Calendar year', '2019', 'Local authority'],
          ['Financial year', '2019', 'Local authority'],
          ['Calendar year', '2020', 'Local authority'],
        ],
      ),
      {},
    );
    expect(made.timeIdentifiers).toEqual({ 'Calendar year': 2, 'Financial year': 1 });
  });

  it('names the level asked for, trimmed, when it is absent', () => {
    const error = thrownBy(
      () => normaliseDfeTable(table(['time_period', 'geographic_level'], [['2019', 'National']]), { level: '  Ward ' }),
      DataError,
    );
    expect(error.message).toBe(
      'f.csv, column "geographic_level": has no rows at geographic level "Ward"; the levels present are: ' +
        '"National" (1 rows)',
    );
  });

  it('names both required columns when both are missing', () => {
    const error = thrownBy(() => normaliseDfeTable(table(['year', 'level'], [['2019', 'x']]), {}), DataError);
    expect(error.message).toBe(
      'f.csv: is not a DfE statistics file: it has no "time_period" or "geographic_level" column',
    );
  });

  it('says what a time period should look like', () => {
    const error = thrownBy(
      () => normaliseDfeTable(table(['time_period', 'geographic_level'], [['2017/18', 'Local authority']]), {}),
      DataError,
    );
    expect(error.message).toBe(
      'f.csv row 2, column "time_period": "2017/18" is not a DfE time period (expected four digits such as 2017, ' +
        'or six such as 201718 for 2017-18)',
    );
  });
});

describe('normaliseDfeTable: the time-period convention', () => {
  const periods = (codes: string[]) =>
    normaliseDfeTable(
      table(
        ['time_period', 'geographic_level'],
        codes.map((code) => [code, 'Local authority']),
      ),
      {},
    ).report.timePeriod;

  it('is mixed when years and spans (six-digit and labelled alike) are both present', () => {
    expect(periods(['2019', '201718', '2018-19'])).toEqual({
      convention: 'mixed',
      fourDigit: 1,
      sixDigit: 1,
      labelled: 1,
      periods: ['2017-18', '2018-19', '2019'],
    });
    expect(periods(['2019', '2018-19']).convention).toBe('mixed');
    expect(periods(['2019', '201819']).convention).toBe('mixed');
  });

  it('is span for spans only and year for years only', () => {
    expect(periods(['2018-19', '201718']).convention).toBe('span');
    expect(periods(['2018', '2019']).convention).toBe('year');
  });
});

describe('timePeriodOrder', () => {
  it('trims the label', () => {
    expect(timePeriodOrder(' 2017 ')).toBe(2017);
    expect(timePeriodOrder('\t2017-18 ')).toBe(2017.5);
  });

  it('says what a time period should look like', () => {
    expect(thrownBy(() => timePeriodOrder('2017-19'), DataError).message).toBe(
      '"2017-19" is not a time period (expected a year such as 2017 or a span such as 2017-18)',
    );
  });
});

describe('formatDfeReport: each branch of its lines', () => {
  it('no dropped level, one period of four-digit years, no identifiers, symbols or separators', () => {
    expect(formatDfeReport(report())).toEqual([
      'f.csv: DfE statistics file; kept 2 "Local authority" rows',
      'f.csv: time_period four-digit years: 2019',
      'f.csv: no suppression symbols',
    ]);
  });

  it('a dropped level that is blank, no period at all', () => {
    const lines = formatDfeReport(
      report({
        dropped: { '': 3, National: 1234 },
        timePeriod: { convention: 'span', fourDigit: 0, sixDigit: 0, labelled: 0, periods: [] },
      }),
    );
    expect(lines).toEqual([
      'f.csv: DfE statistics file; kept 2 "Local authority" rows (dropped 3 (blank level), 1,234 National)',
      'f.csv: time_period year spans: none',
      'f.csv: no suppression symbols',
    ]);
  });

  it('labelled spans only: no six-digit note; two identifiers', () => {
    const lines = formatDfeReport(
      report({
        timePeriod: { convention: 'span', fourDigit: 0, sixDigit: 0, labelled: 2, periods: ['2017-18', '2018-19'] },
        timeIdentifiers: { 'Financial year': 1, 'Academic year': 1 },
      }),
    );
    expect(lines[1]).toBe(
      'f.csv: time_period year spans: 2017-18 to 2018-19 (2 periods); ' +
        'time_identifier Financial year (1), Academic year (1)',
    );
  });

  it('mixed years and spans, counting six-digit and labelled spans together', () => {
    const lines = formatDfeReport(
      report({
        rowsKept: 4500,
        timePeriod: { convention: 'mixed', fourDigit: 1000, sixDigit: 2000, labelled: 1500, periods: ['2017', '2019'] },
      }),
    );
    expect(lines.slice(0, 2)).toEqual([
      'f.csv: DfE statistics file; kept 4,500 "Local authority" rows',
      'f.csv: time_period mixed: 1,000 four-digit years and 3,500 year spans: 2017 to 2019 (2 periods)',
    ]);
  });

  it('separators removed in several columns', () => {
    const lines = formatDfeReport(report({ thousandsSeparators: { a: 2, b: 1 } }));
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('f.csv: removed thousands separators from 3 numbers (a 2, b 1)');
  });
});

describe('summariseDfeReport: the one-line report', () => {
  it.each([
    [[], 'no periods'],
    [['2019'], '2019 (1 period)'],
    [['2017', '2018-19', '2020'], '2017 to 2020 (3 periods)'],
  ])('periods %j read %j', (labels, range) => {
    const timePeriod = { convention: 'year' as const, fourDigit: 1, sixDigit: 0, labelled: 0, periods: labels };
    expect(summariseDfeReport(report({ timePeriod }))).toBe(
      `f.csv: DfE statistics file; kept 2 "Local authority" rows, ${range}; ` +
        'no suppressed cells (--verbose for the full report)',
    );
  });

  it.each([
    [{ c: 1 }, '1 suppressed cell made missing'],
    [{ c: 1, x: 1 }, '2 suppressed cells made missing'],
    [{ c: 1000, z: 234 }, '1,234 suppressed cells made missing'],
  ])('symbols %j read %j', (missingBySymbol, cells) => {
    expect(summariseDfeReport(report({ missingBySymbol }))).toBe(
      `f.csv: DfE statistics file; kept 2 "Local authority" rows, 2019 (1 period); ${cells} ` +
        '(--verbose for each column)',
    );
  });

  it.each([
    [0, '0'],
    [999, '999'],
    [1000, '1,000'],
    [1976, '1,976'],
    [12345, '12,345'],
    [123456, '123,456'],
    [1234567, '1,234,567'],
  ])('counts %d rows as %j', (rowsKept, shown) => {
    expect(summariseDfeReport(report({ rowsKept }))).toBe(
      `f.csv: DfE statistics file; kept ${shown} "Local authority" rows, 2019 (1 period); ` +
        'no suppressed cells (--verbose for the full report)',
    );
  });
});
