/**
 * `npm run bench`: speed of the decomposition engines, each against baselines measured in the same run.
 *
 * Baselines: the Gray-code sweep engine that the subset tree replaced (`decompose(…, { engine: 'gray-code' })`,
 * one O(m²) sweep per subset), run in full up to p = 24 and extrapolated beyond from its measured cost per
 * subset (it grows as m²); and "refit": every subset's R² by a fresh QR of its columns from the rows, the way most
 * implementations (e.g. R's relaimpo) compute an exact decomposition, run in full where it is expected to finish
 * within 60 s and extrapolated elsewhere from the measured cost of a sample of subset fits. Extrapolations are
 * labelled so. The "floor" column is 2^p subsets × the measured cost of the tree's innermost update (one leaf:
 * RSS = e − b²/h and its Shapley credit), on one core: the least any enumeration of every subset can cost here.
 *
 * Scenarios 6 and 7 measure how fast, and in how little memory, bad inputs are refused; each measurement is printed
 * with its limit and PASS or FAIL (these limits were once test assertions: timings belong here, not in unit tests).
 *
 * Scenario 8 times the permutation test (`--permutations 1000`) on the NAO layout against the naive null, a full
 * decompose() per permutation and group, and checks the CLI's wall time against its limit (10 s on 2 cores).
 *
 * Scenario `startup` times a cold `cpp-variance decompose` on the bundled panel, with the executable that ships
 * (package.json's "bin"), against `node -e 0` in the same run: median wall times of alternating runs, output
 * discarded, and their ratio against its limit (3×). The unbundled tsc output (dist/src/cli.js) is timed too.
 *
 * The CLI timed in every scenario is the shipped one (SHIPPED_CLI), and so are the worker threads.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { withBenchBlock } from './readmeBlock.js';
import { DataError, UsageError } from '../src/errors.js';
import { parseCsv } from '../src/io/csv.js';
import { packageRoot } from '../src/io/packageRoot.js';
import { readPanel } from '../src/io/panel.js';
import { MAX_INPUT_BYTES, readSource } from '../src/io/source.js';
import { bootstrapDecomposition } from '../src/models/bootstrap/bootstrap.js';
import { Worker } from 'node:worker_threads';
import {
  bootstrapInParallel,
  permutationNullInParallel,
  SHAPLEY_WORKER_START_SECONDS,
  shapleySumsInParallel,
} from '../src/models/parallel/parallel.js';
import { NEXT_TASK, TASK_STATES, type ShapleyJob } from '../src/models/parallel/shapleyJob.js';
import { decompose } from '../src/models/methods/decompose.js';
import { enginesOf } from '../src/models/engines/engines.js';
import { planExactShapley } from '../src/models/engines/exactShapley.js';
import type { GroupData, ModelData } from '../src/models/design/modelData.js';
import { buildModelData, columnRequests } from '../src/models/design/modelData.js';
import { qrDecompose, residualSumOfSquares } from '../src/models/linalg/qr.js';
import { SIMULATED_SPEC } from '../src/models/spec/spec.js';
import { centre, createSubsetSolver, sumOfSquares } from '../src/models/engines/subsetFit.js';
import {
  blockRows,
  drawPermutation,
  permutationNull,
  type PermutationResult,
} from '../src/models/permutation/freedmanLane.js';
import { seededStreams } from '../src/models/bootstrap/random.js';
import { parseDerivation } from '../src/models/spec/expression.js';
import { parseFormula } from '../src/models/spec/formula.js';

const BASELINE_LIMIT_SECONDS = 60;
/** The executable that ships: package.json's "bin" (the bundle in dist/bin, built by `npm run build`). */
const SHIPPED_CLI = join(
  packageRoot(),
  (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin[
    'cpp-variance'
  ]!,
);
const rows: string[][] = [];
/** Sentences for the README's block of timings, each stating a measurement of this run. */
const headlines: string[] = [];
/** The table of the refusals scenario, as printed. */
let refusalsText = '';
/** Measurements with a limit: scenario, what, measured, limit, PASS/FAIL. */
const limits: string[][] = [];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function seconds(run: () => unknown): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function timeRuns(runs: number, run: () => unknown): number {
  return median(Array.from({ length: runs }, () => seconds(run)));
}

/**
 * Median seconds of two computations timed in alternation (a, b, a, b, …) after `warmUp` untimed runs of each,
 * so that neither pays the JIT's warm-up of code they share, nor a change in the machine's load, alone.
 */
function timePair(runs: number, warmUp: number, a: () => unknown, b: () => unknown): [number, number] {
  for (let i = 0; i < warmUp; i++) {
    a();
    b();
  }
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < runs; i++) {
    times[0].push(seconds(a));
    times[1].push(seconds(b));
  }
  return [median(times[0]), median(times[1])];
}

