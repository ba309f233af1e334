import type { DfeReport } from '../io/dfe.js';
/**
 * Renderers of `describe --by` (src/profile/byCategory.ts): an aligned text table per column, versioned JSON, one
 * long CSV, Markdown, and an SVG dot-and-whisker figure (one panel per column, one line per category).
 */
import { displayPath, displayText } from '../io/csv.js';
import type { ColumnByCategory, DescribeByResult, OneWayAnova, Summary, WelchTest } from '../profile/byCategory.js';
import { formatPercent } from './context.js';
import { formatNumber, formatP } from './fitReport.js';
import { SCHEMA_VERSION } from './json.js';
import { escapeXml, FONT, fit, GRID, GROUP_COLOURS, INK, MUTED, n, text, textWidth, wrap } from './svg.js';
import { renderMarkdown, type Tabular } from './tabular.js';

const ciLabel = (result: DescribeByResult) => `${Math.round(result.level * 100)}% CI of the mean`;

/** How the interval is computed, in words. */
const ciDefinition = (result: DescribeByResult) =>
  `${ciLabel(result)}: mean ± t(${1 - (1 - result.level) / 2}; n − 1) × SD / √n (R's t.test)`;

/** Decimals that give the largest magnitude among `values` four significant digits (0 to 6). */
function decimalsFor(values: readonly (number | null)[]): number {
  const largest = Math.max(0, ...values.filter((v): v is number => v !== null).map((v) => Math.abs(v)));
  if (largest === 0) return 0;
  return Math.min(6, Math.max(0, 3 - Math.floor(Math.log10(largest))));
}

const fixed = (value: number | null, decimals: number): string => {
  if (value === null) return '';
  const text = value.toFixed(decimals);
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text;
};

/** Decimals for a column: from its means and ranges, so that every figure of the column lines up. */
const columnDecimals = (c: ColumnByCategory) =>
  decimalsFor([c.overall.min, c.overall.max, c.overall.mean, ...c.groups.map((g) => g.mean)]);

/** `η² = 12.3% · one-way ANOVA F(9, 1340) = 20.13, p < 2e-16 · Welch F(9, 512.3) = 18.2, p < 2e-16`. */
function testsText(c: ColumnByCategory): string {
  const parts: string[] = [];
  if (c.anova) {
    if (c.anova.eta2 !== null) parts.push(`η² = ${formatPercent(c.anova.eta2)}%`);
    if (c.anova.f !== null && c.anova.p !== null)
      parts.push(
        `one-way ANOVA F(${c.anova.df1}, ${c.anova.df2}) = ${formatNumber(c.anova.f, 4)}, p ${pText(c.anova.p)}`,
      );
  }
  if (c.welch)
    parts.push(
      `Welch F(${c.welch.df1}, ${c.welch.df2.toFixed(2)}) = ${formatNumber(c.welch.f, 4)}, p ${pText(c.welch.p)}`,
    );
  return parts.join(' · ');
}

const pText = (p: number) => {
  const shown = formatP(p);
  return shown.startsWith('<') ? shown : `= ${shown}`;
};

// ---------------------------------------------------------------------------------------------- text

/**
 * For people: per column, one aligned line per category (n, mean, SD, median, quartiles, range, the interval),
 * a line for all categories together, the between-category share and the tests, and the column's notes.
 */
