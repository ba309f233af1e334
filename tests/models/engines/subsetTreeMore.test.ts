import { describe, expect, it } from 'vitest';
import { buildModelData, type ModelData } from '../../../src/models/design/modelData.js';
import { enginesOf } from '../../../src/models/engines/engines.js';
import type { Gram, ProjectedGrams } from '../../../src/models/engines/gramFitter.js';
import type { SubsetFitter } from '../../../src/models/engines/subsetFit.js';
import {
  createSubsetTree,
  owenTreeSeconds,
  owenValuesByTree,
  prefixBits,
  SECONDS_PER_MULTIPLY_ADD,
  shapleyGame,
  treeLayout,
  treeSeconds,
  type TreeLayout,
} from '../../../src/models/engines/subsetTree.js';
import type { GroupSpec, ModelSpec } from '../../../src/models/spec/spec.js';
import { bruteShapley, dummies, orderWeight, panelFrom, referenceR2, testRandom, thrownBy } from '../../helpers.js';
import { type OrthogonalToy, orthogonalGramEntries } from './orthogonalGram.js';

/**
 * The subset tree's verdicts on each pivot, where each is taken (the general step, the unrolled triple, pair and
 * leaf, the prefix of a task), its task cutting and its input checks. The mutation run found the boundaries of the
 * verdicts (aliased at or below 1e-14 of the column's centred sum of squares, refitted by QR below 1e-6), the refits
 * below a suspect pivot and the prefix of a task unchecked: the enumerations of real data put no pivot near a bound
 * and are too small to be cut into tasks. Here the Gram matrices are made by hand: orthogonal columns, so every pivot
 * is the column's own diagonal entry whatever was swept before, exactly, and R²(S) = Σ_{j ∈ S} b_j²/d_j / TSS.
 */

type Toy = OrthogonalToy;

/** Aliased by the documented rule: a pivot at or below 1e-14 of the centred sum of squares adds nothing. */
const aliased = (t: Toy, c: number) => !(t.d[c]! > t.s[c]! * 1e-14);
/** Suspect by the documented rule: kept, but below 1e-6 of the centred sum of squares (refitted by QR). */
const suspect = (t: Toy, c: number) => !aliased(t, c) && t.d[c]! < t.s[c]! * 1e-6;

function columnsOf(t: Toy): number[][] {
  let next = 0;
  return t.widths.map((width) => Array.from({ length: width }, () => next++));
}

/** Players: numeric player j is group j (bit j), the fixed player group P (bit P). */
function toyEngines(t: Toy) {
  const q = t.d.length;
  const P = t.widths.length;
  const players = columnsOf(t);
  const layout: TreeLayout = {
    numeric: players.map((units, j) => ({ group: j, units, width: units.length })),
    fixed: t.fixed ? [{ group: P, units: [q], width: 0 }] : [],
  };
  const grams: Gram[] = [0, 1].map((mask) => {
    return { size: q + 1, entries: orthogonalGramEntries(t, mask), fixedRank: mask };
  });
  const statistics: ProjectedGrams = {
    numericCount: q,
    centredSquares: t.s,
    fixedGroups: t.fixed ? [P] : [],
    gramFor: (mask) => grams[mask]!,
  };
  const explained = (units: readonly number[]) => {
    let sum = 0;
    for (const u of units) {
      if (u === q) sum += t.fixed!.zy ** 2 / t.fixed!.zz;
      else if (!aliased(t, u)) sum += t.b[u]! ** 2 / t.d[u]!;
    }
    return sum / t.tss;
  };
  const qrCalls: number[][] = [];
  const stable: SubsetFitter = {
    groupCount: P + (t.fixed ? 1 : 0),
    units: Array.from({ length: q + 1 }, (_, u) => ({ group: u < q ? 0 : P, name: `u${u}` })),
    tss: t.tss,
    fit: () => {
      throw new Error('not used');
    },
    fitUnits: (units) => {
      qrCalls.push([...units]);
      return { r2: explained(units), aliased: [], rank: units.length };
    },
    unitsOf: (g) => (g < P ? players[g]! : [q]),
  };
  const k = P + (t.fixed ? 1 : 0);
  /** R² of every subset of players, bit j = player j, from the closed form. */
  const unitsOfMask = (mask: number) => [
    ...players.flatMap((units, j) => (mask & (1 << j) ? units : [])),
    ...(mask & (1 << P) ? [q] : []),
  ];
  /** R² of every subset of players, bit j = numeric player j, bit P = the fixed player, from the closed form. */
  const table = Float64Array.from({ length: 2 ** k }, (_, mask) => explained(unitsOfMask(mask)));
  /** Subsets the documented rule sends to QR: those holding a suspect column. */
  const refits = table.filter((_, mask) => unitsOfMask(mask).some((u) => u < q && suspect(t, u))).length;
  return { layout, statistics, stable, k, P, table, refits, qrCalls };
}

