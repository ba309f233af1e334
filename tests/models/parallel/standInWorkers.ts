import { CLAIMED, NEXT_TASK, TASK_STATES } from '../../../src/models/parallel/shapleyJob.js';

/**
 * The source of a stand-in Shapley worker (an ES module for a worker folder) that claims every task left, as a real
 * worker would, `pauseMs` apart when given (a slow worker), records when it claimed each, and finishes none.
 */
export function claimingWorkerSource(pauseMs = 0): string {
  return (
    "import { workerData } from 'node:worker_threads';\n" +
    'const counters = new Int32Array(workerData.control);\n' +
    'const claimedAt = new Float64Array(workerData.claimedAt);\n' +
    'const pause = new Int32Array(new SharedArrayBuffer(4));\n' +
    `const tasks = counters.length - ${TASK_STATES};\n` +
    'for (;;) {\n' +
    `  const task = Atomics.add(counters, ${NEXT_TASK}, 1);\n` +
    '  if (task >= tasks) break;\n' +
    '  claimedAt[task] = performance.timeOrigin + performance.now();\n' +
    `  Atomics.store(counters, ${TASK_STATES} + task, ${CLAIMED});\n` +
    (pauseMs > 0 ? `  Atomics.wait(pause, 0, 0, ${pauseMs});\n` : '') +
    '}\n' +
    'Atomics.wait(pause, 0, 0);\n'
  );
}
