/**
 * From a second audit of the equivalence claims (docs/mutation-equivalents.md and the single-mutant markers): each
 * test fails on one mutant recorded as equivalent (named in its comment) and passes on the code; one found a bug
 * (an infinite weight given to FactoredModelBuilder.add).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { FactoredModelBuilder } from '../../src/models/design/factoredModel.js';
import { buildModelData, type ModelData } from '../../src/models/design/modelData.js';
import { enginesOf } from '../../src/models/engines/engines.js';
import { enumerateInThread, planExactShapley } from '../../src/models/engines/exactShapley.js';
import { sweepIn } from '../../src/models/linalg/sweep.js';
import { shapleySumsInParallel } from '../../src/models/parallel/parallel.js';
import { permutationNull } from '../../src/models/permutation/freedmanLane.js';
import type { ModelSpec } from '../../src/models/spec/spec.js';
import { panelFrom, testRandom } from '../helpers.js';
import { claimingWorkerSource } from '../models/parallel/standInWorkers.js';

/** Folders of stand-in worker scripts, removed after the tests. */
const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A folder holding `source` as shapleyWorker.js (an ES module). */
function shapleyWorkerFolder(source: string): URL {
  const folder = mkdtempSync(join(tmpdir(), 'cpv-audit-workers-'));
  folders.push(folder);
  writeFileSync(join(folder, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(folder, 'shapleyWorker.js'), source);
  return pathToFileURL(`${folder}/`);
}

/** Units × periods with a unit effect, a period effect, a third fixed effect and `numeric` numeric groups. */
function panelData(seed: number, fixedEffects: number, numeric: number, weights?: number[]): ModelData {
  const random = testRandom(seed);
  const columns: Record<string, number[] | string[]> = { y: [] };
  const fixedNames = ['unit', 'period', 'site'].slice(0, fixedEffects);
  for (const name of fixedNames) columns[name] = [];
  for (let j = 0; j < numeric; j++) columns[`x${j}`] = [];
  let row = 0;
  for (let u = 0; u < 8; u++) {
    const effect = random.normal();
    for (let t = 0; t < 6; t++, row++) {
      let y = effect + 0.3 * t + random.normal();
      for (let j = 0; j < numeric; j++) {
        const x = 0.5 * effect + random.normal();
        (columns[`x${j}`] as number[]).push(x);
        y += (j % 2 === 0 ? 0.6 : -0.4) * x;
      }
      const labels = [`u${u}`, `t${t}`, `s${(u + t) % 3}`];
      fixedNames.forEach((name, f) => (columns[name] as string[]).push(labels[f]!));
      (columns.y as number[]).push(y);
    }
  }
  if (weights) columns.w = Array.from({ length: row }, (_, i) => weights[i % weights.length]!);
  const spec: ModelSpec = {
    outcome: 'y',
    groups: [
      ...fixedNames.map((name) => ({ name, kind: 'fixed-effect' as const, columns: [name] })),
      ...Array.from({ length: numeric }, (_, j) => ({ name: `g${j}`, kind: 'numeric' as const, columns: [`x${j}`] })),
    ],
    ...(weights ? { weights: 'w' } : {}),
  };
  return buildModelData(panelFrom(columns), spec);
}

describe('src/models/parallel/parallel.ts', () => {
  it('runs a plan of eight tasks beside a worker: the claim times fit in their shared buffer', async () => {
    // Kills src/models/parallel/parallel.ts:242 ArithmeticOperator `plan.tasks / Float64Array.BYTES_PER_ELEMENT`:
    // 8 tasks give a buffer of 1 byte, and new Float64Array on it throws a RangeError before any worker starts.
    const data = panelData(1, 3, 2);
    const plan = planExactShapley(data, enginesOf(data));
    expect(plan.tasks).toBe(8);
    // A worker that claims nothing: every task is computed in this thread.
    const folder = shapleyWorkerFolder('Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);\n');
    const sums = await shapleySumsInParallel(data, plan, 2, undefined, { minimumSeconds: 0, workerScripts: folder });
    const inThread = enumerateInThread(planExactShapley(data, enginesOf(data)));
    expect(Array.from(sums.inside)).toEqual(Array.from(inThread.inside));
    expect(sums.weighted).toBe(inThread.weighted);
    expect(sums.workerTasks).toBe(0);
  });

  it('waits for a late task of a slow worker on that task state, and then computes it here', async () => {
    // Kills src/models/parallel/parallel.ts:279 ArithmeticOperator `TASK_STATES - task`: the wait for task 3
    // would be on index −1 of the counters, and Atomics.wait throws a RangeError.
    // A worker that claims tasks 1, 2, 3 one at a time, 150 ms apart (as a slow worker would), and finishes none;
    // this thread finishes task 0 and is held 600 ms in its progress call, so its time per task is about 600 ms
    // and each claimed task is waited for (about 300, 150 and 150 ms here, 300 ms for task 3 on the mutant).
    const folder = shapleyWorkerFolder(claimingWorkerSource(150));
    const data = panelData(2, 2, 2);
    const plan = planExactShapley(data, enginesOf(data));
    expect(plan.tasks).toBe(4);
    const calls: [number, number][] = [];
    const report = (done: number, total: number) => {
      if (calls.length === 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600);
      calls.push([done, total]);
    };
    const sums = await shapleySumsInParallel(data, plan, 2, report, { minimumSeconds: 0, workerScripts: folder });
    const inThread = enumerateInThread(planExactShapley(data, enginesOf(data)));
    expect(Array.from(sums.inside)).toEqual(Array.from(inThread.inside));
    expect(sums.workerTasks).toBe(0);
    expect(calls).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
  }, 20_000);
});

describe('src/models/design/factoredModel.ts', () => {
  /** One batch as selectModelRows assembles it, with weights. */
  function batch(weights: number[]): ModelData {
    const n = weights.length;
    return {
      outcome: 'y',
      n,
      y: Float64Array.from({ length: n }, (_, i) => i * i),
      groups: [{ kind: 'numeric', name: 'g', columns: ['x'], values: [Float64Array.from({ length: n }, (_, i) => i)] }],
      droppedRows: 0,
      missingByColumn: {},
      weights: Float64Array.from(weights),
      weightsColumn: 'w',
    };
  }

  it('refuses an infinite weight as a bad weight (a DataError naming it), as add() promises', () => {
    // A weight of +Infinity passed the test for a batch of positive weights and stopped at equilibrationExponent
    // with a RangeError. Kills src/models/design/factoredModel.ts ConditionalExpression `false` on that test (which
    // takes every batch as it is).
    const builder = new FactoredModelBuilder([{ kind: 'numeric', name: 'g', columns: ['x'] }]);
    let thrown: unknown;
    try {
      builder.add(batch([1, Number.POSITIVE_INFINITY, 2, 1]));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DataError);
    expect((thrown as Error).message).toMatch(/weight/);
  });
});

describe('src/models/permutation/freedmanLane.ts', () => {
  it('permutation nulls are shares of permuted responses, with weights and without', () => {
    // Kills the two mutants `i >= n` that the range marker over lines 209–210 (Stryker disable EqualityOperator)
    // hides beside the equivalent `i <= n`: src/models/permutation/freedmanLane.ts:209 EqualityOperator `i >= n`
    // and :210 EqualityOperator `i >= n` leave y* all zeros, whose shares are NaN.
    for (const weights of [undefined, [1, 2, 0.5]]) {
      const data = panelData(3, 1, 2, weights);
      const result = permutationNull(data, [0.2, 0.3, 0.1], {
        permutations: 5,
        seed: 7,
        method: 'shapley',
        keepValues: true,
      });
      for (const values of result.values!) {
        for (const value of values) expect(Number.isFinite(value)).toBe(true);
      }
    }
  });
});

describe('src/models/linalg/sweep.ts', () => {
  it('a row with no cross-product with the pivot keeps its entries, infinite ones included', () => {
    // Kills src/models/linalg/sweep.ts:36 ConditionalExpression `true`: row 1 has factor 0, and the mutant
    // subtracts 0·∞ from its entry in column 2, making it NaN.
    const a = Float64Array.of(1, 0, Number.POSITIVE_INFINITY, 0, 1, 5, 0, 0, 1);
    sweepIn(a, 3, 0);
    expect(a[1 * 3 + 1]).toBe(1);
    expect(a[1 * 3 + 2]).toBe(5);
  });
});
