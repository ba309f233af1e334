import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { inFlag } from '../../../src/models/spec/expression.js';
import { groupsFromFormula, interactionColumns, parseFormula, parseGroupOf } from '../../../src/models/spec/formula.js';
import { validateSpec } from '../../../src/models/spec/spec.js';
import { thrownBy } from '../../helpers.js';

const labels = (text: string) => parseFormula(text).terms.map((term) => term.label);

/** The message of the UsageError that `action` throws (fails the test if it throws anything else or nothing). */
const usageError = (action: () => unknown): string => thrownBy(action, UsageError).message;

describe('parseFormula', () => {
  it('reads the outcome, terms and fixed effects (fixest convention)', () => {
    expect(parseFormula('cpp_rate ~ idaci + spend + vacancy | la + year')).toEqual({
      outcome: 'cpp_rate',
      terms: [
        { label: 'idaci', factors: ['idaci'] },
        { label: 'spend', factors: ['spend'] },
        { label: 'vacancy', factors: ['vacancy'] },
      ],
      fixedEffects: ['la', 'year'],
      intercept: true,
    });
  });

  it('expands a*b to a + b + a:b', () => {
    expect(parseFormula('y ~ a*b')).toEqual({
      outcome: 'y',
      terms: [
        { label: 'a', factors: ['a'] },
        { label: 'b', factors: ['b'] },
        { label: 'a:b', factors: ['a', 'b'] },
      ],
      fixedEffects: [],
      intercept: true,
    });
  });

  // Expected term labels are R's, confirmed with R 4.x:
  //   for (s in c("y ~ a*b*c", "y ~ a:b + c", ...)) cat(s, "=>", attr(terms(as.formula(s)), "term.labels"), "\n")
  it.each([
    ['y ~ a*b*c', ['a', 'b', 'c', 'a:b', 'a:c', 'b:c', 'a:b:c']],
    ['y ~ a:b', ['a:b']],
    ['y ~ a:b + c', ['c', 'a:b']],
    ['y ~ b:a', ['b:a']],
    ['y ~ a + b:a', ['a', 'a:b']],
    ['y ~ a:b + b:a + a', ['a', 'a:b']],
    ['y ~ a + a', ['a']],
    ['y ~ a:a', ['a']],
    ['y ~ a*b:c', ['a', 'b:c', 'a:b:c']],
    ['y ~ (a + b):c', ['a:c', 'b:c']],
    ['y ~ (a + b)*c', ['a', 'b', 'c', 'a:c', 'b:c']],
    ['y ~ (a + b)*(c + d)', ['a', 'b', 'c', 'd', 'a:c', 'a:d', 'b:c', 'b:d']],
    ['y ~ a*b - a:b', ['a', 'b']],
    ['y ~ a*b*c - a:b:c', ['a', 'b', 'c', 'a:b', 'a:c', 'b:c']],
    ['y ~ a*b - a', ['b', 'a:b']],
    ['y ~ ((a))', ['a']],
    ['y ~ + a', ['a']],
    ['y ~ a.b + c_d1', ['a.b', 'c_d1']],
  ])('%s → %j', (text, expected) => {
    expect(labels(text)).toEqual(expected);
  });

  // R: attr(terms(as.formula(s)), "intercept") gives the same for each of these.
  it.each([
    ['y ~ a', true],
    ['y ~ 1 + a', true],
    ['y ~ a + 1', true],
    ['y ~ 0 + a', false],
    ['y ~ a + 0', false],
    ['y ~ a - 1', false],
    ['y ~ -1 + a', false],
    ['y ~ a - 0', true],
    ['y ~ 0 + a + 0', false],
    ['y ~ (0 + a)', false],
    ['y ~ 1.0 + a', true],
  ])('%s: intercept %s', (text, intercept) => {
    expect(parseFormula(text).intercept).toBe(intercept);
    expect(labels(text)).toEqual(['a']);
  });

  it('allows fixed effects only', () => {
    expect(parseFormula('y ~ 1 | la')).toEqual({ outcome: 'y', terms: [], fixedEffects: ['la'], intercept: true });
  });

  it('deduplicates fixed effects', () => {
    expect(parseFormula('y ~ a | la + year + la').fixedEffects).toEqual(['la', 'year']);
  });

  it('is whitespace-insensitive', () => {
    const spaced = parseFormula('cpp_rate ~ idaci * spend + vacancy | la + year');
    expect(parseFormula('cpp_rate~idaci*spend+vacancy|la+year')).toEqual(spaced);
    expect(parseFormula('  cpp_rate\n~\tidaci *spend+ vacancy\n|la +year  ')).toEqual(spaced);
  });

  it('accepts backquoted names anywhere', () => {
    expect(parseFormula('`cpp rate` ~ `child pop` + `child pop`:x | `local authority`')).toEqual({
      outcome: 'cpp rate',
      terms: [
        { label: 'child pop', factors: ['child pop'] },
        { label: 'child pop:x', factors: ['child pop', 'x'] },
      ],
      fixedEffects: ['local authority'],
      intercept: true,
    });
  });
});

