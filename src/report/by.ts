import type { DecompositionMethod, DecompositionResult } from '../models/methods/decompose.js';
import { UNEXPLAINED } from '../models/spec/spec.js';
import { formatPercent, METHOD_LABELS } from './context.js';
import { SCHEMA_VERSION } from './json.js';
import { jsonText, printable, terminalText } from './printable.js';
import type { Tabular } from './tabular.js';
import type { DfeReport } from '../io/dfe.js';

/** One level's decomposition, or why it could not be made. */
export type BySplit =
  | { readonly level: string; readonly result: DecompositionResult }
  | { readonly level: string; readonly error: string };

/** `decompose --by COL`: one split per level of COL. */
export interface ByReport {
  readonly by: string;
  readonly method: DecompositionMethod;
  readonly outcome: string;
  readonly file: string;
  /** Names of the groups in the splits, in order. */
  readonly groups: readonly string[];
  readonly splits: readonly BySplit[];
  readonly notes: readonly string[];
  /** DfE files: the whole report of how the file was read. */
  readonly dfe?: DfeReport;
}

function groupNames(report: ByReport): readonly string[] {
  return report.groups;
}

/**
 * One row per level: n, R², each group's share and the unexplained share, in percent. Levels and names from the
 * data are shown through `printable`, and the whole text through `terminalText`.
 */
export function renderByTable(report: ByReport): string {
  const names = groupNames(report).map(printable);
  const by = printable(report.by);
  const header = [by, 'n', 'R²', ...names, UNEXPLAINED];
  const rows = report.splits.map((split) =>
    'result' in split
      ? [
          printable(split.level),
          String(split.result.n),
          split.result.r2.toFixed(3),
          ...split.result.groups.map((g) => `${formatPercent(g.share)}%`),
          `${formatPercent(split.result.unexplained)}%`,
        ]
      : [printable(split.level), '', '', `not estimable: ${printable(split.error)}`],
  );
  const widths = header.map((h, j) =>
    Math.max(h.length, ...rows.filter((r) => r.length === header.length).map((r) => r[j]!.length)),
  );
  const line = (cells: readonly string[]) =>
    `  ${cells.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : j < header.length && cells.length === header.length ? cell.padStart(widths[j]!) : cell)).join('  ')}`.trimEnd();
  return terminalText(
    `${[
      `Variance of ${printable(report.outcome)} explained by each group, separately for each ${by} (${METHOD_LABELS[report.method]})`,
      '',
      line(header),
      ...rows.map(line),
      '',
      `data: ${printable(report.file)}`,
      ...report.notes.map((note) => `note: ${printable(note)}`),
    ].join('\n')}\n`,
  );
}

/** `{"schemaVersion":1,"command":"decompose","by":COL,"splits":[{"level","n","droppedRows","r2","groups":[…],"unexplained"} | {"level","error"}]}` */
export function renderByJson(report: ByReport): string {
  const document = {
    schemaVersion: SCHEMA_VERSION,
    command: 'decompose',
    method: report.method,
    by: report.by,
    file: report.file,
    outcome: report.outcome,
    splits: report.splits.map((split) =>
      'result' in split
        ? {
            level: split.level,
            n: split.result.n,
            droppedRows: split.result.droppedRows,
            ...(split.result.missingAlone ? { missingAlone: split.result.missingAlone } : {}),
            r2: split.result.r2,
            groups: split.result.groups.map((g) => ({ name: g.name, share: g.share, percent: g.share * 100 })),
            unexplained: { share: split.result.unexplained, percent: split.result.unexplained * 100 },
          }
        : { level: split.level, error: split.error },
    ),
    ...(report.dfe ? { missing: report.dfe.missing, dfe: report.dfe } : {}),
    notes: report.notes,
  };
  return `${jsonText(document)}\n`;
}

export function byTabular(report: ByReport): Tabular {
  const names = groupNames(report);
  return {
    title: `Variance of ${report.outcome} by ${report.by} (${report.method})`,
    columns: [report.by, 'n', 'r2', ...names, UNEXPLAINED, 'error'],
    rows: report.splits.map((split) =>
      'result' in split
        ? [
            split.level,
            split.result.n,
            split.result.r2,
            ...split.result.groups.map((g) => g.share),
            split.result.unexplained,
            null,
          ]
        : [split.level, null, null, ...names.map(() => null), null, split.error],
    ),
    notes: report.notes,
  };
}
