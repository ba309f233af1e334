import type { DecompositionMethod, DecompositionResult } from '../models/methods/decompose.js';
import { UNEXPLAINED } from '../models/spec/spec.js';
import { formatPercent, METHOD_LABELS } from './context.js';
import { SCHEMA_VERSION } from './json.js';
import { jsonText, printable, terminalText } from './printable.js';
import type { Tabular } from './tabular.js';
import type { DfeReport } from '../io/dfe.js';
import { displayOrder, meanShare, shareRanks, type GroupSort } from './ranking.js';

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
  /** Order of the groups in the output (absent: as given), by their mean share over the levels for "share". */
  readonly sort?: GroupSort;
}

function groupNames(report: ByReport): readonly string[] {
  return report.groups;
}

/** A group's share in a split, looked up by name (null where the split has no such group or no result). */
function shareIn(split: BySplit, name: string): number | null {
  if (!('result' in split)) return null;
  return split.result.groups.find((g) => g.name === name)?.share ?? null;
}

/**
 * The groups in the order they are shown, with each group's mean share over the estimable levels and its rank by
 * that mean (1 = largest; ties by name): `--sort share` orders by the mean, `name` by name, `given` as the model.
 */
export function byGroupOrder(report: ByReport): { name: string; mean: number | null; rank: number }[] {
  const items = groupNames(report).map((name) => ({
    name,
    share: meanShare(report.splits.map((split) => shareIn(split, name))),
  }));
  const ranks = shareRanks(items);
  return displayOrder(items, report.sort).map((i) => ({
    name: items[i]!.name,
    mean: items[i]!.share,
    rank: ranks[i]!,
  }));
}

/**
 * Whether the table is transposed: one row per group and one column per level. It is when there are more groups
 * than levels (20 measures × 7 years), so that the table grows down rather than across; otherwise one row per
 * level, as before. The same rule for the table, Markdown and CSV.
 */
export function transposed(report: ByReport): boolean {
  return groupNames(report).length > report.splits.length;
}

const percentCell = (share: number | null) => (share === null ? '' : `${formatPercent(share)}%`);

/**
 * One row per level (n, R², each group's share and the unexplained share, in percent) or, with more groups than
 * levels, one row per group (rank, group, its share at each level, its mean) with rows for the unexplained share,
 * R² and n. Levels and names from the data are shown through `printable`, and the whole text through
 * `terminalText`.
 */
export function renderByTable(report: ByReport): string {
  const by = printable(report.by);
  const body = transposed(report) ? transposedLines(report) : levelLines(report);
  const errors = transposed(report)
    ? report.splits.flatMap((split) =>
        'error' in split ? [`${by} ${printable(split.level)}: not estimable: ${printable(split.error)}`] : [],
      )
    : [];
  return terminalText(
    `${[
      `Variance of ${printable(report.outcome)} explained by each group, separately for each ${by} ` +
        `(${METHOD_LABELS[report.method]})`,
      '',
      ...body,
      '',
      ...errors,
      `data: ${printable(report.file)}`,
      ...report.notes.map((note) => `note: ${printable(note)}`),
    ].join('\n')}\n`,
  );
}

