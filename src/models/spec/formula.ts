import { ParameterError, UsageError } from '../../errors.js';
import {
  checkLength,
  describeToken,
  expectClosing,
  isSymbol,
  nestingCounter,
  tokenize,
  type Token,
} from './expression.js';
import type { GroupSpec } from './spec.js';
import { groupThousands } from '../../groupThousands.js';

/**
 * R / fixest-style model formulas: `--formula 'cpp_rate ~ idaci + spend * vacancy | la + year'`.
 *
 * Grammar (EBNF; whitespace between tokens is ignored; names as in `--derive`: `[A-Za-z_][A-Za-z0-9_.]*`
 * or backquoted, `` `weird name` ``):
 *
 *     formula   = name "~" sum [ "|" fixed ] ;
 *     sum       = [ "+" | "-" ] product { ("+" | "-") product } ;
 *     product   = inter { "*" inter } ;
 *     inter     = atom { ":" atom } ;
 *     atom      = name | "0" | "1" | "(" sum ")" ;
 *     fixed     = name { "+" name } ;
 *
 * Meaning, as in R's `terms()` (see `?formula` in R):
 *
 *     | written        | terms                    |                                             |
 *     |----------------|--------------------------|---------------------------------------------|
 *     | a + b          | a, b                     |                                             |
 *     | a:b            | a:b                      | interaction only: the product a·b           |
 *     | a*b            | a, b, a:b                | a*b = a + b + a:b; binds looser than ":"    |
 *     | (a + b):c      | a:c, b:c                 | ":" and "*" distribute over "+"             |
 *     | a*b - a:b      | a, b                     | "-" removes terms already written           |
 *     | 0 + a, a - 1   | a, no intercept          | "1" (or "-0") keeps the intercept (default) |
 *     | y ~ a | la + t | a; fixed effects la and t | fixest's convention                         |
 *
 * Terms are deduplicated (`a:b` and `b:a` are one term; `a:a` is `a`). As R does by default, terms are ordered by
 * degree (main effects, then two-way interactions, ...) and otherwise as written; the factors of an interaction are
 * ordered by the first appearance of each column in the formula, which gives the term's label (`idaci:spend`).
 */

/** R's functions that make a column categorical: here a fixed effect, written after the bar. */
const FACTOR_FUNCTIONS: ReadonlySet<string> = new Set(['factor', 'as.factor']);

/** One term of a formula: a column (one factor) or an interaction (the product of several columns). */
export interface Term {
  /** The factors joined by ":", e.g. `idaci` or `idaci:spend`. */
  readonly label: string;
  readonly factors: readonly string[];
}

export interface ParsedFormula {
  readonly outcome: string;
  /** The numeric terms, deduplicated, ordered by degree and then as written. */
  readonly terms: readonly Term[];
  /** The columns after `|`, each absorbed as a fixed effect, deduplicated, as written. */
  readonly fixedEffects: readonly string[];
  /** False when the formula says `0 + ...` or `... - 1`. */
  readonly intercept: boolean;
}

/** One `--group-of NAME=term[,term...]`. */
export interface GroupOf {
  readonly name: string;
  readonly terms: readonly string[];
}

/** A column or interaction being built: factors in no particular order, plus where it was first written. */
interface RawTerm {
  readonly factors: ReadonlySet<string>;
  /** `termKey(factors)`, computed once. */
  readonly key: string;
  readonly position: number;
}

/** `1` (keep: true), `0` (keep: false), or either under "-" (flipped). */
interface InterceptMarker {
  readonly keep: boolean;
  readonly position: number;
}

/**
 * The value of a part of the right-hand side: its terms by key, in the order first written (a Map keeps insertion
 * order, finds a term in O(1) and deletes one in O(1), so a sum of n terms is parsed in O(n)), and any intercept
 * markers. Every function below returns a fresh piece, which its caller may then extend in place.
 */
interface Piece {
  readonly terms: Map<string, RawTerm>;
  readonly markers: InterceptMarker[];
}

