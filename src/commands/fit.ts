import { fitModel } from '../models/fit/fit.js';
import { renderFitJson, renderFitTable, type FitReport } from '../report/fitReport.js';
import { fitTabular, renderCsv, renderMarkdown } from '../report/tabular.js';
import { loadModelData, type DataOptions } from './data.js';
import type { OutputFormat } from './decompose.js';

export interface FitCommandOptions extends DataOptions {
  readonly intercept: boolean;
  readonly showFixedEffects: boolean;
  readonly format: OutputFormat;
}

/** Read, fit and report the regression behind a decomposition; `messages` are for standard error. */
export function runFit(options: FitCommandOptions): { text: string; messages: readonly string[] } {
  const loaded = loadModelData(options);
  const fitted = fitModel(loaded.data, {
    intercept: options.intercept,
    clustered: options.cluster !== undefined,
    fixedEffectCoefficients: options.showFixedEffects,
  });
  const result = { ...fitted, notes: [...fitted.notes, ...loaded.notes] };
  const report: FitReport = {
    result,
    file: loaded.file,
    ...(loaded.datasetNote ? { datasetNote: loaded.datasetNote } : {}),
  };
  return { text: render(report, options.format), messages: loaded.messages };
}

function render(report: FitReport, format: OutputFormat): string {
  switch (format) {
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
