import type { FixedEffectGroupData, ModelData } from '../design/modelData.js';
import { aliasedColumns, projectOut, qrDecompose, residualSumOfSquares } from '../linalg/qr.js';

/** R² of the model on one subset of groups, and the columns found aliased in it. */
export interface SubsetFit {
  /** Centred R² = 1 − RSS/TSS, TSS = Σ (y − ȳ)². */
  readonly r2: number;
  /** Names of numeric columns (or `column=level` indicators) that are linear combinations of earlier terms. */
  readonly aliased: readonly string[];
  /**
   * Rank of the subset's design without the intercept: the columns kept (not aliased), a fixed effect counting
   * its levels − 1 less any indicators aliased with the other terms (R's `lm(...)$rank − 1`). 0 for the empty set.
   */
  readonly rank: number;
}

/**
 * A unit is the smallest piece a subset can hold: one numeric column, or one whole fixed effect
 * (its indicators are never split).
 */
export interface Unit {
  readonly group: number;
  /** Column name. */
  readonly name: string;
}

/** Fits any subset of a model's groups (bit masks, bit g = group g) or of its units (index lists). */
export interface SubsetFitter {
  readonly groupCount: number;
  readonly units: readonly Unit[];
  readonly tss: number;
  fit(groupMask: number): SubsetFit;
  fitUnits(units: readonly number[]): SubsetFit;
  /** Indices of the units of group g. */
  unitsOf(group: number): readonly number[];
}

/**
 * Subset fits by absorbing fixed effects (Frisch–Waugh–Lovell) and a pivoted QR on what remains.
 *
 * For a subset S with intercept, numeric columns X_S and fixed effects F_S: the fixed effect with the most
 * levels, A, is absorbed exactly by subtracting level means (span(1, D_A) = span(D_A)); every other fixed
 * effect in S enters as its full set of level indicators, demeaned within A; y and X_S are demeaned within A.
 * Then RSS(S) is the residual sum of squares of the demeaned y on the demeaned columns, which equals that of
 * the dummy-variable regression exactly, for balanced and unbalanced panels alike. With no fixed effect in S,
 * "absorbing" means centring on the grand mean.
 *
 * Collinearity (redundant indicators, a predictor constant within A's levels) is resolved by the QR's rank
 * test against the norms of the centred columns before absorption (tolerance 1e-7, as R's `lm`).
 *
 * Reference: Frisch & Waugh (1933); Lovell (1963); Greene, Econometric Analysis (8th ed.), §3.3 and §11.4.
 */
export function createSubsetFitter(data: ModelData): SubsetFitter {
  const solver = createSubsetSolver(data);
  const fitUnits = (chosen: readonly number[]): SubsetFit => {
    if (chosen.length === 0) return { r2: 0, aliased: [], rank: 0 };
    const design = solver.design(chosen);
    return { r2: 1 - design.rss(solver.y) / solver.tss, aliased: design.aliased, rank: design.rank };
  };
  return subsetFitter(data.groups.length, solver.units, solver.tss, fitUnits);
}

/** One subset's design, factored once, for any outcome (the rows' outcome or another of the same length). */
export interface SubsetDesign {
  /** Rank without the intercept (see `SubsetFit.rank`). */
  readonly rank: number;
  /** Names of the columns found aliased (see `SubsetFit.aliased`). */
  readonly aliased: readonly string[];
  /** RSS of an outcome v (in the stored units, rows as the model's) on the intercept and the subset's terms. */
  rss(v: Float64Array): number;
  /** √w ⊙ (v − fitted v): the residual of v on the intercept and the subset's terms, in the row transformation's units.
   * */
  residual(v: Float64Array): Float64Array;
}

/** The QR path's subsets for any outcome: the fits of `createSubsetFitter`, with y as a parameter. */
export interface SubsetSolver {
  readonly units: readonly Unit[];
  /** The model's outcome. */
  readonly y: Float64Array;
  /** Σ w (y − ȳ_w)² of the model's outcome. */
  readonly tss: number;
  /** The design of a non-empty list of units (absorbed columns cached by the fixed effect absorbed). */
  design(chosen: readonly number[]): SubsetDesign;
}