/** Every task of the toy's tree with a table: the Shapley values, the table, the refits and the task count. */
function runToy(t: Toy) {
  const toy = toyEngines(t);
  const game = shapleyGame(toy.layout);
  const tree = createSubsetTree(toy.layout, game, toy.statistics, { stable: toy.stable });
  const table = new Float64Array(2 ** toy.k).fill(Number.NaN);
  const bits = {
    numeric: Int32Array.from(toy.layout.numeric, (p) => 1 << p.group),
    fixed: Int32Array.from(toy.layout.fixed, (p) => 1 << p.group),
  };
  const sums = new Float64Array(toy.k + 2);
  const out = new Float64Array(toy.k + 2);
  for (let task = 0; task < tree.tasks; task++) {
    tree.runTask(task, out, table, bits);
    out.forEach((v, i) => (sums[i]! += v));
  }
  const shapley = Array.from({ length: toy.k }, (_, j) => sums[j]! - sums[toy.k]!);
  return { toy, tree, table, shapley, refits: sums[toy.k + 1]! };
}

/** The tree's table, Shapley values and refit count against the closed form, the definition and the rule. */
function expectAgreement(t: Toy) {
  const run = runToy(t);
  const { toy } = run;
  expect(run.table.length).toBe(2 ** toy.k);
  run.table.forEach((r2, mask) => expect(Math.abs(r2 - toy.table[mask]!)).toBeLessThan(1e-12));
  const expected = bruteShapley(toy.k, toy.table);
  expect(run.shapley.length).toBe(toy.k);
  run.shapley.forEach((value, j) => expect(Math.abs(value - expected[j]!)).toBeLessThan(1e-12));
  expect(run.refits).toBe(toy.refits);
  return run;
}

/** A toy of single columns (or the given widths) whose column `at` has pivot `pivot` and cross-product `cross`. */
function toyWith(widths: readonly number[], at: number, pivot: number, cross: number, fixed = false): Toy {
  const q = widths.reduce((a, b) => a + b, 0);
  const d = Array.from({ length: q }, (_, c) => 1 + 0.5 * c);
  const b = Array.from({ length: q }, (_, c) => 0.3 - 0.1 * c);
  const s = Array.from({ length: q }, (_, c) => 2 + c);
  d[at] = pivot;
  b[at] = cross;
  return { widths, d, b, s, tss: 10, ...(fixed ? { fixed: { zy: 1.5, zz: 3 } } : {}) };
}

/** Where the pivot of column `at` is judged: the layouts that take each step of the tree to it, at the root. */
const SITES = [
  { name: 'leaf (one column)', widths: [1], at: 0 },
  { name: 'pair, first column', widths: [1, 1], at: 0 },
  { name: 'pair, second column (its own leaf and the leaf after the first)', widths: [1, 1], at: 1 },
  { name: 'triple, first column', widths: [1, 1, 1], at: 0 },
  { name: 'triple below a swept node (depth 1) and at the root', widths: [1, 1, 1, 1], at: 1 },
  { name: 'general step (four single columns)', widths: [1, 1, 1, 1], at: 0 },
  { name: 'general step, a player of two columns, with a fixed effect', widths: [2, 1, 1], at: 1, fixed: true },
  { name: 'general step, the last of three players of two columns', widths: [1, 2, 2], at: 4 },
] as const;

