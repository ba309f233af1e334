import { join, resolve } from 'node:path';
import { parseCsv } from '../io/csv.js';
import { packageRoot } from '../io/packageRoot.js';
import { readPanel } from '../io/panel.js';
import { readSource } from '../io/source.js';
import { decompose, type DecompositionMethod } from '../models/decompose.js';
import { buildModelData, columnRequests } from '../models/modelData.js';
import { NAO_DEFAULT_SPEC, validateSpec, type GroupSpec, type ModelSpec } from '../models/spec.js';
import type { DecompositionReport } from '../report/context.js';
import { renderDecompositionJson } from '../report/json.js';
import { renderDecompositionTable } from '../report/table.js';

/** The dataset `decompose` uses when no file is given, relative to the package root. */
export const BUNDLED_DATASET = 'fixtures/nao-2019-synthetic.csv';

export const SYNTHETIC_NOTE =
  'these data are SYNTHETIC (made by `cpp-variance simulate --seed 2019`), calibrated to the NAO 2019 published split ' +
  '(44/15/10/6/25); they are not the NAO\'s data';

export type OutputFormat = 'table' | 'json';

export interface DecomposeOptions {
  readonly file?: string;
  readonly outcome?: string;
  readonly groups: readonly GroupSpec[];
  readonly missingTokens: readonly string[];
  readonly method: DecompositionMethod;
  /** Sequential order, as group names. */
  readonly order?: readonly string[];
  readonly format: OutputFormat;
  readonly color: boolean;
}

/** Path of the bundled dataset inside the installed package. */
export function bundledDatasetPath(): string {
  return join(packageRoot(), BUNDLED_DATASET);
}

/** The model a decompose call describes: the user's groups, or the NAO layout when none are given. */
export function specFromOptions(options: Pick<DecomposeOptions, 'outcome' | 'groups'>): ModelSpec {
  const base = options.groups.length > 0 ? { outcome: NAO_DEFAULT_SPEC.outcome, groups: options.groups } : NAO_DEFAULT_SPEC;
  return validateSpec({ ...base, outcome: options.outcome ?? base.outcome });
}

/** Read, fit and decompose; returns the rendered output. */
export function runDecompose(options: DecomposeOptions): string {
  const spec = specFromOptions(options);
  const path = options.file ?? bundledDatasetPath();
  const source = readSource(path);
  const table = parseCsv(options.file === undefined ? { ...source, name: BUNDLED_DATASET } : source);
  const panel = readPanel(table, columnRequests(spec), { missingTokens: options.missingTokens });
  const result = decompose(buildModelData(panel, spec), { method: options.method, ...(options.order ? { order: options.order } : {}) });
  const isBundled = resolve(path) === bundledDatasetPath();
  const report: DecompositionReport = {
    result,
    file: table.file,
    ...(isBundled ? { datasetNote: SYNTHETIC_NOTE } : {}),
  };
  return options.format === 'json' ? renderDecompositionJson(report) : renderDecompositionTable(report, { color: options.color });
}
