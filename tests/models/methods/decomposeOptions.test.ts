import { describe, expect, it } from 'vitest';
import { ParameterError, UsageError } from '../../../src/errors.js';
import { buildModelData, type ModelData } from '../../../src/models/design/modelData.js';
import { enginesOf } from '../../../src/models/engines/engines.js';
import { enumerateInThread, type ShapleyPlan } from '../../../src/models/engines/exactShapley.js';
import { grayCodeShapley } from '../../../src/models/engines/grayCodeShapley.js';
import { decompose, type DecompositionResult } from '../../../src/models/methods/decompose.js';
import { CONTROLS, type ModelSpec } from '../../../src/models/spec/spec.js';
import { panelFrom, referenceR2, testRandom, thrownBy } from '../../helpers.js';

/**
 * What `decompose` returns and refuses around its options: controls, orders, sampling notes, commonality sets and
 * the fields of each group. (The mutation run found these unpinned: docs/mutation.md.)
 */

/** 8 authorities × 5 years; x1, x2, x3 correlated; `flat` is constant within each authority; one cell missing. */
function panelData(options: { flat?: boolean; missing?: boolean } = {}): ModelData {
  const random = testRandom(42);
  const la: string[] = [];
  const year: string[] = [];
  const x1: number[] = [];
  const x2: number[] = [];
  const x3: number[] = [];
  const flat: number[] = [];
  const y: number[] = [];
  for (let a = 0; a < 8; a++) {
    const effect = random.normal();
    for (let t = 0; t < 5; t++) {
      const u = random.normal();
      la.push(`a${a}`);
      year.push(`${2015 + t}`);
      x1.push(u + 0.5 * effect);
      x2.push(0.5 * u + random.normal());
      x3.push(random.normal());
      flat.push(a * a);
      y.push(effect + 0.8 * x1.at(-1)! - 0.5 * x2.at(-1)! + 0.3 * x3.at(-1)! + random.normal());
    }
  }
  const outcome = options.missing ? y.map((v, i) => (i === 3 ? Number.NaN : v)) : y;
  const spec: ModelSpec = {
    outcome: 'y',
    groups: [
      { name: 'place', kind: 'fixed-effect', columns: ['la'] },
      { name: 'first', kind: 'numeric', columns: options.flat ? ['x1', 'flat'] : ['x1'] },
      { name: 'second', kind: 'numeric', columns: ['x2'] },
      { name: 'third', kind: 'numeric', columns: ['x3'] },
    ],
  };
  return buildModelData(panelFrom({ la, year, x1, x2, x3, flat, y: outcome }), spec);
}

const usageMessage = (run: () => unknown): string => thrownBy(run, UsageError).message;

describe('decompose without controls', () => {
  it('has no controls row, and an empty --control list is no control at all', () => {
    const data = panelData();
    const plain = decompose(data);
    expect(plain).not.toHaveProperty('controls');
    expect(plain.notes.filter((note) => note.includes('--control'))).toEqual([]);
    expect(decompose(data, { controls: [] })).toStrictEqual(plain);
  });

  it('gives fixed-effect groups their levels and numeric groups no levels field', () => {
    const result = decompose(panelData());
    expect(result.groups).toHaveLength(4);
    expect(result.groups[0]).toMatchObject({ name: 'place', kind: 'fixed-effect', columns: ['la'], levels: 8 });
    for (const group of result.groups.slice(1)) expect(group).not.toHaveProperty('levels');
  });
});

