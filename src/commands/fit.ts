import { fitModel, type SmallSampleRule } from '../models/fit/fit.js';
import type { FitReport } from '../report/fitReport.js';
import { render } from '../report/formats.js';
import { loadModelData, type DataOptions } from './data.js';
import type { OutputFormat } from '../report/formatNames.js';

export interface FitCommandOptions extends DataOptions {
  readonly intercept: boolean;
  readonly showFixedEffects: boolean;
  /** The K of the cluster-robust small-sample factor (default lm). */
  readonly ssc?: SmallSampleRule;
  /** Rank tolerance of the QR (default 1e-7, as R's lm). */
  readonly rankTolerance?: number;
  readonly format: OutputFormat;
}

/** Read, fit and report the regression behind a decomposition; `messages` are for standard error. */
export function runFit(options: FitCommandOptions): { text: string; messages: readonly string[] } {
  const loaded = loadModelData(options);
  const fitted = fitModel(loaded.data, {
    intercept: options.intercept,
    clustered: options.cluster !== undefined,
    fixedEffectCoefficients: options.showFixedEffects,
    ...(options.ssc !== undefined ? { ssc: options.ssc } : {}),
    ...(options.rankTolerance !== undefined ? { rankTolerance: options.rankTolerance } : {}),
  });
  const result = { ...fitted, notes: [...fitted.notes, ...loaded.notes] };
  const report: FitReport = {
    result,
    file: loaded.file,
    ...(loaded.datasetNote ? { datasetNote: loaded.datasetNote } : {}),
    ...(loaded.dfe ? { dfe: loaded.dfe } : {}),
  };
  return { text: render('fit', options.format, report, { color: false }), messages: loaded.messages };
}
