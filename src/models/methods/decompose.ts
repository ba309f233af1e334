import { ParameterError, UsageError } from '../../errors.js';
import { commonalityCoefficients } from './commonality.js';
import { dominanceAnalysis } from './dominance.js';
import { enginesOf, type DecomposableModel } from '../engines/engines.js';
import { sumOfSquaresAsRead, type ModelShape } from '../design/modelData.js';
import { sequentialIncrements } from './sequential.js';
import { popcount, shapleyValues } from './shapley.js';
import { subsetR2Table } from '../engines/subsetTable.js';
import { CONTROLS, type GroupKind } from '../spec/spec.js';
import {
  enumerateInThread,
  exactShapleySeconds,
  MAX_EXACT_SECONDS,
  planExactShapley,
  shapleyFromSums,
  type ShapleyPlan,
  type ShapleySums,
} from '../engines/exactShapley.js';
import { createGramFitter } from '../engines/gramFitter.js';
import { grayCodeShapley } from '../engines/grayCodeShapley.js';
import { sampledShapleySeconds, sampleShapley } from '../engines/sampledShapley.js';
import type { SubsetFit, SubsetFitter } from '../engines/subsetFit.js';
import { adjustedValue, R2_VALUE, subsetValueOf, type SubsetValue } from '../engines/subsetValue.js';
import { owenTreeSeconds, owenValuesByTree, subsetTableByTree } from '../engines/subsetTree.js';
import { uniqueContributions } from './unique.js';

export { DECOMPOSITION_METHODS, type DecompositionMethod } from './names.js';
import type { DecompositionMethod } from './names.js';

/** One group's part of the outcome's variance under the chosen method. */
export interface GroupShare {
  readonly name: string;
  readonly kind: GroupKind;
  readonly columns: readonly string[];
  /** Fixed-effect groups only: number of levels in the estimation sample. */
  readonly levels?: number;
  /** Fraction of the total (centred) sum of squares of the outcome credited to the group. */
  readonly share: number;
}

/** The controls of a decomposition: the groups in every model, and R² of the model on them alone. */
export interface ControlsRow {
  readonly groups: readonly string[];
  readonly columns: readonly string[];
  /** The fixed effects among the controls, with their levels in the estimation sample. */
  readonly fixedEffects: readonly { readonly column: string; readonly levels: number }[];
  readonly share: number;
}

/** One column's Owen value (a fixed effect counts as one column). */
export interface ColumnShare {
  readonly group: string;
  readonly column: string;
  readonly share: number;
}

export interface CommonalitySet {
  readonly groups: readonly string[];
  readonly share: number;
}

export interface DominancePairResult {
  readonly a: string;
  readonly b: string;
  readonly complete: string | null;
  readonly conditional: string | null;
  readonly general: string | null;
}

export interface ComparisonRow {
  readonly group: string;
  readonly shapley: number;
  readonly owen: number;
  readonly sequential: number;
  readonly sequentialReverse: number;
  readonly unique: number;
  /** max − min over the five columns. */
  readonly spread: number;
  /** With `adjusted`: the Shapley value of the group in the adjusted-R² game (not part of the spread). */
  readonly adjustedShapley?: number;
}

/**
 * The same method applied to adjusted R² (`SubsetValue`): each subset's R² replaced by
 * 1 − (1 − R²)(n − 1)/(n − k_S − 1). Shares sum to the adjusted R² of the full model for the methods whose raw
 * shares sum to R²; they can be negative.
 */
export interface AdjustedSplit {
  /** The method of `shares`: the result's method, or shapley for `all`. */
  readonly method: Exclude<DecompositionMethod, 'all'>;
  /** Adjusted R² of the full model. */
  readonly r2: number;
  /** Each group's headline value in the adjusted game, in group order. */
  readonly shares: readonly number[];
  /** 1 − adjusted R². */
  readonly unexplained: number;
  /** Method owen: each column's Owen value in the adjusted game. */
  readonly owen?: { readonly columns: readonly ColumnShare[] };
}

/**
 * A split of the outcome's variance. `groups[].share` is each group's headline value under `method`:
 * Shapley value (shapley, all), group total of Owen values (owen), sequential increment (sequential), unique
 * contribution (unique, commonality), general dominance weight (dominance). Method-specific details are in the
 * optional sections named after the method.
 */
