import { DataError } from '../errors.js';
import { displayText, quotedText, rowNumber, type RawTable } from './csv.js';

/** Cells that mean "missing" in every file: empty, and R's `NA`. */
export const DEFAULT_MISSING_TOKENS: readonly string[] = ['', 'NA'];

/** How a column is to be read. */
export type ColumnKind = 'numeric' | 'categorical';

export interface ColumnRequest {
  readonly name: string;
  readonly kind: ColumnKind;
}

/** A numeric column; missing cells are NaN. */
export interface NumericColumn {
  readonly kind: 'numeric';
  readonly name: string;
  readonly values: Float64Array;
}

/** A categorical column as level codes (first-appearance order); missing cells are -1. */
export interface CategoricalColumn {
  readonly kind: 'categorical';
  readonly name: string;
  readonly codes: Int32Array;
  readonly levels: readonly string[];
}

export type PanelColumn = NumericColumn | CategoricalColumn;

/** The requested columns of a table, typed, for all of its data rows. */
export interface Panel {
  readonly file: string;
  readonly rowCount: number;
  readonly columns: ReadonlyMap<string, PanelColumn>;
  /** The spreadsheet row of each row, where it is not index + 2 (see RawTable's `rowNumbers`). */
  readonly rowNumbers?: readonly number[];
}

/** The spreadsheet row of row `index` of a panel (see `rowNumber`). */
export function panelRowNumber(panel: Pick<Panel, 'rowNumbers'>, index: number): number {
  return panel.rowNumbers?.[index] ?? index + 2;
}

export interface PanelOptions {
  /** Extra cell values that mean "missing", in addition to DEFAULT_MISSING_TOKENS. */
  readonly missingTokens?: readonly string[];
}

/**
 * Read the requested columns of a table. Numeric cells must be plain decimal numbers
 * (`-1.5`, `2e3`, surrounding spaces allowed); anything else that is not a missing token is an error
 * naming file, row and column, with a hint at the likely cause (decimal comma, thousands separator, `Inf`/`NaN`,
 * overflow, hexadecimal, a Unicode minus sign, units, or a missing-value marker to pass to `--na`).
 * Categorical cells are kept as trimmed text labels. Missing tokens are compared trimmed.
 *
 * @throws {DataError} a requested column is not in the header, or a numeric cell is not a number.
 * @example
 * const panel = readPanel(table, [{ name: 'la', kind: 'categorical' }, { name: 'spend', kind: 'numeric' }]);
 */
export function readPanel(table: RawTable, requests: readonly ColumnRequest[], options: PanelOptions = {}): Panel {
  const missing = new Set([...DEFAULT_MISSING_TOKENS, ...(options.missingTokens ?? []).map((token) => token.trim())]);
  const columns = new Map<string, PanelColumn>();
  for (const request of requests) {
    if (columns.has(request.name)) continue;
    const index = table.header.indexOf(request.name);
    if (index < 0) throw columnNotFound(table, request.name);
    columns.set(
      request.name,
      request.kind === 'numeric'
        ? readNumeric(table, index, request.name, missing)
        : readCategorical(table, index, request.name, missing),
    );
  }
  return {
    file: table.file,
    rowCount: table.records.length,
    columns,
    ...(table.rowNumbers ? { rowNumbers: table.rowNumbers } : {}),
  };
}

