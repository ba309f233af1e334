import type { SubsetFitter } from './subsetFit.js';

/**
 * R² of every subset of groups: element `mask` is R² of the regression on the groups whose bits are set
 * (element 0, the empty model, is 0). The one input of every group-level decomposition method.
 */
export function subsetR2Table(fitter: SubsetFitter): Float64Array {
  const k = fitter.groupCount;
  if (k > 24) throw new RangeError(`subsetR2Table: ${k} groups need 2^${k} subsets; at most 24 are enumerated`);
  const table = new Float64Array(2 ** k);
  for (let mask = 1; mask < table.length; mask++) table[mask] = fitter.fit(mask).r2;
  return table;
}
