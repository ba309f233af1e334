import { ParameterError, UsageError } from '../errors.js';
import { headerNotes } from '../io/csv.js';
import { readPanel } from '../io/panel.js';
import { relocateRows } from '../io/segments.js';
import { derivationNotes, type DerivedColumn } from '../input/derive.js';
import { readInputSegments } from '../input/pipeline.js';
import { whereNote } from '../input/where.js';
import { FactoredModelBuilder, type FactoredModel, type NumericGroupShape } from '../models/design/factoredModel.js';
import { columnRequests, selectModelRows } from '../models/design/modelData.js';
import { droppedRowsWarning } from '../models/design/missingAlone.js';
import type { ModelSpec } from '../models/spec/spec.js';
import {
  inputRequest,
  loadModelData,
  planModel,
  requireDefaultModelColumns,
  usesDefaultModel,
  type DataOptions,
  type LoadedData,
  type ModelPlan,
  zeroWeightNote,
} from './data.js';

/** A model read by streaming: its triangular factor instead of its rows. */
export interface StreamedData {
  readonly model: FactoredModel;
  readonly spec: ModelSpec;
  readonly file: string;
  readonly notes: readonly string[];
  /** Lines for standard error (the warning when most rows were dropped). */
  readonly messages: readonly string[];
  /** Set for a bundled fixture: where the data come from. */
  readonly datasetNote?: string;
}

/** Whether a model can be reduced to its triangular factor while reading: no fixed effects, no cluster column. */
export function isStreamable(spec: ModelSpec): boolean {
  return (
    spec.cluster === undefined && spec.blocks === undefined && spec.groups.every((group) => group.kind === 'numeric')
  );
}

/**
 * Read the input for a model without fixed effects in segments (`readInputSegments`), each typed and reduced to
 * complete rows exactly as a whole-file read would be, and rotated into the model's triangular factor
 * (`FactoredModelBuilder`); memory does not grow with the number of rows, and inputs above the whole-file limit
 * can be read. A DfE statistics file comes back whole, and its rows are kept.
 *
 * @throws {UsageError} the model has fixed effects (callers check `isStreamable`).
 */
export function streamModelData(options: DataOptions, plan: ModelPlan = planModel(options)): StreamedData | LoadedData {
  const { spec } = plan;
  if (!isStreamable(spec))
    throw new UsageError('only models without fixed effects or clusters can be read by streaming');
  const input = readInputSegments(inputRequest(options, plan));
  if (input.kind === 'whole') return loadModelData(options, plan, input.input);
  const requests = columnRequests(spec);
  const builder = new FactoredModelBuilder(spec.groups as readonly NumericGroupShape[]);
  const derived = new Map<string, DerivedColumn>();
  let file = input.path;
  let rowsRead = 0;
  let first = true;
  let removed = 0;
  for (const { table, recordsBefore, derived: columns, where } of input.segments) {
    removed += where?.rowsRemoved ?? 0;
    file = table.file;
    if (first && usesDefaultModel(options)) requireDefaultModelColumns(table, spec);
    first = false;
    relocateRows(recordsBefore, () => {
      const panel = readPanel(table, requests, { missingTokens: options.missingTokens });
      builder.add(selectModelRows(panel, spec));
    });
    for (const column of columns) {
      const sum = derived.get(column.name);
      derived.set(
        column.name,
        sum ? { ...sum, missing: sum.missing + column.missing, invalid: sum.invalid + column.invalid } : column,
      );
    }
    rowsRead += table.records.length;
  }
  if (options.where !== undefined && rowsRead === 0) {
    throw new ParameterError('where', `removed every row of ${file} (${removed} read)`);
  }
  const model = builder.finish(
    file,
    requests.map((r) => r.name),
    rowsRead,
  );
  const warning = droppedRowsWarning(model);
  return {
    model,
    spec,
    file,
    messages: warning === undefined ? [] : [`warning: ${warning}`],
    notes: [
      ...headerNotes(file, input.header),
      ...plan.notes,
      ...derivationNotes([...derived.values()]),
      ...(model.droppedForZeroWeight ? [zeroWeightNote(model.droppedForZeroWeight, spec.weights!)] : []),
      ...(options.where !== undefined
        ? [whereNote({ text: options.where, rowsRead: rowsRead + removed, rowsRemoved: removed })]
        : []),
      ...(warning !== undefined ? [warning] : []),
    ],
    ...(input.datasetNote !== undefined ? { datasetNote: input.datasetNote } : {}),
  };
}
