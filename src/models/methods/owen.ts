import { orderingWeights, popcount } from './shapley.js';
import type { SubsetFitter } from '../engines/subsetFit.js';

/**
 * Owen values of every unit (numeric column, or whole fixed effect) with the groups as a priori unions:
 * for unit c of group g (m groups, |g| units in g),
 *   φ_c = Σ_{T ⊆ groups ∖ {g}} w_m(|T|) Σ_{S ⊆ g ∖ {c}} w_|g|(|S|) · (R²(T ∪ S ∪ {c}) − R²(T ∪ S)),
 * with w_k(s) = s!(k − s − 1)!/k!. The units of a group sum to the group's Shapley value; a one-unit group
 * (every fixed effect) gets exactly its group Shapley value.
 *
 * Reference: Owen (1977), "Values of games with a priori unions"; Huettner & Sunder (2012), "Axiomatic
 * arguments for decomposing goodness of fit according to Shapley and Owen values", Electronic Journal of
 * Statistics 6:1239–1250.
 */
export function owenValues(fitter: SubsetFitter): Float64Array {
  const k = fitter.groupCount;
  const groupWeights = orderingWeights(k);
  const values = new Float64Array(fitter.units.length);
  const cache = new Map<string, number>();
  const r2 = (units: number[]): number => {
    const key = units.sort((a, b) => a - b).join(',');
    let value = cache.get(key);
    if (value === undefined) {
      value = fitter.fitUnits(units).r2;
      cache.set(key, value);
    }
    return value;
  };
  for (let g = 0; g < k; g++) {
    const members = fitter.unitsOf(g);
    const withinWeights = orderingWeights(members.length);
    const otherGroups = (2 ** k - 1) & ~(1 << g);
    for (let t = otherGroups; ; t = (t - 1) & otherGroups) {
      const coalition = Array.from({ length: k }, (_, h) => h)
        .filter((h) => t & (1 << h))
        .flatMap((h) => [...fitter.unitsOf(h)]);
      const wT = groupWeights[popcount(t)]!;
      members.forEach((unit, c) => {
        const partners = members.filter((_, i) => i !== c);
        for (let s = 0; s < 2 ** partners.length; s++) {
          const chosen = partners.filter((_, i) => s & (1 << i));
          const before = [...coalition, ...chosen];
          values[unit]! += wT * withinWeights[chosen.length]! * (r2([...before, unit]) - r2([...before]));
        }
      });
      if (t === 0) break;
    }
  }
  return values;
}
