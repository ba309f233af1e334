/**
 * Bounded parsers: inputs that used to overflow the stack (deep nesting, long chains of signs) or expand
 * exponentially (x0*x1*…*x19) are refused with a one-line UsageError in generic words before the work, and inputs
 * just inside each limit parse and evaluate to what an independent computation gives.
 *
 * Limits: MAX_EXPRESSION_LENGTH = 20,000 characters, MAX_NESTING_DEPTH = 200 levels, MAX_FORMULA_TERMS = 4,096.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import {
  evaluate,
  inFlag,
  MAX_EXPRESSION_LENGTH,
  MAX_NESTING_DEPTH,
  parseDerivation,
} from '../../../src/models/spec/expression.js';
import { MAX_FORMULA_TERMS, parseFormula } from '../../../src/models/spec/formula.js';

/** The UsageError message `action` throws; fails the test on anything else or nothing. */
function refusal(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as Error).message;
    expect(message).not.toMatch(/[\r\n]/);
    // Generic words: the parsers name no flag (the command line adds it).
    expect(message).not.toMatch(/--derive|--formula/);
    return message;
  }
  throw new Error('expected a UsageError, but nothing was thrown');
}

const nested = (open: string, close: string, k: number, inner: string) => open.repeat(k) + inner + close.repeat(k);
const DEEP = `(more than ${MAX_NESTING_DEPTH} levels of parentheses, function calls, signs and powers)`;

/** Rows of a test column with negatives, zero and non-integers. */
const a = Float64Array.of(-2.5, 0, 1, 3.25, -7);
const b = Float64Array.of(4, -1, 0.5, 2, 10);
const lookup = (name: string) => ({ a, b })[name as 'a' | 'b'];
const valuesOf = (text: string) => Array.from(evaluate(parseDerivation(text).expression, lookup, a.length).values);

describe('the limits are the documented ones', () => {
  it('20,000 characters, 200 levels, 4,096 terms', () => {
    expect([MAX_EXPRESSION_LENGTH, MAX_NESTING_DEPTH, MAX_FORMULA_TERMS]).toEqual([20_000, 200, 4096]);
  });
});

describe('--derive expressions: refused before the work', () => {
  it.each([
    // "x = " is 4 characters; the 201st level opens at position 4 + 200 + 1 (one character a level) …
    ['1,500 nested parentheses', `x = ${nested('(', ')', 1500, 'a')}`, 205],
    ['10,000 unary minus signs', `x = ${'-'.repeat(10_000)}a`, 205],
    ['alternating signs', `x = ${'+-'.repeat(150)}a`, 205],
    // … or 4 characters a level for "log(": the 201st "(" is at 4 + 200·4 + 4.
    ['3,000 nested log(', `x = ${nested('log(', ')', 3000, 'a')}`, 808],
    ['201 nested max(a, …)', `x = ${nested('max(a, ', ')', 201, 'b')}`, 4 + 200 * 7 + 4],
    ['a chain of 201 exponents', `x = a${'^1'.repeat(201)}`, 4 + 1 + 200 * 2 + 1],
    ['signs and parentheses together', `x = ${'-('.repeat(100)}-a${')'.repeat(100)}`, 4 + 200 + 1],
  ])('%s: too deeply nested', (_, text, position) => {
    expect(refusal(() => parseDerivation(text))).toBe(
      `the expression is too deeply nested at position ${position} ${DEEP}`,
    );
  });

  it.each([
    [
      '20,001 characters (a 9,998-term sum and spaces)',
      `x = ${Array(9_998).fill('a').join('+')}`.padEnd(20_001),
      '20,001',
    ],
    ['10^6 characters', `x = ${'a+'.repeat(500_000)}a`, '1,000,005'],
    [
      '20,001 characters, 4 of them astral (counted as characters, not UTF-16 units)',
      `x = \`😀😀\` + ${'a'.padEnd(19_990)}`,
      '20,001',
    ],
  ])('%s: too long', (_, text, count) => {
    expect(refusal(() => parseDerivation(text))).toBe(
      `the expression is ${count} characters long, more than the 20,000 allowed`,
    );
  });
});