describe('parseFormula errors: one line, with the position', () => {
  it.each([
    ['', '--formula "": the formula is empty; write outcome ~ predictors [| fixed effects]'],
    ['y', '--formula "y": missing "~" after the outcome, at position 2; write outcome ~ predictors'],
    ['y a + b', '--formula "y a + b": missing "~" after the outcome, at position 3; write outcome ~ predictors'],
    ['~ a', '--formula "~ a": no outcome before the "~" at position 1; write outcome ~ predictors'],
    ['1 ~ a', '--formula "1 ~ a": expected the outcome column\'s name at position 1, found "1"'],
    [
      'y + z ~ a',
      '--formula "y + z ~ a": the outcome must be a single column, but "+" follows it at position 3; ' +
        '--derive a transformed outcome first',
    ],
    [
      'log(y) ~ a',
      '--formula "log(y) ~ a": the outcome must be a single column, but "(" follows it at position 4; ' +
        '--derive a transformed outcome first',
    ],
    [
      'y ~',
      '--formula "y ~": nothing after the "~" at position 3; give at least one predictor (or 1, ' +
        'for fixed effects only)',
    ],
    [
      'y ~ | la',
      '--formula "y ~ | la": nothing after the "~" at position 3; give at least one predictor (or 1, ' +
        'for fixed effects only)',
    ],
    ['y ~ a +', '--formula "y ~ a +": the formula ends too early, at position 8'],
    ['y ~ a + + b', '--formula "y ~ a + + b": unexpected "+" at position 9'],
    ['y ~ a b', '--formula "y ~ a b": unexpected "b" at position 7'],
    ['y ~ a ~ b', '--formula "y ~ a ~ b": "~" appears a second time, at position 7'],
    ['y ~ a |', '--formula "y ~ a |": no fixed effects after the "|" at position 7'],
    [
      'y ~ a | la | year',
      '--formula "y ~ a | la | year": "|" appears twice (at positions 7 and 12); ' +
        'join all fixed effects with "+" after one "|"',
    ],
    [
      'y ~ a || la',
      '--formula "y ~ a || la": "|" appears twice (at positions 7 and 8); ' +
        'join all fixed effects with "+" after one "|"',
    ],
    [
      'y ~ a | la:year',
      '--formula "y ~ a | la:year": a fixed effect must be a single column, but the ":" at position 11 makes an ' +
        'interaction of "la"',
    ],
    [
      'y ~ a | la*year',
      '--formula "y ~ a | la*year": a fixed effect must be a single column, but the "*" at position 11 makes an ' +
        'interaction of "la"',
    ],
    [
      'y ~ a | la^year',
      '--formula "y ~ a | la^year": a fixed effect must be a single column, but the "^" at position 11 makes an ' +
        'interaction of "la"',
    ],
    [
      'y ~ a | 1',
      '--formula "y ~ a | 1": unexpected number "1" at position 9; ' +
        'only 1 and 0 (the intercept) may appear in a formula',
    ],
    ['y ~ a | (la)', '--formula "y ~ a | (la)": unexpected "(" at position 9'],
    ['y ~ a | la year', '--formula "y ~ a | la year": unexpected "year" at position 12'],
    [
      'y ~ a + 2',
      '--formula "y ~ a + 2": unexpected number "2" at position 9; ' +
        'only 1 and 0 (the intercept) may appear in a formula',
    ],
    [
      'y ~ a^2',
      '--formula "y ~ a^2": "^" at position 6 is not supported; write the interactions out (a*b, ' +
        'a:b) or --derive a power',
    ],
    ['y ~ a/b', '--formula "y ~ a/b": "/" (nesting) at position 6 is not supported; write a + a:b instead of a/b'],
    [
      'y ~ log(a)',
      '--formula "y ~ log(a)": functions such as log() at position 5 cannot appear in a formula; ' +
        "--derive a new column (e.g. --derive 'log_x = log(x)') and use its name",
    ],
    ['y ~ (a + b', '--formula "y ~ (a + b": the "(" at position 5 is never closed'],
    [
      'y ~ (a + b | la',
      '--formula "y ~ (a + b | la": expected ")" to close the "(" at position 5, found "|" at position 12',
    ],
    ['y ~ a)', '--formula "y ~ a)": the ")" at position 6 has no matching "("'],
    ['y ~ ()', '--formula "y ~ ()": unexpected ")" at position 6'],
    ['y ~ a $ b', '--formula "y ~ a $ b": unexpected character "$" at position 7'],
    ['y ~ 1:a', '--formula "y ~ 1:a": the intercept (1 or 0 at position 5) cannot take part in the ":" at position 6'],
    ['y ~ a*0', '--formula "y ~ a*0": the intercept (1 or 0 at position 7) cannot take part in the "*" at position 6'],
    // R silently ignores removing a term that is not there; here it is reported (usually a typo).
    [
      'y ~ a - b',
      '--formula "y ~ a - b": the "-" at position 7 removes "b", which the formula does not have before it',
    ],
    [
      'y ~ -a + a',
      '--formula "y ~ -a + a": the "-" at position 5 removes "a", which the formula does not have before it',
    ],
    // R takes the last of 1 / 0 / -1 (intercept 0 here); a contradiction is more likely a mistake, so it is an error.
    [
      'y ~ 1 + a - 1',
      '--formula "y ~ 1 + a - 1": the formula both keeps the intercept (position 5) and removes it (position 13); ' +
        'write 0 + ... or ... - 1 alone to remove it',
    ],
    ['y ~ 0', '--formula "y ~ 0": the formula has no predictors; give at least one term or fixed effect'],
    ['y ~ 1', '--formula "y ~ 1": the formula has no predictors; give at least one term or fixed effect'],
    ['y ~ a - a', '--formula "y ~ a - a": the formula has no predictors; give at least one term or fixed effect'],
    ['y ~ y + a', '--formula "y ~ y + a": the outcome "y" also appears among the predictors, at position 5'],
    ['y ~ a:y', '--formula "y ~ a:y": the outcome "y" also appears among the predictors, at position 7'],
    ['y ~ a | y', '--formula "y ~ a | y": the outcome "y" also appears among the predictors, at position 9'],
    [
      'y ~ la + a | la',
      '--formula "y ~ la + a | la": column "la" is both a predictor (position 5) and a fixed effect (position 14)',
    ],
    [
      'y ~ `a:b` + a:b',
      '--formula "y ~ `a:b` + a:b": the terms at positions 5 and 13 would both be labelled "a:b"; ' +
        'rename the column that contains ":"',
    ],
    ['y ~ `a', '--formula "y ~ `a": the backquoted name starting at position 5 has no closing `'],
  ])('%j', (text, message) => {
    // The parser's message names no flag; the command line adds `--formula "text": ` (`inFlag`).
    const raw = usageError(() => parseFormula(text));
    expect(raw).not.toMatch(/^--formula/);
    expect((inFlag('--formula', text, new UsageError(raw)) as Error).message).toBe(message);
  });
});

