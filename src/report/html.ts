import type { DecompositionMethod, DecompositionResult } from '../models/methods/decompose.js';
import { UNEXPLAINED } from '../models/spec/spec.js';
import type { DataSummary } from '../models/design/summary.js';
import {
  describeBootstrap,
  describePermutations,
  estimatorLabel,
  formatPercent,
  formatPValue,
  intervalOf,
  nullOf,
  type DecompositionReport,
} from './context.js';
import { formatNumber, formatP, type FitReport } from './fitReport.js';
import { defaultFigureTitle, describeSampling, escapeXml, renderDecompositionSvg } from './svg.js';

/** How to run the analysis again and check that it is the same analysis. */
export interface Reproducibility {
  /** The exact command line, as the user typed it. */
  readonly command: string;
  /** cpp-variance version. */
  readonly version: string;
  /** SHA-256 of the input bytes (hex); null when they could not be read again (standard input). */
  readonly sha256: string | null;
  /** Seed of the bootstrap; null when nothing random was done. */
  readonly seed: number | null;
}

/** Everything the HTML report shows. All of it is computed beforehand: rendering does no statistics. */
export interface HtmlReportInput {
  /** The headline split (any method but 'all'), with bootstrap intervals when they were requested. */
  readonly split: DecompositionReport;
  /** The same model decomposed with method 'all'. */
  readonly comparison: DecompositionReport;
  /** The regression behind the split. */
  readonly fit: FitReport;
  readonly summary: DataSummary;
  readonly reproducibility: Reproducibility;
  /** Title of the page and of the split figure. */
  readonly title?: string;
  /** Deliberately absent: the report carries no date or time, so that reruns are byte-identical. */
  readonly generatedAt?: never;
}

const METHOD_EXPLANATIONS: Readonly<Record<DecompositionMethod, string>> = {
  shapley:
    "Each group's share is its Shapley value (LMG): the gain in R² when the group is added to a model, averaged over " +
    'every order in which the groups can enter. ' +
    'The shares do not depend on the order in which the groups are listed, and they add up to R².',
  owen:
    "Each group's share is the total of its columns' Owen values: Shapley values between the groups, then between " +
    'the columns inside each group. ' +
    'The group totals add up to R².',
  sequential:
    'The groups enter the model one at a time in a fixed order; each is credited with the R² it adds when it enters. ' +
    'Another order gives other shares.',
  unique:
    "Each group's share is the R² lost when that group alone is dropped from the full model. What only the groups " +
    'together explain is shown as "shared".',
  commonality:
    "Commonality analysis splits R² into each group's unique part and the parts that sets of groups explain only " +
    'together; the headline is the unique part.',
  dominance:
    "Each group's share is its general dominance weight: the R² it adds, averaged first over the models of each size " +
    'and then over the sizes. The weights add up to R².',
  all:
    'Five methods side by side: Shapley, Owen, sequential in the given order, sequential in the reverse order, ' +
    'and unique contributions.',
};

const STYLE = `
:root { color-scheme: light; }
body { margin: 0; background: #F4F4F2; color: #1A1A1A; font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, \
'Helvetica Neue', Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif; }
main { max-width: 940px; margin: 0 auto; padding: 28px 32px 48px; background: #FFFFFF; }
h1 { font-size: 26px; line-height: 1.25; margin: 8px 0 6px; }
h2 { font-size: 19px; margin: 36px 0 10px; padding-top: 14px; border-top: 1px solid #DDDDDD; }
h3 { font-size: 15px; margin: 22px 0 6px; }
p { margin: 8px 0; }
.lede { color: #4A4A4A; margin-bottom: 14px; }
.notice { background: #FFF4E0; border-left: 4px solid #E69F00; padding: 8px 12px; }
nav ol { margin: 6px 0 0; padding-left: 22px; columns: 2; color: #4A4A4A; }
nav a { color: #0059A0; }
figure { margin: 16px -28px; }
figure svg { max-width: 100%; height: auto; display: block; }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 14px; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { padding: 4px 10px; border-bottom: 1px solid #E3E3E3; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #9A9A9A; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { border-top: 2px solid #9A9A9A; font-weight: 600; }
tr.rest td { color: #4A4A4A; }
code, pre { font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, 'Liberation Mono', 'DejaVu Sans Mono', \
monospace; font-size: 13.5px; }
pre { background: #F4F4F2; padding: 10px 12px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.formula { font-size: 15px; }
.note { color: #4A4A4A; font-size: 13.5px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
@media print { body { background: #FFFFFF; } main { padding: 0; } h2 { break-after: avoid; } \
figure, table { break-inside: avoid; } }
`;