/** A deterministic stream of normals (LCG + Box–Muller; speed matters here, not quality). */
function normals(seed: number): () => number {
  let state = seed >>> 0 || 1;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** n rows of p correlated predictors (pairwise correlation about 0.3) and y depending on all of them. */
function correlatedData(n: number, p: number, seed = 1): ModelData {
  const normal = normals(seed);
  const common = Float64Array.from({ length: n }, normal);
  const groups: GroupData[] = Array.from({ length: p }, (_, j) => ({
    kind: 'numeric',
    name: `x${j}`,
    columns: [`x${j}`],
    values: [Float64Array.from(common, (c) => 0.65 * c + normal())],
  }));
  const y = Float64Array.from(
    { length: n },
    (_, i) => groups.reduce((s, g, j) => s + ((j % 5) - 2) * 0.2 * firstColumn(g)[i]!, 0) + 2 * normal(),
  );
  return { outcome: 'y', n, y, groups, droppedRows: 0, missingByColumn: {} };
}

function firstColumn(group: GroupData): Float64Array {
  if (group.kind !== 'numeric') throw new Error('numeric groups only');
  return group.values[0]!;
}

/** Seconds per subset refit by QR from the rows, measured on `samples` random subsets. */
function refitCost(data: ModelData, samples: number): number {
  const tss = sumOfSquares(centre(data.y));
  const columns = data.groups.map((g) => centre(firstColumn(g)));
  const k = data.groups.length;
  let state = 12345;
  const masks = Array.from({ length: samples }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state % (2 ** k - 1)) + 1;
  });
  const yc = centre(data.y);
  const elapsed = seconds(() => {
    for (const mask of masks)
      1 - residualSumOfSquares(qrDecompose(columns.filter((_, j) => mask & (1 << j))), yc) / tss;
  });
  return elapsed / samples;
}

/** The full naive decomposition: all 2^k subset refits. */
function refitAll(data: ModelData): void {
  const tss = sumOfSquares(centre(data.y));
  const columns = data.groups.map((g) => centre(firstColumn(g)));
  const yc = centre(data.y);
  for (let mask = 1; mask < 2 ** data.groups.length; mask++)
    1 - residualSumOfSquares(qrDecompose(columns.filter((_, j) => mask & (1 << j))), yc) / tss;
}

/** Multiply-adds per second of an axpy loop, y ← y − f·x (the sweep's inner loop), on cache-resident rows. */
function flopRate(): number {
  const x = new Float64Array(256).fill(1.0000001);
  const y = new Float64Array(256);
  const reps = 200000;
  const t = seconds(() => {
    for (let r = 0; r < reps; r++) {
      const f = r & 1 ? 1e-9 : -1e-9;
      for (let i = 0; i < 256; i++) y[i]! -= f * x[i]!;
    }
  });
  if (y[0] === 42) console.log('');
  return (reps * 256) / t;
}

interface Row {
  readonly scenario: string;
  readonly n: number;
  readonly p: string;
  readonly subsets: string;
  /** Median seconds of the engine, and the number of runs. */
  readonly engine: number;
  readonly runs: number;
  /** Seconds of the Gray-code engine, labelled when extrapolated. */
  readonly grayCode?: number;
  readonly grayCodeLabel?: string;
  /** Seconds of the naive baseline, labelled when extrapolated. */
  readonly baseline?: number;
  readonly baselineLabel?: string;
  readonly floor?: number;
}

function record(row: Row) {
  const seconds = (value: number | undefined, label = '') =>
    value === undefined ? '—' : `${compact(value, digitsFor(value))}${label}`;
  const ratio = (value: number | undefined) =>
    value === undefined ? '—' : `${compact(value / row.engine, value / row.engine < 10 ? 1 : 0)}×`;
  rows.push([
    row.scenario,
    String(row.n),
    row.p,
    row.subsets,
    `${row.engine.toFixed(Math.max(3, digitsFor(row.engine)))} (${row.runs})`,
    seconds(row.grayCode, row.grayCodeLabel),
    ratio(row.grayCode),
    seconds(row.baseline, row.baselineLabel),
    ratio(row.baseline),
    row.floor === undefined ? '' : row.floor.toFixed(digitsFor(row.floor)),
  ]);
  printTable();
}

/** Decimals that show about three significant digits of a time under 10 s (5 below 10 ms), none above. */
function digitsFor(value: number): number {
  return value < 0.01 ? 5 : value < 10 ? 3 : 0;
}

/** Fixed-point below a million, else one-digit scientific notation (an extrapolated 2^100 refits is 7e28 s). */
function compact(value: number, digits: number): string {
  return value < 1e6 ? value.toFixed(digits) : value.toExponential(1);
}

/** The tables measured so far: the scenarios, then the measurements with a limit. */
function tablesText(): string {
  const header = [
    'scenario',
    'n',
    'p or groups',
    'subsets',
    'median s (runs)',
    'Gray-code s',
    'ratio',
    'refit s',
    'ratio',
    'floor s',
  ];
  const all = [header, ...rows];
  const widths = header.map((_, j) => Math.max(...all.map((r) => r[j]!.length)));
  const parts: string[] = [];
  if (rows.length > 0)
    parts.push(
      all
        .map((r) =>
          r
            .map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!)))
            .join('  ')
            .trimEnd(),
        )
        .join('\n'),
    );
  if (limits.length > 0) {
    const limitHeader = ['scenario', 'measured', 'value', 'limit', 'result'];
    const limitRows = [limitHeader, ...limits];
    const limitWidths = limitHeader.map((_, j) => Math.max(...limitRows.map((r) => r[j]!.length)));
    parts.push(
      limitRows
        .map((r) =>
          r
            .map((c, j) => c.padEnd(limitWidths[j]!))
            .join('  ')
            .trimEnd(),
        )
        .join('\n'),
    );
  }
  return parts.join('\n\n');
}

