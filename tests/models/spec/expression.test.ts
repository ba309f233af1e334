import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { columnsOf, evaluate, inFlag, parseDerivation, type Expression } from '../../../src/models/spec/expression.js';

/** Evaluate `NAME = <text>` on the given columns (all of length n); returns the values and the invalid count. */
function run(text: string, columns: Record<string, readonly number[]> = {}, n = 1) {
  const arrays = new Map(Object.entries(columns).map(([name, values]) => [name, Float64Array.from(values)]));
  const result = evaluate(parseDerivation(`z = ${text}`).expression, (name) => arrays.get(name), n);
  return { values: [...result.values], invalid: result.invalid };
}

/** The single value of a constant expression. */
function value(text: string, columns: Record<string, number> = {}): number {
  const wrapped = Object.fromEntries(Object.entries(columns).map(([name, v]) => [name, [v]]));
  return run(text, wrapped).values[0]!;
}

/**
 * The message of the UsageError that parseDerivation throws (fails the test if it throws anything else), as the
 * command line shows it: the parser's message names no flag, `inFlag` adds `--derive "text": `.
 */
function parseError(text: string): string {
  try {
    parseDerivation(text);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).not.toMatch(/--derive/);
    return (inFlag('--derive', text, error) as Error).message;
  }
  throw new Error(`parseDerivation(${JSON.stringify(text)}) did not throw`);
}

describe('parseDerivation: structure', () => {
  it('splits NAME = expression and keeps the text', () => {
    const derivation = parseDerivation('cpp_rate = cpp_count / child_pop * 10000');
    expect(derivation.name).toBe('cpp_rate');
    expect(derivation.text).toBe('cpp_rate = cpp_count / child_pop * 10000');
    // (cpp_count / child_pop) * 10000: left-associative
    expect(derivation.expression).toMatchObject({
      kind: 'binary',
      operator: '*',
      left: {
        kind: 'binary',
        operator: '/',
        left: { kind: 'column', name: 'cpp_count' },
        right: { kind: 'column', name: 'child_pop' },
      },
      right: { kind: 'number', value: 10000 },
    });
  });

  it('records 1-based positions on the nodes', () => {
    const { expression } = parseDerivation('x = a + log(b)');
    expect(expression).toMatchObject({
      position: 7,
      left: { position: 5 },
      right: { kind: 'call', name: 'log', position: 9 },
    });
  });

  it('parses a:b as an interaction node and unary plus as nothing', () => {
    expect(parseDerivation('x = a:b').expression).toMatchObject({ kind: 'binary', operator: ':' });
    expect(parseDerivation('x = +a').expression).toMatchObject({ kind: 'column', name: 'a' });
  });

  it('accepts backquoted names on both sides, dotted identifiers and function names used as columns', () => {
    const derivation = parseDerivation('`cpp rate` = `cpp count` / child.pop + exp');
    expect(derivation.name).toBe('cpp rate');
    expect(columnsOf(derivation.expression)).toEqual(['cpp count', 'child.pop', 'exp']);
    expect(value('`log` + log(`exp`)', { log: 1, exp: Math.E })).toBe(2);
  });

  it('is whitespace-insensitive', () => {
    expect(stripPositions(parseDerivation('x=a*(b+1)').expression)).toEqual(
      stripPositions(parseDerivation('  x =\ta *\n( b + 1 ) ').expression),
    );
  });
});

/** The tree without positions, to compare trees parsed from differently spaced text. */
function stripPositions(expression: Expression): unknown {
  return JSON.parse(JSON.stringify(expression, (key, v: unknown) => (key === 'position' ? undefined : v)));
}

describe('numbers', () => {
  it.each([
    ['10000', 10000],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['1.', 1],
    ['1.5e3', 1500],
    ['2E-2', 0.02],
    ['1e+2', 100],
    ['0.000', 0],
  ])('%s = %d', (text, expected) => {
    expect(value(text)).toBe(expected);
  });
});

