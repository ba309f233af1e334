import { InternalError, UsageError } from '../../errors.js';
import { groupThousands } from '../../groupThousands.js';

/**
 * A small, safe expression language for derived columns (`--derive 'cpp_rate = cpp_count / child_pop * 10000'`).
 * Expressions are parsed into a tree and evaluated element-wise over the rows; nothing is ever passed to `eval`
 * or `Function`.
 *
 * Grammar (EBNF; whitespace between tokens is ignored):
 *
 *     derivation = name "=" expr ;
 *     expr       = term { ("+" | "-") term } ;               (* left-associative *)
 *     term       = inter { ("*" | "/") inter } ;             (* left-associative *)
 *     inter      = unary { ":" unary } ;                     (* a:b = a * b, left-associative *)
 *     unary      = ("-" | "+") unary | power ;
 *     power      = primary [ "^" unary ] ;                   (* right-associative: 2^3^2 = 2^9 *)
 *     primary    = number | name | call | "(" expr ")" ;
 *     call       = function "(" expr { "," expr } ")" ;
 *     function   = "log" | "log10" | "exp" | "sqrt" | "abs" | "min" | "max" ;
 *     name       = identifier | "`" { any character but "`" } "`" ;
 *     identifier = letter_or_underscore { letter_or_underscore | digit | "." } ;   (* [A-Za-z_][A-Za-z0-9_.]* *)
 *     number     = ( digits [ "." { digit } ] | "." digits ) [ ("e" | "E") [ "+" | "-" ] digits ] ;
 *
 * Precedence, tightest first (the same order as R's arithmetic operators, see `?Syntax` in R):
 *
 *     | level | operators           | associativity | example                     |
 *     |-------|---------------------|---------------|-----------------------------|
 *     | 1     | f(...)  ( )         |               | log(x)                      |
 *     | 2     | ^                   | right         | 2^3^2 = 2^(3^2) = 512       |
 *     | 3     | unary - +           |               | -2^2 = -(2^2) = -4          |
 *     | 4     | :  (interaction)    | left          | a:b*c = (a*b)*c             |
 *     | 5     | * /                 | left          | a/b*c = (a/b)*c             |
 *     | 6     | + -                 | left          | a-b+c = (a-b)+c             |
 *
 * `:` binds tighter than every other binary operator except `^`, as in R (so `a:b^2` = a·b², and `-a:b` = (−a)·b);
 * the exponent of `^` may carry a sign (`2^-1` = 0.5). A name followed by "(" is a function call; a function's name
 * used without "(" is an ordinary column (a column may be called `exp`).
 *
 * Limits (refused with a UsageError before the work): MAX_EXPRESSION_LENGTH characters, MAX_NESTING_DEPTH levels of
 * parentheses, calls, signs and powers. Left-associative chains are parsed by loops and trees are walked with an
 * explicit stack, so neither parsing nor evaluation recurses per term.
 */

/** A number written in the expression, e.g. `10000` or `1.5e-3`. `position` is 1-based, in characters. */
export interface NumberLiteral {
  readonly kind: 'number';
  readonly value: number;
  readonly position: number;
}

/** A reference to an input column (or an earlier derived column). */
export interface ColumnReference {
  readonly kind: 'column';
  readonly name: string;
  readonly position: number;
}

/** Unary minus. (Unary plus leaves its operand unchanged and has no node.) */
export interface Negation {
  readonly kind: 'negate';
  readonly operand: Expression;
  readonly position: number;
}

export type BinaryOperator = '+' | '-' | '*' | '/' | '^' | ':';

/** `left operator right`; `position` is that of the operator. `:` multiplies, like `*`. */
export interface BinaryOperation {
  readonly kind: 'binary';
  readonly operator: BinaryOperator;
  readonly left: Expression;
  readonly right: Expression;
  readonly position: number;
}

export type FunctionName = 'log' | 'log10' | 'exp' | 'sqrt' | 'abs' | 'min' | 'max';

