/**
 * The `--derive` expression language at its edges: the length limit counted in code points, the nesting counter
 * across siblings, `inFlag`'s shortening at exactly 60 characters, exponents after "1." and a dangling "e", the
 * text of backquoted and end tokens, and `evaluate`'s caller-bug errors word for word. The mutation run found
 * each of these unchecked (docs/mutation.md): messages, boundaries and branches no other test pinned.
 */
import { describe, expect, it } from 'vitest';
import { InternalError, UsageError } from '../../../src/errors.js';
import {
  checkLength,
  columnsOf,
  evaluate,
  type Expression,
  inFlag,
  MAX_EXPRESSION_LENGTH,
  parseDerivation,
  tokenize,
} from '../../../src/models/spec/expression.js';
import { thrownBy } from '../../helpers.js';

const fail = (message: string): never => {
  throw new UsageError(message);
};

/** The message of the UsageError parseDerivation throws for `text`. */
const parseError = (text: string): string => thrownBy(() => parseDerivation(text), UsageError).message;

/** Evaluate `z = text` over n rows of the given columns. */
function run(text: string, columns: Record<string, readonly number[]>, n: number) {
  const arrays = new Map(Object.entries(columns).map(([name, values]) => [name, Float64Array.from(values)]));
  const result = evaluate(parseDerivation(`z = ${text}`).expression, (name) => arrays.get(name), n);
  return { values: [...result.values], invalid: result.invalid };
}

describe('checkLength counts code points once the UTF-16 length passes the limit', () => {
  it('accepts exactly 20,000 code points written in 20,002 UTF-16 units (two astral characters)', () => {
    const text = 'x = `😀😀` + a'.padEnd(MAX_EXPRESSION_LENGTH + 2, ' ');
    expect(text.length).toBe(20_002);
    expect(Array.from(text)).toHaveLength(20_000);
    const derivation = parseDerivation(text);
    expect(derivation.name).toBe('x');
    expect(columnsOf(derivation.expression)).toEqual(['😀😀', 'a']);
  });

  it('refuses 20,001 code points, naming the length in code points and the limit, through `fail`', () => {
    const text = '😀'.repeat(20_001);
    const error = thrownBy(() => checkLength(text, 'the thing', fail), UsageError);
    expect(error.message).toBe('the thing is 20,001 characters long, more than the 20,000 allowed');
  });

  it('accepts 20,000 astral characters (40,000 UTF-16 units) without calling `fail`', () => {
    const calls: string[] = [];
    checkLength('😀'.repeat(20_000), 'the thing', (message) => {
      calls.push(message);
      throw new UsageError(message);
    });
    expect(calls).toEqual([]);
  });
});

describe('nesting depth: each closed level is left again', () => {
  // 300 siblings, each one level deep: the depth never passes 1, far below the 200 allowed.
  it.each([
    ['parentheses', '(a)'],
    ['function calls', 'abs(a)'],
    ['unary signs', '-a'],
    ['powers', 'a^1'],
  ])('300 sibling %s in a sum parse', (_, piece) => {
    const text = `x = ${Array(300).fill(piece).join(' + ')}`;
    expect(() => parseDerivation(text)).not.toThrow();
  });

  it('300 sibling parentheses evaluate to 300·a', () => {
    expect(run(Array(300).fill('(a)').join('+'), { a: [2, -0.5] }, 2)).toEqual({ values: [600, -150], invalid: 0 });
  });

  it('a parenthesis closed at depth 200 leaves room for another 200 levels after it', () => {
    const deep = `${'('.repeat(200)}a${')'.repeat(200)}`;
    expect(run(`${deep} + ${deep}`, { a: [1.5] }, 1)).toEqual({ values: [3], invalid: 0 });
  });
});

describe('inFlag: the text is shown whole up to 60 characters, else its first 60 and "…"', () => {
  const shown = (text: string) => inFlag('--derive', text, new UsageError('boom')) as UsageError;

  it('returns a new UsageError, leaving other errors as they are', () => {
    const error = shown('x = a');
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe('--derive "x = a": boom');
    const other = new TypeError('not ours');
    expect(inFlag('--derive', 'x = a', other)).toBe(other);
  });

  it('exactly 60 characters: whole, no ellipsis', () => {
    const text = `x = ${'a'.repeat(56)}`;
    expect(text).toHaveLength(60);
    expect(shown(text).message).toBe(`--derive "${text}": boom`);
  });

  it.each([61, 100, 239, 240, 241, 1000])('%i characters: the first 60 and "…"', (length) => {
    const text = `x = ${'b'.repeat(length - 4)}`;
    expect(text).toHaveLength(length);
    expect(shown(text).message).toBe(`--derive "x = ${'b'.repeat(56)}…": boom`);
  });

  it('counts characters, not UTF-16 units: 60 astral characters are shown whole, 61 shortened', () => {
    expect(shown('😀'.repeat(60)).message).toBe(`--derive "${'😀'.repeat(60)}": boom`);
    expect(shown('😀'.repeat(61)).message).toBe(`--derive "${'😀'.repeat(60)}…": boom`);
    expect(shown('😀'.repeat(500)).message).toBe(`--derive "${'😀'.repeat(60)}…": boom`);
  });
});