describe('precedence (R semantics; the R call or hand computation beside each)', () => {
  // Confirmed in R 4.x: cat(-2^2, 2^3^2, (2^3)^2, 2^-1, -2^-2, 2^-1^2, (-2)^2, --3, 10-4-3, 16/4/2, 8/2*4, 4-2^2*3)
  //   → -4 512 64 0.5 -0.25 0.5 4 3 3 2 16 -8
  // Every case below is plain arithmetic in R as well, except ":" (a sequence in R's arithmetic); for ":" the
  // expected value is the product with R's precedence (`?Syntax`: ^ > unary minus > : > * / > + -).
  it.each([
    ['-2^2', -4], // R: -2^2  → -4
    ['2^3^2', 512], // R: 2^3^2 → 512
    ['(2^3)^2', 64], // R: (2^3)^2 → 64
    ['2^-1', 0.5], // R: 2^-1 → 0.5
    ['-2^-2', -0.25], // R: -2^-2 → -0.25
    ['2^-1^2', 0.5], // R: 2^-1^2 → 2^(-(1^2)) = 0.5
    ['(-2)^2', 4], // R: (-2)^2 → 4
    ['--3', 3], // R: --3 → 3
    ['2+3*4', 14], // R: 2+3*4 → 14
    ['(2+3)*4', 20],
    ['10-4-3', 3], // left-associative: (10-4)-3
    ['16/4/2', 2], // (16/4)/2
    ['2*3/4', 1.5],
    ['8/2*4', 16], // (8/2)*4
    ['2*3^2', 18], // 2*(3^2)
    ['-3*2', -6],
    ['4-2^2*3', -8], // 4 - ((2^2)*3)
  ])('%s = %d', (text, expected) => {
    expect(value(text)).toBe(expected);
  });

  it.each([
    ['a:b', 6], // 3·2
    ['a:b*c', 30], // (a·b)·c
    ['c/a:b', 5 / 6], // c/(a·b): ":" binds tighter than "/"
    ['c/a*b', (5 / 3) * 2], // whereas "/" and "*" associate left
    ['a - b:c', 3 - 10], // a − (b·c)
    ['a:b^2', 12], // a·(b²): "^" binds tighter than ":" as in R
    ['(a:b)^2', 36],
    ['2^a:b', 16], // (2^a)·b
    ['-a:b', -6], // (−a)·b
    ['a:b:c', 30],
    ['a:(b+c)', 21],
  ])('%s with a = 3, b = 2, c = 5 is %d', (text, expected) => {
    expect(value(text, { a: 3, b: 2, c: 5 })).toBeCloseTo(expected, 14);
  });
});

describe('functions', () => {
  it.each([
    ['log(1)', 0],
    ['log(exp(2))', 2],
    ['log(e)', 1],
    ['log10(1000)', 3],
    ['log10(0.01)', -2],
    ['exp(0)', 1],
    ['exp(1)', Math.E],
    ['sqrt(16)', 4],
    ['sqrt(0)', 0],
    ['abs(-3)', 3],
    ['abs(3)', 3],
    ['min(2, 5)', 2],
    ['min(5, -2)', -2],
    ['max(2, 5)', 5],
    ['max(-5, -2)', -2],
    ['max(min(e, 4), 1) + sqrt(abs(-9))', Math.E + 3],
    ['log(e)^2', 1], // a call is a primary: (log e)²
  ])('%s = %d', (text, expected) => {
    expect(value(text, { e: Math.E })).toBeCloseTo(expected, 14);
  });
});

