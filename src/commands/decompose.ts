import { InternalError, ModelError, ParameterError, UsageError } from '../errors.js';
import { timePeriodOrder } from '../io/dfe.js';
import { selectRows } from '../io/panelRows.js';
import { buildModelData, type ModelData } from '../models/design/modelData.js';
import { validateSpec } from '../models/spec/spec.js';
import type { ByReport, BySplit } from '../report/by.js';
import type { IntervalType } from '../models/bootstrap/bootstrap.js';
import {
  bootstrapInParallel,
  defaultWorkers,
  permutationNullInParallel,
  shapleySumsInParallel,
  workersToStart,
} from '../models/parallel/parallel.js';
import {
  decompose,
  MAX_EXACT_SHAPLEY_GROUPS,
  samplesShapley,
  type DecomposeOptions as DecomposeOptions_,
  type DecompositionMethod,
  type DecompositionResult,
  type ShapleyEnumerator,
} from '../models/methods/decompose.js';
import { planExactShapley } from '../models/engines/exactShapley.js';
import { adjustedValue, type SubsetValue } from '../models/engines/subsetValue.js';
import {
  checkPermutationOptions,
  permutationNotes,
  type PermutationResult,
} from '../models/permutation/freedmanLane.js';
import { permutationSeconds } from '../models/permutation/cost.js';
import { enginesOf, isFactored, type DecomposableModel } from '../models/engines/engines.js';
import { checkExpectations, type Expectation, type ExpectationCheck } from '../models/spec/expectations.js';
import { PUBLISHED_SPLITS } from '../models/spec/published.js';
import type { DecompositionReport } from '../report/context.js';
import type { GroupSort } from '../report/ranking.js';
import type { DecomposeFormat } from '../report/formatNames.js';
import { render, type RenderSettings } from '../report/formats.js';
import { loadModelData, planModel, type DataOptions, type LoadedData, type ModelPlan } from './data.js';
import { isStreamable, streamModelData } from './streamData.js';

export type { DecomposeFormat, OutputFormat } from '../report/formatNames.js';

/** `--cluster none`: resample single rows. */
const NO_CLUSTER = 'none';

export interface BootstrapSettings {
  readonly replicates: number;
  /** Column to resample by, NO_CLUSTER for rows; default: the first fixed-effect column. */
  readonly cluster?: string;
  readonly seed: number;
  readonly level: number;
  readonly type: IntervalType;
}

/** --permutations B: the Freedman–Lane null of every share. */
export interface PermutationSettings {
  readonly permutations: number;
  /** --permute-within: permute only among rows with the same value of this column. */
  readonly within?: string;
  readonly seed: number;
}

export interface DecomposeOptions extends DataOptions {
  readonly method: DecompositionMethod;
  /** Sequential order, as group names. */
  readonly order?: readonly string[];
  /** Groups held in every model (their R² alone is reported as the controls row). */
  readonly controls?: readonly string[];
  readonly format: DecomposeFormat;
  /** Title of the SVG figure. */
  readonly title?: string;
  readonly color: boolean;
  /** Terminal width, when writing to a terminal: the table's bars are fitted to it. */
  readonly terminalWidth?: number;
  readonly bootstrap?: BootstrapSettings;
  readonly permutations?: PermutationSettings;
  /** Also split adjusted R². */
  readonly adjusted?: boolean;
  readonly expect?: readonly Expectation[];
  /** Percentage points. */
  readonly tolerance: number;
  readonly expectWithinCi: boolean;
  /** Key of a published split to print beside ours (e.g. nao2019). */
  readonly compare?: string;
  readonly exact?: boolean;
  readonly samples?: number;
  /** Decompose separately for each level of this column. */
  readonly by?: string;
  /** Order of the groups in the output (default given). */
  readonly sort?: GroupSort;
  /** Threads for the bootstrap (results do not depend on it); default: every core. */
  readonly workers?: number;
  /** Seed of the bootstrap and of Shapley sampling. */
  readonly seed?: number;
  readonly onProgress?: (done: number, total: number) => void;
  /** Progress of the permutations (a bar of its own: they run after the estimate and the bootstrap). */
  readonly onPermutationProgress?: (done: number, total: number) => void;
}

/** What a decompose run prints, how its expectations fared, and lines for standard error. */
export interface DecomposeOutput {
  readonly text: string;
  readonly checks: readonly ExpectationCheck[];
  readonly messages: readonly string[];
}

