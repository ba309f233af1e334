import { ParameterError, UsageError } from '../../errors.js';
import { type Expression, checkLength, columnsOf, evaluate, MAX_NESTING_DEPTH, parseExpression } from './expression.js';

/**
 * Row conditions for `--where`: the derive grammar (see expression.ts) for numbers, plus comparisons, text literals,
 * `in`, and the logical operators. Parsed into a tree; nothing is ever passed to `eval`.
 *
 *     condition  = or ;
 *     or         = and { "|" and } ;
 *     and        = not { "&" not } ;
 *     not        = "!" not | "(" condition ")" | comparison ;
 *     comparison = operand ( ("==" | "!=" | "<" | "<=" | ">" | ">=") operand
 *                          | ["!"] "in" "(" literal { "," literal } ")" ) ;
 *     operand    = text | arithmetic ;               (* arithmetic: an expression of the derive grammar *)
 *     text       = '"' { any character but '"' } '"' | "'" { any character but "'" } "'" ;
 *
 * A comparison with a text literal compares a column's cells as text (trimmed), and allows only `==`, `!=` and
 * `in`; every other comparison is between numbers. A comparison whose operand is missing is missing, and missing
 * follows R's three-valued logic (`NA & FALSE` is FALSE, `NA | TRUE` is TRUE); a row is kept only where the
 * condition is TRUE, as R's `subset()` and dplyr's `filter()` keep it.
 */

export type ComparisonOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** A side of a comparison: a number-valued expression, a text literal, or a column read as text. */
export type Operand =
  | { readonly kind: 'arithmetic'; readonly expression: Expression; readonly text: string }
  | { readonly kind: 'text'; readonly value: string };

export type Condition =
  | { readonly kind: 'compare'; readonly operator: ComparisonOperator; readonly left: Operand; readonly right: Operand }
  | {
      readonly kind: 'in';
      readonly operand: Operand;
      readonly values: readonly (string | number)[];
      readonly negated: boolean;
    }
  | { readonly kind: 'not'; readonly operand: Condition }
  | { readonly kind: 'and' | 'or'; readonly left: Condition; readonly right: Condition };

type Token =
  | { readonly kind: 'text'; readonly value: string; readonly position: number }
  | {
      readonly kind: 'op';
      readonly op: ComparisonOperator | '&' | '|' | '!' | '(' | ')' | ',';
      readonly position: number;
    }
  | { readonly kind: 'in'; readonly position: number }
  | { readonly kind: 'piece'; readonly text: string; readonly position: number }
  | { readonly kind: 'end'; readonly position: number };

/**
 * Split a condition into tokens: text literals, comparison and logical operators, parentheses, commas, `in`, and
 * "pieces": runs of other characters, which are parts of arithmetic operands (rejoined with the parentheses
 * between them by the parser and handed to the derive parser).
 */
function tokenize(text: string, fail: (message: string) => never): Token[] {
  const chars = Array.from(text);
  const tokens: Token[] = [];
  let piece = '';
  let pieceStart = 0;
  /** A piece is where its first character that is not blank is, the position messages give. */
  const pushPiece = (text: string, start: number) => {
    const blank = Array.from(text).length - Array.from(text.trimStart()).length;
    tokens.push({ kind: 'piece', text: text.trimStart(), position: start + blank });
  };
  const flush = () => {
    if (piece.trim() !== '') {
      // `in` as a word is the keyword; anything else stays part of an arithmetic operand.
      const words = piece.split(/(\s+)/);
      let offset = pieceStart;
      let pending = '';
      let pendingStart = offset;
      for (const word of words) {
        if (word === 'in') {
          if (pending.trim() !== '') pushPiece(pending, pendingStart);
          tokens.push({ kind: 'in', position: offset });
          pending = '';
          // Stryker disable next-line ArithmeticOperator: pending is '' now: the next word sets pendingStart
          pendingStart = offset + word.length;
        } else {
          // Stryker disable next-line StringLiteral: never true; pendingStart already holds this offset then
          if (pending === '') pendingStart = offset;
          pending += word;
        }
        offset += Array.from(word).length;
      }
      if (pending.trim() !== '') pushPiece(pending, pendingStart);
    }
    piece = '';
  };
  for (let i = 0; i < chars.length; ) {
    const c = chars[i]!;
    // Stryker disable next-line StringLiteral: at the last character no two-character operator can match anyway
    const two = c + (chars[i + 1] ?? '');
    const position = i + 1;
    if (c === '"' || c === "'") {
      flush();
      const close = chars.indexOf(c, i + 1);
      if (close < 0) fail(`the text starting at position ${position} has no closing ${c}`);
      tokens.push({ kind: 'text', value: chars.slice(i + 1, close).join(''), position });
      i = close + 1;
    } else if (two === '==' || two === '!=' || two === '<=' || two === '>=') {
      flush();
      tokens.push({ kind: 'op', op: two as ComparisonOperator, position });
      i += 2;
    } else if (c === '<' || c === '>' || c === '&' || c === '|' || c === '!' || c === '(' || c === ')' || c === ',') {
      flush();
      tokens.push({ kind: 'op', op: c, position });
      i++;
    } else if (c === '=') {
      fail(`"=" at position ${position}: compare with "=="`);
    } else {
      if (piece === '') pieceStart = position;
      piece += c;
      i++;
    }
  }
  flush();
  tokens.push({ kind: 'end', position: chars.length + 1 });
  return tokens;
}

