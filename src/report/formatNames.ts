/**
 * The output formats each kind of result can be written in. Kept apart from the renderers (src/report/formats.ts)
 * so that the command line can list them without loading any renderer.
 */
export const FORMAT_NAMES = {
  decompose: ['table', 'json', 'csv', 'markdown', 'svg'],
  /** `decompose --by`: one split per level. */
  decomposeBy: ['table', 'json', 'csv', 'markdown'],
  fit: ['table', 'json', 'csv', 'markdown'],
  describe: ['table', 'json', 'csv', 'markdown'],
  /** `describe --by`: summaries of numeric columns by category, with a dot-and-whisker figure. */
  describeBy: ['table', 'json', 'csv', 'markdown', 'svg'],
  report: ['html'],
} as const;

export type ResultKind = keyof typeof FORMAT_NAMES;
export type FormatOf<K extends ResultKind> = (typeof FORMAT_NAMES)[K][number];
export type OutputFormat = FormatOf<'fit'>;
export type DecomposeFormat = FormatOf<'decompose'>;
