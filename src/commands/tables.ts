import { basename } from 'node:path';
import { UsageError } from '../errors.js';
import { parseCsv, type RawTable } from '../io/csv.js';
import { detectDfeFormat, formatDfeReport, normaliseDfeTable, type DfeReport } from '../io/dfe.js';
import { joinTables } from '../io/join.js';
import { formatJoinReport } from '../io/join.js';
import { formatCsv } from '../io/output.js';
import { DEFAULT_MISSING_TOKENS, readPanel } from '../io/panel.js';
import { readSource } from '../io/source.js';
import { formatStackReport, stackTables } from '../io/stack.js';
import { describeTable } from '../profile/describe.js';
import { columnsOf, evaluate, inFlag, parseDerivation } from '../models/spec/expression.js';
import { describeTabular, renderDescribeJson, renderDescribeTable } from '../report/describeReport.js';
import { renderCsv, renderMarkdown } from '../report/tabular.js';
import { DEFAULT_DATASET, defaultDatasetPath } from './data.js';

/** A CSV read as text, with DfE statistics conventions applied when recognised; `messages` for stderr. */
export function readTable(path: string, level: string | undefined): { table: RawTable; messages: string[] } {
  const table = parseCsv(readSource(path));
  if (!detectDfeFormat(table.header)) return { table, messages: [] };
  const normalised = normaliseDfeTable(table, level !== undefined ? { level } : {});
  return { table: normalised.table, messages: formatDfeReport(normalised.report) };
}

export interface JoinCommandOptions {
  readonly files: readonly string[];
  /** `col,col` for every file, or `FILE:col,col` for one file (FILE as given, or its base name). */
  readonly on: readonly string[];
  readonly how: 'inner' | 'left';
  /** A column to name unmatched keys by in the report (e.g. la_name), where present. */
  readonly label?: string;
  readonly level?: string;
}

