/**
 * Unique contribution of each group (Type III, squared semi-partial correlation of the group): the R² lost
 * when the group alone is dropped from the full model, R²(N) − R²(N ∖ {g}). Unique contributions do not sum to
 * R²; the rest, R² − Σ unique, is variance the groups explain only jointly (negative under suppression).
 *
 * Reference: Cohen et al., Applied Multiple Regression/Correlation Analysis (3rd ed.), §3.5 and §5.4.
 */
export function uniqueContributions(table: Float64Array, k: number): Float64Array {
  const full = 2 ** k - 1;
  return Float64Array.from({ length: k }, (_, g) => table[full]! - table[full & ~(1 << g)]!);
}
