import type { FixedEffectGroupData, ModelData, ModelShape } from '../design/modelData.js';
import { projectOut, qrDecompose } from '../linalg/qr.js';
import {
  levelIndicators,
  rowTransform,
  subsetFitter,
  sumOfSquares,
  type RowTransform,
  type SubsetFit,
  type SubsetFitter,
} from './subsetFit.js';

/** The two ways of fitting a model's subsets: from its projected Gram matrices, and the stable path behind them. */
export interface SubsetEngines {
  readonly statistics: ProjectedGrams;
  /** Fits by QR (from the rows, or from a model's triangular factor), for subsets the Gram path cannot trust. */
  readonly stable: SubsetFitter;
}

/** Relative pivot (remaining sum of squares / centred sum of squares) at or below which a column is aliased: QR's 1e-7 on norms, squared. */
const ALIASED_PIVOT = 1e-14;
/** Relative pivots below this lose too many digits in the cross-product matrix; such subsets are refitted by QR. */
const ILL_CONDITIONED_PIVOT = 1e-6;

/**
 * Subset R² from sufficient statistics. For each set F of fixed effects that occurs, y and every numeric column
 * are projected once onto the orthogonal complement of span(1, indicators of F) — the largest fixed effect by
 * within-demeaning, the others by a QR of their demeaned indicators, exactly, for balanced and unbalanced
 * panels — and their cross-product (Gram) matrix G_F = [X̃ ỹ]'[X̃ ỹ] is stored. For a subset S of numeric
 * columns, RSS(S ∪ F) = ỹ'ỹ − ỹ'X̃_S (X̃_S'X̃_S)⁻¹ X̃_S'ỹ comes from a Cholesky factorisation of the small
 * block of G_F, without touching the rows again; R² = 1 − RSS/TSS.
 *
 * Collinearity: a pivot whose remaining sum of squares is ≤ 1e-14 of the column's centred sum of squares marks
 * the column aliased (the QR path's 1e-7 rule on norms, squared). A pivot between that and 1e-6 would leave too
 * few correct digits after squaring the condition number, so that subset is refitted by the QR path instead.
 *
 * Reference: Goodnight (1979), "A tutorial on the SWEEP operator", The American Statistician 33(3):149–158;
 * Golub & Van Loan, Matrix Computations (4th ed.) §5.3 (normal equations vs QR).
 */
export function createGramFitter(data: ModelShape, { statistics, stable }: SubsetEngines): SubsetFitter {
  const { units, tss } = stable;
  const numericUnits = units
    .map((unit, u) => ({ unit, u }))
    .filter(({ unit }) => data.groups[unit.group]!.kind === 'numeric');
  const numericIndex = new Map(numericUnits.map(({ u }, i) => [u, i]));
  const fixedBit = new Map(statistics.fixedGroups.map((g, f) => [g, f]));
  const { centredSquares } = statistics;

  const fitUnits = (chosen: readonly number[]): SubsetFit => {
    if (chosen.length === 0) return { r2: 0, aliased: [] };
    let fixedMask = 0;
    const numeric: number[] = [];
    for (const u of chosen) {
      const index = numericIndex.get(u);
      if (index === undefined) fixedMask |= 1 << fixedBit.get(units[u]!.group)!;
      else numeric.push(index);
    }
    numeric.sort((a, b) => a - b);
    const gram = statistics.gramFor(fixedMask);
    const solved = residualFromGram(gram, numeric, centredSquares);
    if (solved === undefined) return stable.fitUnits(chosen);
    return { r2: 1 - solved.rss / tss, aliased: solved.aliased.map((i) => numericUnits[i]!.unit.name) };
  };

  return subsetFitter(data.groups.length, units, tss, fitUnits);
}

/**
 * The Gram matrices of a model's numeric columns (in group order) and outcome, each projected on one set of fixed
 * effects, built on first use and shared by every engine that needs them. Bit f of a fixed mask is the fixed
 * effect `fixedGroups[f]` (a group index).
 */
export interface ProjectedGrams {
  /** Number of numeric columns (the outcome's index in each Gram matrix). */
  readonly numericCount: number;
  /** Σ (x − x̄)² of each numeric column: the reference for rank decisions. */
  readonly centredSquares: readonly number[];
  readonly fixedGroups: readonly number[];
  gramFor(fixedMask: number): Gram;
}

