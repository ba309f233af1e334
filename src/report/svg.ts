import type { ShareInterval } from '../models/bootstrap/bootstrap.js';
import type { ComparisonRow, DecompositionResult } from '../models/methods/decompose.js';
import { CONTROLS, UNEXPLAINED } from '../models/spec/spec.js';
import type { GroupNull } from '../models/permutation/freedmanLane.js';
import {
  describeBootstrap,
  describePermutations,
  estimatorLabel,
  formatPercent,
  formatPValue,
  intervalOf,
  METHOD_LABELS,
  methodLine,
  nullOf,
  type DecompositionReport,
} from './context.js';
import { displayOrder } from './ranking.js';

export interface SvgOptions {
  /** Figure title; default `Variance of <outcome> explained by each group` (the method is always the subtitle). */
  readonly title?: string;
  /** Prefix of the ids inside the figure (letters, digits, - and _), so that several figures can share one page. */
  readonly idPrefix?: string;
  /** Leave out the xmlns attribute: for a figure placed inside an HTML page, where the parser supplies it. */
  readonly inline?: boolean;
}

/**
 * Characters XML 1.0 does not allow (C0 controls but tab, LF and CR; DEL and C1; U+FFFE/FFFF) and unpaired
 * surrogates, matched for replacement.
 */
const XML_INVALID = new RegExp(
  '[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\uFFFE\\uFFFF]|' +
    '[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]',
  'g',
);

/**
 * Escape text for XML and HTML, in element content and in quoted attributes alike: & < > " ' become
 * entities, and characters that XML 1.0 forbids (C0 controls other than tab, newline and carriage return,
 * lone surrogates, U+FFFE and U+FFFF) become U+FFFD, so no input can break or inject markup. DEL and the C1
 * controls (U+007F–U+009F: allowed by XML 1.0 but discouraged, a parse error in HTML, and U+009B starts a
 * terminal sequence when the file is printed) become U+FFFD too.
 *
 * @example
 * escapeXml(`a<&"'b`); // 'a&lt;&amp;&quot;&#39;b'
 */
