import { describe, expect, it } from 'vitest';
import { ParameterError, UsageError } from '../../../src/errors.js';
import {
  type ConditionColumns,
  conditionColumns,
  evaluateCondition,
  parseCondition,
  whereCondition,
} from '../../../src/models/spec/condition.js';
import { thrownBy } from '../../helpers.js';

/**
 * More of the `--where` language: the exact message (and position) of each malformed condition, when a "(" opens a
 * group of conditions rather than arithmetic, `in` lists, text against text, every boundary of the comparisons,
 * R's three-valued truth tables, and the nesting limit. The mutation run found these unpinned (tests/models/spec/
 * condition.test.ts covers the main paths); every expected value here is worked by hand from the grammar in
 * src/models/spec/condition.ts and the README's description of --where.
 */

/** Five rows: text cells ('' missing) and numbers (NaN missing), as tests/models/spec/condition.test.ts has them. */
const TEXT: Record<string, string[]> = {
  region: ['London', 'North East', '', 'London', 'South West'],
};
const NUMBERS: Record<string, number[]> = {
  year: [2018, 2019, 2020, 2021, Number.NaN],
  rate: [40, 55.5, 60, Number.NaN, 100],
};
const columns: ConditionColumns = {
  text: (name) => TEXT[name] ?? NUMBERS[name]?.map((v) => (Number.isNaN(v) ? '' : String(v))),
  numbers: (name) => (NUMBERS[name] ? Float64Array.from(NUMBERS[name]!) : undefined),
};
const run = (text: string) => Array.from(evaluateCondition(parseCondition(text), columns, 5));
const parseError = (text: string) => thrownBy(() => parseCondition(text), UsageError).message;
const evaluationError = (text: string) => thrownBy(() => run(text), UsageError).message;
const COMPARISON = 'expected a comparison (==, !=, <, <=, >, >=, in)';

describe('--where: messages for malformed conditions', () => {
  it.each([
    // A text or a word where a comparison operator should be: each token kind described as written.
    ['year "x"', `${COMPARISON} at position 6, found "x"`],
    ['year & 1', `${COMPARISON} at position 6, found "&"`],
    ['year ! 1', `${COMPARISON} at position 6, found "!"`],
    ['"a"=="b"c', 'unexpected "c" at position 9'],
    ['year > 1 "x"', 'unexpected "x" at position 10'],
    ['year > 1 in (1)', 'unexpected "in" at position 10'],
    ['year > 1, 2', 'unexpected "," at position 9'],
    ['in == 1', 'expected a value at position 1, found "in"'],
    // Lists after `in`.
    ['region in ()', 'expected a text or a number in the list at position 12, found ")"'],
    ['region in (b )', 'expected a text or a number in the list at position 12, found "b"'],
    ['region in ("a" "b")', 'expected "," or ")" in the list at position 16, found "b"'],
    // A "(" holding "&", "|" or "!" opens a group of conditions, whose inside must then be a condition.
    ['(year & rate) > 1', `${COMPARISON} at position 7, found "&"`],
    ['(year | rate) > 1', `${COMPARISON} at position 7, found "|"`],
    ['(!year) > 1', `${COMPARISON} at position 7, found ")"`],
    ['("a") == region', `${COMPARISON} at position 5, found ")"`],
  ])('refuses %j: %s', (text, message) => {
    expect(parseError(text)).toBe(message);
  });

  it('names the arithmetic that is not a number expression, trimmed, with the position where it starts', () => {
    // The derive parser's own words follow the colon (its positions count within the operand it was given).
    const cases: [string, string, string][] = [
      ['1 + * 2 < year', '"1 + * 2" (at position 1) is not a number expression: ', 'unexpected "*"'],
      ['year >1 + * 2', '"1 + * 2" (at position 7) is not a number expression: ', 'unexpected "*"'],
      ['(year', '"(year" (at position 1) is not a number expression: ', 'never closed'],
    ];
    for (const [text, start, detail] of cases) {
      const message = parseError(text);
      expect(message.startsWith(start), message).toBe(true);
      expect(message.slice(start.length)).toContain(detail);
    }
  });

  it('refuses a condition over 20,000 characters, naming it "the condition"', () => {
    const text = `year > 1${' '.repeat(20_001 - 8)}`;
    expect(parseError(text)).toBe('the condition is 20,001 characters long, more than the 20,000 allowed');
    expect(run(`year > 2019${' '.repeat(20_000 - 11)}`)).toEqual([0, 0, 1, 1, -1]);
  });

  it('allows 200 levels of "!" or "(" and refuses the 201st at its position', () => {
    expect(run(`${'!'.repeat(200)}year > 2019`)).toEqual([0, 0, 1, 1, -1]);
    expect(run(`${'('.repeat(200)}year > 2019${')'.repeat(200)}`)).toEqual([0, 0, 1, 1, -1]);
    expect(parseError(`${'!'.repeat(201)}year > 2019`)).toBe('the condition is nested too deeply at position 201');
    expect(parseError(`${'('.repeat(201)}year > 2019${')'.repeat(201)}`)).toBe(
      'the condition is nested too deeply at position 201',
    );
  });

  it('counts the nesting of each "!" and group only while it is open, not along a chain of them', () => {
    const chain = (term: string) => Array.from({ length: 201 }, () => term).join(' & ');
    expect(run(chain('!year > 2019'))).toEqual([1, 1, 0, 0, -1]);
    expect(run(chain('(year > 2019)'))).toEqual([0, 0, 1, 1, -1]);
  });

  it('gives whereCondition\'s errors as ParameterErrors of "where"', () => {
    const error = thrownBy(() => whereCondition('year = 2020'), ParameterError);
    expect(error.parameter).toBe('where');
    expect(error.detail).toBe('"=" at position 6: compare with "=="');
    expect(error.message).toBe('where: "=" at position 6: compare with "=="');
  });
});

