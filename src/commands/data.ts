import { join, resolve } from 'node:path';
import { parseCsv } from '../io/csv.js';
import { packageRoot } from '../io/packageRoot.js';
import { readPanel } from '../io/panel.js';
import { readSource } from '../io/source.js';
import { buildModelData, columnRequests, type ModelData } from '../models/modelData.js';
import { NAO_DEFAULT_SPEC, validateSpec, type GroupSpec, type ModelSpec } from '../models/spec.js';

/** The dataset used when no file is given, relative to the package root. */
export const BUNDLED_DATASET = 'fixtures/nao-2019-synthetic.csv';

export const SYNTHETIC_NOTE =
  'these data are SYNTHETIC (made by `cpp-variance simulate --seed 2019`), calibrated to the NAO 2019 published split ' +
  "(44/15/10/6/25); they are not the NAO's data";

/** What every model command needs to know to read its data and build its model. */
export interface DataOptions {
  readonly file?: string;
  readonly outcome?: string;
  readonly groups: readonly GroupSpec[];
  readonly cluster?: string;
  readonly missingTokens: readonly string[];
}

/** Model data and where they came from. */
export interface LoadedData {
  readonly data: ModelData;
  readonly spec: ModelSpec;
  /** The input as named in messages and reports. */
  readonly file: string;
  /** Set for the bundled synthetic dataset. */
  readonly datasetNote?: string;
}

/** Path of the bundled dataset inside the installed package. */
export function bundledDatasetPath(): string {
  return join(packageRoot(), BUNDLED_DATASET);
}

/** The model the flags describe: the user's groups, or the NAO layout when none are given. */
export function specFromOptions(options: Pick<DataOptions, 'outcome' | 'groups' | 'cluster'>): ModelSpec {
  const base = options.groups.length > 0 ? { outcome: NAO_DEFAULT_SPEC.outcome, groups: options.groups } : NAO_DEFAULT_SPEC;
  return validateSpec({
    ...base,
    outcome: options.outcome ?? base.outcome,
    ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
  });
}

/** Read and validate the input, then assemble the estimation sample for the model. */
export function loadModelData(options: DataOptions): LoadedData {
  const spec = specFromOptions(options);
  const path = options.file ?? bundledDatasetPath();
  const source = readSource(path);
  const table = parseCsv(options.file === undefined ? { ...source, name: BUNDLED_DATASET } : source);
  const panel = readPanel(table, columnRequests(spec), { missingTokens: options.missingTokens });
  const isBundled = path !== '-' && resolve(path) === bundledDatasetPath();
  return { data: buildModelData(panel, spec), spec, file: table.file, ...(isBundled ? { datasetNote: SYNTHETIC_NOTE } : {}) };
}
