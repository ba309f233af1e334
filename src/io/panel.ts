import { DataError } from '../errors.js';
import { rowNumber, type RawTable } from './csv.js';

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
}

export interface PanelOptions {
  /** Extra cell values that mean "missing", in addition to DEFAULT_MISSING_TOKENS. */
  readonly missingTokens?: readonly string[];
}

/**
 * Read the requested columns of a table. Numeric cells must be plain decimal numbers
 * (`-1.5`, `2e3`, surrounding spaces allowed); anything else that is not a missing token is an error
 * naming file, row and column. Categorical cells are kept as trimmed text labels.
 */
export function readPanel(table: RawTable, requests: readonly ColumnRequest[], options: PanelOptions = {}): Panel {
  const missing = new Set([...DEFAULT_MISSING_TOKENS, ...(options.missingTokens ?? [])]);
  const columns = new Map<string, PanelColumn>();
  for (const request of requests) {
    if (columns.has(request.name)) continue;
    const index = table.header.indexOf(request.name);
    if (index < 0) {
      throw new DataError(`column "${request.name}" not found; the columns are: ${table.header.join(', ')}`, {
        file: table.file,
      });
    }
    columns.set(
      request.name,
      request.kind === 'numeric'
        ? readNumeric(table, index, request.name, missing)
        : readCategorical(table, index, request.name, missing),
    );
  }
  return { file: table.file, rowCount: table.records.length, columns };
}

const PLAIN_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

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
    const cell = record[index]!;
    if (missing.has(cell.trim())) {
      values[i] = Number.NaN;
      return;
    }
    const value = parseStrictNumber(cell);
    if (value === undefined) {
      throw new DataError(`${JSON.stringify(cell)} is not a number${missingHint(cell)}`, {
        file: table.file,
        row: rowNumber(i),
        column: name,
      });
    }
    values[i] = value;
  });
  return { kind: 'numeric', name, values };
}

function missingHint(cell: string): string {
  const text = cell.trim();
  if (/^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(text) || /^[+-]?\d+,\d+$/.test(text)) {
    return ' (use "." as the decimal point and no thousands separators)';
  }
  if (/^[+-]?(inf|infinity|nan)$/i.test(text)) return ' (infinite and NaN values are not data)';
  return ` (if it marks a missing value, add --na ${JSON.stringify(text)})`;
}

function readCategorical(table: RawTable, index: number, name: string, missing: ReadonlySet<string>): CategoricalColumn {
  const codes = new Int32Array(table.records.length);
  const levelIndex = new Map<string, number>();
  const levels: string[] = [];
  table.records.forEach((record, i) => {
    const label = record[index]!.trim();
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

/** Which rows have every named column present, and how many rows each column alone would drop. */
export interface CompleteCases {
  readonly rows: Int32Array;
  readonly droppedRows: number;
  readonly missingByColumn: Readonly<Record<string, number>>;
}

/** Listwise deletion: keep the rows where none of `names` is missing. */
export function completeCases(panel: Panel, names: readonly string[]): CompleteCases {
  const keep = new Uint8Array(panel.rowCount).fill(1);
  const missingByColumn: Record<string, number> = {};
  for (const name of names) {
    const column = panel.columns.get(name);
    if (!column) throw new DataError(`column "${name}" was not read`, { file: panel.file });
    let count = 0;
    for (let i = 0; i < panel.rowCount; i++) {
      const isMissing = column.kind === 'numeric' ? Number.isNaN(column.values[i]!) : column.codes[i]! < 0;
      if (isMissing) {
        count++;
        keep[i] = 0;
      }
    }
    missingByColumn[name] = count;
  }
  const rows: number[] = [];
  for (let i = 0; i < panel.rowCount; i++) if (keep[i]) rows.push(i);
  return { rows: Int32Array.from(rows), droppedRows: panel.rowCount - rows.length, missingByColumn };
}
