import { Chalk, type ChalkInstance } from 'chalk';
import type { DecompositionResult } from '../models/methods/decompose.js';
import { CONTROLS, UNEXPLAINED } from '../models/spec/spec.js';
import type { ShareInterval } from '../models/bootstrap/bootstrap.js';
import type { GroupNull } from '../models/permutation/freedmanLane.js';
import {
  describeBootstrap,
  describePermutations,
  estimatorLabel,
  formatPercent,
  formatPValue,
  intervalOf,
  methodLine,
  nullOf,
  type DecompositionReport,
} from './context.js';
import { printable, terminalText } from './printable.js';
import { worstColumns, worstColumnsText } from '../models/design/missingAlone.js';
import { displayOrder, isCompact, shareRanks } from './ranking.js';

/**
 * The three columns that alone make most rows incomplete, for under a table: `rows lost to one column alone:
 * vacancy 412, ofsted 301, spend 97 (every column with --format json)`; undefined when no column alone lost a row.
 */
export function lostRowsLine(missingAlone: Readonly<Record<string, number>> | undefined): string | undefined {
  const worst = worstColumnsText(missingAlone, 3, printable);
  if (worst === undefined) return undefined;
  const more = worstColumns(missingAlone ?? {}, Number.POSITIVE_INFINITY).length > 3;
  return `rows lost to one column alone: ${worst}${more ? ' (every column with --format json)' : ''}`;
}

export interface TableOptions {
  /** Use ANSI colour (only when writing to a terminal and NO_COLOR is unset). */
  readonly color: boolean;
  /** Characters available for the bar at 100% (default 40). */
  readonly barWidth?: number;
  /** Width of the terminal: when given, bars are scaled so that every line fits in it. */
  readonly terminalWidth?: number;
}

const DEFAULT_BAR_WIDTH = 40;
/** Commonality tables list 2^k − 1 sets; beyond this many groups only JSON shows them. */
const MAX_COMMONALITY_GROUPS_IN_TABLE = 6;
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `share × width` character cells, drawn to an eighth of a cell (negative shares draw nothing). */
export function bar(share: number, width: number): string {
  const eighths = Math.round(Math.max(0, Math.min(1, share)) * width * 8);
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8]!;
}

/**
 * A bar with the interval drawn as a whisker, in whole cells: █ up to the low end, ▓ from there to the
 * estimate, ─ from the estimate to the high end, closed by ┤.
 */
export function whiskerBar(share: number, interval: ShareInterval, width: number): string {
  const cell = (value: number) => Math.round(Math.max(0, Math.min(1, value)) * width);
  const estimate = cell(share);
  const low = Math.min(cell(interval.low), estimate);
  const high = Math.max(cell(interval.high), estimate);
  return '█'.repeat(low) + '▓'.repeat(estimate - low) + (high > estimate ? `${'─'.repeat(high - estimate - 1)}┤` : '');
}

interface Row {
  readonly name: string;
  readonly what: string;
  /** Rank by share of a group's row (1 = largest), shown in the compact layout. */
  readonly rank?: number;
  /** Monte Carlo standard error of an estimated share. */
  readonly mcSe?: number;
  readonly share: number;
  readonly tone: 'group' | 'part' | 'rest';
  /** Whether the row is one of the parts that add up to 100% (Owen's within-group rows are not). */
  readonly inTotal: boolean;
  readonly interval?: ShareInterval;
  readonly published?: number;
  /** With --adjusted: the row's share of adjusted R². */
  readonly adjusted?: number;
  /** With --permutations: the row's permutation null. */
  readonly chance?: GroupNull;
}

/** The marker of the chance floor on a bar. */
export const FLOOR_MARK = '┆';

/**
 * A bar with the chance floor marked: ┆ in the cell where the floor falls (over the bar, or after it, the gap
 * filled with spaces).
 */