describe('--where: groups, arithmetic and lists', () => {
  it('reads a "(" as arithmetic unless it holds a comparison, a text, "in" or a logical operator', () => {
    expect(run('(year) > 2019')).toEqual([0, 0, 1, 1, -1]);
    expect(run('((year) > 2019)')).toEqual([0, 0, 1, 1, -1]);
    expect(run('(2019 < (year))')).toEqual([0, 0, 1, 1, -1]);
    expect(run('(year in (2018, 2021))')).toEqual([1, 0, 0, 1, -1]);
    expect(run('("London" == region)')).toEqual([1, 0, -1, 1, 0]);
  });

  it('keeps the commas of a function call inside the arithmetic', () => {
    // max(rate, 50): [50, 55.5, 60, NaN, 100]; max(year, 2020): [2020, 2020, 2020, 2021, NaN]
    expect(run('max(rate, 50) == 50')).toEqual([1, 0, 0, -1, 0]);
    expect(run('(max(year, 2020)) == 2020')).toEqual([1, 1, 1, 0, -1]);
    expect(run('min(rate,50)<50')).toEqual([1, 0, 0, -1, 0]);
  });

  it('reads "in" as a keyword only as a word of its own', () => {
    expect(run('region in("London")')).toEqual([1, 0, -1, 1, 0]);
    expect(run('region ! in ("London")')).toEqual([0, 1, -1, 0, 1]);
    expect(run('year in (2019) | year in (2021)')).toEqual([0, 1, 0, 1, -1]);
    expect(run('year in (2018, 2019)')).toEqual([1, 1, 0, 0, -1]);
    expect(run('year !in (2018, 2019)')).toEqual([0, 0, 1, 1, -1]);
  });

  it('refuses a text on the left of "in", and a text in a list of numbers', () => {
    expect(evaluationError('"London" in ("London")')).toBe('"in" needs a column on its left');
    expect(evaluationError('"a" in (1, 2)')).toBe('a text cannot be in a list of numbers');
  });

  it('compares two texts as equal or not, the same on every row', () => {
    expect(run('"a" == "a"')).toEqual([1, 1, 1, 1, 1]);
    expect(run('"a" == "b"')).toEqual([0, 0, 0, 0, 0]);
    expect(run('"a" != "b"')).toEqual([1, 1, 1, 1, 1]);
    expect(run('\'a\' != "a"')).toEqual([0, 0, 0, 0, 0]);
    expect(run('\'say "hi"\' == "say \'hi\'"')).toEqual([0, 0, 0, 0, 0]);
  });

  it('parses "|" as an "or" of two "and"s, "!" as a "not", and lists every column read', () => {
    expect(parseCondition('year > 1 | rate < 2 & year < 3')).toMatchObject({
      kind: 'or',
      left: { kind: 'compare', operator: '>' },
      right: { kind: 'and', left: { kind: 'compare', operator: '<' }, right: { kind: 'compare', operator: '<' } },
    });
    expect(parseCondition('!(rate > 1)')).toMatchObject({ kind: 'not', operand: { kind: 'compare', operator: '>' } });
    expect(conditionColumns(parseCondition('!(rate > 1)'))).toEqual(['rate']);
    expect(conditionColumns(parseCondition('!!(rate > 1) | !year in (1)')).sort()).toEqual(['rate', 'year']);
  });
});