function printTable() {
  console.clear?.();
  const text = tablesText();
  if (text !== '') console.log(`${text}\n`);
}

/** Record a measurement against its limit (value < limit passes). */
function checkLimit(scenario: string, what: string, value: number, limit: number, unit: string, digits = 2): void {
  const pass = Number.isFinite(value) && value < limit;
  limits.push([scenario, what, `${value.toFixed(digits)} ${unit}`, `< ${limit} ${unit}`, pass ? 'PASS' : 'FAIL']);
  printTable();
}

/** Run the CLI under /usr/bin/time: wall seconds, peak RSS in MB, exit status and the first line of stderr. */
function timedCli(args: readonly string[]): { wall: number; peakMb: number; status: number | null; firstLine: string } {
  const result = spawnSync('/usr/bin/time', ['-f', 'bench-time %e %M', process.execPath, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (result.error) throw new Error(`/usr/bin/time is needed for this scenario (${result.error.message})`);
  const match = /bench-time ([\d.]+) (\d+)/.exec(result.stderr);
  return {
    wall: match ? Number(match[1]) : Number.NaN,
    peakMb: match ? Number(match[2]) / 1024 : Number.NaN,
    status: result.status,
    firstLine: result.stderr.split('\n')[0] ?? '',
  };
}

/**
 * Seconds of the tree's innermost update, per subset: a leaf's RSS from its parent's entries, RSS = e − b·(1/h)·b,
 * its R², and its credits (Σ b·R² and the subtree total), as `createSubsetTree`'s `leaf` and `credit` do them.
 */
function innermostUpdateCost(): number {
  const size = 4096;
  const normal = normals(3);
  const h = Float64Array.from({ length: size }, () => 1 + Math.abs(normal()));
  const b = Float64Array.from({ length: size }, normal);
  const e = Float64Array.from({ length: size }, () => 5 + Math.abs(normal()));
  const weights = Float64Array.from({ length: 32 }, (_, s) => 1 / (s + 1));
  const sums = new Float64Array(3);
  const reps = 2048;
  const tss = 10;
  const run = () => {
    for (let r = 0; r < reps; r++) {
      for (let i = 0; i < size; i++) {
        const rss = e[i]! - b[i]! * (1 / h[i]!) * b[i]!;
        const r2 = 1 - Math.max(rss, 0) / tss;
        sums[0]! += weights[i & 31]! * r2;
        sums[1 + (i & 1)]! += weights[(i + 1) & 31]! * r2;
      }
    }
  };
  run();
  const t = timeRuns(3, run);
  if (sums[0] === 42) console.log('');
  return t / (reps * size);
}

/**
 * Seconds from `new Worker` to a Shapley worker ready to take tasks (modules loaded, model and Gram matrices
 * received, plan built), with nothing left to do once ready; median of `runs`.
 */
async function workerStartSeconds(data: ModelData, runs: number): Promise<number> {
  const plan = planExactShapley(data, enginesOf(data));
  const control = new SharedArrayBuffer((TASK_STATES + plan.tasks) * 4);
  new Int32Array(control)[NEXT_TASK] = plan.tasks;
  const job: ShapleyJob = {
    data,
    transfer: plan.transfer(),
    control,
    results: new SharedArrayBuffer(8),
    claimedAt: new SharedArrayBuffer(8 * plan.tasks),
  };
  // The worker that ships, beside the bundle's chunks (rolldown.config.ts).
  const script = join(dirname(SHIPPED_CLI), 'shapleyWorker.js');
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = process.hrtime.bigint();
    const worker = new Worker(script, { workerData: job });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the Shapley worker stopped (code ${code}) before it was ready`)));
    });
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
    await new Promise((resolve) => worker.once('exit', resolve));
  }
  return median(times);
}

/** Wall seconds of an exact decomposition with its enumeration on up to `workers` threads (this one included). */
async function parallelSeconds(data: ModelData, workers: number, minimumSeconds?: number): Promise<number> {
  const start = process.hrtime.bigint();
  const plan = planExactShapley(data, enginesOf(data));
  const sums = await shapleySumsInParallel(
    data,
    plan,
    workers,
    undefined,
    minimumSeconds === undefined ? {} : { minimumSeconds },
  );
  decompose(data, { exact: true, enumerate: () => sums });
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** A duration for a sentence: milliseconds below a second, else seconds. */
function duration(value: number): string {
  if (!Number.isFinite(value)) return 'not measured';
  if (value < 0.01) return `${(value * 1000).toFixed(2)} ms`;
  return value < 1 ? `${(value * 1000).toFixed(0)} ms` : `${value.toFixed(value < 10 ? 2 : 1)} s`;
}

const only = process.argv[2];
const loadAtStart = loadavg()[0] ?? 0;
const rate = flopRate();
const innermost = innermostUpdateCost();
const floorOf = (p: number) => 2 ** p * innermost;
const startup = await workerStartSeconds(correlatedData(10000, 24), 5);
console.log(
  `measured scalar multiply-add rate: ${(rate / 1e9).toFixed(2)} G/s; innermost update (one leaf of the tree): ` +
    `${(innermost * 1e9).toFixed(1)} ns; Shapley worker start-up: ${(startup * 1000).toFixed(0)} ms median of 5 ` +
    `(workers start above ${(2 * SHAPLEY_WORKER_START_SECONDS).toFixed(2)} s of estimated work); ` +
    `node ${process.version}; ${new Date().toISOString().slice(0, 10)}\n`,
);

// startup: a cold `decompose` on the bundled panel against `node -e 0`, alternating, output discarded.
if (!only || only === 'startup') {
  const runs = 21;
  // node alone, the executable that ships, and the tsc output it is bundled from (for comparison).
  const commands = [
    ['-e', '0'],
    [SHIPPED_CLI, 'decompose'],
    [join(packageRoot(), 'dist/src/cli.js'), 'decompose'],
  ];
  const wall = (args: readonly string[]) => {
    const start = process.hrtime.bigint();
    const run = spawnSync(process.execPath, args, { stdio: 'ignore' });
    if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${run.status}`);
    return Number(process.hrtime.bigint() - start) / 1e9;
  };
  for (const args of commands) wall(args); // the files into the page cache
  const times = commands.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) commands.forEach((args, j) => times[j]!.push(wall(args)));
  const medians = times.map(median);
  headlines.push(
    `A cold \`cpp-variance decompose\` on the bundled panel: ${duration(medians[1]!)} against ` +
      `${duration(medians[0]!)} for \`node -e 0\` (${(medians[1]! / medians[0]!).toFixed(2)} times; limit 3), ` +
      `medians of ${runs} alternating runs; unbundled, ${duration(medians[2]!)}.`,
  );
  const [node, shipped, unbundled] = medians.map((value) => value * 1000) as [number, number, number];
  checkLimit(
    `startup decompose: node -e 0 ${node.toFixed(0)} ms, bin ${shipped.toFixed(0)} ms, ` +
      `unbundled ${unbundled.toFixed(0)} ms (${(unbundled / node).toFixed(2)}×)`,
    `bin / node, medians of ${runs}`,
    shipped / node,
    3,
    '×',
  );
}