export function withFloorMark(drawn: string, floor: number, width: number): string {
  const cell = Math.min(width - 1, Math.max(0, Math.floor(floor * width)));
  const cells = [...drawn];
  while (cells.length <= cell) cells.push(' ');
  cells[cell] = FLOOR_MARK;
  return cells.join('');
}

/**
 * The split as a table for people: one row per group with its percent and a proportional bar, then the fit.
 * Names from the data are shown through `printable` (control characters as visible escapes), and the whole text
 * through `terminalText`, so nothing in a name can act on the terminal.
 */
export function renderDecompositionTable(report: DecompositionReport, options: TableOptions): string {
  const { result } = report;
  const paint: ChalkInstance = new Chalk({ level: options.color ? 1 : 0 });
  const barWidth = options.barWidth ?? DEFAULT_BAR_WIDTH;
  const fit = options.terminalWidth;
  const out: string[] = [];
  out.push(paint.bold(`Variance of ${printable(result.outcome)} explained by each group (${estimatorLabel(result)})`));
  out.push('');
  const order = displayOrder(result.groups, report.sort);
  if (result.method === 'all') out.push(...comparisonLines(result, order));
  else if (result.method === 'commonality') {
    out.push(
      ...shareLines(
        commonalityRows(result, order),
        paint,
        barWidth,
        result.groups.length <= MAX_COMMONALITY_GROUPS_IN_TABLE,
        undefined,
        fit,
      ),
    );
  } else out.push(...shareLines(headlineRows(report, order), paint, barWidth, true, report, fit));
  if (result.dominance) out.push('', ...dominanceLines(result, order));
  out.push('', ...footer(report));
  for (const note of result.notes) out.push(paint.yellow(`note: ${printable(note)}`));
  if (report.datasetNote) out.push(paint.yellow(`note: ${printable(report.datasetNote)}`));
  return terminalText(`${out.join('\n')}\n`, options.color);
}

function describeGroup(group: DecompositionResult['groups'][number]): string {
  return group.kind === 'fixed-effect'
    ? `${group.columns[0]} effects (${group.levels} levels)`
    : group.columns.join(', ');
}

function headlineRows(report: DecompositionReport, order: readonly number[]): Row[] {
  const { result } = report;
  const extras = (index: number, name: string) => {
    const interval = intervalOf(report, index);
    const published = report.published?.shares[name];
    const chance = nullOf(report, index);
    const adjusted = index < result.groups.length ? result.adjusted?.shares[index] : result.adjusted?.unexplained;
    return {
      ...(interval ? { interval } : {}),
      ...(published !== undefined ? { published } : {}),
      ...(chance ? { chance } : {}),
      ...(adjusted !== undefined ? { adjusted } : {}),
    };
  };
  const ranks = shareRanks(result.groups);
  const rows: Row[] = [];
  for (const index of order) {
    const group = result.groups[index]!;
    const mcSe = result.sampling?.standardErrors[index];
    rows.push({
      name: group.name,
      what: describeGroup(group),
      rank: ranks[index]!,
      ...(mcSe !== undefined ? { mcSe } : {}),
      share: group.share,
      tone: 'group',
      inTotal: true,
      ...extras(index, group.name),
    });
    const parts = result.owen?.columns.filter((c) => c.group === group.name) ?? [];
    if (group.kind === 'numeric' && parts.length > 1) {
      for (const part of parts)
        rows.push({ name: `  ${part.column}`, what: 'Owen value', share: part.share, tone: 'part', inTotal: false });
    }
  }
  if (result.unique)
    rows.push({
      name: 'shared',
      what: 'R² − Σ unique (joint)',
      share: result.unique.shared,
      tone: 'rest',
      inTotal: true,
    });
  rows.push(...controlsRows(result));
  rows.push({
    name: UNEXPLAINED,
    what: '1 − R²',
    share: result.unexplained,
    tone: 'rest',
    inTotal: true,
    ...extras(result.groups.length, UNEXPLAINED),
  });
  return rows;
}

