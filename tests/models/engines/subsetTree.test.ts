import { existsSync } from 'node:fs';
import { Matrix, solve } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import {
  FactoredModelBuilder,
  type FactoredModel,
  type NumericGroupShape,
} from '../../../src/models/design/factoredModel.js';
import {
  buildModelData,
  columnRequests,
  selectModelRows,
  type ModelData,
} from '../../../src/models/design/modelData.js';
import { selectRows } from '../../../src/io/panelRows.js';
import { enginesOf, type DecomposableModel } from '../../../src/models/engines/engines.js';
import {
  addSums,
  enumerateInThread,
  exactShapleySeconds,
  planExactShapley,
  shapleyFromSums,
  type ShapleySums,
} from '../../../src/models/engines/exactShapley.js';
import { grayCodeShapley } from '../../../src/models/engines/grayCodeShapley.js';
import { owenValuesByTree, prefixBits, subsetTableByTree, treeLayout } from '../../../src/models/engines/subsetTree.js';
import { decompose, DEFAULT_EXACT_SECONDS } from '../../../src/models/methods/decompose.js';
import { workersToStart } from '../../../src/models/parallel/parallel.js';
import type { GroupSpec, ModelSpec } from '../../../src/models/spec/spec.js';
import { bruteShapley, dummies, itHeavy, orderWeight, panelFrom, referenceR2, testRandom } from '../../helpers.js';

interface Case {
  readonly name: string;
  readonly seed: number;
  /** Columns per numeric group, in order. */
  readonly widths: readonly number[];
  readonly fixedEffects?: boolean;
  readonly unbalanced?: boolean;
  readonly weights?: boolean;
  /** A column in the last group equal to the sum of two columns of other groups. */
  readonly exactAlias?: boolean;
  /** A group holding x0 plus noise of 1e-6: pivots too small to trust, so QR refits. */
  readonly nearAlias?: boolean;
  /** The model streamed into its triangular factor (numeric groups only). */
  readonly streamed?: boolean;
  /** Units of 6 periods each; default 12. */
  readonly units?: number;
}

/** Units × periods with strongly correlated predictors, optional fixed effects, weights and (near) aliasing. */
function problem(c: Case) {
  const random = testRandom(c.seed);
  const p = c.widths.reduce((a, b) => a + b, 0);
  const columns: Record<string, number[] | string[]> = { unit: [], period: [], y: [], w: [], near: [] };
  for (let j = 0; j < p; j++) columns[`x${j}`] = [];
  for (let u = 0; u < (c.units ?? 12); u++) {
    const effect = random.normal();
    for (let t = 0; t < 6; t++) {
      if (c.unbalanced && random.uniform() < 0.2) continue;
      (columns.unit as string[]).push(`u${u}`);
      (columns.period as string[]).push(`t${t}`);
      const common = random.normal();
      let y = effect + 0.3 * t + random.normal();
      const x: number[] = [];
      for (let j = 0; j < p; j++) {
        x.push(0.9 * common + 0.5 * random.normal() + 0.4 * effect);
        y += ((j % 3) - 1) * 0.5 * x[j]!;
      }
      if (c.exactAlias) x[p - 1] = x[0]! + x[1]!;
      x.forEach((v, j) => (columns[`x${j}`] as number[]).push(v));
      (columns.near as number[]).push(x[0]! + 1e-6 * random.normal());
      (columns.y as number[]).push(y);
      (columns.w as number[]).push(0.2 + 2 * random.uniform());
    }
  }
  const groups: GroupSpec[] = [];
  let next = 0;
  c.widths.forEach((width, g) => {
    groups.push({ name: `g${g}`, kind: 'numeric', columns: Array.from({ length: width }, () => `x${next++}`) });
  });
  if (c.nearAlias) groups.push({ name: 'near', kind: 'numeric', columns: ['near'] });
  if (c.fixedEffects) {
    groups.splice(1, 0, { name: 'unit', kind: 'fixed-effect', columns: ['unit'] });
    groups.push({ name: 'period', kind: 'fixed-effect', columns: ['period'] });
  }
  const spec: ModelSpec = { outcome: 'y', groups, ...(c.weights ? { weights: 'w' } : {}) };
  const panel = panelFrom(columns);
  const rows = buildModelData(panel, spec);
  let model: DecomposableModel = rows;
  if (c.streamed) {
    const builder = new FactoredModelBuilder(groups as readonly NumericGroupShape[]);
    for (let first = 0; first < panel.rowCount; first += 25) {
      const chosen = Int32Array.from({ length: Math.min(25, panel.rowCount - first) }, (_, i) => first + i);
      builder.add(selectModelRows(selectRows(panel, chosen), spec));
    }
    model = builder.finish(
      'test.csv',
      columnRequests(spec).map((r) => r.name),
      panel.rowCount,
    ) as FactoredModel;
  }
  return { model, rows, columns, spec };
}

