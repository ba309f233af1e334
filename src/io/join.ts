/**
 * Merge tables on shared keys (typically authority and year) so that every row that does not make it into the
 * result is counted and named. Pure: no file I/O, inputs are never mutated.
 */
import { basename } from 'node:path';
import { DataError, UsageError } from '../errors.js';
import { rowNumber, type RawTable } from './csv.js';

/** One table to join and the names of its key columns, in the same order as every other input's keys. */
export interface JoinInput {
  readonly table: RawTable;
  /** Key column names in this table, e.g. ['old_la_code', 'time_period'] here and ['la_code', 'year'] there. */
  readonly keys: readonly string[];
  /** Optional column shown beside unmatched keys in the report (e.g. 'la_name'); it does not affect matching. */
  readonly label?: string;
}

export interface JoinOptions {
  /**
   * `inner`: keep the rows of the first input whose key is in every other input.
   * `left`: keep every row of the first input; columns of an input without that key are left empty (missing).
   */
  readonly how: 'inner' | 'left';
}

/** A row whose key was not found in at least one other input. */
export interface UnmatchedKey {
  /** The key values (trimmed), in the order of the input's key columns. */
  readonly key: readonly string[];
  /** Spreadsheet row number in its own file (header = row 1). */
  readonly row: number;
  /** The row's value in the input's `label` column, when one was named. */
  readonly label?: string;
  /** The files that lack this key. */
  readonly missingFrom: readonly string[];
}

/** What happened to the rows of one input. rows = matchedRows + unmatched.length. */
export interface JoinInputReport {
  readonly file: string;
  readonly keys: readonly string[];
  readonly rows: number;
  /** Rows whose key is present in every other input. */
  readonly matchedRows: number;
  /** Every other row, in row order; a row with an empty key cell never matches and is listed here too. */
  readonly unmatched: readonly UnmatchedKey[];
  /** Rows with an empty key cell; when there are other inputs these never match and are among `unmatched`. */
  readonly missingKeyRows: number;
  /** Rows of this input that are not in the output (inner: all unmatched rows; left, first input: none). */
  readonly droppedRows: number;
  /**
   * Output rows in which this input's columns are empty because it lacks the key (left join, inputs after the first).
   */
  readonly filledRows: number;
  /** Non-key columns renamed because their name is used elsewhere: original name → output name. */
  readonly renamed: Readonly<Record<string, string>>;
}

export interface JoinReport {
  readonly how: 'inner' | 'left';
  /** The output's key columns (the first input's key names). */
  readonly keys: readonly string[];
  readonly outputRows: number;
  readonly inputs: readonly JoinInputReport[];
}

export interface JoinResult {
  /** The merged table; its `file` is 'join'. */
  readonly table: RawTable;
  readonly report: JoinReport;
}

/**
 * Join tables on key columns.
 *
 * - Keys are compared as trimmed strings: `202` and ` 202` match, `202` and `202.0` do not, nor do `201718`
 *   and `2017-18`, so normalise time labels first (normaliseDfeTable) and make sure the periods mean the same
 *   thing (a workforce snapshot at 30 September 2017 belongs with CIN census counts at 31 March 2018).
 * - A key that appears twice in one input is a DataError naming the file, the key and the rows. Rows with an
 *   empty key cell are exempt: they can never match and are counted as unmatched.
 * - Output header: the first input's key names, then every non-key column of each input in input order. A
 *   non-key column whose name occurs in more than one input, or equals an output key name, is renamed in every
 *   input where it occurs to `name.<file>`, where `<file>` is the file's base name without a `.csv` extension
 *   (`la_name` → `la_name.cpp` and `la_name.workforce`); if two inputs share a base name, `#<position>` (1-based)
 *   is added to it (`la_name.rates#2`).
 * - Output rows follow the first input's order; rows of later inputs whose key is not in the first input are
 *   dropped and counted. Output key cells are trimmed.
 *
 * @throws UsageError if there are no inputs or the inputs have different numbers of key columns.
 * @throws DataError if a key or label column is missing, or a key is duplicated within an input.
 * @example
 * const { table, report } = joinTables(
 *   [{ table: cpp, keys: ['old_la_code', 'time_period'] }, { table: workforce, keys: ['la_code', 'year'] }],
 *   { how: 'inner' },
 * );
 */
