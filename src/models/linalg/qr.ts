import { scaledNorm } from './scaling.js';

/**
 * Householder QR with limited column pivoting, as LINPACK's dqrdc2 (the routine behind R's `lm`):
 * columns are processed in the given order, and a column whose remaining norm falls below
 * `tolerance × referenceNorm` is moved to the end and declared aliased (linearly dependent on the earlier
 * ones). Unlike dqrdc2, remaining norms are recomputed exactly at each step rather than downdated.
 *
 * Reference: Golub & Van Loan, Matrix Computations (4th ed.), §5.2 and §5.4.1; R's src/appl/dqrdc2.f.
 */
export interface QrDecomposition {
  readonly rows: number;
  readonly cols: number;
  /** Column-major n × p: R above the diagonal (diagonal in `diag`), Householder vectors below. */
  readonly packed: Float64Array;
  /** First element of each Householder vector (LINPACK's qraux). */
  readonly householderHead: Float64Array;
  /** Diagonal of R. */
  readonly diag: Float64Array;
  /** pivot[j] = the input column index now in position j; positions ≥ rank are aliased. */
  readonly pivot: Int32Array;
  readonly rank: number;
}

/** R's default tolerance in `lm` (`qr(..., tol = 1e-07)`). */
export const DEFAULT_RANK_TOLERANCE = 1e-7;

export interface QrOptions {
  /** A column is aliased when its remaining norm < tolerance × referenceNorm. */
  readonly tolerance?: number;
  /**
   * Norms against which the rank test is made, one per column. Defaults to each column's own norm.
   * Pass the norms of the columns before fixed effects were absorbed, so that a column the absorption
   * reduced to rounding noise is recognised as aliased.
   */
  readonly referenceNorms?: ArrayLike<number>;
}

/**
 * Factor the n × p matrix whose columns are `columns` (each of length n) as X P = Q R.
 * @example qrDecompose([Float64Array.of(1, 1, 1), Float64Array.of(1, 2, 3)]).rank // 2
 */
export function qrDecompose(columns: readonly ArrayLike<number>[], options: QrOptions = {}): QrDecomposition {
  const p = columns.length;
  const n = p === 0 ? 0 : columns[0]!.length;
  const tolerance = options.tolerance ?? DEFAULT_RANK_TOLERANCE;
  const a = new Float64Array(n * p);
  const pivot = new Int32Array(p);
  const reference = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const column = columns[j]!;
    if (column.length !== n) throw new RangeError('qrDecompose: columns differ in length');
    a.set(column, j * n);
    pivot[j] = j;
    reference[j] = options.referenceNorms ? options.referenceNorms[j]! : scaledNorm(a, j * n, n);
  }
  const householderHead = new Float64Array(p);
  const diag = new Float64Array(p);
  let last = p; // columns [last, p) are aliased
  const steps = Math.min(n, p);
  for (let l = 0; l < steps && l < last; l++) {
    // Move columns whose remaining part is negligible to the end, keeping the others' order.
    while (l < last && !isIndependent(scaledNorm(a, l * n + l, n - l), tolerance * reference[l]!)) {
      rotateToEnd(a, n, l, last, pivot, reference);
      last--;
    }
    if (l >= last) break;
    const offset = l * n;
    let alpha = scaledNorm(a, offset + l, n - l);
    if (a[offset + l]! < 0) alpha = -alpha;
    for (let i = l; i < n; i++) a[offset + i]! /= alpha;
    a[offset + l]! += 1;
    const head = a[offset + l]!;
    for (let j = l + 1; j < last; j++) {
      const other = j * n;
      let dot = 0;
      for (let i = l; i < n; i++) dot += a[offset + i]! * a[other + i]!;
      const t = -dot / head;
      for (let i = l; i < n; i++) a[other + i]! += t * a[offset + i]!;
    }
    householderHead[l] = head;
    diag[l] = -alpha;
  }
  const rank = Math.min(last, steps);
  return { rows: n, cols: p, packed: a, householderHead, diag, pivot, rank };
}

function isIndependent(remainingNorm: number, threshold: number): boolean {
  return remainingNorm > 0 && remainingNorm > threshold;
}

function rotateToEnd(
  a: Float64Array,
  n: number,
  l: number,
  last: number,
  pivot: Int32Array,
  reference: Float64Array,
): void {
  const column = a.slice(l * n, (l + 1) * n);
  a.copyWithin(l * n, (l + 1) * n, last * n);
  a.set(column, (last - 1) * n);
  const p = pivot[l]!;
  const r = reference[l]!;
  pivot.copyWithin(l, l + 1, last);
  reference.copyWithin(l, l + 1, last);
  pivot[last - 1] = p;
  reference[last - 1] = r;
}

/**
 * Apply the l-th Householder reflector H_l = I − v v'/v₁ (v stored below the diagonal, v₁ = head) to `out` in place.
 */
function reflect(qr: QrDecomposition, l: number, out: Float64Array): void {
  const { rows: n, packed: a, householderHead } = qr;
  const offset = l * n;
  const head = householderHead[l]!;
  let dot = head * out[l]!;
  for (let i = l + 1; i < n; i++) dot += a[offset + i]! * out[i]!;
  const t = -dot / head;
  out[l]! += t * head;
  for (let i = l + 1; i < n; i++) out[i]! += t * a[offset + i]!;
}

/** Q'y for the factored matrix (returns a new array; y is not modified). */
export function applyQTranspose(qr: QrDecomposition, y: ArrayLike<number>): Float64Array {
  if (y.length !== qr.rows) throw new RangeError('applyQTranspose: length mismatch');
  const out = Float64Array.from(y);
  for (let l = 0; l < qr.rank; l++) reflect(qr, l, out);
  return out;
}

/** Residual sum of squares of y regressed on the factored columns: Σ_{i ≥ rank} (Q'y)_i². */
export function residualSumOfSquares(qr: QrDecomposition, y: ArrayLike<number>): number {
  const qty = applyQTranspose(qr, y);
  let rss = 0;
  for (let i = qr.rank; i < qr.rows; i++) rss += qty[i]! * qty[i]!;
  return rss;
}

/**
 * Least-squares coefficients b minimising ||y − X b||, in the input column order; aliased columns get NaN
 * (as R's `lm` reports NA).
 */
export function solveLeastSquares(qr: QrDecomposition, y: ArrayLike<number>): Float64Array {
  const { rows: n, packed: a, diag, pivot, rank } = qr;
  const qty = applyQTranspose(qr, y);
  const solved = new Float64Array(rank);
  for (let j = rank - 1; j >= 0; j--) {
    let s = qty[j]!;
    for (let k = j + 1; k < rank; k++) s -= a[k * n + j]! * solved[k]!;
    solved[j] = s / diag[j]!;
  }
  const coefficients = new Float64Array(qr.cols).fill(Number.NaN);
  for (let j = 0; j < rank; j++) coefficients[pivot[j]!] = solved[j]!;
  return coefficients;
}

/** Input column indices that were found aliased. */
export function aliasedColumns(qr: QrDecomposition): number[] {
  return Array.from(qr.pivot.subarray(qr.rank));
}

/** Residual of y after projecting out the factored columns: y − Q₁Q₁'y (returns a new array). */
export function projectOut(qr: QrDecomposition, y: ArrayLike<number>): Float64Array {
  const out = applyQTranspose(qr, y);
  out.fill(0, 0, qr.rank);
  // Apply Q = H_0 H_1 … H_{rank−1} to (0, …, 0, (Q'y)_rank, …): the reflectors in reverse order.
  for (let l = qr.rank - 1; l >= 0; l--) reflect(qr, l, out);
  return out;
}