/** R² by SVD least squares on √w-scaled rows (intercept √w), R²_w = 1 − RSS_w / Σ w (y − ȳ_w)². */
function weightedR2(y: readonly number[], design: readonly (readonly number[])[], w?: readonly number[]): number {
  if (!w) return referenceR2(y, design);
  const n = y.length;
  const root = w.map(Math.sqrt);
  const X = new Matrix(n, design.length + 1);
  for (let i = 0; i < n; i++) {
    X.set(i, 0, root[i]!);
    design.forEach((column, j) => X.set(i, j + 1, root[i]! * column[i]!));
  }
  const Y = Matrix.columnVector(y.map((v, i) => root[i]! * v));
  const fitted = X.mmul(solve(X, Y, true));
  let rss = 0;
  for (let i = 0; i < n; i++) rss += (Y.get(i, 0) - fitted.get(i, 0)) ** 2;
  const total = w.reduce((a, b) => a + b, 0);
  const mean = y.reduce((a, v, i) => a + w[i]! * v, 0) / total;
  return 1 - rss / y.reduce((a, v, i) => a + w[i]! * (v - mean) ** 2, 0);
}

/** Brute force, independent of src: each unit (numeric column, whole fixed effect) as raw columns or dummies. */
function bruteForce(c: Case) {
  const { rows, columns, spec } = problem(c);
  const y = columns.y as number[];
  const w = c.weights ? (columns.w as number[]) : undefined;
  const unitColumns: number[][][] = [];
  const unitsOfGroup: number[][] = spec.groups.map((group) =>
    group.kind === 'numeric'
      ? group.columns.map((name) => unitColumns.push([columns[name] as number[]]) - 1)
      : [unitColumns.push(dummies(columns[group.columns[0]!] as string[])) - 1],
  );
  const cache = new Map<string, number>();
  const r2OfUnits = (units: readonly number[]) => {
    const key = [...units].sort((a, b) => a - b).join(',');
    let value = cache.get(key);
    if (value === undefined) {
      value =
        units.length === 0
          ? 0
          : weightedR2(
              y,
              units.flatMap((u) => unitColumns[u]!),
              w,
            );
      cache.set(key, value);
    }
    return value;
  };
  const k = spec.groups.length;
  const table = Float64Array.from({ length: 2 ** k }, (_, mask) =>
    r2OfUnits(unitsOfGroup.flatMap((units, g) => (mask & (1 << g) ? units : []))),
  );
  expect(rows.n).toBe(y.length);
  return { k, table, unitsOfGroup, r2OfUnits };
}

/** Owen (1977) values of every unit, groups as unions, straight from the definition. */
function bruteOwen(k: number, unitsOfGroup: number[][], r2OfUnits: (units: readonly number[]) => number): number[] {
  const values: number[] = [];
  unitsOfGroup.forEach((members, g) => {
    const size = members.length;
    for (let mask = 0; mask < 2 ** k; mask++) {
      if (mask & (1 << g)) continue;
      const coalition = unitsOfGroup.flatMap((units, h) => (mask & (1 << h) ? units : []));
      const t = unitsOfGroup.filter((_, h) => mask & (1 << h)).length;
      members.forEach((unit, c) => {
        const partners = members.filter((_, i) => i !== c);
        for (let s = 0; s < 2 ** partners.length; s++) {
          const chosen = partners.filter((_, i) => s & (1 << i));
          const weight = orderWeight(k, t) * orderWeight(size, chosen.length);
          const before = [...coalition, ...chosen];
          values[unit] = (values[unit] ?? 0) + weight * (r2OfUnits([...before, unit]) - r2OfUnits(before));
        }
      });
    }
  });
  return values;
}

