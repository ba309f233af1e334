/**
 * The worker-thread orchestration of src/models/parallel/parallel.ts, run in this process on the built worker
 * scripts (dist/src/models/parallel/, made by the README's test command before the tests) and on stand-in workers
 * written here: how the work is cut into ranges, progress summed over workers, batches put back in order, a
 * worker's failure turned into the run's error, and Shapley tasks claimed by a worker that never finishes them.
 * Every parallel result is compared with the same computation in this thread, to the last bit.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { claimingWorkerSource } from './standInWorkers.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InternalError, ModelError } from '../../../src/errors.js';
import { bootstrapDecomposition, type BootstrapOptions } from '../../../src/models/bootstrap/bootstrap.js';
import { buildModelData, type ModelData } from '../../../src/models/design/modelData.js';
import { enginesOf } from '../../../src/models/engines/engines.js';
import { enumerateInThread, planExactShapley } from '../../../src/models/engines/exactShapley.js';
import { decompose } from '../../../src/models/methods/decompose.js';
import {
  bootstrapInParallel,
  defaultWorkers,
  permutationNullInParallel,
  SHAPLEY_WORKER_START_SECONDS,
  shapleySumsInParallel,
  workersToStart,
} from '../../../src/models/parallel/parallel.js';
import { permutationNull, type PermutationOptions } from '../../../src/models/permutation/freedmanLane.js';
import type { ModelSpec } from '../../../src/models/spec/spec.js';
import { panelFrom, testRandom } from '../../helpers.js';

const BUILT = new URL('../../../dist/src/models/parallel/', import.meta.url);
const WORKERS = ['bootstrapWorker', 'permutationWorker', 'shapleyWorker'] as const;

/** Folders of stand-in worker scripts, removed after the tests. */
const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A folder holding `scripts` (name → ES module source) as the worker scripts `name`.js. */
function workerFolder(scripts: Partial<Record<(typeof WORKERS)[number], string>>): URL {
  const folder = mkdtempSync(join(tmpdir(), 'cpv-workers-'));
  folders.push(folder);
  writeFileSync(join(folder, 'package.json'), '{ "type": "module" }\n');
  for (const [name, source] of Object.entries(scripts)) writeFileSync(join(folder, `${name}.js`), source);
  return pathToFileURL(`${folder}/`);
}

/**
 * Stand-ins that write the range they were given (`first-last`, one line per worker) to a log, then run the
 * built worker script, so that the ranges can be checked and the results are the built workers'.
 */
function recordingWorkers(): { folder: URL; ranges: () => string[] } {
  const log = join(mkdtempSync(join(tmpdir(), 'cpv-ranges-')), 'ranges.log');
  folders.push(join(log, '..'));
  writeFileSync(log, '');
  const recording = (name: string) =>
    "import { appendFileSync } from 'node:fs';\n" +
    "import { workerData } from 'node:worker_threads';\n" +
    `appendFileSync(${JSON.stringify(log)}, \`\${workerData.first}-\${workerData.last}\\n\`);\n` +
    `await import(${JSON.stringify(new URL(`${name}.js`, BUILT).href)});\n`;
  const folder = workerFolder({
    bootstrapWorker: recording('bootstrapWorker'),
    permutationWorker: recording('permutationWorker'),
  });
  return { folder, ranges: () => readFileSync(log, 'utf8').split('\n').filter(Boolean).sort(byFirst) };
}
const byFirst = (a: string, b: string) => Number(a.split('-')[0]) - Number(b.split('-')[0]);

const SPEC: ModelSpec = {
  outcome: 'y',
  groups: [
    { name: 'unit', kind: 'fixed-effect', columns: ['unit'] },
    { name: 'x', kind: 'numeric', columns: ['x0', 'x1'] },
    { name: 'z', kind: 'numeric', columns: ['z'] },
  ],
  cluster: 'unit',
};

/** Units × periods: a unit effect, two correlated numeric groups and noise. */
function smallData(seed: number, units = 8, periods = 5): ModelData {
  const random = testRandom(seed);
  const columns: Record<string, number[] | string[]> = { unit: [], x0: [], x1: [], z: [], y: [] };
  for (let u = 0; u < units; u++) {
    const effect = random.normal();
    for (let t = 0; t < periods; t++) {
      const x0 = random.normal() + 0.5 * effect;
      const x1 = random.normal();
      const z = 0.6 * x0 + random.normal();
      (columns.unit as string[]).push(`u${u}`);
      (columns.x0 as number[]).push(x0);
      (columns.x1 as number[]).push(x1);
      (columns.z as number[]).push(z);
      (columns.y as number[]).push(effect + 0.5 * x0 - 0.2 * x1 + 0.3 * z + random.normal());
    }
  }
  return buildModelData(panelFrom(columns), SPEC);
}

