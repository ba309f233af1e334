import { fitModel } from '../models/fit.js';
import { renderFitJson, renderFitTable, type FitReport } from '../report/fitReport.js';
import { fitTabular, renderCsv, renderMarkdown } from '../report/tabular.js';
import { loadModelData, type DataOptions } from './data.js';
import type { OutputFormat } from './decompose.js';

export interface FitCommandOptions extends DataOptions {
  readonly intercept: boolean;
  readonly showFixedEffects: boolean;
  readonly format: OutputFormat;
}

/** Read, fit and report the regression behind a decomposition. */
export function runFit(options: FitCommandOptions): string {
  const loaded = loadModelData(options);
  const result = fitModel(loaded.data, {
    intercept: options.intercept,
    clustered: options.cluster !== undefined,
    fixedEffectCoefficients: options.showFixedEffects,
  });
  const report: FitReport = { result, file: loaded.file, ...(loaded.datasetNote ? { datasetNote: loaded.datasetNote } : {}) };
  switch (options.format) {
    case 'json':
      return renderFitJson(report);
    case 'csv':
      return renderCsv(fitTabular(report));
    case 'markdown':
      return renderMarkdown(fitTabular(report));
    case 'table':
      return renderFitTable(report);
  }
}