export function escapeXml(text: string): string {
  return text
    .replace(XML_INVALID, '\uFFFD')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** The title a figure gets unless the caller gives one. */
export function defaultFigureTitle(result: Pick<DecompositionResult, 'outcome' | 'method'>): string {
  return result.method === 'all'
    ? `Variance of ${result.outcome} explained by each group, by method`
    : `Variance of ${result.outcome} explained by each group`;
}

// Okabe & Ito (2008) colour-blind-safe palette, ordered so that neighbours differ in lightness too.
export const GROUP_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442'] as const;
const SHARED_COLOUR = '#999999';
/** The controls held in every model (--control): a neutral grey, apart from the groups' colours. */
const CONTROLS_COLOUR = '#8C8C8C';
const HATCH_BACKGROUND = '#D9D9D9';
const HATCH_LINE = '#8C8C8C';
const PUBLISHED_COLOUR = '#4D4D4D';
export const INK = '#1A1A1A';
export const MUTED = '#5C5C5C';
export const GRID = '#E3E3E3';
export const FONT =
  "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif";

const WIDTH = 880;
const MARGIN = 28;
const VALUE_SPACE = 150;
const CHANCE_LABEL_SPACE = 140;

const COMPARISON_METHODS = [
  { key: 'shapley', label: 'Shapley (LMG)', colour: '#0072B2' },
  { key: 'owen', label: 'Owen', colour: '#56B4E9' },
  { key: 'sequential', label: 'sequential', colour: '#E69F00' },
  { key: 'sequentialReverse', label: 'reverse sequential', colour: '#D55E00' },
  { key: 'unique', label: 'unique', colour: '#009E73' },
] as const satisfies readonly { key: keyof ComparisonRow; label: string; colour: string }[];

/** One drawn part of the split. */
interface Part {
  readonly name: string;
  readonly description: string;
  readonly share: number;
  readonly kind: 'group' | 'shared' | 'unexplained';
  readonly colour: string;
  /** Whether the part is one of those that add up to the whole variance. */
  readonly inTotal: boolean;
  readonly interval?: ShareInterval;
  readonly published?: number;
  /** The permutation null of a group's share (--permutations). */
  readonly chance?: GroupNull;
}

const FLOOR_COLOUR = '#1A1A1A';

/** Accumulates SVG elements and the running height of the figure. */
class Canvas {
  readonly elements: string[] = [];
  y = 0;
  constructor(readonly ids: (name: string) => string) {}
  add(element: string): void {
    this.elements.push(element);
  }
}

/**
 * The split as a self-contained SVG figure: a strip showing how the whole variance divides (when the parts add
 * up to 100% and none is negative), then one bar per group and for the unexplained rest (grey, hatched), each
 * labelled with its percent; bootstrap intervals as whiskers; published shares as thin dark bars; a footnote
 * with N, R², method, data and notes. For `method: 'all'`, a grouped bar chart of the five methods per group.
 * Every number is also an attribute (`data-share`, `data-low`, …) in full precision. No scripts, fonts or
 * external references: the file renders the same anywhere.
 */
export function renderDecompositionSvg(report: DecompositionReport, options: SvgOptions = {}): string {
  const prefix = (options.idPrefix ?? 'cppv').replace(/[^A-Za-z0-9_-]/g, '_');
  const canvas = new Canvas((name) => `${prefix}-${name}`);
  const { result } = report;
  const title = options.title ?? defaultFigureTitle(result);
  header(
    canvas,
    title,
    result.method === 'all' ? `${METHOD_LABELS.all}: five ways of splitting the same R²` : estimatorLabel(result),
  );
  const description = result.comparison !== undefined ? comparisonChart(canvas, report) : splitChart(canvas, report);
  footnote(canvas, report);
  const height = Math.ceil(canvas.y + MARGIN - 8);
  const titleId = canvas.ids('title');
  const descId = canvas.ids('desc');
  return [
    `<svg${options.inline ? '' : ' xmlns="http://www.w3.org/2000/svg"'} width="${WIDTH}" height="${height}" ` +
      `viewBox="0 0 ${WIDTH} ${height}" ` +
      `role="img" aria-labelledby="${titleId} ${descId}" font-family="${escapeXml(FONT)}" ` +
      `data-method="${escapeXml(result.method)}" ` +
      `data-r2="${result.r2}" data-n="${result.n}">`,
    `<title id="${titleId}">${escapeXml(title)}</title>`,
    `<desc id="${descId}">${escapeXml(description)}</desc>`,
    '<defs>',
    `<pattern id="${canvas.ids('hatch')}" patternUnits="userSpaceOnUse" width="7" height="7" ` +
      `patternTransform="rotate(45)">` +
      `<rect width="7" height="7" fill="${HATCH_BACKGROUND}"/><line x1="0" y1="0" x2="0" y2="7" ` +
      `stroke="${HATCH_LINE}" stroke-width="3"/></pattern>`,
    '</defs>',
    `<rect width="${WIDTH}" height="${height}" fill="#FFFFFF"/>`,
    ...canvas.elements,
    '</svg>',
    '',
  ].join('\n');
}

// ── layout helpers ────────────────────────────────────────────────────────────────────────────────────────

/** Coordinates with at most two decimals, so output is short and identical everywhere. */
export function n(value: number): string {
  const text = String(Math.round(value * 100) / 100);
  return text === '-0' ? '0' : text;
}

/** A conservative estimate of the width of text in a sans-serif font (no font metrics are available). */
export function textWidth(text: string, size: number, bold = false): number {
  return [...text].length * size * (bold ? 0.68 : 0.57);
}

/** Greedy word wrap to lines of at most `width` pixels (long words are cut). */
export function wrap(text: string, size: number, width: number): string[] {
  const perLine = Math.max(10, Math.floor(width / (size * 0.57)));
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    let rest = word;
    while ([...rest].length > perLine) {
      if (line) lines.push(line);
      line = '';
      lines.push([...rest].slice(0, perLine).join(''));
      rest = [...rest].slice(perLine).join('');
    }
    const candidate = line ? `${line} ${rest}` : rest;
    if ([...candidate].length > perLine) {
      lines.push(line);
      line = rest;
    } else line = candidate;
  }
  if (line) lines.push(line);
  return lines;
}

