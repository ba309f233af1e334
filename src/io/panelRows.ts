import type { Panel, PanelColumn } from './panel.js';

/** The panel restricted to the given rows (in that order); categorical levels keep their labels. */
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
  const kept = panel.rows ? { rows: Array.from(rows, (row) => panel.rows![row]!) } : {};
  return { file, rowCount: rows.length, columns, ...kept };
}
