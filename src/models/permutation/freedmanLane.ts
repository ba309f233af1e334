import { ModelError, ParameterError } from '../../errors.js';
import { seededStreams, type IntegerRandomSource } from '../bootstrap/random.js';
import type { ModelData, ModelShape } from '../design/modelData.js';
import { createSubsetSolver, rowTransform } from '../engines/subsetFit.js';
import type { DecompositionMethod } from '../methods/decompose.js';
import { sequentialIncrements } from '../methods/sequential.js';
import { shapleyValues } from '../methods/shapley.js';
import { uniqueContributions } from '../methods/unique.js';
import { createResponseEngine, type ResponseEngine } from './responses.js';

/** Methods with one number per group, whose shares a permutation test can judge (as the bootstrap's). */
export const PERMUTATION_METHODS: readonly DecompositionMethod[] = [
  'shapley',
  'owen',
  'sequential',
  'unique',
  'dominance',
];

/** Most groups a permutation test enumerates (2^k subset values per permutation and group). */
export const MAX_PERMUTATION_GROUPS = 20;

/**
 * Null values within this of the observed share count as reaching it, so that rounding (null and observed come by
 * different sums) cannot turn an exact tie — a share the permutations cannot change — into a rejection.
 */
export const TIE_TOLERANCE = 1e-10;

export interface PermutationOptions {
  /** B, the number of permutations. */
  readonly permutations: number;
  readonly seed: number;
  /** The statistic: each group's headline share under this method. */
  readonly method: DecompositionMethod;
  /** Sequential order as group indices (method sequential); default: group order. */
  readonly order?: readonly number[];
  /** Keep every null value in the result (for checks). */
  readonly keepValues?: boolean;
  /** Called after each permutation (all groups); progress display only. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** What a batch of permutations needs: plain data, so that it can be sent to a worker thread. */
export type BatchOptions = Pick<PermutationOptions, 'permutations' | 'seed' | 'method' | 'order'> & {
  /** The groups whose null is computed (default: all; the others get no values), e.g. for calibration studies. */
  readonly groups?: readonly number[];
};

/** The permutation null of one group's share. */
export interface GroupNull {
  /** The observed share (the decomposition's headline value). */
  readonly observed: number;
  /** Mean of the null shares: the share the group gets by chance alone ("chance floor"). */
  readonly meanShare: number;
  /** 95th percentile of the null shares (R's quantile type 7). */
  readonly q95Share: number;
  /** observed − meanShare. */
  readonly excess: number;
  /** (1 + #{null ≥ observed}) / (B + 1). */
  readonly p: number;
}

export interface PermutationResult {
  readonly permutations: number;
  readonly seed: number;
  /** The column within whose levels rows were permuted, or null (all rows exchangeable). */
  readonly within: string | null;
  /** Number of blocks (1 when all rows are exchangeable). */
  readonly blocks: number;
  readonly method: DecompositionMethod;
  /** One per group, in group order. */
  readonly groups: readonly GroupNull[];
  /** With `keepValues`: for each group, its B null shares in permutation order. */
  readonly values?: readonly Float64Array[];
}

/** The null shares of permutations first … last − 1: values[g][b − first] (empty for groups not asked for). */
export interface PermutationBatch {
  readonly first: number;
  readonly values: readonly Float64Array[];
}

export function checkPermutationOptions(data: Pick<ModelData, 'groups'>, options: BatchOptions): void {
  if (!PERMUTATION_METHODS.includes(options.method)) {
    throw new ParameterError(
      'permutations',
      `works with the methods that give one number per group (${PERMUTATION_METHODS.join(', ')}), not ` +
        `"${options.method}"`,
    );
  }
  if (!Number.isInteger(options.permutations) || options.permutations < 1)
    throw new ParameterError('permutations', 'needs at least 1 permutation');
  const k = data.groups.length;
  if (k > MAX_PERMUTATION_GROUPS && options.method !== 'sequential' && options.method !== 'unique') {
    throw new ParameterError(
      'permutations',
      `redoes the ${options.method} split of all 2^${k} subsets for every permutation and group; it takes at most ` +
        `${MAX_PERMUTATION_GROUPS} groups (use fewer groups, or --method sequential or unique)`,
    );
  }
}

/**
 * The Freedman–Lane permutation null of every group's share: for group g, fit the model without g, and B times
 * form y* = fitted values + permuted residuals of that fit and redo the whole decomposition on y*, keeping g's
 * share. The shares of y* are what g gets when the other groups explain what they explain and g's own
 * contribution is noise reshuffled: their mean is the "chance floor", and p = (1 + #{null ≥ observed})/(B + 1).
 * Residuals are permuted among all rows, or within the blocks of `data.blocks` (levels of a column: rows are
 * exchangeable only within a block). With weights, the whitened residuals √w·e are permuted and unwhitened:
 * y*_i = ŷ_i + (√w e)_π(i) / √w_i. Permutation b is drawn from random stream b of the seed (`seededStreams`),
 * the same for every group, so any split of the permutations between threads gives the same numbers.
 *
 * Every y* has the same design, so the subsets are factored once (`createResponseEngine`): per permutation only
 * the cross-products of the columns with y* change.
 *
 * Reference: Freedman & Lane (1983), "A nonstochastic interpretation of reported significance levels", Journal of
 * Business & Economic Statistics 1(4):292–298; Winkler, Ridgway, Webster, Smith & Nichols (2014), "Permutation
 * inference for the general linear model", NeuroImage 92:381–397 (§2.4 and Table 2; exchangeability blocks,
 * §3.1); Phipson & Smyth (2010), "Permutation p-values should never be zero", Statistical Applications in
 * Genetics and Molecular Biology 9(1):39 (the + 1).
 */
export function permutationNull(
  data: ModelData,
  observed: readonly number[],
  options: PermutationOptions,
): PermutationResult {
  checkPermutationOptions(data, options);
  const batch = permutationBatch(data, options, 0, options.permutations, (done) =>
    options.onProgress?.(done, options.permutations),
  );
  return summariseNull(data, observed, options, [batch]);
}

/** The rows of each block of a model (one block of all rows without `data.blocks`), rows in ascending order. */
export function blockRows(data: Pick<ModelData, 'n' | 'blocks'>): Int32Array[] {
  if (!data.blocks) return [Int32Array.from({ length: data.n }, (_, i) => i)];
  const lists: number[][] = Array.from({ length: data.blocks.count }, () => []);
  data.blocks.codes.forEach((block, row) => lists[block]!.push(row));
  return lists.map((rows) => Int32Array.from(rows));
}

/**
 * A uniformly random permutation of the rows within each block (Fisher–Yates with unbiased integer draws, blocks
 * in order): y*[i] takes the residual of row π[i], a row of i's block.
 */
export function drawPermutation(random: IntegerRandomSource, blocks: readonly Int32Array[], n: number): Int32Array {
  const permutation = new Int32Array(n);
  for (const rows of blocks) {
    const shuffled = rows.slice();
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = random.integer(0, i);
      const t = shuffled[i]!;
      shuffled[i] = shuffled[j]!;
      shuffled[j] = t;
    }
    rows.forEach((row, i) => (permutation[row] = shuffled[i]!));
  }
  return permutation;
}