/**
 * The most terms a formula may have, counting every term an interaction expands to (a*b*c is 7 terms; a product of
 * k distinct columns is 2^k − 1). Interactions are counted before they are expanded, so x0*x1*…*x19 (1,048,575
 * terms) is refused at once rather than built; 4,096 = 2^12 leaves room for a full 12-way product.
 */
export const MAX_FORMULA_TERMS = 4096;

/** Pairs of terms an interaction of pieces with shared columns may combine before it is refused unexpanded. */
const MAX_INTERACTION_PAIRS = 1 << 20;

/** A term's identity: its set of factors, regardless of order. */
function termKey(factors: Iterable<string>): string {
  return JSON.stringify([...new Set(factors)].sort());
}

function rawTerm(factors: ReadonlySet<string>, position: number): RawTerm {
  return { factors, key: termKey(factors), position };
}

/** Add b's terms (those not already present) and markers to `target`, in place. */
function appendInto(target: Piece, b: Piece): void {
  for (const [key, term] of b.terms) if (!target.terms.has(key)) target.terms.set(key, term);
  for (const marker of b.markers) target.markers.push(marker);
}

/** The columns a piece's terms mention. */
function columnsOfPiece(piece: Piece): Set<string> {
  const columns = new Set<string>();
  for (const term of piece.terms.values()) for (const factor of term.factors) columns.add(factor);
  return columns;
}

/** n with thousands separators, or in powers of ten beyond 2^53. */
function countText(n: number): string {
  return n <= Number.MAX_SAFE_INTEGER ? groupThousands(n) : `about ${n.toExponential(2)}`;
}

/**
 * Parse a model formula `outcome ~ terms [| fixed effects]` (see the grammar and table at the top of this file).
 *
 * @param text the `--formula` argument as given
 * @returns the outcome, the numeric terms, the fixed-effect columns and whether the model keeps its intercept
 * Bounded, before the work: a text longer than MAX_EXPRESSION_LENGTH (20,000) characters is refused unread,
 * parentheses nested deeper than MAX_NESTING_DEPTH (200) as soon as the parser reaches level 201, and a formula
 * with more than MAX_FORMULA_TERMS (4,096) terms when they are counted — an interaction's terms before it is
 * expanded: a product of pieces with A₁, A₂, … terms over distinct columns has Π (Aᵢ + 1) − 1 terms (2^k − 1 for k
 * columns), an interaction `:` Π Aᵢ. Sums are parsed by a loop in time linear in their length.
 *
 * @param text the `--formula` argument as given
 * @returns the outcome, the numeric terms, the fixed-effect columns and whether the model keeps its intercept
 * @throws {UsageError} with a one-line message in generic words (no flag: the command line adds it) giving the
 *   position of the fault: a missing `~`, an empty side, a second `~` or `|`, a fixed effect written as an
 *   interaction, an unsupported operator or a function call, the outcome among the predictors, a column that is
 *   both a term and a fixed effect, a term removed that was never added, both keeping and removing the intercept,
 *   no predictors at all, or one of the limits above
 * @example parseFormula('y ~ a*b | la').terms.map((t) => t.label) // ['a', 'b', 'a:b']
 */
