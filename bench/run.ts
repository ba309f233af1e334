/**
 * `npm run bench`: speed of the decomposition engines, each against a naive baseline measured in the same run.
 *
 * Baseline ("refit"): every subset's R² by a fresh QR of its columns from the rows, the way most implementations
 * (e.g. R's relaimpo) compute an exact decomposition. It is run in full where it is expected to finish within
 * 60 s; elsewhere its time is extrapolated from the measured cost of a sample of subset fits, and labelled so.
 * The "floor" column is 2^p · p²/2 multiply-adds (one symmetric p × p update per subset) at this machine's
 * measured scalar rate: roughly the least any enumeration of every subset that updates a factorisation can cost.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsv } from '../src/io/csv.js';
import { packageRoot } from '../src/io/packageRoot.js';
import { readPanel } from '../src/io/panel.js';
import { bootstrapDecomposition } from '../src/models/bootstrap/bootstrap.js';
import { bootstrapInParallel, shapleySumsInParallel } from '../src/models/parallel/parallel.js';
import { decompose } from '../src/models/methods/decompose.js';
import { enginesOf } from '../src/models/engines/engines.js';
import { planExactShapley } from '../src/models/engines/exactShapley.js';
import type { GroupData, ModelData } from '../src/models/design/modelData.js';
import { buildModelData, columnRequests } from '../src/models/design/modelData.js';
import { qrDecompose, residualSumOfSquares } from '../src/models/linalg/qr.js';
import { SIMULATED_SPEC } from '../src/models/spec/spec.js';
import { parseDerivation } from '../src/models/spec/expression.js';
import { parseFormula } from '../src/models/spec/formula.js';
import { UsageError } from '../src/errors.js';
import { centre, sumOfSquares } from '../src/models/engines/subsetFit.js';

const BASELINE_LIMIT_SECONDS = 60;
const rows: string[][] = [];

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

function record(
  scenario: string,
  n: number,
  p: string,
  subsets: string,
  engine: number,
  runs: number,
  baseline: number | undefined,
  baselineLabel: string,
  floor = '',
) {
  rows.push([
    scenario,
    String(n),
    p,
    subsets,
    `${engine.toFixed(3)} (${runs})`,
    baseline === undefined ? '—' : `${compact(baseline, baseline < 10 ? 3 : 0)}${baselineLabel}`,
    baseline === undefined ? '—' : `${compact(baseline / engine, 0)}×`,
    floor,
  ]);
  printTable();
}

/** Fixed-point below a million, else one-digit scientific notation (an extrapolated 2^100 refits is 7e28 s). */
function compact(value: number, digits: number): string {
  return value < 1e6 ? value.toFixed(digits) : value.toExponential(1);
}

