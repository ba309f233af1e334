import { ModelError, ParameterError } from '../../errors.js';
import { fUpperP, tQuantileOf, tTwoSidedP } from './distributions.js';
import { fitLeastSquares, fitLeastSquaresWithoutCovariance, type LeastSquaresFit } from '../linalg/leastSquares.js';
import { scalesOf, type FixedEffectGroupData, type ModelData, type ModelScales } from '../design/modelData.js';
import { rowTransform } from '../engines/subsetFit.js';
import { ldexp, scaledNorm } from '../linalg/scaling.js';
import { DEFAULT_RANK_TOLERANCE } from '../linalg/qr.js';

/** One row of the coefficient table; numbers are null for an aliased (not estimable) term. */
export interface CoefficientRow {
  readonly term: string;
  readonly estimate: number | null;
  readonly stdError: number | null;
  readonly t: number | null;
  readonly p: number | null;
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
  /** Variance inflation factor 1/(1 − R²_j); null for the intercept, aliased terms and models without intercept. */
  readonly vif: number | null;
  readonly aliased: boolean;
}

export interface FitOptions {
  /** Include an intercept (default true); only models without fixed effects may leave it out. */
  readonly intercept?: boolean;
  /** Use cluster-robust (CR1) standard errors over `data.cluster`. */
  readonly clustered?: boolean;
  /** Also estimate the fixed-effect coefficients with R's treatment contrasts (first level, sorted, as baseline). */
  readonly fixedEffectCoefficients?: boolean;
  /** Confidence level of the intervals (default 0.95). */
  readonly level?: number;
  /**
   * Which K the cluster-robust small-sample factor (N − 1)/(N − K) uses (default "lm"): "lm" counts every
   * parameter of the dummy-variable regression, as sandwich::vcovCL(type = "HC1") on lm(); "nested" leaves out
   * the fixed effects nested in the clusters, as fixest's default `ssc(fixef.K = "nested")`.
   */
  readonly ssc?: SmallSampleRule;
  /**
   * Rank tolerance of the QR (R's `lm(tol =)`, default 1e-7): a column is aliased when the part of it not explained
   * by the columns before it has a norm below tolerance × its own norm.
   */
  readonly rankTolerance?: number;
}

/** How the cluster-robust small-sample factor counts the fixed effects: see `FitOptions.ssc`. */
export { SMALL_SAMPLE_RULES, type SmallSampleRule } from './smallSample.js';
import type { SmallSampleRule } from './smallSample.js';

/** An OLS fit with fixed effects absorbed, as a plain report. */
export interface FitResult {
  readonly outcome: string;
  readonly n: number;
  readonly droppedRows: number;
  /** Rows each model column alone makes incomplete (see `completeCases`). */
  readonly missingAlone?: Readonly<Record<string, number>>;
  /** Number of estimated parameters: rank of the full design including intercept and fixed-effect indicators. */
  readonly k: number;
  readonly dfResidual: number;
  /** Residual standard error √(RSS / dfResidual). */
  readonly sigma: number;
  /**
   * Residual (weighted) sum of squares in the units of the data read; +Infinity when it exceeds the double range
   * (an outcome above about 1e154). Every other statistic is computed without forming it in those units.
   */
  readonly rss: number;
  /** 1 − RSS/TSS; TSS centred when the model has an intercept or fixed effects, Σy² otherwise (as R's lm). */
  readonly r2: number;
  /** 1 − (1 − R²)(n − i)/dfResidual, i = 1 with an intercept, 0 without. */
  readonly adjR2: number;
  /** 1 − RSS / RSS(fixed effects only); null without fixed effects. */
  readonly withinR2: number | null;
  readonly f: number;
  readonly fDf: readonly [number, number];
  readonly fP: number;
  readonly intercept: boolean;
  readonly coefficients: readonly CoefficientRow[];
  readonly se: 'classical' | 'cluster';
  readonly clusters?: { readonly column: string; readonly count: number; readonly df: number };
  /**
   * With cluster-robust standard errors: the rule for K in the small-sample factor G/(G − 1)·(N − 1)/(N − K), the K
   * it gives, and the fixed effects (by group name) nested in the clusters, which the "nested" rule leaves out.
   */
  readonly smallSample?: { readonly rule: SmallSampleRule; readonly k: number; readonly nested: readonly string[] };
  /** The QR rank tolerance the fit used (absent: the default, 1e-7). */
  readonly rankTolerance?: number;
  readonly fixedEffects: readonly { readonly name: string; readonly column: string; readonly levels: number }[];
  readonly fixedEffectCoefficients?: readonly { readonly term: string; readonly estimate: number | null }[];
  readonly level: number;
  readonly notes: readonly string[];
}

