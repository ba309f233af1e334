import { Chalk, type ChalkInstance } from 'chalk';
import { UNEXPLAINED } from '../models/spec.js';
import { formatPercent, METHOD_LABELS, type DecompositionReport } from './context.js';

export interface TableOptions {
  /** Use ANSI colour (only when writing to a terminal and NO_COLOR is unset). */
  readonly color: boolean;
  /** Characters available for the bar at 100%. */
  readonly barWidth?: number;
}

const DEFAULT_BAR_WIDTH = 40;
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `share × width` character cells, drawn to an eighth of a cell. */
export function bar(share: number, width: number): string {
  const eighths = Math.round(Math.max(0, Math.min(1, share)) * width * 8);
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8]!;
}

/** The split as a table for people: one row per group with its percent and a proportional bar, then the fit. */
export function renderDecompositionTable(report: DecompositionReport, options: TableOptions): string {
  const { result } = report;
  const paint: ChalkInstance = new Chalk({ level: options.color ? 1 : 0 });
  const barWidth = options.barWidth ?? DEFAULT_BAR_WIDTH;
  const rows = [
    ...result.groups.map((g) => ({
      name: g.name,
      what: g.kind === 'fixed-effect' ? `${g.columns[0]} effects (${g.levels} levels)` : g.columns.join(', '),
      share: g.share,
      colour: paint.cyan,
    })),
    { name: UNEXPLAINED, what: '1 − R²', share: result.unexplained, colour: paint.gray },
  ];
  const nameWidth = Math.max(5, ...rows.map((r) => r.name.length));
  const whatWidth = Math.max(7, ...rows.map((r) => r.what.length));
  const line = (name: string, what: string, percent: string, drawn = '') =>
    `  ${name.padEnd(nameWidth)}  ${what.padEnd(whatWidth)}  ${percent.padStart(7)}  ${drawn}`.trimEnd();

  const out: string[] = [];
  out.push(paint.bold(`Variance of ${result.outcome} explained by each group (${METHOD_LABELS[result.method]})`));
  out.push('');
  out.push(paint.dim(line('group', 'columns', 'share')));
  for (const row of rows) out.push(line(row.name, row.what, `${formatPercent(row.share)}%`, row.colour(bar(row.share, barWidth))));
  out.push(line('', '', '───────'));
  out.push(line('total', '', `${formatPercent(result.r2 + result.unexplained)}%`));
  out.push('');
  const used = result.n + result.droppedRows;
  out.push(`rows used: ${result.n} of ${used} (${result.droppedRows} dropped for missing values)`);
  const fixed = result.groups.filter((g) => g.kind === 'fixed-effect');
  if (fixed.length > 0) out.push(`fixed effects: ${fixed.map((g) => `${g.columns[0]} ${g.levels} levels`).join(', ')}`);
  out.push(`R² = ${result.r2.toFixed(4)}; method: ${METHOD_LABELS[result.method]} over ${result.groups.length} groups (${result.subsets} subset regressions)`);
  out.push(`data: ${report.file}`);
  for (const note of result.notes) out.push(paint.yellow(`note: ${note}`));
  if (report.datasetNote) out.push(paint.yellow(`note: ${report.datasetNote}`));
  return `${out.join('\n')}\n`;
}
