import { popcount } from './shapley.js';

/** How one group stands against another under the three dominance criteria; `null` when undetermined. */
export interface DominancePair {
  readonly a: number;
  readonly b: number;
  /** The group that completely dominates: larger increment in every subset of the other groups. */
  readonly complete: number | null;
  /** The group with the larger average increment at every subset size. */
  readonly conditional: number | null;
  /** The group with the larger general dominance weight. */
  readonly general: number | null;
}

export interface DominanceAnalysis {
  /** conditional[g][s]: mean of R²(S ∪ g) − R²(S) over subsets S of the other groups with |S| = s. */
  readonly conditional: readonly Float64Array[];
  /** General dominance weights: mean over s of conditional[g][s]; equal to the Shapley values. */
  readonly general: Float64Array;
  readonly pairs: readonly DominancePair[];
}

/**
 * Dominance analysis (Budescu 1993; Azen & Budescu 2003) from the R² of every subset of k groups.
 * Ties (equal to 1e-12) leave a relation undetermined.
 *
 * Reference: Azen & Budescu (2003), "The dominance analysis approach for comparing predictors in multiple
 * regression", Psychological Methods 8(2):129–148.
 */
export function dominanceAnalysis(table: Float64Array, k: number): DominanceAnalysis {
  const size = 2 ** k;
  const conditional = Array.from({ length: k }, () => new Float64Array(k));
  const counts = Array.from({ length: k }, () => new Float64Array(k));
  for (let mask = 0; mask < size; mask++) {
    const s = popcount(mask);
    for (let g = 0; g < k; g++) {
      if (mask & (1 << g)) continue;
      conditional[g]![s]! += table[mask | (1 << g)]! - table[mask]!;
      counts[g]![s]! += 1;
    }
  }
  conditional.forEach((row, g) => row.forEach((sum, s) => (row[s] = sum / counts[g]![s]!)));
  const general = Float64Array.from(conditional, (row) => row.reduce((a, b) => a + b, 0) / k);
  const pairs: DominancePair[] = [];
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      const increments: number[] = [];
      const others = (size - 1) & ~(1 << a) & ~(1 << b);
      for (let mask = others; ; mask = (mask - 1) & others) {
        increments.push(table[mask | (1 << a)]! - table[mask | (1 << b)]!);
        if (mask === 0) break;
      }
      pairs.push({
        a,
        b,
        complete: winner(a, b, increments),
        conditional: winner(
          a,
          b,
          Array.from(conditional[a]!, (value, s) => value - conditional[b]![s]!),
        ),
        general: winner(a, b, [general[a]! - general[b]!]),
      });
    }
  }
  return { conditional, general, pairs };
}

const TIE = 1e-12;

/** a if every difference (a − b) is positive, b if every one is negative, otherwise null. */
function winner(a: number, b: number, differences: readonly number[]): number | null {
  if (differences.every((d) => d > TIE)) return a;
  if (differences.every((d) => d < -TIE)) return b;
  return null;
}