export function parseFormula(text: string): ParsedFormula {
  const fail = (message: string): never => {
    throw new UsageError(message);
  };
  checkLength(text, 'the formula', fail);
  const nesting = nestingCounter('the formula is', fail);
  const tokens = tokenize(text, fail);
  let index = 0;
  const peek = (): Token => tokens[index]!;
  const next = (): Token => tokens[index++]!;
  /** First position at which each right-hand-side column is written; its insertion order orders factors. */
  const firstSeen = new Map<string, number>();

  const unexpected = (token: Token): never => {
    if (token.kind === 'end') return fail(`the formula ends too early, at position ${token.position}`);
    if (isSymbol(token, '^')) {
      return fail(
        `"^" at position ${token.position} is not supported; write the interactions out (a*b, a:b) or --derive a power`,
      );
    }
    if (isSymbol(token, '/')) {
      return fail(`"/" (nesting) at position ${token.position} is not supported; write a + a:b instead of a/b`);
    }
    if (isSymbol(token, '~')) return fail(`"~" appears a second time, at position ${token.position}`);
    if (token.kind === 'number') {
      return fail(
        `unexpected number ${describeToken(token)} at position ${token.position}; ` +
          'only 1 and 0 (the intercept) may appear in a formula',
      );
    }
    return fail(`unexpected ${describeToken(token)} at position ${token.position}`);
  };

  /**
   * `factor(col)` (or `as.factor(col)`), whose `(` is tokens[open]: R's way to make a column categorical, which
   * here is a fixed effect written after the bar, by its name alone.
   */
  const factorHint = (token: Token & { kind: 'name' }, open: number): string => {
    const argument = tokens[open + 1];
    // Stryker disable next-line OptionalChaining: tokens[open + 1] exists (at worst the end)
    const named = argument?.kind === 'name' && isSymbol(tokens[open + 2]!, ')');
    const column = named ? argument.text : 'COLUMN';
    const call = `${token.text}(${named ? column : '…'}) at position ${token.position}`;
    const bar = tokens.findIndex((t) => isSymbol(t, '|'));
    if (bar >= 0 && bar < open)
      return (
        `${call}: after the "|" a fixed effect is written as its column's name alone: ${column}, ` +
        `not ${token.text}(${column})`
      );
    const where =
      bar >= 0
        ? `drop this term and add "+ ${column}" after the "|"`
        : `drop this term and end the formula with "| ${column}" (more are joined by "+": "| ${column} + …")`;
    return `${call} cannot appear in a formula: a categorical column enters as a fixed effect, after a bar; ${where}`;
  };

  const noIntercept = (piece: Piece, operator: Token): void => {
    const marker = piece.markers[0];
    if (marker !== undefined) {
      fail(
        `the intercept (1 or 0 at position ${marker.position}) cannot take part in the "${operator.text}" at ` +
          `position ${operator.position}`,
      );
    }
  };
  /** The terms of a1 ⊗ a2 ⊗ … (⊗ = ":" or "*"), counted before expansion and refused above MAX_FORMULA_TERMS. */
  const checkCount = (pieces: readonly Piece[], operators: readonly Token[], star: boolean): void => {
    const sizes = pieces.map((piece) => piece.terms.size);
    const count = sizes.reduce((product, size) => product * (star ? size + 1 : size), 1) - (star ? 1 : 0);
    if (count <= MAX_FORMULA_TERMS) return;
    // Over distinct columns every combination is a distinct term, so the count is exact; otherwise it is a bound.
    const seen = new Set<string>();
    let disjoint = true;
    for (const piece of pieces) {
      const columns = columnsOfPiece(piece);
      for (const column of columns) disjoint &&= !seen.has(column);
      for (const column of columns) seen.add(column);
    }
    const operator = operators[0]!;
    const single = star && sizes.every((size) => size === 1) ? ` (2^${pieces.length} − 1)` : '';
    if (disjoint) {
      fail(
        `the ${star ? 'product' : 'interaction'} at position ${operator.position} expands to ${countText(count)} ` +
          `terms${single}, more than the ${groupThousands(MAX_FORMULA_TERMS)} a formula may have`,
      );
    }
  };
  const interact = (a: Piece, b: Piece, operator: Token): Piece => {
    noIntercept(a, operator);
    noIntercept(b, operator);
    const pairs = a.terms.size * b.terms.size;
    if (pairs > MAX_INTERACTION_PAIRS) {
      fail(
        `the interaction at position ${operator.position} combines ${countText(a.terms.size)} terms with ` +
          `${countText(b.terms.size)} (up to ${countText(pairs + a.terms.size + b.terms.size)} terms), more than the ` +
          `${groupThousands(MAX_FORMULA_TERMS)} a formula may have`,
      );
    }
    const terms = new Map<string, RawTerm>();
    for (const x of a.terms.values()) {
      for (const y of b.terms.values()) {
        const term = rawTerm(new Set([...x.factors, ...y.factors]), x.position);
        if (!terms.has(term.key)) terms.set(term.key, term);
      }
    }
    return { terms, markers: [] };
  };
  /** Remove b's terms from `target`, in place (each must be there), and add b's intercept markers flipped. */
  const removeFrom = (target: Piece, b: Piece, operator: Token): void => {
    for (const [key, term] of b.terms) {
      if (!target.terms.has(key)) {
        fail(
          `the "-" at position ${operator.position} removes ${JSON.stringify(labelOf(term.factors))}, ` +
            'which the formula does not have before it',
        );
      }
    }
    for (const key of b.terms.keys()) target.terms.delete(key);
    for (const marker of b.markers) target.markers.push({ keep: !marker.keep, position: marker.position });
  };
  const checkTotal = (piece: Piece, operator: Token): void => {
    if (piece.terms.size > MAX_FORMULA_TERMS) {
      fail(
        `the formula has ${countText(piece.terms.size)} terms by position ${operator.position}, more than the ` +
          `${groupThousands(MAX_FORMULA_TERMS)} a formula may have`,
      );
    }
  };
  /** Factors in order of each column's first appearance in the formula. */
  const ordered = (factors: ReadonlySet<string>): string[] =>
    [...factors].sort((x, y) => (firstSeen.get(x) ?? 0) - (firstSeen.get(y) ?? 0));
  const labelOf = (factors: ReadonlySet<string>): string => ordered(factors).join(':');

  const parseSum = (): Piece => {
    let piece: Piece;
    const first = peek();
    if (isSymbol(first, '-')) {
      next();
      piece = { terms: new Map(), markers: [] };
      removeFrom(piece, parseProduct(), first);
    } else {
      if (isSymbol(first, '+')) next();
      piece = parseProduct();
    }
    for (let token = peek(); isSymbol(token, '+') || isSymbol(token, '-'); token = peek()) {
      next();
      const right = parseProduct();
      if (isSymbol(token, '+')) appendInto(piece, right);
      else removeFrom(piece, right, token);
      checkTotal(piece, token);
    }
    return piece;
  };
  /** a * b = a + b + a:b, left to right; the whole chain's terms are counted before any is expanded. */
  const parseProduct = (): Piece => {
    const pieces = [parseInter()];
    const operators: Token[] = [];
    for (let token = peek(); isSymbol(token, '*'); token = peek()) {
      next();
      operators.push(token);
      pieces.push(parseInter());
    }
    // A single piece was checked against MAX_FORMULA_TERMS when it was built; counting it again never refuses.
    if (pieces.length > 1) checkCount(pieces, operators, true);
    const piece = pieces[0]!;
    pieces.slice(1).forEach((right, i) => {
      const both = interact(piece, right, operators[i]!);
      appendInto(piece, right);
      appendInto(piece, both);
      checkTotal(piece, operators[i]!);
    });
    return piece;
  };
  const parseInter = (): Piece => {
    const pieces = [parseAtom()];
    const operators: Token[] = [];
    for (let token = peek(); isSymbol(token, ':'); token = peek()) {
      next();
      operators.push(token);
      pieces.push(parseAtom());
    }
    // A single piece was checked against MAX_FORMULA_TERMS when it was built; counting it again never refuses.
    if (pieces.length > 1) checkCount(pieces, operators, false);
    let piece = pieces[0]!;
    pieces.slice(1).forEach((right, i) => {
      piece = interact(piece, right, operators[i]!);
      checkTotal(piece, operators[i]!);
    });
    return piece;
  };
  const parseAtom = (): Piece => {
    const token = next();
    if (token.kind === 'name') {
      if (isSymbol(peek(), '(')) {
        if (FACTOR_FUNCTIONS.has(token.name)) return fail(factorHint(token, index));
        return fail(
          `functions such as ${token.text}() at position ${token.position} cannot appear in a formula; ` +
            `--derive a new column (e.g. --derive 'log_x = log(x)') and use its name`,
        );
      }
      if (!firstSeen.has(token.name)) firstSeen.set(token.name, token.position);
      const term = rawTerm(new Set([token.name]), token.position);
      return { terms: new Map([[term.key, term]]), markers: [] };
    }
    if (token.kind === 'number' && (token.value === 0 || token.value === 1)) {
      return { terms: new Map(), markers: [{ keep: token.value === 1, position: token.position }] };
    }
    if (isSymbol(token, '(')) {
      nesting.enter(token);
      const inner = parseSum();
      expectClosing(token, next(), fail);
      nesting.leave();
      return inner;
    }
    return unexpected(token);
  };

  // outcome ~
  const outcomeToken = next();
  if (outcomeToken.kind === 'end') fail('the formula is empty; write outcome ~ predictors [| fixed effects]');
  if (isSymbol(outcomeToken, '~')) fail('no outcome before the "~" at position 1; write outcome ~ predictors');
  const tilde = tokens.find((t) => isSymbol(t, '~'));
  if (outcomeToken.kind !== 'name') {
    return fail(
      `expected the outcome column's name at position ${outcomeToken.position}, found ${describeToken(outcomeToken)}`,
    );
  }
  const afterOutcome = next();
  if (!isSymbol(afterOutcome, '~')) {
    return tilde === undefined
      ? fail(`missing "~" after the outcome, at position ${afterOutcome.position}; write outcome ~ predictors`)
      : fail(
          `the outcome must be a single column, but ${describeToken(afterOutcome)} follows it at ` +
            `position ${afterOutcome.position}; --derive a transformed outcome first`,
        );
  }
  const outcome = outcomeToken.name;

  // right-hand side
  const start = peek();
  if (start.kind === 'end' || isSymbol(start, '|')) {
    fail(
      `nothing after the "~" at position ${afterOutcome.position}; give at least one predictor (or 1, ` +
        'for fixed effects only)',
    );
  }
  const rhs = parseSum();

  // | fixed effects
  const fixedEffects: string[] = [];
  const fixedAt = new Map<string, number>();
  const bar = next();
  if (isSymbol(bar, '|')) {
    if (peek().kind === 'end') fail(`no fixed effects after the "|" at position ${bar.position}`);
    for (;;) {
      const token = next();
      if (token.kind !== 'name') {
        if (isSymbol(token, '|'))
          fail(
            `"|" appears twice (at positions ${bar.position} and ${token.position}); ` +
              'join all fixed effects with "+" after one "|"',
          );
        return unexpected(token);
      }
      if (FACTOR_FUNCTIONS.has(token.name) && isSymbol(peek(), '(')) fail(factorHint(token, index));
      if (!fixedAt.has(token.name)) {
        fixedAt.set(token.name, token.position);
        fixedEffects.push(token.name);
      }
      const after = next();
      if (after.kind === 'end') break;
      if (isSymbol(after, '+')) continue;
      if (isSymbol(after, ':') || isSymbol(after, '*') || isSymbol(after, '^')) {
        fail(
          `a fixed effect must be a single column, but the "${after.text}" at position ${after.position} makes ` +
            `an interaction of ${describeToken(token)}`,
        );
      }
      if (isSymbol(after, '|'))
        fail(
          `"|" appears twice (at positions ${bar.position} and ${after.position}); ` +
            'join all fixed effects with "+" after one "|"',
        );
      unexpected(after);
    }
  } else if (bar.kind !== 'end') {
    if (isSymbol(bar, ')')) fail(`the ")" at position ${bar.position} has no matching "("`);
    unexpected(bar);
  }

  // intercept
  const keeps = rhs.markers.filter((m) => m.keep);
  const drops = rhs.markers.filter((m) => !m.keep);
  if (keeps.length > 0 && drops.length > 0) {
    fail(
      `the formula both keeps the intercept (position ${keeps[0]!.position}) and removes it ` +
        `(position ${drops[0]!.position}); write 0 + ... or ... - 1 alone to remove it`,
    );
  }

  // consistency
  const outcomeAt = firstSeen.get(outcome) ?? fixedAt.get(outcome);
  if (outcomeAt !== undefined)
    fail(`the outcome ${JSON.stringify(outcome)} also appears among the predictors, at position ${outcomeAt}`);
  for (const [column, position] of fixedAt) {
    const asTerm = firstSeen.get(column);
    if (asTerm !== undefined) {
      fail(
        `column ${JSON.stringify(column)} is both a predictor (position ${asTerm}) and a fixed effect ` +
          `(position ${position})`,
      );
    }
  }
  if (rhs.terms.size === 0 && fixedEffects.length === 0) {
    fail('the formula has no predictors; give at least one term or fixed effect');
  }

  const entries = [...rhs.terms.values()]
    .map((raw, order) => {
      const factors = ordered(raw.factors);
      return { term: { label: factors.join(':'), factors }, position: raw.position, order };
    })
    .sort((x, y) => x.term.factors.length - y.term.factors.length || x.order - y.order);
  const byLabel = new Map<string, (typeof entries)[number]>();
  for (const entry of entries) {
    const clash = byLabel.get(entry.term.label);
    if (clash !== undefined) {
      fail(
        `the terms at positions ${Math.min(entry.position, clash.position)} ` +
          `and ${Math.max(entry.position, clash.position)} ` +
          `would both be labelled ${JSON.stringify(entry.term.label)}; rename the column that contains ":"`,
      );
    }
    byLabel.set(entry.term.label, entry);
  }
  const terms: Term[] = entries.map((entry) => entry.term);

  return { outcome, terms, fixedEffects, intercept: drops.length === 0 };
}