/** A call of one of the built-in functions; `position` is that of the function's name. */
export interface FunctionCall {
  readonly kind: 'call';
  readonly name: FunctionName;
  readonly args: readonly Expression[];
  readonly position: number;
}

/** The syntax tree of an expression (a discriminated union on `kind`). */
export type Expression = NumberLiteral | ColumnReference | Negation | BinaryOperation | FunctionCall;

/** One `--derive NAME = expression`: the new column's name, its expression and the text as given. */
export interface Derivation {
  readonly name: string;
  readonly expression: Expression;
  readonly text: string;
}

/** The values of a derived column and how many rows the arithmetic itself made missing. */
export interface EvaluationResult {
  /** One value per row; NaN is missing. Every other value is finite. */
  readonly values: Float64Array;
  /**
   * Rows whose value is missing although every column the expression reads is present in that row: division by
   * zero, log of zero or of a negative number, sqrt of a negative number, a negative number to a fractional power,
   * or overflow to ±Infinity somewhere in the expression.
   */
  readonly invalid: number;
}

/** The functions an expression may call, with their number of arguments and their element-wise definition. */
const FUNCTIONS: Readonly<
  Record<FunctionName, { readonly arity: number; readonly apply: (...args: number[]) => number }>
> = {
  log: { arity: 1, apply: Math.log },
  log10: { arity: 1, apply: Math.log10 },
  exp: { arity: 1, apply: Math.exp },
  sqrt: { arity: 1, apply: Math.sqrt },
  abs: { arity: 1, apply: Math.abs },
  min: { arity: 2, apply: (a, b) => Math.min(a, b) },
  max: { arity: 2, apply: (a, b) => Math.max(a, b) },
};

/** The names of the built-in functions, in the order the documentation lists them. */
const EXPRESSION_FUNCTIONS: readonly FunctionName[] = Object.keys(FUNCTIONS) as FunctionName[];

function isFunctionName(name: string): name is FunctionName {
  return Object.hasOwn(FUNCTIONS, name);
}

// ---------------------------------------------------------------------------------------------------------------
// Limits (shared with src/models/spec/formula.ts)

/**
 * The longest expression or formula accepted, in characters (code points). Parsing, the tree and its evaluation
 * are linear in the length, so this bounds their time and memory (a few milliseconds and megabytes to parse);
 * it leaves room for a sum of 5,000 one-letter terms.
 */
export const MAX_EXPRESSION_LENGTH = 20_000;

/**
 * The deepest nesting accepted: parentheses, function calls, unary signs and exponents (`^` is right-associative)
 * each open one level while their operand is parsed. The recursive-descent parser recurses once per level, so this
 * bounds its stack (a few hundred frames, far below Node's default); sums, products and other left-associative
 * chains are parsed by loops and evaluated without recursion, so they do not count.
 */
export const MAX_NESTING_DEPTH = 200;

/**
 * Refuse a text longer than MAX_EXPRESSION_LENGTH characters before any work on it: `fail` (which must throw) gets
 * a message in generic words, naming the limit. Counts code points, stopping as soon as the limit is passed.
 */
export function checkLength(text: string, what: string, fail: (message: string) => never): void {
  if (text.length <= MAX_EXPRESSION_LENGTH) return; // UTF-16 units ≥ code points
  let count = 0;
  for (const _ of text) if (++count > MAX_EXPRESSION_LENGTH) break;
  if (count > MAX_EXPRESSION_LENGTH) {
    fail(
      `${what} is ${groupThousands(Array.from(text).length)} characters long, ` +
        `more than the ${groupThousands(MAX_EXPRESSION_LENGTH)} allowed`,
    );
  }
}

/**
 * A nesting counter for a recursive-descent parser: `enter(token)` before parsing what a parenthesis, call, sign or
 * exponent opens, `leave()` after. Entering level MAX_NESTING_DEPTH + 1 calls `fail` (generic words, the
 * position of the token that went too deep).
 */
