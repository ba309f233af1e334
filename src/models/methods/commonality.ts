/**
 * Commonality coefficients of every non-empty set S of groups (Mood 1969; Seibold & McPhee 1979):
 *   C(S) = Σ_{T ⊆ S} (−1)^{|S| − |T| + 1} R²(N ∖ T),
 * the part of R² that the groups in S explain together and no smaller set explains. C({g}) is g's unique
 * contribution; all 2^k − 1 coefficients sum to R²(N); those containing g sum to R²({g}). Computed by a signed
 * subset-sum (Möbius) transform in O(k·2^k). Element 0 of the result is unused (NaN).
 *
 * Reference: Nimon, Lewis, Kane & Haynes (2008), Behavior Research Methods 40(2):457–466.
 */
export function commonalityCoefficients(table: Float64Array, k: number): Float64Array {
  const size = 2 ** k;
  const full = size - 1;
  const transform = Float64Array.from({ length: size }, (_, t) => table[full & ~t]!);
  for (let bit = 1; bit < size; bit <<= 1) {
    for (let mask = 0; mask < size; mask++) if (mask & bit) transform[mask]! -= transform[mask ^ bit]!;
  }
  const coefficients = transform.map((g) => -g);
  coefficients[0] = Number.NaN;
  return coefficients;
}
