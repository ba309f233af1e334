/**
 * Model formulas at their edges: where a term written twice keeps its first position, counts written exactly up
 * to 2^53 − 1, the factor(…) hints for arguments that are not a single column, "-0" keeping the intercept, the
 * label of a removed interaction, and the --group-of names with stray backquotes. The mutation run found each of
 * these unchecked (docs/mutation.md): messages, boundaries and branches no other test pinned.
 */
import { describe, expect, it } from 'vitest';
import { ParameterError, UsageError } from '../../../src/errors.js';
import { groupsFromFormula, type ParsedFormula, parseFormula, parseGroupOf } from '../../../src/models/spec/formula.js';
import { thrownBy } from '../../helpers.js';

/** The message of the UsageError parseFormula throws for `text`. */
const refusal = (text: string): string => thrownBy(() => parseFormula(text), UsageError).message;

const names = (prefix: string, k: number) => Array.from({ length: k }, (_, i) => `${prefix}${i}`);

describe('a term written again keeps the position where it was first written', () => {
  // The positions show in the message about two terms with one label: a column named "a:b" and the interaction.
  it('in a sum: the later `a:b` at position 19 does not replace the one at 5', () => {
    expect(refusal('y ~ `a:b` + a:b + `a:b`')).toBe(
      'the terms at positions 5 and 13 would both be labelled "a:b"; rename the column that contains ":"',
    );
  });

  it('in an interaction: p:q comes first from the p at 14, and again from the q at 18', () => {
    expect(refusal('y ~ `p:q` + (p + q):(p + q)')).toBe(
      'the terms at positions 5 and 14 would both be labelled "p:q"; rename the column that contains ":"',
    );
  });

  it('(p + q):(p + q) has the terms p, q and p:q, as R gives', () => {
    // R: attr(terms(y ~ (p + q):(p + q)), "term.labels") → "p" "q" "p:q"
    expect(parseFormula('y ~ (p + q):(p + q)').terms.map((t) => t.label)).toEqual(['p', 'q', 'p:q']);
  });
});

describe('counts in messages: with thousands separators up to 2^53 − 1, in powers of ten beyond', () => {
  it('a product of 53 columns: 2^53 − 1 = 9,007,199,254,740,991 terms, written out', () => {
    expect(refusal(`y ~ ${names('x', 53).join('*')}`)).toBe(
      'the product at position 7 expands to 9,007,199,254,740,991 terms (2^53 − 1), more than the 4,096 a formula ' +
        'may have',
    );
  });

  it('a product of 54 columns: 2^54 − 1 is beyond 2^53, about 1.80e+16', () => {
    expect(refusal(`y ~ ${names('x', 54).join('*')}`)).toBe(
      'the product at position 7 expands to about 1.80e+16 terms (2^54 − 1), more than the 4,096 a formula may have',
    );
  });

  it('"(2^k − 1)" only when every piece of the product is a single term', () => {
    // (a0 + a1) * x0 * … * x11 over distinct columns: (2 + 1)·2^12 − 1 = 12,287 terms; the first "*" is at 14.
    expect(refusal(`y ~ (a0 + a1)*${names('x', 12).join('*')}`)).toBe(
      'the product at position 14 expands to 12,287 terms, more than the 4,096 a formula may have',
    );
    expect(refusal(`y ~ ${names('x', 12).join('*')}*(a0 + a1)`)).toBe(
      'the product at position 7 expands to 12,287 terms, more than the 4,096 a formula may have',
    );
  });
});

describe('factor(…) whose argument is not a single column name', () => {
  const noBar = (call: string, position: number) =>
    `${call} at position ${position} cannot appear in a formula: a categorical column enters as a fixed effect, ` +
    'after a bar; drop this term and end the formula with "| COLUMN" (more are joined by "+": "| COLUMN + …")';

  it.each([
    ['y ~ x + factor(la + year)', 'factor(…)', 9],
    ['y ~ x + factor(1)', 'factor(…)', 9],
    ['y ~ x + factor()', 'factor(…)', 9],
    ['y ~ x + as.factor((la))', 'as.factor(…)', 9],
  ])('%s: a placeholder for the column', (text, call, position) => {
    expect(refusal(text)).toBe(noBar(call, position));
  });

  it('before a bar: add "+ COLUMN" after it', () => {
    expect(refusal('y ~ factor(a + b) | la')).toBe(
      'factor(…) at position 5 cannot appear in a formula: a categorical column enters as a fixed effect, after a ' +
        'bar; drop this term and add "+ COLUMN" after the "|"',
    );
  });

  it('after the bar: the bare name, with a placeholder', () => {
    expect(refusal('y ~ x | factor(la + year)')).toBe(
      'factor(…) at position 9: after the "|" a fixed effect is written as its column\'s name alone: COLUMN, ' +
        'not factor(COLUMN)',
    );
  });

  it('a backquoted column is named as written, with its backquotes', () => {
    expect(refusal('y ~ x + factor(`local authority`)')).toBe(
      'factor(`local authority`) at position 9 cannot appear in a formula: a categorical column enters as a fixed ' +
        'effect, after a bar; drop this term and end the formula with "| `local authority`" (more are joined by ' +
        '"+": "| `local authority` + …")',
    );
  });
});