export function joinTables(inputs: readonly JoinInput[], options: JoinOptions): JoinResult {
  if (inputs.length === 0) throw new UsageError('joinTables needs at least one input table');
  const keyCount = inputs[0]!.keys.length;
  if (keyCount === 0)
    throw new UsageError(`joinTables needs at least one key column (${inputs[0]!.table.file} has none)`);
  const files = inputs.map((input) => input.table.file);
  for (const input of inputs) {
    if (input.keys.length !== keyCount) {
      throw new UsageError(
        `every input needs the same number of key columns: ${files[0]} has ${keyCount} ` +
          `(${inputs[0]!.keys.join(', ')}), ${input.table.file} has ${input.keys.length} (${input.keys.join(', ')})`,
      );
    }
  }

  const prepared = inputs.map(prepare);
  const outputKeys = [...inputs[0]!.keys];
  const tags = fileTags(files);
  const names = outputNames(prepared, outputKeys, tags);

  // Which inputs hold each key (only non-empty keys are indexed).
  const presence = prepared.map((input) => input.index);
  const missingFrom = (key: string | undefined, self: number): string[] =>
    files.filter((_, j) => j !== self && (key === undefined || !presence[j]!.has(key)));

  const base = prepared[0]!;
  const records: string[][] = [];
  const filled = new Array<number>(inputs.length).fill(0);
  const used = prepared.map((input) => new Uint8Array(input.table.records.length));
  base.table.records.forEach((record, i) => {
    const key = base.keys[i];
    const partners = prepared.map((input, j) => (j === 0 ? i : key === undefined ? undefined : input.index.get(key)));
    const complete = partners.every((partner) => partner !== undefined);
    if (!complete && options.how === 'inner') return;
    const out = base.keyIndices.map((index) => record[index]!.trim());
    prepared.forEach((input, j) => {
      const partner = partners[j];
      if (partner === undefined) {
        filled[j] = filled[j]! + 1;
        out.push(...input.dataIndices.map(() => ''));
      } else {
        used[j]![partner] = 1;
        const source = input.table.records[partner]!;
        out.push(...input.dataIndices.map((index) => source[index]!));
      }
    });
    records.push(out);
  });

  const reports: JoinInputReport[] = prepared.map((input, j) => {
    const unmatched: UnmatchedKey[] = [];
    input.table.records.forEach((record, i) => {
      const key = input.keys[i];
      const lacking = missingFrom(key, j);
      if (lacking.length === 0) return;
      const entry: UnmatchedKey = {
        key: input.keyIndices.map((index) => record[index]!.trim()),
        row: rowNumber(i, input.table),
        missingFrom: lacking,
        ...(input.labelIndex >= 0 ? { label: record[input.labelIndex]!.trim() } : {}),
      };
      unmatched.push(entry);
    });
    const rows = input.table.records.length;
    const usedRows = used[j]!.reduce((sum, flag) => sum + flag, 0);
    const renamed: Record<string, string> = {};
    input.dataIndices.forEach((index, position) => {
      const from = input.table.header[index]!;
      const to = names[j]![position]!;
      if (from !== to) renamed[from] = to;
    });
    return {
      file: input.table.file,
      keys: [...inputs[j]!.keys],
      rows,
      matchedRows: rows - unmatched.length,
      unmatched,
      missingKeyRows: input.keys.filter((key) => key === undefined).length,
      droppedRows: rows - usedRows,
      filledRows: j === 0 ? 0 : filled[j]!,
      renamed,
    };
  });

  const header = [...outputKeys, ...names.flat()];
  return {
    table: { file: 'join', header, records },
    report: { how: options.how, keys: outputKeys, outputRows: records.length, inputs: reports },
  };
}

interface PreparedInput {
  readonly table: RawTable;
  readonly keyIndices: readonly number[];
  readonly dataIndices: readonly number[];
  readonly labelIndex: number;
  /** Each record's key (undefined when a key cell is empty). */
  readonly keys: readonly (string | undefined)[];
  /** Key → record index. */
  readonly index: ReadonlyMap<string, number>;
}

const KEY_SEPARATOR = '\u0000';

