import { DataError, ModelError } from '../../errors.js';
import { completeCases, panelRowNumber, type Panel, type ColumnRequest } from '../../io/panel.js';
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
  /** Name of the weights column, for weighted least squares. */
  readonly weightsColumn?: string;
}

/** The estimation sample: complete rows only, every group's data aligned with y. */
export interface ModelData extends ModelShape {
  readonly y: Float64Array;
  readonly groups: readonly GroupData[];
  readonly cluster?: ClusterData;
  /** Row weights for weighted least squares (all > 0), aligned with y. */
  readonly weights?: Float64Array;
  /** With --min-periods: complete rows dropped because their unit had too few of them (included in droppedRows). */
  readonly droppedForMinPeriods?: number;
}

/** The columns a spec needs, and how each is to be read. */
export function columnRequests(spec: ModelSpec): ColumnRequest[] {
  return [
    { name: spec.outcome, kind: 'numeric' },
    ...spec.groups.flatMap((g) =>
      g.columns.map((name): ColumnRequest => ({ name, kind: g.kind === 'numeric' ? 'numeric' : 'categorical' })),
    ),
    ...(spec.cluster !== undefined ? [{ name: spec.cluster, kind: 'categorical' as const }] : []),
    ...(spec.weights !== undefined ? [{ name: spec.weights, kind: 'numeric' as const }] : []),
  ];
}

/**
 * Assemble the estimation sample: listwise deletion over every used column, then the checks that make the
 * model estimable — rows remain, the outcome varies, each numeric column varies, each fixed effect has at
 * least two levels, and there are more rows than parameters (1 + Σ numeric columns + Σ (levels − 1)).
 */
export function buildModelData(panel: Panel, spec: ModelSpec): ModelData {
  const data = selectModelRows(panel, spec);
  if (data.n === 0)
    throw noCompleteRow(
      panel.file,
      columnRequests(spec).map((r) => r.name),
      data.missingByColumn,
      panel.rowCount,
    );
  checkEstimable(data, `${panel.file}: `);
  return data;
}

/** The ModelError for a sample without a complete row, naming the column missing most often. */
export function noCompleteRow(
  file: string,
  used: readonly string[],
  missingByColumn: Readonly<Record<string, number>>,
  rowCount: number,
): ModelError {
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
 * @throws {DataError} a weight that is not positive, or a non-positive outcome under --log-outcome, at its row.
 */
export function selectModelRows(panel: Panel, spec: ModelSpec): ModelData {
  const complete = completeCases(
    panel,
    columnRequests(spec).map((r) => r.name),
  );
  const file = panel.file;
  const cases =
    spec.minPeriods === undefined ? { ...complete, droppedForMinPeriods: 0 } : withMinPeriods(panel, spec, complete);
  const groups = spec.groups.map((group) => buildGroup(panel, group, cases.rows));
  const cluster =
    spec.cluster === undefined || cases.rows.length === 0 ? undefined : clusterData(panel, spec.cluster, cases.rows);
  const weights = spec.weights === undefined ? undefined : pickNumeric(panel, spec.weights, cases.rows);
  if (weights) {
    const bad = weights.findIndex((w) => !(w > 0));
    if (bad >= 0) {
      throw new DataError(`weight ${weights[bad]} is not positive; weights must be > 0`, {
        file,
        row: panelRowNumber(panel, cases.rows[bad]!),
        column: spec.weights!,
      });
    }
  }
  const outcome = pickNumeric(panel, spec.outcome, cases.rows);
  return {
    outcome: spec.logOutcome ? `log(${spec.outcome})` : spec.outcome,
    n: cases.rows.length,
    y: spec.logOutcome ? logOf(outcome, cases.rows, panel, spec.outcome) : outcome,
    groups,
    droppedRows: cases.droppedRows,
    missingByColumn: cases.missingByColumn,
    ...(spec.minPeriods !== undefined ? { droppedForMinPeriods: cases.droppedForMinPeriods } : {}),
    ...(cluster ? { cluster } : {}),
    ...(weights ? { weights, weightsColumn: spec.weights! } : {}),
  };
}

/**
 * The checks that make a model estimable: the outcome varies, each numeric column varies, each fixed effect has
 * at least two levels, and there are more rows than parameters (1 + Σ numeric columns + Σ (levels − 1)).
 * Throws ModelError; `prefix` names the data in the message.
 */
export function checkEstimable(data: ModelData, prefix = ''): void {
  const constantColumns = new Map<string, number>();
  for (const group of data.groups) {
    if (group.kind === 'numeric')
      group.values.forEach((values, c) => isConstant(values) && constantColumns.set(group.columns[c]!, values[0]!));
  }
  checkEstimableShape(data, { outcome: isConstant(data.y) ? data.y[0] : undefined, columns: constantColumns }, prefix);
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
      `${prefix}outcome "${shape.outcome}" has no variance (all ${shape.n} used rows equal ${constant.outcome}); there is nothing to explain`,
    );
  }
  for (const group of shape.groups) {
    if (group.kind === 'numeric') {
      for (const column of group.columns) {
        const value = constant.columns.get(column);
        if (value !== undefined) {
          throw new ModelError(
            `${prefix}column "${column}" of group "${group.name}" is constant (${value}) in the used rows, so it explains nothing; drop it`,
          );
        }
      }
    } else if (group.levels < 2) {
      throw new ModelError(
        `${prefix}fixed effect "${group.name}" (column "${group.columns[0]}") has only one level in the used rows, so it explains nothing`,
      );
    }
  }
  const parameters =
    1 + shape.groups.reduce((sum, g) => sum + (g.kind === 'numeric' ? g.columns.length : g.levels - 1), 0);
  if (shape.n <= parameters) {
    throw new ModelError(
      `${prefix}${shape.n} usable rows but the full model has ${parameters} parameters; it needs more rows than parameters`,
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

/** Drop the complete rows of units (levels of the first fixed effect) with fewer than spec.minPeriods complete rows. */
function withMinPeriods(panel: Panel, spec: ModelSpec, complete: ReturnType<typeof completeCases>) {
  const unitColumn = spec.groups.find((g) => g.kind === 'fixed-effect')!.columns[0]!;
  const unit = panel.columns.get(unitColumn);
  if (unit?.kind !== 'categorical')
    throw new ModelError(`${panel.file}: column "${unitColumn}" was not read as categorical`);
  const counts = new Map<number, number>();
  for (const row of complete.rows) counts.set(unit.codes[row]!, (counts.get(unit.codes[row]!) ?? 0) + 1);
  const rows = complete.rows.filter((row) => counts.get(unit.codes[row]!)! >= spec.minPeriods!);
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
  const source = panel.columns.get(column)!;
  const labels: (number | string)[] =
    source.kind === 'numeric'
      ? Array.from(rows, (row) => source.values[row]!)
      : Array.from(rows, (row) => source.codes[row]!);
  const { codes, count } = denseCodes(labels);
  if (count < 2) throw new ModelError(`${panel.file}: cluster column "${column}" has only one level in the used rows`);
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
  if (source?.kind !== 'numeric') throw new ModelError(`${panel.file}: column "${name}" was not read as numeric`);
  const out = new Float64Array(rows.length);
  rows.forEach((row, i) => (out[i] = source.values[row]!));
  return out;
}

function isConstant(values: Float64Array): boolean {
  return values.every((v) => v === values[0]);
}