// 1. Exact Shapley, p individual correlated predictors, n = 1,000.
if (!only || only === '1') {
  for (const p of [12, 14, 16, 18, 20]) {
    const data = correlatedData(1000, p);
    const runs = p <= 16 ? 11 : 5;
    const [engine, grayCode] = timePair(
      runs,
      p <= 16 ? 5 : 1,
      () => decompose(data),
      () => decompose(data, { engine: 'gray-code' }),
    );
    const perFit = refitCost(data, 300);
    const predicted = perFit * 2 ** p;
    const measured = predicted <= BASELINE_LIMIT_SECONDS;
    const baseline = measured ? seconds(() => refitAll(data)) : predicted;
    record({
      scenario: `1 exact, p = ${p}`,
      n: 1000,
      p: String(p),
      subsets: `2^${p}`,
      engine,
      runs,
      grayCode,
      baseline,
      baselineLabel: measured ? '' : ' (extrapolated)',
      floor: floorOf(p),
    });
    if (p === 20)
      headlines.push(
        `Exact Shapley values over 20 predictors (1,000 rows, 2^20 subsets): ${duration(engine)} on one thread; ` +
          `refitting every subset by QR, as most implementations do, ${duration(baseline)}` +
          `${measured ? '' : ' (extrapolated)'}.`,
      );
  }
  // A quick run with two threads allowed: workers are not started, so it is not slower than on one thread.
  const data = correlatedData(1000, 16);
  const times: number[] = [];
  for (let run = 0; run < 5; run++) times.push(await parallelSeconds(data, 2));
  const parallel = median(times);
  record({
    scenario: '1 exact, p = 16, 2 threads allowed (wall)',
    n: 1000,
    p: '16',
    subsets: '2^16',
    engine: parallel,
    runs: 5,
    grayCode: timeRuns(5, () => decompose(data, { engine: 'gray-code' })),
    floor: floorOf(16),
  });
}

// 2. Exact Shapley, p = 24, 28 and 30, n = 10,000: one thread, and two threads (this one and a worker; wall).
if (!only || only === '2') {
  const data = correlatedData(10000, 24);
  const engine = timeRuns(3, () => decompose(data, { exact: true }));
  const grayCode = timeRuns(1, () => decompose(data, { exact: true, engine: 'gray-code' }));
  const refitPerSubset = refitCost(data, 200);
  const refitOf = (p: number) => refitPerSubset * ((p + 1) / 25) ** 2 * 2 ** p;
  // The Gray-code engine's cost per subset grows as m² = (p + 1)²: extrapolated from p = 24.
  const grayCodeOf = (p: number) => grayCode * ((p + 1) / 25) ** 2 * 2 ** (p - 24);
  const common = { n: 10000, grayCodeLabel: '', baselineLabel: ' (extrapolated)' };
  record({
    ...common,
    scenario: '2 exact, p = 24',
    p: '24',
    subsets: '2^24',
    engine,
    runs: 3,
    grayCode,
    baseline: refitOf(24),
    floor: floorOf(24),
  });
  const two: number[] = [];
  for (let run = 0; run < 3; run++) two.push(await parallelSeconds(data, 2));
  record({
    ...common,
    scenario: '2 exact, p = 24, 2 threads (wall)',
    p: '24',
    subsets: '2^24',
    engine: median(two),
    runs: 3,
    grayCode,
    baseline: refitOf(24),
    floor: floorOf(24),
  });
  headlines.push(
    `Exact Shapley values over 24 predictors (10,000 rows, 2^24 subsets): ${duration(engine)} on one thread, ` +
      `${duration(median(two))} wall on two.`,
  );
  for (const p of [28, 30]) {
    const wide = correlatedData(10000, p);
    const wall = await parallelSeconds(wide, 2);
    if (p === 30) headlines.push(`Exact Shapley values over 30 predictors: ${duration(wall)} wall on two threads.`);
    record({
      ...common,
      scenario: `2 exact, p = ${p}, 2 threads (wall)`,
      p: String(p),
      subsets: `2^${p}`,
      engine: wall,
      runs: 1,
      grayCode: grayCodeOf(p),
      grayCodeLabel: ' (extrapolated)',
      baseline: refitOf(p),
      floor: floorOf(p),
    });
  }
}