describe('interactionColumns', () => {
  it('lists the interaction terms with their factors, named by label', () => {
    // R: attr(terms(y ~ a*b + c + b:c:a), "term.labels") → a b c a:b a:b:c
    expect(interactionColumns(parseFormula('y ~ a*b + c + b:c:a | la'))).toEqual([
      { name: 'a:b', factors: ['a', 'b'] },
      { name: 'a:b:c', factors: ['a', 'b', 'c'] },
    ]);
    expect(interactionColumns(parseFormula('y ~ a + b'))).toEqual([]);
  });
});

describe('parseGroupOf', () => {
  it.each([
    ['deprivation=idaci', { name: 'deprivation', terms: ['idaci'] }],
    ['resources=spend,vacancy', { name: 'resources', terms: ['spend', 'vacancy'] }],
    [' resources = spend , vacancy ', { name: 'resources', terms: ['spend', 'vacancy'] }],
    ['mix=idaci : spend,vacancy', { name: 'mix', terms: ['idaci:spend', 'vacancy'] }],
    ['odd=`child pop`,`a`:b', { name: 'odd', terms: ['child pop', 'a:b'] }],
  ])('%j', (text, expected) => {
    expect(parseGroupOf(text)).toEqual(expected);
  });

  it.each([
    ['resources', 'groupOf: "resources": expected NAME=term[,term...]'],
    ['=spend', 'groupOf: "=spend": the group name before "=" is empty; expected NAME=term[,term...]'],
    ['resources=', 'groupOf: "resources=": no terms after "="; expected NAME=term[,term...]'],
    ['resources=  ', 'groupOf: "resources=  ": no terms after "="; expected NAME=term[,term...]'],
    ['resources=spend,,vacancy', 'groupOf: "resources=spend,,vacancy": empty term at position 17'],
    ['resources=spend,', 'groupOf: "resources=spend,": empty term at position 17'],
    ['mix=a:', 'groupOf: "mix=a:": empty term at position 5'],
  ])('%j is an error', (text, message) => {
    expect(usageError(() => parseGroupOf(text))).toBe(message);
  });
});