describe('--derive expressions just inside the limits parse and evaluate correctly', () => {
  it('200 nested parentheses', () => {
    expect(valuesOf(`x = ${nested('(', ')', 200, 'a + 1')}`)).toEqual(Array.from(a, (v) => v + 1));
  });

  it('200 and 199 unary minus signs (and 200 plus signs)', () => {
    expect(valuesOf(`x = ${'-'.repeat(200)}a`)).toEqual(Array.from(a, (v) => v));
    expect(valuesOf(`x = ${'-'.repeat(199)}a`)).toEqual(Array.from(a, (v) => -v));
    expect(valuesOf(`x = ${'+'.repeat(200)}a`)).toEqual(Array.from(a));
  });

  it('200 nested function calls', () => {
    expect(valuesOf(`x = ${nested('abs(', ')', 200, 'a')}`)).toEqual(Array.from(a, Math.abs));
    expect(valuesOf(`x = ${nested('max(b, ', ')', 200, 'a')}`)).toEqual(Array.from(a, (v, i) => Math.max(v, b[i]!)));
  });

  it('a chain of 200 exponents (right-associative): a^2^1^1^…^1 = a^2', () => {
    expect(valuesOf(`x = a^2${'^1'.repeat(199)}`)).toEqual(Array.from(a, (v) => v ** 2));
  });

  it('a 5,000-term sum (left to right, as written) and a 5,000-factor product', () => {
    const terms = Array.from({ length: 5000 }, (_, i) => (i % 3 === 2 ? 'b' : 'a'));
    const expected = Array.from(a, (_, row) => {
      let sum = 0;
      for (const [i, name] of terms.entries()) sum = i === 0 ? lookup(name)![row]! : sum + lookup(name)![row]!;
      return sum;
    });
    expect(valuesOf(`x = ${terms.join('+')}`)).toEqual(expected);
    // a·2·0.5·2·…·2: 5,000 factors (2,500 twos, 2,499 halves), every partial product exact: 2a.
    const product = `x = a*${Array.from({ length: 4999 }, (_, i) => (i % 2 ? '0.5' : '2')).join('*')}`;
    expect(valuesOf(product)).toEqual(Array.from(a, (v) => 2 * v));
  });

  it('exactly 20,000 characters', () => {
    const text = `x = ${Array(9_998).fill('a').join('+')}`.padEnd(20_000);
    expect(text).toHaveLength(20_000);
    expect(valuesOf(text)).toEqual(Array.from(a, (v) => v * 9998));
  });
});

describe('--formula: refused before the work', () => {
  const names = (prefix: string, k: number) => Array.from({ length: k }, (_, i) => `${prefix}${i}`);

  it('1,500 nested parentheses', () => {
    // "y ~ " is 4 characters: the 201st "(" is at position 205.
    expect(refusal(() => parseFormula(`y ~ ${nested('(', ')', 1500, 'a')}`))).toBe(
      `the formula is too deeply nested at position 205 ${DEEP}`,
    );
  });

  it('x0*x1*…*x19 expands to 2^20 − 1 terms: counted, not built', () => {
    expect(refusal(() => parseFormula(`y ~ ${names('x', 20).join('*')}`))).toBe(
      'the product at position 7 expands to 1,048,575 terms (2^20 − 1), more than the 4,096 a formula may have',
    );
  });

  it('x0*…*x12 (8,191 terms) just above the limit, and a product of 200 columns (2^200 − 1)', () => {
    expect(refusal(() => parseFormula(`y ~ ${names('x', 13).join('*')}`))).toMatch(
      /^the product at position 7 expands to 8,191 terms \(2\^13 − 1\)/,
    );
    expect(refusal(() => parseFormula(`y ~ ${names('x', 200).join('*')}`))).toMatch(
      /^the product at position 7 expands to about 1\.61e\+60 terms \(2\^200 − 1\)/,
    );
  });

  it('products of products and interactions of sums are counted before expansion', () => {
    const left = names('x', 10).join('*');
    const right = names('z', 10).join('*');
    // (2^10 − 1 + 1)·(2^10 − 1 + 1) − 1
    expect(refusal(() => parseFormula(`y ~ (${left})*(${right})`))).toMatch(
      /^the product at position \d+ expands to 1,048,575 terms, more than the 4,096/,
    );
    const sum = (prefix: string) => `(${names(prefix, 10).join(' + ')})`;
    // 10 × 10 × 10 × 10 two-, three- and four-way interactions
    expect(refusal(() => parseFormula(`y ~ ${['a', 'b', 'c', 'd'].map(sum).join(':')}`))).toMatch(
      /^the interaction at position \d+ expands to 10,000 terms, more than the 4,096/,
    );
  });

  it('pieces that share columns: expanded with a bound on the work, refused by their real count', () => {
    // (a0 + … + a99)^2 in R's sense: 100 main effects and C(100, 2) = 4,950 two-way interactions.
    const sum = `(${names('a', 100).join(' + ')})`;
    expect(refusal(() => parseFormula(`y ~ ${sum}*${sum}`))).toMatch(
      /^the formula has 5,050 terms by position \d+, more than the 4,096/,
    );
    // 1,100 × 1,100 pairs would be over a million set unions: refused with the bound, unexpanded.
    const big = `(${names('a', 1100).join('+')})`;
    expect(refusal(() => parseFormula(`y ~ ${big}*${big}`))).toMatch(
      /^the interaction at position \d+ combines 1,100 terms with 1,100 \(up to 1,212,200 terms\), more than the 4,096/,
    );
  });

  it('a sum of products over the total limit', () => {
    expect(refusal(() => parseFormula(`y ~ ${names('x', 12).join('*')} + ${names('z', 12).join('*')}`))).toMatch(
      /^the formula has 8,190 terms by position \d+, more than the 4,096/,
    );
  });

  it('more than 20,000 characters', () => {
    const text = `y ~ ${names('x', 4000).join(' + ')}`;
    expect(refusal(() => parseFormula(text))).toBe(
      `the formula is ${text.length.toLocaleString('en')} characters long, more than the 20,000 allowed`,
    );
  });
});

