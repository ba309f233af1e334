/**
 * Behaviour of src/models/spec that the last mutation run found unchecked: an error the derive parser throws that
 * is not the user's fault (here a stack that runs out inside it) reaches the caller as it is, neither blamed on
 * the condition nor turned into a "where" parameter error; an interaction of exactly 2^20 pairs of terms is still
 * expanded, the bound refusing only more; and a spec without weights is never refused for its weights. The other
 * survivors of that run change nothing that any input can show.
 */
import { describe, expect, it } from 'vitest';
import { ParameterError } from '../../../src/errors.js';
import { parseCondition, whereCondition } from '../../../src/models/spec/condition.js';
import { parseFormula } from '../../../src/models/spec/formula.js';
import { type ModelSpec, validateSpec } from '../../../src/models/spec/spec.js';
import { itHeavy } from '../../helpers.js';

/**
 * Calls `action` where the stack is all but used up, then one frame further from the limit each time it throws,
 * until it returns: the errors collected on the way are those of a stack that ran out at each depth inside it.
 */
function nearStackLimit<T>(action: () => T): { result: T; errors: unknown[] } {
  const errors: unknown[] = [];
  const descend = (): T => {
    try {
      return descend();
    } catch {
      try {
        return action();
      } catch (error) {
        errors.push(error);
        throw error;
      }
    }
  };
  return { result: descend(), errors };
}

/** The distinct errors other than the RangeError of a stack overflow, shortened for a readable failure. */
const notOverflows = (errors: readonly unknown[]) => [
  ...new Set(errors.filter((error) => !(error instanceof RangeError)).map((error) => String(error).slice(0, 100))),
];

describe('--where: a stack that runs out inside the derive parser', () => {
  // 150 parentheses deep in the arithmetic operand: most of the parse's stack is spent inside parseExpression.
  const condition = `year > ${'('.repeat(150)}2019${')'.repeat(150)}`;

  it('reaches the caller of parseCondition as the RangeError it is, not as a fault in the condition', () => {
    const { result, errors } = nearStackLimit(() => parseCondition(condition));
    expect(result).toEqual(parseCondition(condition));
    expect(errors.length).toBeGreaterThan(0);
    expect(notOverflows(errors)).toEqual([]);
  });

  it('reaches the caller of whereCondition as the RangeError it is, not as a parameter error of "where"', () => {
    const { result, errors } = nearStackLimit(() => whereCondition(condition));
    expect(result).toEqual(parseCondition(condition));
    expect(errors.length).toBeGreaterThan(0);
    expect(notOverflows(errors)).toEqual([]);
  });
});

describe('--formula: the bound on the pairs of terms an interaction combines', () => {
  // A million unions of sets of columns: about a second, and far more under the mutation run's instrumentation.
  itHeavy('expands an interaction of exactly 2^20 pairs (1,024 terms by 1,024 sharing columns)', () => {
    // x0*…*x9 is the 1,023 non-empty subsets of x0…x9; with x10, 1,024 terms. Every union of two of them is one
    // of the 2,047 non-empty subsets of x0…x10, well within the 4,096 terms a formula may have.
    const side = `(${Array.from({ length: 10 }, (_, i) => `x${i}`).join('*')} + x10)`;
    const terms = parseFormula(`y ~ ${side}:${side}`).terms;
    expect(terms.length).toBe(2047);
    expect(terms[0]!.label).toBe('x0');
    expect(terms[10]!.label).toBe('x10');
    expect(terms[2046]!.label).toBe('x0:x1:x2:x3:x4:x5:x6:x7:x8:x9:x10');
  });
});

describe('validateSpec and weights', () => {
  it('finds no fault with the weights of a spec that has none, whatever its list of columns holds', () => {
    // A hole in an array is a valid string[] and is what includes(undefined) finds; only weights given are sought.
    // Only a weights fault is ruled out: whether a hole should be refused as an empty column is another question.
    const columns: string[] = [];
    columns[1] = 'x';
    const spec: ModelSpec = { outcome: 'y', groups: [{ name: 'a', kind: 'numeric', columns }] };
    expect(() => validateSpec(spec)).not.toThrow(ParameterError);
  });
});