/** Read, fit, decompose (and bootstrap, on `workers` threads); render and check expectations. */
export async function runDecompose(options: DecomposeOptions): Promise<DecomposeOutput> {
  const published = options.compare === undefined ? undefined : PUBLISHED_SPLITS[options.compare];
  if (options.by !== undefined) return runBy(options);
  const plan = modelPlan(options);
  const loaded = loadForDecomposition(options, plan);
  const decomposeOptions = {
    method: options.method,
    ...(options.order ? { order: options.order } : {}),
    ...(options.controls ? { controls: options.controls } : {}),
    ...(options.exact ? { exact: true } : {}),
    ...(options.samples !== undefined ? { samples: options.samples } : {}),
    seed: options.bootstrap?.seed ?? options.seed ?? 1,
  };
  const progress = options.bootstrap || !options.onProgress ? {} : { onProgress: options.onProgress };
  const started = performance.now();
  const estimate = decompose(loaded.data, {
    ...decomposeOptions,
    ...progress,
    ...(await parallelEnumeration(loaded.data, decomposeOptions, options)),
    ...(options.adjusted
      ? {
          adjusted: true,
          ...(await parallelEnumeration(loaded.data, decomposeOptions, options, adjustedValue(loaded.data.n))),
        }
      : {}),
  });
  if (options.bootstrap) {
    refuseLongBootstrap(
      options.bootstrap.replicates,
      (performance.now() - started) / 1000,
      options.workers ?? defaultWorkers(),
    );
  }
  const result = { ...estimate, notes: [...estimate.notes, ...loaded.notes] as string[] };
  const bootstrap = options.bootstrap
    ? await bootstrapInParallel(
        rowsOf(loaded.data),
        result,
        {
          replicates: options.bootstrap.replicates,
          seed: options.bootstrap.seed,
          level: options.bootstrap.level,
          type: options.bootstrap.type,
          decompose: decomposeOptions,
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        },
        options.workers ?? defaultWorkers(),
      )
    : undefined;
  const permutation = options.permutations
    ? await permutationTest(rowsOf(loaded.data), result, options, options.permutations)
    : undefined;
  if (permutation) result.notes.push(...permutationNotes(loaded.data, permutation));
  const checks = options.expect
    ? checkExpectations(result, options.expect, {
        tolerance: options.tolerance,
        ...(options.expectWithinCi && bootstrap ? { withinInterval: bootstrap } : {}),
      })
    : [];
  const report: DecompositionReport = {
    result,
    file: loaded.file,
    ...(loaded.datasetNote ? { datasetNote: loaded.datasetNote } : {}),
    ...(bootstrap ? { bootstrap } : {}),
    ...(permutation ? { permutation } : {}),
    ...(published ? { published } : {}),
    ...(options.sort !== undefined && options.sort !== 'given' ? { sort: options.sort } : {}),
    ...(loaded.dfe ? { missing: loaded.dfe.missing, dfe: loaded.dfe } : {}),
    ...(options.expect
      ? {
          expectations: {
            tolerance: options.tolerance,
            withinInterval: options.expectWithinCi && bootstrap !== undefined,
            checks,
          },
        }
      : {}),
  };
  return { text: render('decompose', options.format, report, settingsOf(options)), checks, messages: loaded.messages };
}

/**
 * The permutation null of every share of `result` (`permutationNullInParallel`), refused before it starts when it
 * is expected to take over MAX_PERMUTATION_SECONDS or the shares are Monte Carlo estimates.
 */
async function permutationTest(
  data: ModelData,
  result: DecompositionResult,
  options: DecomposeOptions,
  settings: PermutationSettings,
): Promise<PermutationResult> {
  if (result.sampling) {
    throw new ParameterError(
      'permutations',
      'compares exact shares with their null; these Shapley values are Monte Carlo estimates (use fewer groups, or ' +
        '--exact)',
    );
  }
  const batch = {
    permutations: settings.permutations,
    seed: settings.seed,
    method: result.method,
    ...(result.sequential
      ? { order: result.sequential.order.map((name) => data.groups.findIndex((g) => g.name === name)) }
      : {}),
  };
  checkPermutationOptions(data, batch);
  const workers = options.workers ?? defaultWorkers();
  refuseLongPermutations(settings.permutations, permutationSeconds(data, result.method), workers);
  return permutationNullInParallel(
    data,
    result.groups.map((g) => g.share),
    { ...batch, ...(options.onPermutationProgress ? { onProgress: options.onPermutationProgress } : {}) },
    workers,
  );
}

/** A permutation test estimated to run longer than this is refused before it starts. */
export const MAX_PERMUTATION_SECONDS = 3600;

/** Refuse a permutation test whose estimated time — B × one permutation of every group ÷ threads — is too long. */
export function refuseLongPermutations(permutations: number, secondsPerPermutation: number, workers: number): void {
  const seconds = (permutations * secondsPerPermutation) / Math.max(1, workers);
  if (seconds <= MAX_PERMUTATION_SECONDS) return;
  throw new ParameterError(
    'permutations',
    `${permutations} permutations would take about ${(seconds / 3600).toFixed(1)} hours here ` +
      `(one permutation of every group takes about ${secondsPerPermutation.toPrecision(2)} s); ask for fewer ` +
      `permutations`,
  );
}

