/**
 * The one way data come in. `readInput` opens an input (a file, standard input, or the bundled default dataset),
 * parses it (CSV, or a sheet of an Excel workbook recognised by its first bytes), recognises and normalises DfE
 * statistics files, and appends derived columns; `readInputSegments` does the same in segments of about 2 MiB for
 * inputs that are reduced while they are read. Every command that reads data goes through here, so every command
 * applies the same conventions and reports them the same way.
 */
import { createHash } from 'node:crypto';
import { InternalError, ParameterError, UsageError } from '../errors.js';
import { parseCsvTable, type HeaderReport, type RawTable } from '../io/csv.js';
import { detectDfeFormat, formatDfeReport, normaliseDfeTable, summariseDfeReport, type DfeReport } from '../io/dfe.js';
import { readTableSegments, relocateRows } from '../io/segments.js';
import { hasWorkbookSignature, peekInput, readSource, STDIN_NAME, type InputSource } from '../io/source.js';
import { readWorkbook } from '../io/workbook.js';
import { whereCondition } from '../models/spec/condition.js';
import { bundledDatasetNote, DEFAULT_DATASET, defaultDatasetPath } from './datasets.js';
import { appendDerivedColumns, type DerivedColumn } from './derive.js';
import { applyWhere, type WhereReport } from './where.js';
import { preparedInput } from './prepared.js';
import type { Derivation } from '../models/spec/expression.js';

/**
 * How much is said on standard error about how a file was read: nothing (`--quiet`), one line per DfE statistics
 * file (the default), or the full report of each (`--verbose`). JSON outputs carry the full report whatever it is.
 */
export type Verbosity = 'quiet' | 'summary' | 'verbose';

/** What to read and how. */
export interface InputRequest {
  /** A path, `-` for standard input; absent for the bundled default dataset. */
  readonly file?: string;
  /** DfE statistics files: the geographic level to keep (default "Local authority"). */
  readonly level?: string;
  /** Columns to append, in order, before anything else reads the table. */
  readonly derivations?: readonly Derivation[];
  /** Extra missing-value markers (derivations treat them as missing). */
  readonly missingTokens?: readonly string[];
  /** Workbooks: the sheet to read, by name or by number from 1 (default the first). */
  readonly sheet?: string;
  /** Workbooks: rows above the header to skip (title rows). */
  readonly skip?: number;
  /**
   * Whether `sheet` and `skip` may be given for a CSV input, which then ignores them: for commands that read
   * several files (join, stack), where they apply to the workbooks among them. Otherwise they are refused for a
   * CSV file, as --level is for a file that is not a DfE file.
   */
  readonly sheetOptionsForWorkbooksOnly?: boolean;
  /** A row filter (`--where`), applied after the derivations, so it can use derived columns. */
  readonly where?: string;
  /** Name header cells without a name `unnamed_N` (N: the column's position) instead of refusing the file. */
  readonly allowUnnamed?: boolean;
  /** What the `messages` of the prepared input say (default "summary"). */
  readonly verbosity?: Verbosity;
}

/** Apply the row filter of `request` to a table, when it has one. */
function filtered(table: RawTable, request: InputRequest): { table: RawTable; where?: WhereReport } {
  if (request.where === undefined) return { table };
  try {
    const result = applyWhere(table, whereCondition(request.where), request.where, request.missingTokens ?? []);
    return { table: result.table, where: result.report };
  } catch (error) {
    if (error instanceof UsageError && !(error instanceof ParameterError))
      throw new ParameterError('where', error.message);
    throw error;
  }
}

/** An input read whole: the table as the rest of the tool sees it, and what was done to it. */
export interface PreparedInput {
  readonly table: RawTable;
  /** The path read (the default dataset's full path when no file was given). */
  readonly path: string;
  /** DfE statistics files: suppressed cells per column and symbol, periods and levels. */
  readonly dfe?: DfeReport;
  /** Lines for standard error about how the file was read (DfE conventions). */
  readonly messages: readonly string[];
  /** One entry per derivation, with its missing and invalid rows. */
  readonly derived: readonly DerivedColumn[];
  /** Set for a bundled fixture: where the data come from. */
  readonly datasetNote?: string;
  /** SHA-256 (hex) of the bytes read, for reproducibility records. */
  readonly sha256: string;
  /** What `--where` removed. */
  readonly where?: WhereReport;
  /** Set for a workbook: the sheet read and the workbook's sheets. */
  readonly workbook?: { readonly sheet: string; readonly sheets: readonly string[] };
  /** Set when the header was changed: a row-names column left out, unnamed cells named (see `headerNotes`). */
  readonly header?: HeaderReport;
}

