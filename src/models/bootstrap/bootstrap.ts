import { ModelError, ParameterError } from '../../errors.js';
import { lazyRequire } from '../../lazyRequire.js';
import {
  decompose,
  type DecomposeOptions,
  type DecompositionMethod,
  type DecompositionResult,
} from '../methods/decompose.js';
import { checkEstimable, denseCodes, type GroupData, type ModelData } from '../design/modelData.js';
import { seededStreams } from './random.js';

export { INTERVAL_TYPES, type IntervalType } from './intervals.js';
import type { IntervalType } from './intervals.js';

// Loaded when intervals are computed, not with this module (see lazyRequire).
const normalCdf = lazyRequire<typeof import('@stdlib/stats-base-dists-normal-cdf')>(
  '@stdlib/stats-base-dists-normal-cdf',
);
const normalQuantile = lazyRequire<typeof import('@stdlib/stats-base-dists-normal-quantile')>(
  '@stdlib/stats-base-dists-normal-quantile',
);
const statistics = lazyRequire<typeof import('simple-statistics')>('simple-statistics');

/** Methods that give one number per group, and so can be bootstrapped. */
const BOOTSTRAP_METHODS: readonly DecompositionMethod[] = ['shapley', 'owen', 'sequential', 'unique', 'dominance'];

