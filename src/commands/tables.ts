import { basename } from 'node:path';
import { whereCondition } from '../models/spec/condition.js';
import { readInput, type InputRequest, type PreparedInput, type Verbosity } from '../input/pipeline.js';
import { applyWhere, whereNote } from '../input/where.js';
import { UsageError } from '../errors.js';
import { headerNotes, type RawTable } from '../io/csv.js';
import type { DfeReport } from '../io/dfe.js';
import { formatSplitReport, splitCombinedRows } from '../io/combined.js';
import { dedupeTable, formatDedupeReport, type Keep } from '../io/dedupe.js';
import { joinTables } from '../io/join.js';
import { formatJoinReport } from '../io/join.js';
import { writeCsv } from '../report/csv.js';
import { formatStackReport, stackTables } from '../io/stack.js';
import { describeByCategory } from '../profile/byCategory.js';
import { describeKeys, describeTable } from '../profile/describe.js';
import { inFlag, parseDerivation } from '../models/spec/expression.js';
import type { FormatOf } from '../report/formatNames.js';
import { render } from '../report/formats.js';

/** How the table commands read each file: the DfE level, and a workbook's sheet and skipped rows. */
export interface ReadOptions {
  readonly level?: string;
  /** Excel workbooks: the sheet to read, by name or number from 1 (default the first). */
  readonly sheet?: string;
  /** Excel workbooks: rows above the header to skip. */
  readonly skip?: number;
  /** A row filter (`--where`): of each file read alone, of the output of join and stack. */
  readonly where?: string;
  /** Name header cells without a name `unnamed_N` instead of refusing a file. */
  readonly allowUnnamed?: boolean;
  /** How much to say on standard error about how each file was read (default one line per DfE file). */
  readonly verbosity?: Verbosity;
}

/** The pipeline's request for `path` read with `options`; `several` for commands reading several files. */
function inputOf(path: string | undefined, options: ReadOptions, several = false): InputRequest {
  return {
    ...(path !== undefined ? { file: path } : {}),
    ...(options.level !== undefined ? { level: options.level } : {}),
    ...(options.sheet !== undefined ? { sheet: options.sheet } : {}),
    ...(options.skip !== undefined ? { skip: options.skip } : {}),
    ...(several ? { sheetOptionsForWorkbooksOnly: true } : {}),
    ...(options.allowUnnamed ? { allowUnnamed: true } : {}),
    ...(options.verbosity !== undefined ? { verbosity: options.verbosity } : {}),
    // join and stack filter their output, not each file.
    ...(!several && options.where !== undefined ? { where: options.where } : {}),
  };
}

/** The `--where` filter of a whole output (join, stack), with its note. */
function outputFiltered(table: RawTable, where: string | undefined, messages: string[]): RawTable {
  if (where === undefined) return table;
  const result = applyWhere(table, whereCondition(where), where, []);
  messages.push(whereNote(result.report));
  return result.table;
}

/**
 * A CSV file or a workbook's sheet read as text through the one input pipeline, with DfE statistics conventions
 * applied; `messages` for stderr. With `several` (join, stack), --sheet and --skip apply to the workbooks only.
 */
function readTable(
  path: string,
  options: ReadOptions = {},
  several = false,
): { table: RawTable; messages: readonly string[]; workbook: boolean } {
  const input = readInput(inputOf(path, options, several));
  return {
    table: input.table,
    messages: [...readNotes(input), ...(input.where ? [whereNote(input.where)] : [])],
    workbook: input.workbook !== undefined,
  };
}

/** Lines for standard error about how an input was read: DfE conventions, the sheet, the header's changes. */
function readNotes(input: PreparedInput): string[] {
  return [...input.messages, ...headerNotes(input.table.file, input.header)];
}

/** The DfE report of an input, for the JSON of the commands that have JSON. */
function dfeOf(input: { readonly dfe?: DfeReport }): { dfe?: DfeReport } {
  return input.dfe ? { dfe: input.dfe } : {};
}

/** --sheet or --skip given to join or stack when none of the files is a workbook. */
function noWorkbookAmong(options: ReadOptions, read: readonly { workbook: boolean }[]): void {
  if (read.some((input) => input.workbook)) return;
  const given = [options.sheet !== undefined ? '--sheet' : '', options.skip !== undefined ? '--skip' : ''].filter(
    (flag) => flag !== '',
  );
  if (given.length === 0) return;
  throw new UsageError(
    `${given.join(' and ')} ${given.length === 1 ? 'applies' : 'apply'} to workbooks (.xlsx, .ods); ` +
      'none of the files is one',
  );
}

