/**
 * Summaries of numeric columns by category: for each level of a categorical column (an Ofsted rating, a region),
 * each column's n, mean, standard deviation, median, quartiles, range and a t confidence interval of the mean;
 * and per column how much of its variance lies between the categories (η², with the one-way analysis of variance
 * F test) and Welch's test, which does not assume equal variances. The comparison the National Audit Office made
 * in 2016 of caseloads, agency-worker rates and vacancy rates across authorities grouped by Ofsted rating.
 *
 * Pure: a parsed table in, numbers out. Every number is checked against R (scripts/reference/
 * make-describe-by-reference.R: `tapply`, `quantile(type = 7)`, `t.test`, `aov`, `oneway.test`).
 */
import { InternalError, ParameterError } from '../errors.js';
import { displayText, type RawTable } from '../io/csv.js';
import {
  DEFAULT_MISSING_TOKENS,
  parseStrictNumber,
  readPanel,
  type CategoricalColumn,
  type NumericColumn,
} from '../io/panel.js';
import { fUpperP, tQuantileOf } from '../models/fit/distributions.js';
import { groupThousands } from '../groupThousands.js';

/** Confidence level of the intervals of the means. */
const BY_CATEGORY_LEVEL = 0.95;

/** The most categories `--by` accepts: more means a column of labels that are nearly all different (a name, an id). */
export const MAX_CATEGORIES = 250;

/** How the quartiles are computed, in words, for every output. */
const QUANTILE_DEFINITION =
  "R's default quantile (type 7, Hyndman & Fan 1996): linear interpolation between order statistics, " +
  'at position 1 + (n − 1)p';

export interface ByCategoryOptions {
  /** The categorical column; its trimmed labels are the categories. */
  readonly by: string;
  /** The numeric columns to summarise; default: every numeric column other than `by` and `exclude`. */
  readonly columns?: readonly string[];
  /** Columns left out of the default list (the unit and period columns). */
  readonly exclude?: readonly string[];
  /** Extra cell values that mean "missing", in addition to DEFAULT_MISSING_TOKENS; compared trimmed. */
  readonly missingTokens?: readonly string[];
}

/** Summary of one set of values. Everything but n is null when n is 0; sd, se and the interval when n < 2. */
export interface Summary {
  readonly n: number;
  readonly mean: number | null;
  /** Sample standard deviation (divisor n − 1), as R's `sd`. */
  readonly sd: number | null;
  /** Standard error of the mean, sd / √n. */
  readonly se: number | null;
  readonly median: number | null;
  /** Lower and upper quartiles, QUANTILE_DEFINITION (R's `quantile(x, c(0.25, 0.75))`). */
  readonly q1: number | null;
  readonly q3: number | null;
  readonly min: number | null;
  readonly max: number | null;
  /** mean ∓ t(1 − α/2; n − 1) · se, as R's `t.test(x)$conf.int`. */
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
}

/** One category's summary of one column. */
export interface CategorySummary extends Summary {
  readonly category: string;
  /** Rows of the category where the column is missing (left out). */
  readonly missing: number;
}

/** One-way analysis of variance of a column on the categories, as R's `aov(y ~ category)`. */
export interface OneWayAnova {
  /** Categories with at least one value. */
  readonly groups: number;
  /** Σ_g n_g (ȳ_g − ȳ)². */
  readonly ssBetween: number;
  /** Σ (y − ȳ_g)². */
  readonly ssWithin: number;
  /** Σ (y − ȳ)² = ssBetween + ssWithin. */
  readonly ssTotal: number;
  /**
   * ssBetween / ssTotal: the share of the variance between categories (the R² on category indicators). Null when the
   * column takes one value.
   */
  readonly eta2: number | null;
  /** (ssBetween / df1) / (ssWithin / df2); null when df2 is 0 or ssWithin is 0 (no variation within categories). */
  readonly f: number | null;
  /** groups − 1. */
  readonly df1: number;
  /** n − groups. */
  readonly df2: number;
  /** P(F(df1, df2) ≥ f); null with f. */
  readonly p: number | null;
}

/**
 * Welch's (1951) test of equal means without equal variances, as R's `oneway.test(y ~ category, var.equal = FALSE)`.
 */