function prepare(input: JoinInput): PreparedInput {
  const { table } = input;
  const column = (name: string, role: string): number => {
    const index = table.header.indexOf(name);
    if (index < 0) {
      throw new DataError(`${role} column "${name}" not found; the columns are: ${table.header.join(', ')}`, {
        file: table.file,
      });
    }
    return index;
  };
  const keyIndices = input.keys.map((name) => column(name, 'key'));
  const repeated = input.keys.find((name, i) => input.keys.indexOf(name) !== i);
  if (repeated !== undefined) throw new UsageError(`key column "${repeated}" is named twice for ${table.file}`);
  const labelIndex = input.label === undefined ? -1 : column(input.label, 'label');
  const dataIndices = table.header.flatMap((_, index) => (keyIndices.includes(index) ? [] : [index]));

  const keys: (string | undefined)[] = [];
  const rowsByKey = new Map<string, number[]>();
  table.records.forEach((record, i) => {
    const values = keyIndices.map((index) => record[index]!.trim());
    if (values.some((value) => value === '')) {
      keys.push(undefined);
      return;
    }
    const key = values.join(KEY_SEPARATOR);
    keys.push(key);
    const rows = rowsByKey.get(key);
    if (rows) rows.push(i);
    else rowsByKey.set(key, [i]);
  });
  const duplicates = [...rowsByKey.entries()].filter(([, rows]) => rows.length > 1);
  if (duplicates.length > 0) {
    const [key, rows] = duplicates[0]!;
    const numbers = rows.map((i) => rowNumber(i, table));
    const listed = `${numbers.slice(0, -1).join(', ')} and ${numbers[numbers.length - 1]}`;
    const times = rows.length === 2 ? 'twice' : `${rows.length} times`;
    const more = duplicates.length > 1 ? ` (${duplicates.length - 1} more keys appear more than once)` : '';
    throw new DataError(
      `rows ${listed}: key ${describeKey(input.keys, key.split(KEY_SEPARATOR))} appears ${times}${more}`,
      {
        file: table.file,
      },
    );
  }
  const index = new Map<string, number>();
  for (const [key, rows] of rowsByKey) index.set(key, rows[0]!);
  return { table, keyIndices, dataIndices, labelIndex, keys, index };
}

/** `(la_code=202, year=2019)` */
function describeKey(names: readonly string[], values: readonly string[]): string {
  return `(${names.map((name, i) => `${name}=${values[i]}`).join(', ')})`;
}

/** Each file's suffix for renamed columns: its base name without `.csv`, with `#<position>` if two inputs share it. */
function fileTags(files: readonly string[]): string[] {
  const stems = files.map((file) => basename(file).replace(/\.csv$/i, ''));
  return stems.map((stem, i) => (stems.filter((other) => other === stem).length > 1 ? `${stem}#${i + 1}` : stem));
}

/**
 * Output names of each input's non-key columns, renaming names that occur in more than one input or as an output key.
 */
function outputNames(
  prepared: readonly PreparedInput[],
  outputKeys: readonly string[],
  tags: readonly string[],
): string[][] {
  const occurrences = new Map<string, number>();
  for (const input of prepared) {
    for (const index of input.dataIndices) {
      const name = input.table.header[index]!;
      occurrences.set(name, (occurrences.get(name) ?? 0) + 1);
    }
  }
  const names = prepared.map((input, j) =>
    input.dataIndices.map((index) => {
      const name = input.table.header[index]!;
      return occurrences.get(name)! > 1 || outputKeys.includes(name) ? `${name}.${tags[j]}` : name;
    }),
  );
  const seen = new Set(outputKeys);
  for (const name of names.flat()) {
    if (seen.has(name)) {
      throw new DataError(
        `joined column name "${name}" would occur twice even after renaming; rename the column in one of the files`,
        {
          file: 'join',
        },
      );
    }
    seen.add(name);
  }
  return names;
}

/** How many unmatched key groups formatJoinReport lists per input before summarising the rest. */
const JOIN_REPORT_MAX_GROUPS = 40;

/**
 * Lines for people (stderr) describing a JoinReport: one line per input with its counts, then its unmatched keys
 * grouped by all key columns but the last (one line per authority listing its years; authorities missing the same
 * years share a line), then renamed columns. Years are sorted and runs shown as `2013–2016`.
 *
 * @example formatJoinReport(report)[0] // 'join (inner) on old_la_code, time_period: 2 inputs, 1,300 output rows'
 */