export interface DecompositionResult {
  readonly method: DecompositionMethod;
  readonly outcome: string;
  readonly n: number;
  readonly droppedRows: number;
  readonly missingByColumn: Readonly<Record<string, number>>;
  /** Rows each model column alone makes incomplete (see `completeCases`). */
  readonly missingAlone?: Readonly<Record<string, number>>;
  /** Total sum of squares Σ (y − ȳ)² in the outcome's units (+Infinity beyond the double range; not printed). */
  readonly tss: number;
  /** R² of the full model. */
  readonly r2: number;
  readonly groups: readonly GroupShare[];
  /** 1 − R². */
  readonly unexplained: number;
  /** Number of distinct subset regressions evaluated. */
  readonly subsets: number;
  /** Plain-language remarks about the fit (aliased predictors and similar). */
  readonly notes: readonly string[];
  readonly owen?: { readonly columns: readonly ColumnShare[] };
  readonly sequential?: { readonly order: readonly string[] };
  /** R² − Σ unique: explained only jointly (negative under suppression). */
  readonly unique?: { readonly shared: number };
  readonly commonality?: { readonly sets: readonly CommonalitySet[] };
  readonly dominance?: {
    readonly conditional: readonly { readonly group: string; readonly bySize: readonly number[] }[];
    readonly pairs: readonly DominancePairResult[];
  };
  readonly comparison?: { readonly order: readonly string[]; readonly rows: readonly ComparisonRow[] };
  /** With `adjusted`: the same decomposition of adjusted R². */
  readonly adjusted?: AdjustedSplit;
  /**
   * With `controls`: the groups held in every model and R² of the model on them alone, v(C). `groups` then lists
   * the other groups, which share R² − v(C) (`decomposeWithControls`).
   */
  readonly controls?: ControlsRow;
  /** Present when the Shapley values are Monte Carlo estimates. */
  readonly sampling?: {
    readonly permutations: number;
    readonly seed: number;
    readonly standardErrors: readonly number[];
  };
}

export interface DecomposeOptions {
  readonly method?: DecompositionMethod;
  /** Sequential order as group names (a permutation of all groups); default: the order of the spec. */
  readonly order?: readonly string[];
  /** Shapley by enumeration even when expected to take over a minute (refused above an hour). */
  readonly exact?: boolean;
  /** Shapley by permutation sampling with this many permutations, whatever the number of groups. */
  readonly samples?: number;
  /** Seed of the sampling. */
  readonly seed?: number;
  /** Exact enumeration of a plan's tasks (given: the caller chose enumeration); default: in this thread
   * (`enumerateInThread`). */
  readonly enumerate?: ShapleyEnumerator;
  /**
   * Exact Shapley engine: the subset tree (default), or the Gray-code sweep it replaced, kept reachable as the
   * benchmark's baseline and a cross-check in tests (one thread; `enumerate` is then ignored).
   */
  readonly engine?: 'tree' | 'gray-code';
  readonly onProgress?: (done: number, total: number) => void;
  /** Also decompose adjusted R² (`AdjustedSplit`): the headline method's values, Shapley values for `all`. */
  readonly adjusted?: boolean;
  /** Exact enumeration of the adjusted game's Shapley plan (as `enumerate`); default: in this thread. */
  readonly enumerateAdjusted?: ShapleyEnumerator;
  /** Names of groups held in every model (relaimpo's `always`): see `decomposeWithControls`. */
  readonly controls?: readonly string[];
}

/** Runs the tasks of an exact Shapley plan and returns their sums added in task order (e.g. on worker threads). */
export type ShapleyEnumerator = (plan: ShapleyPlan, onProgress?: (done: number, total: number) => void) => ShapleySums;

/**
 * Shapley values are enumerated by default when expected to take at most this long on one thread, else sampled:
 * about 30 single-column groups on this project's machine (2^30 subsets take about 16 s of one core); wider
 * groups switch to sampling sooner.
 */
export const DEFAULT_EXACT_SECONDS = 60;
/** Most groups the methods other than Shapley enumerate (their subset masks are 31-bit integers). */
const MAX_ENUMERATED_GROUPS = 30;
/** Most groups of an exact Shapley enumeration (which keeps no masks); the one-hour estimate binds first. */
export const MAX_EXACT_SHAPLEY_GROUPS = 40;
/** Most groups of the methods that keep the R² of every subset in memory (commonality, dominance): 2^24 values, 128 MB.
 * */
