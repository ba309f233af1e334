/**
 * `npm run bench`: time the decomposition engine against a naive baseline measured in the same run.
 *
 * Baseline: refit every subset from the rows by QR on the full dummy-variable design (intercept, one indicator
 * per fixed-effect level, numeric columns), the way most R² decompositions are computed. Engine: the default
 * path of `decompose` (fixed effects absorbed by within-demeaning, pivoted QR on what remains).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsv } from '../src/io/csv.js';
import { packageRoot } from '../src/io/packageRoot.js';
import { readPanel } from '../src/io/panel.js';
import { decomposeShapley } from '../src/models/decompose.js';
import { buildModelData, columnRequests, type ModelData } from '../src/models/modelData.js';
import { qrDecompose, residualSumOfSquares } from '../src/models/qr.js';
import { shapleyValues } from '../src/models/shapley.js';
import { NAO_DEFAULT_SPEC } from '../src/models/spec.js';
import { centre, sumOfSquares } from '../src/models/subsetFit.js';

const RUNS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(run: () => unknown): number {
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const start = process.hrtime.bigint();
    run();
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return median(times);
}

/** Naive subset R² from the rows: QR of [1, all indicators, numeric columns] for every subset. */
function naiveShapley(data: ModelData): Float64Array {
  const tss = sumOfSquares(centre(data.y));
  const one = new Float64Array(data.n).fill(1);
  const blocks = data.groups.map((g) => {
    if (g.kind === 'numeric') return g.values;
    return Array.from({ length: g.levels }, (_, level) => Float64Array.from(g.codes, (c) => (c === level ? 1 : 0)));
  });
  return shapleyValues(data.groups.length, (mask) => {
    const columns = [one, ...blocks.filter((_, g) => mask & (1 << g)).flat()];
    return 1 - residualSumOfSquares(qrDecompose(columns), data.y) / tss;
  });
}

const path = join(packageRoot(), 'fixtures/nao-2019-synthetic.csv');
const table = parseCsv({ name: path, bytes: readFileSync(path) });
const data = buildModelData(readPanel(table, columnRequests(NAO_DEFAULT_SPEC)), NAO_DEFAULT_SPEC);

const engineSeconds = time(() => decomposeShapley(data));
const baselineSeconds = time(() => naiveShapley(data));
const engine = decomposeShapley(data).groups.map((g) => g.share);
const baseline = naiveShapley(data);
const maxDifference = Math.max(...engine.map((v, g) => Math.abs(v - baseline[g]!)));

const rows = [
  ['scenario', 'n', 'groups', 'subsets', 'median s (5 runs)', 'baseline s', 'speed-up'],
  [
    'NAO layout, bundled data (la + year FE)',
    String(data.n),
    String(data.groups.length),
    String(2 ** data.groups.length),
    engineSeconds.toFixed(4),
    baselineSeconds.toFixed(4),
    `${(baselineSeconds / engineSeconds).toFixed(1)}×`,
  ],
];
const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
for (const row of rows) console.log(row.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  '));
console.log(`\nengine vs baseline: largest difference in any share ${maxDifference.toExponential(2)} (R² units)`);
console.log(`node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