describe('groupsFromFormula', () => {
  const nao = parseFormula('cpp_rate ~ idaci + spend + vacancy | la + year');

  it('without --group-of: one group per term, one per fixed effect', () => {
    expect(groupsFromFormula(nao, [])).toEqual([
      { name: 'idaci', kind: 'numeric', columns: ['idaci'] },
      { name: 'spend', kind: 'numeric', columns: ['spend'] },
      { name: 'vacancy', kind: 'numeric', columns: ['vacancy'] },
      { name: 'la', kind: 'fixed-effect', columns: ['la'] },
      { name: 'year', kind: 'fixed-effect', columns: ['year'] },
    ]);
  });

  it('with --group-of: named groups in formula order, then fixed effects; the spec validates', () => {
    const groups = groupsFromFormula(nao, [parseGroupOf('deprivation=idaci'), parseGroupOf('resources=spend,vacancy')]);
    expect(groups).toEqual([
      { name: 'deprivation', kind: 'numeric', columns: ['idaci'] },
      { name: 'resources', kind: 'numeric', columns: ['spend', 'vacancy'] },
      { name: 'la', kind: 'fixed-effect', columns: ['la'] },
      { name: 'year', kind: 'fixed-effect', columns: ['year'] },
    ]);
    expect(() => validateSpec({ outcome: nao.outcome, groups })).not.toThrow();
  });

  it('puts the named groups first, in the order given, then the other terms in formula order', () => {
    const groups = groupsFromFormula(nao, [parseGroupOf('resources=vacancy,spend')]);
    expect(groups.map((g) => [g.name, g.columns])).toEqual([
      ['resources', ['vacancy', 'spend']],
      ['idaci', ['idaci']],
      ['la', ['la']],
      ['year', ['year']],
    ]);
  });

  it('names interaction groups by label; their columns are the label; factors in any order find the term', () => {
    const formula = parseFormula('y ~ idaci*spend + vacancy');
    expect(groupsFromFormula(formula, [])).toEqual([
      { name: 'idaci', kind: 'numeric', columns: ['idaci'] },
      { name: 'spend', kind: 'numeric', columns: ['spend'] },
      { name: 'vacancy', kind: 'numeric', columns: ['vacancy'] },
      { name: 'idaci:spend', kind: 'numeric', columns: ['idaci:spend'] },
    ]);
    expect(groupsFromFormula(formula, [parseGroupOf('mix=spend:idaci,vacancy')])).toEqual([
      { name: 'mix', kind: 'numeric', columns: ['idaci:spend', 'vacancy'] },
      { name: 'idaci', kind: 'numeric', columns: ['idaci'] },
      { name: 'spend', kind: 'numeric', columns: ['spend'] },
    ]);
  });

  it('accepts a formula with fixed effects only', () => {
    expect(groupsFromFormula(parseFormula('y ~ 1 | la'), [])).toEqual([
      { name: 'la', kind: 'fixed-effect', columns: ['la'] },
    ]);
  });

  it.each([
    [
      'a term in two --group-of',
      [
        { name: 'g1', terms: ['spend'] },
        { name: 'g2', terms: ['vacancy', 'spend'] },
      ],
      'groupOf: the term "spend" is in g1 and in g2; a term may belong to one group only',
    ],
    [
      'a term absent from the formula',
      [{ name: 'g', terms: ['spend', 'staff'] }],
      'groupOf: g: the formula has no term "staff"; its terms are idaci, spend, vacancy, la, year',
    ],
    [
      'an interaction absent from the formula',
      [{ name: 'g', terms: ['idaci:spend'] }],
      'groupOf: g: the formula has no term "idaci:spend"; its terms are idaci, spend, vacancy, la, year',
    ],
    [
      'a fixed effect with other terms',
      [{ name: 'g', terms: ['la', 'spend'] }],
      'groupOf: g: the fixed effect "la" is a group of its own; name it alone (g=la)',
    ],
    [
      'a term twice in one group',
      [{ name: 'g', terms: ['spend', 'spend'] }],
      'groupOf: g lists the term "spend" twice',
    ],
    [
      'the same group twice',
      [
        { name: 'g', terms: ['spend'] },
        { name: 'g', terms: ['vacancy'] },
      ],
      'groupOf: g is given twice; list all its terms in one NAME=...',
    ],
    ['an empty group', [{ name: 'g', terms: [] }], 'groupOf: g lists no terms'],
    [
      'a group named like an ungrouped term',
      [{ name: 'idaci', terms: ['spend'] }],
      'groupOf: two groups would be named "idaci" (a group given here and the ungrouped term "idaci"); rename it',
    ],
    [
      'a group named like a later ungrouped term',
      [{ name: 'vacancy', terms: ['idaci'] }],
      'groupOf: two groups would be named "vacancy" (a group given here and the ungrouped term "vacancy"); rename it',
    ],
    [
      'a group named like a fixed effect',
      [{ name: 'year', terms: ['spend', 'vacancy'] }],
      'groupOf: two groups would be named "year" (a group given here and the fixed effect "year"); rename it',
    ],
  ])('%s is an error', (_, groupOf, message) => {
    expect(usageError(() => groupsFromFormula(nao, groupOf))).toBe(message);
  });

  it('a group may keep the name of its own single term', () => {
    expect(groupsFromFormula(nao, [{ name: 'idaci', terms: ['idaci'] }])[0]).toEqual({
      name: 'idaci',
      kind: 'numeric',
      columns: ['idaci'],
    });
  });
});