const MAX_TABLE_GROUPS = 24;
/**
 * Most groups of commonality, whose result names each of the 2^k − 1 sets of groups: measured, 2^20 sets take about
 * 300 MB before they are printed, and 2^24 sets ran out of a default Node heap (4 GB) while the run still promised
 * them.
 */
const MAX_COMMONALITY_GROUPS = 20;

/** Most groups a method that keeps every subset's R² takes: commonality's limit is that of its list of sets. */
const mostTableGroups = (method: DecompositionMethod) =>
  method === 'commonality' ? MAX_COMMONALITY_GROUPS : MAX_TABLE_GROUPS;
/** Permutations drawn by default when sampling, and the standard error at which sampling may stop early. */
const DEFAULT_PERMUTATIONS = 20_000;
const DEFAULT_TARGET_STANDARD_ERROR = 0.001;

/**
 * Whether Shapley values are estimated by sampling rather than enumerated: when samples are asked for, or, unless
 * `exact`, when there are more than MAX_EXACT_SHAPLEY_GROUPS groups or the enumeration is estimated to take more
 * than DEFAULT_EXACT_SECONDS on this machine. The one rule, used by `decompose` and by the command that spreads
 * an enumeration over threads.
 */
export function samplesShapley(
  data: DecomposableModel,
  engines: ReturnType<typeof enginesOf>,
  options: Pick<DecomposeOptions, 'method' | 'samples' | 'exact'>,
): boolean {
  if ((options.method ?? 'shapley') !== 'shapley') return false;
  if (options.samples !== undefined) return true;
  if (options.exact) return false;
  return data.groups.length > MAX_EXACT_SHAPLEY_GROUPS || exactShapleySeconds(data, engines) > DEFAULT_EXACT_SECONDS;
}

/**
 * Apportion R² of the full model to its groups by the chosen method. All methods but Owen read the R² of the
 * 2^k subsets of groups; Owen also fits subsets of the columns inside each group. The model may be given by its
 * rows or, without fixed effects, by its triangular factor (a streamed file); the subset fits are the same.
 *
 * Reference: Grömping (2007), "Estimators of relative importance in linear regression based on variance
 * decomposition", The American Statistician 61(2):139–147.
 */
export function decompose(data: DecomposableModel, options: DecomposeOptions = {}): DecompositionResult {
  const engines = enginesOf(data);
  if (options.controls !== undefined && options.controls.length > 0) {
    if (options.adjusted) throw new UsageError('--control does not combine with --adjusted (not implemented)');
    return decomposeWithControls(data, engines, options, options.controls);
  }
  const result = decomposeGame(data, engines, options, R2_VALUE);
  if (!options.adjusted) return result;
  if (result.sampling) {
    throw new UsageError(
      '--adjusted decomposes adjusted R² exactly; it does not combine with Monte Carlo Shapley values (--samples, or ' +
        'more groups than exact enumeration takes): use fewer groups, or --exact',
    );
  }
  if (options.engine === 'gray-code')
    throw new UsageError('--adjusted is computed by the subset tree, not the Gray-code engine');
  const method = result.method === 'all' ? 'shapley' : result.method;
  const adjusted = decomposeGame(
    data,
    engines,
    {
      ...options,
      method,
      ...(options.enumerateAdjusted ? { enumerate: options.enumerateAdjusted } : { enumerate: undefined }),
      onProgress: undefined,
    },
    adjustedValue(data.n),
  );
  const shares = adjusted.groups.map((g) => g.share);
  return {
    ...result,
    adjusted: {
      method,
      r2: adjusted.r2,
      shares,
      unexplained: adjusted.unexplained,
      ...(adjusted.owen ? { owen: adjusted.owen } : {}),
    },
    ...(result.comparison
      ? {
          comparison: {
            ...result.comparison,
            rows: result.comparison.rows.map((row, g) => ({ ...row, adjustedShapley: shares[g]! })),
          },
        }
      : {}),
  };
}

