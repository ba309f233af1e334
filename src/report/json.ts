import type { DecompositionReport } from './context.js';

/** Version of the JSON layout; bumped on any incompatible change (documented in the README). */
export const SCHEMA_VERSION = 1;

const withPercent = <T extends { share: number }>(item: T) => ({ ...item, percent: item.share * 100 });

/**
 * The decomposition as a stable JSON document: shares as fractions of the outcome's total variance
 * and as percents (share × 100), unrounded; method-specific sections as documented in the README.
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
    groups: result.groups.map((group) =>
      withPercent({
        name: group.name,
        kind: group.kind,
        columns: group.columns,
        ...(group.levels !== undefined ? { levels: group.levels } : {}),
        share: group.share,
      }),
    ),
    unexplained: withPercent({ share: result.unexplained }),
    subsets: result.subsets,
    ...(result.owen ? { owen: { columns: result.owen.columns.map(withPercent) } } : {}),
    ...(result.sequential ? { sequential: result.sequential } : {}),
    ...(result.unique ? { unique: { shared: withPercent({ share: result.unique.shared }) } } : {}),
    ...(result.commonality ? { commonality: { sets: result.commonality.sets.map(withPercent) } } : {}),
    ...(result.dominance ? { dominance: result.dominance } : {}),
    ...(result.comparison ? { comparison: result.comparison } : {}),
    notes: [...result.notes, ...(report.datasetNote ? [report.datasetNote] : [])],
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