/**
 * Ordinary least squares of y on the numeric predictors with the fixed effects absorbed (Frisch–Waugh–Lovell):
 * the fixed effect with most levels is removed by within-demeaning, any other enters as demeaned indicators,
 * and the rest is solved by `fitLeastSquares` (equilibrated QR with iterative refinement). Numeric coefficients,
 * residuals and every statistic equal those of R's `lm` on factor dummies.
 *
 * With weights, every row is scaled by √w after weighted demeaning (WLS, as R's lm(weights = w)); sums of squares
 * and R² are weighted. Classical: Var(b) = σ² (X̃'X̃)⁻¹, σ² = RSS/(n − K). Cluster-robust CR1:
 * Var(b) = G/(G−1) · (N−1)/(N−K) · (X̃'X̃)⁻¹ [Σ_g X̃_g' e_g e_g' X̃_g] (X̃'X̃)⁻¹, with t on G − 1 df, where K is the
 * rank of the whole dummy-variable design (`ssc: 'lm'`, R's sandwich::vcovCL(type = "HC1") on lm(), Stata's
 * `regress … i.fe, vce(cluster)`), or that less the levels − 1 of each fixed effect nested in the clusters
 * (`ssc: 'nested'`, fixest's default `ssc(fixef.K = "nested")`, Stata's `xtreg, fe vce(cluster)`): a fixed effect
 * is nested when every one of its levels lies within one cluster. The rank test of the QR uses `rankTolerance`
 * (R's lm(tol =), default 1e-7), also for a column that absorbing the fixed effects reduced to rounding noise.
 * VIF_j = 1/(1 − R²_j) = [(X̃'X̃)⁻¹]_jj · Σ(x_j − x̄_j)², R²_j from x_j on all other terms.
 *
 * The data arrive equilibrated (`equilibrate`: y, each numeric column x_j and the weights stored times 2^−E_y,
 * 2^−E_j, 2^−E_w), and the whole fit is computed in those units, where nothing overflows; the results are then
 * unscaled exactly: b_j and its standard error and interval × 2^(E_y − E_j) (the intercept and fixed-effect
 * coefficients × 2^E_y), σ × 2^(E_y + E_w/2), RSS × 2^(2E_y + E_w); R², F, t, p and VIF are unit-free. A
 * result that would exceed the double range in the caller's units is refused (ModelError naming the column).
 *
 * References: Greene, Econometric Analysis (8th ed.) §3.3, §4.5, §11.3; Cameron & Miller (2015), "A
 * practitioner's guide to cluster-robust inference", J. Human Resources 50(2):317–372.
 */
