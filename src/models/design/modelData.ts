import { DataError, InternalError, ModelError, ParameterError } from '../../errors.js';
import { completeCases, panelRowNumber, type Panel, type ColumnRequest } from '../../io/panel.js';
import { equilibrationExponent, ldexp, maxAbs, scaleByPowerOfTwo } from '../linalg/scaling.js';
import type { GroupSpec, ModelSpec } from '../spec/spec.js';

export interface NumericGroupData {
  readonly kind: 'numeric';
  readonly name: string;
  readonly columns: readonly string[];
  readonly values: readonly Float64Array[];
}

export interface FixedEffectGroupData {
  readonly kind: 'fixed-effect';
  readonly name: string;
  readonly columns: readonly [string];
  /** Level of each used row, 0 … levels − 1. */
  readonly codes: Int32Array;
  readonly levels: number;
  /** Label of each level, by code. */
  readonly labels: readonly string[];
}

export type GroupData = NumericGroupData | FixedEffectGroupData;

/** Cluster membership of each used row, for cluster-robust inference and the cluster bootstrap. */
export interface ClusterData {
  readonly column: string;
  /** Cluster of each used row, 0 … count − 1. */
  readonly codes: Int32Array;
  readonly count: number;
}

/** What the engines need to know of a group when its rows are not at hand. */
export type GroupShape =
  | Pick<NumericGroupData, 'kind' | 'name' | 'columns'>
  | Pick<FixedEffectGroupData, 'kind' | 'name' | 'columns' | 'levels'>;

/** A model's groups and the accounting of its estimation sample, without the rows. */
export interface ModelShape {
  readonly outcome: string;
  readonly n: number;
  readonly groups: readonly GroupShape[];
  readonly droppedRows: number;
  readonly missingByColumn: Readonly<Record<string, number>>;
  /** Rows each model column alone makes incomplete (present in every other model column); see `completeCases`. */
  readonly missingAlone?: Readonly<Record<string, number>>;
  /** Name of the weights column, for weighted least squares. */
  readonly weightsColumn?: string;
  /**
   * The power-of-two units in which the model's numeric variables are stored (see `equilibrate`); absent means
   * the values are stored as read (every exponent 0).
   */
  readonly scales?: ModelScales;
}

/**
 * Binary exponents of a model's stored variables: a stored value is the value read times 2^−exponent. Chosen
 * from each variable's largest magnitude (`equilibrationExponent`), so that every stored |value| lies below 1
 * and at least one in each variable reaches 1/2 (1/4 for the weights).
 */
export interface ModelScales {
  readonly outcome: number;
  /** One per numeric column, in group order (the order of the Gram matrices' and the factor's columns). */
  readonly columns: readonly number[];
  /** Even, so that √w is stored times exactly 2^(−weights/2); 0 without weights. */
  readonly weights: number;
}

/** Every exponent 0: the values as read. */
const UNIT_SCALES: ModelScales = { outcome: 0, columns: [], weights: 0 };

/** The scales of a model (UNIT_SCALES when it has none), with one column exponent per numeric column. */
export function scalesOf(model: ModelShape): ModelScales {
  if (model.scales) return model.scales;
  const columns = model.groups.reduce((sum, g) => sum + (g.kind === 'numeric' ? g.columns.length : 0), 0);
  return { ...UNIT_SCALES, columns: new Array<number>(columns).fill(0) };
}

/**
 * A (weighted) sum of squares of the outcome computed on the stored values, Σ w_s (y_s − ·)², in the units of
 * the data as read: × 2^(2·outcome + weights) (exact; +Infinity if it exceeds the double range, as it does for an
 * outcome in the units of 1e170).
 */
export function sumOfSquaresAsRead(model: ModelShape, stored: number): number {
  const scales = scalesOf(model);
  return ldexp(stored, 2 * scales.outcome + scales.weights);
}

/** The estimation sample: complete rows only, every group's data aligned with y. */
export interface ModelData extends ModelShape {
  readonly y: Float64Array;
  readonly groups: readonly GroupData[];
  readonly cluster?: ClusterData;
  /** Blocks of exchangeable rows for permutation tests (--permute-within): level of each used row. */
  readonly blocks?: ClusterData;
  /** Row weights for weighted least squares (all > 0), aligned with y. */
  readonly weights?: Float64Array;
  /** With --min-periods: complete rows dropped because their unit had too few of them (included in droppedRows). */
  readonly droppedForMinPeriods?: number;
  /**
   * Keys of the first two fixed effects (unit × period) that occur on more than one used row; absent when there is
   * none, or fewer than two fixed effects. Such a model is valid pooled OLS, so this is a warning, not an error.
   */
  readonly repeatedKeys?: RepeatedKeys;
  /**
   * With weights: complete rows left out because their weight is 0, as R's lm(weights =) does (included in
   * droppedRows).
   */
  readonly droppedForZeroWeight?: number;
}

