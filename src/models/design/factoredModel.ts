import { DataError, InternalError } from '../../errors.js';
import type { ProjectedGrams } from '../engines/gramFitter.js';
import {
  allZeroWeights,
  checkEstimableShape,
  noCompleteRow,
  type ModelData,
  type ModelScales,
  type ModelShape,
  type NumericGroupData,
} from './modelData.js';
import { aliasedColumns, qrDecompose, residualSumOfSquares } from '../linalg/qr.js';
import { equilibrationExponent, hypot, ldexp, maxAbs, scaleByPowerOfTwo, scaledNorm } from '../linalg/scaling.js';
import { subsetFitter, type SubsetFit, type SubsetFitter, type Unit } from '../engines/subsetFit.js';

/** A numeric group known by its columns only. */
export type NumericGroupShape = Pick<NumericGroupData, 'kind' | 'name' | 'columns'>;

/**
 * A model without fixed effects reduced to the triangular factor of its design, so that its rows need not be
 * kept: R (upper triangular, `size` × `size`, row-major) with QᵀR = √w ⊙ [1, X − s, y − s] for some orthogonal Q,
 * columns in the order intercept, the numeric columns of the groups in group order, outcome; s is a shift per
 * column (see `FactoredModelBuilder`), which the intercept absorbs. X, y and w are in the power-of-two units
 * recorded in `scales` (stored value = value read × 2^−exponent), as `equilibrate` stores a whole-file model. Every
 * least-squares quantity of the model and of its subsets follows from R, because QᵀQ = I: the residual of y on any set
 * of columns has the norm of the residual of R's y column on R's columns of that set.
 */
export interface FactoredModel extends ModelShape {
  readonly groups: readonly NumericGroupShape[];
  readonly size: number;
  readonly factor: Float64Array;
  readonly scales: ModelScales;
  /** With weights: rows left out because their weight is 0 (included in droppedRows). */
  readonly droppedForZeroWeight?: number;
}

/**
 * Reduces the rows of a model without fixed effects to its triangular factor as they arrive, in memory that
 * does not grow with the rows: each row (scaled by √w) is rotated into R by Givens rotations, O(m²) per row for
 * m = columns + 2. This is the row-updating QR of Gentleman's algorithm (Applied Statistics algorithm AS 75,
 * and Miller's AS 274), numerically as stable as a Householder QR of all rows at once; unlike accumulating
 * cross-products, it never squares the condition number.
 *
 * Each column is shifted by the mean of the first batch of rows before rotation, so that R's entries are on the
 * scale of the data's spread rather than of its level (an offset of 10⁶ on a unit-variance column would
 * otherwise cost about twelve digits of the centred sums of squares; Chan, Golub & LeVeque 1983, "Algorithms for
 * computing the sample variance", The American Statistician 37(3):242–247). The intercept absorbs the shift.
 *
 * Each variable is stored in power-of-two units of its own largest magnitude (outcome, numeric columns, and
 * weights, as `equilibrate` does for a whole file), so that no product in a rotation overflows or underflows
 * merely because of the units of a column. The units are those of the largest magnitude seen so far: when a
 * later batch holds a larger value, the factor's column (and its shift) is rescaled by the power of two between
 * the old and the new units. Because a Givens rotation is equivariant to scaling a column by a power of two
 * (c and s depend only on ratios; `hypot` is scale-equivariant bit for bit), the factor is bit-identical to the
 * one built in the final units from the start. A larger weight rescales the whole factor (every row carries √w)
 * by 2^(−ΔE/2), ΔE even.
 *
 * Whether each variable is constant is tracked exactly on the values read, so that `finish` gives the same
 * verdicts as `checkEstimable` on the rows.
 */
export class FactoredModelBuilder {
  private readonly size: number;
  private readonly factor: Float64Array;
  private readonly row: Float64Array;
  /** Shift of each variable (numeric columns, then outcome), in its stored units. */
  private shift: Float64Array | undefined;
  /** Binary exponent of each variable's stored units; −Infinity while it has been 0 in every row. */
  private readonly exponents: Float64Array;
  private weightsExponent = Number.NEGATIVE_INFINITY;
  /** First value seen of each variable (numeric columns, then outcome), and whether every later one equals it. */
  private readonly first: Float64Array;
  private readonly constant: Uint8Array;
  private n = 0;
  private droppedRows = 0;
  /** Rows of weight 0 left out (included in droppedRows). */
  private droppedForZeroWeight = 0;
  private readonly missingByColumn: Record<string, number> = {};
  private readonly missingAlone: Record<string, number> = {};
  private outcome: string | undefined;
  private weightsColumn: string | undefined;

