import type { DfeReport } from '../io/dfe.js';
import { displayPath, displayText, quotedText } from '../io/csv.js';
import { DFE_SYMBOLS } from '../io/dfe.js';
import type {
  ColumnDescription,
  DescribeResult,
  MissingCount,
  OutcomeVariance,
  PanelStructure,
  SingleKeyStructure,
} from '../profile/describe.js';
import { formatPercent } from './context.js';
import { formatNumber } from './fitReport.js';
import { SCHEMA_VERSION } from './json.js';
import { jsonText, printable, terminalText } from './printable.js';
import type { Tabular } from './tabular.js';

/** Periods listed in full up to this many; longer lists show their ends. */
const PERIODS_LISTED = 10;
/** Incomplete units listed in the text table (all are in JSON). */
const INCOMPLETE_UNITS_LISTED = 10;

// ---------------------------------------------------------------------------------------------- text

/**
 * The description for people: one aligned line per column (type, values, missing and how they were written, a
 * summary), then the panel structure, then the outcome's variance split in percent, then the notes. Names and
 * labels are shown through `displayText` (which escapes as `printable` does), the whole text through `terminalText`.
 *
 * @example renderDescribeTable(describeTable(table, {})).split('\n')[0] // 'Describe data.csv: 912 rows, 6 columns'
 */
export function renderDescribeTable(result: DescribeResult): string {
  const out = [
    `Describe ${displayPath(result.file)}: ${result.rows} ` +
      `row${result.rows === 1 ? '' : 's'}, ${result.columns.length} column${result.columns.length === 1 ? '' : 's'}`,
    '',
  ];
  const anyMissing = result.columns.some((c) => c.missing > 0);
  const header = ['column', 'type', 'values', 'missing', ...(anyMissing ? ['missing as'] : []), 'summary'];
  const rows = result.columns.map((c) => [
    displayText(c.name, 40),
    c.type,
    String(c.values),
    String(c.missing),
    ...(anyMissing ? [missingText(c.missingByToken)] : []),
    columnSummary(c),
  ]);
  const numeric = new Set(['values', 'missing']);
  out.push(
    ...align(
      [header, ...rows],
      header.map((name) => numeric.has(name)),
    ),
  );
  const symbols = [
    ...new Set(
      result.columns.flatMap((c) => c.missingByToken.filter((m) => m.kind === 'dfe-symbol').map((m) => m.token)),
    ),
  ];
  if (symbols.length > 0) {
    out.push(
      `  DfE symbols: ${symbols
        .map((s) => `${tokenText(s)} ${Object.hasOwn(DFE_SYMBOLS, s) ? DFE_SYMBOLS[s] : 'unknown symbol'}`)
        .join(', ')}`,
    );
  }
  if (result.panel) out.push('', ...panelLines(result.panel));
  if (result.singleKey) out.push('', ...singleKeyLines(result.singleKey));
  if (result.outcome) out.push('', ...outcomeLines(result.outcome, result.panel));
  if (result.notes.length > 0) out.push('');
  for (const note of result.notes) out.push(`note: ${printable(note)}`);
  return terminalText(`${out.join('\n')}\n`);
}

function align(rows: readonly (readonly string[])[], right: readonly boolean[]): string[] {
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  const last = widths.length - 1;
  return rows.map((r) =>
    `  ${r
      .map((cell, j) => (right[j] ? cell.padStart(widths[j]!) : j === last ? cell : cell.padEnd(widths[j]!)))
      .join('  ')}`.trimEnd(),
  );
}

/** `empty 2, "NA" 1, "c" 617`: an empty cell is `empty`, every token is quoted. */
function missingText(counts: readonly MissingCount[]): string {
  return counts.map((m) => `${tokenText(m.token)} ${m.count}`).join(', ');
}

function tokenText(token: string): string {
  return token === '' ? 'empty' : quotedText(token, 20);
}

/** `"LA001" (6), "LA002" (6)`; labels cut to `max` characters (CSV and Markdown keep them whole). */
function topText(top: readonly { readonly value: string; readonly count: number }[], max = 30): string {
  return top.map((t) => `${quotedText(t.value, max)} (${t.count})`).join(', ');
}