// 3. Sampling, p = 40 and 100, n = 10,000: the default, which stops once every Monte Carlo standard error ≤ 0.001.
if (!only || only === '3') {
  for (const p of [40, 100]) {
    const data = correlatedData(10000, p);
    let worst = 0;
    let permutations = 0;
    const engine = timeRuns(5, () => {
      const result = decompose(data); // above 24 groups: sampling until every standard error is at most 0.001
      worst = Math.max(...result.sampling!.standardErrors);
      permutations = result.sampling!.permutations;
    });
    const predicted = refitCost(data, 50) * 2 ** p;
    if (p === 100)
      headlines.push(
        `Monte Carlo Shapley values over 100 predictors, every standard error at most 0.001: ${duration(engine)}.`,
      );
    record({
      scenario: `3 sampling, p = ${p} (max s.e. ${worst.toFixed(4)}, ${permutations} orders)`,
      n: 10000,
      p: String(p),
      subsets: 'sampled',
      engine,
      runs: 5,
      baseline: predicted,
      baselineLabel: ' (extrapolated exact)',
    });
  }
}

// 4. NAO layout on the synthetic NAO panel (152 × 6, deprivation = idaci; named explicitly, it is not the default
//    dataset): one decomposition, and 1,000 cluster-bootstrap replicates.
if (!only || only === '4') {
  const path = join(packageRoot(), 'fixtures/nao-2019-synthetic.csv');
  const spec = { ...SIMULATED_SPEC, cluster: 'la' };
  const data = buildModelData(
    readPanel(parseCsv({ name: path, bytes: readFileSync(path) }), columnRequests(spec)),
    spec,
  );
  const [engine, grayCode] = timePair(
    21,
    20,
    () => decompose(data),
    () => decompose(data, { engine: 'gray-code' }),
  );
  const baseline = timeRuns(5, () => naiveDummyShapley(data));
  const layout = { n: data.n, p: '4 groups' };
  record({
    ...layout,
    scenario: '4 NAO layout, one decomposition (la + year FE)',
    subsets: '16',
    engine,
    runs: 21,
    grayCode,
    baseline,
  });
  const estimate = decompose(data);
  const bootOptions = {
    replicates: 1000,
    seed: 1,
    level: 0.95,
    type: 'percentile' as const,
    decompose: { method: 'shapley' as const },
  };
  const [boot, bootGrayCode] = timePair(
    3,
    1,
    () => bootstrapDecomposition(data, estimate, bootOptions),
    () =>
      bootstrapDecomposition(data, estimate, { ...bootOptions, decompose: { method: 'shapley', engine: 'gray-code' } }),
  );
  const bootLayout = {
    ...layout,
    subsets: '16 × 1000',
    grayCode: bootGrayCode,
    baseline: baseline * 1000,
    baselineLabel: ' (extrapolated)',
  };
  record({ ...bootLayout, scenario: '4 NAO layout, 1,000 bootstrap replicates', engine: boot, runs: 3 });
  const parallel: number[] = [];
  for (let run = 0; run < 3; run++) {
    const start = process.hrtime.bigint();
    await bootstrapInParallel(data, estimate, bootOptions, 2);
    parallel.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  record({
    ...bootLayout,
    scenario: '4 NAO layout, 1,000 bootstrap replicates, 2 workers (wall)',
    engine: median(parallel),
    runs: 3,
  });
  headlines.push(
    `The NAO layout (912 rows, authority and year effects, 4 groups): one decomposition in ${duration(engine)}; ` +
      `1,000 cluster-bootstrap replicates in ${duration(boot)} on one thread, ${duration(median(parallel))} wall ` +
      'with two workers.',
  );
}

// 5. 1,000,000 rows × 12 numeric predictors, from CSV, through the CLI.
if (!only || only === '5') {
  const folder = mkdtempSync(join(tmpdir(), 'cpv-bench-'));
  const file = join(folder, 'big.csv');
  writeBigCsv(file, 1_000_000, 12);
  const args = [
    SHIPPED_CLI,
    'decompose',
    file,
    '--outcome',
    'y',
    ...Array.from({ length: 12 }, (_, j) => ['--group', `x${j}=x${j}`]).flat(),
    '--format',
    'json',
  ];
  const timed = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const [wall, kilobytes] = (timed.stderr.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  headlines.push(
    `1,000,000 rows × 12 predictors from a ${(statSync(file).size / 1e6).toFixed(0)} MB CSV file, streamed, ` +
      `through the command line: ${duration(wall ?? Number.NaN)} wall, peak memory ` +
      `${((kilobytes ?? 0) / 1024).toFixed(0)} MB${timed.status === 0 ? '' : ` (exit ${timed.status})`}.`,
  );
  record({
    scenario:
      `5 1,000,000 rows × 12 from CSV (peak ${((kilobytes ?? 0) / 1024).toFixed(0)} ` +
      `MB${timed.status === 0 ? '' : `, exit ${timed.status}`})`,
    n: 1_000_000,
    p: '12',
    subsets: '2^12',
    engine: wall ?? Number.NaN,
    runs: 1,
  });
  rmSync(folder, { recursive: true, force: true });
}

// 6. Refusing huge inputs (issue 6): a 1 GiB line without a line break must fail fast (exit 2) without holding the
//    file in memory; an input over MAX_INPUT_BYTES is refused once that much has been read. Measured on this
//    project's 2-core machine (Node 20, 2026-11-23) before these moved here from the tests: 0.26 s wall and 61 MB
//    peak RSS for the 1 GiB line; the reader before the fix took 3.6 s and peaked at 1.1 GB.
if (!only || only === '6') {
  const folder = mkdtempSync(join(tmpdir(), 'cpv-bench-huge-'));
  try {
    const header = 'la,year,idaci,spend,vacancy,cpp_rate\n';
    const huge = join(folder, 'one-line.csv');
    writeRepeated(huge, header, 'a', 1024 ** 3);
    const cli = timedCli([SHIPPED_CLI, 'decompose', huge]);
    const refused =
      cli.status === 2 &&
      cli.firstLine ===
        `error: ${huge} row 2: a record is longer than 1 MiB (the file may not be CSV, or lack line breaks)`;
    const notRefused = refused ? '' : ` (NOT REFUSED AS EXPECTED: exit ${cli.status}, ${cli.firstLine})`;
    const scenario = `6 refuse a 1 GiB line${notRefused}`;
    checkLimit(scenario, 'CLI wall time', cli.wall, 3, 's');
    checkLimit(scenario, 'CLI peak RSS', cli.peakMb, 200, 'MB', 0); // Node alone is ~45 MB; reading it all > 1000
    headlines.push(
      `A 1 GiB line without a line break is refused (exit ${cli.status}) in ${duration(cli.wall)} wall, peak ` +
        `memory ${cli.peakMb.toFixed(0)} MB.`,
    );
    const before = process.memoryUsage().arrayBuffers;
    let caught: unknown;
    const elapsed = seconds(() => {
      try {
        readSource(huge);
      } catch (error) {
        caught = error;
      }
    });
    const grown = (process.memoryUsage().arrayBuffers - before) / 1024 ** 2;
    const inProcess = `6 refuse a 1 GiB line, readSource${caught instanceof DataError ? '' : ' (NOT REFUSED)'}`;
    checkLimit(inProcess, 'time', elapsed, 1, 's', 3);
    checkLimit(inProcess, 'array buffers grown', grown, 16, 'MiB', 1);
    rmSync(huge);

    const tooBig = join(folder, 'too-big.csv');
    writeRepeated(tooBig, header, 'A1,2012,0.1,500,10,30\n', MAX_INPUT_BYTES + 1024 ** 2);
    const sized = timedCli([SHIPPED_CLI, 'decompose', tooBig]);
    const sizeRefused =
      sized.status === 2 && sized.firstLine === `error: ${tooBig}: is larger than 256 MiB, the most cpp-variance reads`;
    const sizeScenario =
      `6 refuse 257 MiB of short ` +
      `lines${sizeRefused ? '' : ` (NOT REFUSED AS EXPECTED: exit ${sized.status}, ${sized.firstLine})`}`;
    checkLimit(sizeScenario, 'CLI wall time', sized.wall, 10, 's');
    checkLimit(sizeScenario, 'CLI peak RSS', sized.peakMb, 600, 'MB', 0); // at most the 256 MiB it may read, and Node
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

// 7. The number pattern does not backtrack: a 1,000,000-digit cell followed by a letter is refused quickly, with a
//    short message (the earlier pattern took 39 s on 100,000 digits).
if (!only || only === '7') {
  const text = `x\n${'7'.repeat(1_000_000)}z\n`;
  let message = '';
  const elapsed = seconds(() => {
    try {
      readPanel(parseCsv({ name: 'in.csv', bytes: Buffer.from(text) }), [{ name: 'x', kind: 'numeric' }]);
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
    }
  });
  const refused = /is not a number/.test(message) && message.length < 200;
  checkLimit(
    `7 a 1,000,000-digit cell${refused ? '' : ' (NOT REFUSED AS EXPECTED)'}`,
    'parse time',
    elapsed,
    2,
    's',
    3,
  );
}

// 8. The permutation test (issue "How much of each share is chance?") on the NAO layout: B = 1,000 Freedman–Lane
//    permutations for each of the four groups. Baseline: the naive implementation, a full decompose() of y* for
//    every permutation and group (the same permutations, so its null must match), timed in the same run.
if (!only || only === '8') {
  const path = join(packageRoot(), 'fixtures/nao-2019-synthetic.csv');
  const data = buildModelData(
    readPanel(parseCsv({ name: path, bytes: readFileSync(path) }), columnRequests(SIMULATED_SPEC)),
    SIMULATED_SPEC,
  );
  const observed = decompose(data).groups.map((g) => g.share);
  const B = 1000;
  const options = { permutations: B, seed: 1, method: 'shapley' as const, keepValues: true };
  let fast: PermutationResult | undefined;
  let naive: Float64Array[] = [];
  const [engine, baseline] = timePair(
    3,
    1,
    () => (fast = permutationNull(data, observed, options)),
    () => (naive = naivePermutationNull(data, B, 1)),
  );
  const worst = Math.max(
    ...naive.flatMap((values, g) => Array.from(values, (v, b) => Math.abs(v - fast!.values![g]![b]!))),
  );
  const layout = { n: data.n, p: '4 groups', subsets: `16 × 4 × ${B}`, baselineLabel: ' (naive)' };
  record({
    ...layout,
    scenario: `8 NAO layout, ${B} permutations × 4 groups (naive null differs by ${worst.toExponential(0)})`,
    engine,
    runs: 3,
    baseline,
  });
  const parallel: number[] = [];
  for (let run = 0; run < 3; run++) {
    const start = process.hrtime.bigint();
    await permutationNullInParallel(data, observed, options, 2);
    parallel.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  record({
    ...layout,
    scenario: `8 NAO layout, ${B} permutations, 2 workers (wall)`,
    engine: median(parallel),
    runs: 3,
    baseline,
  });
  const cli = [SHIPPED_CLI, 'decompose', path, '--fe', 'practice=la', '--group', 'deprivation=idaci'];
  cli.push(
    '--fe',
    'policy=year',
    '--group',
    'resources=spend,vacancy',
    '--permutations',
    String(B),
    '--format',
    'json',
  );
  const walls = Array.from({ length: 3 }, () => timedCli(cli));
  const wall = median(walls.map((w) => w.wall));
  record({
    ...layout,
    scenario: `8 the same through the CLI, 2 cores (wall, start-up included)`,
    engine: wall,
    runs: 3,
    baseline,
  });
  checkLimit('8 NAO layout, 1,000 permutations × 4 groups, CLI', 'wall time', wall, 10, 's');
  headlines.push(
    `1,000 Freedman–Lane permutations for each of the 4 groups of the NAO layout: ${duration(engine)} on one ` +
      `thread (the naive null, a full decomposition per permutation and group: ${duration(baseline)}); ` +
      `${duration(wall)} wall through the command line.`,
  );
}

// refusals: inputs the parsers refuse before any work (they used to overflow the stack or expand 2^20 terms).
// For each: the in-process time to the UsageError (median of 5), and the whole CLI run (node start-up included:
// compare the `--version` row) with its exit code and peak resident memory.
if (!only || only === 'refusals') {
  const nest = (open: string, close: string, k: number, inner: string) => open.repeat(k) + inner + close.repeat(k);
  const products = (k: number) => Array.from({ length: k }, (_, i) => `x${i}`).join('*');
  const cases: { name: string; flag: '--derive' | '--formula'; text: string }[] = [
    { name: '1,500 nested parentheses', flag: '--derive', text: `z = ${nest('(', ')', 1500, 'spend')}` },
    { name: '10^4 unary minus signs', flag: '--derive', text: `z = ${'-'.repeat(10_000)}spend` },
    { name: '3,000 nested log(', flag: '--derive', text: `z = ${nest('log(', ')', 3000, 'spend')}` },
    { name: '5,000-term sum, 30,003 characters', flag: '--derive', text: `z = ${Array(5000).fill('spend').join('+')}` },
    // (Linux passes at most 128 KiB in one argument.)
    { name: '99,999 characters', flag: '--derive', text: `z = ${'spend+'.repeat(16_665)}spend` },
    { name: '1,500 nested parentheses', flag: '--formula', text: `cpp_rate ~ ${nest('(', ')', 1500, 'spend')}` },
    { name: 'x0*x1*…*x19 (2^20 − 1 terms)', flag: '--formula', text: `cpp_rate ~ ${products(20)}` },
    { name: 'x0*x1*…*x199 (2^200 − 1 terms)', flag: '--formula', text: `cpp_rate ~ ${products(200)}` },
  ];
  const fixture = join(packageRoot(), 'fixtures/nao-2019-synthetic.csv');
  const cli = SHIPPED_CLI;
  const timedCli = (args: readonly string[]) => {
    const run = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, cli, ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    if (run.error) throw run.error;
    const lines = run.stderr.trim().split('\n');
    const [wall, kilobytes] = (lines.at(-1) ?? '').split(' ').map(Number);
    return {
      status: run.status,
      ms: (wall ?? Number.NaN) * 1000,
      mb: (kilobytes ?? 0) / 1024,
      message: lines[0] ?? '',
    };
  };
  const table: string[][] = [['case', 'parse to refusal ms', 'CLI wall ms', 'CLI peak MB', 'exit', 'message']];
  const startup = timedCli(['--version']);
  table.push([
    '(node start-up: --version)',
    '—',
    startup.ms.toFixed(0),
    startup.mb.toFixed(0),
    String(startup.status),
    '',
  ]);
  for (const { name, flag, text } of cases) {
    const parse = () => {
      try {
        if (flag === '--derive') parseDerivation(text);
        else parseFormula(text);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
      }
    };
    const inProcess = timeRuns(5, parse) * 1000;
    const args =
      flag === '--derive' ? ['fit', fixture, '--group', 'z=z', '--derive', text] : ['fit', fixture, '--formula', text];
    const run = timedCli(args);
    const message = run.message.replace(/^error: (--\w+) ".*?…?": /, '$1: ');
    table.push([
      `${flag} ${name}`,
      inProcess.toFixed(2),
      run.ms.toFixed(0),
      run.mb.toFixed(0),
      String(run.status),
      message.length > 90 ? `${message.slice(0, 89)}…` : message,
    ]);
  }
  const widths = table[0]!.map((_, j) => Math.max(...table.map((r) => r[j]!.length)));
  refusalsText = [
    'refusals (limits: 20,000 characters, 200 levels of nesting, 4,096 formula terms)',
    ...table.map((r) =>
      r
        .map((c, j) => (j === 0 || j === 5 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!)))
        .join('  ')
        .trimEnd(),
    ),
  ].join('\n');
  console.log(`${refusalsText}\n`);
}

// A whole run writes what it measured into the README, between its markers: the README holds no timing typed by
// hand, and none older than the last run.
if (!only) {
  const cpu = cpus();
  const body = [
    `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ` +
      `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, load average ${loadAtStart.toFixed(1)} at the ` +
      `start; scalar multiply-add rate ${(rate / 1e9).toFixed(2)} G/s, innermost tree update ` +
      `${(innermost * 1e9).toFixed(1)} ns, Shapley worker start-up ${duration(startup)}.`,
    '',
    ...headlines.map((line) => `- ${line}`),
    '',
    '```',
    tablesText(),
    '```',
    '',
    '```',
    refusalsText,
    '```',
  ].join('\n');
  const readme = join(packageRoot(), 'README.md');
  writeFileSync(readme, withBenchBlock(readFileSync(readme, 'utf8'), body));
  console.log(`${readme}: the block of timings rewritten`);
}

/** Write `header` then `total` bytes made of repeats of `unit`, in 64 MiB writes. */
function writeRepeated(path: string, header: string, unit: string, total: number): void {
  const chunk = Buffer.alloc(64 * 1024 ** 2, unit);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, header);
    for (let written = 0; written < total; written += chunk.length)
      writeSync(fd, chunk, 0, Math.min(chunk.length, total - written));
  } finally {
    closeSync(fd);
  }
}

/** Refit every subset of groups from the rows by QR on the full dummy-variable design. */
function naiveDummyShapley(data: ModelData): void {
  const tss = sumOfSquares(centre(data.y));
  const one = new Float64Array(data.n).fill(1);
  const blocks = data.groups.map((g) =>
    g.kind === 'numeric'
      ? g.values
      : Array.from({ length: g.levels }, (_, level) => Float64Array.from(g.codes, (c) => (c === level ? 1 : 0))),
  );
  for (let mask = 1; mask < 2 ** data.groups.length; mask++) {
    const columns = [one, ...blocks.filter((_, g) => mask & (1 << g)).flat()];
    1 - residualSumOfSquares(qrDecompose(columns), data.y) / tss;
  }
}

/**
 * The naive permutation null: for every permutation b (drawn as the test draws it) and group g, y* = fitted values
 * of the model without g + permuted residuals, and a full decompose() of the model with y* as its outcome.
 */
function naivePermutationNull(data: ModelData, B: number, seed: number): Float64Array[] {
  const solver = createSubsetSolver(data);
  const reduced = data.groups.map((_, g) => {
    const residual = solver.design(solver.units.flatMap((unit, u) => (unit.group === g ? [] : [u]))).residual(data.y);
    return { residual, fitted: data.y.map((y, i) => y - residual[i]!) };
  });
  const stream = seededStreams(seed);
  const blocks = blockRows(data);
  const values = data.groups.map(() => new Float64Array(B));
  for (let b = 0; b < B; b++) {
    const permutation = drawPermutation(stream(b), blocks, data.n);
    reduced.forEach(({ residual, fitted }, g) => {
      const y = fitted.map((f, i) => f + residual[permutation[i]!]!);
      values[g]![b] = decompose({ ...data, y }).groups[g]!.share;
    });
  }
  return values;
}

function writeBigCsv(path: string, n: number, p: number): void {
  const normal = normals(7);
  const fd = openSync(path, 'w');
  writeSync(fd, `${[...Array.from({ length: p }, (_, j) => `x${j}`), 'y'].join(',')}\n`);
  let chunk = '';
  for (let i = 0; i < n; i++) {
    const common = normal();
    const x = Array.from({ length: p }, () => 0.6 * common + normal());
    const y = x.reduce((s, v, j) => s + ((j % 3) - 1) * 0.3 * v, 0) + normal();
    chunk += `${x.map((v) => v.toFixed(4)).join(',')},${y.toFixed(4)}\n`;
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  closeSync(fd);
}