export interface WelchTest {
  readonly f: number;
  readonly df1: number;
  /** Not a whole number: 1 / (3 Σ (1 − w_g/W)² / (n_g − 1) / (k² − 1)). */
  readonly df2: number;
  readonly p: number;
}

/** One column summarised by category. */
export interface ColumnByCategory {
  readonly column: string;
  /** Values used: rows with a category and a value. */
  readonly n: number;
  /** Rows with a category but no value (left out). */
  readonly missing: number;
  /** One per category, in category order; a category with no value of this column has n 0. */
  readonly groups: readonly CategorySummary[];
  /** All the values used, whatever their category. */
  readonly overall: Summary;
  /** Null when fewer than two categories have a value (see notes). */
  readonly anova: OneWayAnova | null;
  /**
   * Null when a category has fewer than two values or no variation, or fewer than two categories have values (see
   * notes).
   */
  readonly welch: WelchTest | null;
  /** What was left out and why a number is missing. */
  readonly notes: readonly string[];
}

export interface DescribeByResult {
  readonly file: string;
  /** The category column. */
  readonly by: string;
  /** Data rows of the table. */
  readonly rows: number;
  /** Rows whose category is missing: left out of everything. */
  readonly rowsMissingCategory: number;
  /** The categories in natural text order (LA2 before LA10), with their row counts. */
  readonly categories: readonly { readonly category: string; readonly rows: number }[];
  /** Confidence level of the intervals (0.95). */
  readonly level: number;
  /** QUANTILE_DEFINITION. */
  readonly quantiles: string;
  /** Whether the columns were named (`options`) or every numeric column was taken (`default`). */
  readonly columnSource: 'options' | 'default';
  readonly columns: readonly ColumnByCategory[];
  /** Remarks that concern every column (rows without a category, columns left out of the default list). */
  readonly notes: readonly string[];
}

/**
 * Summarise numeric columns by the categories of `options.by`.
 *
 * Per category and column: n (values present), mean, sd (n − 1), median and quartiles (QUANTILE_DEFINITION),
 * min, max, and mean ± t(0.975; n − 1)·sd/√n. A category with one value has no sd or interval; one with none has
 * only n = 0. Missing cells are left out column by column (a row missing one column still counts in the others),
 * and counted. Rows with no category are left out of everything, and counted.
 *
 * Per column, over the categories that have values (k of them, N values): the one-way analysis of variance,
 *
 *     SS_between = Σ_g n_g (ȳ_g − ȳ)²,  SS_within = Σ_g Σ_i (y_gi − ȳ_g)²,  η² = SS_between / SS_total,
 *     F = (SS_between / (k − 1)) / (SS_within / (N − k)),  p = P(F(k − 1, N − k) ≥ F),
 *
 * and Welch's test (Welch 1951; R's `oneway.test`), with w_g = n_g / s_g², W = Σ w_g, m = Σ w_g ȳ_g / W,
 * λ = Σ (1 − w_g/W)² / (n_g − 1) / (k² − 1):
 *
 *     F_W = Σ w_g (ȳ_g − m)² / ((k − 1)(1 + 2(k − 2)λ)),  df1 = k − 1,  df2 = 1 / (3λ),
 *
 * which needs two values and some variation in every category (else null, with a note saying which category).
 *
 * @param table a parsed CSV (parseCsv), possibly normalised by normaliseDfeTable
 * @throws {DataError} `by` or a named column is not in the header; a named column has a cell that is not a number
 * @throws {ParameterError} `columns` names the `by` column; no numeric column is left to summarise; too many categories
 * @example
 * const result = describeByCategory(table, { by: 'region_name', columns: ['caseload_fte'] });
 * result.columns[0]!.anova?.eta2; // the share of the variance of caseloads between regions
 */