/** Pivots relative to the centred sum of squares s = 2 + at; the cross-product is 0 where the column is aliased. */
const PIVOTS = [
  { name: 'zero (aliased, skipped)', pivot: (s: number) => 0 * s, cross: 0, refitted: false },
  { name: 'exactly 1e-14 of s (aliased: at or below)', pivot: (s: number) => s * 1e-14, cross: 0, refitted: false },
  { name: 'between the bounds (suspect: refitted by QR)', pivot: (s: number) => s * 1e-8, cross: 1e-5, refitted: true },
  {
    name: 'exactly 1e-6 of s (trusted: only below is refitted)',
    pivot: (s: number) => s * 1e-6,
    cross: 1e-4,
    refitted: false,
  },
] as const;

describe('subset tree verdicts on each pivot, against the closed form of orthogonal columns', () => {
  for (const site of SITES) {
    it.each(PIVOTS)(`${site.name}: pivot $name`, ({ pivot, cross, refitted }) => {
      const t = toyWith(site.widths, site.at, pivot(2 + site.at), cross, 'fixed' in site && site.fixed);
      const run = expectAgreement(t);
      expect(run.refits > 0).toBe(refitted);
    });
  }

  it('refits by QR each subset holding a suspect column exactly once, naming its units', () => {
    // Column 0 suspect among four single columns: the general step's refit covers {0} and every subset grown from it.
    const t = toyWith([1, 1, 1, 1], 0, 2e-8, 1e-5);
    const run = expectAgreement(t);
    expect(run.refits).toBe(8);
    const asked = run.toy.qrCalls.map((units) => units.join(',')).sort();
    expect(asked).toEqual(['0', '0,1', '0,1,2', '0,1,2,3', '0,1,3', '0,2', '0,2,3', '0,3']);
  });

  it('counts no refit for an exactly aliased column in a player of two columns', () => {
    // x2 = x0 + x1 on an orthogonal pair: after sweeping x0 and x1 its pivot is 0.
    const t: Toy = { widths: [1, 1, 2], d: [4, 4, 0, 2], b: [1, 2, 0, 0.5], s: [4, 4, 8, 2], tss: 10 };
    const run = expectAgreement(t);
    expect(run.refits).toBe(0);
    expect(run.toy.qrCalls).toEqual([]);
  });
});

/**
 * Tasks cut by prefixes: a last player of 300 columns, all aliased (zero), makes the estimate of the work large
 * enough for two prefix bits while the enumeration stays instant (an aliased column is not swept).
 */
function prefixToy(d0: number, d1: number, fixed: boolean): Toy {
  const q = 302;
  const d = new Array<number>(q).fill(0);
  const b = new Array<number>(q).fill(0);
  const s = new Array<number>(q).fill(0);
  d[0] = d0;
  d[1] = d1;
  b[0] = 1e-5;
  b[1] = 0.7 * Math.sqrt(d1);
  s[0] = 2;
  s[1] = 3;
  return { widths: [1, 1, 300], d, b, s, tss: 5, ...(fixed ? { fixed: { zy: 1, zz: 2 } } : {}) };
}