function commonalityRows(result: DecompositionResult, order: readonly number[]): Row[] {
  const sets = result.commonality!.sets;
  if (result.groups.length > MAX_COMMONALITY_GROUPS_IN_TABLE) {
    return [
      ...order.map((g): Row => {
        const group = result.groups[g]!;
        return { name: group.name, what: 'unique', share: group.share, tone: 'group', inTotal: false };
      }),
      ...controlsRows(result),
      { name: UNEXPLAINED, what: '1 − R²', share: result.unexplained, tone: 'rest', inTotal: true },
    ];
  }
  return [
    ...sets.map(
      (set): Row => ({
        name: set.groups.join(' ∩ '),
        what: set.groups.length === 1 ? 'unique' : 'common',
        share: set.share,
        tone: set.groups.length === 1 ? 'group' : 'part',
        inTotal: true,
      }),
    ),
    ...controlsRows(result),
    { name: UNEXPLAINED, what: '1 − R²', share: result.unexplained, tone: 'rest', inTotal: true },
  ];
}

/** The row of the controls held in every model (`--control`): R² of the model on them alone. */
function controlsRows(result: DecompositionResult): Row[] {
  const controls = result.controls;
  if (!controls) return [];
  return [
    {
      name: CONTROLS,
      what: `R² of ${controls.groups.join(', ')} alone (in every model)`,
      share: controls.share,
      tone: 'rest',
      inTotal: true,
    },
  ];
}

/** A Monte Carlo standard error in percentage points, two decimals: `±0.11`, `±<0.01`. */
export function formatMcSe(se: number): string {
  const points = se * 100;
  return points < 0.005 ? '±<0.01' : `±${points.toFixed(2)}`;
}

/** Fewest cells a bar may shrink to when fitting a narrow terminal. */
const MIN_BAR_WIDTH = 10;

