import { UsageError } from '../errors.js';
import { bootstrapDecomposition, type IntervalType } from '../models/bootstrap.js';
import { decompose, type DecompositionMethod } from '../models/decompose.js';
import { checkExpectations, type Expectation, type ExpectationCheck } from '../models/expectations.js';
import { PUBLISHED_SPLITS } from '../models/published.js';
import type { DecompositionReport } from '../report/context.js';
import { renderDecompositionJson } from '../report/json.js';
import { renderDecompositionSvg } from '../report/svg.js';
import { renderDecompositionTable } from '../report/table.js';
import { decompositionTabular, renderCsv, renderMarkdown } from '../report/tabular.js';
import { loadModelData, specFromOptions, type DataOptions } from './data.js';

/** Output formats of every command; `decompose` also draws an SVG figure. */
export const OUTPUT_FORMATS = ['table', 'json', 'csv', 'markdown'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
export const DECOMPOSE_FORMATS = [...OUTPUT_FORMATS, 'svg'] as const;
export type DecomposeFormat = (typeof DECOMPOSE_FORMATS)[number];

/** `--cluster none`: resample single rows. */
export const NO_CLUSTER = 'none';

export interface BootstrapSettings {
  readonly replicates: number;
  /** Column to resample by, NO_CLUSTER for rows; default: the first fixed-effect column. */
  readonly cluster?: string;
  readonly seed: number;
  readonly level: number;
  readonly type: IntervalType;
}

export interface DecomposeOptions extends DataOptions {
  readonly method: DecompositionMethod;
  /** Sequential order, as group names. */
  readonly order?: readonly string[];
  readonly format: DecomposeFormat;
  /** Title of the SVG figure. */
  readonly title?: string;
  readonly color: boolean;
  readonly bootstrap?: BootstrapSettings;
  readonly expect?: readonly Expectation[];
  /** Percentage points. */
  readonly tolerance: number;
  readonly expectWithinCi: boolean;
  /** Key of a published split to print beside ours (e.g. nao2019). */
  readonly compare?: string;
  readonly exact?: boolean;
  readonly samples?: number;
  /** Seed of the bootstrap and of Shapley sampling. */
  readonly seed?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/** What a decompose run prints, and how its expectations fared. */
export interface DecomposeOutput {
  readonly text: string;
  readonly checks: readonly ExpectationCheck[];
}

/** Read, fit, decompose (and bootstrap); render and check expectations. */
export function runDecompose(options: DecomposeOptions): DecomposeOutput {
  if (options.expectWithinCi && !options.bootstrap) throw new UsageError('--expect-within-ci needs --bootstrap B');
  if (options.expectWithinCi && !options.expect) throw new UsageError('--expect-within-ci needs --expect NAME=PERCENT,...');
  const published = options.compare === undefined ? undefined : PUBLISHED_SPLITS[options.compare];
  if (options.compare !== undefined && !published) {
    throw new UsageError(`--compare: unknown published split "${options.compare}"; known: ${Object.keys(PUBLISHED_SPLITS).join(', ')}`);
  }
  const cluster = options.bootstrap ? bootstrapCluster(options) : undefined;
  const loaded = loadModelData({ ...options, ...(cluster !== undefined ? { cluster } : {}) });
  const decomposeOptions = {
    method: options.method,
    ...(options.order ? { order: options.order } : {}),
    ...(options.exact ? { exact: true } : {}),
    ...(options.samples !== undefined ? { samples: options.samples } : {}),
    seed: options.bootstrap?.seed ?? options.seed ?? 1,
  };
  const result = decompose(loaded.data, { ...decomposeOptions, ...(options.bootstrap || !options.onProgress ? {} : { onProgress: options.onProgress }) });
  const bootstrap = options.bootstrap
    ? bootstrapDecomposition(loaded.data, result, {
        replicates: options.bootstrap.replicates,
        seed: options.bootstrap.seed,
        level: options.bootstrap.level,
        type: options.bootstrap.type,
        decompose: decomposeOptions,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      })
    : undefined;
  const report: DecompositionReport = {
    result,
    file: loaded.file,
    ...(loaded.datasetNote ? { datasetNote: loaded.datasetNote } : {}),
    ...(bootstrap ? { bootstrap } : {}),
    ...(published ? { published } : {}),
  };
  const checks = options.expect
    ? checkExpectations(result, options.expect, {
        tolerance: options.tolerance,
        ...(options.expectWithinCi && bootstrap ? { withinInterval: bootstrap } : {}),
      })
    : [];
  return { text: render(report, options), checks };
}

/** The resampling unit of a bootstrap: the given column, rows for "none", else the first fixed-effect column. */
export function bootstrapCluster(options: DataOptions & { readonly bootstrap?: BootstrapSettings }): string | undefined {
  const requested = options.bootstrap!.cluster;
  if (requested === NO_CLUSTER) return undefined;
  if (requested !== undefined) return requested;
  return specFromOptions(options).groups.find((g) => g.kind === 'fixed-effect')?.columns[0];
}

function render(report: DecompositionReport, options: DecomposeOptions): string {
  switch (options.format) {
    case 'json':
      return renderDecompositionJson(report);
    case 'csv':
      return renderCsv(decompositionTabular(report));
    case 'markdown':
      return renderMarkdown(decompositionTabular(report));
    case 'svg':
      return renderDecompositionSvg(report, options.title !== undefined ? { title: options.title } : {});
    case 'table':
      return renderDecompositionTable(report, { color: options.color });
  }
}