/** `decompose` of one game: R² (`R2_VALUE`) or adjusted R². */
function decomposeGame(
  data: DecomposableModel,
  engines: ReturnType<typeof enginesOf>,
  options: DecomposeOptions,
  value: SubsetValue,
): DecompositionResult {
  const fitter = valueFitter(createGramFitter(data, engines), value);
  const method = options.method ?? 'shapley';
  const k = data.groups.length;
  const names = data.groups.map((g) => g.name);
  const order = resolveOrder(names, options.order);
  const limit = method === 'shapley' ? MAX_EXACT_SHAPLEY_GROUPS : MAX_ENUMERATED_GROUPS;
  const sampling = options.enumerate === undefined && !value.adjusted && samplesShapley(data, engines, options);
  if (!sampling && k > limit) {
    throw new UsageError(
      `--method ${method} enumerates all 2^${k} subsets of ${k} groups, more than the ${limit} groups it can; ` +
        (method === 'shapley'
          ? 'use --samples N for a Monte Carlo estimate'
          : 'use fewer groups, or --method shapley with --samples N'),
    );
  }
  if (method === 'commonality' && k > MAX_COMMONALITY_GROUPS) {
    throw new UsageError(
      `--method commonality lists all 2^${k} − 1 sets of ${k} groups; it accepts at most ${MAX_COMMONALITY_GROUPS} ` +
        'groups (about a million sets): use fewer groups, or --method shapley',
    );
  }
  if (method === 'dominance' && k > MAX_TABLE_GROUPS) {
    throw new UsageError(
      `--method dominance keeps the R² of all 2^${k} subsets of ${k} groups in memory; it accepts at most ` +
        `${MAX_TABLE_GROUPS} groups (2^${MAX_TABLE_GROUPS} values, 128 MB): use fewer groups, or --method shapley`,
    );
  }
  if (sampling && options.samples !== undefined) {
    const seconds = sampledShapleySeconds(data, options.samples);
    if (seconds > MAX_EXACT_SECONDS) {
      throw new ParameterError(
        'samples',
        `${options.samples} random orders of ${k} groups would take about ${(seconds / 3600).toFixed(1)} hours here; ` +
          'ask for fewer (the Monte Carlo standard errors shrink as 1/√orders)',
      );
    }
  }
  if (method === 'owen' || method === 'all') {
    const seconds = owenTreeSeconds(data, engines);
    if (seconds > MAX_EXACT_SECONDS) {
      throw new UsageError(
        `--method ${method}: Owen values over ${k} groups split into their columns need about ` +
          `${(seconds / 3600).toFixed(1)} hours here; ` +
          'use fewer or smaller groups, or --method shapley',
      );
    }
  }
  let tableCache: Float64Array | undefined;
  const table = () => (tableCache ??= subsetTableByTree(data, engines, value));
  let shapleyCache: Float64Array | undefined;
  const shapley = () =>
    (shapleyCache ??=
      options.engine === 'gray-code'
        ? grayCodeShapley(data, engines)
        : shapleyFromSums(
            (options.enumerate ?? enumerateInThread)(planExactShapley(data, engines, value), options.onProgress),
          ));
  const owen = () => owenValuesByTree(data, engines, shapley(), value);
  const owenTotals = (values: Float64Array) =>
    Float64Array.from({ length: k }, (_, g) => fitter.unitsOf(g).reduce((sum, u) => sum + values[u]!, 0));

  let headline: Float64Array;
  let details: Partial<DecompositionResult> = {};
  let fullR2: number | undefined;
  switch (method) {
    case 'shapley':
      if (sampling) {
        const seed = options.seed ?? 1;
        const estimate = sampleShapley(data, engines, {
          seed,
          permutations: options.samples ?? DEFAULT_PERMUTATIONS,
          ...(options.samples === undefined ? { targetStandardError: DEFAULT_TARGET_STANDARD_ERROR } : {}),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        });
        headline = estimate.values;
        fullR2 = estimate.r2;
        details = {
          sampling: { permutations: estimate.permutations, seed, standardErrors: Array.from(estimate.standardErrors) },
        };
      } else {
        headline = shapley();
      }
      break;
    case 'owen': {
      const values = owen();
      headline = owenTotals(values);
      details = {
        owen: {
          columns: fitter.units.map((unit, u) => ({ group: names[unit.group]!, column: unit.name, share: values[u]! })),
        },
      };
      break;
    }
    case 'sequential':
    case 'unique':
    case 'commonality':
    case 'dominance':
      ({ headline, details } = subsetTableMethod(method, fitter, table, names, order));
      break;
    case 'all': {
      headline = shapley();
      const columns = {
        shapley: headline,
        owen: owenTotals(owen()),
        sequential: sequentialIncrements(orderTable(fitter, order), order),
        sequentialReverse: sequentialIncrements(orderTable(fitter, [...order].reverse()), [...order].reverse()),
        unique: uniqueContributions(leaveOneOutTable(fitter), k),
      };
      details = {
        comparison: {
          order: order.map((g) => names[g]!),
          rows: names.map((group, g) => {
            const values = Object.values(columns).map((c) => c[g]!);
            return {
              group,
              shapley: columns.shapley[g]!,
              owen: columns.owen[g]!,
              sequential: columns.sequential[g]!,
              sequentialReverse: columns.sequentialReverse[g]!,
              unique: columns.unique[g]!,
              spread: Math.max(...values) - Math.min(...values),
            };
          }),
        },
      };
      break;
    }
  }
  // The aliasing verdicts always come from a fit of the full model (one fit); a sampled estimate keeps its own R²,
  // which its shares add up to.
  const fullFit = fitter.fitUnits(fitter.units.map((_, u) => u));
  const full = fullR2 === undefined ? fullFit : { ...fullFit, r2: fullR2 };
  const groups = data.groups.map(
    (group, g): GroupShare => ({
      name: group.name,
      kind: group.kind,
      columns: group.columns,
      ...(group.kind === 'fixed-effect' ? { levels: group.levels } : {}),
      share: headline[g]!,
    }),
  );
  return {
    method,
    outcome: data.outcome,
    n: data.n,
    droppedRows: data.droppedRows,
    missingByColumn: data.missingByColumn,
    ...(data.missingAlone ? { missingAlone: data.missingAlone } : {}),
    tss: sumOfSquaresAsRead(data, fitter.tss),
    r2: full.r2,
    groups,
    unexplained: 1 - full.r2,
    subsets: sampling ? 0 : 2 ** k,
    notes: [
      ...aliasNotes(data, full.aliased),
      ...(details.sampling
        ? [
            `Shapley values are Monte Carlo estimates from ${details.sampling.permutations} random orders of the ` +
              `groups (antithetic pairs, seed ${details.sampling.seed}); ` +
              `largest standard error ${Math.max(...details.sampling.standardErrors).toExponential(1)}`,
          ]
        : []),
    ],
    ...details,
  };
}