export function renderDescribeByTable(result: DescribeByResult): string {
  const out = [
    `Summaries by ${displayText(result.by)} of ${displayPath(result.file)}: ${result.rows} ` +
      `row${result.rows === 1 ? '' : 's'}, ` +
      `${result.categories.length} categor${result.categories.length === 1 ? 'y' : 'ies'}, ${result.columns.length} ` +
      `column${result.columns.length === 1 ? '' : 's'}`,
    `quartiles: ${result.quantiles}`,
    ciDefinition(result),
  ];
  for (const c of result.columns) {
    const decimals = columnDecimals(c);
    const anyMissing = c.missing > 0;
    const header = [
      displayText(result.by, 40),
      'n',
      ...(anyMissing ? ['missing'] : []),
      'mean',
      'SD',
      'median',
      'Q1',
      'Q3',
      'min',
      'max',
      ciLabel(result),
    ];
    const row = (label: string, s: Summary, missing: number) => [
      label,
      String(s.n),
      ...(anyMissing ? [String(missing)] : []),
      fixed(s.mean, decimals),
      fixed(s.sd, decimals),
      fixed(s.median, decimals),
      fixed(s.q1, decimals),
      fixed(s.q3, decimals),
      fixed(s.min, decimals),
      fixed(s.max, decimals),
      s.ciLow === null || s.ciHigh === null ? '' : `[${fixed(s.ciLow, decimals)}, ${fixed(s.ciHigh, decimals)}]`,
    ];
    const rows = [
      header,
      ...c.groups.map((g) => row(displayText(g.category, 40), g, g.missing)),
      row('all', c.overall, c.missing),
    ];
    const lines = align(
      rows,
      header.map((_, j) => j > 0),
    );
    lines.splice(lines.length - 1, 0, `  ${'─'.repeat(Math.max(...lines.map((l) => l.length)) - 2)}`);
    out.push('', `${displayText(c.column)}: ${c.n} value${c.n === 1 ? '' : 's'}`, ...lines);
    const tests = testsText(c);
    if (tests !== '') out.push(`  between categories: ${tests}`);
    for (const note of c.notes) out.push(`  note: ${note}`);
  }
  if (result.notes.length > 0) out.push('');
  for (const note of result.notes) out.push(`note: ${note}`);
  return `${out.join('\n')}\n`;
}

function align(rows: readonly (readonly string[])[], right: readonly boolean[]): string[] {
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  const last = widths.length - 1;
  return rows.map((r) =>
    `  ${r
      .map((cell, j) => (j === last ? cell : right[j] ? cell.padStart(widths[j]!) : cell.padEnd(widths[j]!)))
      .join('  ')}`.trimEnd(),
  );
}

// ---------------------------------------------------------------------------------------------- JSON

const summaryJson = (s: Summary) => ({
  n: s.n,
  mean: s.mean,
  sd: s.sd,
  se: s.se,
  median: s.median,
  q1: s.q1,
  q3: s.q3,
  min: s.min,
  max: s.max,
  ciLow: s.ciLow,
  ciHigh: s.ciHigh,
});

const anovaJson = (a: OneWayAnova | null) =>
  a && {
    groups: a.groups,
    ssBetween: a.ssBetween,
    ssWithin: a.ssWithin,
    ssTotal: a.ssTotal,
    eta2: a.eta2,
    f: a.f,
    df1: a.df1,
    df2: a.df2,
    p: a.p,
  };

const welchJson = (w: WelchTest | null) => w && { f: w.f, df1: w.df1, df2: w.df2, p: w.p };

/**
 * The summaries as a stable JSON document (`schemaVersion` 1), numbers unrounded, η² a fraction:
 *
 * ```
 * { "schemaVersion": 1, "command": "describe", "by": COL, "file", "rows", "rowsMissingCategory",
 *   "level": 0.95, "quantiles": "R's default quantile (type 7, …)", "columnSource": "options" | "default",
 *   "categories": [{ "category", "rows" }],                      // natural text order
 *   "columns": [{ "column", "n", "missing",
 *     "groups": [{ "category", "missing", "n", "mean", "sd", "se", "median", "q1", "q3", "min", "max",
 *                  "ciLow", "ciHigh" }],                          // one per category, in "categories" order
 *     "overall": { "n", "mean", … },                              // every value used, whatever its category
 *     "anova": null | { "groups", "ssBetween", "ssWithin", "ssTotal", "eta2", "f", "df1", "df2", "p" },
 *     "welch": null | { "f", "df1", "df2", "p" },
 *     "notes": [strings] }],
 *   "notes": [strings] }
 * ```
 *
 * A category with no values of a column has n 0 and every other field null; with one value, sd, se, ciLow and
 * ciHigh are null. `anova` is null with fewer than two categories with values; its `eta2` is null when the
 * column takes one value, `f` and `p` when there is no variation within categories. `welch` is null unless every
 * category with values has at least two and some variation. The notes say why.
 */