/**
 * The interaction terms of a formula as columns to derive before the model is built: each is the row-wise product
 * of its factors, named by the term's label (`idaci:spend`), which is also the column a `GroupSpec` refers to.
 * @example interactionColumns(parseFormula('y ~ a*b')) // [{ name: 'a:b', factors: ['a', 'b'] }]
 */
export function interactionColumns(formula: ParsedFormula): { name: string; factors: string[] }[] {
  return formula.terms
    .filter((term) => term.factors.length > 1)
    .map((term) => ({ name: term.label, factors: [...term.factors] }));
}

/**
 * The groups of predictors a formula defines.
 *
 * - Each `--group-of NAME=term,term` gathers those terms into one numeric group called NAME, with the terms'
 *   labels as its columns, in the order listed. A term may be written with its factors in any order (`spend:idaci`
 *   finds `idaci:spend`). `--group-of NAME=fe` names the fixed effect `fe` (a fixed effect is a group of its own).
 * - Every term that no `--group-of` names becomes a numeric group of its own, named after its label; each fixed
 *   effect not named becomes a fixed-effect group named after its column.
 *
 * Order: the `--group-of` groups first, in the order given (so `--group-of` can set any order, as `--group` and
 * `--fe` do), then the other numeric terms in formula order, then the other fixed effects in formula order.
 *
 * @param formula a formula from `parseFormula`
 * @param groupOf the `--group-of` arguments, as from `parseGroupOf`
 * @throws {ParameterError} (groupOf) if a group names a term the formula does not have, lists a term twice,
 *   shares a term with another group, or puts a fixed effect with other terms; if two groups have the same name;
 *   or if a group name is also the name of another group (an ungrouped term or a fixed effect)
 * @example groupsFromFormula(parseFormula('y ~ idaci + spend + vacancy | la'),
 *   [{ name: 'resources', terms: ['spend', 'vacancy'] }])
 *   // [{ name: 'resources', kind: 'numeric', columns: ['spend', 'vacancy'] },
 *   //  { name: 'idaci', kind: 'numeric', columns: ['idaci'] },
 *   //  { name: 'la', kind: 'fixed-effect', columns: ['la'] }]
 */