function columnSummary(c: ColumnDescription): string {
  switch (c.type) {
    case 'numeric':
      return `min ${formatNumber(c.min)}, median ${formatNumber(c.median)}, max ${formatNumber(c.max)}`;
    case 'categorical': {
      const top = topText(c.top);
      const more = c.distinct > c.top.length ? ', …' : '';
      const numbers =
        c.numericCells > 0
          ? `; ${c.numericCells} of ${c.values} are numbers, not: ${c.firstNonNumeric
              .map((f) => `row ${f.row} ${quotedText(f.value, 20)}`)
              .join(', ')}${c.values - c.numericCells > c.firstNonNumeric.length ? ', …' : ''}`
          : '';
      return `${c.distinct} distinct: ${top}${more}${numbers}`;
    }
    case 'empty':
      return 'every cell is missing';
  }
}

function panelLines(panel: PanelStructure): string[] {
  const lines = [
    `Panel: unit ${displayText(panel.unit)} × ` +
      `period ${displayText(panel.period)}${panel.source === 'default' ? ' (found by name)' : ''}`,
  ];
  const stats: [string, string][] = [
    ['units', String(panel.units)],
    [
      'periods',
      `${panel.periods.length}: ${periodList(panel.periods)}${panel.order === 'text' ? ' (text order)' : ''}`,
    ],
    [
      'rows',
      `${panel.rows}${panel.rowsMissingKey > 0 ? ` (and ${panel.rowsMissingKey} without a unit or period)` : ''}`,
    ],
    [
      'balanced',
      panel.balanced
        ? 'yes: every unit has one row in every period'
        : `no: ${panel.gaps} unit × period cell${panel.gaps === 1 ? '' : 's'} empty, ${panel.duplicateKeys} ` +
          `duplicate key${panel.duplicateKeys === 1 ? '' : 's'}`,
    ],
    [
      'periods per unit',
      `min ${formatNumber(panel.periodsPerUnit.min)}, median ${formatNumber(panel.periodsPerUnit.median)}, ` +
        `max ${formatNumber(panel.periodsPerUnit.max)}`,
    ],
  ];
  const width = Math.max(...stats.map(([name]) => name.length));
  for (const [name, value] of stats) lines.push(`  ${name.padEnd(width)}  ${value}`);
  if (panel.periodsPerUnit.counts.length > 1) {
    const countRows = [...panel.periodsPerUnit.counts]
      .reverse()
      .map((c) => [`${c.periods} period${c.periods === 1 ? '' : 's'}`, `${c.units} unit${c.units === 1 ? '' : 's'}`]);
    lines.push(...align(countRows, [true, true]).map((line) => `  ${' '.repeat(width)}${line}`));
  }
  if (panel.incompleteUnits.length > 0) {
    lines.push(`  units lacking periods (${panel.incompleteUnits.length}):`);
    for (const u of panel.incompleteUnits.slice(0, INCOMPLETE_UNITS_LISTED)) {
      lines.push(
        `    ${displayText(u.unit, 40)}: ${u.observed} of ${panel.periods.length}, ` +
          `lacks ${periodRanges(u.missingPeriods, panel.periods)}`,
      );
    }
    if (panel.incompleteUnits.length > INCOMPLETE_UNITS_LISTED)
      lines.push(`    … and ${panel.incompleteUnits.length - INCOMPLETE_UNITS_LISTED} more`);
  }
  if (panel.duplicateKeys > 0) {
    lines.push(
      `  duplicate unit × period keys (${panel.duplicateKeys}, ${panel.duplicateRows} extra ` +
        `row${panel.duplicateRows === 1 ? '' : 's'}):`,
    );
    for (const d of panel.duplicates)
      lines.push(`    ${displayText(d.unit, 40)} × ${displayText(d.period, 20)}: rows ${d.rows.join(', ')}`);
    if (panel.duplicateKeys > panel.duplicates.length)
      lines.push(`    … and ${panel.duplicateKeys - panel.duplicates.length} more`);
  }
  return lines;
}