export interface JoinCommandOptions extends ReadOptions {
  readonly files: readonly string[];
  /** `col,col` for every file, or `FILE:col,col` for one file (FILE as given, or its base name). */
  readonly on: readonly string[];
  readonly how: 'inner' | 'left';
  /** A column to name unmatched keys by in the report (e.g. la_name), where present. */
  readonly label?: string;
  /** Split rows published for several authorities jointly ("314 / 318") into one row each before joining. */
  readonly splitCombined?: boolean;
}

/** `cpp-variance join`: merge files on their key columns; returns the CSV and the report lines for stderr. */
export function runJoin(options: JoinCommandOptions): { text: string; messages: string[] } {
  if (options.files.length < 2) throw new UsageError('join needs at least two files');
  const keysFor = resolveKeys(options.files, options.on);
  const messages: string[] = [];
  const tables = options.files.map((file) => readTable(file, options, true));
  noWorkbookAmong(options, tables);
  const inputs = tables.map(({ table: read, messages: readMessages }, i) => {
    messages.push(...readMessages);
    let table = read;
    if (options.splitCombined) {
      const split = splitCombinedRows(read, keysFor[i]!);
      table = split.table;
      messages.push(...formatSplitReport(read.file, split.split));
    }
    return {
      table,
      keys: keysFor[i]!,
      ...(options.label !== undefined && table.header.includes(options.label) ? { label: options.label } : {}),
    };
  });
  const { table, report } = joinTables(inputs, { how: options.how });
  messages.push(...formatJoinReport(report));
  const kept = outputFiltered(table, options.where, messages);
  return { text: writeCsv(kept.header, kept.records), messages };
}

function resolveKeys(files: readonly string[], on: readonly string[]): (readonly string[])[] {
  if (on.length === 0)
    throw new UsageError('join needs --on COL,COL (the key columns, e.g. --on old_la_code,time_period)');
  let common: string[] | undefined;
  const specific = new Map<number, string[]>();
  for (const text of on) {
    const colon = text.lastIndexOf(':');
    const columns = (colon >= 0 ? text.slice(colon + 1) : text).split(',').map((c) => c.trim());
    if (columns.some((c) => c === '')) throw new UsageError(`--on "${text}": empty column name`);
    if (colon < 0) {
      common = columns;
      continue;
    }
    const name = text.slice(0, colon);
    const index = files.findIndex(
      (file) => file === name || basename(file) === name || basename(file, '.csv') === name,
    );
    if (index < 0) throw new UsageError(`--on "${text}": "${name}" is not one of the files (${files.join(', ')})`);
    specific.set(index, columns);
  }
  return files.map((file, i) => {
    const keys = specific.get(i) ?? common;
    if (!keys) throw new UsageError(`--on: no key columns given for ${file}`);
    return keys;
  });
}

export interface StackCommandOptions extends ReadOptions {
  readonly files: readonly string[];
  /** The columns to keep (each must be in every file); default: all, and every file must have the same. */
  readonly columns?: readonly string[];
}

/**
 * `cpp-variance stack`: the rows of several files one after another (e.g. one workforce file per year, each
 * first given common column names by `derive`); returns the CSV and the report lines for stderr.
 */
export function runStack(options: StackCommandOptions): { text: string; messages: string[] } {
  const messages: string[] = [];
  const read = options.files.map((file) => readTable(file, options, true));
  noWorkbookAmong(options, read);
  const tables = read.map(({ table, messages: lines }) => {
    messages.push(...lines);
    return table;
  });
  const { table, report } = stackTables(tables, options.columns);
  messages.push(...formatStackReport(report));
  const kept = outputFiltered(table, options.where, messages);
  return { text: writeCsv(kept.header, kept.records), messages };
}

export interface DedupeCommandOptions extends ReadOptions {
  readonly file: string;
  readonly on: readonly string[];
  readonly keep: Keep;
}