/** HTML-escaped text. */
const h = escapeXml;

type Cell = string | { readonly html: string; readonly numeric?: boolean };

/** A table with escaped text cells; cells given as `{ html }` are trusted markup built here. */
function table(
  caption: string,
  header: readonly Cell[],
  rows: readonly (readonly Cell[])[],
  rowClasses: readonly (string | undefined)[] = [],
): string {
  const render = (cell: Cell, tag: 'td' | 'th') => {
    if (typeof cell === 'string') return `<${tag}>${h(cell)}</${tag}>`;
    return `<${tag}${cell.numeric ? ' class="num"' : ''}>${cell.html}</${tag}>`;
  };
  return [
    '<table>',
    caption ? `<caption>${h(caption)}</caption>` : '',
    `<thead><tr>${header.map((c) => render(c, 'th')).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map(
      (row, i) =>
        `<tr${rowClasses[i] ? ` class="${rowClasses[i]}"` : ''}>${row.map((c) => render(c, 'td')).join('')}</tr>`,
    ),
    '</tbody>',
    '</table>',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

const num = (text: string): Cell => ({ html: h(text), numeric: true });
const percent = (share: number): Cell => num(`${formatPercent(share)}%`);

/** `cpp_rate ~ 1 + idaci + spend + vacancy + factor(la) + factor(year)`: the model in R's notation. */
export function modelFormula(result: Pick<DecompositionResult, 'outcome' | 'groups'>): string {
  const numeric = result.groups.filter((g) => g.kind === 'numeric').flatMap((g) => g.columns);
  const factors = result.groups.filter((g) => g.kind === 'fixed-effect').map((g) => `factor(${g.columns[0]})`);
  return `${result.outcome} ~ ${['1', ...numeric, ...factors].join(' + ')}`;
}

/** A list in words: "a", "a and b", "a, b and c". */
function inWords(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/**
 * The whole analysis as one self-contained HTML5 page: data summary, model and method in words with the
 * formula, the split (figure and table, with intervals when bootstrapped), the comparison of methods, the
 * regression table and a reproducibility block. Styles and figures are inline; there are no scripts, no
 * external references and no timestamp, so the same input gives the same bytes. All text is escaped.
 * The markup is also well-formed XML.
 */
export function renderHtmlReport(input: HtmlReportInput): string {
  const { split, comparison, fit, summary, reproducibility } = input;
  const title = input.title ?? defaultFigureTitle(split.result);
  const notices = [
    ...new Set(
      [split.datasetNote, comparison.datasetNote, fit.datasetNote].filter((n): n is string => n !== undefined),
    ),
  ];
  const sections = [
    { id: 'data', heading: 'Data', body: dataSection(summary, split.file) },
    { id: 'model', heading: 'Model and method', body: modelSection(split, summary) },
    { id: 'split', heading: 'The split', body: splitSection(split, title) },
    { id: 'methods', heading: 'How much the answer depends on the method', body: methodsSection(comparison) },
    { id: 'regression', heading: 'The regression', body: regressionSection(fit) },
    { id: 'reproducibility', heading: 'Reproducibility', body: reproducibilitySection(reproducibility, split.file) },
  ];
  const r2 = split.result.r2;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8"/>',
    '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
    `<meta name="generator" content="cpp-variance ${h(reproducibility.version)}"/>`,
    `<title>${h(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<h1>${h(title)}</h1>`,
    `<p class="lede">${h(
      `How much of the variation in ${split.result.outcome} across ${summary.rowsUsed} rows each named group of ` +
        `predictors accounts for. ` +
        `The model explains ${formatPercent(r2)}% of the variance (R² = ${r2.toFixed(4)}); ` +
        `${formatPercent(split.result.unexplained)}% is unexplained.`,
    )}</p>`,
    ...notices.map((note) => `<p class="notice"><strong>Note:</strong> ${h(note)}</p>`),
    '<nav aria-label="Contents"><ol>',
    ...sections.map((s) => `<li><a href="#${s.id}">${h(s.heading)}</a></li>`),
    '</ol></nav>',
    ...sections.map((s, i) => `<section id="${s.id}">\n<h2>${i + 1}. ${h(s.heading)}</h2>\n${s.body}\n</section>`),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function dataSection(summary: DataSummary, file: string): string {
  const out: string[] = [];
  const dropped =
    summary.droppedRows === 0
      ? 'none is dropped for missing values'
      : `${summary.droppedRows} ${summary.droppedRows === 1 ? 'is' : 'are'} dropped because at least one model ` +
        `column is missing (listwise deletion)`;
  out.push(
    `<p>${h(
      `The input ${file} has ${summary.rowsRead} data rows; ${summary.rowsUsed} have every model column present ` +
        `and are used, and ${dropped}.`,
    )}</p>`,
  );
  out.push(
    table(
      'Missing values by column',
      ['column', num('rows missing'), num('share of rows')],
      summary.missingByColumn.map((m) => [
        m.column,
        num(String(m.missing)),
        percent(summary.rowsRead === 0 ? 0 : m.missing / summary.rowsRead),
      ]),
    ),
  );
  if (summary.droppedRows > 0)
    out.push(
      `<p class="note">${h('A row missing several columns is counted under each of them, and dropped once.')}</p>`,
    );
  if (summary.fixedEffects.length > 0) {
    out.push(
      table(
        'Fixed effects in the rows used',
        ['group', 'column', num('levels'), num('rows per level (min / median / max)'), 'covers'],
        summary.fixedEffects.map((fe) => [
          fe.group,
          fe.column,
          num(String(fe.levels)),
          num(`${fe.rowsPerLevel.min} / ${fe.rowsPerLevel.median} / ${fe.rowsPerLevel.max}`),
          fe.years ? describeYears(fe.years) : describeLabels(fe.labels),
        ]),
      ),
    );
  }
  out.push(
    table(
      'Numeric model columns in the rows used',
      ['column', 'role', num('min'), num('median'), num('max')],
      summary.numericColumns.map((c) => [
        c.column,
        c.group === null ? 'outcome' : `in group ${c.group}`,
        num(formatNumber(c.min)),
        num(formatNumber(c.median)),
        num(formatNumber(c.max)),
      ]),
    ),
  );
  return out.join('\n');
}

function describeYears(years: readonly number[]): string {
  const first = years[0]!;
  const last = years.at(-1)!;
  const missing: number[] = [];
  for (let year = first; year <= last && missing.length <= 10; year++) if (!years.includes(year)) missing.push(year);
  const span = first === last ? `${first}` : `${first}–${last}`;
  return (
    `years ${span} (${years.length} ` +
    `${years.length === 1 ? 'year' : 'years'}${missing.length > 0 ? `; none for ${missing.join(', ')}` : ''})`
  );
}

function describeLabels(labels: readonly string[]): string {
  const shown = labels.length <= 6 ? labels : [...labels.slice(0, 3), '…', ...labels.slice(-2)];
  return shown.join(', ');
}

function modelSection(split: DecompositionReport, summary: DataSummary): string {
  const { result } = split;
  const numeric = result.groups.filter((g) => g.kind === 'numeric').flatMap((g) => g.columns);
  const fixed = result.groups.filter((g) => g.kind === 'fixed-effect');
  const pieces = [
    `An ordinary least-squares regression of ${result.outcome}`,
    numeric.length > 0 ? ` on ${inWords(numeric)}` : '',
    fixed.length > 0
      ? `${numeric.length > 0 ? ', ' : ' '}with fixed effects (one indicator per level) for ` +
        `${inWords(fixed.map((g) => `${g.columns[0]} (${g.levels} levels)`))}`
      : ' with an intercept',
    `, fitted to ${summary.rowsUsed} rows. Its R² is ${result.r2.toFixed(4)}: the model accounts for ` +
      `${formatPercent(result.r2)}% of the variance of ${result.outcome}.`,
  ];
  const groups = result.groups.map(
    (g) =>
      `<li><strong>${h(g.name)}</strong>: ` +
      `${h(g.kind === 'fixed-effect' ? `${g.columns[0]} fixed effects (${g.levels} levels)` : g.columns.join(', '))}` +
      '</li>',
  );
  return [
    `<p>${h(pieces.join(''))}</p>`,
    `<p class="formula"><code>${h(modelFormula(result))}</code></p>`,
    `<p>${h(`That R² is divided between ${result.groups.length} named groups of predictors:`)}</p>`,
    `<ul>\n${groups.join('\n')}\n</ul>`,
    `<p>${h(`Method: ${estimatorLabel(result)}. ${METHOD_EXPLANATIONS[result.method]}`)}</p>`,
    ...(result.sequential ? [`<p>${h(`Order of entry: ${result.sequential.order.join(' → ')}.`)}</p>`] : []),
    `<p class="note">${h(
      'Shares are fractions of the total (centred) sum of squares of the outcome; the unexplained ' + 'part is 1 − R².',
    )}</p>`,
  ].join('\n');
}

function splitSection(split: DecompositionReport, title: string): string {
  const { result } = split;
  const bootstrap = split.bootstrap;
  const published = split.published;
  const level = bootstrap ? `${Math.round(bootstrap.level * 100)}% interval` : undefined;
  const permutation = split.permutation;
  const header: Cell[] = [
    'group',
    'columns',
    num('share'),
    ...(bootstrap ? [num('std. error'), num(level!)] : []),
    ...(published ? [num(published.label)] : []),
    ...(permutation ? [num('chance floor'), num('95% of chance'), num('excess'), num('p')] : []),
  ];
  const rows: Cell[][] = [];
  const classes: (string | undefined)[] = [];
  const extras = (index: number | undefined, name: string): Cell[] => {
    const interval = index === undefined ? undefined : intervalOf(split, index);
    const cells: Cell[] = [];
    if (bootstrap) {
      cells.push(
        interval ? num(`${formatPercent(interval.se)}`) : '',
        interval ? num(`${formatPercent(interval.low)} – ${formatPercent(interval.high)}`) : '',
      );
    }
    if (published) {
      const share = published.shares[name];
      cells.push(share === undefined ? '' : percent(share));
    }
    if (permutation) {
      const chance = index === undefined ? undefined : nullOf(split, index);
      cells.push(
        ...(chance
          ? [
              percent(chance.meanShare),
              percent(chance.q95Share),
              num(formatPercent(chance.excess)),
              num(formatPValue(chance.p)),
            ]
          : ['', '', '', '']),
      );
    }
    return cells;
  };
  result.groups.forEach((g, index) => {
    rows.push([
      g.name,
      g.kind === 'fixed-effect' ? `${g.columns[0]} effects (${g.levels} levels)` : g.columns.join(', '),
      percent(g.share),
      ...extras(index, g.name),
    ]);
    classes.push(undefined);
  });
  if (result.unique) {
    rows.push([
      'shared',
      'explained only jointly (R² − Σ unique)',
      percent(result.unique.shared),
      ...extras(undefined, 'shared'),
    ]);
    classes.push('rest');
  }
  rows.push([UNEXPLAINED, '1 − R²', percent(result.unexplained), ...extras(result.groups.length, UNEXPLAINED)]);
  classes.push('rest');
  if (result.method !== 'commonality') {
    const total =
      result.groups.reduce((sum, g) => sum + g.share, 0) + (result.unique?.shared ?? 0) + result.unexplained;
    rows.push(['total', '', percent(total), ...header.slice(3).map(() => '')]);
    classes.push('total');
  }
  const out = [
    `<figure>\n${renderDecompositionSvg(split, { title, idPrefix: 'split', inline: true }).trimEnd()}\n</figure>`,
    table(`Share of the variance of ${result.outcome} (percent)`, header, rows, classes),
  ];
  if (bootstrap) {
    out.push(
      `<p class="note">${h(`Standard errors and intervals in percentage points: ${describeBootstrap(bootstrap)}.`)}` +
        '</p>',
    );
    for (const failure of bootstrap.failures)
      out.push(`<p class="note">${h(`Excluded replicates: ${failure.count} × ${failure.reason}`)}</p>`);
  }
  if (published) out.push(`<p class="note">${h(`${published.label}: ${published.source}.`)}</p>`);
  if (permutation) {
    out.push(
      `<p class="note">${h(
        'How much of each share is chance: a share says how much variance a group accounts for, not that it matters. ' +
          'The chance floor is the share the group gets when its own contribution is replaced by reshuffled noise — ' +
          'the model without the group is fitted, and its residuals are permuted and added back to its fitted ' +
          'values — averaged over the permutations (the dashed marks in the figure). ' +
          'Excess = share − chance floor (percentage points); p = the share of permutations giving the group at ' +
          'least its observed share (with the observed data counted once). ' +
          `${describePermutations(permutation)}.`,
      )}</p>`,
    );
  }
  if (result.sampling) out.push(`<p class="note">${h(`${describeSampling(result.sampling)}.`)}</p>`);
  if (result.commonality) {
    out.push(
      table(
        'Commonality coefficients',
        ['groups', 'part', num('share')],
        result.commonality.sets.map((set) => [
          set.groups.join(' ∩ '),
          set.groups.length === 1 ? 'unique' : 'common',
          percent(set.share),
        ]),
      ),
    );
  }
  for (const note of result.notes) out.push(`<p class="note">${h(`Note: ${note}`)}</p>`);
  return out.join('\n');
}

function methodsSection(comparison: DecompositionReport): string {
  const { result } = comparison;
  const rows = result.comparison?.rows;
  if (!rows) return `<p>${h('No comparison of methods was computed.')}</p>`;
  const order = result.comparison!.order;
  const body: Cell[][] = rows.map((r) => [
    r.group,
    percent(r.shapley),
    percent(r.owen),
    percent(r.sequential),
    percent(r.sequentialReverse),
    percent(r.unique),
    num(formatPercent(r.spread)),
  ]);
  body.push([UNEXPLAINED, ...Array.from({ length: 5 }, () => percent(result.unexplained)), '']);
  return [
    `<p>${h(
      'The same R² split five ways. Where the methods agree, the split does not hang on a choice of method; a large ' +
        'spread means the groups overlap ' +
        '(they explain much of the same variance) and the split of that overlap is a matter of convention.',
    )}</p>`,
    `<figure>\n${renderDecompositionSvg(comparison, { idPrefix: 'methods', inline: true }).trimEnd()}\n</figure>`,
    table(
      `Share of the variance of ${result.outcome} by method (percent)`,
      [
        'group',
        num('Shapley'),
        num('Owen'),
        num('sequential'),
        num('reverse sequential'),
        num('unique'),
        num('spread (points)'),
      ],
      body,
      [...rows.map(() => undefined), 'rest'],
    ),
    `<p class="note">${h(
      `Sequential order: ${order.join(' → ')}; reverse: ${[...order].reverse().join(' → ')}. ` +
        'Spread = largest minus smallest share across the five methods.',
    )}</p>`,
  ].join('\n');
}

function regressionSection(report: FitReport): string {
  const { result } = report;
  const level = `${Math.round(result.level * 100)}%`;
  const rows: Cell[][] = result.coefficients.map((c) =>
    c.aliased
      ? [c.term, { html: 'aliased', numeric: true }, '', '', '', '', '']
      : [
          c.term,
          num(formatNumber(c.estimate)),
          num(formatNumber(c.stdError)),
          num(formatNumber(c.t, 4)),
          num(formatP(c.p)),
          num(`${formatNumber(c.ciLow)} – ${formatNumber(c.ciHigh)}`),
          c.vif === null ? '' : num(formatNumber(c.vif, 4)),
        ],
  );
  const statistics: [string, string][] = [
    [
      'observations (n)',
      `${result.n}${result.droppedRows ? ` (${result.droppedRows} rows dropped for missing values)` : ''}`,
    ],
    ['parameters (K)', String(result.k)],
    ['residual degrees of freedom', String(result.dfResidual)],
    ['residual standard error', formatNumber(result.sigma)],
    ['R²', formatNumber(result.r2)],
    ['adjusted R²', formatNumber(result.adjR2)],
    ...(result.withinR2 !== null
      ? [['within R² (after the fixed effects)', formatNumber(result.withinR2)] as [string, string]]
      : []),
    [
      'F',
      `${formatNumber(result.f)} on ${result.fDf[0]} and ${result.fDf[1]} df, p ` +
        `${formatP(result.fP).startsWith('<') ? formatP(result.fP) : `= ${formatP(result.fP)}`}`,
    ],
    ...result.fixedEffects.map((fe): [string, string] => [
      `fixed effect ${fe.name}`,
      `${fe.column}, ${fe.levels} levels (absorbed)`,
    ]),
    [
      'standard errors',
      result.clusters
        ? `cluster-robust CR1 by ${result.clusters.column} (${result.clusters.count} clusters; t on ` +
          `${result.clusters.df} df)`
        : 'classical OLS',
    ],
  ];
  const absorbed =
    result.fixedEffects.length > 0
      ? ` with the ${inWords(result.fixedEffects.map((f) => f.column))} fixed effects absorbed ` +
        '(their coefficients are not shown)'
      : '';
  return [
    `<p>${h(`Ordinary least squares of ${result.outcome}${absorbed}. The split above is of this model’s R².`)}</p>`,
    table(
      'Coefficients',
      ['term', num('estimate'), num('std. error'), num('t'), num('p'), num(`${level} interval`), num('VIF')],
      rows,
    ),
    table('Fit', ['statistic', 'value'], statistics),
    ...result.notes.map((note) => `<p class="note">${h(`Note: ${note}`)}</p>`),
  ].join('\n');
}

function reproducibilitySection(reproducibility: Reproducibility, file: string): string {
  const entry = (term: string, value: string) => `<dt>${h(term)}</dt><dd>${value}</dd>`;
  return [
    `<p>${h(
      'Run this command with the same version on the same file to get this report again, byte for byte (it ' +
        'records no date or time).',
    )}</p>`,
    `<pre><code>${h(reproducibility.command)}</code></pre>`,
    '<dl>',
    entry('tool', `cpp-variance ${h(reproducibility.version)}`),
    entry('input file', `<code>${h(file)}</code>`),
    entry(
      'input SHA-256',
      reproducibility.sha256 === null
        ? h('not recorded (the data came from standard input)')
        : `<code>${h(reproducibility.sha256)}</code>`,
    ),
    entry(
      'seed',
      reproducibility.seed === null ? h('none (nothing random was done)') : h(String(reproducibility.seed)),
    ),
    '</dl>',
  ].join('\n');
}
