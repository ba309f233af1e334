/**
 * The format registry: for each kind of result, the renderer of each format. A new format is one renderer and
 * one line here (and its name in formatNames.ts); commands look the renderer up, they never switch on formats.
 */
import type { DescribeByResult } from '../profile/byCategory.js';
import type { DescribeResult } from '../profile/describe.js';
import type { DfeReport } from '../io/dfe.js';
import { byTabular, renderByJson, renderByTable, type ByReport } from './by.js';
import type { DecompositionReport } from './context.js';
import {
  describeByTabular,
  renderDescribeByJson,
  renderDescribeByMarkdown,
  renderDescribeBySvg,
  renderDescribeByTable,
} from './describeByReport.js';
import { describeTabular, renderDescribeJson, renderDescribeTable } from './describeReport.js';
import { renderFitJson, renderFitTable, type FitReport } from './fitReport.js';
import { FORMAT_NAMES, type FormatOf, type ResultKind } from './formatNames.js';
import { renderHtmlReport, type HtmlReportInput } from './html.js';
import { renderDecompositionJson } from './json.js';
import { renderDecompositionSvg } from './svg.js';
import { renderDecompositionTable } from './table.js';
import { decompositionTabular, fitTabular, renderCsv, renderMarkdown } from './tabular.js';

/** How the output is shown: settings that come from where it goes, not from the result. */
export interface RenderSettings {
  /** ANSI colour (only when writing to a terminal and NO_COLOR is unset). */
  readonly color: boolean;
  /** Width of the terminal, when writing to one. */
  readonly terminalWidth?: number;
  /** Title of a figure. */
  readonly title?: string;
}

/** A description of a DfE statistics file carries the report of how it was read, for its JSON. */
interface WithDfe {
  readonly dfe?: DfeReport;
}

interface Results {
  readonly decompose: DecompositionReport;
  readonly decomposeBy: ByReport;
  readonly fit: FitReport;
  readonly describe: DescribeResult & WithDfe;
  readonly describeBy: DescribeByResult & WithDfe;
  readonly report: HtmlReportInput;
}

type Registry = {
  readonly [K in ResultKind]: Record<FormatOf<K>, (result: Results[K], settings: RenderSettings) => string>;
};

const RENDERERS: Registry = {
  decompose: {
    table: (report, settings) =>
      renderDecompositionTable(report, {
        color: settings.color,
        ...(settings.terminalWidth ? { terminalWidth: settings.terminalWidth } : {}),
      }),
    json: renderDecompositionJson,
    csv: (report) => renderCsv(decompositionTabular(report)),
    markdown: (report) => renderMarkdown(decompositionTabular(report)),
    svg: (report, settings) =>
      renderDecompositionSvg(report, settings.title !== undefined ? { title: settings.title } : {}),
  },
  decomposeBy: {
    table: renderByTable,
    json: renderByJson,
    csv: (report) => renderCsv(byTabular(report)),
    markdown: (report) => renderMarkdown(byTabular(report)),
  },
  fit: {
    table: renderFitTable,
    json: renderFitJson,
    csv: (report) => renderCsv(fitTabular(report)),
    markdown: (report) => renderMarkdown(fitTabular(report)),
  },
  describe: {
    table: renderDescribeTable,
    json: renderDescribeJson,
    csv: (result) => renderCsv(describeTabular(result)),
    markdown: (result) => renderMarkdown(describeTabular(result)),
  },
  describeBy: {
    table: renderDescribeByTable,
    json: renderDescribeByJson,
    csv: (result) => renderCsv(describeByTabular(result)),
    markdown: renderDescribeByMarkdown,
    svg: (result, settings) =>
      renderDescribeBySvg(result, settings.title !== undefined ? { title: settings.title } : {}),
  },
  report: {
    html: (input, settings) =>
      renderHtmlReport(settings.title !== undefined ? { ...input, title: settings.title } : input),
  },
};

/** Render `result` in `format`; the format was checked against FORMAT_NAMES when the request was built. */
export function render<K extends ResultKind>(
  kind: K,
  format: string,
  result: Results[K],
  settings: RenderSettings,
): string {
  if (!(FORMAT_NAMES[kind] as readonly string[]).includes(format)) {
    throw new RangeError(
      `render: ${kind} results have no format "${format}" (they have ${FORMAT_NAMES[kind].join(', ')})`,
    );
  }
  const renderer = (RENDERERS[kind] as Record<string, (result: Results[K], settings: RenderSettings) => string>)[
    format
  ]!;
  return renderer(result, settings);
}