export function fitModel(data: ModelData, options: FitOptions = {}): FitResult {
  const intercept = options.intercept ?? true;
  const level = options.level ?? 0.95;
  const tolerance = options.rankTolerance ?? DEFAULT_RANK_TOLERANCE;
  if (!(tolerance > 0 && tolerance < 1))
    throw new ParameterError('rankTolerance', `${tolerance} is not a tolerance; it must lie between 0 and 1`);
  const fixed = data.groups.filter((g): g is FixedEffectGroupData => g.kind === 'fixed-effect');
  if (!intercept && fixed.length > 0) {
    throw new ParameterError(
      'intercept',
      'leaving out the intercept applies only to models without fixed effects (a fixed effect contains the intercept)',
    );
  }
  const absorbing = fixed.reduce<FixedEffectGroupData | undefined>(
    (best, g) => (best && best.levels >= g.levels ? best : g),
    undefined,
  );
  const transform = rowTransform(data.weights);
  const within = (values: Float64Array) => (absorbing ? transform.within(values, absorbing) : transform.scaled(values));
  const scales = scalesOf(data);
  const units = new UnitsOfResults(data, scales);

  // Design: numeric terms first (they are reported), then the indicators of non-absorbed fixed effects.
  // `exponent`: the term's stored units (value read × 2^−exponent).
  const terms: { name: string; values: Float64Array; reported: boolean; exponent: number }[] = [];
  // The intercept is a term of its own only without an absorbed fixed effect (whose demeaning removes it); it is
  // known by its place, not its name, which a data column may share.
  const interceptTerm = intercept && !absorbing ? 0 : -1;
  if (interceptTerm === 0)
    terms.push({ name: '(Intercept)', values: new Float64Array(data.n).fill(1), reported: true, exponent: 0 });
  let numericIndex = 0;
  for (const group of data.groups) {
    if (group.kind === 'numeric')
      group.values.forEach((values, c) =>
        terms.push({ name: group.columns[c]!, values, reported: true, exponent: scales.columns[numericIndex++]! }),
      );
  }
  const indicatorStart = terms.length;
  for (const group of fixed) {
    if (group === absorbing) continue;
    indicators(group).forEach((values, level) =>
      // Stryker disable next-line StringLiteral: unreported: never read
      terms.push({ name: `${group.columns[0]}=${group.labels[level]}`, values, reported: false, exponent: 0 }),
    );
  }
  const columns = terms.map((term) => within(term.values));
  const y = within(data.y);
  const reducedToNoise = terms.map(
    (term, j) =>
      absorbing !== undefined && scaledNorm(columns[j]!) <= tolerance * scaledNorm(transform.centred(term.values)),
  );
  const kept = terms.map((_, j) => j).filter((j) => !reducedToNoise[j]);
  const fit = fitLeastSquares(
    kept.map((j) => columns[j]!),
    y,
    { tolerance },
  );
  const position = new Map(kept.map((j, i) => [j, i]));
  const isAliased = (j: number) => reducedToNoise[j]! || fit.aliased.includes(position.get(j)!);

  const k = fit.rank + (absorbing ? absorbing.levels : 0);
  const dfResidual = data.n - k;
  if (dfResidual <= 0)
    throw new ModelError(`${data.n} usable rows but ${k} parameters; the model needs more rows than parameters`);
  const centred = intercept || fixed.length > 0;
  const tss = scaledNorm(centred ? transform.centred(data.y) : transform.scaled(data.y)) ** 2;
  const interceptDf = centred ? 1 : 0;
  const r2 = 1 - fit.rss / tss;
  const sigma = Math.sqrt(fit.rss / dfResidual);
  const df1 = k - interceptDf;
  const f = (tss - fit.rss) / df1 / (fit.rss / dfResidual);
  const withinR2 =
    fixed.length > 0 ? 1 - fit.rss / fixedEffectsOnlyRss(y, columns.slice(indicatorStart), tolerance) : null;

  const estimatedSlopes = terms.filter((term, j) => term.reported && j !== interceptTerm && !isAliased(j)).length;
  const smallSample = options.clustered
    ? smallSampleK(data, fixed, k, estimatedSlopes, options.ssc ?? 'lm')
    : undefined;
  const covariance = smallSample
    ? clusterCovariance(
        data,
        kept.map((j) => columns[j]!),
        fit,
        smallSample.k,
      )
    : undefined;
  const inferenceDf = covariance ? data.cluster!.count - 1 : dfResidual;
  const critical = tQuantileOf(1 - (1 - level) / 2, inferenceDf);
  const p = kept.length;
  const coefficients = terms.flatMap((term, j): CoefficientRow[] => {
    if (!term.reported) return [];
    if (isAliased(j))
      return [
        {
          term: term.name,
          estimate: null,
          stdError: null,
          t: null,
          p: null,
          ciLow: null,
          ciHigh: null,
          vif: null,
          aliased: true,
        },
      ];
    const i = position.get(j)!;
    // In the stored units, then unscaled: b = b_s · 2^(E_y − E_j), and so its standard error and interval.
    const storedEstimate = fit.coefficients[i]!;
    const variance = covariance ? covariance[i * p + i]! : sigma * sigma * fit.unscaledCovariance[i * p + i]!;
    const storedError = Math.sqrt(variance);
    const t = storedEstimate / storedError;
    const vif =
      intercept && j !== interceptTerm
        ? fit.unscaledCovariance[i * p + i]! * scaledNorm(transform.centred(term.values)) ** 2
        : null;
    const unscale = (value: number, what: string) => units.coefficient(value, term.exponent, term.name, what);
    return [
      {
        term: term.name,
        estimate: unscale(storedEstimate, 'coefficient'),
        stdError: unscale(storedError, 'standard error'),
        t,
        p: tTwoSidedP(t, inferenceDf),
        ciLow: unscale(storedEstimate - critical * storedError, 'confidence interval'),
        ciHigh: unscale(storedEstimate + critical * storedError, 'confidence interval'),
        vif,
        aliased: false,
      },
    ];
  });

  const notes = coefficients
    .filter((c) => c.aliased)
    .map(
      (c) =>
        `"${c.term}" is not estimable: it is a linear combination of other terms (e.g. constant within each level of ` +
        `a fixed effect), reported as aliased as R's lm() does`,
    );
  return {
    outcome: data.outcome,
    n: data.n,
    droppedRows: data.droppedRows,
    ...(data.missingAlone ? { missingAlone: data.missingAlone } : {}),
    k,
    dfResidual,
    sigma: units.sigma(sigma),
    rss: ldexp(fit.rss, 2 * scales.outcome + scales.weights),
    r2,
    adjR2: 1 - ((1 - r2) * (data.n - interceptDf)) / dfResidual,
    withinR2,
    f,
    fDf: [df1, dfResidual],
    fP: fUpperP(f, df1, dfResidual),
    intercept,
    coefficients,
    se: covariance ? 'cluster' : 'classical',
    ...(covariance ? { clusters: { column: data.cluster!.column, count: data.cluster!.count, df: inferenceDf } } : {}),
    ...(smallSample ? { smallSample } : {}),
    rankTolerance: tolerance,
    fixedEffects: fixed.map((g) => ({ name: g.name, column: g.columns[0], levels: g.levels })),
    ...(options.fixedEffectCoefficients && fixed.length > 0
      ? {
          fixedEffectCoefficients: treatmentContrastCoefficients(data, fixed, tolerance).map(({ term, estimate }) => ({
            term,
            estimate: estimate === null ? null : units.coefficient(estimate, 0, term, 'coefficient'),
          })),
        }
      : {}),
    level,
    notes,
  };
}