function bootstrapOptions(replicates: number, onProgress?: (done: number, total: number) => void): BootstrapOptions {
  return {
    replicates,
    seed: 11,
    level: 0.9,
    type: 'percentile',
    decompose: { method: 'shapley' },
    keepReplicates: true,
    ...(onProgress ? { onProgress } : {}),
  };
}

function permutationOptions(
  permutations: number,
  onProgress?: (done: number, total: number) => void,
): PermutationOptions {
  return { permutations, seed: 5, method: 'shapley', keepValues: true, ...(onProgress ? { onProgress } : {}) };
}

/** A recorder of progress calls. */
function progress() {
  const calls: [number, number][] = [];
  return { calls, report: (done: number, total: number) => void calls.push([done, total]) };
}

beforeAll(() => {
  for (const name of WORKERS)
    expect(existsSync(new URL(`${name}.js`, BUILT)), `${name}.js: run npm run build`).toBe(true);
});

describe('defaultWorkers', () => {
  it('is every core Node reports, at least one', () => {
    expect(defaultWorkers()).toBe(Math.max(1, availableParallelism()));
  });
});

describe('bootstrapInParallel on worker threads', () => {
  const data = smallData(3);
  const estimate = decompose(data, { method: 'shapley' });
  const inThread = bootstrapDecomposition(data, estimate, bootstrapOptions(60));

  it('cuts the replicates into one range per worker and gives the single-thread result to the last bit', async () => {
    const { folder, ranges } = recordingWorkers();
    const { calls, report } = progress();
    const result = await bootstrapInParallel(data, estimate, bootstrapOptions(60, report), 2, {
      workerScripts: folder,
    });
    expect(ranges()).toEqual(['0-30', '30-60']);
    expect(result).toEqual(inThread);
    result.replicateValues!.forEach((values, r) =>
      values.forEach((value, g) => expect(Object.is(value, inThread.replicateValues![r]![g]!)).toBe(true)),
    );
    // Each worker posts its count at every 25th of its own replicates; the calls are the sums over workers.
    expect(calls).toEqual([
      [25, 60],
      [50, 60],
      [60, 60],
    ]);
  });

  it('cuts unequal ranges where they round to (i·B/threads), and starts no more workers than replicates', async () => {
    const seven = recordingWorkers();
    const result = await bootstrapInParallel(data, estimate, bootstrapOptions(7), 3, { workerScripts: seven.folder });
    expect(seven.ranges()).toEqual(['0-2', '2-5', '5-7']);
    expect(result).toEqual(bootstrapDecomposition(data, estimate, bootstrapOptions(7)));
    const two = recordingWorkers();
    await bootstrapInParallel(data, estimate, bootstrapOptions(2), 4, { workerScripts: two.folder });
    expect(two.ranges()).toEqual(['0-1', '1-2']);
  });

  it('sends the workers the decomposition options (sequential, in an order); needs no progress callback', async () => {
    const sequential = { method: 'sequential' as const, order: ['z', 'x', 'unit'] };
    const options = { ...bootstrapOptions(60), decompose: sequential };
    const estimateInOrder = decompose(data, sequential);
    const result = await bootstrapInParallel(data, estimateInOrder, options, 2, { workerScripts: BUILT });
    // Each worker posts its progress at its 25th replicate: with no callback, nothing is called.
    expect(result).toEqual(bootstrapDecomposition(data, estimateInOrder, options));
    expect(result).not.toEqual(inThread);
  });

  it('runs in this thread, starting no worker, for one thread, or from the sources with no worker folder', async () => {
    const { folder, ranges } = recordingWorkers();
    const { calls, report } = progress();
    const one = await bootstrapInParallel(data, estimate, bootstrapOptions(3, report), 1, { workerScripts: folder });
    expect(ranges()).toEqual([]);
    expect(one).toEqual(bootstrapDecomposition(data, estimate, bootstrapOptions(3)));
    expect(calls).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    // From the TypeScript sources, no folder given: no worker script exists, so no worker is started.
    expect(await bootstrapInParallel(data, estimate, bootstrapOptions(3), 2)).toEqual(one);
  });
});