describe('decompose with controls', () => {
  const data = panelData();

  it('one control: the note says "is held", the controls row names its fixed effect and its levels', () => {
    const result = decompose(data, { controls: ['place'] });
    expect(result.groups.map((g) => g.name)).toEqual(['first', 'second', 'third']);
    expect(result.groups.every((g) => !('levels' in g))).toBe(true);
    expect(result.controls).toEqual({
      groups: ['place'],
      columns: ['la'],
      fixedEffects: [{ column: 'la', levels: 8 }],
      share: expect.any(Number),
    });
    expect(result.notes).toContain(
      'place is held in every model (--control): the controls row is R² of the model on the controls alone; ' +
        'the other groups share the rest of R²',
    );
  });

  it('two controls: "are held", numeric controls list their columns and no fixed effect', () => {
    const result = decompose(data, { controls: ['second', 'third'] });
    expect(result.groups.map((g) => g.name)).toEqual(['place', 'first']);
    expect(result.groups[0]).toMatchObject({ name: 'place', levels: 8 });
    expect(result.controls).toMatchObject({ groups: ['second', 'third'], columns: ['x2', 'x3'], fixedEffects: [] });
    expect(result.notes.some((note) => note.startsWith('second, third are held in every model (--control)'))).toBe(
      true,
    );
    // The free groups' shares are the Shapley values of R²(S ∪ controls) − R²(controls), summing to the rest.
    const sum = result.groups.reduce((s, g) => s + g.share, 0);
    expect(sum).toBeCloseTo(result.r2 - result.controls!.share, 12);
    const column = (g: number): number[] => {
      const group = data.groups[g]!;
      if (group.kind !== 'numeric') throw new Error(`group ${g} is not numeric`);
      return Array.from(group.values[0]!);
    };
    expect(result.controls!.share).toBeCloseTo(referenceR2(Array.from(data.y), [column(2), column(3)]), 10);
  });

  it('keeps the rows lost to one column alone', () => {
    const withMissing = panelData({ missing: true });
    expect(withMissing.missingAlone).toMatchObject({ y: 1 });
    expect(decompose(withMissing, { controls: ['place'] }).missingAlone).toEqual(withMissing.missingAlone);
    expect(decompose(withMissing).missingAlone).toEqual(withMissing.missingAlone);
  });

  it('refuses what it cannot do, each with its own message', () => {
    expect(usageMessage(() => decompose(data, { controls: ['place'], adjusted: true }))).toBe(
      '--control does not combine with --adjusted (not implemented)',
    );
    expect(usageMessage(() => decompose(data, { controls: ['place'], samples: 100 }))).toBe(
      '--control does not combine with --samples',
    );
    expect(usageMessage(() => decompose(data, { controls: ['nowhere'] }))).toBe(
      '--control names "nowhere", which is not a group; the groups are place, first, second, third',
    );
    expect(usageMessage(() => decompose(data, { controls: ['place', 'place'] }))).toBe('--control names a group twice');
    expect(usageMessage(() => decompose(data, { controls: ['place', 'first', 'second', 'third'] }))).toBe(
      '--control names every group; leave at least one to decompose',
    );
    expect(usageMessage(() => decompose(data, { controls: ['place'], method: 'owen' }))).toBe(
      '--control holds groups in every model for --method shapley, sequential, unique, commonality, dominance; ' +
        'not for owen',
    );
  });

  it('refuses a free group named like the controls row, but not a control so named', () => {
    const renamed = { ...data, groups: data.groups.map((g, i) => (i === 3 ? { ...g, name: CONTROLS } : g)) };
    expect(usageMessage(() => decompose(renamed, { controls: ['place'] }))).toBe(
      `"${CONTROLS}" names the row of the controls; choose another name for that group`,
    );
    expect(decompose(renamed, { controls: [CONTROLS] }).controls!.groups).toEqual([CONTROLS]);
  });
});

describe('decompose options', () => {
  const data = panelData();

  it('--order must name every group once; the parameter is named', () => {
    const refusal = (order: string[]) => {
      try {
        decompose(data, { method: 'sequential', order });
      } catch (error) {
        expect(error).toBeInstanceOf(ParameterError);
        expect((error as ParameterError).parameter).toBe('order');
        return (error as Error).message;
      }
      throw new Error('expected a ParameterError');
    };
    expect(refusal(['place', 'first', 'second', 'fourth'])).toMatch(
      /names "fourth", which is not a group; the groups are place, first, second, third/,
    );
    expect(refusal(['place', 'first', 'second'])).toMatch(
      /must list every group exactly once \(place, first, second, third\), got place,first,second$/,
    );
    expect(refusal(['place', 'first', 'second', 'second'])).toMatch(/must list every group exactly once/);
  });

  it('lists commonality sets by size, then by the order of the groups', () => {
    const result = decompose(data, { method: 'commonality' });
    const sets = result.commonality!.sets.map((s) => s.groups.join('+'));
    expect(sets).toHaveLength(15);
    expect(sets.slice(0, 11)).toEqual([
      'place',
      'first',
      'second',
      'third',
      'place+first',
      'place+second',
      'first+second',
      'place+third',
      'first+third',
      'second+third',
      'place+first+second',
    ]);
    expect(sets.at(-1)).toBe('place+first+second+third');
  });

  it('states a Monte Carlo estimate in a note: orders, seed and the largest standard error', () => {
    const result = decompose(data, { samples: 200, seed: 7 });
    expect(result.sampling).toBeDefined();
    const errors = result.sampling!.standardErrors;
    expect(errors).toHaveLength(4);
    const note = result.notes.find((n) => n.startsWith('Shapley values are Monte Carlo estimates'));
    expect(note).toBe(
      `Shapley values are Monte Carlo estimates from ${result.sampling!.permutations} random orders of the groups ` +
        `(antithetic pairs, seed 7); largest standard error ${Math.max(...errors).toExponential(1)}`,
    );
    expect(Math.max(...errors)).toBeGreaterThan(Math.min(...errors));
    expect(result.subsets).toBe(0);
  });

  it('refuses --adjusted with sampling and with the Gray-code engine', () => {
    expect(usageMessage(() => decompose(data, { samples: 50, adjusted: true }))).toBe(
      '--adjusted decomposes adjusted R² exactly; it does not combine with Monte Carlo Shapley values (--samples, ' +
        'or more groups than exact enumeration takes): use fewer groups, or --exact',
    );
    expect(usageMessage(() => decompose(data, { engine: 'gray-code', adjusted: true }))).toBe(
      '--adjusted is computed by the subset tree, not the Gray-code engine',
    );
  });

  it('notes a numeric column aliased with a fixed effect: its group is credited through other subsets', () => {
    const flat = panelData({ flat: true });
    for (const result of [decompose(flat), decompose(flat, { samples: 100 }), decompose(flat, { method: 'unique' })]) {
      const notes = result.notes.filter((note) => note.includes('linear combination'));
      expect(notes).toEqual([
        '"flat" is a linear combination of other terms of the full model (e.g. constant within each level of a ' +
          'fixed effect); its group is credited only through the subsets without them',
      ]);
    }
    // A fixed effect's indicators aliased with another's are not a column of the data: no note names them.
    const nested: DecompositionResult = decompose({
      ...flat,
      groups: [...flat.groups, { ...flat.groups[0]!, name: 'again' }],
    });
    expect(nested.notes.filter((note) => note.includes('linear combination'))).toHaveLength(1);
  });
});

