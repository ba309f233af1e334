import { writeCsv } from './csv.js';
import { SYNTHETIC_NOTE } from '../input/datasets.js';
import type { DecompositionReport } from './context.js';
import { estimatorLabel, formatPercent, intervalOf, nullOf } from './context.js';
import type { FitReport } from './fitReport.js';
import { formatNumber, formatP } from './fitReport.js';
import { CONTROLS, UNEXPLAINED } from '../models/spec/spec.js';
import { markdownText, printableLines } from './printable.js';
import { displayOrder, isCompact, shareRanks } from './ranking.js';
import { lostRowsLine } from './table.js';

/** A format-neutral table: what CSV and Markdown render. Numbers stay numbers until the renderer. */
export interface Tabular {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number | null)[])[];
  readonly notes: readonly string[];
}

/**
 * One row per group (and the unexplained rest; method-specific rows where the method has them), in the order of
 * `--sort`. When every group is one numeric column (`isCompact`) the columns are rank, measure, share, percent;
 * otherwise group, kind, columns, levels, share, percent, with a leading rank when sorted. Monte Carlo standard
 * errors (`mc_se`, a fraction like share) follow percent when the shares were estimated by sampling.
 */
export function decompositionTabular(report: DecompositionReport): Tabular {
  const { result } = report;
  const order = displayOrder(result.groups, report.sort);
  if (result.comparison) {
    const rows = result.comparison.rows;
    const adjusted = result.adjusted;
    return {
      title: `Variance of ${result.outcome}: comparison of methods`,
      columns: [
        'group',
        'shapley',
        'owen',
        'sequential',
        'sequential_reverse',
        'unique',
        'spread',
        ...(adjusted ? ['adjusted_shapley'] : []),
      ],
      rows: [
        ...order
          .map((g) => rows[g]!)
          .map((r) => [
            r.group,
            r.shapley,
            r.owen,
            r.sequential,
            r.sequentialReverse,
            r.unique,
            r.spread,
            ...(adjusted ? [r.adjustedShapley!] : []),
          ]),
        [UNEXPLAINED, ...Array<number>(5).fill(result.unexplained), null, ...(adjusted ? [adjusted.unexplained] : [])],
      ],
      notes: notesOf(report),
    };
  }
  const rows: (string | number | null)[][] = [];
  if (result.commonality) {
    for (const set of result.commonality.sets)
      rows.push([
        set.groups.join(' & '),
        set.groups.length === 1 ? 'unique' : 'common',
        set.groups.join(';'),
        null,
        set.share,
        set.share * 100,
      ]);
  } else {
    for (const g of order.map((index) => result.groups[index]!)) {
      rows.push([g.name, g.kind, g.columns.join(';'), g.levels ?? null, g.share, g.share * 100]);
      for (const part of result.owen?.columns.filter(
        (c) => c.group === g.name && g.kind === 'numeric' && g.columns.length > 1,
      ) ?? []) {
        rows.push([`${g.name}/${part.column}`, 'owen-column', part.column, null, part.share, part.share * 100]);
      }
    }
    if (result.unique) rows.push(['shared', 'joint', '', null, result.unique.shared, result.unique.shared * 100]);
  }
  if (result.controls) {
    const { columns, share } = result.controls;
    rows.push([CONTROLS, 'controls', columns.join(';'), null, share, share * 100]);
  }
  rows.push([UNEXPLAINED, 'residual', '', null, result.unexplained, result.unexplained * 100]);
  const sampling = result.sampling;
  const extraColumns = [
    // Monte Carlo estimates carry their standard error (a fraction, as share), so no reader takes them as exact.
    ...(sampling ? ['mc_se'] : []),
    ...(report.bootstrap ? ['se', 'ci_low', 'ci_high'] : []),
    ...(report.published ? [report.published.key] : []),
    ...(result.adjusted ? ['adjusted_share'] : []),
    ...(report.permutation ? ['null_mean', 'null_q95', 'excess', 'p'] : []),
  ];
  const names = [...result.groups.map((g) => g.name), UNEXPLAINED];
  const ranks = shareRanks(result.groups);
  // Commonality's rows are sets, whose first cell may equal a group's name only for the sets of one group.
  const groupRow = (row: readonly (string | number | null)[]) =>
    result.commonality ? row[1] === 'unique' : row[1] === 'numeric' || row[1] === 'fixed-effect';
  const withExtras = rows.map((row) => {
    const index = names.indexOf(String(row[0]));
    const interval = index >= 0 ? intervalOf(report, index) : undefined;
    const isGroup = index >= 0 && index < result.groups.length && groupRow(row);
    const chance = index >= 0 ? nullOf(report, index) : undefined;
    // Owen's column rows and commonality's sets of two or more groups share no group's name.
    const adjusted =
      index < 0 ? null : index < result.groups.length ? result.adjusted?.shares[index] : result.adjusted?.unexplained;
    return {
      rank: isGroup ? ranks[index]! : null,
      cells: [
        ...row,
        ...(sampling ? [isGroup ? (sampling.standardErrors[index] ?? null) : null] : []),
        ...(report.bootstrap ? (interval ? [interval.se, interval.low, interval.high] : [null, null, null]) : []),
        ...(report.published ? [report.published.shares[String(row[0])] ?? null] : []),
        ...(result.adjusted ? [adjusted ?? null] : []),
        ...(report.permutation
          ? chance
            ? [chance.meanShare, chance.q95Share, chance.excess, chance.p]
            : [null, null, null, null]
          : []),
      ],
    };
  });
  const title = `Variance of ${result.outcome} explained by each group (${estimatorLabel(result)})`;
  if (isCompact(result)) {
    // rank, measure, share, percent, then the extras: kind, columns and levels say nothing a name does not.
    return {
      title,
      columns: ['rank', 'measure', 'share', 'percent', ...extraColumns],
      rows: withExtras.map(({ rank, cells }) => [rank, cells[0]!, ...cells.slice(4)]),
      notes: notesOf(report),
    };
  }
  const sorted = report.sort !== undefined && report.sort !== 'given';
  return {
    title,
    columns: [...(sorted ? ['rank'] : []), 'group', 'kind', 'columns', 'levels', 'share', 'percent', ...extraColumns],
    rows: withExtras.map(({ rank, cells }) => [...(sorted ? [rank] : []), ...cells]),
    notes: notesOf(report),
  };
}