  constructor(private readonly groups: readonly NumericGroupShape[]) {
    const columns = groups.reduce((sum, g) => sum + g.columns.length, 0);
    this.size = columns + 2;
    this.factor = new Float64Array(this.size * this.size);
    this.row = new Float64Array(this.size);
    this.exponents = new Float64Array(columns + 1).fill(Number.NEGATIVE_INFINITY);
    this.first = new Float64Array(columns + 1);
    this.constant = new Uint8Array(columns + 1).fill(1);
  }

  /**
   * Add the rows of one batch (e.g. one segment of a file), as assembled by `selectModelRows` (values as read,
   * not equilibrated). Rows of weight 0 are left out and counted as dropped, as `selectModelRows` does.
   *
   * @throws {DataError} a negative or non-finite weight (`selectModelRows` refuses those at their row first).
   */
  add(given: ModelData): void {
    if (given.scales) throw new InternalError('FactoredModelBuilder takes batches as read, not equilibrated');
    const batch = given.weights && !given.weights.every(isPositiveFinite) ? withoutZeroWeights(given) : given;
    this.droppedForZeroWeight += batch.droppedForZeroWeight ?? 0;
    this.outcome = batch.outcome;
    if (batch.weightsColumn !== undefined) this.weightsColumn = batch.weightsColumn;
    this.droppedRows += batch.droppedRows;
    addCounts(this.missingByColumn, batch.missingByColumn);
    addCounts(this.missingAlone, batch.missingAlone ?? {});
    if (batch.n === 0) return;
    const variables: Float64Array[] = [];
    for (const group of batch.groups) {
      if (group.kind !== 'numeric') throw new InternalError('a factored model has no fixed effects');
      variables.push(...group.values);
    }
    variables.push(batch.y);
    if (this.shift === undefined) variables.forEach((values, v) => (this.first[v] = values[0]!));
    variables.forEach((values, v) => {
      for (let i = 0; i < values.length; i++) if (values[i] !== this.first[v]) this.constant[v] = 0;
      const largest = maxAbs(values);
      if (largest > 0) this.widenColumn(v, equilibrationExponent(largest));
    });
    if (batch.weights) this.widenWeights(equilibrationExponent(maxAbs(batch.weights), true));
    const stored = variables.map((values, v) => scaleByPowerOfTwo(values, -this.exponentOf(v)));
    const roots = batch.weights
      ? scaleByPowerOfTwo(batch.weights, -this.weightsExponent).map(Math.sqrt)
      : new Float64Array(batch.n).fill(1);
    this.shift ??= Float64Array.from(stored, (values) => values.reduce((sum, v) => sum + v, 0) / values.length);
    const shift = this.shift;
    const { row, size } = this;
    for (let i = 0; i < batch.n; i++) {
      const root = roots[i]!;
      row[0] = root;
      for (let v = 0; v < stored.length; v++) row[v + 1] = root * (stored[v]![i]! - shift[v]!);
      rotateIn(this.factor, size, row);
    }
    this.n += batch.n;
  }

  private exponentOf(v: number): number {
    const e = this.exponents[v]!;
    return Number.isFinite(e) ? e : 0;
  }

  /** Store variable v in units of 2^e from now on, if they are larger than its present units. */
  private widenColumn(v: number, e: number): void {
    const old = this.exponents[v]!;
    if (e <= old) return;
    this.exponents[v] = e;
    // While every value was 0 the column and its shift are 0 in any units.
    if (!Number.isFinite(old) || this.shift === undefined) return;
    const { factor, size } = this;
    const c = v + 1;
    for (let i = 0; i <= c; i++) factor[i * size + c] = ldexp(factor[i * size + c]!, old - e);
    this.shift[v] = ldexp(this.shift[v]!, old - e);
  }

  /** Store the weights in units of 2^e (e even) from now on, if larger: every row of R carries √w. */
  private widenWeights(e: number): void {
    const old = this.weightsExponent;
    if (e <= old) return;
    this.weightsExponent = e;
    if (!Number.isFinite(old)) return;
    const half = (old - e) / 2;
    const { factor } = this;
    for (let i = 0; i < factor.length; i++) factor[i] = ldexp(factor[i]!, half);
  }