/**
 * Converts results from the stored (equilibrated) units to those of the data read, exactly (powers of two), and
 * refuses a result that does not fit in a double there.
 */
class UnitsOfResults {
  constructor(
    private readonly data: ModelData,
    private readonly scales: ModelScales,
  ) {}

  /** A coefficient-like value (coefficient, standard error, interval end) of a term stored × 2^−exponent. */
  coefficient(stored: number, exponent: number, term: string, what: string): number {
    const value = ldexp(stored, this.scales.outcome - exponent);
    if (!Number.isFinite(value) && Number.isFinite(stored)) {
      const decimal = Math.log10(Math.abs(stored)) + (this.scales.outcome - exponent) * Math.log10(2);
      throw new ModelError(
        `the ${what} of "${term}" is about ${Math.sign(stored) < 0 ? '-' : ''}1e${Math.round(decimal)}, ` +
          'beyond the range of ' +
          `double-precision numbers (±1.8e308); express "${term}" or "${this.data.outcome}" in other units`,
      );
    }
    return value;
  }

  /** The residual standard error: σ_s · 2^(E_y + E_w/2). */
  sigma(stored: number): number {
    const value = ldexp(stored, this.scales.outcome + this.scales.weights / 2);
    if (!Number.isFinite(value) && Number.isFinite(stored)) {
      throw new ModelError(
        `the residual standard error is beyond the range of double-precision numbers (±1.8e308); express ` +
          `"${this.data.outcome}"${
            this.data.weightsColumn !== undefined ? ` or the weights "${this.data.weightsColumn}"` : ''
          } in other units`,
      );
    }
    return value;
  }
}

function indicators(group: FixedEffectGroupData): Float64Array[] {
  const out = Array.from({ length: group.levels }, () => new Float64Array(group.codes.length));
  group.codes.forEach((code, i) => (out[code]![i] = 1));
  return out;
}

/** RSS of the (already demeaned) outcome on the fixed effects alone. */
function fixedEffectsOnlyRss(y: Float64Array, indicatorColumns: readonly Float64Array[], tolerance: number): number {
  // On no columns (one fixed effect, absorbed) the fit's RSS is ‖y‖², by the same compensated sum as any other.
  return fitLeastSquaresWithoutCovariance(indicatorColumns, y, { tolerance }).rss;
}

/**
 * The K of the cluster-robust small-sample factor. "lm": the rank of the whole design (every dummy counted).
 * "nested", as fixest's `ssc(fixef.K = "nested")`: K less levels − 1 for each fixed effect nested in the clusters
 * (every level within one cluster), so that with every fixed effect nested K = the numeric terms + 1 (the
 * intercept); never below the estimated slopes + 1 (fixest's floor).
 */
