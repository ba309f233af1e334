import { max, median, min } from 'simple-statistics';
import { DataError, InternalError, UsageError } from '../errors.js';
import { displayText, rowNumber, type RawTable } from '../io/csv.js';
import { DFE_SYMBOLS, timePeriodOrder } from '../io/dfe.js';
import {
  DEFAULT_MISSING_TOKENS,
  parseStrictNumber,
  readPanel,
  type CategoricalColumn,
  type NumericColumn,
} from '../io/panel.js';

/** Most frequent values listed per categorical column. */
const DESCRIBE_TOP_VALUES = 5;
/** Cells that are not numbers listed per categorical column (the rest are counted). */
const DESCRIBE_NON_NUMERIC_LISTED = 3;
/** Duplicate unit × period keys listed with their rows (the rest are counted). */
const DESCRIBE_DUPLICATES_LISTED = 5;

/** Unit and period columns tried, in order, when neither is given: the bundled panels' layout, then DfE's. */
const DEFAULT_PANEL_KEYS: readonly { readonly unit: string; readonly period: string }[] = [
  { unit: 'la', period: 'year' },
  { unit: 'old_la_code', period: 'time_period' },
];

/** The outcome used when none is given, if the header has it. */
const DEFAULT_DESCRIBE_OUTCOME = 'cpp_rate';