/** The subsets of a model's units by absorption and QR (`createSubsetFitter`), each factored for any outcome. */
export function createSubsetSolver(data: ModelData): SubsetSolver {
  const { y, groups } = data;
  const transform = rowTransform(data.weights);
  const tss = sumOfSquares(transform.centred(y));
  const absorbedCache = new Map<number, AbsorbedColumns>();

  const absorbedBy = (absorbing: number): AbsorbedColumns => {
    let cached = absorbedCache.get(absorbing);
    if (!cached) {
      cached = absorbAll(data, absorbing, transform);
      absorbedCache.set(absorbing, cached);
    }
    return cached;
  };

  const units: Unit[] = groups.flatMap((group, g) =>
    group.kind === 'numeric'
      ? group.columns.map((name) => ({ group: g, name }))
      : [{ group: g, name: group.columns[0] }],
  );
  const design = (chosen: readonly number[]): SubsetDesign => {
    const absorbing = largestFixedEffect(
      groups,
      chosen.map((u) => units[u]!.group),
    );
    const absorbed = absorbedBy(absorbing);
    const absorb = (v: Float64Array) => (v === y ? absorbed.y : absorbed.absorb(v));
    const absorbedRank = absorbing === NO_FIXED_EFFECT ? 0 : (groups[absorbing] as FixedEffectGroupData).levels - 1;
    const columns: Float64Array[] = [];
    const referenceNorms: number[] = [];
    const names: string[] = [];
    for (const u of [...chosen].sort((a, b) => a - b)) {
      const { group } = units[u]!;
      if (group === absorbing) continue;
      const part = absorbed.byUnit[u]!;
      columns.push(...part.columns);
      referenceNorms.push(...part.referenceNorms);
      names.push(...part.names);
    }
    if (columns.length === 0) {
      return { rank: absorbedRank, aliased: [], rss: (v) => sumOfSquares(absorb(v)), residual: absorb };
    }
    const qr = qrDecompose(columns, { referenceNorms });
    return {
      rank: absorbedRank + qr.rank,
      aliased: aliasedColumns(qr).map((j) => names[j]!),
      rss: (v) => residualSumOfSquares(qr, absorb(v)),
      residual: (v) => projectOut(qr, absorb(v)),
    };
  };
  return { units, y, tss, design };
}

/** The SubsetFitter of a way to fit lists of units: a group mask stands for the units of its groups. */
export function subsetFitter(
  groupCount: number,
  units: readonly Unit[],
  tss: number,
  fitUnits: (chosen: readonly number[]) => SubsetFit,
): SubsetFitter {
  const unitsByGroup = Array.from({ length: groupCount }, (_, g) =>
    units.flatMap((unit, u) => (unit.group === g ? [u] : [])),
  );
  return {
    groupCount,
    units,
    tss,
    fitUnits,
    fit: (mask) => fitUnits(unitsByGroup.flatMap((list, g) => (mask & (1 << g) ? list : []))),
    unitsOf: (g) => unitsByGroup[g]!,
  };
}

interface AbsorbedGroup {
  readonly columns: readonly Float64Array[];
  readonly referenceNorms: readonly number[];
  readonly names: readonly string[];
}

interface AbsorbedColumns {
  readonly y: Float64Array;
  /** The same transformation (centring, or demeaning within the absorbed fixed effect, then √w) of any outcome. */
  readonly absorb: (values: Float64Array) => Float64Array;
  /** One entry per unit: a numeric column, or a fixed effect's indicators (empty for the absorbed one). */
  readonly byUnit: readonly AbsorbedGroup[];
}

const NO_FIXED_EFFECT = -1;

function largestFixedEffect(groups: ModelData['groups'], present: readonly number[]): number {
  let best = NO_FIXED_EFFECT;
  for (const g of present) {
    const group = groups[g]!;
    if (group.kind !== 'fixed-effect') continue;
    if (best === NO_FIXED_EFFECT || group.levels > (groups[best] as FixedEffectGroupData).levels) best = g;
  }
  return best;
}

