import { availableParallelism } from 'node:os';
import { InternalError, ModelError } from '../../errors.js';
import { lazyRequire } from '../../lazyRequire.js';
import {
  bootstrapReplicates,
  checkBootstrapOptions,
  summariseBootstrap,
  type BootstrapOptions,
  type BootstrapResult,
  type ReplicateBatch,
} from '../bootstrap/bootstrap.js';
import type { DecompositionResult } from '../methods/decompose.js';
import { addSums, enumerateInThread, sumsOf, type ShapleyPlan, type ShapleySums } from '../engines/exactShapley.js';
import type { DecomposableModel } from '../engines/engines.js';
import { CLAIMED, DONE, FINISHED_TASKS, NEXT_TASK, now, TASK_STATES, type ShapleyJob } from './shapleyJob.js';
import type { ModelData } from '../design/modelData.js';
import {
  checkPermutationOptions,
  permutationNull,
  summariseNull,
  type BatchOptions,
  type PermutationBatch,
  type PermutationOptions,
  type PermutationResult,
} from '../permutation/freedmanLane.js';

/** Loaded when a worker is started (see lazyRequire). */
const workerThreads = lazyRequire<typeof import('node:worker_threads')>('node:worker_threads');

/** Workers used by default: every core, as Node reports them. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

export interface ParallelOptions {
  /** Start Shapley workers only when the plan's estimated seconds exceed this; default WORKER_PAYOFF × start-up. */
  readonly minimumSeconds?: number;
  /**
   * The folder of the built worker scripts (bootstrapWorker.js, permutationWorker.js, shapleyWorker.js). By default
   * this module's own folder when it runs built; from the TypeScript sources (the tests) there is no worker script,
   * and the work runs in this thread unless a folder is given (the tests give dist/src/models/parallel/).
   */
  readonly workerScripts?: URL;
}

/**
 * The worker scripts beside this module, each written out in full so that the bundler and tests/cli/bundle.test.ts
 * can see which files the built code starts.
 */
const BESIDE = {
  // Stryker disable next-line all: reached only from the built code, whose bundled worker tests/cli/bundle.test.ts runs
  bootstrapWorker: () => new URL('./bootstrapWorker.js', import.meta.url),
  // Stryker disable next-line all: reached only from the built code, whose bundled worker tests/cli/bundle.test.ts runs
  permutationWorker: () => new URL('./permutationWorker.js', import.meta.url),
  // Stryker disable next-line all: reached only from the built code, whose bundled worker tests/cli/bundle.test.ts runs
  shapleyWorker: () => new URL('./shapleyWorker.js', import.meta.url),
};

/** The worker script `name`.js (ParallelOptions.workerScripts), or none when running from TypeScript sources. */
function workerScript(name: keyof typeof BESIDE, options: ParallelOptions): URL | undefined {
  if (options.workerScripts) return new URL(`${name}.js`, options.workerScripts);
  return import.meta.url.endsWith('.ts') ? undefined : BESIDE[name]();
}

/**
 * Units of work 0 … total − 1 (replicates, permutations) run on `count` worker threads of `script`, one
 * contiguous range each: worker i gets `{ ...job, first: round(i·total/count), last: round((i+1)·total/count) }`,
 * posts `{ progress }` (units done in its range) as it goes and `{ batch }` at the end. Resolves to the batches in
 * range order; `onProgress` gets the units done over all workers. A worker's ModelError (bad input found in the
 * worker) is the run's ModelError; any other failure, or a worker that stops without its batch, is an
 * InternalError naming `what`.
 */
async function rangesOnWorkers<Batch>(
  script: URL,
  job: object,
  total: number,
  count: number,
  what: string,
  onProgress?: (done: number, total: number) => void,
): Promise<Batch[]> {
  const { Worker } = workerThreads();
  const bounds = Array.from({ length: count + 1 }, (_, i) => Math.round((i * total) / count));
  const done = new Array<number>(count).fill(0);
  const batches = await Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        new Promise<Batch>((resolve, reject) => {
          const worker = new Worker(script, { workerData: { ...job, first: bounds[i]!, last: bounds[i + 1]! } });
          worker.on('message', (message: { progress?: number; batch?: Batch }) => {
            if (message.progress !== undefined) {
              done[i] = message.progress;
              onProgress?.(
                done.reduce((a, b) => a + b, 0),
                total,
              );
            }
            if (message.batch) resolve(message.batch);
          });
          worker.on('error', (error) =>
            reject(
              error instanceof Error && error.name === 'ModelError'
                ? new ModelError(error.message)
                : new InternalError(`${what} worker failed: ${String(error)}`),
            ),
          );
          // After its batch a worker stops with code 0, and this rejection comes too late to count.
          worker.on('exit', (code) =>
            reject(
              new InternalError(
                code === 0 ? `${what} worker stopped without its batch` : `${what} worker stopped with code ${code}`,
              ),
            ),
          );
        }),
    ),
  );
  onProgress?.(total, total);
  return batches;
}

