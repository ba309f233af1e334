import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InternalError, ModelError } from '../../errors.js';
import {
  bootstrapReplicates,
  checkBootstrapOptions,
  summariseBootstrap,
  type BootstrapOptions,
  type BootstrapResult,
  type ReplicateBatch,
} from '../bootstrap/bootstrap.js';
import { enumerateInThread, type DecompositionResult } from '../methods/decompose.js';
import { addSums, type ShapleyPlan, type ShapleySums } from '../engines/exactShapley.js';
import type { DecomposableModel } from '../engines/engines.js';
import type { ModelData } from '../design/modelData.js';

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
 * Exact Shapley sums on `workers` threads: each thread enumerates a contiguous range of blocks and returns one
 * sum per block; the sums are added in block order, exactly as `enumerateInThread` adds them, so the values are
 * identical for any number of workers.
 */
export async function shapleySumsInParallel(
  data: DecomposableModel,
  plan: ShapleyPlan,
  workers: number,
  onProgress?: (done: number, total: number) => void,
): Promise<ShapleySums> {
  const count = Math.max(1, Math.min(workers, plan.blocks));
  if (count === 1 || import.meta.url.endsWith('.ts')) return enumerateInThread(plan, onProgress);
  const script = new URL('./shapleyWorker.js', import.meta.url);
  const bounds = Array.from({ length: count + 1 }, (_, i) => Math.round((i * plan.blocks) / count));
  const byBlock = new Array<ShapleySums>(plan.blocks);
  let done = 0;
  await Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        new Promise<void>((resolve, reject) => {
          const worker = new Worker(script, { workerData: { data, first: bounds[i]!, last: bounds[i + 1]! } });
          worker.on('message', (message: { block: number; sums: ShapleySums }) => {
            byBlock[message.block] = message.sums;
            onProgress?.(++done, plan.blocks);
          });
          worker.on('error', (error) => reject(new InternalError(`Shapley worker failed: ${String(error)}`)));
          worker.on('exit', (code) =>
            code === 0 ? resolve() : reject(new InternalError(`Shapley worker stopped with code ${code}`)),
          );
        }),
    ),
  );
  return addSums(byBlock);
}