function printTable() {
  const header = ['scenario', 'n', 'p or groups', 'subsets', 'median s (runs)', 'baseline s', 'ratio', 'floor s'];
  const all = [header, ...rows];
  const widths = header.map((_, j) => Math.max(...all.map((r) => r[j]!.length)));
  console.clear?.();
  console.log(
    all.map((r) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ')).join('\n'),
  );
  console.log('');
}

const only = process.argv[2];
const rate = flopRate();
console.log(
  `measured scalar multiply-add rate: ${(rate / 1e9).toFixed(2)} G/s; node ${process.version}; ${new Date().toISOString().slice(0, 10)}\n`,
);

// 1. Exact Shapley, p individual correlated predictors, n = 1,000.
if (!only || only === '1') {
  for (const p of [12, 14, 16, 18, 20]) {
    const data = correlatedData(1000, p);
    const engine = timeRuns(5, () => decompose(data));
    const perFit = refitCost(data, 300);
    const predicted = perFit * 2 ** p;
    const measured = predicted <= BASELINE_LIMIT_SECONDS;
    const baseline = measured ? seconds(() => refitAll(data)) : predicted;
    record(
      `1 exact, p = ${p}`,
      1000,
      String(p),
      `2^${p}`,
      engine,
      5,
      baseline,
      measured ? '' : ' (extrapolated)',
      ((2 ** p * p * p) / 2 / rate).toFixed(3),
    );
  }
}

// 2. Exact Shapley, p = 24, n = 10,000.
if (!only || only === '2') {
  const data = correlatedData(10000, 24);
  const engine = timeRuns(1, () => decompose(data, { exact: true }));
  const predicted = refitCost(data, 200) * 2 ** 24;
  const floor = ((2 ** 24 * 24 * 24) / 2 / rate).toFixed(3);
  record('2 exact, p = 24', 10000, '24', '2^24', engine, 1, predicted, ' (extrapolated)', floor);
  // The block range split over two worker threads, as `decompose` does from 16 groups (wall time).
  const parallel: number[] = [];
  for (let run = 0; run < 3; run++) {
    const start = process.hrtime.bigint();
    const sums = await shapleySumsInParallel(data, planExactShapley(data, enginesOf(data)), 2);
    decompose(data, { exact: true, enumerate: () => sums });
    parallel.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  record(
    '2 exact, p = 24, 2 workers (wall)',
    10000,
    '24',
    '2^24',
    median(parallel),
    3,
    predicted,
    ' (extrapolated)',
    floor,
  );
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
    record(
      `3 sampling, p = ${p} (max s.e. ${worst.toFixed(4)}, ${permutations} orders)`,
      10000,
      String(p),
      'sampled',
      engine,
      5,
      predicted,
      ' (extrapolated exact)',
    );
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
  const engine = timeRuns(5, () => decompose(data));
  const baseline = timeRuns(5, () => naiveDummyShapley(data));
  record('4 NAO layout, one decomposition (la + year FE)', data.n, '4 groups', '16', engine, 5, baseline, '');
  const estimate = decompose(data);
  const boot = timeRuns(3, () =>
    bootstrapDecomposition(data, estimate, {
      replicates: 1000,
      seed: 1,
      level: 0.95,
      type: 'percentile',
      decompose: { method: 'shapley' },
    }),
  );
  record(
    '4 NAO layout, 1,000 bootstrap replicates',
    data.n,
    '4 groups',
    '16 × 1000',
    boot,
    3,
    baseline * 1000,
    ' (extrapolated)',
  );
  const bootOptions = {
    replicates: 1000,
    seed: 1,
    level: 0.95,
    type: 'percentile' as const,
    decompose: { method: 'shapley' as const },
  };
  const parallel: number[] = [];
  for (let run = 0; run < 3; run++) {
    const start = process.hrtime.bigint();
    await bootstrapInParallel(data, estimate, bootOptions, 2);
    parallel.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  record(
    '4 NAO layout, 1,000 bootstrap replicates, 2 workers (wall)',
    data.n,
    '4 groups',
    '16 × 1000',
    median(parallel),
    3,
    baseline * 1000,
    ' (extrapolated)',
  );
}

// 5. 1,000,000 rows × 12 numeric predictors, from CSV, through the CLI.
if (!only || only === '5') {
  const folder = mkdtempSync(join(tmpdir(), 'cpv-bench-'));
  const file = join(folder, 'big.csv');
  writeBigCsv(file, 1_000_000, 12);
  const args = [
    join(packageRoot(), 'dist/src/cli.js'),
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
  record(
    `5 1,000,000 rows × 12 from CSV (peak ${((kilobytes ?? 0) / 1024).toFixed(0)} MB${timed.status === 0 ? '' : `, exit ${timed.status}`})`,
    1_000_000,
    '12',
    '2^12',
    wall ?? Number.NaN,
    1,
    undefined,
    '',
  );
  rmSync(folder, { recursive: true, force: true });
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
  const cli = join(packageRoot(), 'dist/src/cli.js');
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
  console.log('refusals (limits: 20,000 characters, 200 levels of nesting, 4,096 formula terms)');
  console.log(
    table
      .map((r) => r.map((c, j) => (j === 0 || j === 5 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  '))
      .join('\n'),
  );
  console.log('');
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
  void writeFileSync;
}