export function describeByCategory(table: RawTable, options: ByCategoryOptions): DescribeByResult {
  const extraTokens = [...new Set((options.missingTokens ?? []).map((token) => token.trim()))].filter(
    (token) => !DEFAULT_MISSING_TOKENS.includes(token),
  );
  const by = readPanel(table, [{ name: options.by, kind: 'categorical' }], { missingTokens: extraTokens }).columns.get(
    options.by,
  ) as CategoricalColumn;
  if (by.levels.length > MAX_CATEGORIES) {
    throw new ParameterError(
      'by',
      `${displayText(options.by)} has ${groupThousands(by.levels.length)} distinct values; ` +
        `summaries by category are for at most ${MAX_CATEGORIES} categories (is it a name or an identifier?)`,
    );
  }
  const notes: string[] = [];
  const { names, source } = columnsToSummarise(table, options, extraTokens, notes);
  const values = readPanel(
    table,
    names.map((name) => ({ name, kind: 'numeric' as const })),
    { missingTokens: extraTokens },
  ).columns;

  // Categories in natural order; order[g] is the position of level g.
  const sorted = by.levels.map((label, code) => ({ label, code })).sort((a, b) => naturalCompare(a.label, b.label));
  const position = new Int32Array(by.levels.length);
  sorted.forEach(({ code }, i) => {
    position[code] = i;
  });
  const rowsPer = new Array<number>(sorted.length).fill(0);
  let rowsMissingCategory = 0;
  for (const code of by.codes) {
    if (code < 0) rowsMissingCategory++;
    else rowsPer[position[code]!]!++;
  }
  const categories = sorted.map(({ label }, i) => ({ category: label, rows: rowsPer[i]! }));
  if (rowsMissingCategory > 0) {
    notes.push(
      `${rowsMissingCategory} row${rowsMissingCategory === 1 ? ' has' : 's have'} no ${displayText(options.by)} ` +
        `and ${rowsMissingCategory === 1 ? 'is' : 'are'} left out`,
    );
  }
  if (categories.length === 0) notes.push(`${displayText(options.by)} has no values: nothing to summarise`);

  const columns = names.map((name) => {
    const y = (values.get(name) as NumericColumn).values;
    const groups: number[][] = categories.map(() => []);
    const missingPer = new Array<number>(categories.length).fill(0);
    for (let i = 0; i < y.length; i++) {
      const code = by.codes[i]!;
      if (code < 0) continue;
      const g = position[code]!;
      if (Number.isNaN(y[i]!)) missingPer[g]!++;
      else groups[g]!.push(y[i]!);
    }
    return summariseColumn(name, categories, groups, missingPer);
  });

  return {
    file: table.file,
    by: options.by,
    rows: table.records.length,
    rowsMissingCategory,
    categories,
    level: BY_CATEGORY_LEVEL,
    quantiles: QUANTILE_DEFINITION,
    columnSource: source,
    columns,
    notes,
  };
}

// ---------------------------------------------------------------------------------------------- columns

/** The named columns (checked), or every numeric column but `by` and the excluded ones. */
function columnsToSummarise(
  table: RawTable,
  options: ByCategoryOptions,
  extraTokens: readonly string[],
  notes: string[],
): { names: readonly string[]; source: 'options' | 'default' } {
  if (options.columns !== undefined) {
    const names = [...new Set(options.columns)];
    if (names.includes(options.by)) {
      throw new ParameterError(
        'columns',
        `${JSON.stringify(displayText(options.by))} is the category column (--by); ` +
          'name the numeric columns to summarise',
      );
    }
    return { names, source: 'options' };
  }
  const missing = new Set([...DEFAULT_MISSING_TOKENS, ...extraTokens]);
  const excluded = new Set([options.by, ...(options.exclude ?? [])]);
  const names = table.header.filter((name, index) => !excluded.has(name) && isNumericColumn(table, index, missing));
  const left = [...excluded].filter((name) => name !== options.by && table.header.includes(name));
  if (names.length === 0) {
    throw new ParameterError(
      'columns',
      `${table.file} has no numeric column ` +
        `besides ${[options.by, ...left].map((name) => displayText(name)).join(', ')}; ` +
        'name the columns to summarise with --columns',
    );
  }
  if (left.length > 0)
    notes.push(
      'columns: every numeric column but the unit and period columns ' +
        `(${left.map((name) => displayText(name)).join(', ')})`,
    );
  return { names, source: 'default' };
}

/** Every non-missing cell is a number, and there is at least one. */
function isNumericColumn(table: RawTable, index: number, missing: ReadonlySet<string>): boolean {
  let values = 0;
  for (const record of table.records) {
    const cell = record[index] ?? '';
    if (missing.has(cell.trim())) continue;
    if (parseStrictNumber(cell) === undefined) return false;
    values++;
  }
  return values > 0;
}

