import { decompose, type DecompositionMethod } from '../models/decompose.js';
import type { DecompositionReport } from '../report/context.js';
import { renderDecompositionJson } from '../report/json.js';
import { renderDecompositionTable } from '../report/table.js';
import { decompositionTabular, renderCsv, renderMarkdown } from '../report/tabular.js';
import { loadModelData, type DataOptions } from './data.js';

export const OUTPUT_FORMATS = ['table', 'json', 'csv', 'markdown'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface DecomposeOptions extends DataOptions {
  readonly method: DecompositionMethod;
  /** Sequential order, as group names. */
  readonly order?: readonly string[];
  readonly format: OutputFormat;
  readonly color: boolean;
}

/** Read, fit and decompose; returns the rendered output. */
export function runDecompose(options: DecomposeOptions): string {
  const loaded = loadModelData(options);
  const result = decompose(loaded.data, { method: options.method, ...(options.order ? { order: options.order } : {}) });
  const report: DecompositionReport = { result, file: loaded.file, ...(loaded.datasetNote ? { datasetNote: loaded.datasetNote } : {}) };
  switch (options.format) {
    case 'json':
      return renderDecompositionJson(report);
    case 'csv':
      return renderCsv(decompositionTabular(report));
    case 'markdown':
      return renderMarkdown(decompositionTabular(report));
    case 'table':
      return renderDecompositionTable(report, { color: options.color });
  }
}