export function groupsFromFormula(formula: ParsedFormula, groupOf: readonly GroupOf[]): GroupSpec[] {
  const byLabel = new Map(formula.terms.map((term) => [term.label, term]));
  const byKey = new Map(formula.terms.map((term) => [termKey(term.factors), term]));
  const resolve = (written: string): Term | undefined =>
    byLabel.get(written) ?? (written.includes(':') ? byKey.get(termKey(written.split(':').map(cleanName))) : undefined);
  const fail = (detail: string): never => {
    throw new ParameterError('groupOf', detail);
  };

  const owner = new Map<string, string>(); // term label or fixed-effect column → --group-of name
  const named: GroupSpec[] = [];
  for (const group of groupOf) {
    if (named.some((g) => g.name === group.name))
      fail(`${group.name} is given twice; list all its terms in one NAME=...`);
    if (group.terms.length === 0) fail(`${group.name} lists no terms`);
    const labels: string[] = [];
    let fixedEffect: string | undefined;
    for (const written of group.terms) {
      const term = resolve(written);
      const key = term?.label ?? (formula.fixedEffects.includes(written) ? written : undefined);
      if (key === undefined) {
        fail(
          `${group.name}: the formula has no term ${JSON.stringify(written)}; its terms are ` +
            ([...formula.terms.map((t) => t.label), ...formula.fixedEffects].join(', ') || '(none)'),
        );
      }
      const previous = owner.get(key!);
      if (previous === group.name) fail(`${group.name} lists the term ${JSON.stringify(key)} twice`);
      if (previous !== undefined) {
        fail(
          `the term ${JSON.stringify(key)} is in ${previous} and in ${group.name}; a term may belong to one group only`,
        );
      }
      owner.set(key!, group.name);
      if (term === undefined) fixedEffect = key;
      else labels.push(term.label);
    }
    if (fixedEffect !== undefined && group.terms.length > 1) {
      fail(
        `${group.name}: the fixed effect ${JSON.stringify(fixedEffect)} is a group of its own; ` +
          `name it alone (${group.name}=${fixedEffect})`,
      );
    }
    named.push(
      fixedEffect !== undefined
        ? { name: group.name, kind: 'fixed-effect', columns: [fixedEffect] }
        : { name: group.name, kind: 'numeric', columns: labels },
    );
  }

  // The named groups first, in the order given; then every other term (numeric, then fixed effects) in formula order.
  const groups: GroupSpec[] = [...named];
  const push = (group: GroupSpec, how: string): void => {
    if (groups.some((g) => g.name === group.name)) {
      fail(`two groups would be named ${JSON.stringify(group.name)} (a group given here and ${how}); rename it`);
    }
    groups.push(group);
  };
  for (const term of formula.terms) {
    if (!owner.has(term.label)) {
      push(
        { name: term.label, kind: 'numeric', columns: [term.label] },
        `the ungrouped term ${JSON.stringify(term.label)}`,
      );
    }
  }
  for (const column of formula.fixedEffects) {
    if (!owner.has(column)) {
      push({ name: column, kind: 'fixed-effect', columns: [column] }, `the fixed effect ${JSON.stringify(column)}`);
    }
  }
  return groups;
}