/** Natural text order: LA2 before LA10. */
const naturalCompare = (a: string, b: string): number =>
  a.localeCompare(b, 'en', { numeric: true }) || (a < b ? -1 : a > b ? 1 : 0);

function summariseColumn(
  name: string,
  categories: readonly { readonly category: string }[],
  groups: readonly (readonly number[])[],
  missingPer: readonly number[],
): ColumnByCategory {
  const column = displayText(name);
  const notes: string[] = [];
  const summaries = categories.map(({ category }, g) => ({
    category,
    missing: missingPer[g]!,
    ...summarise(groups[g]!),
  }));
  const missing = missingPer.reduce((sum, m) => sum + m, 0);
  const all = groups.flat();
  if (missing > 0)
    notes.push(
      `${missing} missing ${column} cell${missing === 1 ? '' : 's'} left out (of ${all.length + missing} rows ` +
        'with a category)',
    );
  const empty = summaries.filter((s) => s.n === 0).map((s) => quoted(s.category));
  if (empty.length > 0)
    notes.push(`${listed(empty)} ${empty.length === 1 ? 'has' : 'have'} no ${column} values: left out of the tests`);
  const single = summaries.filter((s) => s.n === 1).map((s) => quoted(s.category));
  if (single.length > 0)
    notes.push(
      `${listed(single)} ${single.length === 1 ? 'has' : 'have'} one ${column} value: no SD or confidence interval`,
    );

  const used = groups.filter((values) => values.length > 0);
  const anova = oneWayAnova(used);
  if (anova === null) {
    notes.push(`fewer than two categories have ${column} values: no analysis of variance or Welch test`);
  } else if (anova.eta2 === null) {
    notes.push(`${column} takes one value: no variance to split, no F test`);
  } else if (anova.f === null) {
    notes.push(
      anova.df2 === 0
        ? `every category has one ${column} value: no within-category variance, no F test`
        : `${column} is constant within every category: F is infinite, not reported`,
    );
  }
  let welch: WelchTest | null = null;
  if (anova !== null) {
    const named = summaries.filter((s) => s.n > 0);
    const few = named.filter((s) => s.n < 2).map((s) => quoted(s.category));
    const flat = named.filter((s) => s.n >= 2 && s.sd === 0).map((s) => quoted(s.category));
    if (few.length > 0)
      notes.push(
        `Welch's test needs at least 2 ${column} values in every ` +
          `category: ${listed(few)} ${few.length === 1 ? 'has' : 'have'} 1`,
      );
    else if (flat.length > 0)
      notes.push(
        `Welch's test needs some variation within every category: every ${column} value of ${listed(flat)} is the same`,
      );
    else welch = welchTest(used);
  }
  return { column: name, n: all.length, missing, groups: summaries, overall: summarise(all), anova, welch, notes };
}

const quoted = (label: string): string => JSON.stringify(displayText(label, 40));

/** `"a"`, `"a" and "b"`, `"a", "b" and 3 more`. */
function listed(items: readonly string[]): string {
  if (items.length === 1) return items[0]!;
  if (items.length <= 3) return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
  return `${items.slice(0, 2).join(', ')} and ${items.length - 2} more`;
}

// ---------------------------------------------------------------------------------------------- statistics

/**
 * The mean as R's `mean`: the sum divided by n, then corrected by the mean of the deviations from it (which
 * recovers most of the rounding of the first pass).
 */
function meanOf(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  const first = sum / values.length;
  let correction = 0;
  for (const v of values) correction += v - first;
  return first + correction / values.length;
}

/**
 * The p-quantile of sorted values by R's type 7 (its default): h = 1 + (n − 1)p, then
 * (1 − (h − ⌊h⌋))·x₍⌊h⌋₎ + (h − ⌊h⌋)·x₍⌈h⌉₎, written as R writes it so that the results agree to the last bit.
 */
export function quantileType7(sorted: readonly number[], p: number): number {
  const index = 1 + (sorted.length - 1) * p;
  const lo = Math.floor(index);
  const hi = Math.ceil(index);
  const low = sorted[lo - 1]!;
  const high = sorted[hi - 1]!;
  if (!(index > lo) || high === low) return low;
  const h = index - lo;
  return (1 - h) * low + h * high;
}

