import { describe, expect, it } from 'vitest';
import { ParameterError, UsageError } from '../../../src/errors.js';
import { groupsFromFormula, parseFormula, parseGroupOf } from '../../../src/models/spec/formula.js';
import {
  DEFAULT_SPEC,
  formulaArguments,
  formulaCommandLine,
  formulaText,
  type GroupSpec,
  type ModelSpec,
  parseGroupArgument,
  SIMULATED_SPEC,
  validateSpec,
} from '../../../src/models/spec/spec.js';
import { thrownBy } from '../../helpers.js';

/**
 * The model spec in this process: the formula text and `--formula`/`--group-of` arguments of a spec (when group
 * names are needed and when not), every refusal of `validateSpec` with its exact message and error class, and
 * `--group`/`--fe` parsing. The mutation run found these checked only by CLI tests, which cannot see a mutant.
 */

const numeric = (name: string, ...columns: string[]): GroupSpec => ({ name, kind: 'numeric', columns });
const fixed = (name: string, column: string): GroupSpec => ({ name, kind: 'fixed-effect', columns: [column] });

/** The message of a plain UsageError (not one of its subclasses) that `action` throws. */
function usageMessage(action: () => unknown): string {
  const error = thrownBy(action, UsageError);
  expect(error.constructor).toBe(UsageError);
  return error.message;
}

/** The parameter and detail of the ParameterError that `action` throws. */
function parameterFault(action: () => unknown): { parameter: string; detail: string; message: string } {
  const { parameter, detail, message } = thrownBy(action, ParameterError);
  return { parameter, detail, message };
}

/** The groups that `--formula` and `--group-of` build from a spec's formula arguments. */
function groupsBack(spec: Pick<ModelSpec, 'outcome' | 'groups'>): GroupSpec[] {
  const { formula, groupOf } = formulaArguments(spec);
  return groupsFromFormula(parseFormula(formula), groupOf.map(parseGroupOf));
}

describe('formulaText', () => {
  it('writes 1 for the numeric part of a model of fixed effects only', () => {
    expect(formulaText({ outcome: 'y', groups: [fixed('la', 'la'), fixed('year', 'year')] })).toBe('y ~ 1 | la + year');
  });

  it('writes no bar when the model has no fixed effect', () => {
    expect(formulaText({ outcome: 'y', groups: [numeric('a', 'x', 'z'), numeric('b', 'w')] })).toBe('y ~ x + z + w');
  });

  it('lists numeric columns, then fixed effects, whatever the order of the groups', () => {
    expect(formulaText(DEFAULT_SPEC)).toBe('cpp_rate ~ child_poverty + spend + vacancy | la + year');
  });

  it('backquotes a column that is not a plain name, so that --formula reads it back as the same column', () => {
    const spec = {
      outcome: 'cpp rate',
      groups: [numeric('resources', 'spend per child', 'vacancy'), numeric('x2', '2x'), fixed('la', 'la code')],
    };
    expect(formulaText(spec)).toBe('`cpp rate` ~ `spend per child` + vacancy + `2x` | `la code`');
    expect(groupsBack(spec)).toEqual(spec.groups);
    expect(parseFormula(formulaArguments(spec).formula).outcome).toBe('cpp rate');
  });
});

