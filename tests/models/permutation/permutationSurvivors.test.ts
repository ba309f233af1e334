/**
 * The permutation test's exact contracts that the mutation run found unchecked: the messages and limits of its
 * options, progress over a range of permutations, the random draws of a within-block Fisher–Yates shuffle, the
 * check that batches cover every permutation, the note on permuting within a fixed effect's own column, the tie
 * tolerance of the p-value, the type-7 quantile at its edges, the response engine's empty subset, and the cost
 * estimate term by term. Expected values are worked by hand here (a scripted random source, the cost formula of
 * cost.ts's doc comment evaluated on paper), never taken from the code's output.
 */
import { describe, expect, it } from 'vitest';
import { ModelError, ParameterError } from '../../../src/errors.js';
import type { IntegerRandomSource } from '../../../src/models/bootstrap/random.js';
import { buildModelData, type ModelShape } from '../../../src/models/design/modelData.js';
import { decompose } from '../../../src/models/methods/decompose.js';
import { permutationSeconds } from '../../../src/models/permutation/cost.js';
import {
  checkPermutationOptions,
  drawPermutation,
  groupNull,
  permutationBatch,
  permutationNotes,
  permutationNull,
  quantileType7,
  summariseNull,
  TIE_TOLERANCE,
  type PermutationResult,
} from '../../../src/models/permutation/freedmanLane.js';
import { createResponseEngine } from '../../../src/models/permutation/responses.js';
import type { ModelSpec } from '../../../src/models/spec/spec.js';
import { panelFrom, testRandom, thrownBy } from '../../helpers.js';

const SPEC: ModelSpec = {
  outcome: 'y',
  groups: [
    { name: 'unit', kind: 'fixed-effect', columns: ['unit'] },
    { name: 'x', kind: 'numeric', columns: ['x0', 'x1'] },
  ],
};

function smallData(seed: number) {
  const random = testRandom(seed);
  const columns: Record<string, number[] | string[]> = { unit: [], x0: [], x1: [], y: [] };
  for (let u = 0; u < 4; u++) {
    const effect = random.normal();
    for (let t = 0; t < 5; t++) {
      const x0 = random.normal();
      const x1 = random.normal();
      (columns.unit as string[]).push(`u${u}`);
      (columns.x0 as number[]).push(x0);
      (columns.x1 as number[]).push(x1);
      (columns.y as number[]).push(effect + 0.5 * x0 - 0.2 * x1 + random.normal());
    }
  }
  return buildModelData(panelFrom(columns), SPEC);
}

/** A model shape of `count` single-column numeric groups (what the option check reads). */
function numericGroups(count: number) {
  return {
    groups: Array.from({ length: count }, (_, g) => ({
      kind: 'numeric' as const,
      name: `g${g}`,
      columns: [`x${g}`],
      values: [],
    })),
  };
}

describe('the permutation options', () => {
  it('names the methods it works with, in the permutations parameter', () => {
    const error = thrownBy(
      () => checkPermutationOptions(numericGroups(2), { permutations: 9, seed: 1, method: 'commonality' }),
      ParameterError,
    );
    expect(error.message).toBe(
      'permutations: works with the methods that give one number per group (shapley, owen, sequential, unique, ' +
        'dominance), not "commonality"',
    );
  });

  it.each([0, -1, 1.5, 2.5, Number.NaN])('refuses %s permutations', (permutations) => {
    const error = thrownBy(
      () => checkPermutationOptions(numericGroups(2), { permutations, seed: 1, method: 'shapley' }),
      ParameterError,
    );
    expect(error.message).toBe('permutations: needs at least 1 permutation');
  });

  it('takes a single permutation', () => {
    expect(() =>
      checkPermutationOptions(numericGroups(2), { permutations: 1, seed: 1, method: 'shapley' }),
    ).not.toThrow();
  });

  it('takes exactly 20 groups for every method, and 21 for sequential and unique', () => {
    for (const method of ['shapley', 'owen', 'dominance', 'sequential', 'unique'] as const) {
      expect(() => checkPermutationOptions(numericGroups(20), { permutations: 1, seed: 1, method })).not.toThrow();
    }
    expect(() =>
      checkPermutationOptions(numericGroups(21), { permutations: 1, seed: 1, method: 'sequential' }),
    ).not.toThrow();
  });

  it('refuses 21 groups for a method that enumerates every subset, with the whole message', () => {
    const error = thrownBy(
      () => checkPermutationOptions(numericGroups(21), { permutations: 1, seed: 1, method: 'dominance' }),
      ParameterError,
    );
    expect(error.message).toBe(
      'permutations: redoes the dominance split of all 2^21 subsets for every permutation and group; it takes at ' +
        'most 20 groups (use fewer groups, or --method sequential or unique)',
    );
  });
});

