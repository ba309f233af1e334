import { packageVersion } from '../io/packageRoot.js';
import { bootstrapDecomposition } from '../models/bootstrap/bootstrap.js';
import { decompose } from '../models/methods/decompose.js';
import { fitModel } from '../models/fit/fit.js';
import { summarizeData } from '../models/design/summary.js';
import { droppedRowsWarning } from '../models/design/missingAlone.js';
import type { DecompositionReport } from '../report/context.js';
import { render } from '../report/formats.js';
import { loadModelData, type DataOptions } from './data.js';
import { modelPlan, refuseLongPermutations, type BootstrapSettings, type PermutationSettings } from './decompose.js';
import { permutationSeconds } from '../models/permutation/cost.js';
import { permutationNotes, permutationNull } from '../models/permutation/freedmanLane.js';

export interface ReportOptions extends DataOptions {
  /** Bootstrap intervals for the Shapley split. */
  readonly bootstrap?: BootstrapSettings;
  /** The permutation null (chance floor) of the Shapley shares. */
  readonly permutations?: PermutationSettings;
  /** Title of the page and of the split figure. */
  readonly title?: string;
  /** The exact command line, as the user typed it (shown in the reproducibility block). */
  readonly command: string;
  readonly onProgress?: (done: number, total: number) => void;
  readonly onPermutationProgress?: (done: number, total: number) => void;
}

/**
 * Read the data once and write the whole analysis as one HTML page: the Shapley split (with bootstrap
 * intervals when asked), the comparison of methods, the regression with classical standard errors, a summary
 * of the data, and what is needed to reproduce it (command, version, SHA-256 of the input, seed).
 */
export function runReport(options: ReportOptions): string {
  return reportWithMessages(options).text;
}

/** `runReport`, with the lines for standard error about how the file was read (DfE statistics files). */
export function reportWithMessages(options: ReportOptions): { text: string; messages: readonly string[] } {
  const plan = modelPlan(options);
  const loaded = loadModelData(options, plan);
  const { data } = loaded;
  const context = { file: loaded.file, ...(loaded.datasetNote ? { datasetNote: loaded.datasetNote } : {}) };
  // One decomposition serves both: "all" has the Shapley split as its headline and the other methods beside it.
  const all = decompose(data, { method: 'all' });
  const { comparison: _, ...shapleyPart } = all;
  const warning = droppedRowsWarning(data);
  const result = {
    ...shapleyPart,
    method: 'shapley' as const,
    notes: [...shapleyPart.notes, ...(warning !== undefined ? [warning] : [])],
  };
  const bootstrap = options.bootstrap
    ? bootstrapDecomposition(data, result, {
        replicates: options.bootstrap.replicates,
        seed: options.bootstrap.seed,
        level: options.bootstrap.level,
        type: options.bootstrap.type,
        decompose: { method: 'shapley' },
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      })
    : undefined;
  if (options.permutations)
    refuseLongPermutations(options.permutations.permutations, permutationSeconds(data, 'shapley'), 1);
  const permutation = options.permutations
    ? permutationNull(
        data,
        result.groups.map((g) => g.share),
        {
          permutations: options.permutations.permutations,
          seed: options.permutations.seed,
          method: 'shapley',
          ...(options.onPermutationProgress ? { onProgress: options.onPermutationProgress } : {}),
        },
      )
    : undefined;
  const split: DecompositionReport = {
    result: permutation ? { ...result, notes: [...result.notes, ...permutationNotes(data, permutation)] } : result,
    ...context,
    ...(bootstrap ? { bootstrap } : {}),
    ...(permutation ? { permutation } : {}),
  };
  const comparison: DecompositionReport = { result: all, ...context };
  const fit = { result: fitModel(data, { clustered: false }), ...context };
  const text = render(
    'report',
    'html',
    {
      split,
      comparison,
      fit,
      summary: summarizeData(data, data.n + data.droppedRows),
      reproducibility: {
        command: options.command,
        version: packageVersion(),
        // Standard input is named by no path a reader could hash again, so none is shown for it.
        sha256: options.file === '-' ? null : loaded.sha256,
        seed: bootstrap ? bootstrap.seed : permutation ? permutation.seed : null,
      },
    },
    { color: false, ...(options.title !== undefined ? { title: options.title } : {}) },
  );
  return { text, messages: loaded.messages };
}