describe('evaluate: missing values and the invalid counter', () => {
  it('works element-wise and returns a fresh array', () => {
    const a = Float64Array.of(1, 2, 3);
    const result = evaluate(parseDerivation('z = a').expression, () => a, 3);
    expect([...result.values]).toEqual([1, 2, 3]);
    expect(result.values).not.toBe(a);
    expect(run('a * 10 + b', { a: [1, 2, 3], b: [0.5, 0.25, 0] }, 3)).toEqual({
      values: [10.5, 20.25, 30],
      invalid: 0,
    });
  });

  it('propagates missing inputs as missing without counting them as invalid', () => {
    expect(run('a + b', { a: [1, NaN, 3], b: [1, 1, NaN] }, 3)).toEqual({ values: [2, NaN, NaN], invalid: 0 });
    // Deliberately unlike R (NA^0 is 1 there) and JavaScript (NaN ** 0 is 1): a missing input stays missing.
    for (const text of ['-a', 'a^0', '1^a', '0*a', 'log(a)', 'abs(a)', 'min(a, 1)', 'max(1, a)', 'a:1', 'a - a']) {
      expect(run(text, { a: [NaN] }), text).toEqual({ values: [NaN], invalid: 0 });
    }
  });

  it('counts division by zero', () => {
    // rows: ok, 1/0, 0/0, missing numerator with zero denominator (missing, not invalid)
    expect(run('a / b', { a: [1, 1, 0, NaN], b: [2, 0, 0, 0] }, 4)).toEqual({
      values: [0.5, NaN, NaN, NaN],
      invalid: 2,
    });
  });

  it('counts log of zero or a negative number, sqrt of a negative number', () => {
    expect(run('log(a)', { a: [1, 0, -1, NaN] }, 4)).toEqual({ values: [0, NaN, NaN, NaN], invalid: 2 });
    expect(run('log10(a)', { a: [10, 0, -5] }, 3)).toEqual({ values: [1, NaN, NaN], invalid: 2 });
    expect(run('sqrt(a)', { a: [4, 0, -4] }, 3)).toEqual({ values: [2, 0, NaN], invalid: 1 });
  });

  it('counts overflow and other non-finite results', () => {
    expect(run('exp(a)', { a: [0, 1000] }, 2)).toEqual({ values: [1, NaN], invalid: 1 });
    expect(run('a * a', { a: [1e200] })).toEqual({ values: [NaN], invalid: 1 });
    expect(run('a^(1/3)', { a: [8, -8] }, 2).invalid).toBe(1); // R: (-8)^(1/3) → NaN
    expect(run('a^-1', { a: [0] })).toEqual({ values: [NaN], invalid: 1 });
  });

  it.each([
    ['a + a', 1e308],
    ['a - -a', 1e308],
    ['a * a', 1e200],
    ['a / 1e-200', 1e200],
    ['a:a', 1e200],
    ['a^2', 1e200],
    ['-(a * a)', 1e200],
    ['exp(a)', 710],
    ['min(a * a, 1)', 1e200],
    ['max(-a * a, 1)', 1e200],
    ['abs(-a * a)', 1e200],
    ['sqrt(a * a)', 1e200],
    ['log(a * a)', 1e200],
  ])('overflow in %s (a = %d) is missing and counted', (text, a) => {
    expect(run(text, { a: [a, 1] }, 2)).toMatchObject({ invalid: 1 });
    expect(Number.isNaN(run(text, { a: [a] }).values[0])).toBe(true);
  });

  it('does not let an intermediate infinity come back as a number', () => {
    expect(run('1 / (1 / a)', { a: [0, 4] }, 2)).toEqual({ values: [NaN, 4], invalid: 1 });
    expect(run('1 / exp(a)', { a: [1000] })).toEqual({ values: [NaN], invalid: 1 });
    expect(run('min(1 / a, 1)', { a: [0] })).toEqual({ values: [NaN], invalid: 1 });
  });

  it('treats a non-finite input value as missing', () => {
    expect(run('a + 1', { a: [Infinity, -Infinity] }, 2)).toEqual({ values: [NaN, NaN], invalid: 0 });
  });

  it('an expression without columns fills every row', () => {
    expect(run('1 / 0', {}, 3)).toEqual({ values: [NaN, NaN, NaN], invalid: 3 });
    expect(run('2 ^ 3', {}, 2)).toEqual({ values: [8, 8], invalid: 0 });
    expect(run('1', {}, 0)).toEqual({ values: [], invalid: 0 });
  });

  it('throws UsageError naming an unknown column, before any arithmetic', () => {
    const { expression } = parseDerivation('z = a + cpp_cuont * 2');
    const lookup = (name: string) => (name === 'a' ? new Float64Array(0) : undefined);
    expect(() => evaluate(expression, lookup, 0)).toThrow(UsageError);
    expect(() => evaluate(expression, lookup, 0)).toThrow('unknown column "cpp_cuont" at position 9');
  });

  it('rejects a bad row count or a column of the wrong length as a caller bug', () => {
    const { expression } = parseDerivation('z = a');
    expect(() => evaluate(expression, () => new Float64Array(2), 3)).toThrow(RangeError);
    expect(() => evaluate(expression, () => new Float64Array(2), -1)).toThrow(RangeError);
    expect(() => evaluate(expression, () => new Float64Array(2), 1.5)).toThrow(RangeError);
  });
});