  /**
   * The factored model, after the checks of `checkEstimable` (ModelError naming `file`); `used` lists the columns
   * read, for the message when no row was complete.
   */
  finish(file: string, used: readonly string[], rowsRead: number): FactoredModel {
    const shape: ModelShape = {
      // Stryker disable next-line StringLiteral: unset only if no batch came, and then finish throws without reading it
      outcome: this.outcome ?? '',
      n: this.n,
      groups: this.groups,
      droppedRows: this.droppedRows,
      missingByColumn: { ...this.missingByColumn },
      missingAlone: { ...this.missingAlone },
      ...(this.weightsColumn !== undefined ? { weightsColumn: this.weightsColumn } : {}),
    };
    if (this.n === 0 && this.droppedForZeroWeight > 0) throw allZeroWeights(file, this.weightsColumn!);
    if (this.n === 0) throw noCompleteRow(file, used, shape.missingByColumn, rowsRead);
    const columns = this.groups.flatMap((g) => g.columns);
    const constantColumns = new Map(
      columns.flatMap((name, c): [string, number][] => (this.constant[c] ? [[name, this.first[c]!]] : [])),
    );
    const outcomeIndex = columns.length;
    checkEstimableShape(
      shape,
      { outcome: this.constant[outcomeIndex] ? this.first[outcomeIndex] : undefined, columns: constantColumns },
      `${file}: `,
    );
    const scales: ModelScales = {
      outcome: this.exponentOf(outcomeIndex),
      columns: columns.map((_, c) => this.exponentOf(c)),
      weights: Number.isFinite(this.weightsExponent) ? this.weightsExponent : 0,
    };
    return {
      ...shape,
      groups: this.groups,
      size: this.size,
      factor: this.factor.slice(),
      scales,
      ...(this.weightsColumn !== undefined ? { droppedForZeroWeight: this.droppedForZeroWeight } : {}),
    };
  }
}

/** Add counts by column name into `into` (defineProperty, not assignment: a column may be called "__proto__"). */
function addCounts(into: Record<string, number>, counts: Readonly<Record<string, number>>): void {
  for (const [column, count] of Object.entries(counts)) {
    Object.defineProperty(into, column, {
      value: (Object.hasOwn(into, column) ? into[column]! : 0) + count,
      enumerable: true,
      // Stryker disable next-line BooleanLiteral: the same defineProperty call redefines its own property
      writable: true,
      // Stryker disable next-line BooleanLiteral: the same defineProperty call redefines its own property
      configurable: true,
    });
  }
}

/** Whether a weight is usable as it is: positive and finite (a batch of such weights needs no filtering). */
const isPositiveFinite = (weight: number) => Number.isFinite(weight) && weight > 0;

/**
 * A batch without its rows of weight 0 (the rule of `selectModelRows`, for batches assembled otherwise), those rows
 * counted in `droppedRows` and `droppedForZeroWeight`.
 *
 * @throws {DataError} a negative or non-finite weight.
 */
function withoutZeroWeights(batch: ModelData): ModelData {
  const weights = batch.weights!;
  const bad = weights.findIndex((w) => !(w >= 0 && w < Number.POSITIVE_INFINITY));
  if (bad >= 0) {
    throw new DataError(
      `weight ${weights[bad]} is ${weights[bad]! < 0 ? 'negative' : 'not finite'}; ` +
        'weights must be 0 or more (rows of weight 0 are left out)',
    );
  }
  const keep = (values: Float64Array) => values.filter((_, i) => weights[i] !== 0);
  const n = weights.reduce((count, w) => count + (w !== 0 ? 1 : 0), 0);
  return {
    ...batch,
    n,
    y: keep(batch.y),
    weights: keep(weights),
    groups: batch.groups.map((group) => {
      if (group.kind !== 'numeric') throw new InternalError('a factored model has no fixed effects');
      return { ...group, values: group.values.map(keep) };
    }),
    droppedRows: batch.droppedRows + batch.n - n,
    droppedForZeroWeight: (batch.droppedForZeroWeight ?? 0) + batch.n - n,
  };
}