export function nestingCounter(what: string, fail: (message: string) => never) {
  let depth = 0;
  return {
    enter(token: Token): void {
      if (++depth > MAX_NESTING_DEPTH) {
        fail(
          `${what} too deeply nested at position ${token.position} (more than ${MAX_NESTING_DEPTH} levels of ` +
            `parentheses, function calls, signs and powers)`,
        );
      }
    },
    leave(): void {
      depth--;
    },
  };
}

/**
 * The UsageError of a parse error in a command-line value: `--flag "text": message`, the text quoted as JSON (so
 * the message stays on one line) and shortened to its first 60 characters when longer. Other errors pass through.
 * The parsers' own messages name no flag; the command line adds it with this.
 */
export function inFlag(flag: string, text: string, error: unknown): unknown {
  if (!(error instanceof UsageError)) return error;
  // The slice only bounds the work: 240 UTF-16 units hold at least 120 characters, more than the 60 shown.
  const chars = Array.from(text.length > 4 * 60 ? text.slice(0, 4 * 60) : text);
  const shown = chars.length > 60 || text.length > 4 * 60 ? `${chars.slice(0, 60).join('')}…` : text;
  return new UsageError(`${flag} ${JSON.stringify(shown)}: ${error.message}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Lexer (shared with src/models/formula.ts)

/** The one-character operators and punctuation of both `--derive` expressions and `--formula` formulas. */
export type Punctuation = '+' | '-' | '*' | '/' | '^' | ':' | '(' | ')' | ',' | '=' | '~' | '|';

/** A token with its 1-based character position in the text. `text` is the token as written. */
export type Token =
  | { readonly kind: 'number'; readonly value: number; readonly text: string; readonly position: number }
  | {
      readonly kind: 'name';
      readonly name: string;
      readonly quoted: boolean;
      readonly text: string;
      readonly position: number;
    }
  | { readonly kind: 'punctuation'; readonly symbol: Punctuation; readonly text: string; readonly position: number }
  | { readonly kind: 'end'; readonly text: ''; readonly position: number };

const PUNCTUATION = new Set<string>(['+', '-', '*', '/', '^', ':', '(', ')', ',', '=', '~', '|']);
const IDENTIFIER_START = /[A-Za-z_]/;
const IDENTIFIER_PART = /[A-Za-z0-9_.]/;
const DIGIT = /[0-9]/;
const WHITESPACE = /\s/;

/**
 * Split the text of an expression or formula into tokens, ending with one `end` token. Positions count characters
 * (code points) from `firstPosition`: 1, or where the text starts in a longer one. Calls `fail(message)` (which
 * must throw) for a character that starts no token, an unterminated or empty backquoted name, or a number too
 * large to represent.
 * @example tokenize('a + 1', fail).map((t) => t.text) // ['a', '+', '1', '']
 */
export function tokenize(text: string, fail: (message: string) => never, firstPosition = 1): Token[] {
  const chars = Array.from(text);
  const tokens: Token[] = [];
  let i = 0;
  while (i < chars.length) {
    const c = chars[i]!;
    const position = i + firstPosition;
    if (WHITESPACE.test(c)) {
      i++;
    } else if (DIGIT.test(c) || (c === '.' && DIGIT.test(chars[i + 1] ?? ''))) {
      let j = i;
      // Stryker disable next-line StringLiteral: no digit in any digit-free string, as in ''
      while (DIGIT.test(chars[j] ?? '')) j++;
      if (chars[j] === '.') {
        j++;
        // Stryker disable next-line StringLiteral: no digit in any digit-free string, as in ''
        while (DIGIT.test(chars[j] ?? '')) j++;
      }
      if (
        (chars[j] === 'e' || chars[j] === 'E') &&
        DIGIT.test(chars[chars[j + 1] === '+' || chars[j + 1] === '-' ? j + 2 : j + 1] ?? '')
      ) {
        j += chars[j + 1] === '+' || chars[j + 1] === '-' ? 2 : 1;
        // Stryker disable next-line StringLiteral: no digit in any digit-free string, as in ''
        while (DIGIT.test(chars[j] ?? '')) j++;
      }
      const written = chars.slice(i, j).join('');
      const value = Number(written);
      if (!Number.isFinite(value)) fail(`number ${written} at position ${position} is too large`);
      tokens.push({ kind: 'number', value, text: written, position });
      i = j;
    } else if (IDENTIFIER_START.test(c)) {
      let j = i + 1;
      while (IDENTIFIER_PART.test(chars[j] ?? '')) j++;
      const name = chars.slice(i, j).join('');
      tokens.push({ kind: 'name', name, quoted: false, text: name, position });
      i = j;
    } else if (c === '`') {
      const close = chars.indexOf('`', i + 1);
      if (close < 0) fail(`the backquoted name starting at position ${position} has no closing \``);
      if (close === i + 1) fail(`empty backquoted name at position ${position}`);
      const name = chars.slice(i + 1, close).join('');
      tokens.push({ kind: 'name', name, quoted: true, text: `\`${name}\``, position });
      i = close + 1;
    } else if (PUNCTUATION.has(c)) {
      tokens.push({ kind: 'punctuation', symbol: c as Punctuation, text: c, position });
      i++;
    } else {
      fail(`unexpected character ${JSON.stringify(c)} at position ${position}`);
    }
  }
  tokens.push({ kind: 'end', text: '', position: chars.length + firstPosition });
  return tokens;
}