describe('subset tree tasks: prefixes of players fixed in or out', () => {
  it('cuts the toy into two prefix bits per set of fixed effects', () => {
    const toy = toyEngines(prefixToy(1, 1, true));
    expect(prefixBits(toy.layout)).toBe(2);
    const tree = createSubsetTree(toy.layout, shapleyGame(toy.layout), toy.statistics, { stable: toy.stable });
    expect(tree.tasks).toBe(8);
    expect(tree.subsets).toBe(16);
  });

  it.each([
    { name: 'trusted pivots', d0: 1, d1: 1.5, fixed: false, refits: 0 },
    { name: 'trusted pivots, a fixed effect', d0: 1, d1: 1.5, fixed: true, refits: 0 },
    { name: 'the first prefix player suspect', d0: 2e-8, d1: 1.5, fixed: false, refits: 4 },
    { name: 'the first prefix player suspect, a fixed effect', d0: 2e-8, d1: 1.5, fixed: true, refits: 8 },
    { name: 'both prefix players suspect', d0: 2e-8, d1: 3e-8, fixed: true, refits: 12 },
  ])('gives every subset its R², the Shapley values and the refits: $name', ({ d0, d1, fixed, refits }) => {
    const run = expectAgreement(prefixToy(d0, d1, fixed));
    expect(run.tree.tasks).toBe((fixed ? 2 : 1) * 4);
    expect(run.refits).toBe(refits);
  });

  it('gives each task its own part: the tasks without the first player hold no subset with it', () => {
    const { toy, tree } = runToy(prefixToy(1, 1.5, true));
    const out = new Float64Array(toy.k + 2);
    const table = new Float64Array(16).fill(-1);
    const bits = { numeric: Int32Array.from([1, 2, 4]), fixed: Int32Array.from([8]) };
    // Task 1: no fixed effect, prefix {0}: the subsets {0}, {0, 2}.
    tree.runTask(1, out, table, bits);
    const written = [...table.keys()].filter((mask) => table[mask] !== -1);
    expect(written).toEqual([1, 5]);
    expect(Math.abs(table[1]! - toy.table[1]!)).toBeLessThan(1e-12);
    // Task 6: the fixed effect, prefix {1}: {1, F}, {1, 2, F}.
    table.fill(-1);
    tree.runTask(6, out, table, bits);
    expect([...table.keys()].filter((mask) => table[mask] !== -1)).toEqual([10, 14]);
    expect(Math.abs(table[14]! - toy.table[14]!)).toBeLessThan(1e-12);
  });
});

describe('subset tree inputs and sizes', () => {
  it('refuses an output row that is not slots + 2 long', () => {
    const toy = toyEngines(toyWith([1, 1], 0, 1, 0.1));
    const tree = createSubsetTree(toy.layout, shapleyGame(toy.layout), toy.statistics, { stable: toy.stable });
    const error = thrownBy(() => tree.runTask(0, new Float64Array(3)), RangeError);
    expect(error.message).toBe('runTask: out must have slots + 2 entries');
    expect(() => tree.runTask(0, new Float64Array(4))).not.toThrow();
  });

  it('refuses players whose columns are not the Gram matrices’ columns', () => {
    const toy = toyEngines(toyWith([1, 2], 0, 1, 0.1));
    const short: TreeLayout = { numeric: toy.layout.numeric.slice(0, 1), fixed: [] };
    const error = thrownBy(
      () => createSubsetTree(short, shapleyGame(short), toy.statistics, { stable: toy.stable }),
      RangeError,
    );
    expect(error.message).toBe('createSubsetTree: the players do not cover the Gram columns');
  });

  it('counts 2^(numeric + fixed players) subsets', () => {
    const toy = toyEngines(toyWith([1, 2], 0, 1, 0.1, true));
    const tree = createSubsetTree(toy.layout, shapleyGame(toy.layout), toy.statistics, { stable: toy.stable });
    expect(tree.subsets).toBe(8);
    expect(tree.tasks).toBe(2);
  });

  it('weighs subsets by the Shapley weights s!(k − s − 1)!/k!, none below size 0 or at size k', () => {
    const toy = toyEngines(toyWith([1, 1], 0, 1, 0.1, true));
    const game = shapleyGame(toy.layout);
    const w = [0, 1, 2].map((s) => orderWeight(3, s));
    const inWeight = [w[0]!, w[0]! + w[1]!, w[1]! + w[2]!, w[2]!];
    const allWeight = [w[0]!, w[1]!, w[2]!, 0];
    expect(game.inWeight.length).toBe(4);
    game.inWeight.forEach((v, s) => expect(Math.abs(v - inWeight[s]!)).toBeLessThan(1e-15));
    game.allWeight.forEach((v, s) => expect(Math.abs(v - allWeight[s]!)).toBeLessThan(1e-15));
  });

  it('adds the cross-products of the Gram matrices, rows·(q + 1)(q + 2)/2 multiply-adds each, to the estimate', () => {
    const toy = toyEngines(toyWith([2, 1], 0, 1, 0.1, true));
    // q = 3 columns, 2 Gram matrices (with and without the fixed effect), 10 rows: 2 · 10 · 4 · 5 / 2 = 200.
    const extra = treeSeconds(toy.layout, 10) - treeSeconds(toy.layout);
    expect(Math.abs(extra / (200 * SECONDS_PER_MULTIPLY_ADD) - 1)).toBeLessThan(1e-9);
  });
});

