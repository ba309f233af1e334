/**
 * Independent computations the linear-algebra tests check the code against, written once: powers of two by repeated
 * doubling (no bit patterns, no Math.pow) and least squares by the textbook normal equations.
 */

/** 2^e by repeated doubling or halving from 1: exact for every e down to the smallest subnormal. */
export function slowPowerOfTwo(e: number): number {
  let value = 1;
  for (let i = 0; i < Math.abs(e); i++) value = e > 0 ? value * 2 : value / 2;
  return value;
}

/** Solve the normal equations X'X b = X'y by Gauss–Jordan elimination with partial pivoting. */
export function normalEquations(columns: readonly (readonly number[])[], y: readonly number[]): number[] {
  const p = columns.length;
  const dot = (u: readonly number[], v: readonly number[]) => u.reduce((s, ui, i) => s + ui * v[i]!, 0);
  const m = columns.map((ci) => [...columns.map((cj) => dot(ci, cj)), dot(ci, y)]);
  for (let c = 0; c < p; c++) {
    let best = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[best]![c]!)) best = r;
    [m[c], m[best]] = [m[best]!, m[c]!];
    const pivotRow = m[c]!;
    const head = pivotRow[c]!;
    for (let k = c; k <= p; k++) pivotRow[k]! /= head;
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const factor = m[r]![c]!;
      for (let k = c; k <= p; k++) m[r]![k]! -= factor * pivotRow[k]!;
    }
  }
  return m.map((row) => row[p]!);
}