function located(request: InputRequest): { path: string; name?: string } {
  return request.file === undefined ? { path: defaultDatasetPath(), name: DEFAULT_DATASET } : { path: request.file };
}

function notDfe(table: RawTable, request: InputRequest): void {
  if (request.level !== undefined) {
    throw new UsageError(
      '--level applies to DfE statistics files (with time_period and geographic_level ' +
        `columns); ${table.file} is not one`,
    );
  }
}

/** --sheet and --skip are for workbooks; a CSV file refuses them unless they are meant for others (join, stack). */
function notWorkbook(file: string, request: InputRequest): void {
  if (request.sheetOptionsForWorkbooksOnly) return;
  const given = [request.sheet !== undefined ? '--sheet' : '', request.skip !== undefined ? '--skip' : ''].filter(
    (flag) => flag !== '',
  );
  if (given.length === 0) return;
  throw new UsageError(
    `${given.join(' and ')} ${given.length === 1 ? 'applies' : 'apply'} to workbooks ` +
      `(.xlsx, .ods); ${file} is CSV text`,
  );
}

/** Parse an input read whole: a sheet of a workbook (recognised by its first bytes), else CSV. */
function parse(
  source: InputSource,
  request: InputRequest,
): { table: RawTable; messages: readonly string[]; workbook?: PreparedInput['workbook']; header: HeaderReport } {
  if (hasWorkbookSignature(source.bytes)) {
    const read = readWorkbook(source, {
      ...(request.sheet !== undefined ? { sheet: request.sheet } : {}),
      ...(request.skip !== undefined ? { skip: request.skip } : {}),
      ...(request.allowUnnamed ? { allowUnnamed: true } : {}),
    });
    return {
      table: read.table,
      messages: read.messages,
      workbook: { sheet: read.sheet, sheets: read.sheets },
      header: read.header,
    };
  }
  notWorkbook(source.name, request);
  return parsedCsv(parseCsvTable(source, headerOptions(request)));
}

/** The header options of a request. */
function headerOptions(request: InputRequest): { allowUnnamed?: boolean } {
  return request.allowUnnamed ? { allowUnnamed: true } : {};
}

function parsedCsv(read: { table: RawTable; header: HeaderReport }) {
  return { table: read.table, messages: [] as readonly string[], header: read.header };
}

/** The report of a header that was changed, or undefined. */
function changed(header: HeaderReport | undefined): HeaderReport | undefined {
  return header && (header.rowNames || header.unnamed.length > 0) ? header : undefined;
}

/** Normalise a DfE file, then derive: the steps every whole table goes through. */
function prepare(
  parsed: RawTable,
  path: string,
  request: InputRequest,
  sha256: string,
  read: { messages: readonly string[]; workbook?: PreparedInput['workbook']; header?: HeaderReport } = {
    messages: [],
  },
): PreparedInput {
  let table = parsed;
  let dfe: DfeReport | undefined;
  if (detectDfeFormat(table.header)) {
    const normalised = normaliseDfeTable(table, request.level !== undefined ? { level: request.level } : {});
    table = normalised.table;
    dfe = normalised.report;
  } else {
    notDfe(table, request);
  }
  const derived = appendDerivedColumns(table, request.derivations ?? [], request.missingTokens ?? []);
  const kept = filtered(derived.table, request);
  const datasetNote = bundledDatasetNote(path);
  return {
    table: kept.table,
    ...(kept.where ? { where: kept.where } : {}),
    path,
    messages: readingMessages(read.messages, dfe, request.verbosity ?? 'summary'),
    derived: derived.columns,
    sha256,
    ...(dfe ? { dfe } : {}),
    ...(datasetNote !== undefined ? { datasetNote } : {}),
    ...(read.workbook ? { workbook: read.workbook } : {}),
    ...(changed(read.header) ? { header: read.header! } : {}),
  };
}

/** The lines about how a file was read, at the verbosity asked for. */
function readingMessages(read: readonly string[], dfe: DfeReport | undefined, verbosity: Verbosity): string[] {
  if (verbosity === 'quiet') return [];
  if (!dfe) return [...read];
  return [...read, ...(verbosity === 'verbose' ? formatDfeReport(dfe) : [summariseDfeReport(dfe)])];
}