/** Methods computed from nested-model R² by {@link subsetTableMethod}. */
type SubsetTableMethod = 'sequential' | 'unique' | 'commonality' | 'dominance';
const SUBSET_TABLE_METHODS: readonly DecompositionMethod[] = ['sequential', 'unique', 'commonality', 'dominance'];
const isSubsetTableMethod = (method: DecompositionMethod): method is SubsetTableMethod =>
  SUBSET_TABLE_METHODS.includes(method);

/** Methods that read only group subsets, and so can hold controls in every model. */
const CONTROLLED_METHODS: readonly DecompositionMethod[] = ['shapley', ...SUBSET_TABLE_METHODS];

/**
 * The decomposition with controls C held in every model (relaimpo's `always`, domir's `.all`, dominanceanalysis's
 * `constants`): the method is run over the k other groups on the game
 *   v'(S) = R²(S ∪ C) − R²(C),
 * so the other groups share R² − R²(C) (Shapley, sequential increments and dominance weights sum to it) and the
 * controls are reported as one row with R²(C). Every subset fit ORs the controls' mask into the subset's mask.
 *
 * Reference: Grömping (2006), "Relative importance for linear regression in R: the package relaimpo", Journal of
 * Statistical Software 17(1), §3 (`always`).
 */
function decomposeWithControls(
  data: DecomposableModel,
  engines: ReturnType<typeof enginesOf>,
  options: DecomposeOptions,
  controlNames: readonly string[],
): DecompositionResult {
  const method = options.method ?? 'shapley';
  if (method !== 'shapley' && !isSubsetTableMethod(method)) {
    throw new UsageError(
      `--control holds groups in every model for --method ${CONTROLLED_METHODS.join(', ')}; not for ${method}`,
    );
  }
  if (options.samples !== undefined) throw new UsageError('--control does not combine with --samples');
  const names = data.groups.map((g) => g.name);
  const controls = controlNames.map((name) => {
    const g = names.indexOf(name);
    if (g < 0)
      throw new UsageError(`--control names "${name}", which is not a group; the groups are ${names.join(', ')}`);
    return g;
  });
  if (new Set(controls).size !== controls.length) throw new UsageError('--control names a group twice');
  const free = names.flatMap((_, g) => (controls.includes(g) ? [] : [g]));
  if (free.length === 0) throw new UsageError('--control names every group; leave at least one to decompose');
  if (free.some((g) => names[g] === CONTROLS)) {
    throw new UsageError(`"${CONTROLS}" names the row of the controls; choose another name for that group`);
  }
  const k = free.length;
  const most = mostTableGroups(method);
  if (k > most) {
    throw new UsageError(
      `--control: --method ${method} over ${k} groups besides the controls keeps 2^${k} subsets; ` +
        `it accepts at most ${most}`,
    );
  }
  const inner = createGramFitter(data, engines);
  const controlMask = controls.reduce((mask, g) => mask | (1 << g), 0);
  const outer = (mask: number) => free.reduce((m, g, i) => (mask & (1 << i) ? m | (1 << g) : m), controlMask);
  const base = inner.fit(controlMask);
  const memo = new Map<number, number>();
  const fitter: SubsetFitter = {
    groupCount: k,
    units: inner.units,
    tss: inner.tss,
    fit: (mask) => {
      let r2 = memo.get(mask);
      if (r2 === undefined) memo.set(mask, (r2 = mask === 0 ? 0 : inner.fit(outer(mask)).r2 - base.r2));
      // Stryker disable next-line ArrayDeclaration: the notes come from the full fit, not from the subset fits
      return { r2, aliased: [], rank: 0 };
    },
    // Stryker disable next-line BlockStatement: the methods allowed with controls fit group subsets only
    fitUnits: () => {
      // Stryker disable next-line StringLiteral: unreachable, as above
      throw new UsageError('--control: column-level fits are not available');
    },
    // Stryker disable next-line ArrowFunction: the methods allowed with controls fit group subsets only
    unitsOf: (g) => inner.unitsOf(free[g]!),
  };
  const freeNames = free.map((g) => names[g]!);
  const order = resolveOrder(freeNames, options.order);
  const table = () => subsetR2Table(fitter);
  let headline: Float64Array;
  let details: Partial<DecompositionResult> = {};
  if (method === 'shapley') {
    const values = table();
    headline = shapleyValues(k, (mask) => values[mask]!);
  } else {
    ({ headline, details } = subsetTableMethod(method, fitter, table, freeNames, order));
  }
  const full = inner.fit(2 ** names.length - 1);
  return {
    method,
    outcome: data.outcome,
    n: data.n,
    droppedRows: data.droppedRows,
    missingByColumn: data.missingByColumn,
    ...(data.missingAlone ? { missingAlone: data.missingAlone } : {}),
    tss: sumOfSquaresAsRead(data, inner.tss),
    r2: full.r2,
    groups: free.map((g, i): GroupShare => {
      const group = data.groups[g]!;
      return {
        name: group.name,
        kind: group.kind,
        columns: group.columns,
        ...(group.kind === 'fixed-effect' ? { levels: group.levels } : {}),
        share: headline[i]!,
      };
    }),
    unexplained: 1 - full.r2,
    subsets: 2 ** k,
    notes: [
      ...aliasNotes(data, full.aliased),
      `${controls.map((g) => names[g]).join(', ')} ${controls.length === 1 ? 'is' : 'are'} held in every model ` +
        `(--control): the ${CONTROLS} row is R² of the model on the controls alone; the other groups share the ` +
        'rest of R²',
    ],
    controls: {
      groups: controls.map((g) => names[g]!),
      columns: controls.flatMap((g) => data.groups[g]!.columns),
      fixedEffects: controls.flatMap((g) => {
        const group = data.groups[g]!;
        return group.kind === 'fixed-effect' ? [{ column: group.columns[0]!, levels: group.levels }] : [];
      }),
      share: base.r2,
    },
    ...details,
  };
}