export function projectedGrams(data: ModelData): ProjectedGrams {
  const numericColumns = data.groups.flatMap((group) => (group.kind === 'numeric' ? group.values : []));
  const fixedGroups = data.groups.flatMap((group, g) => (group.kind === 'fixed-effect' ? [g] : []));
  const cache = new Map<number, Gram>();
  const transform = rowTransform(data.weights);
  return {
    numericCount: numericColumns.length,
    centredSquares: numericColumns.map((values) => sumOfSquares(transform.centred(values))),
    fixedGroups,
    gramFor(fixedMask) {
      let gram = cache.get(fixedMask);
      if (!gram) {
        const fixed = fixedGroups
          .filter((_, f) => fixedMask & (1 << f))
          .map((g) => data.groups[g] as FixedEffectGroupData);
        gram = buildGram(data, fixed, numericColumns);
        cache.set(fixedMask, gram);
      }
      return gram;
    },
  };
}

/** Cross-products of the projected numeric columns (indices 0 … q − 1) and the projected outcome (index q). */
export interface Gram {
  readonly size: number;
  readonly entries: Float64Array;
}

/** The Gram matrix of the numeric columns and the outcome after projecting out the given fixed effects. */
function buildGram(data: ModelData, fixed: readonly FixedEffectGroupData[], numeric: readonly Float64Array[]): Gram {
  const project = projector(fixed, rowTransform(data.weights));
  const columns = [...numeric.map(project), project(data.y)];
  const size = columns.length;
  const entries = new Float64Array(size * size);
  for (let a = 0; a < size; a++) {
    for (let b = a; b < size; b++) {
      let s = 0;
      const x = columns[a]!;
      const y = columns[b]!;
      for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
      entries[a * size + b] = s;
      entries[b * size + a] = s;
    }
  }
  return { size, entries };
}

/** The map v ↦ √w ⊙ M_F v: (weighted) residual of v on an intercept and the indicators of the fixed effects F. */
function projector(
  fixed: readonly FixedEffectGroupData[],
  transform: RowTransform,
): (values: Float64Array) => Float64Array {
  if (fixed.length === 0) return transform.centred;
  const [absorbing, ...others] = [...fixed].sort((a, b) => b.levels - a.levels);
  const within = (values: Float64Array) => transform.within(values, absorbing!);
  if (others.length === 0) return within;
  const indicators = others.flatMap(levelIndicators);
  const qr = qrDecompose(indicators.map(within), {
    referenceNorms: others.flatMap((group) => transform.indicatorNorms(group)),
  });
  return (values) => projectOut(qr, within(values));
}

/**
 * RSS of the projected outcome on the chosen projected columns, by a Cholesky factorisation of their block of
 * the Gram matrix (columns in the given order; aliased ones skipped). Undefined when a pivot is too small to
 * trust, so that the caller refits by QR.
 */
function residualFromGram(
  gram: Gram,
  chosen: readonly number[],
  centredSquares: readonly number[],
): { rss: number; aliased: number[] } | undefined {
  const { size, entries } = gram;
  const outcome = size - 1;
  const kept: number[] = [];
  const aliased: number[] = [];
  // L holds the Cholesky factor of the kept columns' block; z = L⁻¹ X̃_S'ỹ.
  const factor: number[][] = [];
  const z: number[] = [];
  let explained = 0;
  for (const column of chosen) {
    const row: number[] = [];
    for (let i = 0; i < kept.length; i++) {
      let s = entries[kept[i]! * size + column]!;
      for (let j = 0; j < i; j++) s -= factor[i]![j]! * row[j]!;
      row.push(s / factor[i]![i]!);
    }
    let pivot = entries[column * size + column]!;
    for (const value of row) pivot -= value * value;
    const relative = pivot / centredSquares[column]!;
    if (!(relative > ALIASED_PIVOT)) {
      aliased.push(column);
      continue;
    }
    if (relative < ILL_CONDITIONED_PIVOT) return undefined;
    const diagonal = Math.sqrt(pivot);
    row.push(diagonal);
    factor.push(row);
    let s = entries[column * size + outcome]!;
    for (let j = 0; j < kept.length; j++) s -= row[j]! * z[j]!;
    const zi = s / diagonal;
    z.push(zi);
    explained += zi * zi;
    kept.push(column);
  }
  return { rss: Math.max(0, entries[outcome * size + outcome]! - explained), aliased };
}