function smallSampleK(
  data: ModelData,
  fixed: readonly FixedEffectGroupData[],
  k: number,
  slopes: number,
  rule: SmallSampleRule,
): { rule: SmallSampleRule; k: number; nested: string[] } {
  const cluster = data.cluster;
  if (!cluster) throw new ModelError('cluster-robust standard errors need a cluster column');
  const nested = fixed.filter((group) => nestedIn(group, cluster.codes));
  if (rule === 'lm') return { rule, k, nested: nested.map((g) => g.name) };
  const removed = nested.reduce((sum, g) => sum + g.levels - 1, 0);
  return { rule, k: Math.max(k - removed, Math.min(k, slopes + 1)), nested: nested.map((g) => g.name) };
}

/** Whether every level of a fixed effect lies within one cluster. */
function nestedIn(group: FixedEffectGroupData, clusters: Int32Array): boolean {
  const clusterOf = new Int32Array(group.levels).fill(-1);
  for (let i = 0; i < group.codes.length; i++) {
    const level = group.codes[i]!;
    const seen = clusterOf[level]!;
    if (seen === -1) clusterOf[level] = clusters[i]!;
    else if (seen !== clusters[i]) return false;
  }
  return true;
}

/** CR1 covariance of the non-aliased coefficients, p × p row-major over the fit's columns. */
function clusterCovariance(
  data: ModelData,
  columns: readonly Float64Array[],
  fit: LeastSquaresFit,
  k: number,
): Float64Array {
  const cluster = data.cluster;
  if (!cluster) throw new ModelError('cluster-robust standard errors need a cluster column');
  const p = columns.length;
  const scores = new Float64Array(cluster.count * p);
  for (let j = 0; j < p; j++) {
    if (fit.aliased.includes(j)) continue;
    const column = columns[j]!;
    for (let i = 0; i < data.n; i++) scores[cluster.codes[i]! * p + j]! += column[i]! * fit.residuals[i]!;
  }
  const meat = new Float64Array(p * p);
  for (let g = 0; g < cluster.count; g++) {
    for (let a = 0; a < p; a++) {
      const sa = scores[g * p + a]!;
      if (sa === 0) continue;
      for (let b = 0; b < p; b++) meat[a * p + b]! += sa * scores[g * p + b]!;
    }
  }
  const bread = fit.unscaledCovariance.map((v) => (Number.isNaN(v) ? 0 : v));
  const G = cluster.count;
  const factor = (G / (G - 1)) * ((data.n - 1) / (data.n - k));
  const product = multiply(multiply(bread, meat, p), bread, p);
  return product.map((v, index) => (fit.aliased.includes(Math.floor(index / p)) ? Number.NaN : factor * v));
}

function multiply(a: Float64Array, b: Float64Array, p: number): Float64Array {
  const out = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let k = 0; k < p; k++) {
      const aik = a[i * p + k]!;
      if (aik === 0) continue;
      // Stryker disable next-line AssignmentOperator: both products flip: cancels
      for (let j = 0; j < p; j++) out[i * p + j]! += aik * b[k * p + j]!;
    }
  return out;
}

/**
 * Fixed-effect coefficients as R's lm() reports them with treatment contrasts: an intercept for the first
 * level (in sorted order) of every fixed effect, and each other level's difference from it.
 */
function treatmentContrastCoefficients(
  data: ModelData,
  fixed: readonly FixedEffectGroupData[],
  tolerance: number,
): { term: string; estimate: number | null }[] {
  const names: string[] = ['(Intercept)'];
  const columns: Float64Array[] = [new Float64Array(data.n).fill(1)];
  for (const group of fixed) {
    const sorted = group.labels
      .map((label, code) => ({ label, code }))
      .sort((a, b) => naturalCompare(a.label, b.label));
    const all = indicators(group);
    for (const { label, code } of sorted.slice(1)) {
      names.push(`${group.columns[0]}=${label}`);
      columns.push(all[code]!);
    }
  }
  const fixedCount = columns.length;
  for (const group of data.groups) if (group.kind === 'numeric') columns.push(...group.values);
  const transform = rowTransform(data.weights);
  const fit = fitLeastSquaresWithoutCovariance(columns.map(transform.scaled), transform.scaled(data.y), { tolerance });
  // Stryker disable next-line MethodExpression: names has fixedCount entries already
  return names
    .map((term, j) => ({ term, estimate: fit.aliased.includes(j) ? null : fit.coefficients[j]! }))
    .slice(0, fixedCount);
}

/** Made on first use: creating it initialises ICU's locale data, which loading this module need not pay. */
let collator: Intl.Collator | undefined;
function naturalCompare(a: string, b: string): number {
  collator ??= new Intl.Collator('en', { numeric: true });
  return collator.compare(a, b);
}