export function renderDescribeByJson(result: DescribeByResult & { readonly dfe?: DfeReport }): string {
  const document = {
    schemaVersion: SCHEMA_VERSION,
    command: 'describe',
    by: result.by,
    file: result.file,
    rows: result.rows,
    rowsMissingCategory: result.rowsMissingCategory,
    level: result.level,
    quantiles: result.quantiles,
    columnSource: result.columnSource,
    categories: result.categories.map((c) => ({ category: c.category, rows: c.rows })),
    columns: result.columns.map((c) => ({
      column: c.column,
      n: c.n,
      missing: c.missing,
      groups: c.groups.map((g) => ({ category: g.category, missing: g.missing, ...summaryJson(g) })),
      overall: summaryJson(c.overall),
      anova: anovaJson(c.anova),
      welch: welchJson(c.welch),
      notes: c.notes,
    })),
    ...(result.dfe ? { missing: result.dfe.missing, dfe: result.dfe } : {}),
    notes: result.notes,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------- CSV / Markdown

const TEST_COLUMNS = [
  'eta2',
  'anova_f',
  'anova_df1',
  'anova_df2',
  'anova_p',
  'welch_f',
  'welch_df1',
  'welch_df2',
  'welch_p',
] as const;

/**
 * One long table for CSV: per column, a row per category (`row` = `category`) and a row for all categories
 * together (`row` = `all`, `category` empty) that also carries η² and the two tests. Numbers in full precision;
 * cells that do not apply are empty.
 */
export function describeByTabular(result: DescribeByResult): Tabular {
  const rows: (string | number | null)[][] = [];
  const stats = (s: Summary) => [s.n, s.mean, s.sd, s.se, s.median, s.q1, s.q3, s.min, s.max, s.ciLow, s.ciHigh];
  for (const c of result.columns) {
    for (const g of c.groups)
      rows.push([c.column, 'category', g.category, g.missing, ...stats(g), ...TEST_COLUMNS.map(() => null)]);
    rows.push([
      c.column,
      'all',
      '',
      c.missing,
      ...stats(c.overall),
      c.anova?.eta2 ?? null,
      c.anova?.f ?? null,
      c.anova?.df1 ?? null,
      c.anova?.df2 ?? null,
      c.anova?.p ?? null,
      c.welch?.f ?? null,
      c.welch?.df1 ?? null,
      c.welch?.df2 ?? null,
      c.welch?.p ?? null,
    ]);
  }
  return {
    title: `Summaries by ${result.by} of ${result.file}`,
    columns: [
      'column',
      'row',
      'category',
      'missing',
      'n',
      'mean',
      'sd',
      'se',
      'median',
      'q1',
      'q3',
      'min',
      'max',
      'ci_low',
      'ci_high',
      ...TEST_COLUMNS,
    ],
    rows,
    notes: allNotes(result),
  };
}

function allNotes(result: DescribeByResult): string[] {
  return [
    `quartiles: ${result.quantiles}`,
    ciDefinition(result),
    ...result.columns.flatMap((c) => c.notes.map((note) => `${c.column}: ${note}`)),
    ...result.notes,
  ];
}

/** Two Markdown tables: the summaries (a row per category and one for all), then η² and the tests per column. */
export function renderDescribeByMarkdown(result: DescribeByResult): string {
  const summaries: Tabular = {
    title: `Summaries by ${result.by} of ${result.file}`,
    columns: [
      'column',
      result.by,
      'n',
      'missing',
      'mean',
      'sd',
      'median',
      'q1',
      'q3',
      'min',
      'max',
      'ci_low',
      'ci_high',
    ],
    rows: result.columns.flatMap((c) =>
      [
        ...c.groups.map((g) => ({ label: g.category, s: g as Summary, missing: g.missing })),
        { label: '(all)', s: c.overall, missing: c.missing },
      ].map(({ label, s, missing }) => [
        c.column,
        label,
        s.n,
        missing,
        s.mean,
        s.sd,
        s.median,
        s.q1,
        s.q3,
        s.min,
        s.max,
        s.ciLow,
        s.ciHigh,
      ]),
    ),
    notes: [],
  };
  const tests: Tabular = {
    title: `Differences between the categories of ${result.by}`,
    columns: ['column', 'test', 'eta2', 'F', 'df1', 'df2', 'p'],
    rows: result.columns.flatMap((c) => [
      [
        c.column,
        'one-way ANOVA',
        c.anova?.eta2 ?? null,
        c.anova?.f ?? null,
        c.anova?.df1 ?? null,
        c.anova?.df2 ?? null,
        c.anova?.p ?? null,
      ],
      [c.column, 'Welch', null, c.welch?.f ?? null, c.welch?.df1 ?? null, c.welch?.df2 ?? null, c.welch?.p ?? null],
    ]),
    notes: allNotes(result),
  };
  return `${renderMarkdown(summaries)}\n${renderMarkdown(tests)}`;
}

// ---------------------------------------------------------------------------------------------- SVG

const WIDTH = 880;
const MARGIN = 28;
const ROW = 20;
/** Okabe–Ito without its yellow, which is too light for a dot on white. */
const DOT_COLOURS = GROUP_COLOURS.filter((colour) => colour !== '#F0E442');

/** Tick step of 1, 2 or 5 × 10^k giving about `count` intervals over [low, high]. */
function niceStep(low: number, high: number, count = 5): number {
  const raw = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

/** The axis of a panel: its ends on whole ticks, covering every mean and interval. */
function panelScale(c: ColumnByCategory): { low: number; high: number; step: number } {
  const points = c.groups.flatMap((g) => [g.mean, g.ciLow, g.ciHigh]).filter((v): v is number => v !== null);
  if (c.overall.mean !== null) points.push(c.overall.mean);
  let low = Math.min(...points);
  let high = Math.max(...points);
  if (points.length === 0) [low, high] = [0, 1];
  if (high - low < 1e-12 * Math.max(1, Math.abs(high))) {
    const pad = Math.abs(high) > 0 ? Math.abs(high) * 0.1 : 1;
    low -= pad;
    high += pad;
  }
  const step = niceStep(low, high);
  return { low: Math.floor(low / step) * step, high: Math.ceil(high / step) * step, step };
}

/** A tick label: as many decimals as the step needs. */
function tickLabel(value: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return fixed(value, Math.min(decimals, 10));
}

/** `data-name="value"` for each non-null number (a null is left out, so attribute present ⇔ JSON number). */
function dataAttributes(values: Record<string, number | string | null>): string {
  return Object.entries(values)
    .filter(([, value]) => value !== null)
    .map(([name, value]) => ` data-${name}="${escapeXml(String(value))}"`)
    .join('');
}

export interface DescribeBySvgOptions {
  /** Figure title; default `Means of <columns> by <by>, with 95% confidence intervals`. */
  readonly title?: string;
}

/**
 * The means as a dot-and-whisker figure: one panel per column, each with its own axis; one line per category
 * with a dot at its mean and a whisker over the confidence interval of the mean, labelled with the mean, the
 * interval and n; a dashed line at the mean of all values; η² and the tests above the panel. Every number is an
 * attribute in full precision (`data-mean`, `data-low`, `data-high`, `data-eta2`, `data-welch-p`, …; absent where
 * the JSON has null). Self-contained: no scripts, fonts or external references.
 */
export function renderDescribeBySvg(result: DescribeByResult, options: DescribeBySvgOptions = {}): string {
  const out: string[] = [];
  let y = MARGIN + 6;
  const columnNames = result.columns.map((c) => displayText(c.column));
  const title =
    options.title ??
    `Means of ${columnNames.length <= 3 ? columnNames.join(', ') : `${columnNames.length} columns`} ` +
      `by ${displayText(result.by)}, with ${Math.round(result.level * 100)}% confidence intervals`;
  for (const line of wrap(title, 19, WIDTH - 2 * MARGIN)) {
    y += 4;
    out.push(text(MARGIN, y, line, { class: 'title', 'font-size': 19, 'font-weight': 700, fill: INK }));
    y += 21;
  }
  y -= 4;
  const subtitle =
    `Dots: category means; whiskers: ${ciLabel(result)} (t on n − 1 df); dashed line: ` +
    'the mean of all values; one panel per column, each on its own scale';
  for (const line of wrap(subtitle, 13, WIDTH - 2 * MARGIN)) {
    y += 17;
    out.push(text(MARGIN, y, line, { class: 'subtitle', 'font-size': 13, fill: MUTED }));
  }
  y += 10;

  const labelWidth = Math.min(
    260,
    Math.max(100, ...result.categories.map((c) => textWidth(displayText(c.category), 12) + 16)),
  );
  const left = MARGIN + labelWidth;
  const valueSpace = 230;
  const right = WIDTH - MARGIN - valueSpace;
  const descriptions: string[] = [];

  result.columns.forEach((c) => {
    const decimals = columnDecimals(c);
    const scale = panelScale(c);
    const x = (value: number) => left + ((value - scale.low) / (scale.high - scale.low)) * (right - left);
    const panel: string[] = [];
    y += 26;
    panel.push(
      text(MARGIN, y, fit(displayText(c.column), 15, WIDTH - 2 * MARGIN, true), {
        class: 'panel-title',
        'font-size': 15,
        'font-weight': 700,
        fill: INK,
      }),
    );
    const tests = testsText(c);
    const counts = `${c.n} value${c.n === 1 ? '' : 's'}${c.missing > 0 ? ` (${c.missing} missing left out)` : ''}`;
    for (const line of wrap(tests === '' ? counts : `${counts} · ${tests}`, 11, WIDTH - 2 * MARGIN)) {
      y += 16;
      panel.push(text(MARGIN, y, line, { class: 'panel-tests', 'font-size': 11, fill: MUTED }));
    }
    y += 12;
    const top = y;
    const rows: string[] = [];
    c.groups.forEach((g, i) => {
      const centre = top + i * ROW + ROW / 2;
      const colour = DOT_COLOURS[i % DOT_COLOURS.length]!;
      const attributes = dataAttributes({
        column: c.column,
        category: g.category,
        n: g.n,
        missing: g.missing,
        mean: g.mean,
        sd: g.sd,
        median: g.median,
        low: g.ciLow,
        high: g.ciHigh,
      });
      rows.push(`<g class="category"${attributes}>`);
      rows.push(
        text(left - 10, centre + 4, fit(displayText(g.category), 12, labelWidth - 12), {
          class: 'category-name',
          'font-size': 12,
          fill: INK,
          'text-anchor': 'end',
        }),
      );
      let label: string;
      if (g.mean === null) {
        label = 'no values';
      } else {
        if (g.ciLow !== null && g.ciHigh !== null) {
          const low = x(g.ciLow);
          const high = x(g.ciHigh);
          rows.push(
            `<g class="interval"><line x1="${n(low)}" y1="${n(centre)}" x2="${n(high)}" y2="${n(centre)}" ` +
              `stroke="${colour}" stroke-width="2"/>` +
              `<line x1="${n(low)}" y1="${n(centre - 5)}" x2="${n(low)}" y2="${n(centre + 5)}" stroke="${colour}" ` +
              'stroke-width="2"/>' +
              `<line x1="${n(high)}" y1="${n(centre - 5)}" x2="${n(high)}" y2="${n(centre + 5)}" stroke="${colour}" ` +
              'stroke-width="2"/></g>',
          );
        }
        rows.push(
          `<circle class="mean" cx="${n(x(g.mean))}" cy="${n(centre)}" r="4.5" fill="${colour}" stroke="#FFFFFF" ` +
            'stroke-width="1"/>',
        );
        label =
          g.ciLow === null || g.ciHigh === null
            ? `${fixed(g.mean, decimals)}  n = ${g.n} (no interval)`
            : `${fixed(g.mean, decimals)} [${fixed(g.ciLow, decimals)}, ${fixed(g.ciHigh, decimals)}]  n = ${g.n}`;
      }
      rows.push(
        text(right + 12, centre + 4, fit(label, 11, valueSpace - 16), { class: 'value', 'font-size': 11, fill: MUTED }),
      );
      rows.push('</g>');
    });
    const bottom = top + c.groups.length * ROW;
    // Grid and ticks under the dots.
    const grid: string[] = [];
    const ticks = Math.round((scale.high - scale.low) / scale.step);
    for (let t = 0; t <= ticks; t++) {
      const tick = scale.low + t * scale.step;
      const px = x(tick);
      grid.push(
        `<line x1="${n(px)}" y1="${n(top - 4)}" x2="${n(px)}" y2="${n(bottom + 2)}" stroke="${GRID}" ` +
          'stroke-width="1"/>',
      );
      grid.push(
        text(px, bottom + 16, tickLabel(tick, scale.step), { 'font-size': 10.5, fill: MUTED, 'text-anchor': 'middle' }),
      );
    }
    if (c.overall.mean !== null) {
      grid.push(
        `<line class="overall-mean" x1="${n(x(c.overall.mean))}" y1="${n(top - 6)}" x2="${n(x(c.overall.mean))}" ` +
          `y2="${n(bottom + 2)}" ` +
          `stroke="${MUTED}" stroke-width="1" stroke-dasharray="4 3"${dataAttributes({ mean: c.overall.mean })}/>`,
      );
    }
    const panelAttributes = dataAttributes({
      column: c.column,
      n: c.n,
      missing: c.missing,
      mean: c.overall.mean,
      eta2: c.anova?.eta2 ?? null,
      'anova-f': c.anova?.f ?? null,
      'anova-df1': c.anova?.df1 ?? null,
      'anova-df2': c.anova?.df2 ?? null,
      'anova-p': c.anova?.p ?? null,
      'welch-f': c.welch?.f ?? null,
      'welch-df1': c.welch?.df1 ?? null,
      'welch-df2': c.welch?.df2 ?? null,
      'welch-p': c.welch?.p ?? null,
    });
    out.push(
      `<g class="panel"${panelAttributes}>`,
      ...panel,
      `<g class="axis">${grid.join('')}</g>`,
      `<g class="rows">${rows.join('')}</g>`,
      '</g>',
    );
    y = bottom + 20;
    descriptions.push(
      `${c.column}: ${c.groups
        .filter((g) => g.mean !== null)
        .map((g) => `${g.category} ${fixed(g.mean, decimals)}`)
        .join(', ')}${tests === '' ? '' : ` (${tests})`}`,
    );
  });

  // Footnote: data, definitions, notes.
  const lines = [
    `Data: ${result.file} · ${result.rows} rows · ${result.categories.length} categories of ${result.by}${
      result.rowsMissingCategory > 0 ? ` (${result.rowsMissingCategory} rows without one left out)` : ''
    }`,
    `${ciDefinition(result)}. η²: the share of the variance between categories (one-way ANOVA); ` +
      `Welch's test does not assume equal variances (R's oneway.test).`,
    ...result.columns.flatMap((c) => c.notes.map((note) => `Note: ${c.column}: ${note}`)),
    ...result.notes.map((note) => `Note: ${note}`),
  ];
  y += 10;
  out.push(`<line x1="${MARGIN}" y1="${n(y)}" x2="${WIDTH - MARGIN}" y2="${n(y)}" stroke="${GRID}" stroke-width="1"/>`);
  y += 4;
  const foot: string[] = [];
  for (const line of lines) {
    for (const part of wrap(line, 11, WIDTH - 2 * MARGIN)) {
      y += 15;
      foot.push(text(MARGIN, y, part, { 'font-size': 11, fill: MUTED }));
    }
  }
  out.push(`<g class="footnote">${foot.join('')}</g>`);
  const height = Math.ceil(y + MARGIN - 8);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
      `role="img" aria-labelledby="cppv-by-title cppv-by-desc" font-family="${escapeXml(FONT)}"` +
      `${dataAttributes({
        by: result.by,
        rows: result.rows,
        level: result.level,
        'rows-missing-category': result.rowsMissingCategory,
      })}>`,
    `<title id="cppv-by-title">${escapeXml(title)}</title>`,
    `<desc id="cppv-by-desc">${escapeXml(descriptions.join('; '))}</desc>`,
    `<rect width="${WIDTH}" height="${height}" fill="#FFFFFF"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}