describe('formulaArguments and formulaCommandLine', () => {
  it('needs no --group-of when every group is one column named after it, in formula order', () => {
    const spec = { outcome: 'y', groups: [numeric('x', 'x'), numeric('z', 'z'), fixed('la', 'la')] };
    expect(formulaArguments(spec)).toEqual({ formula: 'y ~ x + z | la', groupOf: [] });
    expect(groupsBack(spec)).toEqual(spec.groups);
    expect(formulaCommandLine(spec)).toBe("--formula 'y ~ x + z | la'");
  });

  it('needs no --group-of for fixed effects alone, each named after its column', () => {
    const spec = { outcome: 'y', groups: [fixed('la', 'la'), fixed('year', 'year')] };
    expect(formulaArguments(spec)).toEqual({ formula: 'y ~ 1 | la + year', groupOf: [] });
    expect(groupsBack(spec)).toEqual(spec.groups);
  });

  it('names every group when the groups are not in formula order, even if each is named after its column', () => {
    // x keeps its place (first in both orders); la and z swap.
    const spec = { outcome: 'y', groups: [numeric('x', 'x'), fixed('la', 'la'), numeric('z', 'z')] };
    expect(formulaArguments(spec)).toEqual({ formula: 'y ~ x + z | la', groupOf: ['x=x', 'la=la', 'z=z'] });
    expect(groupsBack(spec)).toEqual(spec.groups);
  });

  it('names every group when one single-column group is named otherwise', () => {
    const spec = { outcome: 'y', groups: [numeric('x', 'x'), numeric('g', 'z')] };
    expect(formulaArguments(spec)).toEqual({ formula: 'y ~ x + z', groupOf: ['x=x', 'g=z'] });
    expect(groupsBack(spec)).toEqual(spec.groups);
  });

  it('names every group when one group has several columns, even if the first is its name', () => {
    const spec = { outcome: 'y', groups: [numeric('a', 'a', 'b'), fixed('la', 'la')] };
    expect(formulaArguments(spec)).toEqual({ formula: 'y ~ a + b | la', groupOf: ['a=a,b', 'la=la'] });
    expect(groupsBack(spec)).toEqual(spec.groups);
  });

  it('names every group of a model in formula order with one gathered group', () => {
    const spec = { outcome: 'y', groups: [numeric('x', 'x'), numeric('res', 'spend', 'vacancy'), fixed('la', 'la')] };
    expect(formulaArguments(spec).groupOf).toEqual(['x=x', 'res=spend,vacancy', 'la=la']);
    expect(groupsBack(spec)).toEqual(spec.groups);
  });

  it('types the default model as the README shows it', () => {
    expect(formulaCommandLine(DEFAULT_SPEC)).toBe(
      "--formula 'cpp_rate ~ child_poverty + spend + vacancy | la + year' --group-of practice=la " +
        '--group-of deprivation=child_poverty --group-of policy=year --group-of resources=spend,vacancy',
    );
    expect(groupsBack(DEFAULT_SPEC)).toEqual(DEFAULT_SPEC.groups);
    expect(groupsBack(SIMULATED_SPEC)).toEqual(SIMULATED_SPEC.groups);
  });
});

describe('validateSpec accepts', () => {
  it('the bundled models, returning the spec itself', () => {
    expect(validateSpec(DEFAULT_SPEC)).toBe(DEFAULT_SPEC);
    expect(validateSpec(SIMULATED_SPEC)).toBe(SIMULATED_SPEC);
  });

  it('minPeriods with a fixed effect, whether or not numeric groups come with it', () => {
    const onlyFixed: ModelSpec = { outcome: 'y', groups: [fixed('la', 'la')], minPeriods: 2 };
    expect(validateSpec(onlyFixed)).toBe(onlyFixed);
    const mixed: ModelSpec = { outcome: 'y', groups: [numeric('x', 'x'), fixed('la', 'la')], minPeriods: 2 };
    expect(validateSpec(mixed)).toBe(mixed);
  });

  it('weights and blocks in columns of their own; blocks may be a fixed-effect column', () => {
    const spec: ModelSpec = {
      outcome: 'y',
      groups: [numeric('x', 'x'), fixed('la', 'la')],
      weights: 'w',
      blocks: 'la',
    };
    expect(validateSpec(spec)).toBe(spec);
    const noWeights: ModelSpec = { outcome: 'y', groups: [numeric('x', 'x')], blocks: 'year' };
    expect(validateSpec(noWeights)).toBe(noWeights);
  });

  it('group names with every allowed character, and a name equal to a column', () => {
    const spec: ModelSpec = {
      outcome: 'y',
      groups: [numeric('idaci:spend', 'p'), numeric('_a.b-c9', 'q'), numeric('Z', 'Z')],
    };
    expect(validateSpec(spec)).toBe(spec);
  });
});