export interface DescribeOptions {
  /** Extra cell values that mean "missing", in addition to DEFAULT_MISSING_TOKENS; compared trimmed. */
  readonly missingTokens?: readonly string[];
  /**
   * Unit (authority) column. With `period`: the unit × period panel. Alone: the units and the outcome's split
   * between and within them (no period is guessed). With neither, DEFAULT_PANEL_KEYS are tried.
   */
  readonly unit?: string;
  /** Period (year) column. With `unit`: the panel. Alone: the periods and the share of the period means. */
  readonly period?: string;
  /** Outcome whose variance is split; default DEFAULT_DESCRIBE_OUTCOME when the header has it. */
  readonly outcome?: string;
  /**
   * For a table made by `normaliseDfeTable`: its `report.missing` (column → symbol → cells). Those cells are
   * empty in the normalised table; their counts move from the empty-cell count to the symbol's.
   */
  readonly dfeMissing?: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** How many missing cells of a column held one token. */
export interface MissingCount {
  /** The trimmed cell text; '' for an empty (or blank) cell. */
  readonly token: string;
  readonly count: number;
  /**
   * `empty`: an empty cell; `marker`: `NA` or a `missingTokens` entry; `dfe-symbol`: a DFE_SYMBOLS symbol blanked by
   * normaliseDfeTable.
   */
  readonly kind: 'empty' | 'marker' | 'dfe-symbol';
}

interface ColumnBase {
  readonly name: string;
  /** Cells that are not missing. */
  readonly values: number;
  /** Missing cells (values + missing = rows). */
  readonly missing: number;
  /**
   * The missing cells by token, only tokens seen: empty, `NA`, the extra tokens in the order given, then DfE symbols in
   * DFE_SYMBOLS order.
   */
  readonly missingByToken: readonly MissingCount[];
}

/** Every non-missing cell is a plain decimal number (parseStrictNumber). */
export interface NumericColumnDescription extends ColumnBase {
  readonly type: 'numeric';
  readonly min: number;
  /** Middle order statistic (mean of the two middle ones for an even count), as R's `median`. */
  readonly median: number;
  readonly max: number;
}

/** At least one non-missing cell is not a number: the column is read as labels (trimmed). */
export interface CategoricalColumnDescription extends ColumnBase {
  readonly type: 'categorical';
  readonly distinct: number;
  /** The DESCRIBE_TOP_VALUES most frequent labels, most frequent first; ties in order of first appearance. */
  readonly top: readonly { readonly value: string; readonly count: number }[];
  /** Non-missing cells that are numbers: a mostly numeric column made categorical by a few cells shows here. */
  readonly numericCells: number;
  /**
   * When some cells are numbers (numericCells > 0): the first DESCRIBE_NON_NUMERIC_LISTED cells that are not, as
   * written, with spreadsheet rows (header = row 1). Empty for a column with no numbers (plain labels).
   */
  readonly firstNonNumeric: readonly { readonly row: number; readonly value: string }[];
}

/** Every cell is missing. */
export interface EmptyColumnDescription extends ColumnBase {
  readonly type: 'empty';
}

export type ColumnDescription = NumericColumnDescription | CategoricalColumnDescription | EmptyColumnDescription;

/** The unit × period layout of the rows where both keys are present. */
export interface PanelStructure {
  readonly unit: string;
  readonly period: string;
  /** Whether the columns were given (`options`) or found in the header (`default`). */
  readonly source: 'options' | 'default';
  /** Distinct units. */
  readonly units: number;
  /** Distinct periods, in time order (`order: 'time'`) or natural text order (`order: 'text'`). */
  readonly periods: readonly string[];
  /**
   * `time`: every label is a DfE time period or year, sorted by timePeriodOrder; `text`: natural order (LA2 before
   * LA10).
   */
  readonly order: 'time' | 'text';
  /** Rows with both keys present. */
  readonly rows: number;
  /** Rows with the unit or the period missing (left out of the panel structure). */
  readonly rowsMissingKey: number;
  /** Every unit has exactly one row in every period: no gaps and no duplicate keys. */
  readonly balanced: boolean;
  /** Unit × period cells with no row: units × periods − distinct keys. */
  readonly gaps: number;
  /** Distinct periods per unit. */
  readonly periodsPerUnit: {
    readonly min: number;
    readonly median: number;
    readonly max: number;
    /** How many units have each number of periods, fewest periods first. */
    readonly counts: readonly { readonly periods: number; readonly units: number }[];
  };
  /** Units observed in fewer than all periods, in natural order, with the periods they lack (in period order). */
  readonly incompleteUnits: readonly {
    readonly unit: string;
    readonly observed: number;
    readonly missingPeriods: readonly string[];
  }[];
  /** Unit × period keys held by more than one row. */
  readonly duplicateKeys: number;
  /** Rows beyond the first of each duplicated key. */
  readonly duplicateRows: number;
  /** The first DESCRIBE_DUPLICATES_LISTED duplicated keys (by their first row) with all their spreadsheet rows. */
  readonly duplicates: readonly { readonly unit: string; readonly period: string; readonly rows: readonly number[] }[];
}

/**
 * A unit or a period column named without the other: its levels and rows, in place of the unit × period panel
 * structure (which needs both).
 */
export interface SingleKeyStructure {
  readonly column: string;
  readonly role: 'unit' | 'period';
  /** Distinct labels. */
  readonly levels: number;
  /** Rows with the key present. */
  readonly rows: number;
  /** Rows with the key missing. */
  readonly rowsMissingKey: number;
  /** Rows per label. */
  readonly rowsPerLevel: { readonly min: number; readonly median: number; readonly max: number };
}

/**
 * The outcome's total sum of squares split into between-unit and within-unit parts, over complete rows. With
 * only a unit column the period fields are null; with only a period column the unit fields are.
 */
export interface OutcomeVariance {
  readonly column: string;
  readonly unit: string | null;
  readonly period: string | null;
  /** Complete rows: the outcome and each key column (unit, period) present. */
  readonly n: number;
  /** Rows left out (table rows − n). */
  readonly droppedRows: number;
  /** Units and periods in the complete rows; null without that column. */
  readonly units: number | null;
  readonly periods: number | null;
  /** ȳ; null when n is 0. */
  readonly mean: number | null;
  /** Σ (y − ȳ)². */
  readonly totalSS: number;
  /** Σ_units n_u (ȳ_u − ȳ)²; null without a unit column. */
  readonly betweenSS: number | null;
  /** Σ (y − ȳ_u)²; betweenSS + withinSS = totalSS. Null without a unit column. */
  readonly withinSS: number | null;
  /** Σ_periods n_t (ȳ_t − ȳ)²; null without a period column. */
  readonly periodSS: number | null;
  /**
   * betweenSS / totalSS: the R² of the outcome on unit indicators. Null when the outcome takes one value (or n is 0),
   * or without a unit column.
   */
  readonly betweenShare: number | null;
  /** withinSS / totalSS = 1 − betweenShare. Null as betweenShare. */
  readonly withinShare: number | null;
  /**
   * periodSS / totalSS: the R² on period indicators. Not additive with betweenShare unless the panel is balanced. Null
   * as betweenShare, or without a period column.
   */
  readonly periodShare: number | null;
}

export interface DescribeResult {
  readonly file: string;
  /** Data rows (records) of the table. */
  readonly rows: number;
  /** One description per column, in header order. */
  readonly columns: readonly ColumnDescription[];
  /** Null when no unit and period columns were given or found, or only one of them was given. */
  readonly panel: PanelStructure | null;
  /** Set when only one of the unit and period columns was given: its levels instead of the panel structure. */
  readonly singleKey: SingleKeyStructure | null;
  /** Null when there is no unit or period column, or no outcome (see notes). */
  readonly outcome: OutcomeVariance | null;
  /** Plain-language remarks: what was skipped and why, gaps, duplicates. */
  readonly notes: readonly string[];
}

/**
 * Describe a table before any split: each column's type, missing cells (by token) and summary; the panel
 * structure of unit × period (balance, gaps, periods per unit, duplicate keys); and the outcome's variance
 * split into between-unit and within-unit parts.
 *
 * Columns: `empty` when every cell is missing, `numeric` when every other cell parses with parseStrictNumber
 * (min, median, max), `categorical` otherwise (distinct labels, the most frequent, and, when some cells are
 * numbers, the first cells that are not). Missing cells are `''`, `NA` and `options.missingTokens`, compared trimmed,
 * as readPanel does.
 *
 * The outcome's one-way analysis of variance by unit, over the n complete rows (outcome, unit, period present),
 * with ȳ the overall mean, ȳ_u the mean of unit u (n_u rows) and ȳ_t the mean of period t (n_t rows):
 *
 *     totalSS = Σ (y − ȳ)²,  betweenSS = Σ_u n_u (ȳ_u − ȳ)²,  withinSS = Σ (y − ȳ_u)²,  periodSS = Σ_t n_t (ȳ_t − ȳ)²
 *
 * betweenSS + withinSS = totalSS, so betweenShare = betweenSS / totalSS and withinShare = withinSS / totalSS add
 * up to 1; betweenShare is the R² of the outcome on unit indicators ("how much of the variance is between
 * authorities"), periodShare the R² on period indicators (common year effects). This is the one-way analysis of
 * variance (https://en.wikipedia.org/wiki/Partition_of_sums_of_squares); Stata's `xtsum` reports related but
 * different between and within standard deviations. In a balanced panel the period part lies inside the within
 * part (unit and period indicators are orthogonal); in an unbalanced one they overlap.
 *
 * Unit and period: `options.unit` and `options.period` together, or else the first pair of DEFAULT_PANEL_KEYS
 * that the header has (`la`/`year`, then `old_la_code`/`time_period`), or else no panel part. One of them alone
 * (no other is guessed) gives `singleKey` (its levels and rows per level) instead of the panel structure, and
 * the outcome's split by that column only: between and within units for a unit, the period share for a period,
 * with a note. Row numbers are
 * spreadsheet rows of `table` (record index + 2); for a table made by normaliseDfeTable they count the kept rows,
 * not the lines of the input file.
 *
 * @param table a parsed CSV (parseCsv), possibly normalised by normaliseDfeTable
 * @param options missing tokens, unit, period, outcome, and the DfE symbol counts
 * @throws {UsageError} unit and period are the same column
 * @throws {DataError} a named unit, period or outcome column is not in the header, or a named outcome has a
 *   cell that is not a number (the message names file, row and column)
 * @throws {InternalError} `dfeMissing` names a column not in the header, or counts more symbols than empty cells
 * @example
 * const result = describeTable(parseCsv(source), { missingTokens: ['-'] });
 * result.outcome?.betweenShare;
 * // 0.632 on the synthetic NAO panel: 63.2% of the variance of cpp_rate is between authorities
 */
export function describeTable(table: RawTable, options: DescribeOptions): DescribeResult {
  const extraTokens = [...new Set((options.missingTokens ?? []).map((token) => token.trim()))].filter(
    (token) => !DEFAULT_MISSING_TOKENS.includes(token),
  );
  const missing = new Set([...DEFAULT_MISSING_TOKENS, ...extraTokens]);
  const keys = describeKeys(table, options);
  checkDfeMissing(table, options.dfeMissing);

  const notes: string[] = [];
  const columns = table.header.map((name, index) =>
    describeColumn(table, index, missing, [...DEFAULT_MISSING_TOKENS, ...extraTokens], options.dfeMissing?.[name]),
  );

  // The outcome: a named one must be a numeric column (readPanel names the first cell that is not a number);
  // the default is used only when the header has it and it is not categorical.
  const outcomeName =
    options.outcome ?? (table.header.includes(DEFAULT_DESCRIBE_OUTCOME) ? DEFAULT_DESCRIBE_OUTCOME : undefined);
  let y: Float64Array | undefined;
  if (outcomeName === undefined) {
    notes.push(`no ${DEFAULT_DESCRIBE_OUTCOME} column: outcome variance split skipped (name an outcome to get it)`);
  } else if (options.outcome === undefined && columns[table.header.indexOf(outcomeName)]!.type === 'categorical') {
    notes.push(`${DEFAULT_DESCRIBE_OUTCOME} has cells that are not numbers: outcome variance split skipped`);
  } else {
    y = (
      readPanel(table, [{ name: outcomeName, kind: 'numeric' }], { missingTokens: extraTokens }).columns.get(
        outcomeName,
      ) as NumericColumn
    ).values;
  }

  const rows = table.records.length;
  if (keys === undefined) {
    const pairs = DEFAULT_PANEL_KEYS.map((k) => `${k.unit}/${k.period}`).join(' or ');
    notes.push(
      `no unit and period columns (${pairs}): panel structure${y ? ' and outcome variance split' : ''} skipped (name ` +
        `the unit and period columns to get ${y ? 'them' : 'it'})`,
    );
    return { file: table.file, rows, columns, panel: null, singleKey: null, outcome: null, notes };
  }
  const read = readPanel(
    table,
    [keys.unit, keys.period]
      .filter((name): name is string => name !== undefined)
      .map((name) => ({ name, kind: 'categorical' as const })),
    { missingTokens: extraTokens },
  );
  const unit = keys.unit === undefined ? null : (read.columns.get(keys.unit) as CategoricalColumn);
  const period = keys.period === undefined ? null : (read.columns.get(keys.period) as CategoricalColumn);
  let panel: PanelStructure | null = null;
  let singleKey: SingleKeyStructure | null = null;
  if (unit && period) {
    panel = panelStructure(table, unit, period, periodRanks(period.levels), keys.source);
    notes.push(...panelNotes(panel));
  } else {
    singleKey = singleKeyStructure(unit ?? period!, unit ? 'unit' : 'period');
    notes.push(singleKeyNote(singleKey, y !== undefined));
  }
  const outcome = y && outcomeName !== undefined ? outcomeVariance(outcomeName, y, unit, period) : null;
  if (outcome && (outcome.unit !== null ? outcome.betweenShare : outcome.periodShare) === null) {
    const present = [outcome.column, outcome.unit, outcome.period].filter((name): name is string => name !== null);
    notes.push(
      outcome.n === 0
        ? `${displayText(outcome.column)} has no complete rows ` +
            `(${andList(present.map((name) => displayText(name)))} ${present.length === 2 ? 'both' : 'all'} ` +
            'present): no variance to split'
        : `${displayText(outcome.column)} takes one value on all ${outcome.n} complete rows: no variance to split`,
    );
  }
  return { file: table.file, rows, columns, panel, singleKey, outcome, notes };
}

// ---------------------------------------------------------------------------------------------- options

/** The unit and period columns describe uses: as given (one alone is kept alone), or a default pair found by name. */
export interface DescribeKeys {
  readonly unit?: string;
  readonly period?: string;
  readonly source: 'options' | 'default';
}

/**
 * The unit and period columns of `table` under `options`: both as given, one as given (no other is guessed), or
 * the first pair of DEFAULT_PANEL_KEYS the header has; undefined when none is given or found.
 *
 * @throws {UsageError} unit and period are the same column
 */
export function describeKeys(
  table: RawTable,
  options: Pick<DescribeOptions, 'unit' | 'period'>,
): DescribeKeys | undefined {
  const { unit, period } = options;
  if (unit !== undefined && unit === period)
    throw new UsageError(`describeTable needs different unit and period columns (both are "${displayText(unit)}")`);
  if (unit !== undefined || period !== undefined) {
    return {
      ...(unit !== undefined ? { unit } : {}),
      ...(period !== undefined ? { period } : {}),
      source: 'options',
    };
  }
  const found = DEFAULT_PANEL_KEYS.find((k) => table.header.includes(k.unit) && table.header.includes(k.period));
  return found === undefined ? undefined : { ...found, source: 'default' };
}

/** `a`, `a and b`, `a, b and c`. */
function andList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function checkDfeMissing(table: RawTable, dfeMissing: DescribeOptions['dfeMissing']): void {
  if (dfeMissing === undefined) return;
  for (const column of Object.keys(dfeMissing)) {
    if (!table.header.includes(column)) {
      throw new InternalError(
        `describeTable: the DfE report names column "${displayText(column)}", which is not in ${table.file}`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------- columns

function describeColumn(
  table: RawTable,
  index: number,
  missing: ReadonlySet<string>,
  tokenOrder: readonly string[],
  dfe: Readonly<Record<string, number>> | undefined,
): ColumnDescription {
  const name = table.header[index]!;
  const tokenCounts = new Map<string, number>();
  const labelCounts = new Map<string, number>();
  const numbers: number[] = [];
  const firstNonNumeric: { row: number; value: string }[] = [];
  let values = 0;
  table.records.forEach((record, i) => {
    const cell = record[index] ?? '';
    const label = cell.trim();
    if (missing.has(label)) {
      tokenCounts.set(label, (tokenCounts.get(label) ?? 0) + 1);
      return;
    }
    values++;
    labelCounts.set(label, (labelCounts.get(label) ?? 0) + 1);
    const number = parseStrictNumber(cell);
    if (number === undefined) {
      if (firstNonNumeric.length < DESCRIBE_NON_NUMERIC_LISTED)
        firstNonNumeric.push({ row: rowNumber(i, table), value: cell });
    } else numbers.push(number);
  });
  const missingByToken = mergeDfe(name, table.file, tokenOrder, tokenCounts, dfe);
  const base = { name, values, missing: table.records.length - values, missingByToken };
  if (values === 0) return { ...base, type: 'empty' };
  if (numbers.length === values)
    return { ...base, type: 'numeric', min: min(numbers), median: median(numbers), max: max(numbers) };
  // Map iteration is insertion order and sort is stable: ties stay in order of first appearance.
  const top = [...labelCounts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, DESCRIBE_TOP_VALUES)
    .map(([value, count]) => ({ value, count }));
  const listed = numbers.length > 0 ? firstNonNumeric : [];
  return {
    ...base,
    type: 'categorical',
    distinct: labelCounts.size,
    top,
    numericCells: numbers.length,
    firstNonNumeric: listed,
  };
}

/** Missing counts in token order; the DfE symbols' cells are taken out of the empty-cell count. */
function mergeDfe(
  column: string,
  file: string,
  tokenOrder: readonly string[],
  tokenCounts: ReadonlyMap<string, number>,
  dfe: Readonly<Record<string, number>> | undefined,
): MissingCount[] {
  const out: MissingCount[] = tokenOrder.map((token) => ({
    token,
    count: tokenCounts.get(token) ?? 0,
    kind: token === '' ? ('empty' as const) : ('marker' as const),
  }));
  if (dfe !== undefined) {
    const known = Object.keys(DFE_SYMBOLS);
    const symbols = [
      ...known.filter((s) => Object.hasOwn(dfe, s)),
      ...Object.keys(dfe).filter((s) => !known.includes(s)),
    ];
    const blanked = symbols.reduce((sum, s) => sum + dfe[s]!, 0);
    const empty = out[0]!; // '' is always first (DEFAULT_MISSING_TOKENS)
    if (blanked > empty.count) {
      throw new InternalError(
        `describeTable: the DfE report counts ${blanked} symbol cells in column "${displayText(column)}" but ${file} ` +
          `has only ${empty.count} empty cells there`,
      );
    }
    out[0] = { ...empty, count: empty.count - blanked };
    for (const symbol of symbols) out.push({ token: symbol, count: dfe[symbol]!, kind: 'dfe-symbol' });
  }
  return out.filter((m) => m.count > 0);
}

// ---------------------------------------------------------------------------------------------- panel

/** Natural text order: LA2 before LA10. */
const naturalCompare = (a: string, b: string): number =>
  a.localeCompare(b, 'en', { numeric: true }) || (a < b ? -1 : a > b ? 1 : 0);

interface PeriodRank {
  /** rank[code] = position of level `code` in time (or text) order. */
  readonly rank: Int32Array;
  readonly sorted: readonly string[];
  readonly order: 'time' | 'text';
}

function periodRanks(levels: readonly string[]): PeriodRank {
  let order: 'time' | 'text' = 'time';
  let sorted: string[];
  try {
    const time = new Map(levels.map((label) => [label, timePeriodOrder(label)]));
    sorted = [...levels].sort((a, b) => time.get(a)! - time.get(b)! || naturalCompare(a, b));
  } catch (error) {
    if (!(error instanceof DataError)) throw error;
    order = 'text';
    sorted = [...levels].sort(naturalCompare);
  }
  const position = new Map(sorted.map((label, i) => [label, i]));
  return { rank: Int32Array.from(levels, (label) => position.get(label)!), sorted, order };
}

function panelStructure(
  table: RawTable,
  unit: CategoricalColumn,
  period: CategoricalColumn,
  periods: PeriodRank,
  source: 'options' | 'default',
): PanelStructure {
  const T = periods.sorted.length;
  // rowsByKey: key (unit code × T + period rank) → record indices, in order of first row.
  const rowsByKey = new Map<number, number[]>();
  let rows = 0;
  for (let i = 0; i < table.records.length; i++) {
    const u = unit.codes[i]!;
    const p = period.codes[i]!;
    if (u < 0 || p < 0) continue;
    rows++;
    const key = u * T + periods.rank[p]!;
    const list = rowsByKey.get(key);
    if (list === undefined) rowsByKey.set(key, [i]);
    else list.push(i);
  }
  const observed = unit.levels.map(() => new Uint8Array(T));
  const duplicated: { unit: string; period: string; rows: number[] }[] = [];
  let duplicateRows = 0;
  for (const [key, list] of rowsByKey) {
    const u = Math.floor(key / T);
    const t = key % T;
    observed[u]![t] = 1;
    if (list.length > 1) {
      duplicateRows += list.length - 1;
      duplicated.push({
        unit: unit.levels[u]!,
        period: periods.sorted[t]!,
        rows: list.map((i) => rowNumber(i, table)),
      });
    }
  }
  duplicated.sort((a, b) => a.rows[0]! - b.rows[0]!);
  const unitOrder = unit.levels
    .map((label, code) => ({ label, code }))
    .sort((a, b) => naturalCompare(a.label, b.label));
  const perUnit = observed.map((seen) => seen.reduce((sum, v) => sum + v, 0));
  const counts = new Map<number, number>();
  for (const k of perUnit) counts.set(k, (counts.get(k) ?? 0) + 1);
  const incompleteUnits = unitOrder
    .filter(({ code }) => perUnit[code]! < T)
    .map(({ label, code }) => ({
      unit: label,
      observed: perUnit[code]!,
      missingPeriods: periods.sorted.filter((_, t) => observed[code]![t] === 0),
    }));
  const gaps = unit.levels.length * T - rowsByKey.size;
  const hasUnits = perUnit.length > 0;
  return {
    unit: unit.name,
    period: period.name,
    source,
    units: unit.levels.length,
    periods: periods.sorted,
    order: periods.order,
    rows,
    rowsMissingKey: table.records.length - rows,
    balanced: hasUnits && gaps === 0 && duplicated.length === 0,
    gaps,
    periodsPerUnit: {
      min: hasUnits ? min(perUnit) : 0,
      median: hasUnits ? median(perUnit) : 0,
      max: hasUnits ? max(perUnit) : 0,
      counts: [...counts].sort((a, b) => a[0] - b[0]).map(([k, units]) => ({ periods: k, units })),
    },
    incompleteUnits,
    duplicateKeys: duplicated.length,
    duplicateRows,
    duplicates: duplicated.slice(0, DESCRIBE_DUPLICATES_LISTED),
  };
}

function panelNotes(panel: PanelStructure): string[] {
  const notes: string[] = [];
  const keys = `${displayText(panel.unit)} × ${displayText(panel.period)}`;
  if (panel.rowsMissingKey > 0) {
    notes.push(
      `${panel.rowsMissingKey} row${panel.rowsMissingKey === 1 ? ' has' : 's have'} no ${displayText(panel.unit)} ` +
        `or ${displayText(panel.period)} and ${panel.rowsMissingKey === 1 ? 'is' : 'are'} left out of the ` +
        'panel structure',
    );
  }
  if (panel.incompleteUnits.length > 0) {
    notes.push(
      `unbalanced panel: ${panel.incompleteUnits.length} of ${panel.units} units lack at least one of ` +
        `the ${panel.periods.length} periods (${panel.gaps} ${keys} cells empty)`,
    );
  }
  if (panel.duplicateKeys > 0) {
    notes.push(
      `${panel.duplicateKeys} ${keys} key${panel.duplicateKeys === 1 ? ' is' : 's are'} on more than one row ` +
        `(${panel.duplicateRows} extra row${panel.duplicateRows === 1 ? '' : 's'}): check for repeated or stacked data`,
    );
  }
  return notes;
}

function singleKeyStructure(column: CategoricalColumn, role: 'unit' | 'period'): SingleKeyStructure {
  const counts = new Array<number>(column.levels.length).fill(0);
  let rows = 0;
  for (const code of column.codes) {
    if (code < 0) continue;
    counts[code]!++;
    rows++;
  }
  const has = counts.length > 0;
  return {
    column: column.name,
    role,
    levels: column.levels.length,
    rows,
    rowsMissingKey: column.codes.length - rows,
    rowsPerLevel: { min: has ? min(counts) : 0, median: has ? median(counts) : 0, max: has ? max(counts) : 0 },
  };
}

function singleKeyNote(key: SingleKeyStructure, outcome: boolean): string {
  const other = key.role === 'unit' ? 'period' : 'unit';
  const split = !outcome
    ? ''
    : key.role === 'unit'
      ? `; the outcome's variance is split between and within ${displayText(key.column)} only`
      : `; of the outcome's variance, only the share of the ${displayText(key.column)} means is shown`;
  return (
    `only a ${key.role} column (${displayText(key.column)}) was named: the unit × period panel structure needs ` +
    `a ${other} column too (--${other})${split}`
  );
}

// ---------------------------------------------------------------------------------------------- outcome

function outcomeVariance(
  column: string,
  y: Float64Array,
  unit: CategoricalColumn | null,
  period: CategoricalColumn | null,
): OutcomeVariance {
  const rows: number[] = [];
  for (let i = 0; i < y.length; i++)
    if (!Number.isNaN(y[i]!) && (unit === null || unit.codes[i]! >= 0) && (period === null || period.codes[i]! >= 0))
      rows.push(i);
  const n = rows.length;
  let sum = 0;
  for (const i of rows) sum += y[i]!;
  const mean = n > 0 ? sum / n : Number.NaN;
  const byUnit = unit && groupMeans(rows, y, unit);
  const byPeriod = period && groupMeans(rows, y, period);
  let totalSS = 0;
  let withinSS = 0;
  for (const i of rows) {
    totalSS += (y[i]! - mean) ** 2;
    if (unit && byUnit) withinSS += (y[i]! - byUnit.mean[unit.codes[i]!]!) ** 2;
  }
  const betweenOf = (g: GroupMeans) =>
    g.count.reduce((ss, c, k) => (c > 0 ? ss + c * (g.mean[k]! - mean) ** 2 : ss), 0);
  const betweenSS = byUnit && betweenOf(byUnit);
  const periodSS = byPeriod && betweenOf(byPeriod);
  // Exact test: a constant outcome leaves rounding noise in totalSS, which must not be split.
  const varies = rows.some((i) => y[i] !== y[rows[0]!]);
  const share = (ss: number | null) => (varies && ss !== null ? ss / totalSS : null);
  const levels = (g: GroupMeans | null) => (g === null ? null : g.count.reduce((k, c) => (c > 0 ? k + 1 : k), 0));
  return {
    column,
    unit: unit?.name ?? null,
    period: period?.name ?? null,
    n,
    droppedRows: y.length - n,
    units: levels(byUnit),
    periods: levels(byPeriod),
    mean: n > 0 ? mean : null,
    totalSS,
    betweenSS,
    withinSS: unit ? withinSS : null,
    periodSS,
    betweenShare: share(betweenSS),
    withinShare: share(unit ? withinSS : null),
    periodShare: share(periodSS),
  };
}

interface GroupMeans {
  readonly mean: Float64Array;
  readonly count: Float64Array;
}

/** Mean and row count of y per level of a categorical column, over the given rows (mean 0 for an unseen level). */
function groupMeans(rows: readonly number[], y: Float64Array, column: CategoricalColumn): GroupMeans {
  const sum = new Float64Array(column.levels.length);
  const count = new Float64Array(column.levels.length);
  for (const i of rows) {
    const g = column.codes[i]!;
    sum[g] = sum[g]! + y[i]!;
    count[g] = count[g]! + 1;
  }
  return { mean: sum.map((s, g) => (count[g]! > 0 ? s / count[g]! : 0)), count };
}