describe('progress and ranges of permutations', () => {
  const data = smallData(3);
  const observed = decompose(data).groups.map((g) => g.share);

  it('reports progress after every permutation, with the total', () => {
    const calls: [number, number][] = [];
    permutationNull(data, observed, {
      permutations: 3,
      seed: 2,
      method: 'shapley',
      onProgress: (d, t) => calls.push([d, t]),
    });
    expect(calls).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });

  it('runs permutations first … last − 1 and counts progress from the start of the range', () => {
    const done: number[] = [];
    const batch = permutationBatch(data, { permutations: 9, seed: 2, method: 'shapley' }, 2, 5, (d) => done.push(d));
    expect(done).toEqual([1, 2, 3]);
    expect(batch.first).toBe(2);
    expect(batch.values.map((values) => values.length)).toEqual([3, 3]);
  });

  it('refuses batches that do not cover every permutation, saying how many came back', () => {
    const options = { permutations: 5, seed: 2, method: 'shapley' as const };
    const short = permutationBatch(data, options, 0, 3);
    const error = thrownBy(() => summariseNull(data, observed, options, [short]), ModelError);
    expect(error.message).toBe('the permutation test returned 3 of 5 permutations');
  });
});

describe('a within-block shuffle', () => {
  /** A random source that replays scripted integers and records what it was asked for. */
  function scripted(values: number[]) {
    const asked: [number, number][] = [];
    const source: IntegerRandomSource = {
      uniform: () => 0.5,
      normal: () => 0,
      integer: (from, to) => {
        asked.push([from, to]);
        return values.shift() ?? from;
      },
    };
    return { source, asked };
  }

  it('draws j from 0 … i for i = size − 1 down to 1 in each block, and swaps (Fisher–Yates, by hand)', () => {
    const { source, asked } = scripted([0, 1, 0]);
    // Block {0, 2, 4}: i = 2, j = 0 swaps the ends → [4, 2, 0]; i = 1, j = 1 keeps it. Block {1, 3}: j = 0 swaps.
    const permutation = drawPermutation(source, [Int32Array.of(0, 2, 4), Int32Array.of(1, 3)], 5);
    expect(Array.from(permutation)).toEqual([4, 3, 2, 1, 0]);
    expect(asked).toEqual([
      [0, 2],
      [0, 1],
      [0, 1],
    ]);
  });

  it('draws nothing for a block of one row', () => {
    const { source, asked } = scripted([]);
    expect(Array.from(drawPermutation(source, [Int32Array.of(1), Int32Array.of(0)], 2))).toEqual([0, 1]);
    expect(asked).toEqual([]);
  });
});

describe('the summaries of a null', () => {
  it('counts null values down to the tie tolerance below the observed share as reaching it', () => {
    expect(TIE_TOLERANCE).toBe(1e-10);
    const nulls = Float64Array.of(0.5, 0.5 - 1e-10, 0.5 - 0.5e-10, 0.5 - 2e-10, 0.1, 0.9);
    const result = groupNull(0.5, nulls);
    // Reaching: 0.5, 0.5 − 1e-10 (at the tolerance), 0.5 − 0.5e-10 and 0.9; not 0.5 − 2e-10 nor 0.1.
    expect(result.p).toBe(5 / 7);
    const mean = (4 * 0.5 - 3.5e-10 + 0.1 + 0.9) / 6;
    expect(result.meanShare).toBeCloseTo(mean, 14);
    expect(result.excess).toBeCloseTo(0.5 - mean, 14);
    // Sorted, (6 − 1)·0.95 = 4.75: 0.5 + 0.75·(0.9 − 0.5).
    expect(result.q95Share).toBeCloseTo(0.8, 14);
    expect(result.observed).toBe(0.5);
  });

  it('takes the type-7 quantile at its edges and between order statistics', () => {
    expect(quantileType7(Float64Array.of(5), 0.95)).toBe(5);
    expect(quantileType7(Float64Array.of(1, 2, 3), 1)).toBe(3);
    expect(quantileType7(Float64Array.of(1, 2, 3), 0)).toBe(1);
    // h = 4·0.3 = 1.2: 2 + 0.2·(3 − 2).
    expect(quantileType7(Float64Array.of(1, 2, 3, 4, 5), 0.3)).toBeCloseTo(2.2, 14);
  });

  it('notes only the fixed effects of the column permuted within, not a numeric group of that name', () => {
    const shape: ModelShape = {
      outcome: 'y',
      n: 10,
      droppedRows: 0,
      missingByColumn: {},
      groups: [
        { kind: 'numeric', name: 'size', columns: ['unit'] },
        { kind: 'fixed-effect', name: 'units', columns: ['unit'], levels: 2 },
        { kind: 'fixed-effect', name: 'periods', columns: ['period'], levels: 5 },
      ],
    };
    const result: PermutationResult = {
      permutations: 9,
      seed: 1,
      within: 'unit',
      blocks: 2,
      method: 'shapley',
      groups: [],
    };
    expect(permutationNotes(shape, result)).toEqual([
      'permuting within the levels of unit keeps the mean residual of each level, so the chance floor and p-value ' +
        'of "units" (effects of unit) test nothing; read them as uninformative',
    ]);
  });
});