function notesOf(report: {
  readonly result: { readonly notes: readonly string[]; readonly missingAlone?: Readonly<Record<string, number>> };
  readonly datasetNote?: string;
}): string[] {
  const lost = lostRowsLine(report.result.missingAlone);
  return [
    ...(lost !== undefined ? [lost] : []),
    ...report.result.notes,
    ...(report.datasetNote ? [report.datasetNote] : []),
  ];
}

/** One row per coefficient. */
export function fitTabular(report: FitReport): Tabular {
  const { result } = report;
  return {
    title: `OLS of ${result.outcome} (n = ${result.n}, R² = ${formatNumber(result.r2)}, ${result.se} standard errors)`,
    columns: ['term', 'estimate', 'std_error', 't', 'p', 'ci_low', 'ci_high', 'vif', 'aliased'],
    rows: result.coefficients.map((c) => [
      c.term,
      c.estimate,
      c.stdError,
      c.t,
      c.p,
      c.ciLow,
      c.ciHigh,
      c.vif,
      c.aliased ? 'true' : 'false',
    ]),
    notes: notesOf(report),
  };
}

/**
 * CSV of a format-neutral table (`writeCsv`: numbers in full precision, the formula-injection
 * guard; otherwise text is written as it is, control characters included: CSV carries data, and a name must come
 * back unchanged from R's read.csv).
 */
export function renderCsv(table: Tabular): string {
  // A CSV file has no place for notes; output made from the synthetic panel says so on every row instead (a column
  // that R's read.csv and any CSV reader keep), so that it cannot be mistaken for real data once copied elsewhere.
  if (!table.notes.includes(SYNTHETIC_NOTE)) return writeCsv(table.columns, table.rows);
  return writeCsv(
    [...table.columns, 'note'],
    table.rows.map((row) => [...row, SYNTHETIC_CSV_NOTE]),
  );
}

/** The `note` cell of every row of a CSV made from the synthetic panel. */
export const SYNTHETIC_CSV_NOTE = "SYNTHETIC data (cpp-variance simulate --seed 2019), not the NAO's";

/**
 * GitHub-flavoured Markdown: a title, the table (numbers rounded for reading), and the notes. Every text goes
 * through `markdownText`: control characters shown as escapes, HTML, code, links and cell bars escaped.
 */
export function renderMarkdown(table: Tabular): string {
  const escapeCell = markdownText;
  const cell = (value: string | number | null, column: string): string => {
    if (value === null) return '';
    if (typeof value === 'string') return escapeCell(value);
    if (column === 'percent') return formatPercent(value / 100);
    if (column === 'p') return escapeCell(formatP(value)); // '< 2e-16'
    return formatNumber(value);
  };
  const numericColumn = table.columns.map((_, j) => table.rows.some((r) => typeof r[j] === 'number'));
  const lines = [
    `**${escapeCell(table.title)}**`,
    '',
    `| ${table.columns.map(escapeCell).join(' | ')} |`,
    `| ${numericColumn.map((numeric) => (numeric ? '---:' : '---')).join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.map((value, j) => cell(value, table.columns[j]!)).join(' | ')} |`),
  ];
  if (table.notes.length > 0) lines.push('', ...table.notes.map((note) => `- ${escapeCell(note)}`));
  return printableLines(`${lines.join('\n')}\n`);
}