describe('columnsOf', () => {
  it('lists each column once in order of first appearance', () => {
    expect(columnsOf(parseDerivation('r = log(b) / a + b:c - max(a, `d e`)').expression)).toEqual([
      'b',
      'a',
      'c',
      'd e',
    ]);
    expect(columnsOf(parseDerivation('r = 2 * 3').expression)).toEqual([]);
  });
});

describe('parse errors: one line, with the position', () => {
  it.each([
    ['x = a + * b', '--derive "x = a + * b": unexpected "*" at position 9'],
    ['x = a +', '--derive "x = a +": the expression ends too early, at position 8'],
    ['x = a b', '--derive "x = a b": unexpected "b" at position 7'],
    ['x = a)', '--derive "x = a)": unexpected ")" at position 6'],
    ['x = ()', '--derive "x = ()": unexpected ")" at position 6'],
    ['x = (a + b', '--derive "x = (a + b": the "(" at position 5 is never closed'],
    ['x = (a + b]', '--derive "x = (a + b]": unexpected character "]" at position 11'],
    ['x = (a b)', '--derive "x = (a b)": expected ")" to close the "(" at position 5, found "b" at position 8'],
    ['x = 2a', '--derive "x = 2a": unexpected "a" at position 6'],
    ['x = a ~ b', '--derive "x = a ~ b": unexpected "~" at position 7'],
    ['x = a = b', '--derive "x = a = b": unexpected "=" at position 7'],
    ['x = a $ b', '--derive "x = a $ b": unexpected character "$" at position 7'],
    ['x = 1e999', '--derive "x = 1e999": number 1e999 at position 5 is too large'],
    ['x = `a b', '--derive "x = `a b": the backquoted name starting at position 5 has no closing `'],
    ['x = ``', '--derive "x = ``": empty backquoted name at position 5'],
    [
      'x = foo(a)',
      '--derive "x = foo(a)": unknown function "foo" at position 5; the functions are log, log10, exp, ' +
        'sqrt, abs, min, max',
    ],
    [
      'x = `log`(a)',
      '--derive "x = `log`(a)": unknown function "log" at position 5; the functions are log, log10, exp, ' +
        'sqrt, abs, min, max',
    ],
    ['x = log(a, b)', '--derive "x = log(a, b)": log at position 5 takes 1 argument, got 2'],
    ['x = min(a)', '--derive "x = min(a)": min at position 5 takes 2 arguments, got 1'],
    ['x = log()', '--derive "x = log()": unexpected ")" at position 9'],
    ['x = log(a', '--derive "x = log(a": the "(" of log at position 8 is never closed'],
    ['x = max(a; b)', '--derive "x = max(a; b)": unexpected character ";" at position 10'],
    ['x = max(a b)', '--derive "x = max(a b)": expected "," or ")" in the call of max, found "b" at position 11'],
    [
      'x',
      '--derive "x": expected "=" after the new column\'s name, found end of input at position 2; ' +
        'write NAME = expression',
    ],
    [
      'x + 1',
      '--derive "x + 1": expected "=" after the new column\'s name, found "+" at position 3; write NAME = expression',
    ],
    ['= a', '--derive "= a": expected the new column\'s name at position 1, found "="; write NAME = expression'],
    ['1 = a', '--derive "1 = a": expected the new column\'s name at position 1, found "1"; write NAME = expression'],
    ['', '--derive "": empty; write NAME = expression'],
    ['   ', '--derive "   ": empty; write NAME = expression'],
    ['x =', '--derive "x =": the expression ends too early, at position 4'],
  ])('%j', (text, message) => {
    expect(parseError(text)).toBe(message);
  });

  it('counts positions in characters, not UTF-16 units', () => {
    expect(parseError('x = `😀` + * 1')).toMatch(/unexpected "\*" at position 11$/);
  });

  it('keeps the message on one line when the input has line breaks', () => {
    const message = parseError('x = a +\n* b');
    expect(message).not.toContain('\n');
    expect(message).toBe('--derive "x = a +\\n* b": unexpected "*" at position 9');
  });
});