/** A term as written in --group-of: spaces around names and backquotes dropped. */
function cleanName(part: string): string {
  const trimmed = part.trim();
  return trimmed.length >= 2 && trimmed.startsWith('`') && trimmed.endsWith('`') ? trimmed.slice(1, -1) : trimmed;
}

/**
 * Parse one `--group-of NAME=term[,term...]`, e.g. `resources=spend,vacancy` or `mix=idaci:spend`. Spaces around
 * names are ignored and backquotes around a name are dropped; an interaction is normalized to `a:b`.
 * @throws {UsageError} if there is no "=", the name is empty, or a term is empty
 * @example parseGroupOf('resources = spend, vacancy') // { name: 'resources', terms: ['spend', 'vacancy'] }
 */
export function parseGroupOf(text: string): GroupOf {
  const fail = (message: string): never => {
    throw new ParameterError('groupOf', `${JSON.stringify(text)}: ${message}`);
  };
  const eq = text.indexOf('=');
  if (eq < 0) fail('expected NAME=term[,term...]');
  const name = text.slice(0, eq).trim();
  if (name === '') fail('the group name before "=" is empty; expected NAME=term[,term...]');
  if (text.slice(eq + 1).trim() === '') fail('no terms after "="; expected NAME=term[,term...]');
  const terms: string[] = [];
  let offset = eq + 1;
  for (const piece of text.slice(eq + 1).split(',')) {
    const parts = piece.split(':').map(cleanName);
    if (parts.some((part) => part === '')) {
      fail(`empty term at position ${Array.from(text.slice(0, offset)).length + 1}`);
    }
    terms.push(parts.join(':'));
    offset += piece.length + 1;
  }
  return { name, terms };
}