export function formatJoinReport(report: JoinReport): string[] {
  const lines = [
    `join (${report.how}) on ${report.keys.join(', ')}: ${report.inputs.length} ` +
      `input${report.inputs.length === 1 ? '' : 's'}, ${formatCount(report.outputRows)} output rows`,
  ];
  report.inputs.forEach((input, j) => {
    const parts = [`${formatCount(input.rows)} rows`, `${formatCount(input.matchedRows)} matched`];
    if (input.unmatched.length > 0) parts.push(`${formatCount(input.unmatched.length)} unmatched`);
    if (input.missingKeyRows > 0) parts.push(`${formatCount(input.missingKeyRows)} with an empty key`);
    parts.push(`${formatCount(input.droppedRows)} dropped`);
    if (j > 0 && report.how === 'left') parts.push(`${formatCount(input.filledRows)} output rows filled with missing`);
    lines.push(`  ${input.file}: ${parts.join(', ')}`);
    const groups = groupUnmatched(input);
    groups.slice(0, JOIN_REPORT_MAX_GROUPS).forEach((group) => lines.push(`    ${group}`));
    if (groups.length > JOIN_REPORT_MAX_GROUPS)
      lines.push(`    ... and ${formatCount(groups.length - JOIN_REPORT_MAX_GROUPS)} more`);
    const renamed = Object.entries(input.renamed);
    if (renamed.length > 0) lines.push(`    renamed: ${renamed.map(([from, to]) => `${from} → ${to}`).join(', ')}`);
  });
  return lines;
}

function groupUnmatched(input: JoinInputReport): string[] {
  const last = input.keys.length - 1;
  const shown = (value: string) => (value === '' ? '(empty)' : value);
  if (last === 0) {
    return input.unmatched.map((entry) => {
      const label = entry.label !== undefined && entry.label !== '' ? ` "${entry.label}"` : '';
      return (
        `${input.keys[0]}=${shown(entry.key[0]!)}${label} row ${entry.row} ` +
        `(not in ${entry.missingFrom.join(', ')})`
      );
    });
  }
  // One group per value of the leading key columns (e.g. per authority), listing the last key's values (years).
  const heads = new Map<string, { values: string; label: string; tails: string[]; missingFrom: Set<string> }>();
  const headNames = input.keys.slice(0, last);
  for (const entry of input.unmatched) {
    const values = entry.key.slice(0, last).map(shown);
    const id = values.join('\u0000');
    let head = heads.get(id);
    if (!head) {
      const label = entry.label !== undefined && entry.label !== '' ? ` "${entry.label}"` : '';
      head = { values: values.join(', '), label, tails: [], missingFrom: new Set() };
      heads.set(id, head);
    }
    head.tails.push(shown(entry.key[last]!));
    for (const file of entry.missingFrom) head.missingFrom.add(file);
  }
  // Leading-key values that lack the same last-key values in the same files share one line.
  const lines = new Map<string, { tails: string; missingFrom: string; members: string[] }>();
  for (const head of heads.values()) {
    const tails = compactValues(head.tails);
    const missingFrom = [...head.missingFrom].join(', ');
    const id = `${tails}\u0000${missingFrom}`;
    let line = lines.get(id);
    if (!line) {
      line = { tails, missingFrom, members: [] };
      lines.set(id, line);
    }
    line.members.push(`${head.values}${head.label}`);
  }
  const names = headNames.join(', ');
  return [...lines.values()].map(({ tails, missingFrom, members }) => {
    const who =
      members.length === 1
        ? `${headNames.length === 1 ? `${names}=` : `(${names})=`}${members[0]}`
        : `${members.length} values of ${names} ` +
          `(${members.slice(0, 5).join('; ')}${members.length > 5 ? '; ...' : ''})`;
    return `${who} ${input.keys[last]}=${tails} (not in ${missingFrom})`;
  });
}

/** Distinct values sorted (numerically when all are integers), with runs of 3+ consecutive integers as `a–b`. */
function compactValues(values: readonly string[]): string {
  const distinct = [...new Set(values)];
  if (!distinct.every((value) => /^-?\d+$/.test(value))) return distinct.sort().join(', ');
  const numbers = distinct.map(Number).sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < numbers.length; ) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    if (j - i >= 2) parts.push(`${numbers[i]}–${numbers[j]}`);
    else for (let k = i; k <= j; k++) parts.push(String(numbers[k]));
    i = j + 1;
  }
  return parts.join(', ');
}

function formatCount(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