const CASES: readonly Case[] = [
  { name: '12 single columns', seed: 1, widths: Array.from({ length: 12 }, () => 1) },
  {
    name: 'groups of 1-3 columns, two fixed effects, unbalanced',
    seed: 2,
    widths: [2, 1, 3, 1],
    fixedEffects: true,
    unbalanced: true,
  },
  {
    name: 'weights, a fixed effect pair, groups of 2',
    seed: 3,
    widths: [2, 2, 1, 2],
    fixedEffects: true,
    weights: true,
  },
  {
    name: 'an exactly aliased column and a near copy (QR refits)',
    seed: 4,
    widths: [1, 2, 1, 1, 3],
    exactAlias: true,
    nearAlias: true,
  },
  {
    name: 'near copy with fixed effects and weights',
    seed: 5,
    widths: [1, 1, 2, 1],
    fixedEffects: true,
    weights: true,
    nearAlias: true,
  },
  {
    name: 'streamed factor, weights, groups of 1-3',
    seed: 6,
    widths: [1, 3, 1, 2, 1, 1, 2],
    weights: true,
    streamed: true,
  },
  {
    name: 'streamed factor with an exact alias and a near copy',
    seed: 7,
    widths: [2, 1, 1, 2],
    exactAlias: true,
    nearAlias: true,
    streamed: true,
  },
];

describe('subset tree (Furnival 1971) against brute-force SVD fits per subset', () => {
  it.each(CASES)('R² of every subset, Shapley values, and Owen values: $name', (c) => {
    const { model } = problem(c);
    const engines = enginesOf(model);
    const brute = bruteForce(c);
    const table = subsetTableByTree(model, engines);
    table.forEach((r2, mask) => expect(Math.abs(r2 - brute.table[mask]!)).toBeLessThan(1e-10));

    const sums = enumerateInThread(planExactShapley(model, engines));
    const tree = shapleyFromSums(sums);
    const expected = bruteShapley(brute.k, brute.table);
    tree.forEach((value, g) => expect(Math.abs(value - expected[g]!)).toBeLessThan(1e-10));
    // The Gray-code engine it replaced, an independent enumeration of the same sufficient statistics.
    grayCodeShapley(model, engines).forEach((value, g) => expect(Math.abs(value - tree[g]!)).toBeLessThan(1e-10));
    if (c.nearAlias) expect(sums.refits).toBeGreaterThan(0);
    else expect(sums.refits).toBe(0);

    const owen = owenValuesByTree(model, engines, tree);
    const expectedOwen = bruteOwen(brute.k, brute.unitsOfGroup, brute.r2OfUnits);
    owen.forEach((value, u) => expect(Math.abs(value - expectedOwen[u]!)).toBeLessThan(1e-10));
  });

  it('Shapley values by decompose agree with the brute force on 12 single columns, and sum to R²', () => {
    const c = CASES[0]!;
    const result = decompose(problem(c).model);
    const brute = bruteForce(c);
    const expected = bruteShapley(brute.k, brute.table);
    result.groups.forEach((group, g) => expect(Math.abs(group.share - expected[g]!)).toBeLessThan(1e-10));
    expect(Math.abs(result.groups.reduce((s, g) => s + g.share, 0) - brute.table.at(-1)!)).toBeLessThan(1e-12);
  });

  itHeavy(
    'gives the same bits whatever order the tasks are computed in, once their sums are added in task order',
    () => {
      const { model } = problem({ name: '', seed: 8, widths: Array.from({ length: 22 }, () => 1), fixedEffects: true });
      const engines = enginesOf(model);
      const plan = planExactShapley(model, engines);
      const bits = prefixBits(treeLayout(model, engines));
      expect(bits).toBeGreaterThan(0);
      expect(plan.tasks).toBe(4 * 2 ** bits);
      const byTask = new Array<ShapleySums>(plan.tasks);
      for (let task = plan.tasks - 1; task >= 0; task--) byTask[task] = plan.sumsOfTask(task);
      const reversed = shapleyFromSums(addSums(byTask));
      const inOrder = shapleyFromSums(enumerateInThread(plan));
      reversed.forEach((value, g) => expect(Object.is(value, inOrder[g]!)).toBe(true));
    },
  );
});