/** How a token is named in an error message: `"*"`, `"cpp_count"`, or `end of input`. */
/** Whether a token is the given punctuation. */
export function isSymbol(token: Token, symbol: Punctuation): boolean {
  return token.kind === 'punctuation' && token.symbol === symbol;
}

/** Check that `close` is the ")" matching the "(" token `open`; otherwise fail naming where it was opened. */
export function expectClosing(open: Token, close: Token, fail: (message: string) => never): void {
  if (isSymbol(close, ')')) return;
  fail(
    close.kind === 'end'
      ? `the "(" at position ${open.position} is never closed`
      : `expected ")" to close the "(" at position ${open.position}, found ${describeToken(close)} at ` +
          `position ${close.position}`,
  );
}

export function describeToken(token: Token): string {
  return token.kind === 'end' ? 'end of input' : JSON.stringify(token.text);
}

// ---------------------------------------------------------------------------------------------------------------
// Parser

/**
 * The recursive-descent parser of an expression over `text`, positions counted from `firstPosition`: the token
 * stream and the grammar's rules, shared by parseDerivation (`NAME = expression`) and parseExpression.
 */
function expressionParser(text: string, firstPosition: number) {
  const fail = (message: string): never => {
    throw new UsageError(message);
  };
  checkLength(text, 'the expression', fail);
  const nesting = nestingCounter('the expression is', fail);
  const tokens = tokenize(text, fail, firstPosition);
  let index = 0;
  const peek = (): Token => tokens[index]!;
  const next = (): Token => tokens[index++]!;
  const unexpected = (token: Token): never =>
    token.kind === 'end'
      ? fail(`the expression ends too early, at position ${token.position}`)
      : fail(`unexpected ${describeToken(token)} at position ${token.position}`);

  const parseExpr = (): Expression => {
    let left = parseTerm();
    for (let token = peek(); isSymbol(token, '+') || isSymbol(token, '-'); token = peek()) {
      next();
      left = binary(token, left, parseTerm());
    }
    return left;
  };
  const parseTerm = (): Expression => {
    let left = parseInter();
    for (let token = peek(); isSymbol(token, '*') || isSymbol(token, '/'); token = peek()) {
      next();
      left = binary(token, left, parseInter());
    }
    return left;
  };
  const parseInter = (): Expression => {
    let left = parseUnary();
    for (let token = peek(); isSymbol(token, ':'); token = peek()) {
      next();
      left = binary(token, left, parseUnary());
    }
    return left;
  };
  const parseUnary = (): Expression => {
    const token = peek();
    if (isSymbol(token, '-') || isSymbol(token, '+')) {
      next();
      nesting.enter(token);
      const operand = parseUnary();
      nesting.leave();
      return isSymbol(token, '-') ? { kind: 'negate', operand, position: token.position } : operand;
    }
    return parsePower();
  };
  const parsePower = (): Expression => {
    const base = parsePrimary();
    const token = peek();
    if (!isSymbol(token, '^')) return base;
    next();
    nesting.enter(token);
    const exponent = parseUnary();
    nesting.leave();
    return binary(token, base, exponent);
  };
  const parsePrimary = (): Expression => {
    const token = next();
    if (token.kind === 'number') return { kind: 'number', value: token.value, position: token.position };
    if (token.kind === 'name') {
      if (!isSymbol(peek(), '(')) return { kind: 'column', name: token.name, position: token.position };
      if (token.quoted || !isFunctionName(token.name)) {
        return fail(
          `unknown function ${JSON.stringify(token.name)} at position ${token.position}; ` +
            `the functions are ${EXPRESSION_FUNCTIONS.join(', ')}`,
        );
      }
      return parseCall(token.name, token.position);
    }
    if (isSymbol(token, '(')) {
      nesting.enter(token);
      const inner = parseExpr();
      expectClosing(token, next(), fail);
      nesting.leave();
      return inner;
    }
    return unexpected(token);
  };
  const parseCall = (name: FunctionName, position: number): Expression => {
    const open = next(); // "("
    nesting.enter(open);
    const args: Expression[] = [parseExpr()];
    while (isSymbol(peek(), ',')) {
      next();
      args.push(parseExpr());
    }
    const close = next();
    if (!isSymbol(close, ')')) {
      return close.kind === 'end'
        ? fail(`the "(" of ${name} at position ${open.position} is never closed`)
        : fail(
            `expected "," or ")" in the call of ${name}, found ${describeToken(close)} at position ${close.position}`,
          );
    }
    const arity = FUNCTIONS[name].arity;
    if (args.length !== arity) {
      fail(`${name} at position ${position} takes ${arity} argument${arity === 1 ? '' : 's'}, got ${args.length}`);
    }
    nesting.leave();
    return { kind: 'call', name, args, position };
  };
  /** The end of the text, after the expression: anything else there is unexpected. */
  const parseEnd = (): void => {
    const last = peek();
    if (last.kind !== 'end') unexpected(last);
  };
  return { next, parseExpr, parseEnd, fail };
}