function shareLines(
  given: readonly Row[],
  paint: ChalkInstance,
  preferredBarWidth: number,
  withTotal: boolean,
  report?: DecompositionReport,
  terminalWidth?: number,
): string[] {
  const rows = given.map((row) => ({ ...row, name: printable(row.name), what: printable(row.what) }));
  // Compact: every group is one numeric column, so the columns column would repeat the name; a rank instead.
  const compact = report !== undefined && isCompact(report.result);
  const nameWidth = Math.max(compact ? 7 : 5, ...rows.map((r) => r.name.length));
  const whatWidth = Math.max(7, ...rows.map((r) => r.what.length));
  const sampled = report?.result.sampling !== undefined;
  const level = report?.bootstrap ? `${Math.round(report.bootstrap.level * 100)}% CI` : undefined;
  const publishedLabel = report?.published?.label;
  const adjusted = report?.result.adjusted !== undefined;
  const chance = report?.permutation !== undefined;
  const extraHeader = [
    ...(adjusted ? ['adjusted'] : []),
    ...(level ? [level.padEnd(14)] : []),
    ...(publishedLabel ? [publishedLabel.padStart(8)] : []),
    ...(chance ? ['chance'.padStart(7), 'p'.padStart(7)] : []),
  ];
  const extraCells = (row: Row) => [
    ...(adjusted ? [(row.adjusted !== undefined ? `${formatPercent(row.adjusted)}%` : '').padStart(8)] : []),
    ...(level
      ? [(row.interval ? `[${formatPercent(row.interval.low)}, ${formatPercent(row.interval.high)}]` : '').padEnd(14)]
      : []),
    ...(publishedLabel
      ? [
          (row.published !== undefined ? `${formatPercent(row.published)}%` : '').padStart(
            Math.max(8, publishedLabel.length),
          ),
        ]
      : []),
    ...(chance
      ? [
          (row.chance ? `${formatPercent(row.chance.meanShare)}%` : '').padStart(7),
          (row.chance ? formatPValue(row.chance.p) : '').padStart(7),
        ]
      : []),
  ];
  const first = (row: { name: string; what: string; rank?: number | string }) =>
    compact
      ? `${String(row.rank ?? '').padStart(4)}  ${row.name.padEnd(nameWidth)}`
      : `${row.name.padEnd(nameWidth)}  ${row.what.padEnd(whatWidth)}`;
  const mcCell = (mcSe: number | string | undefined) =>
    sampled ? `${(typeof mcSe === 'number' ? formatMcSe(mcSe) : (mcSe ?? '')).padStart(6)}  ` : '';
  const line = (
    row: { name: string; what: string; rank?: number | string; mcSe?: number | string },
    percent: string,
    extra: readonly string[],
    drawn = '',
  ) => {
    const extras = extra.map((e) => `${e}  `).join('');
    return `  ${first(row)}  ${percent.padStart(7)}  ${mcCell(row.mcSe)}${extras}${drawn}`.trimEnd();
  };
  const colour = { group: paint.cyan, part: paint.blue, rest: paint.gray };
  // The widest text before a bar, plus the whisker's end, must leave room for the bar in the terminal.
  const prefix =
    Math.max(...rows.map((row) => line(row, `${formatPercent(row.share)}%`, extraCells(row), '#').length - 1)) + 1;
  const barWidth =
    terminalWidth === undefined
      ? preferredBarWidth
      : Math.max(MIN_BAR_WIDTH, Math.min(preferredBarWidth, terminalWidth - prefix - 1));
  const header = compact
    ? { rank: 'rank', name: 'measure', what: '', mcSe: '±se' }
    : { name: 'group', what: 'columns', mcSe: '±se' };
  const out = [paint.dim(line(header, 'share', extraHeader))];
  for (const row of rows) {
    const plain = row.interval ? whiskerBar(row.share, row.interval, barWidth) : bar(row.share, barWidth);
    const drawn = row.chance ? withFloorMark(plain, row.chance.meanShare, barWidth) : plain;
    const shown = compact && row.tone === 'group' ? row : { ...row, rank: '' };
    out.push(line(shown, `${formatPercent(row.share)}%`, extraCells(row), colour[row.tone](drawn)));
  }
  if (withTotal) {
    const total = rows.filter((r) => r.inTotal).reduce((sum, r) => sum + r.share, 0);
    const blank = extraHeader.map((h) => ' '.repeat(h.length));
    out.push(line({ name: '', what: '' }, '───────', blank));
    out.push(line({ name: 'total', what: '' }, `${formatPercent(total)}%`, blank));
  }
  return out;
}

function comparisonLines(result: DecompositionResult, shown: readonly number[]): string[] {
  const comparison = result.comparison!;
  const order = comparison.order.map(printable);
  const adjusted = result.adjusted;
  const header = [
    'group',
    'shapley',
    'owen',
    'sequential',
    'reverse seq.',
    'unique',
    'spread',
    ...(adjusted ? ['adj. shapley'] : []),
  ];
  const rows = shown
    .map((g) => comparison.rows[g]!)
    .map((r) => [
      printable(r.group),
      ...[r.shapley, r.owen, r.sequential, r.sequentialReverse, r.unique, r.spread].map((v) => `${formatPercent(v)}%`),
      ...(adjusted ? [`${formatPercent(r.adjustedShapley!)}%`] : []),
    ]);
  rows.push([
    UNEXPLAINED,
    ...Array(5).fill(`${formatPercent(result.unexplained)}%`),
    '',
    ...(adjusted ? [`${formatPercent(adjusted.unexplained)}%`] : []),
  ]);
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const format = (cells: readonly string[]) =>
    `  ${cells.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  ')}`.trimEnd();
  return [
    format(header),
    ...rows.map(format),
    '',
    `sequential order: ${order.join(' → ')}; reverse: ${[...order].reverse().join(' → ')}`,
    'spread = largest minus smallest share across the five methods: how much the answer hangs on the method',
    ...(adjusted ? ['adj. shapley = Shapley values of adjusted R² (not in the spread)'] : []),
  ];
}