describe('exact Shapley on worker threads (built code in dist/)', () => {
  const dist = new URL('../../../dist/src/', import.meta.url);

  itHeavy(
    'gives output identical to the last bit for 1 and 2 threads: ' + 'rows, fixed effects, weights, a streamed factor',
    async () => {
      expect(existsSync(new URL('models/parallel/shapleyWorker.js', dist))).toBe(true);
      const parallel = (await import(
        new URL('models/parallel/parallel.js', dist).href
      )) as typeof import('../../../src/models/parallel/parallel.js');
      const exact = (await import(
        new URL('models/engines/exactShapley.js', dist).href
      )) as typeof import('../../../src/models/engines/exactShapley.js');
      const engines = (await import(
        new URL('models/engines/engines.js', dist).href
      )) as typeof import('../../../src/models/engines/engines.js');
      let workerTasks = 0;
      for (const c of [
        { name: '', seed: 9, widths: Array.from({ length: 20 }, (_, j) => 1 + (j % 2)) },
        { name: '', seed: 10, widths: Array.from({ length: 17 }, () => 1), fixedEffects: true },
        { name: '', seed: 14, widths: Array.from({ length: 24 }, () => 1), units: 6 },
        { name: '', seed: 11, widths: Array.from({ length: 21 }, () => 1), weights: true, streamed: true },
      ] satisfies Case[]) {
        const { model } = problem(c);
        const one = exact.shapleyFromSums(
          exact.enumerateInThread(exact.planExactShapley(model, engines.enginesOf(model))),
        );
        const plan = exact.planExactShapley(model, engines.enginesOf(model));
        expect(plan.tasks).toBeGreaterThan(1);
        const sums = await parallel.shapleySumsInParallel(model, plan, 2, undefined, { minimumSeconds: 0 });
        workerTasks += sums.workerTasks ?? 0;
        exact.shapleyFromSums(sums).forEach((value, g) => expect(Object.is(value, one[g]!)).toBe(true));
        // and the same as the sources run here
        const here = shapleyFromSums(enumerateInThread(planExactShapley(model, enginesOf(model))));
        here.forEach((value, g) => expect(Object.is(value, one[g]!)).toBe(true));
      }
      // 2^24 subsets cut into tasks of about 5 ms: the worker, ready within tens of milliseconds, takes some.
      expect(workerTasks).toBeGreaterThan(0);
    },
  );

  it('starts workers only for enumerations expected to outlast their start-up', () => {
    expect(workersToStart({ seconds: 0.01, tasks: 256 }, 8)).toBe(0);
    expect(workersToStart({ seconds: 5, tasks: 256 }, 1)).toBe(0);
    expect(workersToStart({ seconds: 5, tasks: 256 }, 2)).toBe(1);
    expect(workersToStart({ seconds: 5, tasks: 3 }, 8)).toBe(2);
    const { model } = problem({ name: '', seed: 12, widths: Array.from({ length: 16 }, () => 1) });
    expect(workersToStart(planExactShapley(model, enginesOf(model)), 2)).toBe(0);
  });
});

describe('choice of engine by the estimated time', () => {
  /** A model shape with the given numeric group widths (rows are not enumerated). */
  function wide(widths: readonly number[]): ModelData {
    return problem({ name: '', seed: 13, widths, units: 40 }).rows;
  }

  it('enumerates 30 single columns by default, and samples 33, whose enumeration would take over a minute', () => {
    const thirty = wide(Array.from({ length: 30 }, () => 1));
    expect(exactShapleySeconds(thirty, enginesOf(thirty))).toBeLessThan(DEFAULT_EXACT_SECONDS);
    const more = wide(Array.from({ length: 33 }, () => 1));
    expect(exactShapleySeconds(more, enginesOf(more))).toBeGreaterThan(DEFAULT_EXACT_SECONDS);
    const result = decompose(more);
    expect(result.sampling).toBeDefined();
    expect(result.subsets).toBe(0);
  });

  it('refuses an enumeration expected to take over an hour, and the table methods beyond their limits', () => {
    const huge = wide(Array.from({ length: 40 }, () => 1));
    // Checked first: were the estimate under an hour, decompose would start a 2^40 enumeration.
    expect(exactShapleySeconds(huge, enginesOf(huge))).toBeGreaterThan(2 * 3600);
    expect(() => decompose(huge, { exact: true })).toThrow(UsageError);
    expect(() => decompose(huge, { exact: true })).toThrow(/2\^40 subset fits, about \d\.\d hours here/);
    const tooMany = wide(Array.from({ length: 41 }, () => 1));
    expect(() => decompose(tooMany, { exact: true })).toThrow(/more than the 40 groups it can/);
    const many = wide(Array.from({ length: 25 }, () => 1));
    expect(() => decompose(many, { method: 'commonality' })).toThrow(/at most 20 groups \(about a million sets\)/);
    expect(() => decompose(many, { method: 'dominance' })).toThrow(/at most 24 groups \(2\^24 values/);
  });
});
