/**
 * The small-sample rules of cluster-robust standard errors: `lm` counts every fixed-effect dummy in K (as
 * sandwich::vcovCL(type = "HC1") on lm), `nested` leaves out fixed effects nested in the clusters (as fixest's
 * default).
 */
export const SMALL_SAMPLE_RULES = ['lm', 'nested'] as const;
export type SmallSampleRule = (typeof SMALL_SAMPLE_RULES)[number];
