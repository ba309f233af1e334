/** Worker thread entry: runs one range of permutations of a permutation test and posts the batch back. */
import { parentPort, workerData } from 'node:worker_threads';
import type { ModelData } from '../design/modelData.js';
import { permutationBatch, type BatchOptions } from '../permutation/freedmanLane.js';

interface Job {
  readonly data: ModelData;
  readonly options: BatchOptions;
  readonly first: number;
  readonly last: number;
}

const job = workerData as Job;
const batch = permutationBatch(job.data, job.options, job.first, job.last, (done) => {
  if (done % 25 === 0) parentPort!.postMessage({ progress: done });
});
parentPort!.postMessage({ batch });