/**
 * Read an input whole: parse (`readSource`, then `parseCsv` with every check of the reader, or `readWorkbook` for
 * an Excel workbook, recognised by its first bytes whatever its name), normalise a DfE statistics file
 * (`normaliseDfeTable`), append derived columns (`appendDerivedColumns`). A dataset that ships with the package
 * is taken from the copy parsed when the package was built, when that copy was made from the same bytes
 * (`preparedInput`).
 *
 * @throws {DataError} unreadable or malformed input (naming file, row and column; for a workbook, file and sheet);
 * {UsageError} --level on a file that is not a DfE file, --sheet or --skip on a CSV file, a derivation that names
 * an unknown column or an existing one; {ParameterError} (`sheet`) a workbook without the sheet asked for.
 */
export function readInput(request: InputRequest): PreparedInput {
  const { path, name } = located(request);
  // A shipped dataset comes from its parsed copy when the copy was made from these very bytes.
  const shipped = preparedInput(path, name ?? path);
  if (shipped) {
    notWorkbook(shipped.table.file, request);
    return prepare(shipped.table, path, request, shipped.sha256);
  }
  const source = readSource(path, undefined, { workbooks: true });
  const sha256 = createHash('sha256').update(source.bytes).digest('hex');
  const read = parse(name === undefined ? source : { ...source, name }, request);
  return prepare(read.table, path, request, sha256, read);
}

/** A segment of an input read in pieces: its table (derived columns appended) and where it lies. */
export interface PreparedSegment {
  readonly table: RawTable;
  /** What `--where` removed from this segment. */
  readonly where?: WhereReport;
  /** Data records of the input before this segment (row numbers in errors are those of the whole input). */
  readonly recordsBefore: number;
  readonly derived: readonly DerivedColumn[];
}

/** An input read in segments, or whole where it must be (DfE files are normalised as a whole). */
export type SegmentedInput =
  | { readonly kind: 'whole'; readonly input: PreparedInput }
  | {
      readonly kind: 'segments';
      readonly path: string;
      readonly datasetNote?: string;
      readonly segments: Iterable<PreparedSegment>;
      /** Set when the header was changed (as `PreparedInput`'s). */
      readonly header?: HeaderReport;
    };

/** Bytes looked at to tell a workbook from CSV text before reading an input in segments. */
const SIGNATURE_BYTES = 8;

/**
 * Read an input in segments of about 2 MiB (`readTableSegments`), each derived as a whole read would be, so that
 * memory does not grow with the number of rows. A workbook (recognised by its first bytes, which are looked at
 * without consuming them) is read whole by `readInput`, as workbooks are small and a sheet cannot be read in
 * pieces; so is a DfE statistics file (its levels and suppression report concern the whole file; such files are
 * small).
 */
export function readInputSegments(request: InputRequest): SegmentedInput {
  const { path, name } = located(request);
  if (hasWorkbookSignature(peekInput(path, SIGNATURE_BYTES))) return { kind: 'whole', input: readInput(request) };
  notWorkbook(name ?? (path === '-' ? STDIN_NAME : path), request);
  const segments = readTableSegments(path, {
    ...(name === undefined ? {} : { name }),
    header: headerOptions(request),
  });
  const first = segments.next();
  if (first.done) throw new InternalError('readTableSegments yields at least one segment');
  const { table, recordsBefore, header } = first.value;
  if (detectDfeFormat(table.header)) {
    const records = [...table.records];
    for (const segment of { [Symbol.iterator]: () => segments })
      for (const record of segment.table.records) records.push(record);
    // Segments do not keep their bytes; a DfE file is small, so it is hashed from its path.
    const sha256 = path === '-' ? '' : createHash('sha256').update(readSource(path).bytes).digest('hex');
    return { kind: 'whole', input: prepare({ ...table, records }, path, request, sha256, { messages: [], header }) };
  }
  notDfe(table, request);
  const derive = (segment: { table: RawTable; recordsBefore: number }): PreparedSegment =>
    relocateRows(segment.recordsBefore, () => {
      const derived = appendDerivedColumns(segment.table, request.derivations ?? [], request.missingTokens ?? []);
      const kept = filtered(derived.table, request);
      return {
        table: kept.table,
        recordsBefore: segment.recordsBefore,
        derived: derived.columns,
        ...(kept.where ? { where: kept.where } : {}),
      };
    });
  function* all(): Generator<PreparedSegment> {
    yield derive({ table, recordsBefore });
    for (const segment of { [Symbol.iterator]: () => segments }) yield derive(segment);
  }
  const datasetNote = bundledDatasetNote(path);
  return {
    kind: 'segments',
    path,
    ...(datasetNote !== undefined ? { datasetNote } : {}),
    segments: all(),
    ...(changed(header) ? { header } : {}),
  };
}