const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);

/**
 * Parse a `--where` condition.
 *
 * @throws {UsageError} a one-line message in generic words with the character position (the command line adds
 *   the flag), e.g. `"=" at position 8: compare with "=="`.
 * @example parseCondition('region == "London" & year >= 2019')
 */
export function parseCondition(text: string): Condition {
  const fail = (message: string): never => {
    throw new UsageError(message);
  };
  checkLength(text, 'the condition', fail);
  const tokens = tokenize(text, fail);
  const chars = Array.from(text);
  let index = 0;
  let depth = 0;
  const peek = () => tokens[index]!;
  const next = () => tokens[index++]!;
  const isOp = (token: Token, op: string) => token.kind === 'op' && token.op === op;
  const describe = (token: Token) =>
    token.kind === 'end'
      ? 'the end'
      : token.kind === 'text'
        ? JSON.stringify(token.value)
        : token.kind === 'piece'
          ? JSON.stringify(token.text.trim())
          : token.kind === 'in'
            ? '"in"'
            : JSON.stringify(token.op);
  const enter = (token: Token) => {
    if (++depth > MAX_NESTING_DEPTH) fail(`the condition is nested too deeply at position ${token.position}`);
  };

  /** Whether the "(" at `start` opens a group of conditions (it holds a comparison or a logical operator). */
  const opensCondition = (start: number): boolean => {
    let level = 0;
    for (let i = start; i < tokens.length; i++) {
      const token = tokens[i]!;
      if (isOp(token, '(')) level++;
      else if (isOp(token, ')')) {
        level--;
        if (level === 0) return false;
      } else if (
        token.kind === 'in' ||
        token.kind === 'text' ||
        (token.kind === 'op' && (COMPARISONS.has(token.op) || token.op === '&' || token.op === '|' || token.op === '!'))
      ) {
        return true;
      }
    }
    return false;
  };

  /** An arithmetic operand: pieces and balanced parentheses up to a comparison, logical operator, comma or ")". */
  const parseArithmetic = (): Operand => {
    const start = peek();
    let level = 0;
    for (;;) {
      const token = peek();
      if (isOp(token, '(')) level++;
      else if (isOp(token, ')') && level > 0) level--;
      else if (token.kind !== 'piece' && !(isOp(token, ',') && level > 0)) break;
      next();
    }
    // The operand as written, up to the token that ends it, so that the positions of its faults are the condition's.
    const written = chars.slice(start.position - 1, peek().position - 1).join('');
    // Stryker disable next-line MethodExpression: written is '' or starts with a piece, never blank (pieces are not)
    if (written.trim() === '') fail(`expected a value at position ${start.position}, found ${describe(start)}`);
    let expression: Expression;
    try {
      expression = parseExpression(written, start.position);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      fail(
        `${JSON.stringify(written.trim())} (at position ${start.position}) is not a number ` +
          `expression: ${error.message}`,
      );
    }
    return { kind: 'arithmetic', expression: expression!, text: written.trim() };
  };
  const parseOperand = (): Operand => {
    const token = peek();
    if (token.kind === 'text') {
      next();
      return { kind: 'text', value: token.value };
    }
    return parseArithmetic();
  };
  const parseLiteral = (): string | number => {
    const token = next();
    if (token.kind === 'text') return token.value;
    if (token.kind === 'piece') {
      // Stryker disable next-line MethodExpression: Number() ignores surrounding whitespace itself
      const value = Number(token.text.trim());
      if (token.text.trim() !== '' && Number.isFinite(value)) return value;
    }
    return fail(`expected a text or a number in the list at position ${token.position}, found ${describe(token)}`);
  };
  const parseComparison = (): Condition => {
    const left = parseOperand();
    let token = peek();
    let negated = false;
    // Stryker disable next-line OptionalChaining: a "!" is never the last token (the end token follows)
    if (isOp(token, '!') && tokens[index + 1]?.kind === 'in') {
      negated = true;
      next();
      token = peek();
    }
    if (token.kind === 'in') {
      next();
      const open = next();
      if (!isOp(open, '(')) fail(`expected "(" after "in" at position ${open.position}`);
      const values = [parseLiteral()];
      while (isOp(peek(), ',')) {
        next();
        values.push(parseLiteral());
      }
      const close = next();
      if (!isOp(close, ')'))
        fail(`expected "," or ")" in the list at position ${close.position}, found ${describe(close)}`);
      return { kind: 'in', operand: left, values, negated };
    }
    if (token.kind !== 'op' || !COMPARISONS.has(token.op)) {
      return fail(
        `expected a comparison (==, !=, <, <=, >, >=, in) at position ${token.position}, found ${describe(token)}`,
      );
    }
    next();
    const right = parseOperand();
    return { kind: 'compare', operator: token.op as ComparisonOperator, left, right };
  };
  const parseNot = (): Condition => {
    const token = peek();
    if (isOp(token, '!')) {
      next();
      enter(token);
      const operand = parseNot();
      depth--;
      return { kind: 'not', operand };
    }
    if (isOp(token, '(') && opensCondition(index)) {
      next();
      enter(token);
      const inner = parseOr();
      const close = next();
      if (!isOp(close, ')'))
        fail(`expected ")" to close the "(" at position ${token.position}, found ${describe(close)}`);
      depth--;
      return inner;
    }
    return parseComparison();
  };
  const parseAnd = (): Condition => {
    let left = parseNot();
    while (isOp(peek(), '&')) {
      next();
      left = { kind: 'and', left, right: parseNot() };
    }
    return left;
  };
  const parseOr = (): Condition => {
    let left = parseAnd();
    while (isOp(peek(), '|')) {
      next();
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const condition = parseOr();
  const rest = peek();
  if (rest.kind !== 'end') fail(`unexpected ${describe(rest)} at position ${rest.position}`);
  return condition;
}

/** The columns a condition reads. */
export function conditionColumns(condition: Condition): string[] {
  const names = new Set<string>();
  const operand = (o: Operand) => {
    if (o.kind === 'arithmetic') for (const name of columnsOf(o.expression)) names.add(name);
  };
  const visit = (c: Condition): void => {
    if (c.kind === 'compare') {
      operand(c.left);
      operand(c.right);
    } else if (c.kind === 'in') operand(c.operand);
    else if (c.kind === 'not') visit(c.operand);
    else {
      visit(c.left);
      visit(c.right);
    }
  };
  visit(condition);
  return [...names];
}

/** How to read the columns a condition names: as text cells (trimmed; '' missing) or as numbers (NaN missing). */
export interface ConditionColumns {
  readonly text: (name: string) => readonly string[] | undefined;
  readonly numbers: (name: string) => Float64Array | undefined;
}

/** TRUE, FALSE or missing, per row. */
const TRUE = 1;
const FALSE = 0;
const MISSING = -1;

/**
 * Evaluate a condition on `n` rows: 1 (TRUE), 0 (FALSE) or −1 (missing) per row.
 *
 * @throws {UsageError} a column that does not exist, or text compared with a number expression.
 */
export function evaluateCondition(condition: Condition, columns: ConditionColumns, n: number): Int8Array {
  const textOf = (operand: Operand): readonly string[] | undefined => {
    if (operand.kind === 'text') return undefined;
    const expression = operand.expression;
    if (expression.kind !== 'column') {
      throw new UsageError(`${JSON.stringify(operand.text)} is a number expression and cannot be compared with a text`);
    }
    const cells = columns.text(expression.name);
    if (cells === undefined) throw new UsageError(`unknown column ${JSON.stringify(expression.name)}`);
    return cells;
  };
  const numbersOf = (operand: Operand): Float64Array =>
    evaluate((operand as Extract<Operand, { kind: 'arithmetic' }>).expression, columns.numbers, n).values;

  const visit = (c: Condition): Int8Array => {
    const out = new Int8Array(n);
    if (c.kind === 'compare') {
      const textSide = c.left.kind === 'text' ? c.left : c.right.kind === 'text' ? c.right : undefined;
      if (textSide) {
        if (c.operator !== '==' && c.operator !== '!=') {
          throw new UsageError(`text can only be compared with == or != (or in), not ${c.operator}`);
        }
        const other = textSide === c.left ? c.right : c.left;
        if (other.kind === 'text') {
          const same = c.left.kind === 'text' && c.right.kind === 'text' && c.left.value === c.right.value;
          out.fill(same === (c.operator === '==') ? TRUE : FALSE);
          return out;
        }
        const cells = textOf(other)!;
        for (let i = 0; i < n; i++) {
          const cell = cells[i]!;
          out[i] = cell === '' ? MISSING : (cell === textSide.value) === (c.operator === '==') ? TRUE : FALSE;
        }
        return out;
      }
      const left = numbersOf(c.left);
      const right = numbersOf(c.right);
      for (let i = 0; i < n; i++) {
        const a = left[i]!;
        const b = right[i]!;
        if (Number.isNaN(a) || Number.isNaN(b)) out[i] = MISSING;
        else out[i] = compare(c.operator, a, b) ? TRUE : FALSE;
      }
      return out;
    }
    if (c.kind === 'in') {
      const texts = c.values.every((v) => typeof v === 'string');
      const numbers = c.values.every((v) => typeof v === 'number');
      if (!texts && !numbers) throw new UsageError('the list after "in" mixes texts and numbers');
      if (texts) {
        const cells = textOf(c.operand);
        if (cells === undefined) throw new UsageError('"in" needs a column on its left');
        const set = new Set(c.values as string[]);
        for (let i = 0; i < n; i++) {
          const cell = cells[i]!;
          out[i] = cell === '' ? MISSING : set.has(cell) !== c.negated ? TRUE : FALSE;
        }
        return out;
      }
      if (c.operand.kind === 'text') throw new UsageError('a text cannot be in a list of numbers');
      const values = numbersOf(c.operand);
      const set = new Set(c.values as number[]);
      for (let i = 0; i < n; i++) {
        out[i] = Number.isNaN(values[i]!) ? MISSING : set.has(values[i]!) !== c.negated ? TRUE : FALSE;
      }
      return out;
    }
    if (c.kind === 'not') {
      const inner = visit(c.operand);
      for (let i = 0; i < n; i++) out[i] = inner[i] === MISSING ? MISSING : 1 - inner[i]!;
      return out;
    }
    const left = visit(c.left);
    const right = visit(c.right);
    for (let i = 0; i < n; i++) out[i] = c.kind === 'and' ? and(left[i]!, right[i]!) : or(left[i]!, right[i]!);
    return out;
  };
  return visit(condition);
}

function compare(operator: ComparisonOperator, a: number, b: number): boolean {
  switch (operator) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

/** Three-valued AND: FALSE if either is FALSE, else missing if either is missing. */
function and(a: number, b: number): number {
  if (a === FALSE || b === FALSE) return FALSE;
  return a === MISSING || b === MISSING ? MISSING : TRUE;
}

/** Three-valued OR: TRUE if either is TRUE, else missing if either is missing. */
function or(a: number, b: number): number {
  if (a === TRUE || b === TRUE) return TRUE;
  return a === MISSING || b === MISSING ? MISSING : FALSE;
}

/** Parse a `--where` condition, its errors naming the parameter (the command line adds flag and key). */
export function whereCondition(text: string): Condition {
  try {
    return parseCondition(text);
  } catch (error) {
    if (error instanceof UsageError && !(error instanceof ParameterError))
      throw new ParameterError('where', error.message);
    throw error;
  }
}