/**
 * The methods read off nested-model R² alone: sequential increments R²(S∪{g}) − R²(S) along `order`,
 * unique contributions R²(all) − R²(all∖{g}), commonality coefficients (Möbius inversion of the subset
 * table; Seibold & McPhee 1979) and general dominance (Azen & Budescu 2003). Shared by the plain and
 * the --control decompositions, which differ only in the fitter and table they pass.
 */
function subsetTableMethod(
  method: SubsetTableMethod,
  fitter: SubsetFitter,
  table: () => Float64Array,
  names: readonly string[],
  order: readonly number[],
): { headline: Float64Array; details: Partial<DecompositionResult> } {
  const k = fitter.groupCount;
  switch (method) {
    case 'sequential':
      return {
        headline: sequentialIncrements(orderTable(fitter, order), order),
        details: { sequential: { order: order.map((g) => names[g]!) } },
      };
    case 'unique': {
      const nested = leaveOneOutTable(fitter);
      const headline = uniqueContributions(nested, k);
      return { headline, details: { unique: { shared: nested[2 ** k - 1]! - headline.reduce((a, b) => a + b, 0) } } };
    }
    case 'commonality': {
      const values = table();
      const coefficients = commonalityCoefficients(values, k);
      return {
        headline: uniqueContributions(values, k),
        details: {
          commonality: {
            sets: Array.from({ length: 2 ** k - 1 }, (_, i) => i + 1)
              .sort((a, b) => popcount(a) - popcount(b) || a - b)
              .map((mask) => ({ groups: names.filter((_, g) => mask & (1 << g)), share: coefficients[mask]! })),
          },
        },
      };
    }
    case 'dominance': {
      const analysis = dominanceAnalysis(table(), k);
      const nameOf = (g: number | null) => (g === null ? null : names[g]!);
      return {
        headline: analysis.general,
        details: {
          dominance: {
            conditional: analysis.conditional.map((row, g) => ({ group: names[g]!, bySize: Array.from(row) })),
            pairs: analysis.pairs.map((p) => ({
              a: names[p.a]!,
              b: names[p.b]!,
              complete: nameOf(p.complete),
              conditional: nameOf(p.conditional),
              general: nameOf(p.general),
            })),
          },
        },
      };
    }
  }
}

