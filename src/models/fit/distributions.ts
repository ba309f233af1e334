import betainc from '@stdlib/math-base-special-betainc';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';

/**
 * Two-sided p-value of a t statistic on `df` degrees of freedom: P(|T| ≥ |t|) = I_{df/(df+t²)}(df/2, 1/2),
 * with I the regularised incomplete beta function (stdlib), accurate far into the tail.
 * Reference: Abramowitz & Stegun (1964) 26.7.1.
 */
export function tTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? Number.NaN : 0;
  return betainc(df / (df + t * t), df / 2, 0.5, true, false);
}

/** Quantile of Student's t distribution: the q with P(T ≤ q) = probability. */
export function tQuantileOf(probability: number, df: number): number {
  return tQuantile(probability, df);
}

/**
 * Upper-tail p-value of an F statistic: P(F ≥ f) = I_{d2/(d2 + d1 f)}(d2/2, d1/2).
 * Reference: Abramowitz & Stegun (1964) 26.6.2.
 */
export function fUpperP(f: number, df1: number, df2: number): number {
  if (!(f >= 0)) return Number.NaN;
  if (!Number.isFinite(f)) return 0;
  return betainc(df2 / (df2 + df1 * f), df2 / 2, df1 / 2, true, false);
}
