import type { ModelShape } from '../design/modelData.js';
import type { DecompositionMethod } from '../methods/decompose.js';

/**
 * Calibration of `permutationSeconds` on this project's 2-core machine (Node 20, one thread): seconds per pass
 * over a row (a projection, a cross-product) and per operation on a subset (a forward substitution step, a term
 * of the Shapley sum), from the NAO layout (912 rows, 4 groups) and the England panel (1,019 rows), rounded up.
 */
const SECONDS_PER_ROW_PASS = 4e-9;
const SECONDS_PER_SUBSET_OPERATION = 3e-8;

/**
 * Expected seconds of one permutation of a permutation test on one thread: for each group, the outcome y* is
 * projected on every set of fixed effects (a pass for the projection and its square, one per numeric column for
 * the cross-products, two per indicator of each fixed effect but the largest for the QR), then every subset the
 * method needs is solved (|S|²/2 steps) and the shares computed (k·2^k terms for Shapley values).
 */
export function permutationSeconds(data: ModelShape, method: DecompositionMethod): number {
  const k = data.groups.length;
  const q = data.groups.reduce((sum, g) => sum + (g.kind === 'numeric' ? g.columns.length : 0), 0);
  const levels = data.groups.flatMap((g) => (g.kind === 'fixed-effect' ? [g.levels] : []));
  let passes = 0;
  for (let mask = 0; mask < 2 ** levels.length; mask++) {
    const present = levels.filter((_, f) => mask & (1 << f)).sort((a, b) => b - a);
    passes += 2 + q + 2 * present.slice(1).reduce((sum, l) => sum + l, 0);
  }
  const all = method !== 'sequential' && method !== 'unique';
  const subsets = all ? 2 ** k : k + 1;
  const operations = subsets * ((q * q) / 2 + 1) + (all ? k * 2 ** k : k);
  return k * (passes * data.n * SECONDS_PER_ROW_PASS + operations * SECONDS_PER_SUBSET_OPERATION);
}
