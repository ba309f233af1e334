import type { CoefficientRow, FitResult } from '../models/fit/fit.js';
import { DEFAULT_RANK_TOLERANCE } from '../models/linalg/qr.js';
import type { DfeReport } from '../io/dfe.js';
import { SCHEMA_VERSION } from './json.js';
import { jsonText, printable, terminalText } from './printable.js';
import { lostRowsLine } from './table.js';

/** A fit and where its data came from. */
export interface FitReport {
  readonly result: FitResult;
  readonly file: string;
  readonly datasetNote?: string;
  /** DfE statistics files: how the file was read (kept level, periods, suppressed cells per column and symbol). */
  readonly dfe?: DfeReport;
}

/** Significant-digit formatting for tables: 6 significant digits, exponent form for very small or large. */
export function formatNumber(value: number | null, digits = 6): string {
  if (value === null || Number.isNaN(value)) return 'NA';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude < 1e-4 || magnitude >= 1e9) return value.toExponential(digits - 1);
  return Number(value.toPrecision(digits)).toString();
}

/** p-values as R prints them: tiny ones as "< 2e-16". */
export function formatP(p: number | null): string {
  if (p === null) return 'NA';
  return p < 2e-16 ? '< 2e-16' : formatNumber(p, 4);
}

const HEADER = ['term', 'estimate', 'std. error', 't', 'p', 'ci low', 'ci high', 'VIF'];

function cells(row: CoefficientRow): string[] {
  if (row.aliased) return [printable(row.term), 'aliased', '', '', '', '', '', ''];
  return [
    printable(row.term),
    formatNumber(row.estimate),
    formatNumber(row.stdError),
    formatNumber(row.t, 4),
    formatP(row.p),
    formatNumber(row.ciLow),
    formatNumber(row.ciHigh),
    row.vif === null ? '' : formatNumber(row.vif, 4),
  ];
}

function statistics(result: FitResult): [string, string][] {
  return [
    [
      'observations (n)',
      `${result.n}${result.droppedRows ? ` (${result.droppedRows} rows dropped for missing values)` : ''}`,
    ],
    ...lostRows(result),
    ['parameters (K)', String(result.k)],
    ['residual df', String(result.dfResidual)],
    ['residual std. error', formatNumber(result.sigma)],
    ['R²', formatNumber(result.r2)],
    ['adjusted R²', formatNumber(result.adjR2)],
    ...(result.withinR2 !== null ? [['within R²', formatNumber(result.withinR2)] as [string, string]] : []),
    [
      'F',
      `${formatNumber(result.f)} on ${result.fDf[0]} and ${result.fDf[1]} df, ` +
        `p ${formatP(result.fP).startsWith('<') ? formatP(result.fP) : `= ${formatP(result.fP)}`}`,
    ],
    ...result.fixedEffects.map((fe): [string, string] => [
      `fixed effect ${printable(fe.name)}`,
      `${printable(fe.column)}, ${fe.levels} levels (absorbed)`,
    ]),
    [
      'standard errors',
      result.clusters
        ? `cluster-robust CR1 by ${printable(result.clusters.column)} (${result.clusters.count} clusters; ` +
          `t on ${result.clusters.df} df)`
        : 'classical OLS',
    ],
    ...(result.smallSample ? [['small-sample K', smallSampleText(result)] as [string, string]] : []),
    ...(result.rankTolerance !== undefined && result.rankTolerance !== DEFAULT_RANK_TOLERANCE
      ? [['rank tolerance', String(result.rankTolerance)] as [string, string]]
      : []),
  ];
}

/** The columns that alone make most rows incomplete, as a statistics row (none when no column alone lost a row). */
function lostRows(result: FitResult): [string, string][] {
  const line = lostRowsLine(result.missingAlone);
  return line === undefined ? [] : [['lost to one column alone', line.slice('rows lost to one column alone: '.length)]];
}

/** The K of the cluster-robust factor (N − 1)/(N − K), and whose convention it follows. */
function smallSampleText(result: FitResult): string {
  const { rule, k, nested } = result.smallSample!;
  const cluster = printable(result.clusters!.column);
  if (rule === 'lm') return `${k} (--ssc lm: every dummy counted, as sandwich::vcovCL(type = "HC1") on lm)`;
  if (nested.length === 0) return `${k} (--ssc nested: no fixed effect is nested in ${cluster}, so every one counted)`;
  return `${k} (--ssc nested: ${nested.map(printable).join(', ')} nested in ${cluster} not counted, as fixest)`;
}

function align(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  return rows.map((r) =>
    `  ${r.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  ')}`.trimEnd(),
  );
}

/** The regression as a table for people; names from the data through `printable`, the text through `terminalText`. */
export function renderFitTable(report: FitReport): string {
  const { result } = report;
  const out = [
    `OLS of ${printable(result.outcome)}${
      result.fixedEffects.length
        ? ` with ${result.fixedEffects.map((f) => printable(f.column)).join(' and ')} fixed effects`
        : ''
    }`,
    '',
  ];
  out.push(...align([HEADER, ...result.coefficients.map(cells)]));
  out.push(`  (${Math.round(result.level * 100)}% confidence intervals)`);
  if (result.fixedEffectCoefficients) {
    out.push('', '  fixed-effect coefficients (treatment contrasts, as R lm):');
    out.push(...align(result.fixedEffectCoefficients.map((c) => [printable(c.term), formatNumber(c.estimate)])));
  }
  out.push('');
  const stats = statistics(result);
  const width = Math.max(...stats.map(([name]) => name.length));
  for (const [name, value] of stats) out.push(`${name.padEnd(width)}  ${value}`);
  out.push(`data: ${printable(report.file)}`);
  for (const note of result.notes) out.push(`note: ${printable(note)}`);
  if (report.datasetNote) out.push(`note: ${printable(report.datasetNote)}`);
  return terminalText(`${out.join('\n')}\n`);
}

/** The regression as a stable JSON document (schema in the README). */
export function renderFitJson(report: FitReport): string {
  const { result } = report;
  const document = {
    schemaVersion: SCHEMA_VERSION,
    command: 'fit',
    file: report.file,
    outcome: result.outcome,
    n: result.n,
    droppedRows: result.droppedRows,
    ...(result.missingAlone ? { missingAlone: result.missingAlone } : {}),
    k: result.k,
    dfResidual: result.dfResidual,
    sigma: result.sigma,
    r2: result.r2,
    adjR2: result.adjR2,
    withinR2: result.withinR2,
    f: result.f,
    fDf: result.fDf,
    fP: result.fP,
    intercept: result.intercept,
    level: result.level,
    coefficients: result.coefficients,
    se: result.se,
    clusters: result.clusters?.count ?? null,
    clusterColumn: result.clusters?.column ?? null,
    smallSample: result.smallSample ?? null,
    rankTolerance: result.rankTolerance ?? DEFAULT_RANK_TOLERANCE,
    fixedEffects: result.fixedEffects,
    ...(result.fixedEffectCoefficients ? { fixedEffectCoefficients: result.fixedEffectCoefficients } : {}),
    ...(report.dfe ? { missing: report.dfe.missing, dfe: report.dfe } : {}),
    notes: [...result.notes, ...(report.datasetNote ? [report.datasetNote] : [])],
  };
  return `${jsonText(document)}\n`;
}