/**
 * Rotate one row into the upper-triangular factor (both of length `size`; the row is overwritten): for each
 * column j, the Givens rotation of R's row j and the new row that zeroes the row's entry j:
 * r = √(d² + x²) (by `hypot`, without overflow or underflow), c = d/r, s = x/r, and for k > j
 * (R_jk, row_k) ← (c·R_jk + s·row_k, c·row_k − s·R_jk). Reference: Golub & Van Loan (4th ed.) §5.1.8, §6.5.
 */
export function rotateIn(factor: Float64Array, size: number, row: Float64Array): void {
  for (let j = 0; j < size; j++) {
    const x = row[j]!;
    if (x === 0) continue;
    const diagonal = j * size + j;
    const d = factor[diagonal]!;
    if (d === 0) {
      // An empty row of R takes the new row as it is.
      for (let k = j; k < size; k++) factor[j * size + k] = row[k]!;
      return;
    }
    const r = hypot(d, x);
    const c = d / r;
    const s = x / r;
    factor[diagonal] = r;
    for (let k = j + 1; k < size; k++) {
      const a = factor[j * size + k]!;
      const b = row[k]!;
      factor[j * size + k] = c * a + s * b;
      row[k] = c * b - s * a;
    }
  }
}

/**
 * Column c (0 = intercept) of the factor without its first entry: the column after projecting out the
 * intercept, expressed in the basis of the remaining rows of Q. Its squared norm is the column's centred
 * (weighted) sum of squares.
 */
function centredColumn(model: FactoredModel, c: number): Float64Array {
  const { size, factor } = model;
  // Stryker disable next-line ArithmeticOperator: two more zero rows change no norm and no QR
  const out = new Float64Array(size - 1);
  for (let i = 1; i <= c; i++) out[i - 1] = factor[i * size + c]!;
  return out;
}

/**
 * The cross-products of the centred numeric columns and outcome, G = R₂₂ᵀR₂₂ (R₂₂: R without the intercept's
 * row and column), as the projected Grams of a model without fixed effects.
 */
export function factorGrams(model: FactoredModel): ProjectedGrams {
  const { size, factor } = model;
  const q = size - 2;
  const entries = new Float64Array((q + 1) * (q + 1));
  for (let a = 0; a <= q; a++) {
    for (let b = a; b <= q; b++) {
      let s = 0;
      for (let i = 1; i <= a + 1; i++) s += factor[i * size + a + 1]! * factor[i * size + b + 1]!;
      entries[a * (q + 1) + b] = s;
      entries[b * (q + 1) + a] = s;
    }
  }
  const gram = { size: q + 1, entries, fixedRank: 0 };
  return {
    numericCount: q,
    centredSquares: Array.from({ length: q }, (_, c) => entries[c * (q + 1) + c]!),
    fixedGroups: [],
    gramFor(fixedMask) {
      if (fixedMask !== 0) throw new InternalError('a factored model has no fixed effects');
      return gram;
    },
  };
}

/**
 * Subset fits from the factor: for a subset S of numeric columns, RSS(S) is the residual sum of squares of the
 * outcome's centred column of R on the centred columns of S, by the same pivoted QR and rank rule (tolerance
 * 1e-7 against each column's centred norm) as the fits from the rows (`createSubsetFitter`). Each fit costs
 * O(m³), whatever the number of rows.
 */
export function createFactorFitter(model: FactoredModel): SubsetFitter {
  const units: Unit[] = model.groups.flatMap((group, g) => group.columns.map((name) => ({ group: g, name })));
  const columns = units.map((_, u) => centredColumn(model, u + 1));
  const norms = columns.map((column) => scaledNorm(column));
  const y = centredColumn(model, model.size - 1);
  const tss = scaledNorm(y) ** 2;
  const fitUnits = (chosen: readonly number[]): SubsetFit => {
    if (chosen.length === 0) return { r2: 0, aliased: [], rank: 0 };
    const sorted = [...chosen].sort((a, b) => a - b);
    const qr = qrDecompose(
      sorted.map((u) => columns[u]!),
      // Stryker disable next-line ObjectLiteral: the norms qrDecompose computes by default
      { referenceNorms: sorted.map((u) => norms[u]!) },
    );
    return {
      r2: 1 - residualSumOfSquares(qr, y) / tss,
      aliased: aliasedColumns(qr).map((j) => units[sorted[j]!]!.name),
      rank: qr.rank,
    };
  };
  return subsetFitter(model.groups.length, units, tss, fitUnits);
}