/**
 * Parse one `--derive` argument, `NAME = expression`, into the new column's name and the expression's syntax tree.
 * See the grammar and precedence table at the top of this file (R's precedence: `-2^2` = −4, `2^3^2` = 512).
 *
 * @param text the argument as given on the command line
 * @returns `{ name, expression, text }`
 * Bounded: a text longer than MAX_EXPRESSION_LENGTH (20,000) characters is refused before it is read, and one
 * nested deeper than MAX_NESTING_DEPTH (200) levels of parentheses, calls, signs and powers as soon as the parser
 * reaches level 201; flat chains (`a + b + …`, 5,000 terms and more) are parsed by loops.
 *
 * @param text the argument as given on the command line
 * @returns `{ name, expression, text }`
 * @throws {UsageError} with a one-line message in generic words (no flag: the command line adds it, see `inFlag`)
 *   giving the character position of the fault, e.g. `unexpected "*" at position 9`
 * @example parseDerivation('cpp_rate = cpp_count / child_pop * 10000').name // 'cpp_rate'
 */
export function parseDerivation(text: string): Derivation {
  const { next, parseExpr, parseEnd, fail } = expressionParser(text, 1);
  const target = next();
  if (target.kind !== 'name') {
    return target.kind === 'end'
      ? fail('empty; write NAME = expression')
      : fail(
          `expected the new column's name at position ${target.position}, found ${describeToken(target)}; ` +
            'write NAME = expression',
        );
  }
  const equals = next();
  if (!isSymbol(equals, '=')) {
    return fail(
      `expected "=" after the new column's name, found ${describeToken(equals)} at position ${equals.position}; ` +
        'write NAME = expression',
    );
  }
  const expression = parseExpr();
  parseEnd();
  return { name: target.name, expression, text };
}