describe('permutationNullInParallel on worker threads', () => {
  const data = smallData(4);
  const observed = decompose(data, { method: 'shapley' }).groups.map((g) => g.share);

  it('cuts the permutations into one range per worker and gives the single-thread result to the last bit', async () => {
    const { folder, ranges } = recordingWorkers();
    const { calls, report } = progress();
    const result = await permutationNullInParallel(data, observed, permutationOptions(60, report), 2, {
      workerScripts: folder,
    });
    expect(ranges()).toEqual(['0-30', '30-60']);
    const inThread = permutationNull(data, observed, permutationOptions(60));
    expect(result).toEqual(inThread);
    result.values!.forEach((values, g) =>
      values.forEach((value, b) => expect(Object.is(value, inThread.values![g]![b]!)).toBe(true)),
    );
    expect(calls).toEqual([
      [25, 60],
      [50, 60],
      [60, 60],
    ]);
  });

  it('sends the method and the sequential order to the workers, and needs no progress callback', async () => {
    const sequential = decompose(data, { method: 'sequential', order: ['z', 'x', 'unit'] });
    const options: PermutationOptions = { ...permutationOptions(60), method: 'sequential', order: [2, 1, 0] };
    const shares = sequential.groups.map((g) => g.share);
    const result = await permutationNullInParallel(data, shares, options, 2, { workerScripts: BUILT });
    const here = permutationNull(data, shares, options);
    expect(result).toEqual(here);
    expect(here.values).not.toEqual(permutationNull(data, shares, { ...options, order: [0, 1, 2] }).values);
  });

  it('starts no more workers than permutations, and none for one thread or without a worker folder', async () => {
    const few = recordingWorkers();
    const result = await permutationNullInParallel(data, observed, permutationOptions(3), 5, {
      workerScripts: few.folder,
    });
    expect(few.ranges()).toEqual(['0-1', '1-2', '2-3']);
    expect(result).toEqual(permutationNull(data, observed, permutationOptions(3)));
    const none = recordingWorkers();
    await permutationNullInParallel(data, observed, permutationOptions(3), 1, { workerScripts: none.folder });
    expect(none.ranges()).toEqual([]);
    expect(await permutationNullInParallel(data, observed, permutationOptions(3), 2)).toEqual(result);
  });
});

describe('a worker that fails', () => {
  const data = smallData(5);
  const estimate = decompose(data, { method: 'shapley' });
  const observed = estimate.groups.map((g) => g.share);
  const failing = (source: string) => workerFolder({ bootstrapWorker: source, permutationWorker: source });
  const bootstrapWith = (folder: URL) =>
    bootstrapInParallel(data, estimate, bootstrapOptions(4), 2, { workerScripts: folder });
  const permutationsWith = (folder: URL) =>
    permutationNullInParallel(data, observed, permutationOptions(4), 2, { workerScripts: folder });

  it("makes a worker's ModelError (bad input found there) the run's ModelError, with its message", async () => {
    const folder = failing("const error = new Error('no rows left'); error.name = 'ModelError'; throw error;\n");
    for (const run of [bootstrapWith, permutationsWith]) {
      const error = await run(folder).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelError);
      expect((error as Error).message).toBe('no rows left');
    }
  });

  it('makes any other error an internal error naming the kind of worker', async () => {
    const folder = failing("throw new TypeError('boom');\n");
    await expect(bootstrapWith(folder)).rejects.toThrow(new InternalError('bootstrap worker failed: TypeError: boom'));
    await expect(bootstrapWith(folder)).rejects.toBeInstanceOf(InternalError);
    await expect(permutationsWith(folder)).rejects.toThrow(
      new InternalError('permutation worker failed: TypeError: boom'),
    );
  });

  it('reports a worker that stops with an exit code or without its batch, instead of waiting for ever', async () => {
    const exits = failing('process.exit(3);\n');
    await expect(bootstrapWith(exits)).rejects.toThrow(new InternalError('bootstrap worker stopped with code 3'));
    await expect(permutationsWith(exits)).rejects.toThrow(new InternalError('permutation worker stopped with code 3'));
    const silent = failing('// posts nothing\n');
    await expect(bootstrapWith(silent)).rejects.toThrow(
      new InternalError('bootstrap worker stopped without its batch'),
    );
    await expect(permutationsWith(silent)).rejects.toBeInstanceOf(InternalError);
  });
});

