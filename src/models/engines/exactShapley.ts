import { UsageError } from '../../errors.js';
import type { ModelShape } from '../design/modelData.js';
import type { Gram, ProjectedGrams, SubsetEngines } from './gramFitter.js';
import { createSubsetTree, shapleyGame, treeLayout, treeSeconds } from './subsetTree.js';
import { R2_VALUE, type SubsetValue } from './subsetValue.js';

/** Exact enumerations expected to take longer than this on one thread are refused. */
export const MAX_EXACT_SECONDS = 3600;

/** Sums from which exact Shapley values follow (`shapleyFromSums`). */
export interface ShapleySums {
  readonly players: number;
  /** inside[j] = Σ_{T ∋ j} c(|T|)·R²(T), c(s) = w(s−1) + w(s). */
  readonly inside: Float64Array;
  /** Σ_T w(|T|)·R²(T). */
  readonly weighted: number;
  /** Subsets whose R² came from a QR refit because a pivot was too small to trust. */
  readonly refits: number;
  /** Tasks whose sums were computed on worker threads (`shapleySumsInParallel`); absent: all in this thread. */
  readonly workerTasks?: number;
}

/** An exact Shapley enumeration cut into tasks of similar size (sets of fixed effects × prefixes). */
export interface ShapleyPlan {
  readonly players: number;
  readonly tasks: number;
  readonly subsets: number;
  /** Expected seconds of the enumeration (the Gram matrices built) on one thread of this project's machine. */
  readonly seconds: number;
  /** Task t's sums into `out` (k + 2 entries: the k inside sums, the weighted sum, refits), as `sumsOf` reads them. */
  runTask(task: number, out: Float64Array): void;
  /** The task's sums; every task is computed the same way on any thread. */
  sumsOfTask(task: number): ShapleySums;
  /** What a worker thread needs, with the model, to rebuild the plan without recomputing the Gram matrices. */
  transfer(): ShapleyTransfer;
}

/** The projected Gram matrices of a plan, by fixed mask, and what goes with them (plain data, for workers). */
export interface ShapleyTransfer {
  readonly numericCount: number;
  readonly centredSquares: readonly number[];
  readonly fixedGroups: readonly number[];
  readonly grams: readonly Float64Array[];
  /** `Gram.fixedRank` of each Gram matrix, by fixed mask. */
  readonly fixedRanks: readonly number[];
  /** The game enumerated: R² or adjusted R². */
  readonly value: SubsetValue;
}

/** Expected seconds of one thread to build the Gram matrices and enumerate every subset of the model's groups by the
 * tree. */
export function exactShapleySeconds(data: ModelShape, engines: SubsetEngines): number {
  return treeSeconds(treeLayout(data, engines), data.n);
}

/**
 * The exact Shapley enumeration of a model's groups by the subset tree (`createSubsetTree`), with values
 * accumulated in the tree: φ_j = Σ_{T ∋ j} c(|T|)·R²(T) − Σ_T w(|T|)·R²(T), w(s) = s!(k−s−1)!/k! (w(k) = 0),
 * c(s) = w(s−1) + w(s), the first sum being the total of the subtrees rooted where j was added. No 2^k table.
 * Refused (UsageError) when expected to take more than an hour on one thread.
 *
 * Reference: Shapley (1953); Furnival (1971), Technometrics 13:403–408.
 */
export function planExactShapley(data: ModelShape, engines: SubsetEngines, value: SubsetValue = R2_VALUE): ShapleyPlan {
  const layout = treeLayout(data, engines);
  const k = data.groups.length;
  const total = treeSeconds(layout, data.n);
  if (total > MAX_EXACT_SECONDS) {
    throw new UsageError(
      `exact Shapley values over ${k} groups need 2^${k} subset fits, about ${(total / 3600).toFixed(1)} hours here; ` +
        `use --samples 20000 for a Monte Carlo estimate with standard errors`,
    );
  }
  const game = shapleyGame(layout);
  const tree = createSubsetTree(layout, game, engines.statistics, engines, value);
  const out = new Float64Array(k + 2);
  return {
    players: k,
    tasks: tree.tasks,
    subsets: tree.subsets,
    seconds: treeSeconds(layout),
    runTask: (task, row) => tree.runTask(task, row),
    sumsOfTask(task) {
      tree.runTask(task, out);
      return sumsOf(out, k);
    },
    transfer() {
      const { statistics } = engines;
      const grams = Array.from({ length: 2 ** statistics.fixedGroups.length }, (_, mask) => statistics.gramFor(mask));
      return {
        numericCount: statistics.numericCount,
        centredSquares: statistics.centredSquares,
        fixedGroups: statistics.fixedGroups,
        grams: grams.map((gram) => gram.entries),
        fixedRanks: grams.map((gram) => gram.fixedRank),
        value,
      };
    },
  };
}

/** The Gram matrices of a transfer as `ProjectedGrams`, for a worker's plan. */
export function gramsOfTransfer(transfer: ShapleyTransfer): ProjectedGrams {
  const size = transfer.numericCount + 1;
  const grams: Gram[] = transfer.grams.map((entries, mask) => ({
    size,
    entries,
    fixedRank: transfer.fixedRanks[mask]!,
  }));
  return {
    numericCount: transfer.numericCount,
    centredSquares: transfer.centredSquares,
    fixedGroups: transfer.fixedGroups,
    gramFor: (mask) => grams[mask]!,
  };
}

/** A task's sums from its output row (`SubsetTree.runTask`: k slots, the weighted sum, refits). */
export function sumsOf(row: ArrayLike<number>, k: number): ShapleySums {
  return {
    players: k,
    inside: Float64Array.from({ length: k }, (_, j) => row[j]!),
    weighted: row[k]!,
    refits: row[k + 1]!,
  };
}

/** Add task sums in the given order, starting from zero (the order is fixed, so any split of tasks gives the same). */
export function addSums(parts: readonly ShapleySums[]): ShapleySums {
  const k = parts[0]!.players;
  const inside = new Float64Array(k);
  let weighted = 0;
  let refits = 0;
  for (const part of parts) {
    for (let j = 0; j < k; j++) inside[j]! += part.inside[j]!;
    weighted += part.weighted;
    refits += part.refits;
  }
  return { players: k, inside, weighted, refits };
}

/** φ_j = Σ_{T ∋ j} c(|T|)·R²(T) − Σ_T w(|T|)·R²(T). */
export function shapleyFromSums(sums: ShapleySums): Float64Array {
  return sums.inside.map((inside) => inside - sums.weighted);
}

/** Every task of a plan in this thread, in task order. */
export function enumerateInThread(plan: ShapleyPlan, onProgress?: (done: number, total: number) => void): ShapleySums {
  const parts: ShapleySums[] = [];
  for (let task = 0; task < plan.tasks; task++) {
    parts.push(plan.sumsOfTask(task));
    onProgress?.(task + 1, plan.tasks);
  }
  return addSums(parts);
}