/**
 * Parse an expression alone (what follows `NAME =` in a derivation), its positions counted from `firstPosition`:
 * an expression that is part of a longer text (an operand of a `--where` condition) gives the positions of that
 * text in its messages.
 * @throws {UsageError} as parseDerivation, e.g. `unexpected "*" at position 5`
 * @example parseExpression('spend / 2', 8).position // 14, the "/" at position 7 of 'spend / 2' counted from 8
 */
export function parseExpression(text: string, firstPosition = 1): Expression {
  const { parseExpr, parseEnd } = expressionParser(text, firstPosition);
  const expression = parseExpr();
  parseEnd();
  return expression;
}

function binary(token: Token, left: Expression, right: Expression): BinaryOperation {
  // The parser calls binary only with an operator token it has just matched.
  if (token.kind !== 'punctuation') throw new InternalError(`binary: ${describeToken(token)} is not an operator`);
  return { kind: 'binary', operator: token.symbol as BinaryOperator, left, right, position: token.position };
}

// ---------------------------------------------------------------------------------------------------------------
// Analysis and evaluation

/**
 * The column names an expression reads, each once, in order of first appearance.
 * @example columnsOf(parseDerivation('r = a / b + a').expression) // ['a', 'b']
 */
export function columnsOf(expression: Expression): string[] {
  const names = new Set<string>();
  for (const reference of columnReferences(expression)) names.add(reference.name);
  return [...names];
}

/**
 * The nodes of a tree in post-order (operands before their operator, left before right), by an explicit stack:
 * a left-deep chain of 5,000 additions is as shallow to walk as any other tree. Reversing the pre-order
 * node → right → left gives left → right → node.
 */
function postOrder(root: Expression): Expression[] {
  // Stryker disable next-line ArrayDeclaration: an element with no kind is skipped by every reader
  const out: Expression[] = [];
  const stack: Expression[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    out.push(node);
    if (node.kind === 'negate') stack.push(node.operand);
    else if (node.kind === 'binary') stack.push(node.left, node.right);
    else if (node.kind === 'call') stack.push(...node.args);
  }
  return out.reverse();
}

function columnReferences(expression: Expression): ColumnReference[] {
  return postOrder(expression).filter((node): node is ColumnReference => node.kind === 'column');
}

/**
 * Evaluate an expression element-wise over `n` rows.
 *
 * Missing values are NaN. A missing input makes the row's result missing. Every intermediate result that is not a
 * finite number (x/0, log 0, log or sqrt of a negative number, (−8)^(1/3), overflow such as exp(1000)) is made
 * missing as well, so it cannot reappear as a finite number later (1 / (1/0) is missing, not 0). Unlike
 * JavaScript's `**` (and R's `^`), `NA^0` is missing. Rows that are missing because of the arithmetic while every
 * input the expression reads is present are counted in `invalid`.
 *
 * @param expression a tree from `parseDerivation`
 * @param columns looks up a column's values by name; `undefined` means there is no such column
 * @param n the number of rows; every column must have exactly `n` values
 * @throws {UsageError} naming the first column the lookup does not know
 * @throws {RangeError} if `n` is not a non-negative integer or a column does not have `n` values (a bug in the caller)
 * @example evaluate(parseDerivation('r = a / b').expression,
 *   (c) => ({ a: Float64Array.of(1, 1, NaN), b: Float64Array.of(2, 0, 1) })[c], 3)
 *   // { values: Float64Array [0.5, NaN, NaN], invalid: 1 }
 */