/** `cpp-variance join`: merge files on their key columns; returns the CSV and the report lines for stderr. */
export function runJoin(options: JoinCommandOptions): { text: string; messages: string[] } {
  if (options.files.length < 2) throw new UsageError('join needs at least two files');
  const keysFor = resolveKeys(options.files, options.on);
  const messages: string[] = [];
  const inputs = options.files.map((file, i) => {
    const { table, messages: read } = readTable(file, options.level);
    messages.push(...read);
    return {
      table,
      keys: keysFor[i]!,
      ...(options.label !== undefined && table.header.includes(options.label) ? { label: options.label } : {}),
    };
  });
  const { table, report } = joinTables(inputs, { how: options.how });
  messages.push(...formatJoinReport(report));
  return { text: formatCsv(table.header, table.records), messages };
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

export interface StackCommandOptions {
  readonly files: readonly string[];
  /** The columns to keep (each must be in every file); default: all, and every file must have the same. */
  readonly columns?: readonly string[];
  readonly level?: string;
}

/**
 * `cpp-variance stack`: the rows of several files one after another (e.g. one workforce file per year, each
 * first given common column names by `derive`); returns the CSV and the report lines for stderr.
 */
export function runStack(options: StackCommandOptions): { text: string; messages: string[] } {
  const messages: string[] = [];
  const tables = options.files.map((file) => {
    const { table, messages: read } = readTable(file, options.level);
    messages.push(...read);
    return table;
  });
  const { table, report } = stackTables(tables, options.columns);
  messages.push(...formatStackReport(report));
  return { text: formatCsv(table.header, table.records), messages };
}

export interface DeriveCommandOptions {
  readonly file: string;
  readonly derive: readonly string[];
  readonly missingTokens: readonly string[];
  readonly level?: string;
}

/**
 * `cpp-variance derive FILE --derive 'name = expr' ...`: the file with derived columns appended (e.g. a rate
 * from a count and a population, or `year = time_period + 1` to align a 30 September snapshot with the next
 * 31 March). Values are written in full precision; missing results are empty cells, counted in the messages.
 */
export function runDerive(options: DeriveCommandOptions): { text: string; messages: string[] } {
  if (options.derive.length === 0) throw new UsageError('derive needs at least one --derive "name = expression"');
  const { table, messages } = readTable(options.file, options.level);
  const derivations = options.derive.map((text) => {
    try {
      return parseDerivation(text);
    } catch (error) {
      throw inFlag('--derive', text, error);
    }
  });
  // A derivation that only names a column copies it as text (renaming a key such as la_name or old_la_code);
  // anything else is arithmetic on numeric columns.
  const missing = new Set([...DEFAULT_MISSING_TOKENS, ...options.missingTokens.map((token) => token.trim())]);
  const derived = new Map<string, Float64Array | readonly string[]>();
  for (const d of derivations) {
    if (table.header.includes(d.name) || derived.has(d.name))
      throw new UsageError(`--derive "${d.text}": column "${d.name}" already exists`);
    if (d.expression.kind === 'column') {
      const source = d.expression.name;
      const earlier = derived.get(source);
      const index = table.header.indexOf(source);
      if (earlier === undefined && index < 0)
        throw new UsageError(`--derive "${d.text}": column "${source}" not found`);
      // A missing-value marker (the defaults and --na) is copied as an empty cell, as arithmetic would write it.
      derived.set(
        d.name,
        earlier
          ? earlier instanceof Float64Array
            ? Array.from(earlier, formatValue)
            : earlier
          : table.records.map((record) => (missing.has(record[index]!.trim()) ? '' : record[index]!)),
      );
      messages.push(`${basename(options.file)}: derived ${d.name}: a copy of ${source}`);
      continue;
    }
    const inputs = columnsOf(d.expression).filter((name) => !derived.has(name));
    const panel = readPanel(
      table,
      inputs.map((name) => ({ name, kind: 'numeric' as const })),
      { missingTokens: options.missingTokens },
    );
    const { values, invalid } = evaluate(
      d.expression,
      (name) => {
        const column = derived.get(name);
        if (column instanceof Float64Array) return column;
        if (column) return Float64Array.from(column, (cell) => (cell.trim() === '' ? Number.NaN : Number(cell)));
        const read = panel.columns.get(name);
        return read?.kind === 'numeric' ? read.values : undefined;
      },
      table.records.length,
    );
    derived.set(d.name, values);
    const missingRows = values.filter(Number.isNaN).length;
    messages.push(
      `${basename(options.file)}: derived ${d.name}: ${missingRows} of ${values.length} rows missing${invalid ? ` (${invalid} from division by zero or an invalid log, square root or power)` : ''}`,
    );
  }
  const names = [...derived.keys()];
  const cell = (column: Float64Array | readonly string[], i: number) =>
    column instanceof Float64Array ? formatValue(column[i]!) : column[i]!;
  const records = table.records.map((record, i) => [...record, ...names.map((name) => cell(derived.get(name)!, i))]);
  return { text: formatCsv([...table.header, ...names], records), messages };
}

function formatValue(value: number): string {
  return Number.isNaN(value) ? '' : String(value);
}

export interface DescribeCommandOptions {
  readonly file?: string;
  readonly unit?: string;
  readonly period?: string;
  readonly outcome?: string;
  readonly missingTokens: readonly string[];
  readonly level?: string;
  readonly format: 'table' | 'json' | 'csv' | 'markdown';
}

/** `cpp-variance describe FILE`: columns, missing values, panel structure and the outcome's between/within split. */
export function runDescribe(options: DescribeCommandOptions): { text: string; messages: string[] } {
  const path = options.file ?? defaultDatasetPath();
  const table0 = parseCsv(
    options.file === undefined ? { ...readSource(path), name: DEFAULT_DATASET } : readSource(path),
  );
  let table = table0;
  const messages: string[] = [];
  let dfeMissing: DfeReport['missing'] | undefined;
  if (detectDfeFormat(table0.header)) {
    const normalised = normaliseDfeTable(table0, options.level !== undefined ? { level: options.level } : {});
    table = normalised.table;
    dfeMissing = normalised.report.missing;
    messages.push(...formatDfeReport(normalised.report));
  }
  const result = describeTable(table, {
    missingTokens: options.missingTokens,
    ...(options.unit !== undefined ? { unit: options.unit } : {}),
    ...(options.period !== undefined ? { period: options.period } : {}),
    ...(options.outcome !== undefined ? { outcome: options.outcome } : {}),
    ...(dfeMissing ? { dfeMissing } : {}),
  });
  const text =
    options.format === 'json'
      ? renderDescribeJson(result)
      : options.format === 'csv'
        ? renderCsv(describeTabular(result))
        : options.format === 'markdown'
          ? renderMarkdown(describeTabular(result))
          : renderDescribeTable(result);
  return { text, messages };
}