/**
 * The bootstrap on `workers` threads: the replicate range is cut into one contiguous slice per worker, each slice
 * runs `bootstrapReplicates` (replicate r always draws from random stream r), and the batches are summarised in
 * replicate order, so the result is identical to the single-threaded one for every number of workers.
 * Runs in this thread when there is no worker script (ParallelOptions.workerScripts).
 */
export async function bootstrapInParallel(
  data: ModelData,
  estimate: DecompositionResult,
  options: BootstrapOptions,
  workers: number,
  parallel: ParallelOptions = {},
): Promise<BootstrapResult> {
  checkBootstrapOptions(options);
  const script = workerScript('bootstrapWorker', parallel);
  const count = Math.max(1, Math.min(workers, options.replicates));
  if (count === 1 || script === undefined) {
    const batch = bootstrapReplicates(data, options, 0, options.replicates, (done) =>
      options.onProgress?.(done, options.replicates),
    );
    return summariseBootstrap(data, estimate, options, [batch]);
  }
  const job = {
    data,
    options: { seed: options.seed, decompose: { ...options.decompose, onProgress: undefined, enumerate: undefined } },
  };
  const batches = await rangesOnWorkers<ReplicateBatch>(
    script,
    job,
    options.replicates,
    count,
    'bootstrap',
    options.onProgress,
  );
  return summariseBootstrap(data, estimate, options, batches);
}

/**
 * The permutation test on `workers` threads: the permutations are cut into one contiguous range per worker, each
 * range runs `permutationBatch` (permutation b always draws from random stream b), and the batches are summarised
 * in permutation order, so the result is identical to the single-threaded one for every number of workers. Runs
 * in this thread when there is no worker script (ParallelOptions.workerScripts).
 */
export async function permutationNullInParallel(
  data: ModelData,
  observed: readonly number[],
  options: PermutationOptions,
  workers: number,
  parallel: ParallelOptions = {},
): Promise<PermutationResult> {
  checkPermutationOptions(data, options);
  const script = workerScript('permutationWorker', parallel);
  const total = options.permutations;
  const count = Math.max(1, Math.min(workers, total));
  if (count === 1 || script === undefined) return permutationNull(data, observed, options);
  const batchOptions: BatchOptions = {
    permutations: total,
    seed: options.seed,
    method: options.method,
    ...(options.order ? { order: options.order } : {}),
  };
  const batches = await rangesOnWorkers<PermutationBatch>(
    script,
    { data, options: batchOptions },
    total,
    count,
    'permutation',
    options.onProgress,
  );
  return summariseNull(data, observed, options, batches);
}

/**
 * Seconds from `new Worker` to a Shapley worker ready to take tasks (modules loaded, model and Gram matrices
 * received, plan built): 34 ms, median on this project's 2-core machine (`npm run bench` prints it), rounded up
 * for the worker's first tasks, which run before its code is optimised.
 */
export const SHAPLEY_WORKER_START_SECONDS = 0.05;
/** Workers are started only for enumerations expected to take this many times their start-up on one thread. */
const WORKER_PAYOFF = 2;

/**
 * Worker threads worth starting for a plan when `workers` threads (this one included) may be used: none unless
 * the plan's estimated single-thread seconds exceed WORKER_PAYOFF × SHAPLEY_WORKER_START_SECONDS (a worker that
 * starts after the work is done only costs), else one fewer than `workers`, and no more than there are tasks
 * beyond the first.
 */