describe('properties', () => {
  const grammarChars = [...'yabc_.01+-*/^:()~|` \t', 'la', 'year', 'log('];
  const arbitraryText = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.array(fc.constantFrom(...grammarChars), { maxLength: 30 }).map((parts) => parts.join('')),
    fc.array(fc.constantFrom(...grammarChars), { maxLength: 30 }).map((parts) => `y ~ ${parts.join('')}`),
  );

  it('any string either parses or throws UsageError with a one-line message', () => {
    fc.assert(
      fc.property(arbitraryText, (text) => {
        try {
          const formula = parseFormula(text);
          // whatever parses is self-consistent
          expect(formula.terms.length + formula.fixedEffects.length).toBeGreaterThan(0);
          expect(new Set(formula.terms.map((t) => t.label)).size).toBe(formula.terms.length);
          groupsFromFormula(formula, []);
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
          expect(error.message).not.toContain('\n');
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('any string given to parseGroupOf either parses or throws UsageError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 30 }),
          fc.array(fc.constantFrom(...'ab=,:` '), { maxLength: 20 }).map((p) => p.join('')),
        ),
        (text) => {
          try {
            parseGroupOf(text);
          } catch (error) {
            if (!(error instanceof UsageError)) throw error;
          }
        },
      ),
    );
  });

  const names = fc.uniqueArray(fc.constantFrom<string>('a', 'b', 'c', 'd', 'e', 'f'), { minLength: 1, maxLength: 5 });

  it('x1*x2*...*xk has all 2^k − 1 non-empty interactions, ordered by degree', () => {
    fc.assert(
      fc.property(names, (vars) => {
        const terms = parseFormula(`y ~ ${vars.join('*')}`).terms;
        expect(terms).toHaveLength(2 ** vars.length - 1);
        for (let i = 1; i < terms.length; i++)
          expect(terms[i]!.factors.length).toBeGreaterThanOrEqual(terms[i - 1]!.factors.length);
        for (const term of terms) {
          expect(term.label).toBe(term.factors.join(':'));
          // factors in order of first appearance
          expect([...term.factors].sort((x, y) => vars.indexOf(x) - vars.indexOf(y))).toEqual(term.factors);
        }
      }),
    );
  });

  it('a sum of random interactions gives each distinct factor set once', () => {
    const product = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(fc.array(product, { minLength: 1, maxLength: 6 }), (products) => {
        const terms = parseFormula(`y ~ ${products.map((p) => p.join(':')).join(' + ')}`).terms;
        const distinct = new Set(products.map((p) => [...p].sort().join(':')));
        expect(new Set(terms.map((t) => [...t.factors].sort().join(':')))).toEqual(distinct);
        expect(terms).toHaveLength(distinct.size);
      }),
    );
  });
});
