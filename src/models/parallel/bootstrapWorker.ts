/** Worker thread entry: runs one range of bootstrap replicates and posts the batch back. */
import { parentPort, workerData } from 'node:worker_threads';
import { bootstrapReplicates, type ReplicateOptions } from '../bootstrap/bootstrap.js';
import type { ModelData } from '../design/modelData.js';

interface Job {
  readonly data: ModelData;
  readonly options: ReplicateOptions;
  readonly first: number;
  readonly last: number;
}

const job = workerData as Job;
const batch = bootstrapReplicates(job.data, job.options, job.first, job.last, (done) => {
  if (done % 25 === 0) parentPort!.postMessage({ progress: done });
});
parentPort!.postMessage({ batch });
