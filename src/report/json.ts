import type { DecompositionReport } from './context.js';

/** Version of the JSON layout; bumped on any incompatible change (documented in the README). */
export const SCHEMA_VERSION = 1;

/**
 * The decomposition as a stable JSON document: shares as fractions of the outcome's total variance
 * and as percents (share × 100), unrounded.
 */
export function renderDecompositionJson(report: DecompositionReport): string {
  const { result } = report;
  const document = {
    schemaVersion: SCHEMA_VERSION,
    command: 'decompose',
    method: result.method,
    file: report.file,
    outcome: result.outcome,
    n: result.n,
    droppedRows: result.droppedRows,
    r2: result.r2,
    groups: result.groups.map((group) => ({
      name: group.name,
      kind: group.kind,
      columns: group.columns,
      ...(group.levels !== undefined ? { levels: group.levels } : {}),
      share: group.share,
      percent: group.share * 100,
    })),
    unexplained: { share: result.unexplained, percent: result.unexplained * 100 },
    subsets: result.subsets,
    notes: [...result.notes, ...(report.datasetNote ? [report.datasetNote] : [])],
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