/** n, mean, sd, quartiles, range and the t interval of the mean (BY_CATEGORY_LEVEL) of some values. */
export function summarise(values: readonly number[]): Summary {
  const n = values.length;
  if (n === 0) {
    return {
      n,
      mean: null,
      sd: null,
      se: null,
      median: null,
      q1: null,
      q3: null,
      min: null,
      max: null,
      ciLow: null,
      ciHigh: null,
    };
  }
  const sorted = [...values].sort((a, b) => a - b);
  const mean = meanOf(values);
  const half = Math.floor(n / 2);
  const median = n % 2 === 1 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
  const order = { median, q1: quantileType7(sorted, 0.25), q3: quantileType7(sorted, 0.75) };
  const range = { min: sorted[0]!, max: sorted[n - 1]! };
  if (n < 2) return { n, mean, sd: null, se: null, ...order, ...range, ciLow: null, ciHigh: null };
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  const sd = Math.sqrt(ss / (n - 1));
  const se = sd / Math.sqrt(n);
  const t = tQuantileOf(1 - (1 - BY_CATEGORY_LEVEL) / 2, n - 1);
  return { n, mean, sd, se, ...order, ...range, ciLow: mean - t * se, ciHigh: mean + t * se };
}

/** The one-way analysis of variance over groups that each have at least one value; null for fewer than two groups. */
export function oneWayAnova(groups: readonly (readonly number[])[]): OneWayAnova | null {
  const k = groups.length;
  if (k < 2) return null;
  const all = groups.flat();
  const n = all.length;
  const grand = meanOf(all);
  let ssTotal = 0;
  for (const v of all) ssTotal += (v - grand) ** 2;
  let ssBetween = 0;
  let ssWithin = 0;
  for (const values of groups) {
    const mean = meanOf(values);
    ssBetween += values.length * (mean - grand) ** 2;
    for (const v of values) ssWithin += (v - mean) ** 2;
  }
  const df1 = k - 1;
  const df2 = n - k;
  // Exact tests: a constant column, or one constant within each category, leaves rounding noise in the sums.
  const varies = all.some((v) => v !== all[0]);
  const variesWithin = groups.some((values) => values.some((v) => v !== values[0]));
  const f = varies && variesWithin && df2 > 0 ? ssBetween / df1 / (ssWithin / df2) : null;
  return {
    groups: k,
    ssBetween,
    ssWithin,
    ssTotal,
    eta2: varies ? ssBetween / ssTotal : null,
    f,
    df1,
    df2,
    p: f === null ? null : fUpperP(f, df1, df2),
  };
}

/**
 * Welch's heteroscedastic one-way test (R's `oneway.test(var.equal = FALSE)`), over groups that each have at
 * least two values and a nonzero variance.
 *
 * @throws {InternalError} fewer than two groups, or a group with fewer than two values or no variance (callers check)
 */
export function welchTest(groups: readonly (readonly number[])[]): WelchTest {
  const k = groups.length;
  if (k < 2) throw new InternalError('welchTest needs at least two groups');
  const stats = groups.map((values) => {
    const n = values.length;
    const mean = meanOf(values);
    let ss = 0;
    for (const v of values) ss += (v - mean) ** 2;
    const variance = ss / (n - 1);
    if (!(n >= 2 && variance > 0))
      throw new InternalError('welchTest needs two values and some variance in every group');
    return { n, mean, w: n / variance };
  });
  const sumW = stats.reduce((sum, s) => sum + s.w, 0);
  const lambda = stats.reduce((sum, s) => sum + (1 - s.w / sumW) ** 2 / (s.n - 1), 0) / (k * k - 1);
  const m = stats.reduce((sum, s) => sum + s.w * s.mean, 0) / sumW;
  const between = stats.reduce((sum, s) => sum + s.w * (s.mean - m) ** 2, 0);
  const f = between / ((k - 1) * (1 + 2 * (k - 2) * lambda));
  const df1 = k - 1;
  const df2 = 1 / (3 * lambda);
  return { f, df1, df2, p: fUpperP(f, df1, df2) };
}
