import type { FixedEffectGroupData, ModelData } from '../design/modelData.js';
import { dot, fixedProjection, gramCholesky, residualFromFactor, type GramFactor } from '../engines/gramFitter.js';
import { createSubsetSolver, rowTransform, sumOfSquares, type SubsetDesign } from '../engines/subsetFit.js';
import { subsetValueOf, type SubsetValue } from '../engines/subsetValue.js';

/**
 * The subsets of one model, factored once, fitted to any number of outcomes: what a permutation test needs, where
 * the design stays and only the outcome changes.
 *
 * For each set F of fixed effects that occurs, the numeric columns are projected once on the complement of
 * span(1, indicators of F) (X̃_F, as the Gram fitter projects them) and, for each subset S of groups with fixed
 * effects F, the Cholesky factor of X̃_S'X̃_S is taken from their cross-products with the Gram fitter's rules
 * (`gramCholesky`: aliased columns skipped, ill-conditioned subsets left to the QR path). For an outcome v only
 * what involves v is computed: ṽ_F = M_F v (one projection per set F), the cross-products X̃_F'ṽ_F and ṽ_F'ṽ_F;
 * then RSS(S) = ṽ'ṽ − ‖L_S⁻¹ X̃_S'ṽ‖² by forward substitution, and R²(S) = 1 − RSS(S)/TSS(v). A subset whose
 * factor the Gram path cannot trust keeps its QR factorisation (`createSubsetSolver`) and is fitted from the rows.
 * With v = y every number is the Gram fitter's, bit for bit.
 *
 * Cost per outcome: one projection per set of fixed effects (O(n) for one fixed effect, O(n·levels) for each
 * further one), q cross-products of length n per set, and O(|S|²) per subset.
 *
 * Reference: Goodnight (1979), "A tutorial on the SWEEP operator", The American Statistician 33(3):149–158 (the
 * cross-product route); Golub & Van Loan, Matrix Computations (4th ed.) §4.2 (Cholesky), §5.3.
 */
export interface ResponseEngine {
  readonly groupCount: number;
  readonly n: number;
  /** The subsets (bit masks over groups) the engine fits, in the order given. */
  readonly masks: Int32Array;
  /** Rank without the intercept of each subset, by position in `masks` (`SubsetFit.rank`). */
  readonly ranks: Int32Array;
  /**
   * The value (R², or adjusted R² with `value`) of every subset for outcome v: out[mask] for each mask of
   * `masks` (out has 2^groups entries; others are left as they are; the empty set is 0).
   */
  values(v: Float64Array, out: Float64Array, value?: SubsetValue): void;
  /** Subsets fitted from the rows by QR because their cross-products were too ill-conditioned. */
  readonly refits: number;
}

/** How a subset is fitted: from the cross-products of projection `set` by its Gram factor, or by QR from the rows. */
type Fit = { readonly set: number; readonly factor: GramFactor } | { readonly design: SubsetDesign };

/** The engine for the given subsets of a model's groups (every subset when `masks` is omitted). */
export function createResponseEngine(data: ModelData, masks?: readonly number[]): ResponseEngine {
  const k = data.groups.length;
  const chosenMasks = Int32Array.from(masks ?? Array.from({ length: 2 ** k }, (_, mask) => mask));
  const transform = rowTransform(data.weights);
  const numericOfGroup: number[][] = [];
  const numericColumns: Float64Array[] = [];
  const fixedGroups: number[] = [];
  data.groups.forEach((group, g) => {
    if (group.kind === 'numeric') {
      numericOfGroup.push(group.values.map((values) => numericColumns.push(values) - 1));
    } else {
      // Stryker disable next-line ArrayDeclaration: a text entry indexes no column: aliased, skipped
      numericOfGroup.push([]);
      fixedGroups.push(g);
    }
  });
  const q = numericColumns.length;
  const centredSquares = numericColumns.map((values) => sumOfSquares(transform.centred(values)));
  const solver = createSubsetSolver(data);
  const unitsOfGroup = data.groups.map((_, g) => solver.units.flatMap((unit, u) => (unit.group === g ? [u] : [])));
  const fixedMaskOf = (mask: number) =>
    fixedGroups.reduce((bits, g, f) => (mask & (1 << g) ? bits | (1 << f) : bits), 0);

  // One projection per set of fixed effects the subsets use (the empty set always: it gives the total sum of squares).
  // The sets' order only numbers them, and the numbers are used consistently (0 is first).
  const sets = [...new Set([0, ...Array.from(chosenMasks, fixedMaskOf)])];
  const projections = new Map(
    sets.map((fixed) => {
      const projection = fixedProjection(
        fixedGroups.filter((_, f) => fixed & (1 << f)).map((g) => data.groups[g] as FixedEffectGroupData),
        transform,
      );
      const columns = numericColumns.map(projection.project);
      const entries = new Float64Array(q * q);
      for (let a = 0; a < q; a++) {
        for (let b = a; b < q; b++) {
          const s = dot(columns[a]!, columns[b]!);
          entries[a * q + b] = s;
          entries[b * q + a] = s;
        }
      }
      return [fixed, { project: projection.project, rank: projection.rank, columns, gram: { size: q, entries } }];
    }),
  );

  const setIndex = new Map(sets.map((fixed, s) => [fixed, s]));
  const ranks = new Int32Array(chosenMasks.length);
  let refits = 0;
  const fits: (Fit | null)[] = Array.from(chosenMasks, (mask, i) => {
    if (mask === 0) return null;
    const fixed = fixedMaskOf(mask);
    const projection = projections.get(fixed)!;
    // The flatMap gives the columns in ascending order already; a text entry indexes no column (aliased, skipped).
    const chosen = numericOfGroup.flatMap((columns, g) => (mask & (1 << g) ? columns : []));
    const factor = gramCholesky(projection.gram, chosen, centredSquares);
    if (factor !== undefined) {
      ranks[i] = projection.rank + factor.kept.length;
      return { set: setIndex.get(fixed)!, factor };
    }
    refits++;
    const design = solver.design(unitsOfGroup.flatMap((units, g) => (mask & (1 << g) ? units : [])));
    ranks[i] = design.rank;
    return { design };
  });

  const ordered = sets.map((fixed) => projections.get(fixed)!);
  const crossProducts = sets.map(() => new Float64Array(q));
  const squares = new Float64Array(sets.length);

  return {
    groupCount: k,
    n: data.n,
    masks: chosenMasks,
    ranks,
    refits,
    values(v, out, value = {}) {
      ordered.forEach((projection, s) => {
        const projected = projection.project(v);
        squares[s] = dot(projected, projected);
        const products = crossProducts[s]!;
        for (let c = 0; c < q; c++) products[c] = dot(projection.columns[c]!, projected);
      });
      // sets[0] is the empty set of fixed effects: the projection is centring.
      const tss = squares[0]!;
      for (let i = 0; i < chosenMasks.length; i++) {
        const fit = fits[i];
        const mask = chosenMasks[i]!;
        if (fit === null) {
          out[mask] = 0;
          continue;
        }
        let rss: number;
        if ('design' in fit) rss = fit.design.rss(v);
        else rss = residualFromFactor(fit.factor, crossProducts[fit.set]!, 1, squares[fit.set]!, 0);
        out[mask] = subsetValueOf(value, 1 - rss / tss, ranks[i]!);
      }
    },
  };
}
