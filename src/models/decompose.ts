import type { GroupKind } from './spec.js';
import type { ModelData } from './modelData.js';
import { shapleyValues } from './shapley.js';
import { createSubsetFitter, type SubsetFitter } from './subsetFit.js';

/** One group's part of the outcome's variance. */
export interface GroupShare {
  readonly name: string;
  readonly kind: GroupKind;
  readonly columns: readonly string[];
  /** Fixed-effect groups only: number of levels in the estimation sample. */
  readonly levels?: number;
  /** Fraction of the total (centred) sum of squares of the outcome attributed to the group. */
  readonly share: number;
}

export type DecompositionMethod = 'shapley';

/** A split of the outcome's variance into groups and the unexplained rest; shares sum to 1. */
export interface DecompositionResult {
  readonly method: DecompositionMethod;
  readonly outcome: string;
  readonly n: number;
  readonly droppedRows: number;
  readonly missingByColumn: Readonly<Record<string, number>>;
  /** Total sum of squares Σ (y − ȳ)². */
  readonly tss: number;
  /** R² of the full model. */
  readonly r2: number;
  readonly groups: readonly GroupShare[];
  /** 1 − R². */
  readonly unexplained: number;
  /** Number of subset regressions evaluated. */
  readonly subsets: number;
  /** Plain-language remarks about the fit (aliased predictors and similar). */
  readonly notes: readonly string[];
}

/**
 * Group-level Shapley (LMG) decomposition of R²: each group's share is its Shapley value for the set function
 * S ↦ R²(S), so shares sum to R² and, with 1 − R² unexplained, to 1.
 *
 * Reference: Grömping (2007), "Estimators of relative importance in linear regression based on variance
 * decomposition", The American Statistician 61(2):139–147; Huettner & Sunder (2012), Electronic Journal of
 * Statistics 6:1239–1250 (Owen/Shapley values for R² decompositions).
 */
export function decomposeShapley(data: ModelData, fitter: SubsetFitter = createSubsetFitter(data)): DecompositionResult {
  const k = data.groups.length;
  const full = fitter.fit(2 ** k - 1);
  const values = shapleyValues(k, (mask) => fitter.fit(mask).r2);
  const groups = data.groups.map(
    (group, g): GroupShare => ({
      name: group.name,
      kind: group.kind,
      columns: group.columns,
      ...(group.kind === 'fixed-effect' ? { levels: group.levels } : {}),
      share: values[g]!,
    }),
  );
  return {
    method: 'shapley',
    outcome: data.outcome,
    n: data.n,
    droppedRows: data.droppedRows,
    missingByColumn: data.missingByColumn,
    tss: fitter.tss,
    r2: full.r2,
    groups,
    unexplained: 1 - full.r2,
    subsets: 2 ** k,
    notes: aliasNotes(data, full.aliased),
  };
}

function aliasNotes(data: ModelData, aliased: readonly string[]): string[] {
  const numeric = new Set(data.groups.flatMap((g) => (g.kind === 'numeric' ? g.columns : [])));
  return aliased
    .filter((name) => numeric.has(name))
    .map(
      (name) =>
        `"${name}" is a linear combination of other terms of the full model (e.g. constant within each level of a fixed effect); ` +
        `its group is credited only through the subsets without them`,
    );
}
