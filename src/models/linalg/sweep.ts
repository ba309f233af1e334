/**
 * The reversible sweep operator on a symmetric cross-product matrix (Dempster 1969; Goodnight 1979).
 * Only the upper triangle is read and written. After sweeping the columns of a set S in, the last diagonal
 * entry (the outcome's) is RSS(S); sweeping a
 * column out again (the reverse sweep) restores the matrix up to rounding, so subsets visited in Gray-code order
 * cost one O(m²) update each.
 *
 * Reference: Goodnight (1979), "A tutorial on the SWEEP operator", The American Statistician 33(3):149–158;
 * Little & Rubin, Statistical Analysis with Missing Data (3rd ed.), §7.4.
 */
export function sweepIn(a: Float64Array, m: number, k: number): void {
  sweep(a, m, k, 1);
}

/** The inverse of `sweepIn` for a column that was swept in. */
export function sweepOut(a: Float64Array, m: number, k: number): void {
  sweep(a, m, k, -1);
}

let scratch = new Float64Array(0);

/**
 * A_ij ← A_ij − A_ik A_kj / h for i, j ≠ k; A_ik ← sign·A_ik/h; A_kk ← −1/h (h = A_kk), on the upper triangle
 * only (A[i·m + j], i ≤ j, is the matrix's (i, j) entry; the lower triangle is ignored), which halves the work.
 * The pivot column, zeroed by the row update, is rewritten after it, so the inner loop has no branch.
 */
function sweep(a: Float64Array, m: number, k: number, sign: 1 | -1): void {
  if (scratch.length < m) scratch = new Float64Array(m);
  const row = scratch;
  for (let j = 0; j < m; j++) row[j] = j < k ? a[j * m + k]! : a[k * m + j]!;
  const inverse = 1 / row[k]!;
  for (let i = 0; i < m; i++) {
    if (i === k) continue;
    const rowI = i * m;
    const factor = row[i]! * inverse;
    if (factor !== 0) for (let j = i; j < m; j++) a[rowI + j]! -= factor * row[j]!;
    a[i < k ? rowI + k : k * m + i] = sign * factor;
  }
  a[k * m + k] = -inverse;
}