describe('tokenize', () => {
  it('ends with one end token whose text is empty, one past the last character', () => {
    const tokens = tokenize('a + 1', fail);
    expect(tokens.map((t) => t.text)).toEqual(['a', '+', '1', '']);
    expect(tokens.at(-1)).toEqual({ kind: 'end', text: '', position: 6 });
  });

  it('gives each token kind with its text and 1-based position', () => {
    expect(tokenize('`b c`*2.5e1', fail)).toEqual([
      { kind: 'name', name: 'b c', quoted: true, text: '`b c`', position: 1 },
      { kind: 'punctuation', symbol: '*', text: '*', position: 6 },
      { kind: 'number', value: 25, text: '2.5e1', position: 7 },
      { kind: 'end', text: '', position: 12 },
    ]);
  });

  it('names a backquoted token by its backquoted text in an error', () => {
    expect(parseError('x = a `b c`')).toBe('unexpected "`b c`" at position 7');
  });
});

describe('numbers: the exponent', () => {
  it.each([
    ['1.e5', 100000], // digits "." {digit} then the exponent
    ['1.e+1', 10],
    ['5.E-1', 0.5],
    ['.5e1', 5],
    ['12e2', 1200],
    ['1e05', 100000],
  ])('%s = %d', (text, expected) => {
    expect(run(text, {}, 1).values).toEqual([expected]);
  });

  it('an "e" with no digits after it is not part of the number', () => {
    expect(parseError('x = 1e')).toBe('unexpected "e" at position 6');
    expect(parseError('x = 1e+')).toBe('unexpected "e" at position 6');
    expect(parseError('x = 2.e')).toBe('unexpected "e" at position 7');
    expect(parseError('x = 1ex')).toBe('unexpected "ex" at position 6');
    expect(parseError('x = 1e-y')).toBe('unexpected "e" at position 6');
  });
});

describe('evaluate: errors of the caller, word for word', () => {
  const one = parseDerivation('z = 1').expression;

  it.each([
    [1.5, 'evaluate: n must be a non-negative integer, got 1.5'],
    [-1, 'evaluate: n must be a non-negative integer, got -1'],
    [Number.NaN, 'evaluate: n must be a non-negative integer, got NaN'],
    [Number.POSITIVE_INFINITY, 'evaluate: n must be a non-negative integer, got Infinity'],
  ])('n = %d is a RangeError', (n, message) => {
    expect(thrownBy(() => evaluate(one, () => undefined, n), RangeError).message).toBe(message);
  });

  it('n = 0 gives an empty column', () => {
    expect(evaluate(one, () => undefined, 0)).toEqual({ values: new Float64Array(0), invalid: 0 });
  });

  it('a column of the wrong length is a RangeError naming it and both lengths', () => {
    const { expression } = parseDerivation('z = a + b');
    const lookup = (name: string) => (name === 'a' ? new Float64Array(3) : new Float64Array(2));
    expect(thrownBy(() => evaluate(expression, lookup, 3), RangeError).message).toBe(
      'evaluate: column "b" has 2 values, expected 3',
    );
  });

  it('looks each column up once, in order of first appearance', () => {
    const { expression } = parseDerivation('z = a * a + b / a - b');
    const asked: string[] = [];
    const result = evaluate(
      expression,
      (name) => {
        asked.push(name);
        return name === 'a' ? Float64Array.of(2, 3) : Float64Array.of(4, 1);
      },
      2,
    );
    expect(asked).toEqual(['a', 'b']);
    // 2·2 + 4/2 − 4 = 2; 3·3 + 1/3 − 1
    expect([...result.values]).toEqual([2, 9 + 1 / 3 - 1]);
  });

  it('a tree that is not an expression (not from parseDerivation) is an internal error', () => {
    const bogus = { kind: 'bogus', position: 1 } as unknown as Expression;
    expect(thrownBy(() => evaluate(bogus, () => undefined, 1), InternalError).message).toBe(
      'evaluate: 0 values left on the stack',
    );
  });
});
