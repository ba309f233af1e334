/**
 * Worker thread entry: rebuilds an exact Shapley plan from the model and the Gram matrices it was sent, then
 * claims tasks from the shared counter until none is left, writing each task's sums to its row of the shared
 * results (`shapleySumsInParallel`).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createFactorFitter } from '../design/factoredModel.js';
import { isFactored } from '../engines/engines.js';
import { gramsOfTransfer, planExactShapley } from '../engines/exactShapley.js';
import { createSubsetFitter } from '../engines/subsetFit.js';
import { CLAIMED, DONE, FINISHED_TASKS, NEXT_TASK, now, TASK_STATES, type ShapleyJob } from './shapleyJob.js';

const job = workerData as ShapleyJob;
const { data } = job;
const stable = isFactored(data) ? createFactorFitter(data) : createSubsetFitter(data);
const plan = planExactShapley(data, { statistics: gramsOfTransfer(job.transfer), stable }, job.transfer.value);
const counters = new Int32Array(job.control);
const claimedAt = new Float64Array(job.claimedAt);
const rows = new Float64Array(job.results);
const stride = plan.players + 2;
const out = new Float64Array(stride);
parentPort!.postMessage({ ready: true });
for (;;) {
  const task = Atomics.add(counters, NEXT_TASK, 1);
  if (task >= plan.tasks) break;
  claimedAt[task] = now();
  Atomics.store(counters, TASK_STATES + task, CLAIMED);
  plan.runTask(task, out);
  // The main thread may have computed the task meanwhile: the same bits, so either copy will do.
  rows.set(out, task * stride);
  if (Atomics.compareExchange(counters, TASK_STATES + task, CLAIMED, DONE) === CLAIMED) {
    Atomics.add(counters, FINISHED_TASKS, 1);
    Atomics.notify(counters, TASK_STATES + task);
  }
}