/**
 * A plain decimal number. Written so that no digit can be matched in two ways: the earlier
 * `\d+\.?\d*` backtracked quadratically on a long run of digits followed by a letter (100,000 digits took
 * 39 s; a 1 MiB cell would have taken hours).
 */
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parse one cell strictly as a finite decimal number; `undefined` if it is not one. */
export function parseStrictNumber(cell: string): number | undefined {
  const text = cell.trim();
  if (!PLAIN_NUMBER.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function readNumeric(table: RawTable, index: number, name: string, missing: ReadonlySet<string>): NumericColumn {
  const values = new Float64Array(table.records.length);
  table.records.forEach((record, i) => {
    const cell = cellOf(table, record, i, index, name);
    if (missing.has(cell.trim())) {
      values[i] = Number.NaN;
      return;
    }
    const value = parseStrictNumber(cell);
    if (value === undefined) {
      const kind = textColumnKind(table, index, missing);
      const hint = kind === undefined ? notNumberHint(cell) : textColumnHint(kind, name);
      throw new DataError(`${quotedText(cell)} is not a number${hint}`, {
        file: table.file,
        row: rowNumber(i, table),
        column: displayText(name),
      });
    }
    values[i] = value;
  });
  return { kind: 'numeric', name, values };
}

const LOGICAL = new Set(['TRUE', 'FALSE', 'True', 'False', 'true', 'false', 'T', 'F']);

/**
 * Whether a column asked for as numbers holds text or logical values: at least half of its non-missing cells are
 * short labels that are not numbers, with at least two different ones (a stray word in a numeric column is a
 * missing-value marker or a typo, and gets the cell's own hint).
 */
function textColumnKind(table: RawTable, index: number, missing: ReadonlySet<string>): 'text' | 'logical' | undefined {
  let present = 0;
  let numbers = 0;
  let logical = 0;
  const labels = new Set<string>();
  for (const record of table.records) {
    const cell = (record[index] ?? '').trim();
    if (missing.has(cell)) continue;
    present++;
    if (parseStrictNumber(cell) !== undefined) numbers++;
    else if (LOGICAL.has(cell)) logical++;
    else if (cell.length <= 40 && labels.size < 2) labels.add(cell);
  }
  const others = present - numbers;
  if (others === 0 || numbers > others || (labels.size < 2 && logical < others)) return undefined;
  return logical === others ? 'logical' : 'text';
}

function textColumnHint(kind: 'text' | 'logical', name: string): string {
  const column = displayText(name);
  return kind === 'logical'
    ? ` (a TRUE/FALSE column: a fixed effect, --fe NAME=${column}, fits the same as a 0/1 column)`
    : ` (a text column: use its values as categories with --fe NAME=${column}, or derive a 0/1 column from it)`;
}

/** Why a cell is not a plain decimal number, as a parenthesised hint for the message. */
function notNumberHint(cell: string): string {
  const text = cell.trim();
  if (
    /^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(text) ||
    /^[+-]?\d+,\d+$/.test(text) ||
    /^[+-]?\d{1,3}([ \u00a0\u202f]\d{3})+(\.\d+)?$/.test(text)
  ) {
    return ' (use "." as the decimal point and no thousands separators)';
  }
  if (/^[+-]?(inf|infinity|nan)$/i.test(text)) return ' (infinite and NaN values are not data)';
  if (PLAIN_NUMBER.test(text)) return ' (it is too large for a double-precision number)';
  if (/^[+-]?0x[0-9a-f]+$/i.test(text)) return ' (write it as a plain decimal number; hexadecimal is not read)';
  if (/^[\u2212\u2013\u2012]\s*\d/.test(text)) return ' (write the minus sign as the ASCII hyphen-minus "-")';
  if (/\d/.test(text))
    return ' (only a plain decimal number is read: no units, currency or percent signs, or other text)';
  if (text.length > 40 || /[\u0000-\u001f]/.test(text)) return '';
  return ` (if it marks a missing value, add --na ${quotedText(text)})`;
}

function readCategorical(
  table: RawTable,
  index: number,
  name: string,
  missing: ReadonlySet<string>,
): CategoricalColumn {
  const codes = new Int32Array(table.records.length);
  const levelIndex = new Map<string, number>();
  const levels: string[] = [];
  table.records.forEach((record, i) => {
    const label = cellOf(table, record, i, index, name).trim();
    if (missing.has(label)) {
      codes[i] = -1;
      return;
    }
    let code = levelIndex.get(label);
    if (code === undefined) {
      code = levels.length;
      levels.push(label);
      levelIndex.set(label, code);
    }
    codes[i] = code;
  });
  return { kind: 'categorical', name, codes, levels };
}

/**
 * The cell of a record; a record narrower than the header (possible only in a table not made by parseCsv) is an error.
 */
function cellOf(table: RawTable, record: readonly string[], i: number, index: number, name: string): string {
  const cell = record[index];
  if (typeof cell !== 'string') {
    throw new DataError(`has ${record.length} fields but the header has ${table.header.length}`, {
      file: table.file,
      row: rowNumber(i, table),
      column: displayText(name),
    });
  }
  return cell;
}

/** The columns listed in a "not found" message, at most. */
const LISTED_COLUMNS = 30;

/**
 * `column "x" not found; the columns are: …`, with a case-insensitive near miss when there is one, and `advice`
 * (what the caller knows about why the column was wanted) before the list of columns.
 */
export function columnNotFound(table: RawTable, name: string, advice?: string): DataError {
  const folded = name.trim().toLowerCase();
  const near = table.header.find((h) => h !== name && h.trim().toLowerCase() === folded);
  const hint = near === undefined ? '' : ` (did you mean "${displayText(near)}"? names are case-sensitive)`;
  const why = advice === undefined ? '' : `; ${advice}`;
  const shown = table.header.slice(0, LISTED_COLUMNS).map((h) => displayText(h, 40));
  const more = table.header.length > LISTED_COLUMNS ? `, … (${table.header.length} in all)` : '';
  return new DataError(
    `column "${displayText(name)}" not found${hint}${why}; the columns are: ${shown.join(', ')}${more}`,
    {
      file: table.file,
    },
  );
}

/** Which rows have every named column present, and how many rows each column drops, alone and in all. */
export interface CompleteCases {
  readonly rows: Int32Array;
  readonly droppedRows: number;
  /** Rows in which the column is missing. */
  readonly missingByColumn: Readonly<Record<string, number>>;
  /**
   * Rows that the column ALONE makes incomplete: present in every other named column but missing in this one
   * (the rows that would be kept if this column were dropped from the model, and only those).
   */
  readonly missingAlone: Readonly<Record<string, number>>;
}

/** Listwise deletion: keep the rows where none of `names` is missing (a name listed twice counts once). */
export function completeCases(panel: Panel, names: readonly string[]): CompleteCases {
  const columns = [...new Set(names)];
  // Per row: how many of the columns are missing, and the last of them.
  const missingCount = new Int32Array(panel.rowCount);
  const lastMissing = new Int32Array(panel.rowCount);
  const missingByColumn: Record<string, number> = {};
  const missingAlone: Record<string, number> = {};
  columns.forEach((name, c) => {
    const column = panel.columns.get(name);
    if (!column) throw new DataError(`column "${name}" was not read`, { file: panel.file });
    let count = 0;
    for (let i = 0; i < panel.rowCount; i++) {
      const isMissing = column.kind === 'numeric' ? Number.isNaN(column.values[i]!) : column.codes[i]! < 0;
      if (isMissing) {
        count++;
        missingCount[i]!++;
        lastMissing[i] = c;
      }
    }
    setCount(missingByColumn, name, count);
    setCount(missingAlone, name, 0);
  });
  const rows: number[] = [];
  for (let i = 0; i < panel.rowCount; i++) {
    if (missingCount[i] === 0) rows.push(i);
    else if (missingCount[i] === 1) missingAlone[columns[lastMissing[i]!]!]!++;
  }
  return { rows: Int32Array.from(rows), droppedRows: panel.rowCount - rows.length, missingByColumn, missingAlone };
}

/** A count by column name; defineProperty, not assignment: a column may be called "__proto__". */
function setCount(counts: Record<string, number>, name: string, value: number): void {
  Object.defineProperty(counts, name, { value, enumerable: true, writable: true, configurable: true });
}