/** Keys of the first two fixed effects found on more than one used row (see `repeatedKeys`). */
export interface RepeatedKeys {
  /** The two fixed-effect columns, e.g. ["la", "year"]. */
  readonly columns: readonly [string, string];
  /** How many keys occur on more than one used row. */
  readonly keys: number;
  /** Used rows beyond the first of each such key. */
  readonly extraRows: number;
  /** The first REPEATED_KEYS_LISTED such keys (by their first row), with the spreadsheet rows of each. */
  readonly listed: readonly { readonly key: readonly [string, string]; readonly rows: readonly number[] }[];
}

/** Repeated unit × period keys named in a model's warning (the rest are counted). */
export const REPEATED_KEYS_LISTED = 3;

/** The columns a spec needs, and how each is to be read. */
export function columnRequests(spec: ModelSpec): ColumnRequest[] {
  return [
    { name: spec.outcome, kind: 'numeric' },
    ...spec.groups.flatMap((g) =>
      g.columns.map((name): ColumnRequest => ({ name, kind: g.kind === 'numeric' ? 'numeric' : 'categorical' })),
    ),
    ...(spec.cluster !== undefined ? [{ name: spec.cluster, kind: 'categorical' as const }] : []),
    ...(spec.blocks !== undefined ? [{ name: spec.blocks, kind: 'categorical' as const }] : []),
    ...(spec.weights !== undefined ? [{ name: spec.weights, kind: 'numeric' as const }] : []),
  ];
}

/**
 * Assemble the estimation sample: listwise deletion over every used column, then the checks that make the
 * model estimable — rows remain, the outcome varies, each numeric column varies, each fixed effect has at
 * least two levels, and there are more rows than parameters (1 + Σ numeric columns + Σ (levels − 1)) — and
 * finally `equilibrate`, so that nothing downstream depends on the units of the columns.
 */
export function buildModelData(panel: Panel, spec: ModelSpec): ModelData {
  const data = selectModelRows(panel, spec);
  if (data.n === 0 && data.droppedForZeroWeight) throw allZeroWeights(panel.file, spec.weights!);
  if (data.n === 0)
    throw noCompleteRow(
      panel.file,
      columnRequests(spec).map((r) => r.name),
      data.missingByColumn,
      panel.rowCount,
    );
  checkEstimable(data, `${panel.file}: `);
  return equilibrate(data);
}

/**
 * The model's numeric variables in power-of-two units of their own magnitude: the outcome y, each numeric
 * column x and the weights w are multiplied by 2^−E, E = frexp exponent of max |v| (`equilibrationExponent`;
 * even for w), so that every stored |value| < 1, and the exponents are kept in `scales`.
 *
 * Why: least squares is invariant to the units of its columns only in exact arithmetic. In floating point a
 * column in units of 1e170 has squares of 1e340 (= Infinity: total sums of squares, cross-products and the
 * rank test's norms overflow), and one in units of 1e−170 has squares that underflow to 0 (so a perfectly good
 * column looks aliased). Scaling by a power of two is exact (it changes only exponents), and every rounding
 * that follows is the same as on unscaled data, so R², shares and aliasing verdicts are bit-identical for any
 * power-of-two change of units and equal to rounding for any other; coefficients and standard errors are
 * unscaled exactly by `fitModel`. This is the diagonal scaling (equilibration) of Higham, Accuracy and Stability
 * of Numerical Algorithms (2nd ed.) §7.3 and §20.4, restricted to powers of the radix as LAPACK's dgeequb does so
 * that it introduces no rounding. (R's lm fits a predictor in units of 1e±170, its QR — LINPACK's dqrdc2 — using
 * scaled norms, but reports NaN R² for an outcome in such units and standard errors of 0 or Inf for such a
 * predictor: its sums of squares are formed in the units read.)
 *
 * Values more than 2^1022 times smaller than their column's largest become subnormal (or 0) when stored; they
 * are below the rounding error of every sum they enter, so no result changes.
 *
 * The arrays of `data` are scaled in place (they belong to the sample just assembled).
 */
