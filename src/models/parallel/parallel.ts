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

/**
 * The bootstrap on `workers` threads: the replicate range is cut into one contiguous slice per worker, each slice
 * runs `bootstrapReplicates` (replicate r always draws from random stream r), and the batches are summarised in
 * replicate order, so the result is identical to the single-threaded one for every number of workers.
 * Falls back to this thread when the code runs from TypeScript sources (tests), where no worker script exists.
 */
export async function bootstrapInParallel(
  data: ModelData,
  estimate: DecompositionResult,
  options: BootstrapOptions,
  workers: number,
): Promise<BootstrapResult> {
  checkBootstrapOptions(options);
  const script = new URL('./bootstrapWorker.js', import.meta.url);
  const count = Math.max(1, Math.min(workers, options.replicates));
  if (count === 1 || import.meta.url.endsWith('.ts')) {
    const batch = bootstrapReplicates(data, options, 0, options.replicates, (done) =>
      options.onProgress?.(done, options.replicates),
    );
    return summariseBootstrap(data, estimate, options, [batch]);
  }
  const { Worker } = workerThreads();
  const bounds = Array.from({ length: count + 1 }, (_, i) => Math.round((i * options.replicates) / count));
  const done = new Array<number>(count).fill(0);
  const replicateOptions = {
    seed: options.seed,
    decompose: { ...options.decompose, onProgress: undefined, enumerate: undefined },
  };
  const batches = await Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        new Promise<ReplicateBatch>((resolve, reject) => {
          const worker = new Worker(script, {
            workerData: { data, options: replicateOptions, first: bounds[i]!, last: bounds[i + 1]! },
          });
          worker.on('message', (message: { progress?: number; batch?: ReplicateBatch }) => {
            if (message.progress !== undefined) {
              done[i] = message.progress;
              options.onProgress?.(
                done.reduce((a, b) => a + b, 0),
                options.replicates,
              );
            }
            if (message.batch) resolve(message.batch);
          });
          worker.on('error', (error) =>
            reject(
              error instanceof Error && /ModelError/.test(error.name)
                ? new ModelError(error.message)
                : new InternalError(`bootstrap worker failed: ${String(error)}`),
            ),
          );
          worker.on('exit', (code) =>
            code === 0 ? undefined : reject(new InternalError(`bootstrap worker stopped with code ${code}`)),
          );
        }),
    ),
  );
  options.onProgress?.(options.replicates, options.replicates);
  return summariseBootstrap(data, estimate, options, batches);
}

/**
 * The permutation test on `workers` threads: the permutations are cut into one contiguous range per worker, each
 * range runs `permutationBatch` (permutation b always draws from random stream b), and the batches are summarised
 * in permutation order, so the result is identical to the single-threaded one for every number of workers. Falls
 * back to this thread when the code runs from TypeScript sources (tests), where no worker script exists.
 */
export async function permutationNullInParallel(
  data: ModelData,
  observed: readonly number[],
  options: PermutationOptions,
  workers: number,
): Promise<PermutationResult> {
  checkPermutationOptions(data, options);
  const script = new URL('./permutationWorker.js', import.meta.url);
  const total = options.permutations;
  const count = Math.max(1, Math.min(workers, total));
  if (count === 1 || import.meta.url.endsWith('.ts')) return permutationNull(data, observed, options);
  const { Worker } = workerThreads();
  const bounds = Array.from({ length: count + 1 }, (_, i) => Math.round((i * total) / count));
  const done = new Array<number>(count).fill(0);
  const batchOptions: BatchOptions = {
    permutations: total,
    seed: options.seed,
    method: options.method,
    ...(options.order ? { order: options.order } : {}),
  };
  const batches = await Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        new Promise<PermutationBatch>((resolve, reject) => {
          const worker = new Worker(script, {
            workerData: { data, options: batchOptions, first: bounds[i]!, last: bounds[i + 1]! },
          });
          worker.on('message', (message: { progress?: number; batch?: PermutationBatch }) => {
            if (message.progress !== undefined) {
              done[i] = message.progress;
              options.onProgress?.(
                done.reduce((a, b) => a + b, 0),
                total,
              );
            }
            if (message.batch) resolve(message.batch);
          });
          worker.on('error', (error) =>
            reject(
              error instanceof Error && /ModelError/.test(error.name)
                ? new ModelError(error.message)
                : new InternalError(`permutation worker failed: ${String(error)}`),
            ),
          );
          worker.on('exit', (code) =>
            code === 0 ? undefined : reject(new InternalError(`permutation worker stopped with code ${code}`)),
          );
        }),
    ),
  );
  options.onProgress?.(total, total);
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

export interface ParallelOptions {
  /** Start workers only when the plan's estimated seconds exceed this; default WORKER_PAYOFF × start-up cost. */
  readonly minimumSeconds?: number;
}

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
 * `enumerateInThread` adds them, so the values are identical for any number of workers. Falls back to this
 * thread when running from TypeScript sources (tests), where no worker script exists.
 */
export async function shapleySumsInParallel(
  data: DecomposableModel,
  plan: ShapleyPlan,
  workers: number,
  onProgress?: (done: number, total: number) => void,
  options: ParallelOptions = {},
): Promise<ShapleySums> {
  const extra = workersToStart(plan, workers, options);
  if (extra === 0 || import.meta.url.endsWith('.ts')) return enumerateInThread(plan, onProgress);
  const stride = plan.players + 2;
  const control = new SharedArrayBuffer((TASK_STATES + plan.tasks) * Int32Array.BYTES_PER_ELEMENT);
  const results = new SharedArrayBuffer(plan.tasks * stride * Float64Array.BYTES_PER_ELEMENT);
  const claimed = new SharedArrayBuffer(plan.tasks * Float64Array.BYTES_PER_ELEMENT);
  const counters = new Int32Array(control);
  const claimedAt = new Float64Array(claimed);
  const rows = new Float64Array(results);
  const job: ShapleyJob = { data, transfer: plan.transfer(), control, results, claimedAt: claimed };
  const script = new URL('./shapleyWorker.js', import.meta.url);
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