/** Every group's columns with fixed effect `absorbing` projected out (or centred, when none). */
function absorbAll(data: ModelData, absorbing: number, transform: RowTransform): AbsorbedColumns {
  const within =
    absorbing === NO_FIXED_EFFECT
      ? transform.centred
      : (values: Float64Array) => transform.within(values, data.groups[absorbing] as FixedEffectGroupData);
  const byUnit = data.groups.flatMap((group, g): AbsorbedGroup[] => {
    if (g === absorbing) return [{ columns: [], referenceNorms: [], names: [] }];
    if (group.kind === 'numeric') {
      return group.values.map((values, c) => ({
        columns: [within(values)],
        referenceNorms: [Math.sqrt(sumOfSquares(transform.centred(values)))],
        names: [group.columns[c]!],
      }));
    }
    const indicators = levelIndicators(group);
    return [
      {
        columns: indicators.map(within),
        referenceNorms: transform.indicatorNorms(group),
        names: indicators.map((_, level) => `${group.columns[0]}[${level + 1}]`),
      },
    ];
  });
  return { y: within(data.y), absorb: within, byUnit };
}

/** x − mean(x), with the weighted mean Σ w x / Σ w when weights are given. */
export function centre(values: Float64Array, weights?: Float64Array): Float64Array {
  const n = values.length;
  let sum = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i]! : 1;
    sum += w * values[i]!;
    total += w;
  }
  const mean = sum / total;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = values[i]! - mean;
  return out;
}

/** x minus the (weighted) mean of x within each level of a fixed effect (the within transformation). */
function demeanWithin(values: Float64Array, group: FixedEffectGroupData, weights?: Float64Array): Float64Array {
  const { codes, levels } = group;
  const n = values.length;
  const sums = new Float64Array(levels);
  const totals = new Float64Array(levels);
  for (let i = 0; i < n; i++) {
    const code = codes[i]!;
    const w = weights ? weights[i]! : 1;
    sums[code]! += w * values[i]!;
    totals[code]! += w;
  }
  for (let l = 0; l < levels; l++) sums[l]! /= totals[l]!;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = values[i]! - sums[codes[i]!]!;
  return out;
}

export function sumOfSquares(values: Float64Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]! * values[i]!;
  return s;
}

/** 0/1 indicator columns, one per level of a fixed effect. */
export function levelIndicators(group: FixedEffectGroupData): Float64Array[] {
  const n = group.codes.length;
  const indicators = Array.from({ length: group.levels }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) indicators[group.codes[i]!]![i] = 1;
  return indicators;
}

/**
 * The row transformations of (weighted) least squares. With weights w, WLS is OLS on rows scaled by √w after
 * removing weighted means: a projected column is √w ⊙ (x − weighted mean of x), overall or within the levels of
 * a fixed effect, and sums of squares are weighted (R's `lm(weights = w)`). Without weights √w = 1.
 *
 * Reference: Greene, Econometric Analysis (8th ed.), §9.4.1 (weighted least squares as OLS on transformed data).
 */
export interface RowTransform {
  /** √w ⊙ (x − x̄_w). */
  centred(values: Float64Array): Float64Array;
  /** √w ⊙ (x − x̄_w within each level of the fixed effect). */
  within(values: Float64Array, group: FixedEffectGroupData): Float64Array;
  /** √w ⊙ x. */
  scaled(values: Float64Array): Float64Array;
  /** Norm of each centred, scaled indicator of a fixed effect: √(W_l − W_l²/W), W_l the weight in level l. */
  indicatorNorms(group: FixedEffectGroupData): number[];
}

export function rowTransform(weights: Float64Array | undefined): RowTransform {
  const root = weights?.map(Math.sqrt);
  const scaled = (values: Float64Array) => {
    if (!root) return values;
    const out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = values[i]! * root[i]!;
    return out;
  };
  return {
    centred: (values) => scaled(centre(values, weights)),
    within: (values, group) => scaled(demeanWithin(values, group, weights)),
    scaled: (values) => (root ? scaled(values) : values),
    indicatorNorms(group) {
      const totals = new Float64Array(group.levels);
      let total = 0;
      for (let i = 0; i < group.codes.length; i++) {
        const w = weights ? weights[i]! : 1;
        totals[group.codes[i]!]! += w;
        total += w;
      }
      return Array.from(totals, (level) => Math.sqrt(Math.max(0, level - (level * level) / total)));
    },
  };
}
