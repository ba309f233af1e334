import { max, median, min } from 'simple-statistics';
import { ldexp } from '../linalg/scaling.js';
import { scalesOf, type ModelData } from './modelData.js';

/** Minimum, median and maximum of one numeric model column over the rows used. */
export interface NumericColumnSummary {
  readonly column: string;
  /** The group the column belongs to; null for the outcome. */
  readonly group: string | null;
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

/** The levels of one fixed effect in the rows used. */
export interface FixedEffectSummary {
  readonly group: string;
  readonly column: string;
  readonly levels: number;
  /** Level labels, sorted naturally (LA2 before LA10, 2012 before 2013). */
  readonly labels: readonly string[];
  /** Fewest, median and most rows per level (equal for a balanced panel). */
  readonly rowsPerLevel: { readonly min: number; readonly median: number; readonly max: number };
  /**
   * Years covered, ascending, when the levels are years: the group or column is called "year" (any case)
   * and every label is a whole number, or every label is a four-digit number from 1800 to 2199. Null otherwise.
   */
  readonly years: readonly number[] | null;
}

/** What a reader needs to know about the estimation sample before trusting a split of its variance. */
export interface DataSummary {
  readonly outcome: string;
  readonly rowsRead: number;
  readonly rowsUsed: number;
  /** Rows dropped because at least one model column was missing in them (listwise deletion). */
  readonly droppedRows: number;
  /** For every model column, in model order: rows where that column alone is missing. */
  readonly missingByColumn: readonly { readonly column: string; readonly missing: number }[];
  readonly fixedEffects: readonly FixedEffectSummary[];
  /** The outcome first, then every numeric predictor in group order. */
  readonly numericColumns: readonly NumericColumnSummary[];
}

const YEAR_NAME = /^years?$/i;
const WHOLE_NUMBER = /^-?\d+$/;
const YEAR_LABEL = /^(1[89]|2[01])\d\d$/;

/**
 * Data summary: a plain description of the estimation sample — rows read, used and dropped (with the missing
 * count of each model column), the levels of each fixed effect (and the years covered when the levels are
 * years), and the minimum, median and maximum of the outcome and of every numeric predictor over the rows used.
 *
 * The median is the middle order statistic (mean of the two middle ones for an even count), as simple-statistics'
 * `median` and R's `median` compute it.
 *
 * @param data the estimation sample from `buildModelData`
 * @param rowsRead data rows in the input (used plus dropped)
 * @throws {Error} when rowsRead is smaller than the rows used plus the rows dropped
 * @example
 * const summary = summarizeData(loadModelData({ groups: [], missingTokens: [] }).data, 912);
 * summary.fixedEffects[1].years; // [2012, 2013, 2014, 2015, 2016, 2017]
 */
export function summarizeData(data: ModelData, rowsRead: number): DataSummary {
  if (!Number.isInteger(rowsRead) || rowsRead < data.n + data.droppedRows) {
    throw new Error(
      `summarizeData needs rowsRead ≥ rows used + rows dropped (${data.n + data.droppedRows}), got ${rowsRead}`,
    );
  }
  // The model stores its variables in power-of-two units (`equilibrate`); the summary is in the units read.
  const scales = scalesOf(data);
  const describe = (column: string, group: string | null, values: Float64Array, exponent: number) => {
    const list = Array.from(values);
    const read = (v: number) => ldexp(v, exponent);
    const summary: NumericColumnSummary = {
      column,
      group,
      min: read(min(list)),
      median: read(median(list)),
      max: read(max(list)),
    };
    return summary;
  };
  const numericColumns = [describe(data.outcome, null, data.y, scales.outcome)];
  const fixedEffects: FixedEffectSummary[] = [];
  let numericIndex = 0;
  for (const group of data.groups) {
    if (group.kind === 'numeric') {
      group.values.forEach((values, c) =>
        numericColumns.push(describe(group.columns[c]!, group.name, values, scales.columns[numericIndex++]!)),
      );
      continue;
    }
    const counts = new Array<number>(group.levels).fill(0);
    for (const code of group.codes) counts[code]!++;
    const labels = [...group.labels].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    fixedEffects.push({
      group: group.name,
      column: group.columns[0],
      levels: group.levels,
      labels,
      rowsPerLevel: { min: min(counts), median: median(counts), max: max(counts) },
      years: yearsOf(group.name, group.columns[0], labels),
    });
  }
  const columns = [
    data.outcome,
    ...data.groups.flatMap((g) => g.columns),
    ...(data.cluster ? [data.cluster.column] : []),
  ];
  const missingByColumn = [...new Set(columns)].map((column) => ({
    column,
    missing: data.missingByColumn[column] ?? 0,
  }));
  return {
    outcome: data.outcome,
    rowsRead,
    rowsUsed: data.n,
    droppedRows: data.droppedRows,
    missingByColumn,
    fixedEffects,
    numericColumns,
  };
}

function yearsOf(name: string, column: string, labels: readonly string[]): number[] | null {
  const named = YEAR_NAME.test(name) || YEAR_NAME.test(column);
  const looksLikeYears = labels.every((label) => YEAR_LABEL.test(label.trim()));
  if (!looksLikeYears && !(named && labels.every((label) => WHOLE_NUMBER.test(label.trim())))) return null;
  return labels.map(Number).sort((a, b) => a - b); // Number() ignores the spaces trim() would remove
}