/** `cpp-variance dedupe FILE --on KEYS --keep first|last|none`: one row per key; the report goes to stderr. */
export function runDedupe(options: DedupeCommandOptions): { text: string; messages: string[] } {
  const { table, messages } = readTable(options.file, options);
  const deduped = dedupeTable(table, options.on, options.keep);
  return {
    text: writeCsv(deduped.table.header, deduped.table.records),
    messages: [...messages, ...formatDedupeReport(deduped.report)],
  };
}

export interface DeriveCommandOptions extends ReadOptions {
  readonly file: string;
  readonly derive: readonly string[];
  readonly missingTokens: readonly string[];
}

/**
 * `cpp-variance derive FILE --derive 'name = expr' ...`: the file with derived columns appended (e.g. a rate
 * from a count and a population, or `year = time_period + 1` to align a 30 September snapshot with the next
 * 31 March). Values are written in full precision; missing results are empty cells, counted in the messages.
 */
export function runDerive(options: DeriveCommandOptions): { text: string; messages: string[] } {
  if (options.derive.length === 0) throw new UsageError('derive needs at least one --derive "name = expression"');
  const derivations = options.derive.map((text) => {
    try {
      return parseDerivation(text);
    } catch (error) {
      throw inFlag('--derive', text, error);
    }
  });
  const input = readInput({ ...inputOf(options.file, options), derivations, missingTokens: options.missingTokens });
  const name = basename(options.file);
  // Derivations come before the filter: their counts are of the rows read.
  const rows = input.where ? input.where.rowsRead : input.table.records.length;
  const messages = [
    ...readNotes(input),
    ...(input.where ? [whereNote(input.where)] : []),
    ...input.derived.map((column) =>
      column.copyOf !== undefined
        ? `${name}: derived ${column.name}: a copy of ${column.copyOf}`
        : `${name}: derived ${column.name}: ${column.missing} of ${rows} rows missing${
            column.invalid ? ` (${column.invalid} from division by zero or an invalid log, square root or power)` : ''
          }`,
    ),
  ];
  return { text: writeCsv(input.table.header, input.table.records), messages };
}

export interface DescribeCommandOptions extends ReadOptions {
  readonly file?: string;
  readonly unit?: string;
  readonly period?: string;
  readonly outcome?: string;
  /** Summaries by category of this column instead of the description. */
  readonly by?: string;
  /** With `by`: the numeric columns to summarise (default: every numeric column but `by`, the unit and the period). */
  readonly columns?: readonly string[];
  readonly missingTokens: readonly string[];
  /** `svg` only with `by` (describeRequest checks). */
  readonly format: FormatOf<'describe'> | FormatOf<'describeBy'>;
}

/**
 * `cpp-variance describe FILE`: columns, missing values, panel structure and the outcome's between/within split;
 * with `--by COL`, summaries of the numeric columns by category of COL (byCategory.ts) instead.
 */
export function runDescribe(options: DescribeCommandOptions): { text: string; messages: string[] } {
  const input = readInput({ ...inputOf(options.file, options), missingTokens: options.missingTokens });
  const { table } = input;
  const messages = [...readNotes(input), ...(input.where ? [whereNote(input.where)] : [])];
  const keys = {
    ...(options.unit !== undefined ? { unit: options.unit } : {}),
    ...(options.period !== undefined ? { period: options.period } : {}),
  };
  if (options.by !== undefined) {
    const found = describeKeys(table, keys);
    const result = describeByCategory(table, {
      by: options.by,
      missingTokens: options.missingTokens,
      exclude: [found?.unit, found?.period].filter((name): name is string => name !== undefined),
      ...(options.columns !== undefined ? { columns: options.columns } : {}),
    });
    const notes = input.datasetNote === undefined ? result.notes : [...result.notes, input.datasetNote];
    const text = render('describeBy', options.format, { ...result, notes, ...dfeOf(input) }, { color: false });
    return { text, messages: [...messages] };
  }
  const dfeMissing = input.dfe?.missing;
  const result = describeTable(table, {
    missingTokens: options.missingTokens,
    ...keys,
    ...(options.outcome !== undefined ? { outcome: options.outcome } : {}),
    ...(dfeMissing ? { dfeMissing } : {}),
  });
  // A bundled dataset says where it comes from (and that the synthetic panel is synthetic) in every output.
  const notes = input.datasetNote === undefined ? result.notes : [...result.notes, input.datasetNote];
  const text = render('describe', options.format, { ...result, notes, ...dfeOf(input) }, { color: false });
  return { text, messages: [...messages] };
}