describe('--formula just inside the limits', () => {
  const names = (prefix: string, k: number) => Array.from({ length: k }, (_, i) => `${prefix}${i}`);

  it('200 nested parentheses', () => {
    expect(parseFormula(`y ~ ${nested('(', ')', 200, 'a + b')}`).terms.map((t) => t.label)).toEqual(['a', 'b']);
  });

  it('x0*…*x11: all 4,095 = 2^12 − 1 products of distinct columns, by degree', () => {
    const columns = names('x', 12);
    const labels = parseFormula(`y ~ ${columns.join('*')}`).terms.map((t) => t.label);
    // Independently: every non-empty subset, as a bit mask, its columns in order, sorted by size.
    const expected = Array.from({ length: 4095 }, (_, m) => columns.filter((_, j) => (m + 1) & (1 << j)));
    expect(labels).toHaveLength(4095);
    expect(new Set(labels)).toEqual(new Set(expected.map((factors) => factors.join(':'))));
    expect(labels.map((label) => label.split(':').length)).toEqual(
      expected.map((factors) => factors.length).sort((x, y) => x - y),
    );
  });

  it('exactly 4,096 terms: 64 × 64 interactions, and a 12-way product plus one column', () => {
    const sum = (prefix: string) => `(${names(prefix, 64).join('+')})`;
    const labels = parseFormula(`y ~ ${sum('a')}:${sum('b')}`).terms.map((t) => t.label);
    expect(labels).toEqual(names('a', 64).flatMap((x) => names('b', 64).map((z) => `${x}:${z}`)));
    expect(parseFormula(`y ~ ${names('x', 12).join('*')} + z`).terms).toHaveLength(4096);
    expect(() => parseFormula(`y ~ ${names('x', 12).join('*')} + z + w`)).toThrow(/the formula has 4,097 terms/);
  });

  it('(a + b + c)*(a + b + c): shared columns give R’s terms', () => {
    expect(parseFormula('y ~ (a + b + c)*(a + b + c)').terms.map((t) => t.label)).toEqual([
      'a',
      'b',
      'c',
      'a:b',
      'a:c',
      'b:c',
    ]);
  });

  it('a 5,000-term sum, and 2,000 distinct terms with 1,000 removals, in order', () => {
    expect(parseFormula(`y ~ ${Array(2500).fill('a+b').join('+')}`).terms.map((t) => t.label)).toEqual(['a', 'b']);
    const columns = names('a', 2000);
    const text = `y ~ ${columns.join('+')}-${columns.filter((_, i) => i % 2).join('-')}`;
    expect(text.length).toBeLessThanOrEqual(20_000);
    expect(parseFormula(text).terms.map((t) => t.label)).toEqual(columns.filter((_, i) => i % 2 === 0));
  });
});

describe('the command line names the flag (inFlag)', () => {
  it('prefixes the flag and the text, quoted on one line and shortened past 60 characters', () => {
    const long = `x = ${nested('(', ')', 300, 'a')}`;
    const message = (
      inFlag(
        '--derive',
        long,
        refusalError(() => parseDerivation(long)),
      ) as Error
    ).message;
    expect(message).toBe(
      `--derive ${JSON.stringify(`${long.slice(0, 60)}…`)}: the expression is too deeply nested at ` +
        `position 205 ${DEEP}`,
    );
    const short = 'x = a +\n* b';
    expect(
      (
        inFlag(
          '--derive',
          short,
          refusalError(() => parseDerivation(short)),
        ) as Error
      ).message,
    ).toBe('--derive "x = a +\\n* b": unexpected "*" at position 9');
    const other = new RangeError('not a usage error');
    expect(inFlag('--derive', short, other)).toBe(other);
  });
});

function refusalError(action: () => unknown): UsageError {
  try {
    action();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
}