/** A bootstrap estimated to run longer than this is refused before it starts. */
const MAX_BOOTSTRAP_SECONDS = 3600;

/**
 * Refuse a bootstrap whose estimated time — replicates × the time the point estimate took ÷ threads — is above
 * MAX_BOOTSTRAP_SECONDS, before any replicate runs (the point estimate, being the first run, overestimates a
 * little, which errs on the side of refusing sooner).
 */
export function refuseLongBootstrap(replicates: number, secondsPerDecomposition: number, workers: number): void {
  const seconds = (replicates * secondsPerDecomposition) / Math.max(1, workers);
  if (seconds <= MAX_BOOTSTRAP_SECONDS) return;
  throw new ParameterError(
    'bootstrap',
    `${replicates} replicates would take about ${(seconds / 3600).toFixed(1)} hours here ` +
      `(one decomposition takes ${secondsPerDecomposition.toPrecision(2)} s); ask for fewer replicates`,
  );
}

/**
 * The model, planned once: with a bootstrap, the spec carries the resampling unit (the given column, rows for
 * "none", else the first fixed-effect column).
 */
export function modelPlan(
  options: DataOptions & { readonly bootstrap?: BootstrapSettings; readonly permutations?: PermutationSettings },
): ModelPlan {
  const within = options.permutations?.within;
  const planned = planModel(options);
  const plan = within === undefined ? planned : { ...planned, spec: validateSpec({ ...planned.spec, blocks: within }) };
  if (!options.bootstrap) return plan;
  const requested = options.bootstrap.cluster;
  const cluster =
    requested === NO_CLUSTER
      ? undefined
      : (requested ?? plan.spec.groups.find((g) => g.kind === 'fixed-effect')?.columns[0]);
  return cluster === undefined ? plan : { ...plan, spec: validateSpec({ ...plan.spec, cluster }) };
}

/** The model and where it came from, whether its rows were kept or streamed into a factor. */
interface ModelInput {
  readonly data: DecomposableModel;
  readonly file: string;
  readonly notes: readonly string[];
  readonly messages: readonly string[];
  readonly datasetNote?: string;
  readonly dfe?: LoadedData['dfe'];
}

/**
 * The model for a decomposition. A model without fixed effects is streamed into its triangular factor unless
 * the rows are needed afterwards (the bootstrap resamples them); either way the split is the same.
 */
function loadForDecomposition(options: DecomposeOptions, plan: ModelPlan): ModelInput {
  if (options.bootstrap || options.permutations || !isStreamable(plan.spec)) return loadModelData(options, plan);
  const streamed = streamModelData(options, plan);
  if (!('model' in streamed)) return streamed;
  const { model, file, notes, messages, datasetNote } = streamed;
  return { data: model, file, notes, messages, ...(datasetNote !== undefined ? { datasetNote } : {}) };
}

function rowsOf(data: DecomposableModel): ModelData {
  if (isFactored(data)) throw new InternalError('the bootstrap and the permutations need the rows of the model');
  return data;
}

/**
 * For exact Shapley values over many groups, the block sums computed on worker threads, handed to `decompose`
 * as its enumerator (the result is identical to enumerating in this thread).
 */
async function parallelEnumeration(
  data: DecomposableModel,
  decomposeOptions: DecomposeOptions_,
  options: DecomposeOptions,
  value?: SubsetValue,
): Promise<{ enumerate?: ShapleyEnumerator; enumerateAdjusted?: ShapleyEnumerator }> {
  const engines = enginesOf(data);
  const method = value?.adjusted && decomposeOptions.method === 'all' ? 'shapley' : decomposeOptions.method;
  if (decomposeOptions.controls) return {};
  if (method !== 'shapley' || data.groups.length > MAX_EXACT_SHAPLEY_GROUPS) return {};
  if (samplesShapley(data, engines, { ...decomposeOptions, method })) return {};
  const workers = options.workers ?? defaultWorkers();
  const plan = planExactShapley(data, engines, value);
  // Only when workers pay (workersToStart): otherwise decompose enumerates in this thread as it would anyway.
  if (workers < 2 || workersToStart(plan, workers) === 0) return {};
  const progress = options.bootstrap || value ? undefined : options.onProgress;
  const sums = await shapleySumsInParallel(data, plan, workers, progress);
  return value ? { enumerateAdjusted: () => sums } : { enumerate: () => sums };
}

/**
 * `--by COL`: one decomposition per level of COL (e.g. per year, cross-sections), each on that level's rows, with
 * any fixed effect over COL left out (it would be constant within a level).
 */