describe('--where: comparisons and three-valued logic', () => {
  it('compares numbers at, below and above each boundary', () => {
    // year: 2018, 2019, 2020, 2021, missing
    expect(run('year < 2019')).toEqual([1, 0, 0, 0, -1]);
    expect(run('year <= 2019')).toEqual([1, 1, 0, 0, -1]);
    expect(run('year > 2019')).toEqual([0, 0, 1, 1, -1]);
    expect(run('year >= 2019')).toEqual([0, 1, 1, 1, -1]);
    expect(run('year == 2019')).toEqual([0, 1, 0, 0, -1]);
    expect(run('year != 2019')).toEqual([1, 0, 1, 1, -1]);
    expect(run('2019 >= year')).toEqual([1, 1, 0, 0, -1]);
  });

  it("follows R's truth tables for &, | and !", () => {
    // p and q each TRUE (1), FALSE (0) or missing (NaN), in all nine combinations.
    const p = [1, 1, 1, 0, 0, 0, NaN, NaN, NaN];
    const q = [1, 0, NaN, 1, 0, NaN, 1, 0, NaN];
    const table: ConditionColumns = {
      text: () => undefined,
      numbers: (name) => (name === 'p' ? Float64Array.from(p) : name === 'q' ? Float64Array.from(q) : undefined),
    };
    const truth = (text: string) => Array.from(evaluateCondition(parseCondition(text), table, 9));
    expect(truth('p == 1 & q == 1')).toEqual([1, 0, -1, 0, 0, 0, -1, 0, -1]);
    expect(truth('p == 1 | q == 1')).toEqual([1, 1, 1, 1, 0, -1, 1, -1, -1]);
    expect(truth('!(p == 1)')).toEqual([0, 0, 0, 1, 1, 1, -1, -1, -1]);
  });

  it('reads no cell of a text column beyond the n rows asked for', () => {
    // A column read lazily may not have (or may refuse) a cell past the end.
    const cells = ['London', '', 'Leeds'];
    const guarded = new Proxy(cells, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key) && Number(key) >= 3) {
          throw new RangeError(`cell ${key} read`);
        }
        return Reflect.get(target, key, receiver);
      },
    });
    const lazy: ConditionColumns = { text: () => guarded, numbers: () => undefined };
    const evaluated = (text: string) => Array.from(evaluateCondition(parseCondition(text), lazy, 3));
    expect(evaluated('city == "Leeds"')).toEqual([0, -1, 1]);
    expect(evaluated('city in ("London", "York")')).toEqual([1, -1, 0]);
  });
});

describe('--where: positions in messages are those of the condition', () => {
  // Worked by hand: positions count characters from 1; a word is where its first character is, not the blank
  // before it; a fault inside an arithmetic operand is placed in the condition, not in the operand alone.
  it.each([
    ['1 + * 2 < year', '"1 + * 2" (at position 1) is not a number expression: unexpected "*" at position 5'],
    ['year > 1 +', '"1 +" (at position 8) is not a number expression: the expression ends too early, at position 11'],
    ['year >  x y', '"x y" (at position 9) is not a number expression: unexpected "y" at position 11'],
    ['2 * (year < 3', '"2 * (year" (at position 1) is not a number expression: the "(" at position 5 is never closed'],
  ])('%s', (condition, message) => {
    expect(thrownBy(() => parseCondition(condition), UsageError).message).toBe(message);
  });

  it('places a stray word after a comparison at its first character', () => {
    expect(thrownBy(() => parseCondition('"a"=="b" c'), UsageError).message).toContain('"c" at position 10');
  });
});