export function evaluate(
  expression: Expression,
  columns: (name: string) => Float64Array | undefined,
  n: number,
): EvaluationResult {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`evaluate: n must be a non-negative integer, got ${n}`);
  const inputs = new Map<string, Float64Array>();
  for (const reference of columnReferences(expression)) {
    if (inputs.has(reference.name)) continue;
    const values = columns(reference.name);
    if (values === undefined) {
      throw new UsageError(`unknown column ${JSON.stringify(reference.name)} at position ${reference.position}`);
    }
    if (values.length !== n) {
      throw new RangeError(
        `evaluate: column ${JSON.stringify(reference.name)} has ${values.length} values, expected ${n}`,
      );
    }
    inputs.set(reference.name, values);
  }

  const values = evaluateNode(expression, inputs, n);
  const read = [...inputs.values()];
  let invalid = 0;
  rows: for (let i = 0; i < n; i++) {
    if (!Number.isNaN(values[i]!)) continue;
    for (const input of read) if (!Number.isFinite(input[i]!)) continue rows;
    invalid++;
  }
  return { values, invalid };
}

/** A finite number stays; NaN and ±Infinity become NaN (missing). */
function finiteOrNaN(x: number): number {
  return Number.isFinite(x) ? x : NaN;
}

/**
 * The values of a tree, evaluated in post-order with a stack of intermediate columns (no recursion, so the depth of
 * the tree does not matter): a leaf pushes its column, an operator pops its operands and pushes its result, written
 * in place into the first operand's array (always a fresh one).
 */
function evaluateNode(root: Expression, inputs: ReadonlyMap<string, Float64Array>, n: number): Float64Array {
  const stack: Float64Array[] = [];
  for (const node of postOrder(root)) {
    switch (node.kind) {
      case 'number':
        stack.push(new Float64Array(n).fill(finiteOrNaN(node.value)));
        break;
      case 'column':
        stack.push(Float64Array.from(inputs.get(node.name)!, finiteOrNaN));
        break;
      case 'negate': {
        const x = stack.at(-1)!;
        for (let i = 0; i < n; i++) x[i] = -x[i]!;
        break;
      }
      case 'binary': {
        const b = stack.pop()!;
        const a = stack.at(-1)!;
        const out = a; // written in place: a is a fresh array
        switch (node.operator) {
          case '+':
            for (let i = 0; i < n; i++) out[i] = finiteOrNaN(a[i]! + b[i]!);
            break;
          case '-':
            for (let i = 0; i < n; i++) out[i] = finiteOrNaN(a[i]! - b[i]!);
            break;
          case '*':
          case ':':
            for (let i = 0; i < n; i++) out[i] = finiteOrNaN(a[i]! * b[i]!);
            break;
          case '/':
            for (let i = 0; i < n; i++) out[i] = finiteOrNaN(a[i]! / b[i]!);
            break;
          case '^':
            for (let i = 0; i < n; i++) {
              const x = a[i]!;
              const y = b[i]!;
              out[i] = Number.isNaN(x) || Number.isNaN(y) ? NaN : finiteOrNaN(x ** y);
            }
            break;
        }
        break;
      }
      case 'call': {
        const { apply } = FUNCTIONS[node.name];
        const args = stack.splice(stack.length - node.args.length);
        const out = args[0]!;
        if (args.length === 1) {
          for (let i = 0; i < n; i++) out[i] = finiteOrNaN(apply(out[i]!));
        } else {
          const second = args[1]!;
          for (let i = 0; i < n; i++) out[i] = finiteOrNaN(apply(out[i]!, second[i]!));
        }
        stack.push(out);
        break;
      }
    }
  }
  if (stack.length !== 1) throw new InternalError(`evaluate: ${stack.length} values left on the stack`);
  return stack[0]!;
}