function runBy(options: DecomposeOptions): DecomposeOutput {
  const by = options.by!;
  if (
    options.bootstrap ||
    options.permutations ||
    options.adjusted ||
    options.expect ||
    options.format === 'svg' ||
    options.compare
  ) {
    throw new UsageError(
      '--by prints one split per level; it does not combine with --bootstrap, --permutations, --adjusted, --expect, ' +
        '--compare or --format svg',
    );
  }
  const loaded = loadModelData({ ...options, alsoRead: by });
  const column = loaded.panel.columns.get(by)!;
  if (column.kind !== 'categorical')
    throw new UsageError(`--by ${by}: the column is already read as numbers for the model; choose another column`);
  const dropped = loaded.spec.groups.filter((g) => g.kind === 'fixed-effect' && g.columns[0] === by);
  const spec = { ...loaded.spec, groups: loaded.spec.groups.filter((g) => !dropped.includes(g)) };
  if (spec.groups.length === 0)
    throw new UsageError(`--by ${by}: no groups are left once the fixed effect over ${by} is dropped`);
  const levels = column.levels.map((label, code) => ({ label, code })).sort((a, b) => byLevelOrder(a.label, b.label));
  const saturated = new Set<string>();
  const splits: BySplit[] = levels.flatMap(({ label, code }): BySplit[] => {
    const rows = Int32Array.from(Array.from(column.codes.keys()).filter((row) => column.codes[row] === code));
    if (rows.length === 0) return [];
    const panel = selectRows(loaded.panel, rows, `${loaded.file} (${by} = ${label})`);
    // A fixed effect with one row per level inside a split (authorities within one year) would fit every row.
    const groups = spec.groups.filter((g) => {
      if (g.kind !== 'fixed-effect') return true;
      const codes = panel.columns.get(g.columns[0]!);
      const once = codes?.kind === 'categorical' && new Set(codes.codes).size === rows.length;
      if (once) saturated.add(g.name);
      return !once;
    });
    try {
      const data = buildModelData(panel, { ...spec, groups });
      return [
        {
          level: label,
          result: decompose(data, {
            method: options.method,
            ...(options.order ? { order: options.order } : {}),
            ...(options.exact ? { exact: true } : {}),
            ...(options.samples !== undefined ? { samples: options.samples } : {}),
            seed: options.seed ?? 1,
          }),
        },
      ];
    } catch (error) {
      if (error instanceof ModelError || error instanceof UsageError) return [{ level: label, error: error.message }];
      throw error;
    }
  });
  const notes = [
    ...dropped.map(
      (g) => `fixed effect "${g.name}" (over ${by}) is left out of each per-${by} split: it is constant within a level`,
    ),
    ...[...saturated].map(
      (name) =>
        `fixed effect "${name}" is left out where it has one row per level within a ${by} (it would fit every row)`,
    ),
    ...sampledNote(splits),
    ...loaded.notes,
    ...(loaded.datasetNote ? [loaded.datasetNote] : []),
  ];
  const groupNames = spec.groups.filter((g) => !saturated.has(g.name)).map((g) => g.name);
  const report: ByReport = {
    by,
    method: options.method,
    outcome: loaded.data.outcome,
    file: loaded.file,
    groups: groupNames,
    splits,
    notes,
    ...(options.sort !== undefined && options.sort !== 'given' ? { sort: options.sort } : {}),
    ...(loaded.dfe ? { dfe: loaded.dfe } : {}),
  };
  const text = render('decomposeBy', options.format, report, settingsOf(options));
  return { text, checks: [], messages: loaded.messages };
}

/** With --by, a note when the shares of some levels are Monte Carlo estimates (their errors are in the JSON). */
function sampledNote(splits: readonly BySplit[]): string[] {
  const sampled = splits.flatMap((split) =>
    'result' in split && split.result.sampling ? [split.result.sampling] : [],
  );
  if (sampled.length === 0) return [];
  const largest = Math.max(...sampled.flatMap((s) => s.standardErrors));
  return [
    `the Shapley values of ${sampled.length === splits.length ? 'every level' : `${sampled.length} levels`} are ` +
      `Monte Carlo estimates ` +
      `(random orders of the groups, seed ${sampled[0]!.seed}); largest standard error ${largest.toExponential(1)} ` +
      `(each with --format json)`,
  ];
}

function settingsOf(options: DecomposeOptions): RenderSettings {
  return {
    color: options.color,
    ...(options.terminalWidth ? { terminalWidth: options.terminalWidth } : {}),
    ...(options.title !== undefined ? { title: options.title } : {}),
  };
}

function byLevelOrder(a: string, b: string): number {
  try {
    return timePeriodOrder(a) - timePeriodOrder(b);
  } catch {
    return a.localeCompare(b, 'en', { numeric: true });
  }
}