/** One row per level; the group columns in the order shown. */
function levelLines(report: ByReport): string[] {
  const order = byGroupOrder(report);
  const names = order.map((g) => printable(g.name));
  const header = [printable(report.by), 'n', 'R²', ...names, UNEXPLAINED];
  const rows = report.splits.map((split) =>
    'result' in split
      ? [
          printable(split.level),
          String(split.result.n),
          split.result.r2.toFixed(3),
          ...order.map((g) => percentCell(shareIn(split, g.name))),
          `${formatPercent(split.result.unexplained)}%`,
        ]
      : [printable(split.level), '', '', `not estimable: ${printable(split.error)}`],
  );
  const widths = header.map((h, j) =>
    Math.max(h.length, ...rows.filter((r) => r.length === header.length).map((r) => r[j]!.length)),
  );
  const line = (cells: readonly string[]) =>
    `  ${cells
      .map((cell, j) =>
        j === 0
          ? cell.padEnd(widths[j]!)
          : j < header.length && cells.length === header.length
            ? cell.padStart(widths[j]!)
            : cell,
      )
      .join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)];
}

/** One row per group (rank, name, share per level, mean), then the unexplained share, R² and n per level. */
function transposedLines(report: ByReport): string[] {
  const order = byGroupOrder(report);
  const levels = report.splits.map((split) => printable(split.level));
  const header = ['rank', 'group', ...levels, 'mean'];
  const results = report.splits.map((split) => ('result' in split ? split.result : undefined));
  const rows = [
    ...order.map((g) => [
      String(g.rank),
      printable(g.name),
      ...report.splits.map((split) => percentCell(shareIn(split, g.name))),
      percentCell(g.mean),
    ]),
    [
      '',
      UNEXPLAINED,
      ...results.map((r) => percentCell(r ? r.unexplained : null)),
      percentCell(meanShare(results.map((r) => (r ? r.unexplained : null)))),
    ],
    ['', 'R²', ...results.map((r) => (r ? r.r2.toFixed(3) : '')), ''],
    ['', 'n', ...results.map((r) => (r ? String(r.n) : '')), ''],
  ];
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (cells: readonly string[]) =>
    `  ${cells.map((cell, j) => (j === 1 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)];
}

/**
 * `{"schemaVersion":1,"command":"decompose","by":COL,"splits":[…]}`, each split
 * `{"level","n","droppedRows","r2","groups":[…],"unexplained"} | {"level","error"}`;
 * groups in the order given, each with its `rank` by share within the level when --sort is given.
 */
export function renderByJson(report: ByReport): string {
  const sorted = report.sort !== undefined && report.sort !== 'given';
  const document = {
    schemaVersion: SCHEMA_VERSION,
    command: 'decompose',
    method: report.method,
    by: report.by,
    file: report.file,
    outcome: report.outcome,
    ...(sorted ? { sort: report.sort } : {}),
    splits: report.splits.map((split) => {
      if (!('result' in split)) return { level: split.level, error: split.error };
      const ranks = shareRanks(split.result.groups);
      return {
        level: split.level,
        n: split.result.n,
        droppedRows: split.result.droppedRows,
        ...(split.result.missingAlone ? { missingAlone: split.result.missingAlone } : {}),
        r2: split.result.r2,
        groups: split.result.groups.map((g, i) => ({
          name: g.name,
          share: g.share,
          percent: g.share * 100,
          ...(split.result.sampling
            ? {
                mcSe: split.result.sampling.standardErrors[i]!,
                mcSePercent: split.result.sampling.standardErrors[i]! * 100,
              }
            : {}),
          ...(sorted ? { rank: ranks[i]! } : {}),
        })),
        unexplained: { share: split.result.unexplained, percent: split.result.unexplained * 100 },
      };
    }),
    ...(report.dfe ? { missing: report.dfe.missing, dfe: report.dfe } : {}),
    notes: report.notes,
  };
  return `${jsonText(document)}\n`;
}

/** The table of `renderByTable` for CSV and Markdown: shares as fractions, the same orientation and order. */
export function byTabular(report: ByReport): Tabular {
  const order = byGroupOrder(report);
  const title = `Variance of ${report.outcome} by ${report.by} (${report.method})`;
  if (transposed(report)) {
    const results = report.splits.map((split) => ('result' in split ? split.result : undefined));
    const errors = report.splits.some((split) => 'error' in split);
    return {
      title,
      columns: ['rank', 'group', ...report.splits.map((split) => split.level), 'mean'],
      rows: [
        ...order.map((g) => [g.rank, g.name, ...report.splits.map((split) => shareIn(split, g.name)), g.mean]),
        [
          null,
          UNEXPLAINED,
          ...results.map((r) => (r ? r.unexplained : null)),
          meanShare(results.map((r) => (r ? r.unexplained : null))),
        ],
        [null, 'r2', ...results.map((r) => (r ? r.r2 : null)), null],
        [null, 'n', ...results.map((r) => (r ? r.n : null)), null],
        ...(errors
          ? [[null, 'error', ...report.splits.map((split) => ('error' in split ? split.error : null)), null]]
          : []),
      ],
      notes: report.notes,
    };
  }
  return {
    title,
    columns: [report.by, 'n', 'r2', ...order.map((g) => g.name), UNEXPLAINED, 'error'],
    rows: report.splits.map((split) =>
      'result' in split
        ? [
            split.level,
            split.result.n,
            split.result.r2,
            ...order.map((g) => shareIn(split, g.name)),
            split.result.unexplained,
            null,
          ]
        : [split.level, null, null, ...order.map(() => null), null, split.error],
    ),
    notes: report.notes,
  };
}