/** Numeric groups of one column each and a unit fixed effect: 2 fixed-effect sets × 2^bits prefixes of tasks. */
function shapleyData(seed: number, groups: number): ModelData {
  const random = testRandom(seed);
  const columns: Record<string, number[] | string[]> = { unit: [], y: [] };
  for (let j = 0; j < groups; j++) columns[`x${j}`] = [];
  for (let u = 0; u < 10; u++) {
    const effect = random.normal();
    for (let t = 0; t < 6; t++) {
      const common = random.normal();
      let y = effect + random.normal();
      for (let j = 0; j < groups; j++) {
        const x = 0.8 * common + 0.5 * random.normal() + 0.3 * effect;
        (columns[`x${j}`] as number[]).push(x);
        y += ((j % 3) - 1) * 0.4 * x;
      }
      (columns.unit as string[]).push(`u${u}`);
      (columns.y as number[]).push(y);
    }
  }
  const spec: ModelSpec = {
    outcome: 'y',
    groups: [
      { name: 'unit', kind: 'fixed-effect', columns: ['unit'] },
      ...Array.from({ length: groups }, (_, j) => ({ name: `g${j}`, kind: 'numeric' as const, columns: [`x${j}`] })),
    ],
  };
  return buildModelData(panelFrom(columns), spec);
}

/** Sums to the last bit: every entry of `inside`, the weighted sum and the refits. */
function expectSameSums(
  actual: { inside: Float64Array; weighted: number; refits: number },
  expected: { inside: Float64Array; weighted: number; refits: number },
) {
  expect(actual.inside.length).toBe(expected.inside.length);
  actual.inside.forEach((value, j) => expect(Object.is(value, expected.inside[j]!)).toBe(true));
  expect(Object.is(actual.weighted, expected.weighted)).toBe(true);
  expect(actual.refits).toBe(expected.refits);
}

/**
 * A recorder of progress calls that holds this thread for `ms` at its first call, so that a worker (started
 * within tens of milliseconds) claims the tasks left before this thread can: a small plan then still exercises
 * the tasks taken by a worker.
 */