/** Groups a (x0, x1), b (x2), and a fixed effect c (unit), on 8 units × 3 periods. */
function owenData(): { data: ModelData; y: number[]; columns: Record<string, number[] | string[]> } {
  const random = testRandom(21);
  const columns: Record<string, number[] | string[]> = { unit: [], x0: [], x1: [], x2: [], y: [] };
  for (let u = 0; u < 8; u++) {
    const effect = random.normal();
    for (let t = 0; t < 3; t++) {
      const x = [random.normal(), random.normal(), random.normal()];
      (columns.unit as string[]).push(`u${u}`);
      x.forEach((v, j) => (columns[`x${j}`] as number[]).push(v + 0.5 * effect));
      (columns.y as number[]).push(effect + x[0]! - 0.5 * x[1]! + 0.8 * x[2]! + random.normal());
    }
  }
  const groups: GroupSpec[] = [
    { name: 'a', kind: 'numeric', columns: ['x0', 'x1'] },
    { name: 'b', kind: 'numeric', columns: ['x2'] },
    { name: 'c', kind: 'fixed-effect', columns: ['unit'] },
  ];
  const spec: ModelSpec = { outcome: 'y', groups };
  return { data: buildModelData(panelFrom(columns), spec), y: columns.y as number[], columns };
}

describe('Owen values by tree: which groups get a tree', () => {
  it('estimates the time of one tree, for the only group of two or more columns', () => {
    const { data } = owenData();
    const engines = enginesOf(data);
    const expected = treeSeconds(treeLayout(data, engines, 0), data.n);
    expect(expected).toBeGreaterThan(0);
    expect(owenTreeSeconds(data, engines)).toBe(expected);
  });

  it('gives a unit alone in its group the Shapley value it is given, and splits the larger group by its tree', () => {
    const { data, y, columns } = owenData();
    const engines = enginesOf(data);
    const given = Float64Array.from([0.25, 0.125, 0.0625]);
    const values = owenValuesByTree(data, engines, given);
    expect(values.length).toBe(4);
    expect([0, 1, 2].map((g) => [...engines.stable.unitsOf(g)])).toEqual([[0, 1], [2], [3]]);
    expect(values[2]).toBe(0.125);
    expect(values[3]).toBe(0.0625);
    // The Owen values of a's columns add up to a's Shapley value (efficiency within the union), by brute force.
    const blocks = [
      [columns.x0 as number[], columns.x1 as number[]],
      [columns.x2 as number[]],
      dummies(columns.unit as string[]).slice(1),
    ];
    const table = Float64Array.from({ length: 8 }, (_, mask) => {
      const design = blocks.flatMap((block, g) => (mask & (1 << g) ? block : []));
      return design.length === 0 ? 0 : referenceR2(y, design);
    });
    const shapleyA = bruteShapley(3, table)[0]!;
    expect(Math.abs(values[0]! + values[1]! - shapleyA)).toBeLessThan(1e-10);
    expect(Math.abs(values[0]! - values[1]!)).toBeGreaterThan(1e-3);
  });
});
