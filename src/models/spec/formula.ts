import { UsageError } from '../../errors.js';
import { describeToken, expectClosing, isSymbol, tokenize, type Token } from './expression.js';
import type { GroupSpec } from './spec.js';

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
  readonly position: number;
}

/** `1` (keep: true), `0` (keep: false), or either under "-" (flipped). */
interface InterceptMarker {
  readonly keep: boolean;
  readonly position: number;
}

/** The value of a part of the right-hand side: its terms and any intercept markers. */
interface Piece {
  readonly terms: readonly RawTerm[];
  readonly markers: readonly InterceptMarker[];
}

const EMPTY_PIECE: Piece = { terms: [], markers: [] };

/** A term's identity: its set of factors, regardless of order. */
function termKey(factors: Iterable<string>): string {
  return JSON.stringify([...new Set(factors)].sort());
}

function dedupe(terms: readonly RawTerm[]): RawTerm[] {
  const seen = new Set<string>();
  return terms.filter((term) => {
    const key = termKey(term.factors);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Parse a model formula `outcome ~ terms [| fixed effects]` (see the grammar and table at the top of this file).
 *
 * @param text the `--formula` argument as given
 * @returns the outcome, the numeric terms, the fixed-effect columns and whether the model keeps its intercept
 * @throws {UsageError} with a one-line message giving the position of the fault: a missing `~`, an empty side, a
 *   second `~` or `|`, a fixed effect written as an interaction, an unsupported operator or a function call, the
 *   outcome among the predictors, a column that is both a term and a fixed effect, a term removed that was never
 *   added, both keeping and removing the intercept, or no predictors at all
 * @example parseFormula('y ~ a*b | la').terms.map((t) => t.label) // ['a', 'b', 'a:b']
 */
export function parseFormula(text: string): ParsedFormula {
  const fail = (message: string): never => {
    throw new UsageError(`--formula ${JSON.stringify(text)}: ${message}`);
  };
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
        `unexpected number ${describeToken(token)} at position ${token.position}; only 1 and 0 (the intercept) may appear in a formula`,
      );
    }
    return fail(`unexpected ${describeToken(token)} at position ${token.position}`);
  };

  const noIntercept = (piece: Piece, operator: Token): void => {
    const marker = piece.markers[0];
    if (marker !== undefined) {
      fail(
        `the intercept (1 or 0 at position ${marker.position}) cannot take part in the "${operator.text}" at position ${operator.position}`,
      );
    }
  };
  const interact = (a: Piece, b: Piece, operator: Token): Piece => {
    noIntercept(a, operator);
    noIntercept(b, operator);
    const terms: RawTerm[] = [];
    for (const x of a.terms) {
      for (const y of b.terms) terms.push({ factors: new Set([...x.factors, ...y.factors]), position: x.position });
    }
    return { terms: dedupe(terms), markers: [] };
  };
  const add = (a: Piece, b: Piece): Piece => ({
    terms: dedupe([...a.terms, ...b.terms]),
    markers: [...a.markers, ...b.markers],
  });
  const remove = (a: Piece, b: Piece, operator: Token): Piece => {
    const removed = new Set<string>();
    for (const term of b.terms) {
      const key = termKey(term.factors);
      if (!a.terms.some((t) => termKey(t.factors) === key)) {
        fail(
          `the "-" at position ${operator.position} removes ${JSON.stringify(labelOf(term.factors))}, which the formula does not have before it`,
        );
      }
      removed.add(key);
    }
    return {
      terms: a.terms.filter((t) => !removed.has(termKey(t.factors))),
      markers: [...a.markers, ...b.markers.map((m) => ({ keep: !m.keep, position: m.position }))],
    };
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
      piece = remove(EMPTY_PIECE, parseProduct(), first);
    } else {
      if (isSymbol(first, '+')) next();
      piece = parseProduct();
    }
    for (let token = peek(); isSymbol(token, '+') || isSymbol(token, '-'); token = peek()) {
      next();
      const right = parseProduct();
      piece = isSymbol(token, '+') ? add(piece, right) : remove(piece, right, token);
    }
    return piece;
  };
  const parseProduct = (): Piece => {
    let piece = parseInter();
    for (let token = peek(); isSymbol(token, '*'); token = peek()) {
      next();
      const right = parseInter();
      piece = add(add(piece, right), interact(piece, right, token));
    }
    return piece;
  };
  const parseInter = (): Piece => {
    let piece = parseAtom();
    for (let token = peek(); isSymbol(token, ':'); token = peek()) {
      next();
      piece = interact(piece, parseAtom(), token);
    }
    return piece;
  };
  const parseAtom = (): Piece => {
    const token = next();
    if (token.kind === 'name') {
      if (isSymbol(peek(), '(')) {
        return fail(
          `functions such as ${token.text}() at position ${token.position} cannot appear in a formula; ` +
            `--derive a new column (e.g. --derive 'log_x = log(x)') and use its name`,
        );
      }
      if (!firstSeen.has(token.name)) firstSeen.set(token.name, token.position);
      return { terms: [{ factors: new Set([token.name]), position: token.position }], markers: [] };
    }
    if (token.kind === 'number' && (token.value === 0 || token.value === 1)) {
      return { terms: [], markers: [{ keep: token.value === 1, position: token.position }] };
    }
    if (isSymbol(token, '(')) {
      const inner = parseSum();
      expectClosing(token, next(), fail);
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
          `the outcome must be a single column, but ${describeToken(afterOutcome)} follows it at position ${afterOutcome.position}; ` +
            `--derive a transformed outcome first`,
        );
  }
  const outcome = outcomeToken.name;

  // right-hand side
  const start = peek();
  if (start.kind === 'end' || isSymbol(start, '|')) {
    fail(
      `nothing after the "~" at position ${afterOutcome.position}; give at least one predictor (or 1, for fixed effects only)`,
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
            `"|" appears twice (at positions ${bar.position} and ${token.position}); join all fixed effects with "+" after one "|"`,
          );
        return unexpected(token);
      }
      if (!fixedAt.has(token.name)) {
        fixedAt.set(token.name, token.position);
        fixedEffects.push(token.name);
      }
      const after = next();
      if (after.kind === 'end') break;
      if (isSymbol(after, '+')) continue;
      if (isSymbol(after, ':') || isSymbol(after, '*') || isSymbol(after, '^')) {
        fail(
          `a fixed effect must be a single column, but the "${after.text}" at position ${after.position} makes an interaction ` +
            `of ${describeToken(token)}`,
        );
      }
      if (isSymbol(after, '|'))
        fail(
          `"|" appears twice (at positions ${bar.position} and ${after.position}); join all fixed effects with "+" after one "|"`,
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
      `the formula both keeps the intercept (position ${keeps[0]!.position}) and removes it (position ${drops[0]!.position}); ` +
        `write 0 + ... or ... - 1 alone to remove it`,
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
        `column ${JSON.stringify(column)} is both a predictor (position ${asTerm}) and a fixed effect (position ${position})`,
      );
    }
  }
  if (rhs.terms.length === 0 && fixedEffects.length === 0) {
    fail('the formula has no predictors; give at least one term or fixed effect');
  }

  const terms: Term[] = rhs.terms
    .map((raw, order) => {
      const factors = ordered(raw.factors);
      return { term: { label: factors.join(':'), factors }, position: raw.position, order };
    })
    .sort((x, y) => x.term.factors.length - y.term.factors.length || x.order - y.order)
    .map((entry, _, all) => {
      const clash = all.find((other) => other !== entry && other.term.label === entry.term.label);
      if (clash !== undefined) {
        fail(
          `the terms at positions ${Math.min(entry.position, clash.position)} and ${Math.max(entry.position, clash.position)} ` +
            `would both be labelled ${JSON.stringify(entry.term.label)}; rename the column that contains ":"`,
        );
      }
      return entry.term;
    });

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
 *   labels as its columns, in the order the `--group-of` lists them. A term may be written with its factors in any
 *   order (`spend:idaci` finds `idaci:spend`).
 * - Every term that no `--group-of` names becomes a numeric group of its own, named after its label.
 * - Each fixed effect becomes a fixed-effect group named after its column.
 *
 * Numeric groups come in formula order (a `--group-of` group at the place of its first term), then fixed effects.
 *
 * @param formula a formula from `parseFormula`
 * @param groupOf the `--group-of` arguments, as from `parseGroupOf`
 * @throws {UsageError} if a `--group-of` names a term the formula does not have (or a fixed effect), lists a term
 *   twice, or shares a term with another `--group-of`; if two `--group-of` have the same name; or if a group name
 *   is also the name of another group (an ungrouped term or a fixed effect)
 * @example groupsFromFormula(parseFormula('y ~ idaci + spend + vacancy | la'), [{ name: 'resources', terms: ['spend', 'vacancy'] }])
 *   // [{ name: 'idaci', kind: 'numeric', columns: ['idaci'] },
 *   //  { name: 'resources', kind: 'numeric', columns: ['spend', 'vacancy'] },
 *   //  { name: 'la', kind: 'fixed-effect', columns: ['la'] }]
 */