export function equilibrate(data: ModelData): ModelData {
  if (data.scales) throw new InternalError('model data equilibrated twice');
  const scale = (values: Float64Array, even = false): number => {
    const e = equilibrationExponent(maxAbs(values), even);
    scaleByPowerOfTwo(values, -e, values);
    return e;
  };
  const outcome = scale(data.y);
  const columns = data.groups.flatMap((group) => (group.kind === 'numeric' ? group.values.map((v) => scale(v)) : []));
  const weights = data.weights ? scale(data.weights, true) : 0;
  return { ...data, scales: { outcome, columns, weights } };
}

/** The ModelError for a sample whose complete rows all have weight 0. */
export function allZeroWeights(file: string, column: string): ModelError {
  return new ModelError(
    `${file}: every row with all model columns present has weight 0 (column "${column}"); there is nothing to fit`,
  );
}

/** The ModelError for a sample without a complete row, naming the column missing most often. */
export function noCompleteRow(
  file: string,
  used: readonly string[],
  missingByColumn: Readonly<Record<string, number>>,
  rowCount: number,
): ModelError {
  if (rowCount === 0) return new ModelError(`${file}: there are no rows to fit`);
  const worst = Object.entries(missingByColumn).sort((a, b) => b[1] - a[1])[0];
  return new ModelError(
    `${file}: no row has all of ${used.join(', ')} present` +
      (worst ? ` (column "${worst[0]}" is missing in ${worst[1]} of ${rowCount} rows)` : ''),
  );
}

/**
 * The complete rows of a panel for a model, with the outcome transformed and the weights checked, but not the
 * checks that need the whole sample (`checkEstimable`): a panel may be one segment of a streamed file.
 *
 * Rows of weight 0 are left out (counted in `droppedForZeroWeight` and `droppedRows`), before --min-periods counts
 * each unit's rows: R's `lm(weights =)` and relaimpo give the fit without them.
 *
 * @throws {DataError} a negative or non-finite weight, or a non-positive outcome under --log-outcome, at its row.
 */
export function selectModelRows(panel: Panel, spec: ModelSpec): ModelData {
  const complete = completeCases(
    panel,
    columnRequests(spec).map((r) => r.name),
  );
  const weighted = withoutZeroWeights(panel, spec, complete);
  const cases =
    spec.minPeriods === undefined ? { ...weighted, droppedForMinPeriods: 0 } : withMinPeriods(panel, spec, weighted);
  const groups = spec.groups.map((group) => buildGroup(panel, group, cases.rows));
  const cluster =
    spec.cluster === undefined || cases.rows.length === 0 ? undefined : clusterData(panel, spec.cluster, cases.rows);
  const blocks =
    spec.blocks === undefined || cases.rows.length === 0 ? undefined : levelCodes(panel, spec.blocks, cases.rows);
  const weights = spec.weights === undefined ? undefined : pickNumeric(panel, spec.weights, cases.rows);
  const outcome = pickNumeric(panel, spec.outcome, cases.rows);
  const repeated = repeatedKeys(panel, groups, cases.rows);
  return {
    outcome: spec.logOutcome ? `log(${spec.outcome})` : spec.outcome,
    n: cases.rows.length,
    y: spec.logOutcome ? logOf(outcome, cases.rows, panel, spec.outcome) : outcome,
    groups,
    droppedRows: cases.droppedRows,
    missingByColumn: cases.missingByColumn,
    missingAlone: cases.missingAlone,
    ...(spec.minPeriods !== undefined ? { droppedForMinPeriods: cases.droppedForMinPeriods } : {}),
    ...(spec.weights !== undefined ? { droppedForZeroWeight: weighted.droppedForZeroWeight } : {}),
    ...(cluster ? { cluster } : {}),
    ...(blocks ? { blocks } : {}),
    ...(weights ? { weights, weightsColumn: spec.weights! } : {}),
    ...(repeated ? { repeatedKeys: repeated } : {}),
  };
}

/**
 * The keys of the first two fixed effects (a unit and a period, in the NAO layout) that occur on more than one of
 * the used rows `rows` (panel row indices, aligned with the groups' codes), with their spreadsheet rows; undefined
 * when every key is on one row or the model has fewer than two fixed effects.
 */
