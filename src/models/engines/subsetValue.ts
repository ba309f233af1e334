/**
 * What a subset of predictors is worth in a decomposition: its R² (the default), or its adjusted R²,
 *   v(S) = 1 − (1 − R²(S))·(n − 1)/(n − k_S − 1),
 * with k_S the rank of the subset's design without the intercept (a fixed effect counts its levels − 1, aliased
 * columns count nothing; `SubsetFit.rank`) and v(∅) = 0. This is summary(lm)$adj.r.squared per subset, the game
 * that domir's `fitstat = adj.r.squared` decomposes.
 *
 * Reference: Theil (1961), Economic Forecasts and Policy, §5.3 (the adjusted R²); Luchman (2021), "Relative
 * importance analysis with multivariate models: shifting the focus from independent variables to parameter
 * estimates", Journal of Applied Statistics (domir and its fit statistics).
 */
export interface SubsetValue {
  /** Decompose the adjusted R² of models fitted to n rows. */
  readonly adjusted?: { readonly n: number };
}

/** The plain R² game. */
export const R2_VALUE: SubsetValue = {};

/** The adjusted-R² game for models fitted to n rows. */
export function adjustedValue(n: number): SubsetValue {
  return { adjusted: { n } };
}

/** (n − 1)/(n − k − 1): the factor by which adjusted R² scales the unexplained share 1 − R² at rank k. */
export function adjustment(n: number, rank: number): number {
  return (n - 1) / (n - rank - 1);
}

/** A subset's value from its R² and rank (R² itself for the plain game; 0 for the empty set either way). */
export function subsetValueOf(value: SubsetValue, r2: number, rank: number): number {
  return value.adjusted ? 1 - (1 - r2) * adjustment(value.adjusted.n, rank) : r2;
}