export function workersToStart(
  plan: Pick<ShapleyPlan, 'seconds' | 'tasks'>,
  workers: number,
  options: ParallelOptions = {},
): number {
  const minimum = options.minimumSeconds ?? WORKER_PAYOFF * SHAPLEY_WORKER_START_SECONDS;
  return plan.seconds > minimum ? Math.max(0, Math.min(workers - 1, plan.tasks - 1)) : 0;
}

/**
 * Exact Shapley sums on up to `workers` threads, this one included. Worker threads are started only when the
 * plan's estimated single-thread time exceeds WORKER_PAYOFF × SHAPLEY_WORKER_START_SECONDS, and this thread works
 * meanwhile: every thread claims the next task from a shared counter and writes the task's sums to the task's row
 * of a shared array. When no task is left to claim, a task still with a worker (one still starting, or on its
 * first, unoptimised task) is waited for only if it should end before this thread could redo it, else this
 * thread computes it too, so that a worker never holds the run up by more than a task; quick runs start no
 * worker at all. Every task gives the same bits on any thread, and the rows are added in task order, exactly as
 * `enumerateInThread` adds them, so the values are identical for any number of workers. Runs in this thread when
 * there is no worker script (ParallelOptions.workerScripts).
 */
export async function shapleySumsInParallel(
  data: DecomposableModel,
  plan: ShapleyPlan,
  workers: number,
  onProgress?: (done: number, total: number) => void,
  options: ParallelOptions = {},
): Promise<ShapleySums> {
  const extra = workersToStart(plan, workers, options);
  const script = workerScript('shapleyWorker', options);
  if (extra === 0 || script === undefined) return enumerateInThread(plan, onProgress);
  const stride = plan.players + 2;
  const control = new SharedArrayBuffer((TASK_STATES + plan.tasks) * Int32Array.BYTES_PER_ELEMENT);
  const results = new SharedArrayBuffer(plan.tasks * stride * Float64Array.BYTES_PER_ELEMENT);
  const claimed = new SharedArrayBuffer(plan.tasks * Float64Array.BYTES_PER_ELEMENT);
  const counters = new Int32Array(control);
  const claimedAt = new Float64Array(claimed);
  const rows = new Float64Array(results);
  const job: ShapleyJob = { data, transfer: plan.transfer(), control, results, claimedAt: claimed };
  const { Worker } = workerThreads();
  const threads = Array.from({ length: extra }, () => {
    const worker = new Worker(script, { workerData: job });
    // A failed worker's tasks are recomputed here; its error is not the run's.
    worker.on('error', () => undefined);
    return worker;
  });
  const row = (task: number) => rows.subarray(task * stride, (task + 1) * stride);
  const finish = (task: number) => {
    if (Atomics.exchange(counters, TASK_STATES + task, DONE) !== DONE) Atomics.add(counters, FINISHED_TASKS, 1);
    onProgress?.(Atomics.load(counters, FINISHED_TASKS), plan.tasks);
  };
  let here = 0;
  try {
    const start = now();
    for (;;) {
      const task = Atomics.add(counters, NEXT_TASK, 1);
      if (task >= plan.tasks) break;
      Atomics.store(counters, TASK_STATES + task, CLAIMED);
      plan.runTask(task, row(task));
      finish(task);
      here++;
    }
    // Tasks still with a worker: waited for when they should end before this thread could redo them (judged by
    // this thread's time per task, with room for a worker's slower first task), else computed again here.
    const perTask = here > 0 ? (now() - start) / here : (1000 * plan.seconds) / plan.tasks;
    const mine = new Float64Array(stride);
    for (let task = 0; task < plan.tasks; task++) {
      const state = Atomics.load(counters, TASK_STATES + task);
      if (state === DONE) continue;
      if (state === CLAIMED) {
        const wait = claimedAt[task]! + 1.5 * perTask - now();
        if (wait > 0 && wait < perTask) Atomics.wait(counters, TASK_STATES + task, CLAIMED, wait);
        if (Atomics.load(counters, TASK_STATES + task) === DONE) continue;
      }
      plan.runTask(task, mine);
      row(task).set(mine);
      finish(task);
      here++;
    }
  } finally {
    for (const worker of threads) {
      worker.unref();
      void worker.terminate();
    }
  }
  const sums = addSums(Array.from({ length: plan.tasks }, (_, task) => sumsOf(row(task), plan.players)));
  return { ...sums, workerTasks: plan.tasks - here };
}