export function repeatedKeys(panel: Panel, groups: readonly GroupData[], rows: Int32Array): RepeatedKeys | undefined {
  const [unit, period] = groups.filter((g): g is FixedEffectGroupData => g.kind === 'fixed-effect');
  if (unit === undefined || period === undefined) return undefined;
  const byKey = new Map<number, number[]>();
  for (let i = 0; i < rows.length; i++) {
    const key = unit.codes[i]! * period.levels + period.codes[i]!;
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [i]);
    else list.push(i);
  }
  // In the order of their first rows: a Map keeps its keys in the order they came, each at its first row.
  const repeated = [...byKey.values()].filter((list) => list.length > 1);
  if (repeated.length === 0) return undefined;
  return {
    columns: [unit.columns[0], period.columns[0]],
    keys: repeated.length,
    extraRows: repeated.reduce((sum, list) => sum + list.length - 1, 0),
    listed: repeated.slice(0, REPEATED_KEYS_LISTED).map((list) => ({
      key: [unit.labels[unit.codes[list[0]!]!]!, period.labels[period.codes[list[0]!]!]!],
      rows: list.map((i) => panelRowNumber(panel, rows[i]!)),
    })),
  };
}

/**
 * The checks that make a model estimable: the outcome varies, each numeric column varies, each fixed effect has
 * at least two levels, and there are more rows than parameters (1 + Σ numeric columns + Σ (levels − 1)).
 * Throws ModelError; `prefix` names the data in the message.
 */
export function checkEstimable(data: ModelData, prefix = ''): void {
  const scales = scalesOf(data);
  const constantColumns = new Map<string, number>();
  let column = 0;
  for (const group of data.groups) {
    if (group.kind !== 'numeric') continue;
    group.values.forEach((values, c) => {
      // Reported in the units read (exact: the stored values are those times a power of two).
      if (isConstant(values)) constantColumns.set(group.columns[c]!, ldexp(values[0]!, scales.columns[column]!));
      column++;
    });
  }
  const outcome = isConstant(data.y) ? ldexp(data.y[0]!, scales.outcome) : undefined;
  checkEstimableShape(data, { outcome, columns: constantColumns }, prefix);
}

/** Which of a sample's numeric variables take one value in every used row, and that value. */
export interface ConstantValues {
  readonly outcome: number | undefined;
  readonly columns: ReadonlyMap<string, number>;
}

/** `checkEstimable` for a model known only by its shape and which of its variables are constant. */
export function checkEstimableShape(shape: ModelShape, constant: ConstantValues, prefix = ''): void {
  if (constant.outcome !== undefined) {
    throw new ModelError(
      `${prefix}outcome "${shape.outcome}" has no variance (all ${shape.n} used rows equal ${constant.outcome}); ` +
        'there is nothing to explain',
    );
  }
  for (const group of shape.groups) {
    if (group.kind === 'numeric') {
      for (const column of group.columns) {
        const value = constant.columns.get(column);
        if (value !== undefined) {
          throw new ModelError(
            `${prefix}column "${column}" of group "${group.name}" is constant (${value}) in the used rows, ` +
              'so it explains nothing; drop it',
          );
        }
      }
    } else if (group.levels < 2) {
      throw new ModelError(
        `${prefix}fixed effect "${group.name}" (column "${group.columns[0]}") has only one level in the used rows, ` +
          'so it explains nothing',
      );
    }
  }
  const parameters =
    1 + shape.groups.reduce((sum, g) => sum + (g.kind === 'numeric' ? g.columns.length : g.levels - 1), 0);
  if (shape.n <= parameters) {
    throw new ModelError(
      `${prefix}${shape.n} usable rows but the full model has ${parameters} parameters; ` +
        'it needs more rows than parameters',
    );
  }
}

function buildGroup(panel: Panel, group: GroupSpec, rows: Int32Array): GroupData {
  if (group.kind === 'numeric') {
    return {
      kind: 'numeric',
      name: group.name,
      columns: group.columns,
      values: group.columns.map((column) => pickNumeric(panel, column, rows)),
    };
  }
  const column = group.columns[0]!;
  const source = panel.columns.get(column);
  if (source?.kind !== 'categorical')
    throw new ModelError(`${panel.file}: column "${column}" was not read as categorical`);
  const { codes, count, values } = denseCodes(Array.from(rows, (row) => source.codes[row]!));
  return {
    kind: 'fixed-effect',
    name: group.name,
    columns: [column],
    codes,
    levels: count,
    labels: values.map((code) => source.levels[code]!),
  };
}

/**
 * The complete rows without those of weight 0 (R's `lm` fits the model without them: a row of weight 0 adds
 * nothing to any sum of squares, and is not counted in n or the residual degrees of freedom).
 *
 * @throws {DataError} a negative or non-finite weight, at its row.
 */