describe('who enumerates, and progress', () => {
  const data = panelData();
  /** An enumerator that runs the plan in this thread and records the plans it was given. */
  const recording = () => {
    const plans: ShapleyPlan[] = [];
    const enumerate = (plan: ShapleyPlan, onProgress?: (done: number, total: number) => void) => {
      plans.push(plan);
      return enumerateInThread(plan, onProgress);
    };
    return { plans, enumerate };
  };

  it('runs the adjusted game on enumerateAdjusted, and not on the enumerator of the R² plan', () => {
    const plain = decompose(data, { adjusted: true });
    const r2 = recording();
    const adjusted = recording();
    const both = decompose(data, { adjusted: true, enumerate: r2.enumerate, enumerateAdjusted: adjusted.enumerate });
    expect([r2.plans.length, adjusted.plans.length]).toEqual([1, 1]);
    expect(both.adjusted).toEqual(plain.adjusted);
    const only = recording();
    expect(decompose(data, { adjusted: true, enumerate: only.enumerate }).adjusted).toEqual(plain.adjusted);
    expect(only.plans).toHaveLength(1);
  });

  it('an enumerator means exact values, whatever --samples says', () => {
    const exact = decompose(data);
    const given = recording();
    const result = decompose(data, { samples: 100, enumerate: given.enumerate });
    expect(result.sampling).toBeUndefined();
    expect(result.groups).toEqual(exact.groups);
    expect(given.plans).toHaveLength(1);
  });

  it('adjusted Shapley values of --method all are exact even with --samples', () => {
    const exact = decompose(data, { method: 'all', adjusted: true });
    expect(decompose(data, { method: 'all', adjusted: true, samples: 100 }).adjusted).toEqual(exact.adjusted);
  });

  it("--engine gray-code gives the Gray-code engine's values, bit for bit", () => {
    const gray = Array.from(grayCodeShapley(data, enginesOf(data)));
    expect(decompose(data, { engine: 'gray-code' }).groups.map((g) => g.share)).toEqual(gray);
  });

  it('reports the progress of a Monte Carlo run', () => {
    const calls: [number, number][] = [];
    decompose(data, { samples: 200, onProgress: (done, total) => calls.push([done, total]) });
    expect(calls).toHaveLength(100);
    expect(calls[0]).toEqual([1, 100]);
    expect(calls.at(-1)).toEqual([100, 100]);
  });

  it('names no aliased fixed-effect indicator in a note: only numeric columns are data', () => {
    // region is constant within each authority: its indicators are aliased once the authorities are in.
    const random = testRandom(5);
    const la = Array.from({ length: 40 }, (_, i) => `a${i % 8}`);
    const region = la.map((a) => (Number(a.slice(1)) % 2 === 0 ? 'north' : 'south'));
    const x = la.map(() => random.normal());
    const y = x.map((v) => v + random.normal());
    const nested = buildModelData(panelFrom({ la, region, x, y }), {
      outcome: 'y',
      groups: [
        { name: 'place', kind: 'fixed-effect', columns: ['la'] },
        { name: 'area', kind: 'fixed-effect', columns: ['region'] },
        { name: 'x', kind: 'numeric', columns: ['x'] },
      ],
    });
    const result = decompose(nested, { method: 'unique' });
    expect(result.notes.filter((note) => note.includes('linear combination'))).toEqual([]);
  });
});