function periodList(periods: readonly string[]): string {
  const shown = periods.map((p) => displayText(p, 20));
  if (shown.length <= PERIODS_LISTED) return shown.join(', ');
  return `${shown.slice(0, 3).join(', ')}, …, ${shown.slice(-2).join(', ')}`;
}

/** Periods as runs of consecutive positions in `all`: `2013 to 2019, 2024`. */
function periodRanges(periods: readonly string[], all: readonly string[]): string {
  const positions = periods.map((p) => all.indexOf(p));
  const runs: string[] = [];
  for (let i = 0; i < positions.length; ) {
    let j = i;
    while (j + 1 < positions.length && positions[j + 1] === positions[j]! + 1) j++;
    const first = displayText(periods[i]!, 20);
    runs.push(j === i ? first : `${first}${j === i + 1 ? ', ' : ' to '}${displayText(periods[j]!, 20)}`);
    i = j + 1;
  }
  return runs.join(', ');
}

function singleKeyLines(key: SingleKeyStructure): string[] {
  const plural = key.role === 'unit' ? 'units' : 'periods';
  const stats: [string, string][] = [
    [plural, String(key.levels)],
    ['rows', `${key.rows}${key.rowsMissingKey > 0 ? ` (and ${key.rowsMissingKey} without a ${key.role})` : ''}`],
    [
      `rows per ${key.role}`,
      `min ${formatNumber(key.rowsPerLevel.min)}, median ${formatNumber(key.rowsPerLevel.median)}, ` +
        `max ${formatNumber(key.rowsPerLevel.max)}`,
    ],
  ];
  const width = Math.max(...stats.map(([name]) => name.length));
  return [
    `${key.role === 'unit' ? 'Unit' : 'Period'}: ${displayText(key.column)} ` +
      `(no ${key.role === 'unit' ? 'period' : 'unit'} column named)`,
    ...stats.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`),
  ];
}

function outcomeLines(o: OutcomeVariance, panel: PanelStructure | null): string[] {
  const keys = [o.unit, o.period].filter((name): name is string => name !== null).map((name) => displayText(name));
  const head =
    `Variance of ${displayText(o.column)} over ${o.n} complete row${o.n === 1 ? '' : 's'}` +
    `${
      o.droppedRows > 0
        ? ` (${o.droppedRows} left out: ` +
          `${[displayText(o.column), ...keys].join(', ').replace(/, ([^,]*)$/, ' or $1')} missing)`
        : ''
    }` +
    `${o.mean === null ? '' : `, mean ${formatNumber(o.mean)}`}`;
  const periodRow = (share: number) => [
    `explained by ${displayText(o.period ?? '')} means (${o.periods} periods)`,
    `${formatPercent(share)}%`,
  ];
  if (o.unit === null) {
    // Only a period column: the share of the period means.
    if (o.periodShare === null) return [head, '  no variance to split'];
    return [head, ...align([periodRow(o.periodShare)], [false, true])];
  }
  const unit = displayText(o.unit);
  if (o.betweenShare === null || o.withinShare === null) return [head, '  no variance to split'];
  const rows = [
    [`between ${unit} (${o.units} units)`, `${formatPercent(o.betweenShare)}%`],
    [`within ${unit}`, `${formatPercent(o.withinShare)}%`],
    ['total', `${formatPercent(o.betweenShare + o.withinShare)}%`],
  ];
  const withPeriod = o.period !== null && o.periodShare !== null;
  const lines = align(withPeriod ? [...rows, periodRow(o.periodShare!)] : rows, [false, true]);
  lines.splice(2, 0, `  ${'─'.repeat(lines[0]!.length - 2)}`);
  if (withPeriod) {
    const balanced = panel?.balanced ?? false;
    lines[lines.length - 1] += balanced
      ? '  (part of the within share)'
      : '  (unbalanced panel: overlaps the between share)';
  }
  return [head, ...lines];
}

// ---------------------------------------------------------------------------------------------- JSON

/**
 * The description as a stable JSON document (`schemaVersion` 1). Numbers are unrounded; shares are fractions.
 *
 * ```
 * { "schemaVersion": 1, "command": "describe", "file": "data.csv", "rows": 912,
 *   "columns": [                                  // header order; fields after "missingByToken" depend on "type"
 *     { "name", "type": "numeric", "values", "missing",
 *       "missingByToken": [{ "token": "" | "NA" | …, "count", "kind": "empty" | "marker" | "dfe-symbol" }],
 *       "min", "median", "max" },
 *     { …, "type": "categorical", "distinct", "top": [{ "value", "count" }], "numericCells",
 *       "firstNonNumeric": [{ "row", "value" }] },
 *     { …, "type": "empty" } ],
 *   "panel": null | { "unit", "period", "source": "options" | "default", "units", "periods": [labels in order],
 *     "order": "time" | "text", "rows", "rowsMissingKey", "balanced", "gaps",
 *     "periodsPerUnit": { "min", "median", "max", "counts": [{ "periods", "units" }] },
 *     "incompleteUnits": [{ "unit", "observed", "missingPeriods": [labels] }],
 *     "duplicateKeys", "duplicateRows", "duplicates": [{ "unit", "period", "rows": [spreadsheet rows] }] },
 *   "singleKey": null | { "column", "role": "unit" | "period", "levels", "rows", "rowsMissingKey",
 *     "rowsPerLevel": { "min", "median", "max" } },     // only a unit or only a period column was named
 *   "outcome": null | { "column", "unit", "period", "n", "droppedRows", "units", "periods", "mean",
 *     "totalSS", "betweenSS", "withinSS", "periodSS", "betweenShare", "withinShare", "periodShare" },
 *   "notes": [strings] }
 * ```
 *
 * `missingByToken` lists only tokens seen: empty cell (`""`), `NA`, the `--na` tokens, then DfE symbols. `rows`
 * (and `firstNonNumeric[].row`, `duplicates[].rows`) are spreadsheet rows: the header is row 1. `betweenShare` +
 * `withinShare` = 1; `periodShare` is the share of the period means; the three are null when the outcome does
 * not vary. `mean` is null when there are no complete rows. With only a unit column, `panel` is null, `singleKey`
 * describes the units, and the outcome's `period`, `periods`, `periodSS` and `periodShare` are null; with only a
 * period column, its `unit`, `units`, `betweenSS`, `withinSS`, `betweenShare` and `withinShare` are.
 */
export function renderDescribeJson(result: DescribeResult & { readonly dfe?: DfeReport }): string {
  const document = {
    schemaVersion: SCHEMA_VERSION,
    command: 'describe',
    file: result.file,
    rows: result.rows,
    columns: result.columns.map(columnJson),
    panel: result.panel ? panelJson(result.panel) : null,
    singleKey: result.singleKey
      ? {
          column: result.singleKey.column,
          role: result.singleKey.role,
          levels: result.singleKey.levels,
          rows: result.singleKey.rows,
          rowsMissingKey: result.singleKey.rowsMissingKey,
          rowsPerLevel: { ...result.singleKey.rowsPerLevel },
        }
      : null,
    outcome: result.outcome ? outcomeJson(result.outcome) : null,
    ...(result.dfe ? { missing: result.dfe.missing, dfe: result.dfe } : {}),
    notes: result.notes,
  };
  return `${jsonText(document)}\n`;
}

function columnJson(c: ColumnDescription) {
  const base = {
    name: c.name,
    type: c.type,
    values: c.values,
    missing: c.missing,
    missingByToken: c.missingByToken.map((m) => ({ token: m.token, count: m.count, kind: m.kind })),
  };
  switch (c.type) {
    case 'numeric':
      return { ...base, min: c.min, median: c.median, max: c.max };
    case 'categorical':
      return {
        ...base,
        distinct: c.distinct,
        top: c.top.map((t) => ({ value: t.value, count: t.count })),
        numericCells: c.numericCells,
        firstNonNumeric: c.firstNonNumeric.map((f) => ({ row: f.row, value: f.value })),
      };
    case 'empty':
      return base;
  }
}

function panelJson(p: PanelStructure) {
  return {
    unit: p.unit,
    period: p.period,
    source: p.source,
    units: p.units,
    periods: p.periods,
    order: p.order,
    rows: p.rows,
    rowsMissingKey: p.rowsMissingKey,
    balanced: p.balanced,
    gaps: p.gaps,
    periodsPerUnit: {
      min: p.periodsPerUnit.min,
      median: p.periodsPerUnit.median,
      max: p.periodsPerUnit.max,
      counts: p.periodsPerUnit.counts.map((c) => ({ periods: c.periods, units: c.units })),
    },
    incompleteUnits: p.incompleteUnits.map((u) => ({
      unit: u.unit,
      observed: u.observed,
      missingPeriods: u.missingPeriods,
    })),
    duplicateKeys: p.duplicateKeys,
    duplicateRows: p.duplicateRows,
    duplicates: p.duplicates.map((d) => ({ unit: d.unit, period: d.period, rows: d.rows })),
  };
}

function outcomeJson(o: OutcomeVariance) {
  return {
    column: o.column,
    unit: o.unit,
    period: o.period,
    n: o.n,
    droppedRows: o.droppedRows,
    units: o.units,
    periods: o.periods,
    mean: o.mean,
    totalSS: o.totalSS,
    betweenSS: o.betweenSS,
    withinSS: o.withinSS,
    periodSS: o.periodSS,
    betweenShare: o.betweenShare,
    withinShare: o.withinShare,
    periodShare: o.periodShare,
  };
}

// ---------------------------------------------------------------------------------------------- CSV / Markdown

/**
 * One row per column for CSV and Markdown: `column, type, values, missing, missing_by_token, min, median, max,
 * distinct, top_values`, written as in the text table: `empty 2, "NA" 1` (an empty cell is `empty`, tokens are
 * quoted) and `"LA001" (6), "LA002" (6)`.
 * Cells that do not apply are empty. The panel structure and the variance split are the notes (Markdown shows
 * them; CSV has only the rows).
 */
export function describeTabular(result: DescribeResult): Tabular {
  const rows = result.columns.map((c) => [
    c.name,
    c.type,
    c.values,
    c.missing,
    missingText(c.missingByToken),
    c.type === 'numeric' ? c.min : null,
    c.type === 'numeric' ? c.median : null,
    c.type === 'numeric' ? c.max : null,
    c.type === 'categorical' ? c.distinct : null,
    c.type === 'categorical' ? topText(c.top, Number.POSITIVE_INFINITY) : '',
  ]);
  return {
    title: `Columns of ${result.file} (${result.rows} rows)`,
    columns: [
      'column',
      'type',
      'values',
      'missing',
      'missing_by_token',
      'min',
      'median',
      'max',
      'distinct',
      'top_values',
    ],
    rows,
    notes: [...panelNotes(result.panel), ...outcomeNotes(result.outcome), ...result.notes],
  };
}

function panelNotes(p: PanelStructure | null): string[] {
  if (!p) return [];
  const shape = p.balanced
    ? 'balanced'
    : `unbalanced (${p.gaps} empty unit × period cells, ${p.duplicateKeys} duplicate keys)`;
  return [
    `panel: ${p.units} units of ${p.unit} × ${p.periods.length} periods of ${p.period} ` +
      `(${periodList(p.periods)}), ${p.rows} rows, ${shape}; ` +
      `periods per unit min ${formatNumber(p.periodsPerUnit.min)}, median ${formatNumber(p.periodsPerUnit.median)}, ` +
      `max ${formatNumber(p.periodsPerUnit.max)}`,
  ];
}

function outcomeNotes(o: OutcomeVariance | null): string[] {
  if (!o) return [];
  const period =
    o.period !== null && o.periodShare !== null
      ? `${formatPercent(o.periodShare)}% explained by ${o.period} means`
      : undefined;
  if (o.unit === null || o.betweenShare === null || o.withinShare === null)
    return period === undefined ? [] : [`variance of ${o.column} over ${o.n} complete rows: ${period}`];
  return [
    `variance of ${o.column} over ${o.n} complete rows: ${formatPercent(o.betweenShare)}% between ${o.unit}, ` +
      `${formatPercent(o.withinShare)}% within ${o.unit}${period === undefined ? '' : `; ${period}`}`,
  ];
}