function dominanceLines(result: DecompositionResult, shown: readonly number[]): string[] {
  const dominance = result.dominance!;
  const k = result.groups.length;
  const header = ['conditional dominance', ...Array.from({ length: k }, (_, s) => `size ${s}`)];
  const rows = shown
    .map((g) => dominance.conditional[g]!)
    .map((row) => [printable(row.group), ...row.bySize.map((v) => `${formatPercent(v)}%`)]);
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const format = (cells: readonly string[]) =>
    `  ${cells.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  ')}`;
  const relation = (winner: string | null, a: string, b: string) =>
    winner === null ? 'undetermined' : printable(`${winner} over ${winner === a ? b : a}`);
  return [
    format(header),
    ...rows.map(format),
    '  (average R² gained by adding the group to models of the other groups with that many groups)',
    '',
    '  pair                        complete / conditional / general dominance',
    ...dominance.pairs.map(
      (p) =>
        `  ${printable(`${p.a} vs ${p.b}`).padEnd(26)}  ${relation(p.complete, p.a, p.b)} / ` +
        `${relation(p.conditional, p.a, p.b)} / ${relation(p.general, p.a, p.b)}`,
    ),
  ];
}

function footer(report: DecompositionReport): string[] {
  const { result } = report;
  const out: string[] = [];
  const used = result.n + result.droppedRows;
  out.push(`rows used: ${result.n} of ${used} (${result.droppedRows} dropped for missing values)`);
  const lost = lostRowsLine(result.missingAlone);
  if (lost !== undefined) out.push(lost);
  const fixed = [
    ...result.groups.flatMap((g) =>
      g.kind === 'fixed-effect' ? [`${printable(g.columns[0]!)} ${g.levels} levels`] : [],
    ),
    ...(result.controls?.fixedEffects ?? []).map((fe) => `${printable(fe.column)} ${fe.levels} levels (control)`),
  ];
  if (fixed.length > 0) out.push(`fixed effects: ${fixed.join(', ')}`);
  out.push(`R² = ${result.r2.toFixed(4)}; ${methodLine(result)}`);
  if (result.sampling) out.push('±se: the Monte Carlo standard error of each share, in percentage points');
  if (result.adjusted) {
    const shares =
      result.method === 'commonality'
        ? `; adjusted unique parts: ` +
          result.groups.map((g, i) => `${printable(g.name)} ${formatPercent(result.adjusted!.shares[i]!)}%`).join(', ')
        : '';
    out.push(
      `adjusted R² = ${result.adjusted.r2.toFixed(4)}: "adjusted" is the same split of adjusted R², each subset's ` +
        `1 − (1 − R²)(n − 1)/(n − k − 1)${shares}`,
    );
  }
  if (report.permutation) {
    out.push(printable(describePermutations(report.permutation)));
    out.push(`${FLOOR_MARK} on a bar marks its chance floor: the share the group gets when its own part is noise`);
  }
  if (report.bootstrap) {
    out.push(printable(describeBootstrap(report.bootstrap)));
    for (const failure of report.bootstrap.failures)
      out.push(`  excluded replicates: ${failure.count} × ${printable(failure.reason)}`);
  }
  if (report.published) out.push(`${report.published.label}: ${report.published.source}`);
  if (result.sequential)
    out.push(
      `order of entry: ${result.sequential.order.map(printable).join(' → ')} (another order gives other shares)`,
    );
  if (result.method === 'commonality' && result.groups.length > MAX_COMMONALITY_GROUPS_IN_TABLE) {
    out.push(`the ${2 ** result.groups.length - 1} commonality coefficients are listed with --format json`);
  }
  out.push(`data: ${printable(report.file)}`);
  return out;
}
