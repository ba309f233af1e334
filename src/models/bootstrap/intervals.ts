/** The bootstrap interval types: percentile, and bias-corrected and accelerated (BCa; Efron 1987). */
export const INTERVAL_TYPES = ['percentile', 'bca'] as const;
export type IntervalType = (typeof INTERVAL_TYPES)[number];
