import { UsageError } from '../errors.js';
import type { RawTable } from '../io/csv.js';
import { detectDfeFormat } from '../io/dfe.js';
import { readTableSegments, relocateRows, type TableSegment } from '../io/segments.js';
import { FactoredModelBuilder, type FactoredModel, type NumericGroupShape } from '../models/design/factoredModel.js';
import { columnRequests, selectModelRows } from '../models/design/modelData.js';
import type { ModelSpec } from '../models/spec/spec.js';
import {
  bundledDatasetNote,
  derivationNotes,
  derivationsOf,
  inputOf,
  loadModelData,
  readWithDerivations,
  specFromOptions,
  type DataOptions,
  type LoadedData,
} from './data.js';

/** A model read by streaming: its triangular factor instead of its rows. */
export interface StreamedData {
  readonly model: FactoredModel;
  readonly spec: ModelSpec;
  readonly file: string;
  readonly notes: readonly string[];
  /** Set for a bundled fixture: where the data come from. */
  readonly datasetNote?: string;
}

/** Whether a model can be reduced to its triangular factor while reading: no fixed effects, no cluster column. */
export function isStreamable(spec: ModelSpec): boolean {
  return spec.cluster === undefined && spec.groups.every((group) => group.kind === 'numeric');
}

/**
 * Read the input for a model without fixed effects in segments (`readTableSegments`), each typed, derived and
 * reduced to complete rows exactly as a whole-file read would be, and rotated into the model's triangular factor
 * (`FactoredModelBuilder`); memory does not grow with the number of rows, and inputs above the whole-file limit
 * can be read. DfE statistics files are normalised as a whole (their geographic levels and suppression report
 * concern the whole file; they are small), so for those the segments are joined and the rows kept.
 *
 * @throws {UsageError} the model has fixed effects (callers check `isStreamable`).
 */
export function streamModelData(options: DataOptions): StreamedData | LoadedData {
  const spec = specFromOptions(options);
  if (!isStreamable(spec))
    throw new UsageError('only models without fixed effects or clusters can be read by streaming');
  const { path, name } = inputOf(options);
  const derivations = derivationsOf(options);
  const requests = columnRequests(spec);
  const builder = new FactoredModelBuilder(spec.groups as readonly NumericGroupShape[]);
  const invalid = new Map<string, number>();
  const segments = readTableSegments(path, name === undefined ? {} : { name });
  let file = name ?? path;
  let rowsRead = 0;
  for (const { table, recordsBefore } of segments) {
    file = table.file;
    if (recordsBefore === 0 && detectDfeFormat(table.header))
      return loadModelData(options, joinSegments(table, segments));
    if (options.level !== undefined) {
      throw new UsageError(
        `--level applies to DfE statistics files (with time_period and geographic_level columns); ${table.file} is not one`,
      );
    }
    relocateRows(recordsBefore, () => {
      const read = readWithDerivations(table, requests, derivations, options.missingTokens);
      for (const [column, count] of read.invalid) invalid.set(column, (invalid.get(column) ?? 0) + count);
      builder.add(selectModelRows(read.panel, spec));
    });
    rowsRead += table.records.length;
  }
  const model = builder.finish(
    file,
    requests.map((r) => r.name),
    rowsRead,
  );
  const datasetNote = bundledDatasetNote(path);
  return { model, spec, file, notes: derivationNotes(invalid), ...(datasetNote !== undefined ? { datasetNote } : {}) };
}

/** The first segment and every remaining one as one table. */
function joinSegments(first: RawTable, rest: Iterable<TableSegment>): RawTable {
  const records = [...first.records];
  for (const { table } of rest) for (const record of table.records) records.push(record);
  return { ...first, records };
}
