/**
 * The Gram matrix [X y]ᵀ[X y] of mutually orthogonal centred columns, written by hand so that every pivot is
 * exactly a chosen diagonal entry: d[c] = x_cᵀx_c, b[c] = x_cᵀy, tss = yᵀy. With the fixed effect absorbed (mask 1),
 * y loses its projection on the one indicator z (zy = zᵀy, zz = zᵀz), orthogonal to the x columns.
 * Shared by subsetTreeMore.test.ts and grayCodeMore.test.ts.
 */
export function orthogonalGramEntries(
  toy: Pick<OrthogonalToy, 'd' | 'b' | 'tss' | 'fixed'>,
  mask: number,
): Float64Array {
  const q = toy.d.length;
  const m = q + 1;
  const entries = new Float64Array(m * m);
  for (let c = 0; c < q; c++) {
    entries[c * m + c] = toy.d[c]!;
    entries[c * m + q] = toy.b[c]!;
    entries[q * m + c] = toy.b[c]!;
  }
  entries[q * m + q] = toy.tss - (mask && toy.fixed ? toy.fixed.zy ** 2 / toy.fixed.zz : 0);
  return entries;
}

/** A problem of orthogonal columns: diagonal d, cross-products b with y, centred squares s, TSS of y. */
export interface OrthogonalToy {
  /** Columns of each numeric player, in order. */
  readonly widths: readonly number[];
  readonly d: readonly number[];
  readonly b: readonly number[];
  readonly s: readonly number[];
  readonly tss: number;
  /** One fixed player orthogonal to every column, with z'y and z'z: it explains zy²/zz of y. */
  readonly fixed?: { readonly zy: number; readonly zz: number } | undefined;
}