function slowProgress(ms: number) {
  const recorder = progress();
  return {
    calls: recorder.calls,
    report: (done: number, total: number) => {
      if (recorder.calls.length === 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      recorder.report(done, total);
    },
  };
}

describe('shapleySumsInParallel on worker threads', () => {
  const data = shapleyData(21, 18);
  const plan = () => planExactShapley(data, enginesOf(data));
  const inThread = enumerateInThread(plan());

  it('is cut into more than one task (one set of fixed effects with the unit, one without)', () => {
    expect(plan().tasks).toBe(2);
  });

  it('gives the tasks left to the built worker while this thread is held, and the single-thread sums', async () => {
    // This thread finishes task 0, then is held for two seconds in its progress call: the worker, ready within tens
    // of milliseconds, claims tasks 1 to 3 and finishes them; this thread finds them done and reports no more. The
    // count in that one call depends on timing: where this thread runs slower than the worker (instrumented by a
    // mutation run, the built worker not), the worker may finish all three before task 0 is done here.
    const wide = shapleyData(23, 20);
    const current = planExactShapley(wide, enginesOf(wide));
    expect(current.tasks).toBe(4);
    const { calls, report } = slowProgress(2000);
    const sums = await shapleySumsInParallel(wide, current, 2, report, { minimumSeconds: 0, workerScripts: BUILT });
    expectSameSums(sums, enumerateInThread(planExactShapley(wide, enginesOf(wide))));
    expect(sums.players).toBe(21);
    expect(sums.workerTasks).toBe(3);
    expect(calls).toHaveLength(1);
    const [[done, total]] = calls as [[number, number]];
    expect(total).toBe(4);
    expect(done).toBeGreaterThanOrEqual(1);
    expect(done).toBeLessThanOrEqual(4);
  });

  it('needs no progress callback when workers run', async () => {
    const sums = await shapleySumsInParallel(data, plan(), 2, undefined, { minimumSeconds: 0, workerScripts: BUILT });
    expectSameSums(sums, inThread);
  });

  it('computes here the tasks of a worker that fails, without failing the run', async () => {
    const folder = workerFolder({ shapleyWorker: "throw new TypeError('broken worker');\n" });
    const { calls, report } = slowProgress(300);
    const sums = await shapleySumsInParallel(data, plan(), 2, report, { minimumSeconds: 0, workerScripts: folder });
    expectSameSums(sums, inThread);
    expect(sums.workerTasks).toBe(0);
    expect(calls).toEqual([
      [1, 2],
      [2, 2],
    ]);
  });

  it('runs in this thread from the sources when no worker folder is given, workers or not', async () => {
    const sums = await shapleySumsInParallel(data, plan(), 2, undefined, { minimumSeconds: 0 });
    expect(sums.workerTasks).toBeUndefined();
    expectSameSums(sums, inThread);
  });

  it('stops its workers when the sums are in, even one still at work', async () => {
    // A worker that claims nothing and writes a line every 10 ms until it is stopped.
    const log = join(mkdtempSync(join(tmpdir(), 'cpv-heartbeat-')), 'beats.log');
    folders.push(join(log, '..'));
    writeFileSync(log, '');
    const folder = workerFolder({
      shapleyWorker:
        "import { appendFileSync } from 'node:fs';\n" +
        'const pause = new Int32Array(new SharedArrayBuffer(4));\n' +
        `for (;;) { appendFileSync(${JSON.stringify(log)}, '.'); Atomics.wait(pause, 0, 0, 10); }\n`,
    });
    // This thread is held at its first progress call until the worker has written (at most 10 s).
    const pause = new Int32Array(new SharedArrayBuffer(4));
    const held = () => {
      for (let waited = 0; readFileSync(log, 'utf8').length === 0 && waited < 10_000; waited += 10) {
        Atomics.wait(pause, 0, 0, 10);
      }
    };
    await shapleySumsInParallel(data, plan(), 2, held, { minimumSeconds: 0, workerScripts: folder });
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await sleep(200);
    const beats = readFileSync(log, 'utf8').length;
    expect(beats).toBeGreaterThan(0);
    await sleep(200);
    expect(readFileSync(log, 'utf8').length).toBe(beats);
  });

  it('computes every task here, in order, beside a worker that claims none', async () => {
    // Four tasks, all computed by this thread's first loop while a worker runs: each task's state is its own slot
    // (with the slot of task 2 taken for the task counter, task 1 was computed again without end).
    const folder = workerFolder({ shapleyWorker: 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);\n' });
    const wide = shapleyData(23, 20);
    const current = planExactShapley(wide, enginesOf(wide));
    expect(current.tasks).toBe(4);
    const { calls, report } = progress();
    const sums = await shapleySumsInParallel(wide, current, 2, report, { minimumSeconds: 0, workerScripts: folder });
    expectSameSums(sums, enumerateInThread(planExactShapley(wide, enginesOf(wide))));
    expect(sums.workerTasks).toBe(0);
    expect(calls).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
  });

  it("computes here every task a worker claimed but never finished, and counts none as the worker's", async () => {
    // A worker that claims every task left, as a real one would, and never finishes any.
    const folder = workerFolder({ shapleyWorker: claimingWorkerSource() });
    // Four tasks: the state of the last is read again after the wait from slot TASK_STATES + 3, which only a slot
    // counted from the right end of the counters reaches (TASK_STATES − 3 is no slot at all).
    const { calls, report } = slowProgress(200);
    const wide = shapleyData(23, 20);
    const current = planExactShapley(wide, enginesOf(wide));
    expect(current.tasks).toBe(4);
    const sums = await shapleySumsInParallel(wide, current, 2, report, { minimumSeconds: 0, workerScripts: folder });
    expectSameSums(sums, enumerateInThread(planExactShapley(wide, enginesOf(wide))));
    expect(sums.workerTasks).toBe(0);
    expect(calls).toEqual(Array.from({ length: current.tasks }, (_, i) => [i + 1, current.tasks]));
  });

  it('starts no worker when the plan is expected to end before a worker would start', async () => {
    const folder = workerFolder({ shapleyWorker: "throw new Error('no worker should start');\n" });
    const quick = planExactShapley(shapleyData(22, 3), enginesOf(shapleyData(22, 3)));
    expect(quick.seconds).toBeLessThan(2 * SHAPLEY_WORKER_START_SECONDS);
    const sums = await shapleySumsInParallel(shapleyData(22, 3), quick, 2, undefined, { workerScripts: folder });
    expect(sums.workerTasks).toBeUndefined();
    expectSameSums(sums, enumerateInThread(quick));
  });
});

describe('workersToStart', () => {
  it('starts none for a plan expected to take exactly the minimum, one fewer than the threads above it', () => {
    expect(workersToStart({ seconds: 0.1, tasks: 8 }, 4, { minimumSeconds: 0.1 })).toBe(0);
    expect(workersToStart({ seconds: 0.1000001, tasks: 8 }, 4, { minimumSeconds: 0.1 })).toBe(3);
    expect(workersToStart({ seconds: 2 * SHAPLEY_WORKER_START_SECONDS, tasks: 8 }, 4)).toBe(0);
    expect(workersToStart({ seconds: 1, tasks: 3 }, 4)).toBe(2);
  });
});