/** Group-level Shapley (LMG) decomposition: `decompose` with method "shapley". */
export function decomposeShapley(data: DecomposableModel): DecompositionResult {
  // Stryker disable next-line ObjectLiteral: Shapley is decompose's default method
  return decompose(data, { method: 'shapley' });
}

/** A fitter whose fits report the game's value (`subsetValueOf`) as their `r2`. */
function valueFitter(fitter: SubsetFitter, value: SubsetValue): SubsetFitter {
  if (!value.adjusted) return fitter;
  const adjust = (fit: SubsetFit): SubsetFit => ({ ...fit, r2: subsetValueOf(value, fit.r2, fit.rank) });
  return { ...fitter, fit: (mask) => adjust(fitter.fit(mask)), fitUnits: (units) => adjust(fitter.fitUnits(units)) };
}

/** R² of the nested models of a sequential order (k + 1 fits), in a sparse table indexed by mask. */
function orderTable(fitter: SubsetFitter, order: readonly number[]): Float64Array {
  const table = new Float64Array(2 ** fitter.groupCount);
  let mask = 0;
  for (const g of order) {
    mask |= 1 << g;
    table[mask] = fitter.fit(mask).r2;
  }
  return table;
}

/** R² of the full model and of each leave-one-group-out model (k + 1 fits), in a sparse table indexed by mask. */
function leaveOneOutTable(fitter: SubsetFitter): Float64Array {
  const full = 2 ** fitter.groupCount - 1;
  const table = new Float64Array(full + 1);
  table[full] = fitter.fit(full).r2;
  for (let g = 0; g < fitter.groupCount; g++) table[full & ~(1 << g)] = fitter.fit(full & ~(1 << g)).r2;
  return table;
}

function resolveOrder(names: readonly string[], order: readonly string[] | undefined): number[] {
  if (order === undefined) return names.map((_, g) => g);
  const indices = order.map((name) => {
    const g = names.indexOf(name);
    if (g < 0)
      throw new ParameterError('order', `names "${name}", which is not a group; the groups are ${names.join(', ')}`);
    return g;
  });
  if (new Set(indices).size !== indices.length || indices.length !== names.length) {
    throw new ParameterError(
      'order',
      `must list every group exactly once (${names.join(', ')}), got ${order.join(',')}`,
    );
  }
  return indices;
}

function aliasNotes(data: ModelShape, aliased: readonly string[]): string[] {
  const numeric = new Set(data.groups.flatMap((g) => (g.kind === 'numeric' ? g.columns : [])));
  return aliased
    .filter((name) => numeric.has(name))
    .map(
      (name) =>
        `"${name}" is a linear combination of other terms of the full model (e.g. constant within each level of a ` +
        `fixed effect); ` +
        `its group is credited only through the subsets without them`,
    );
}