export function groupsFromFormula(formula: ParsedFormula, groupOf: readonly GroupOf[]): GroupSpec[] {
  const byLabel = new Map(formula.terms.map((term) => [term.label, term]));
  const byKey = new Map(formula.terms.map((term) => [termKey(term.factors), term]));
  const resolve = (written: string): Term | undefined =>
    byLabel.get(written) ?? (written.includes(':') ? byKey.get(termKey(written.split(':').map(cleanName))) : undefined);

  const owner = new Map<string, string>(); // term label → --group-of name
  const members = new Map<string, string[]>(); // --group-of name → term labels
  for (const group of groupOf) {
    if (members.has(group.name))
      throw new UsageError(`--group-of ${group.name} is given twice; list all its terms in one --group-of`);
    if (group.terms.length === 0) throw new UsageError(`--group-of ${group.name} lists no terms`);
    const labels: string[] = [];
    for (const written of group.terms) {
      const term = resolve(written);
      if (term === undefined) {
        if (formula.fixedEffects.includes(written)) {
          throw new UsageError(
            `--group-of ${group.name}: ${JSON.stringify(written)} is a fixed effect, and each fixed effect is a group of its own`,
          );
        }
        throw new UsageError(
          `--group-of ${group.name}: the formula has no term ${JSON.stringify(written)}; its terms are ` +
            (formula.terms.length === 0 ? '(none)' : formula.terms.map((t) => t.label).join(', ')),
        );
      }
      const previous = owner.get(term.label);
      if (previous === group.name)
        throw new UsageError(`--group-of ${group.name} lists the term ${JSON.stringify(term.label)} twice`);
      if (previous !== undefined) {
        throw new UsageError(
          `the term ${JSON.stringify(term.label)} is in --group-of ${previous} and --group-of ${group.name}; a term may belong to one group only`,
        );
      }
      owner.set(term.label, group.name);
      labels.push(term.label);
    }
    members.set(group.name, labels);
  }

  const groups: GroupSpec[] = [];
  const emitted = new Set<string>(); // --group-of names already placed
  const origin = new Map<string, string>(); // group name → how it arose, for the clash message
  const push = (group: GroupSpec, how: string): void => {
    const earlier = origin.get(group.name);
    if (earlier !== undefined) {
      throw new UsageError(
        `two groups would be named ${JSON.stringify(group.name)} (${earlier} and ${how}); rename the --group-of`,
      );
    }
    origin.set(group.name, how);
    groups.push(group);
  };
  for (const term of formula.terms) {
    const name = owner.get(term.label);
    if (name === undefined) {
      push(
        { name: term.label, kind: 'numeric', columns: [term.label] },
        `the ungrouped term ${JSON.stringify(term.label)}`,
      );
    } else if (!emitted.has(name)) {
      emitted.add(name);
      push({ name, kind: 'numeric', columns: members.get(name)! }, `--group-of ${name}`);
    }
  }
  for (const column of formula.fixedEffects) {
    push({ name: column, kind: 'fixed-effect', columns: [column] }, `the fixed effect ${JSON.stringify(column)}`);
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
    throw new UsageError(`--group-of ${JSON.stringify(text)}: ${message}`);
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