describe('the response engine', () => {
  it('gives the empty subset 0 even for an outcome without variance', () => {
    const data = smallData(4);
    const engine = createResponseEngine(data);
    const out = new Float64Array(4).fill(7);
    engine.values(new Float64Array(data.n), out);
    expect(out[0]).toBe(0);
  });
});

describe('the cost of one permutation', () => {
  // Groups: a fixed effect of 3 levels, 2 numeric columns, a fixed effect of 5 levels, 1 numeric column (q = 3).
  // Passes over the rows, per set of fixed effects: 2 + q, plus 2 per level of each but the largest:
  // {} 5, {3} 5, {5} 5, {3, 5} 5 + 2·3 = 11; 26 in all.
  const shape: ModelShape = {
    outcome: 'y',
    n: 1000,
    droppedRows: 0,
    missingByColumn: {},
    groups: [
      { kind: 'fixed-effect', name: 'small', columns: ['s'], levels: 3 },
      { kind: 'numeric', name: 'pair', columns: ['a', 'b'] },
      { kind: 'fixed-effect', name: 'large', columns: ['l'], levels: 5 },
      { kind: 'numeric', name: 'one', columns: ['c'] },
    ],
  };
  const close = (actual: number, expected: number) => expect(Math.abs(actual / expected - 1)).toBeLessThan(1e-12);

  it('for the methods of every subset: 2^k subsets of q²/2 + 1 steps and k·2^k Shapley terms', () => {
    // Operations: 16·(9/2 + 1) + 4·16 = 152. Seconds: 4·(26·1000·4e-9 + 152·3e-8) = 4.3424e-4.
    for (const method of ['shapley', 'owen', 'dominance'] as const) close(permutationSeconds(shape, method), 4.3424e-4);
  });

  it('for sequential and unique: k + 1 subsets and k shares', () => {
    // Operations: 5·(9/2 + 1) + 4 = 31.5. Seconds: 4·(26·1000·4e-9 + 31.5·3e-8) = 4.1978e-4.
    close(permutationSeconds(shape, 'sequential'), 4.1978e-4);
    close(permutationSeconds(shape, 'unique'), 4.1978e-4);
  });

  it('with numeric groups only: one set of fixed effects, 2 + q passes', () => {
    const numeric: ModelShape = { ...shape, n: 500, groups: [shape.groups[1]!, shape.groups[3]!] };
    // Passes 5; operations 4·(9/2 + 1) + 2·4 = 30. Seconds: 2·(5·500·4e-9 + 30·3e-8) = 2.18e-5.
    close(permutationSeconds(numeric, 'shapley'), 2.18e-5);
  });

  it('with fixed effects only, the larger one listed second: 2 per level of the smaller one', () => {
    const fixed: ModelShape = { ...shape, n: 100, groups: [shape.groups[0]!, shape.groups[2]!] };
    // q = 0: passes {} 2, {3} 2, {5} 2, {3, 5} 2 + 2·3 = 8; 14 in all. Operations (sequential): 3·1 + 2 = 5.
    // Seconds: 2·(14·100·4e-9 + 5·3e-8) = 2·(5.6e-6 + 1.5e-7) = 1.15e-5.
    close(permutationSeconds(fixed, 'sequential'), 1.15e-5);
  });
});
