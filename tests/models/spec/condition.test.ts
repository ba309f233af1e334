import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { evaluateCondition, parseCondition, conditionColumns } from '../../../src/models/spec/condition.js';

/** Columns for the tests: text cells ('' missing) and numbers (NaN missing), five rows. */
const TEXT: Record<string, string[]> = {
  region: ['London', 'North East', '', 'London', 'South West'],
  name: ['Camden', 'Durham', 'Leeds', "Bishop's Stortford", 'Isles of Scilly'],
};
const NUMBERS: Record<string, number[]> = {
  year: [2018, 2019, 2020, 2021, Number.NaN],
  rate: [40, 55.5, 60, Number.NaN, 100],
};
const columns = {
  text: (name: string) => TEXT[name] ?? NUMBERS[name]?.map((v) => (Number.isNaN(v) ? '' : String(v))),
  numbers: (name: string) => (NUMBERS[name] ? Float64Array.from(NUMBERS[name]!) : undefined),
};
const run = (text: string) => Array.from(evaluateCondition(parseCondition(text), columns, 5));

describe('--where conditions', () => {
  it('compares numbers, with missing operands missing (−1)', () => {
    expect(run('year >= 2020')).toEqual([0, 0, 1, 1, -1]);
    expect(run('year < 2020')).toEqual([1, 1, 0, 0, -1]);
    expect(run('year == 2019')).toEqual([0, 1, 0, 0, -1]);
    expect(run('year != 2019')).toEqual([1, 0, 1, 1, -1]);
    expect(run('rate / 2 > year - 1990')).toEqual([0, 0, 0, -1, -1]);
    expect(run('rate / 2 >= year - 1990')).toEqual([0, 0, 1, -1, -1]);
    expect(run('(rate + 10) * 2 <= 130')).toEqual([1, 0, 0, -1, 0]);
  });

  it('compares text with == != and in, trimmed cells, missing cells missing', () => {
    expect(run('region == "London"')).toEqual([1, 0, -1, 1, 0]);
    expect(run("region != 'London'")).toEqual([0, 1, -1, 0, 1]);
    expect(run('"London" == region')).toEqual([1, 0, -1, 1, 0]);
    expect(run('region in ("London", "South West")')).toEqual([1, 0, -1, 1, 1]);
    expect(run('region !in ("London")')).toEqual([0, 1, -1, 0, 1]);
    expect(run('name == "Bishop\'s Stortford"')).toEqual([0, 0, 0, 1, 0]);
    expect(run('year in (2018, 2021)')).toEqual([1, 0, 0, 1, -1]);
  });

  it("combines with R's three-valued logic: NA & FALSE is FALSE, NA | TRUE is TRUE", () => {
    // year >= 2020: [0, 0, 1, 1, NA]; rate > 50: [0, 1, 1, NA, 1]
    expect(run('year >= 2020 & rate > 50')).toEqual([0, 0, 1, -1, -1]);
    expect(run('year >= 2020 | rate > 50')).toEqual([0, 1, 1, 1, 1]);
    expect(run('!(year >= 2020)')).toEqual([1, 1, 0, 0, -1]);
    expect(run('!year >= 2020')).toEqual([1, 1, 0, 0, -1]);
    // & binds tighter than |, as in R.
    expect(run('year == 2018 | year == 2019 & rate > 100')).toEqual([1, 0, 0, 0, -1]);
    expect(run('(year == 2018 | year == 2019) & rate > 50')).toEqual([0, 1, 0, 0, -1]);
  });

  it('lists the columns it reads', () => {
    expect(conditionColumns(parseCondition('region == "x" & rate / year > 1 | name in ("a")')).sort()).toEqual([
      'name',
      'rate',
      'region',
      'year',
    ]);
  });

  it.each([
    ['year = 2020', '"=" at position 6: compare with "=="'],
    ['year >= ', 'expected a value at position 9, found the end'],
    ['year', 'expected a comparison (==, !=, <, <=, >, >=, in) at position 5, found the end'],
    ['region == "London', 'the text starting at position 11 has no closing "'],
    ['(year > 1', 'expected ")" to close the "(" at position 1, found the end'],
    ['year > 1 )', 'unexpected ")" at position 10'],
    ['region in "a"', 'expected "(" after "in" at position 11'],
    ['year > 1 &', 'expected a value at position 11, found the end'],
  ])('refuses %j with a message giving the position', (text, message) => {
    expect(() => parseCondition(text)).toThrow(new UsageError(message));
  });

  it('refuses text compared by order, text against arithmetic, and unknown columns, when evaluated', () => {
    expect(() => run('region > "A"')).toThrow('text can only be compared with == or != (or in), not >');
    expect(() => run('rate * 2 == "x"')).toThrow(
      '"rate * 2" is a number expression and cannot be compared with a text',
    );
    expect(() => run('nope == "x"')).toThrow('unknown column "nope"');
    expect(() => run('region in ("a", 1)')).toThrow('the list after "in" mixes texts and numbers');
  });

  it('parses deep nesting up to the limit and refuses beyond it', () => {
    expect(run(`${'('.repeat(150)}year > 2019${')'.repeat(150)}`)).toEqual([0, 0, 1, 1, -1]);
    expect(() => parseCondition(`${'!'.repeat(201)}year > 1`)).toThrow(/nested too deeply/);
  });
});
