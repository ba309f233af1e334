/**
 * Sequential (Type I, hierarchical) increments of R²: groups enter in `order`, and each is credited with
 *   R²(groups up to and including it) − R²(groups before it),
 * so the result depends on the order; increments sum to R² of the full model. This is R's `anova(lm)` split
 * divided by the total sum of squares.
 *
 * Reference: Grömping (2007), §2 ("first" and "last" metrics); Cohen et al., Applied Multiple
 * Regression/Correlation Analysis (3rd ed.), §5.3.
 * @example sequentialIncrements(Float64Array.of(0, 0.2, 0.3, 0.6), [1, 0]) // [0.3 for group 0, 0.3 for group 1]
 */
export function sequentialIncrements(table: Float64Array, order: readonly number[]): Float64Array {
  const increments = new Float64Array(order.length);
  let mask = 0;
  for (const g of order) {
    const next = mask | (1 << g);
    increments[g] = table[next]! - table[mask]!;
    mask = next;
  }
  return increments;
}