describe('after the bar, only factor( and as.factor( are calls', () => {
  it('a column named factor is a fixed effect', () => {
    expect(parseFormula('y ~ a | factor + as.factor')).toEqual({
      outcome: 'y',
      terms: [{ label: 'a', factors: ['a'] }],
      fixedEffects: ['factor', 'as.factor'],
      intercept: true,
    });
  });

  it('another function after the bar: its "(" is unexpected', () => {
    expect(refusal('y ~ a | log(la)')).toBe('unexpected "(" at position 12');
  });
});

describe('the intercept', () => {
  it('"-0" keeps it (R: attr(terms(y ~ -0 + a), "intercept") is 1)', () => {
    expect(parseFormula('y ~ -0 + a')).toEqual({
      outcome: 'y',
      terms: [{ label: 'a', factors: ['a'] }],
      fixedEffects: [],
      intercept: true,
    });
  });

  it('"-0" then "- 1" both keeps and removes it', () => {
    expect(refusal('y ~ -0 + a - 1')).toBe(
      'the formula both keeps the intercept (position 6) and removes it (position 14); write 0 + ... or ... - 1 ' +
        'alone to remove it',
    );
  });
});

describe('removing an interaction that is not there names it by its label', () => {
  it.each([
    ['y ~ a - a:b', 'the "-" at position 7 removes "a:b", which the formula does not have before it'],
    // factors in order of first appearance: b (position 5) before a (position 9)
    ['y ~ b - a:b', 'the "-" at position 7 removes "b:a", which the formula does not have before it'],
    ['y ~ c + a - b:c:a', 'the "-" at position 11 removes "c:a:b", which the formula does not have before it'],
  ])('%s', (text, message) => {
    expect(refusal(text)).toBe(message);
  });
});

describe('groupsFromFormula', () => {
  const nao = parseFormula('cpp_rate ~ idaci + spend + vacancy | la + year');
  const detail = (action: () => unknown) => thrownBy(action, ParameterError).message;

  it('--group-of NAME=fe renames a fixed effect, which stays a fixed-effect group', () => {
    expect(groupsFromFormula(nao, [{ name: 'area', terms: ['la'] }])).toEqual([
      { name: 'area', kind: 'fixed-effect', columns: ['la'] },
      { name: 'idaci', kind: 'numeric', columns: ['idaci'] },
      { name: 'spend', kind: 'numeric', columns: ['spend'] },
      { name: 'vacancy', kind: 'numeric', columns: ['vacancy'] },
      { name: 'year', kind: 'fixed-effect', columns: ['year'] },
    ]);
  });

  it('a formula with neither terms nor fixed effects lists "(none)"', () => {
    const empty: ParsedFormula = { outcome: 'y', terms: [], fixedEffects: [], intercept: true };
    expect(detail(() => groupsFromFormula(empty, [{ name: 'g', terms: ['a'] }]))).toBe(
      'groupOf: g: the formula has no term "a"; its terms are (none)',
    );
  });

  it('a single name is matched exactly, as a fixed effect is (parseGroupOf drops spaces and backquotes)', () => {
    expect(detail(() => groupsFromFormula(nao, [{ name: 'g', terms: ['`spend`'] }]))).toBe(
      'groupOf: g: the formula has no term "`spend`"; its terms are idaci, spend, vacancy, la, year',
    );
    expect(detail(() => groupsFromFormula(nao, [{ name: 'g', terms: [' la'] }]))).toBe(
      'groupOf: g: the formula has no term " la"; its terms are idaci, spend, vacancy, la, year',
    );
  });

  it('an interaction written with spaces and backquotes around its factors finds the term', () => {
    const formula = parseFormula('y ~ idaci*spend');
    expect(groupsFromFormula(formula, [{ name: 'mix', terms: [' `spend` : idaci'] }])[0]).toEqual({
      name: 'mix',
      kind: 'numeric',
      columns: ['idaci:spend'],
    });
  });
});

describe('parseGroupOf: only backquotes on both ends of a name are dropped', () => {
  it.each([
    ['g=ab`', ['ab`']],
    ['g=`ab', ['`ab']],
    ['g=`', ['`']],
    ['g=`a`', ['a']],
    ['g= `a b` ', ['a b']],
    ['g=a`:`b', ['a`:`b']],
    ['g=`a`:`b`', ['a:b']],
  ])('%s', (text, terms) => {
    expect(parseGroupOf(text)).toEqual({ name: 'g', terms });
  });

  it('"``" is an empty name', () => {
    expect(thrownBy(() => parseGroupOf('g=``'), ParameterError).message).toBe(
      'groupOf: "g=``": empty term at position 3',
    );
    expect(thrownBy(() => parseGroupOf('g=a,``'), ParameterError).message).toBe(
      'groupOf: "g=a,``": empty term at position 5',
    );
  });
});
