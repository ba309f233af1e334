/** Worker thread entry: enumerates blocks first … last − 1 of an exact Shapley plan, one sum per block. */
import { parentPort, workerData } from 'node:worker_threads';
import { enginesOf, type DecomposableModel } from '../engines/engines.js';
import { planExactShapley } from '../engines/exactShapley.js';

interface Job {
  readonly data: DecomposableModel;
  readonly first: number;
  readonly last: number;
}

const job = workerData as Job;
const plan = planExactShapley(job.data, enginesOf(job.data));
for (let block = job.first; block < job.last; block++) {
  parentPort!.postMessage({ block, sums: plan.sumsOfBlocks(block, block + 1) });
}