function withoutZeroWeights(panel: Panel, spec: ModelSpec, complete: ReturnType<typeof completeCases>) {
  if (spec.weights === undefined) return { ...complete, droppedForZeroWeight: 0 };
  const weights = pickNumeric(panel, spec.weights, complete.rows);
  const bad = weights.findIndex((w) => !(w >= 0 && w < Number.POSITIVE_INFINITY));
  if (bad >= 0) {
    throw new DataError(
      `weight ${weights[bad]} is ${weights[bad]! < 0 ? 'negative' : 'not finite'}; ` +
        'weights must be 0 or more (rows of weight 0 are left out)',
      { file: panel.file, row: panelRowNumber(panel, complete.rows[bad]!), column: spec.weights },
    );
  }
  const rows = complete.rows.filter((_, i) => weights[i] !== 0);
  const droppedForZeroWeight = complete.rows.length - rows.length;
  return { ...complete, rows, droppedRows: complete.droppedRows + droppedForZeroWeight, droppedForZeroWeight };
}

/** Drop the complete rows of units (levels of the first fixed effect) with fewer than spec.minPeriods complete rows. */
function withMinPeriods(panel: Panel, spec: ModelSpec, complete: ReturnType<typeof completeCases>) {
  const unitColumn = spec.groups.find((g) => g.kind === 'fixed-effect')!.columns[0]!;
  const unit = panel.columns.get(unitColumn);
  // Stryker disable next-line OptionalChaining: completeCases refused a missing column first
  if (unit?.kind !== 'categorical')
    throw new ModelError(`${panel.file}: column "${unitColumn}" was not read as categorical`);
  const counts = new Map<number, number>();
  for (const row of complete.rows) counts.set(unit.codes[row]!, (counts.get(unit.codes[row]!) ?? 0) + 1);
  const rows = complete.rows.filter((row) => counts.get(unit.codes[row]!)! >= spec.minPeriods!);
  if (rows.length === 0 && complete.rows.length > 0) {
    // Say that the filter removed everything, not that a column is missing.
    throw new ParameterError(
      'minPeriods',
      `removed every row: no unit of "${unitColumn}" has ${spec.minPeriods} complete rows ` +
        `(the most any has is ${Math.max(...counts.values())})`,
    );
  }
  const droppedForMinPeriods = complete.rows.length - rows.length;
  return { ...complete, rows, droppedRows: complete.droppedRows + droppedForMinPeriods, droppedForMinPeriods };
}

function logOf(values: Float64Array, rows: Int32Array, panel: Panel, column: string): Float64Array {
  return values.map((value, i) => {
    if (!(value > 0)) {
      throw new DataError(`${value} has no logarithm; --log-outcome needs positive values`, {
        file: panel.file,
        row: panelRowNumber(panel, rows[i]!),
        column,
      });
    }
    return Math.log(value);
  });
}

function clusterData(panel: Panel, column: string, rows: Int32Array): ClusterData {
  const { codes, count } = levelCodes(panel, column, rows);
  if (count < 2) throw new ModelError(`${panel.file}: cluster column "${column}" has only one level in the used rows`);
  return { column, codes, count };
}

/** The level of each used row in a column (numbers or labels), coded 0 … count − 1 in order of first appearance. */
function levelCodes(panel: Panel, column: string, rows: Int32Array): ClusterData {
  const source = panel.columns.get(column)!;
  const labels: (number | string)[] =
    source.kind === 'numeric'
      ? Array.from(rows, (row) => source.values[row]!)
      : Array.from(rows, (row) => source.codes[row]!);
  const { codes, count } = denseCodes(labels);
  return { column, codes, count };
}

/** Codes 0 … count − 1 in order of first appearance, and the distinct values in that order. */
export function denseCodes<T extends number | string>(
  labels: readonly T[],
): { codes: Int32Array; count: number; values: T[] } {
  const index = new Map<T, number>();
  const codes = Int32Array.from(labels, (label) => {
    let code = index.get(label);
    if (code === undefined) {
      code = index.size;
      index.set(label, code);
    }
    return code;
  });
  return { codes, count: index.size, values: [...index.keys()] };
}

function pickNumeric(panel: Panel, name: string, rows: Int32Array): Float64Array {
  const source = panel.columns.get(name);
  // Stryker disable next-line OptionalChaining: completeCases refused a missing column first
  if (source?.kind !== 'numeric') throw new ModelError(`${panel.file}: column "${name}" was not read as numeric`);
  const out = new Float64Array(rows.length);
  rows.forEach((row, i) => (out[i] = source.values[row]!));
  return out;
}

function isConstant(values: Float64Array): boolean {
  return values.every((v) => v === values[0]);
}
