import type { DecomposableModel } from '../engines/engines.js';
import type { ShapleyTransfer } from '../engines/exactShapley.js';

/** The job a Shapley worker receives (`shapleyWorker.ts`, started by `shapleySumsInParallel`). */
export interface ShapleyJob {
  readonly data: DecomposableModel;
  readonly transfer: ShapleyTransfer;
  /** Int32Array: [next task to claim, tasks finished, then one state per task: OPEN, CLAIMED or DONE]. */
  readonly control: SharedArrayBuffer;
  /** Float64Array: one row of k + 2 sums per task (`ShapleyPlan.runTask`). */
  readonly results: SharedArrayBuffer;
  /** Float64Array: when each task was claimed (`now()`), so that the main thread can tell whether to wait for it. */
  readonly claimedAt: SharedArrayBuffer;
}

/** Milliseconds on a clock shared by every thread of the process. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Offsets in a job's control array, and the states of a task. */
export const NEXT_TASK = 0;
export const FINISHED_TASKS = 1;
export const TASK_STATES = 2;
const _OPEN = 0;
export const CLAIMED = 1;
export const DONE = 2;