describe('property: any string either parses or throws UsageError', () => {
  const grammarChars = [...'abxyz_.019eE+-*/^:(),=~|` \t', 'log', 'exp', 'min', 'sqrt', 'max', 'abs', 'log10'];
  const arbitraryText = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.array(fc.constantFrom(...grammarChars), { maxLength: 30 }).map((parts) => parts.join('')),
    fc.array(fc.constantFrom(...grammarChars), { maxLength: 30 }).map((parts) => `x = ${parts.join('')}`),
  );

  it('never throws anything but UsageError, and messages are one line', () => {
    fc.assert(
      fc.property(arbitraryText, (text) => {
        try {
          const derivation = parseDerivation(text);
          expect(derivation.text).toBe(text);
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
          expect(error.message).not.toContain('\n');
        }
      }),
      { numRuns: 3000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Property: random arithmetic trees, printed with the fewest parentheses the precedence table allows, parse back and
// evaluate exactly as a separately written scalar reference does.

type Tree =
  | { kind: 'num'; value: number }
  | { kind: 'col'; name: 'a' | 'b' | 'c' }
  | { kind: 'neg'; operand: Tree }
  | { kind: 'bin'; op: '+' | '-' | '*' | '/' | '^' | ':'; left: Tree; right: Tree }
  | { kind: 'fn1'; fn: 'log' | 'log10' | 'exp' | 'sqrt' | 'abs'; arg: Tree }
  | { kind: 'fn2'; fn: 'min' | 'max'; left: Tree; right: Tree };

const { tree } = fc.letrec<{ tree: Tree; leaf: Tree; neg: Tree; bin: Tree; fn1: Tree; fn2: Tree }>((tie) => ({
  tree: fc.oneof(
    { maxDepth: 5, depthSize: 'small' },
    tie('leaf'),
    tie('neg'),
    tie('bin'),
    tie('bin'),
    tie('fn1'),
    tie('fn2'),
  ),
  leaf: fc.oneof(
    fc.record({ kind: fc.constant('num' as const), value: fc.constantFrom(0, 0.5, 1, 2, 3, 10, 0.001, 1e300) }),
    fc.record({ kind: fc.constant('col' as const), name: fc.constantFrom('a' as const, 'b' as const, 'c' as const) }),
  ),
  neg: fc.record({ kind: fc.constant('neg' as const), operand: tie('tree') }),
  bin: fc.record({
    kind: fc.constant('bin' as const),
    op: fc.constantFrom('+' as const, '-' as const, '*' as const, '/' as const, '^' as const, ':' as const),
    left: tie('tree'),
    right: tie('tree'),
  }),
  fn1: fc.record({
    kind: fc.constant('fn1' as const),
    fn: fc.constantFrom('log' as const, 'log10' as const, 'exp' as const, 'sqrt' as const, 'abs' as const),
    arg: tie('tree'),
  }),
  fn2: fc.record({
    kind: fc.constant('fn2' as const),
    fn: fc.constantFrom('min' as const, 'max' as const),
    left: tie('tree'),
    right: tie('tree'),
  }),
}));

/** The precedence table from the documentation, tightest = highest. */
const LEVEL = { atom: 6, '^': 5, neg: 4, ':': 3, '*': 2, '/': 2, '+': 1, '-': 1 } as const;

function level(t: Tree): number {
  if (t.kind === 'bin') return LEVEL[t.op];
  if (t.kind === 'neg') return LEVEL.neg;
  return LEVEL.atom;
}

function render(t: Tree): string {
  const wrap = (child: Tree, needsParens: boolean) => (needsParens ? `(${render(child)})` : render(child));
  switch (t.kind) {
    case 'num':
      return String(t.value);
    case 'col':
      return t.name;
    case 'neg':
      return `-${wrap(t.operand, level(t.operand) < LEVEL.neg)}`;
    case 'fn1':
      return `${t.fn}(${render(t.arg)})`;
    case 'fn2':
      return `${t.fn}(${render(t.left)}, ${render(t.right)})`;
    case 'bin': {
      const p = LEVEL[t.op];
      if (t.op === '^') {
        // right-associative; the base must be an atom, the exponent may be signed
        return `${wrap(t.left, level(t.left) <= p)}^${wrap(t.right, level(t.right) < LEVEL.neg)}`;
      }
      // left-associative
      return `${wrap(t.left, level(t.left) < p)} ${t.op} ${wrap(t.right, level(t.right) <= p)}`;
    }
  }
}

/** Scalar reference: every step that is not a finite number is missing (NaN), and missing stays missing. */
function reference(t: Tree, row: Record<string, number>): number {
  const finite = (x: number) => (Number.isFinite(x) ? x : NaN);
  switch (t.kind) {
    case 'num':
      return t.value;
    case 'col':
      return finite(row[t.name]!);
    case 'neg':
      return -reference(t.operand, row);
    case 'fn1': {
      const x = reference(t.arg, row);
      const f = { log: Math.log, log10: Math.log10, exp: Math.exp, sqrt: Math.sqrt, abs: Math.abs }[t.fn];
      return finite(f(x));
    }
    case 'fn2': {
      const x = reference(t.left, row);
      const y = reference(t.right, row);
      if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
      return t.fn === 'min' ? Math.min(x, y) : Math.max(x, y);
    }
    case 'bin': {
      const x = reference(t.left, row);
      const y = reference(t.right, row);
      if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
      switch (t.op) {
        case '+':
          return finite(x + y);
        case '-':
          return finite(x - y);
        case '*':
        case ':':
          return finite(x * y);
        case '/':
          return finite(x / y);
        case '^':
          return finite(x ** y);
      }
    }
  }
}

function columnsIn(t: Tree, into = new Set<string>()): Set<string> {
  if (t.kind === 'col') into.add(t.name);
  if (t.kind === 'neg') columnsIn(t.operand, into);
  if (t.kind === 'fn1') columnsIn(t.arg, into);
  if (t.kind === 'bin' || t.kind === 'fn2') {
    columnsIn(t.left, into);
    columnsIn(t.right, into);
  }
  return into;
}

const cell = fc.oneof(
  fc.constantFrom(0, -1, 1, 2, -0.5, NaN, 700, 1e308),
  fc.double({ min: -100, max: 100, noNaN: true }),
);

describe('property: the evaluator matches a reference evaluation of random trees', () => {
  it('same values (bit for bit, NaN = NaN) and the same invalid count', () => {
    fc.assert(
      fc.property(tree, fc.array(fc.tuple(cell, cell, cell), { minLength: 1, maxLength: 8 }), (t, rows) => {
        const text = render(t);
        const n = rows.length;
        const data: Record<string, Float64Array> = {
          a: Float64Array.from(rows, (r) => r[0]),
          b: Float64Array.from(rows, (r) => r[1]),
          c: Float64Array.from(rows, (r) => r[2]),
        };
        const result = evaluate(parseDerivation(`z = ${text}`).expression, (name) => data[name], n);
        const used = [...columnsIn(t)];
        let invalid = 0;
        for (let i = 0; i < n; i++) {
          const row = { a: rows[i]![0], b: rows[i]![1], c: rows[i]![2] };
          const expected = reference(t, row);
          const actual = result.values[i]!;
          if (!(actual === expected || (Number.isNaN(actual) && Number.isNaN(expected)))) {
            throw new Error(`${text} at row ${JSON.stringify(row)}: got ${actual}, expected ${expected}`);
          }
          if (Number.isNaN(expected) && used.every((name) => !Number.isNaN(row[name as 'a']))) invalid++;
        }
        expect(result.invalid).toBe(invalid);
        expect(result.values.every((v) => Number.isNaN(v) || Number.isFinite(v))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('fully parenthesized and minimally parenthesized printings parse to the same tree', () => {
    const full = (t: Tree): string => {
      switch (t.kind) {
        case 'num':
          return String(t.value);
        case 'col':
          return t.name;
        case 'neg':
          return `(-${full(t.operand)})`;
        case 'fn1':
          return `${t.fn}(${full(t.arg)})`;
        case 'fn2':
          return `${t.fn}(${full(t.left)},${full(t.right)})`;
        case 'bin':
          return `(${full(t.left)}${t.op}${full(t.right)})`;
      }
    };
    fc.assert(
      fc.property(tree, (t) => {
        const minimal = stripPositions(parseDerivation(`z = ${render(t)}`).expression);
        expect(minimal).toEqual(stripPositions(parseDerivation(`z=${full(t)}`).expression));
      }),
      { numRuns: 1000 },
    );
  });
});