/** Shorten text to fit `width` pixels, ending with an ellipsis when cut. */
export function fit(text: string, size: number, width: number, bold = false): string {
  if (textWidth(text, size, bold) <= width) return text;
  const chars = [...text];
  const keep = Math.max(1, Math.floor(width / (size * (bold ? 0.68 : 0.57))) - 1);
  return `${chars.slice(0, keep).join('')}…`;
}

export function text(x: number, y: number, content: string, attributes: Record<string, string | number> = {}): string {
  const extra = Object.entries(attributes)
    .map(([key, value]) => ` ${key}="${escapeXml(String(value))}"`)
    .join('');
  return `<text x="${n(x)}" y="${n(y)}"${extra}>${escapeXml(content)}</text>`;
}

/** Black or white, whichever reads better on `fill` (WCAG relative luminance). */
function inkOn(fill: string): string {
  const channel = (hex: string) => {
    const c = parseInt(hex, 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance =
    0.2126 * channel(fill.slice(1, 3)) + 0.7152 * channel(fill.slice(3, 5)) + 0.0722 * channel(fill.slice(5, 7));
  return luminance > 0.22 ? INK : '#FFFFFF';
}

/** Axis maximum: the largest value rounded up to a multiple of 10% (5% for small values), at least 10%. */
function axisScale(largest: number): { max: number; step: number } {
  const step = largest <= 0.2 ? 0.05 : 0.1;
  const max = Math.max(0.1, Math.ceil((largest - 1e-9) / step) * step);
  return { max, step };
}

function header(canvas: Canvas, title: string, subtitle: string): void {
  canvas.y = MARGIN + 6;
  for (const line of wrap(title, 19, WIDTH - 2 * MARGIN)) {
    canvas.y += 4;
    canvas.add(text(MARGIN, canvas.y, line, { class: 'title', 'font-size': 19, 'font-weight': 700, fill: INK }));
    canvas.y += 21;
  }
  canvas.y -= 4;
  for (const line of wrap(subtitle, 13, WIDTH - 2 * MARGIN)) {
    canvas.y += 17;
    canvas.add(text(MARGIN, canvas.y, line, { class: 'subtitle', 'font-size': 13, fill: MUTED }));
  }
  canvas.y += 14;
}

/** A row of legend entries in equal columns when they fit on one line, else flowed and wrapped to the figure width. */
function legend(canvas: Canvas, entries: readonly { label: string; swatch: (x: number, y: number) => string }[]): void {
  const widths = entries.map((entry) => 20 + textWidth(entry.label, 12) + 16);
  const column = Math.max(...widths);
  const uniform = column * entries.length <= WIDTH - 2 * MARGIN;
  let x = MARGIN;
  canvas.y += 16;
  entries.forEach((entry, i) => {
    const width = uniform ? column : widths[i]!;
    if (x + width > WIDTH - MARGIN && x > MARGIN) {
      x = MARGIN;
      canvas.y += 20;
    }
    canvas.add(
      `<g class="legend-entry">${entry.swatch(x, canvas.y - 10)}` +
        `${text(x + 20, canvas.y, entry.label, { 'font-size': 12, fill: INK })}</g>`,
    );
    x += width;
  });
  canvas.y += 10;
}

function swatch(fill: string): (x: number, y: number) => string {
  return (x, y) => `<rect x="${n(x)}" y="${n(y)}" width="14" height="12" fill="${fill}"/>`;
}

function axis(
  canvas: Canvas,
  left: number,
  right: number,
  top: number,
  scale: { max: number; step: number },
  outcome: string,
): void {
  const bottom = canvas.y;
  const x = (value: number) => left + (value / scale.max) * (right - left);
  const ticks = Math.round(scale.max / scale.step);
  const lines: string[] = [];
  for (let t = 0; t <= ticks; t++) {
    const value = t * scale.step;
    const px = x(value);
    lines.push(
      `<line x1="${n(px)}" y1="${n(top)}" x2="${n(px)}" y2="${n(bottom)}" stroke="${t === 0 ? '#9A9A9A' : GRID}" ` +
        `stroke-width="1"/>`,
    );
    lines.push(
      text(px, bottom + 15, `${Math.round(value * 100)}%`, { 'font-size': 11, fill: MUTED, 'text-anchor': 'middle' }),
    );
  }
  // Grid lines go under the bars.
  canvas.elements.splice(
    canvas.elements.findIndex((e) => e.startsWith('<g class="rows"')),
    0,
    `<g class="axis">${lines.join('')}</g>`,
  );
  canvas.y = bottom + 33;
  canvas.add(
    text((left + right) / 2, canvas.y, `percent of the total variance of ${outcome}`, {
      'font-size': 12,
      fill: MUTED,
      'text-anchor': 'middle',
      class: 'axis-title',
    }),
  );
  canvas.y += 10;
}

// ── the split ─────────────────────────────────────────────────────────────────────────────────────────────

function partsOf(report: DecompositionReport): Part[] {
  const { result } = report;
  // Bars in the order of --sort; each group keeps the colour of its place in the model.
  const parts: Part[] = displayOrder(result.groups, report.sort).map((index) => {
    const group = result.groups[index]!;
    const interval = intervalOf(report, index);
    const published = report.published?.shares[group.name];
    const chance = nullOf(report, index);
    return {
      name: group.name,
      description:
        group.kind === 'fixed-effect'
          ? `${group.columns[0]} effects (${group.levels} levels)`
          : group.columns.join(', '),
      share: group.share,
      kind: 'group',
      colour: GROUP_COLOURS[index % GROUP_COLOURS.length]!,
      inTotal: result.method !== 'commonality',
      ...(interval ? { interval } : {}),
      ...(published !== undefined ? { published } : {}),
      ...(chance ? { chance } : {}),
    };
  });
  if (result.unique) {
    parts.push({
      name: 'shared',
      description: 'explained only jointly',
      share: result.unique.shared,
      kind: 'shared',
      colour: SHARED_COLOUR,
      inTotal: true,
    });
  }
  if (result.controls) {
    parts.push({
      name: CONTROLS,
      description: `${result.controls.groups.join(', ')} alone (in every model)`,
      share: result.controls.share,
      kind: 'shared',
      colour: CONTROLS_COLOUR,
      inTotal: true,
    });
  }
  const interval = intervalOf(report, result.groups.length);
  const published = report.published?.shares[UNEXPLAINED];
  parts.push({
    name: UNEXPLAINED,
    description: '1 − R²',
    share: result.unexplained,
    kind: 'unexplained',
    colour: HATCH_BACKGROUND,
    inTotal: true,
    ...(interval ? { interval } : {}),
    ...(published !== undefined ? { published } : {}),
  });
  return parts;
}

function splitChart(canvas: Canvas, report: DecompositionReport): string {
  const { result } = report;
  const parts = partsOf(report);
  const hatch = `url(#${canvas.ids('hatch')})`;
  const fillOf = (part: Part) => (part.kind === 'unexplained' ? hatch : part.colour);

  const legendEntries = [];
  if (report.bootstrap) {
    legendEntries.push({
      label: `${Math.round(report.bootstrap.level * 100)}% bootstrap interval`,
      swatch: (x: number, y: number) =>
        `<line x1="${n(x)}" y1="${n(y + 6)}" x2="${n(x + 14)}" y2="${n(y + 6)}" stroke="${INK}" stroke-width="1.5"/>` +
        `<line x1="${n(x)}" y1="${n(y + 1)}" x2="${n(x)}" y2="${n(y + 11)}" stroke="${INK}" stroke-width="1.5"/>` +
        `<line x1="${n(x + 14)}" y1="${n(y + 1)}" x2="${n(x + 14)}" y2="${n(y + 11)}" stroke="${INK}" ` +
        `stroke-width="1.5"/>`,
    });
  }
  if (report.published) {
    legendEntries.push({
      label: `${report.published.label} (published)`,
      swatch: (x: number, y: number) =>
        `<rect x="${n(x)}" y="${n(y + 3)}" width="14" height="6" fill="${PUBLISHED_COLOUR}"/>`,
    });
  }
  if (report.permutation) {
    legendEntries.push({
      label: `chance floor (mean share over ${report.permutation.permutations} permutations)`,
      swatch: (x: number, y: number) =>
        `<line x1="${n(x + 7)}" y1="${n(y - 1)}" x2="${n(x + 7)}" y2="${n(y + 13)}" stroke="${FLOOR_COLOUR}" ` +
        `stroke-width="2" stroke-dasharray="3 2"/>`,
    });
  }
  if (legendEntries.length > 0) legend(canvas, legendEntries);

  const labelWidth = Math.min(
    280,
    Math.max(120, ...parts.map((p) => Math.max(textWidth(p.name, 13, true), textWidth(p.description, 11)) + 18)),
  );
  const left = MARGIN + labelWidth;
  // Room after the bars for the value, its interval and, with permutations, the chance floor and p.
  const right = WIDTH - MARGIN - VALUE_SPACE - (report.permutation ? CHANCE_LABEL_SPACE : 0);

  // The strip: how the whole variance divides, when the parts are a partition of it.
  const whole = parts.filter((p) => p.inTotal);
  const total = whole.reduce((sum, p) => sum + p.share, 0);
  if (whole.every((p) => p.share >= 0) && Math.abs(total - 1) < 1e-6) {
    canvas.y += 22;
    canvas.add(
      text(MARGIN, canvas.y, 'How the whole variance (100%) divides', {
        'font-size': 12,
        'font-weight': 700,
        fill: MUTED,
      }),
    );
    canvas.y += 8;
    const top = canvas.y;
    const height = 28;
    const span = WIDTH - 2 * MARGIN;
    const segments: string[] = [];
    let start = 0;
    for (const part of whole) {
      const x0 = MARGIN + start * span;
      const width = part.share * span;
      segments.push(
        `<rect class="segment" x="${n(x0)}" y="${n(top)}" width="${n(width)}" height="${height}" ` +
          `fill="${fillOf(part)}" stroke="#FFFFFF" stroke-width="1.5" ` +
          `data-group="${escapeXml(part.name)}" data-share="${part.share}"/>`,
      );
      const percent = `${formatPercent(part.share)}%`;
      const named = `${part.name} ${percent}`;
      const label =
        textWidth(named, 12, true) + 12 <= width ? named : textWidth(percent, 12, true) + 8 <= width ? percent : '';
      if (label) {
        segments.push(
          text(x0 + width / 2, top + height / 2 + 4.5, label, {
            class: 'segment-label',
            'data-group': part.name,
            'font-size': 12,
            'font-weight': 700,
            fill: part.kind === 'unexplained' ? INK : inkOn(part.colour),
            'text-anchor': 'middle',
          }),
        );
      }
      start += part.share;
    }
    canvas.add(`<g class="strip">${segments.join('')}</g>`);
    canvas.y = top + height + 30;
    canvas.add(text(MARGIN, canvas.y, 'Each part', { 'font-size': 12, 'font-weight': 700, fill: MUTED }));
  }

  // One row per part.
  const largest = Math.max(
    ...parts.flatMap((p) => [p.share, p.interval?.high ?? 0, p.published ?? 0, p.chance?.meanShare ?? 0]),
  );
  const scale = axisScale(largest);
  const x = (value: number) => left + (Math.max(0, Math.min(scale.max, value)) / scale.max) * (right - left);
  canvas.y += 14;
  const rowsTop = canvas.y;
  const rows: string[] = [];
  const barHeight = 22;
  for (const part of parts) {
    const top = canvas.y;
    const centre = top + barHeight / 2;
    const attrs = `data-group="${escapeXml(part.name)}" data-share="${part.share}"`;
    rows.push(`<g class="row" ${attrs}>`);
    rows.push(
      `<rect class="bar" x="${n(left)}" y="${n(top)}" width="${n(x(part.share) - left)}" height="${barHeight}" ` +
        `fill="${fillOf(part)}" ${attrs}/>`,
    );
    rows.push(
      text(left - 12, centre - 1, fit(part.name, 13, labelWidth - 14, true), {
        class: 'group-name',
        'font-size': 13,
        'font-weight': 700,
        fill: INK,
        'text-anchor': 'end',
      }),
    );
    rows.push(
      text(left - 12, centre + 13, fit(part.description, 11, labelWidth - 14), {
        class: 'group-columns',
        'font-size': 11,
        fill: MUTED,
        'text-anchor': 'end',
      }),
    );
    let end = x(part.share);
    if (part.interval) {
      const low = x(part.interval.low);
      const high = x(part.interval.high);
      const caps = [...(part.interval.low >= 0 ? [low] : []), ...(part.interval.high <= scale.max ? [high] : [])];
      rows.push(
        `<g class="interval" data-group="${escapeXml(part.name)}" data-se="${part.interval.se}" ` +
          `data-low="${part.interval.low}" data-high="${part.interval.high}">` +
          `<line x1="${n(low)}" y1="${n(centre)}" x2="${n(high)}" y2="${n(centre)}" stroke="${INK}" ` +
          `stroke-width="1.6"/>` +
          caps
            .map(
              (c) =>
                `<line x1="${n(c)}" y1="${n(centre - 6)}" x2="${n(c)}" y2="${n(centre + 6)}" stroke="${INK}" ` +
                `stroke-width="1.6"/>`,
            )
            .join('') +
          '</g>',
      );
      end = Math.max(end, high);
    }
    rows.push(
      text(end + 7, centre + 4.5, `${formatPercent(part.share)}%`, {
        class: 'value',
        'data-group': part.name,
        'font-size': 13,
        'font-weight': 700,
        fill: INK,
      }),
    );
    let labelEnd = end + 7 + textWidth(`${formatPercent(part.share)}%`, 13, true);
    if (part.interval) {
      const label = `[${formatPercent(part.interval.low)}, ${formatPercent(part.interval.high)}]`;
      rows.push(
        text(labelEnd + 6, centre + 4.5, label, {
          class: 'interval-label',
          'data-group': part.name,
          'font-size': 11,
          fill: MUTED,
        }),
      );
      labelEnd += 6 + textWidth(label, 11);
    }
    if (part.chance) {
      const chance = part.chance;
      const fx = x(chance.meanShare);
      rows.push(
        `<line class="chance-floor" x1="${n(fx)}" y1="${n(top - 3)}" x2="${n(fx)}" y2="${n(top + barHeight + 3)}" ` +
          `stroke="${FLOOR_COLOUR}" stroke-width="2" stroke-dasharray="3 2" data-group="${escapeXml(part.name)}" ` +
          `data-floor="${chance.meanShare}" data-q95="${chance.q95Share}" data-excess="${chance.excess}" ` +
          `data-p="${chance.p}"/>`,
      );
      rows.push(
        text(labelEnd + 8, centre + 4.5, `chance ${formatPercent(chance.meanShare)}% · p ${formatPValue(chance.p)}`, {
          class: 'chance-label',
          'data-group': part.name,
          'font-size': 11,
          fill: MUTED,
        }),
      );
    }
    canvas.y += barHeight;
    if (part.published !== undefined) {
      const pubTop = canvas.y + 3;
      rows.push(
        `<rect class="published" x="${n(left)}" y="${n(pubTop)}" width="${n(x(part.published) - left)}" height="6" ` +
          `fill="${PUBLISHED_COLOUR}" ` +
          `data-group="${escapeXml(part.name)}" data-share="${part.published}"/>`,
      );
      rows.push(
        text(x(part.published) + 7, pubTop + 6.5, `${report.published!.label} ${formatPercent(part.published)}%`, {
          class: 'published-value',
          'data-group': part.name,
          'font-size': 10.5,
          fill: MUTED,
        }),
      );
      canvas.y += 10;
    } else if (report.published) canvas.y += 10;
    rows.push('</g>');
    canvas.y += 16;
  }
  canvas.add(`<g class="rows">${rows.join('')}</g>`);
  canvas.y -= 8;
  axis(canvas, left, right, rowsTop - 8, scale, result.outcome);

  return parts.map((p) => `${p.name} ${formatPercent(p.share)}%`).join(', ');
}

// ── the comparison of methods ─────────────────────────────────────────────────────────────────────────────

function comparisonChart(canvas: Canvas, report: DecompositionReport): string {
  const { result } = report;
  const rows = displayOrder(result.groups, report.sort).map((g) => result.comparison!.rows[g]!);
  const hatch = `url(#${canvas.ids('hatch')})`;
  legend(
    canvas,
    COMPARISON_METHODS.map((m) => ({ label: m.label, swatch: swatch(m.colour) })),
  );
  const labelWidth = Math.min(280, Math.max(120, ...rows.map((r) => textWidth(r.group, 13, true) + 18)));
  const left = MARGIN + labelWidth;
  const right = WIDTH - MARGIN - VALUE_SPACE + 70;
  const largest = Math.max(result.unexplained, ...rows.flatMap((r) => COMPARISON_METHODS.map((m) => r[m.key])));
  const scale = axisScale(largest);
  const x = (value: number) => left + (Math.max(0, Math.min(scale.max, value)) / scale.max) * (right - left);
  const barHeight = 12;
  const gap = 2;
  canvas.y += 18;
  const rowsTop = canvas.y;
  const out: string[] = [];
  const block = (
    name: string,
    detail: string,
    bars: readonly { method: string; label: string; share: number; fill: string }[],
  ) => {
    const top = canvas.y;
    const height = bars.length * barHeight + (bars.length - 1) * gap;
    out.push(`<g class="group" data-group="${escapeXml(name)}">`);
    out.push(
      text(left - 12, top + height / 2 - 1, fit(name, 13, labelWidth - 14, true), {
        class: 'group-name',
        'font-size': 13,
        'font-weight': 700,
        fill: INK,
        'text-anchor': 'end',
      }),
    );
    out.push(text(left - 12, top + height / 2 + 13, detail, { 'font-size': 11, fill: MUTED, 'text-anchor': 'end' }));
    bars.forEach((bar, b) => {
      const y = top + b * (barHeight + gap);
      out.push(
        `<rect class="bar" x="${n(left)}" y="${n(y)}" width="${n(x(bar.share) - left)}" height="${barHeight}" ` +
          `fill="${bar.fill}" ` +
          `data-group="${escapeXml(name)}" data-method="${bar.method}" ` +
          `data-share="${bar.share}"><title>${escapeXml(`${name}, ${bar.label}: ${formatPercent(bar.share)}%`)}` +
          '</title></rect>',
      );
      out.push(
        text(x(bar.share) + 5, y + barHeight - 2, `${formatPercent(bar.share)}%`, {
          class: 'value',
          'data-group': name,
          'data-method': bar.method,
          'font-size': 10.5,
          fill: INK,
        }),
      );
    });
    out.push('</g>');
    canvas.y += height + 18;
  };
  for (const row of rows) {
    block(
      row.group,
      `spread ${formatPercent(row.spread)} points`,
      COMPARISON_METHODS.map((m) => ({ method: m.key, label: m.label, share: row[m.key], fill: m.colour })),
    );
  }
  block(UNEXPLAINED, 'every method', [
    { method: 'all', label: 'every method', share: result.unexplained, fill: hatch },
  ]);
  canvas.add(`<g class="rows">${out.join('')}</g>`);
  canvas.y -= 10;
  axis(canvas, left, right, rowsTop - 8, scale, result.outcome);
  return rows
    .map((r) => `${r.group}: ${COMPARISON_METHODS.map((m) => `${m.label} ${formatPercent(r[m.key])}%`).join(', ')}`)
    .concat(`${UNEXPLAINED} ${formatPercent(result.unexplained)}%`)
    .join('; ');
}

/** A sentence on Monte Carlo Shapley estimates: how many permutations, which seed, the largest standard error. */
export function describeSampling(sampling: NonNullable<DecompositionResult['sampling']>): string {
  const largest = Math.max(0, ...sampling.standardErrors);
  return (
    `Shapley values estimated from ${sampling.permutations} sampled permutations (seed ${sampling.seed}); ` +
    `Monte Carlo standard errors at most ${formatPercent(largest)} percentage points`
  );
}

// ── footnote ──────────────────────────────────────────────────────────────────────────────────────────────

function footnote(canvas: Canvas, report: DecompositionReport): void {
  const { result } = report;
  const lines: { text: string; strong?: boolean }[] = [];
  const read = result.n + result.droppedRows;
  lines.push({
    text:
      `N = ${result.n} rows used of ${read} (${result.droppedRows} dropped for missing values) · R² = ` +
      `${result.r2.toFixed(4)} · ` +
      `${methodLine(result)} · data: ${report.file}`,
  });
  if (report.bootstrap) lines.push({ text: `Whiskers: ${describeBootstrap(report.bootstrap)}.` });
  if (report.permutation) lines.push({ text: `Dashed marks: ${describePermutations(report.permutation)}.` });
  if (report.published) lines.push({ text: `${report.published.label} (thin dark bars): ${report.published.source}.` });
  if (result.sampling) lines.push({ text: `${describeSampling(result.sampling)}.` });
  if (result.sequential)
    lines.push({ text: `Order of entry: ${result.sequential.order.join(' → ')} (another order gives other shares).` });
  if (result.comparison) {
    lines.push({
      text:
        `Sequential order: ${result.comparison.order.join(' → ')}; reverse: ` +
        `${[...result.comparison.order].reverse().join(' → ')}. Spread = largest minus smallest share across the ` +
        `five methods.`,
    });
  }
  if (result.commonality) {
    lines.push({
      text:
        `Bars show each group's unique part; the ${result.commonality.sets.length - result.groups.length} common ` +
        `parts are in the table and JSON output.`,
    });
  }
  if (result.unique && result.unique.shared < 0)
    lines.push({ text: 'A negative shared part (suppression) is drawn as an empty bar.' });
  for (const note of result.notes) lines.push({ text: `Note: ${note}` });
  if (report.datasetNote) lines.push({ text: `Note: ${report.datasetNote}`, strong: true });
  canvas.y += 12;
  canvas.add(
    `<line x1="${MARGIN}" y1="${n(canvas.y)}" x2="${WIDTH - MARGIN}" y2="${n(canvas.y)}" stroke="${GRID}" ` +
      `stroke-width="1"/>`,
  );
  canvas.y += 4;
  const out: string[] = [];
  for (const line of lines) {
    for (const part of wrap(line.text, 11, WIDTH - 2 * MARGIN)) {
      canvas.y += 15;
      out.push(text(MARGIN, canvas.y, part, { 'font-size': 11, fill: line.strong ? '#7A3E00' : MUTED }));
    }
  }
  canvas.add(`<g class="footnote">${out.join('')}</g>`);
}