export interface BootstrapOptions {
  readonly replicates: number;
  readonly seed: number;
  /** Confidence level, e.g. 0.95. */
  readonly level: number;
  readonly type: IntervalType;
  readonly decompose: DecomposeOptions;
  /** Keep every replicate's statistics in the result (for checks and custom summaries). */
  readonly keepReplicates?: boolean;
  /** Called after each replicate; progress display only. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Bootstrap standard error and confidence interval of one share (fractions of total variance). */
export interface ShareInterval {
  readonly se: number;
  readonly low: number;
  readonly high: number;
}

export interface BootstrapResult {
  readonly replicates: number;
  /** Replicates whose model was not estimable (excluded from every interval). */
  readonly failed: number;
  /** Distinct reasons for failed replicates, with counts. */
  readonly failures: readonly { readonly reason: string; readonly count: number }[];
  /** The resampled unit: a column, or null for single rows. */
  readonly cluster: string | null;
  readonly clusters: number;
  readonly seed: number;
  readonly level: number;
  readonly type: IntervalType;
  /** One interval per group, in group order. */
  readonly groups: readonly ShareInterval[];
  readonly unexplained: ShareInterval;
  /** With `keepReplicates`: per estimable replicate, the group shares then the unexplained share. */
  readonly replicateValues?: readonly Float64Array[];
}

/**
 * Cluster (block) bootstrap of a decomposition: each replicate draws G clusters with replacement (single rows
 * when the data have no cluster), refits, and recomputes the shares. A fixed effect whose levels are nested in
 * the clusters (authority effects when clustering by authority) gets one level per drawn copy of a cluster;
 * other fixed effects (years) keep their levels. Replicate r uses random stream r of `seededStreams(seed)`,
 * so results are identical however replicates are split between workers.
 *
 * Standard error: the standard deviation of the replicates. Percentile interval: the α/2 and 1 − α/2 sample
 * quantiles (type 7). BCa: quantiles at Φ(z₀ + (z₀ + z)/(1 − a(z₀ + z))) for z = z_{α/2}, z_{1−α/2}, with bias
 * correction z₀ = Φ⁻¹(share of replicates below the estimate) and acceleration a from a jackknife that leaves
 * out one cluster at a time.
 *
 * Reference: Efron & Tibshirani (1993), An Introduction to the Bootstrap, ch. 13–14; Cameron, Gelbach & Miller
 * (2008), "Bootstrap-based improvements for inference with clustered errors", REStat 90(3):414–427; Davison &
 * Hinkley (1997), Bootstrap Methods and their Application, §3.8 (resampling clusters).
 */
export function bootstrapDecomposition(
  data: ModelData,
  estimate: DecompositionResult,
  options: BootstrapOptions,
): BootstrapResult {
  checkBootstrapOptions(options);
  const replicates = bootstrapReplicates(data, options, 0, options.replicates, (done) =>
    options.onProgress?.(done, options.replicates),
  );
  return summariseBootstrap(data, estimate, options, [replicates]);
}

/** The statistics of replicates first … last − 1 (null where the model was not estimable), with the failure reasons. */
export interface ReplicateBatch {
  readonly first: number;
  readonly statistics: readonly (Float64Array | null)[];
  readonly failures: readonly string[];
}

/** Only what a replicate needs: plain data, so that it can be sent to a worker thread. */
export type ReplicateOptions = Pick<BootstrapOptions, 'seed' | 'decompose'>;

export function checkBootstrapOptions(options: BootstrapOptions): void {
  const method = options.decompose.method ?? 'shapley';
  if (!BOOTSTRAP_METHODS.includes(method)) {
    throw new ParameterError(
      'bootstrap',
      `works with the methods that give one number per group (${BOOTSTRAP_METHODS.join(', ')}), not "${method}"`,
    );
  }
  if (!Number.isInteger(options.replicates) || options.replicates < 2)
    throw new ParameterError('bootstrap', 'needs at least 2 replicates');
  if (!(options.level > 0 && options.level < 1))
    throw new ParameterError('ci', `must be between 0 and 1 (e.g. 0.95), got ${options.level}`);
}

/**
 * Run replicates first … last − 1; replicate r draws from random stream r, so any split of the range gives the same
 * numbers.
 */
export function bootstrapReplicates(
  data: ModelData,
  options: ReplicateOptions,
  first: number,
  last: number,
  onReplicate?: (done: number) => void,
): ReplicateBatch {
  const resampler = createResampler(data);
  const stream = seededStreams(options.seed);
  const statistics: (Float64Array | null)[] = [];
  const failures: string[] = [];
  for (let r = first; r < last; r++) {
    const random = stream(r);
    const draws = Int32Array.from({ length: resampler.clusters }, () => random.integer(0, resampler.clusters - 1));
    try {
      const replicate = resampler.resample(draws);
      checkEstimable(replicate);
      statistics.push(statisticOf(decompose(replicate, { ...options.decompose, onProgress: undefined })));
    } catch (error) {
      if (!(error instanceof ModelError)) throw error;
      statistics.push(null);
      failures.push(error.message);
    }
    onReplicate?.(r + 1 - first);
  }
  return { first, statistics, failures };
}

/** Standard errors and intervals from batches of replicates (taken in replicate order, whoever computed them). */
export function summariseBootstrap(
  data: ModelData,
  estimate: DecompositionResult,
  options: BootstrapOptions,
  batches: readonly ReplicateBatch[],
): BootstrapResult {
  const ordered = [...batches].sort((a, b) => a.first - b.first);
  const statistics = ordered.flatMap((batch) => batch.statistics).filter((s): s is Float64Array => s !== null);
  const failures = new Map<string, number>();
  for (const reason of ordered.flatMap((batch) => batch.failures))
    failures.set(reason, (failures.get(reason) ?? 0) + 1);
  const resampler = createResampler(data);
  const failed = options.replicates - statistics.length;
  if (statistics.length < 2) {
    throw new ModelError(
      `the bootstrap failed: ${failed} of ${options.replicates} replicates were not estimable ` +
        `(${[...failures.keys()][0] ?? ''})`,
    );
  }
  const point = statisticOf(estimate);
  const jackknife = options.type === 'bca' ? jackknifeStatistics(resampler, options.decompose) : undefined;
  const intervals = Array.from(point, (value, j) =>
    interval(
      value,
      statistics.map((s) => s[j]!),
      options.level,
      jackknife?.map((s) => s[j]!),
    ),
  );
  return {
    replicates: options.replicates,
    failed,
    failures: [...failures].map(([reason, count]) => ({ reason, count })),
    cluster: data.cluster?.column ?? null,
    clusters: resampler.clusters,
    seed: options.seed,
    level: options.level,
    type: options.type,
    groups: intervals.slice(0, -1),
    unexplained: intervals.at(-1)!,
    ...(options.keepReplicates ? { replicateValues: statistics } : {}),
  };
}

/** The numbers the bootstrap tracks: each group's share, then the unexplained share. */
function statisticOf(result: DecompositionResult): Float64Array {
  return Float64Array.from([...result.groups.map((g) => g.share), result.unexplained]);
}

function interval(
  estimate: number,
  replicates: number[],
  level: number,
  jackknife: number[] | undefined,
): ShareInterval {
  const sorted = [...replicates].sort((a, b) => a - b);
  const alpha = 1 - level;
  let lowLevel = alpha / 2;
  let highLevel = 1 - alpha / 2;
  if (jackknife) [lowLevel, highLevel] = bcaLevels(estimate, sorted, jackknife, alpha);
  return {
    se: statistics().sampleStandardDeviation(replicates),
    low: statistics().quantileSorted(sorted, lowLevel),
    high: statistics().quantileSorted(sorted, highLevel),
  };
}

/** BCa-adjusted quantile levels (Efron & Tibshirani 1993, §14.3). */
function bcaLevels(estimate: number, sorted: number[], jackknife: number[], alpha: number): [number, number] {
  const below = sorted.filter((v) => v < estimate).length;
  const clampShare = (p: number) => Math.min(1 - 1 / (2 * sorted.length), Math.max(1 / (2 * sorted.length), p));
  const z0 = normalQuantile()(clampShare(below / sorted.length), 0, 1);
  const mean = jackknife.reduce((a, b) => a + b, 0) / jackknife.length;
  let squares = 0;
  let cubes = 0;
  for (const value of jackknife) {
    const d = mean - value;
    squares += d * d;
    cubes += d * d * d;
  }
  const acceleration = squares > 0 ? cubes / (6 * squares ** 1.5) : 0;
  const adjust = (z: number) => normalCdf()(z0 + (z0 + z) / (1 - acceleration * (z0 + z)), 0, 1);
  return [adjust(normalQuantile()(alpha / 2, 0, 1)), adjust(normalQuantile()(1 - alpha / 2, 0, 1))];
}

/** Leave-one-cluster-out statistics; clusters whose removal leaves an inestimable model are skipped. */
function jackknifeStatistics(resampler: Resampler, options: DecomposeOptions): Float64Array[] {
  const out: Float64Array[] = [];
  for (let left = 0; left < resampler.clusters; left++) {
    const kept = Int32Array.from({ length: resampler.clusters - 1 }, (_, i) => (i < left ? i : i + 1));
    try {
      const replicate = resampler.resample(kept);
      checkEstimable(replicate);
      out.push(statisticOf(decompose(replicate, options)));
    } catch (error) {
      if (!(error instanceof ModelError)) throw error;
    }
  }
  if (out.length < 2)
    throw new ModelError(
      `the BCa jackknife failed: fewer than 2 of ${resampler.clusters} leave-one-out fits were estimable`,
    );
  return out;
}

interface Resampler {
  readonly clusters: number;
  /** The data made of the listed clusters, in order (a cluster may repeat). */
  resample(draws: Int32Array): ModelData;
}

function createResampler(data: ModelData): Resampler {
  const clusterOf = data.cluster ? data.cluster.codes : Int32Array.from({ length: data.n }, (_, i) => i);
  const clusters = data.cluster ? data.cluster.count : data.n;
  const rowsOf: number[][] = Array.from({ length: clusters }, () => []);
  clusterOf.forEach((c, row) => rowsOf[c]!.push(row));
  const nested = data.groups.map(
    (group) => group.kind === 'fixed-effect' && isNestedIn(group.codes, clusterOf, group.levels),
  );
  return {
    clusters,
    resample(draws) {
      const rows: number[] = [];
      const copyOfRow: number[] = [];
      draws.forEach((cluster, copy) => {
        for (const row of rowsOf[cluster]!) {
          rows.push(row);
          copyOfRow.push(copy);
        }
      });
      const pick = (values: Float64Array) => Float64Array.from(rows, (row) => values[row]!);
      const groups = data.groups.map((group, g): GroupData => {
        if (group.kind === 'numeric') return { ...group, values: group.values.map(pick) };
        const keys = rows.map((row, i) =>
          nested[g] ? copyOfRow[i]! * group.levels + group.codes[row]! : group.codes[row]!,
        );
        const { codes, count, values } = denseCodes(keys);
        return { ...group, codes, levels: count, labels: values.map((key) => group.labels[key % group.levels]!) };
      });
      return {
        outcome: data.outcome,
        n: rows.length,
        y: pick(data.y),
        groups,
        droppedRows: 0,
        missingByColumn: {},
        ...(data.weights ? { weights: pick(data.weights), weightsColumn: data.weightsColumn! } : {}),
      };
    },
  };
}

/** Whether every level of a fixed effect lies within a single cluster. */
function isNestedIn(levels: Int32Array, clusters: Int32Array, levelCount: number): boolean {
  const clusterOfLevel = new Int32Array(levelCount).fill(-1);
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (clusterOfLevel[level] === -1) clusterOfLevel[level] = clusters[i]!;
    else if (clusterOfLevel[level] !== clusters[i]) return false;
  }
  return true;
}