describe('validateSpec refuses', () => {
  const x = numeric('x', 'x');

  it('an empty or blank outcome', () => {
    expect(usageMessage(() => validateSpec({ outcome: '', groups: [x] }))).toBe('the outcome column name is empty');
    expect(usageMessage(() => validateSpec({ outcome: ' \t', groups: [x] }))).toBe('the outcome column name is empty');
  });

  it('a model without groups', () => {
    expect(usageMessage(() => validateSpec({ outcome: 'y', groups: [] }))).toBe(
      'the model has no groups of predictors',
    );
  });

  it('minPeriods without a fixed effect', () => {
    const detail = 'counts the rows of each unit of the first fixed effect; the model has no fixed effect';
    const spec: ModelSpec = { outcome: 'y', groups: [x, numeric('z', 'z')], minPeriods: 3 };
    expect(parameterFault(() => validateSpec(spec))).toEqual({
      parameter: 'minPeriods',
      detail,
      message: `minPeriods: ${detail}`,
    });
  });

  it('weights that are the outcome or a predictor (a second column, or a fixed effect)', () => {
    const groups = [numeric('res', 'spend', 'vacancy'), fixed('la', 'la')];
    for (const weights of ['y', 'vacancy', 'la']) {
      expect(parameterFault(() => validateSpec({ outcome: 'y', groups, weights }))).toEqual({
        parameter: 'weights',
        detail: `${weights}: the weights column cannot also be the outcome or a predictor`,
        message: `weights: ${weights}: the weights column cannot also be the outcome or a predictor`,
      });
    }
  });

  it('blocks that are the outcome or the weights', () => {
    const cases: [ModelSpec, string][] = [
      [{ outcome: 'y', groups: [x], blocks: 'y' }, 'y'],
      [{ outcome: 'y', groups: [x], weights: 'w', blocks: 'w' }, 'w'],
    ];
    for (const [spec, blocks] of cases) {
      expect(parameterFault(() => validateSpec(spec))).toEqual({
        parameter: 'permuteWithin',
        detail: `${blocks}: the blocks of the permutations cannot be the outcome or the weights`,
        message: `permuteWithin: ${blocks}: the blocks of the permutations cannot be the outcome or the weights`,
      });
    }
  });

  it('group names that start with a digit, dot or dash, or hold other characters', () => {
    for (const name of ['1abc', '.a', '-a', 'a b', 'a=b', '', 'é']) {
      expect(usageMessage(() => validateSpec({ outcome: 'y', groups: [numeric(name, 'x')] }))).toBe(
        `group name "${name}" must start with a letter or _ and use only letters, digits, _ . - :`,
      );
    }
  });

  it('the reserved name unexplained', () => {
    expect(usageMessage(() => validateSpec({ outcome: 'y', groups: [numeric('unexplained', 'x')] }))).toBe(
      '"unexplained" is reserved for 1 − R²; choose another group name',
    );
  });

  it('a group name used twice, even on other columns', () => {
    const groups = [numeric('a', 'x'), fixed('a', 'la')];
    expect(usageMessage(() => validateSpec({ outcome: 'y', groups }))).toBe('group name "a" is used twice');
  });

  it('a group without columns, or with an empty or blank column among others', () => {
    for (const columns of [[], [''], ['x', ' '], [' ', 'x']]) {
      const groups = [numeric('g', ...columns)];
      expect(usageMessage(() => validateSpec({ outcome: 'y', groups }))).toBe('group "g" names an empty column');
    }
    const emptyFixed: GroupSpec = { name: 'f', kind: 'fixed-effect', columns: [] };
    expect(usageMessage(() => validateSpec({ outcome: 'y', groups: [emptyFixed] }))).toBe(
      'group "f" names an empty column',
    );
  });

  it('a fixed effect of two columns', () => {
    const groups: GroupSpec[] = [{ name: 'f', kind: 'fixed-effect', columns: ['la', 'year'] }];
    expect(usageMessage(() => validateSpec({ outcome: 'y', groups }))).toBe(
      'fixed-effect group "f" takes exactly one column, got 2',
    );
  });

  it('the outcome among the predictors', () => {
    expect(usageMessage(() => validateSpec({ outcome: 'y', groups: [x, numeric('g', 'z', 'y')] }))).toBe(
      'column "y" is the outcome and cannot also be in group "g"',
    );
  });

  it('a column listed twice in one group', () => {
    expect(usageMessage(() => validateSpec({ outcome: 'y', groups: [numeric('g', 'x', 'z', 'x')] }))).toBe(
      'column "x" is listed twice in group "g"',
    );
  });

  it('a column in two groups', () => {
    expect(usageMessage(() => validateSpec({ outcome: 'y', groups: [numeric('a', 'x'), fixed('b', 'x')] }))).toBe(
      'column "x" is in two groups ("a" and "b"); a column may belong to one group only',
    );
  });
});

describe('parseGroupArgument', () => {
  it('trims the name and each column', () => {
    expect(parseGroupArgument(' res = spend , vacancy ', 'numeric')).toEqual({
      name: 'res',
      kind: 'numeric',
      columns: ['spend', 'vacancy'],
    });
    expect(parseGroupArgument('practice= la', 'fixed-effect')).toEqual({
      name: 'practice',
      kind: 'fixed-effect',
      columns: ['la'],
    });
  });

  it('takes the shortest forms, one character either side of =', () => {
    expect(parseGroupArgument('a=b', 'numeric')).toEqual({ name: 'a', kind: 'numeric', columns: ['b'] });
    expect(parseGroupArgument('a=b', 'fixed-effect')).toEqual({ name: 'a', kind: 'fixed-effect', columns: ['b'] });
  });

  it('refuses text without =, without a name or without columns, naming the flag and its form', () => {
    for (const text of ['abc', '=x', 'a=', '=']) {
      expect(usageMessage(() => parseGroupArgument(text, 'numeric'))).toBe(
        `--group expects NAME=COL[,COL...], got "${text}"`,
      );
      expect(usageMessage(() => parseGroupArgument(text, 'fixed-effect'))).toBe(`--fe expects NAME=COL, got "${text}"`);
    }
  });
});