/** The subsets a method's headline needs (bit masks over k groups). */
// Stryker disable next-line BlockStatement: every subset is a superset: same values, slower
function masksFor(method: DecompositionMethod, k: number, order: readonly number[]): number[] {
  const full = 2 ** k - 1;
  if (method === 'sequential') {
    let mask = 0;
    return [0, ...order.map((g) => (mask |= 1 << g))];
  }
  if (method === 'unique') return [full, ...Array.from({ length: k }, (_, g) => full & ~(1 << g))];
  return Array.from({ length: full + 1 }, (_, mask) => mask);
}

/**
 * Each group's headline share from the values of the subsets: Shapley values for shapley, owen (an Owen value
 * group total is the group's Shapley value in the game between groups; Owen 1977) and dominance (general
 * dominance weights equal Shapley values; Azen & Budescu 2003), sequential increments, unique contributions.
 */
function statisticOf(method: DecompositionMethod, k: number, order: readonly number[]) {
  if (method === 'sequential') return (table: Float64Array) => sequentialIncrements(table, order);
  if (method === 'unique') return (table: Float64Array) => uniqueContributions(table, k);
  return (table: Float64Array) => shapleyValues(k, (mask) => table[mask]!);
}

/** Null shares of permutations first … last − 1; permutation b draws from stream b, whoever runs it. */
export function permutationBatch(
  data: ModelData,
  options: BatchOptions,
  first: number,
  last: number,
  onPermutation?: (done: number) => void,
): PermutationBatch {
  const k = data.groups.length;
  const order = options.order ?? data.groups.map((_, g) => g);
  const engine: ResponseEngine = createResponseEngine(data, masksFor(options.method, k, order));
  const statistic = statisticOf(options.method, k, order);
  const tested = options.groups ?? data.groups.map((_, g) => g);
  const reduced = reducedFits(data);
  const blocks = blockRows(data);
  const stream = seededStreams(options.seed);
  const n = data.n;
  const values = Array.from({ length: k }, (_, g) => new Float64Array(tested.includes(g) ? last - first : 0));
  const table = new Float64Array(2 ** k);
  const star = new Float64Array(n);
  for (let b = first; b < last; b++) {
    const permutation = drawPermutation(stream(b), blocks, n);
    for (const g of tested) {
      const { fitted, residual, root } = reduced[g]!;
      if (root) for (let i = 0; i < n; i++) star[i] = fitted[i]! + residual[permutation[i]!]! / root[i]!;
      else for (let i = 0; i < n; i++) star[i] = fitted[i]! + residual[permutation[i]!]!;
      engine.values(star, table);
      values[g]![b - first] = statistic(table)[g]!;
    }
    onPermutation?.(b + 1 - first);
  }
  return { first, values };
}

