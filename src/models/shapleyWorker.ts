/** Worker thread entry: enumerates blocks first … last − 1 of an exact Shapley plan, one sum per block. */
import { parentPort, workerData } from 'node:worker_threads';
import { planExactShapley } from './exactShapley.js';
import type { ModelData } from './modelData.js';
import { createSubsetFitter } from './subsetFit.js';

interface Job {
  readonly data: ModelData;
  readonly first: number;
  readonly last: number;
}

const job = workerData as Job;
const plan = planExactShapley(job.data, createSubsetFitter(job.data));
for (let block = job.first; block < job.last; block++) {
  parentPort!.postMessage({ block, sums: plan.sumsOfBlocks(block, block + 1) });
}
