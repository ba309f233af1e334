/**
 * Exact Shapley values of a set function v over k players, v(∅) = 0:
 *   φ_j = Σ_{S ⊆ N∖{j}} |S|! (k − |S| − 1)! / k! · (v(S ∪ {j}) − v(S)),
 * the average of j's marginal contribution over all k! orderings. With v = R² of the regression on a subset of
 * groups of predictors this is the LMG / Shapley–Owen decomposition of R², and Σ φ_j = v(N) (efficiency).
 *
 * `value` is called once per subset, 2^k calls in all, subsets as bit masks (bit j = player j).
 *
 * Reference: Shapley (1953); Lindeman, Merenda & Gold (1980); Grömping (2007), Am. Stat. 61(2):139–147.
 * @example shapleyValues(2, (m) => [0, 0.2, 0.3, 0.6][m]) // Float64Array [0.25, 0.35]
 */
export function shapleyValues(k: number, value: (mask: number) => number): Float64Array {
  if (!Number.isInteger(k) || k < 1 || k > 30)
    throw new RangeError(`shapleyValues: k must be an integer in 1..30, got ${k}`);
  const subsets = 2 ** k;
  const v = new Float64Array(subsets);
  for (let mask = 1; mask < subsets; mask++) v[mask] = value(mask);
  const weight = orderingWeights(k);
  const phi = new Float64Array(k);
  for (let mask = 0; mask < subsets; mask++) {
    const w = weight[popcount(mask)]!;
    for (let j = 0; j < k; j++) {
      const bit = 1 << j;
      if (!(mask & bit)) phi[j]! += w * (v[mask | bit]! - v[mask]!);
    }
  }
  return phi;
}

/** w(s) = s! (k − s − 1)! / k! = 1 / (k · C(k − 1, s)), for s = 0 … k − 1. */
export function orderingWeights(k: number): Float64Array {
  const weights = new Float64Array(k);
  let binomial = 1; // C(k − 1, s)
  for (let s = 0; s < k; s++) {
    weights[s] = 1 / (k * binomial);
    binomial = (binomial * (k - 1 - s)) / (s + 1);
  }
  return weights;
}

export function popcount(mask: number): number {
  let count = 0;
  for (let m = mask; m; m &= m - 1) count++;
  return count;
}