/** For each group g, the fit of the model without g: fitted values and the whitened residuals √w·(y − ŷ). */
function reducedFits(data: ModelData) {
  const solver = createSubsetSolver(data);
  const transform = rowTransform(data.weights);
  const root = data.weights?.map(Math.sqrt);
  return data.groups.map((_, g) => {
    const others = solver.units.flatMap((unit, u) => (unit.group === g ? [] : [u]));
    const residual = others.length === 0 ? transform.centred(data.y) : solver.design(others).residual(data.y);
    const fitted = data.y.map((y, i) => y - (root ? residual[i]! / root[i]! : residual[i]!));
    return { fitted, residual, root };
  });
}

/** Mean, 95th percentile, excess and p-value of each group's null, from batches taken in permutation order. */
export function summariseNull(
  data: Pick<ModelData, 'groups' | 'blocks'>,
  observed: readonly number[],
  options: PermutationOptions,
  batches: readonly PermutationBatch[],
): PermutationResult {
  const ordered = [...batches].sort((a, b) => a.first - b.first);
  const B = options.permutations;
  const values = data.groups.map((_, g) => {
    const all = new Float64Array(B);
    let at = 0;
    for (const batch of ordered) {
      all.set(batch.values[g]!, at);
      at += batch.values[g]!.length;
    }
    if (at !== B) throw new ModelError(`the permutation test returned ${at} of ${B} permutations`);
    return all;
  });
  const groups = values.map((nulls, g) => groupNull(observed[g]!, nulls));
  return {
    permutations: B,
    seed: options.seed,
    within: data.blocks?.column ?? null,
    blocks: data.blocks?.count ?? 1,
    method: options.method,
    groups,
    ...(options.keepValues ? { values } : {}),
  };
}

/**
 * Remarks on a permutation test for the output: permuting within the levels of a fixed effect's own column keeps
 * each level's mean residual, so that group's null keeps what it tests.
 */
export function permutationNotes(data: ModelShape, result: PermutationResult): string[] {
  return data.groups
    .filter((group) => group.kind === 'fixed-effect' && group.columns[0] === result.within)
    .map(
      (group) =>
        `permuting within the levels of ${result.within} keeps the mean residual of each level, so the chance floor ` +
        `and p-value of "${group.name}" (effects of ${result.within}) test nothing; read them as uninformative`,
    );
}

/** One group's summary from its observed share and its B null shares. */
export function groupNull(observed: number, nulls: Float64Array): GroupNull {
  let sum = 0;
  let reached = 0;
  for (const value of nulls) {
    sum += value;
    if (value >= observed - TIE_TOLERANCE) reached++;
  }
  const meanShare = sum / nulls.length;
  return {
    observed,
    meanShare,
    q95Share: quantileType7(Float64Array.from(nulls).sort(), 0.95),
    excess: observed - meanShare,
    p: (1 + reached) / (nulls.length + 1),
  };
}

/** R's default quantile (type 7) of sorted values: linear interpolation at (B − 1)·p. */
export function quantileType7(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const low = Math.floor(h);
  const high = Math.min(low + 1, sorted.length - 1);
  return sorted[low]! + (h - low) * (sorted[high]! - sorted[low]!);
}
