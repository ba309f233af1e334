import { panelRowNumber, type Panel, type PanelColumn } from './panel.js';

/**
 * The panel restricted to the given rows (in that order); categorical levels keep their labels, and rows their
 * numbers in the file (so that errors about the selection name the file's rows).
 */
export function selectRows(panel: Panel, rows: Int32Array, file = panel.file): Panel {
  const columns = new Map<string, PanelColumn>();
  for (const [name, column] of panel.columns) {
    columns.set(
      name,
      column.kind === 'numeric'
        ? { ...column, values: Float64Array.from(rows, (row) => column.values[row]!) }
        : { ...column, codes: Int32Array.from(rows, (row) => column.codes[row]!) },
    );
  }
  return { file, rowCount: rows.length, columns, rowNumbers: Array.from(rows, (row) => panelRowNumber(panel, row)) };
}
