import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/io/csv.js';
import { readInput } from '../../src/input/pipeline.js';
import { describeByCategory, type DescribeByResult } from '../../src/profile/byCategory.js';
import {
  describeByTabular,
  renderDescribeByJson,
  renderDescribeByMarkdown,
  renderDescribeBySvg,
  renderDescribeByTable,
} from '../../src/report/describeByReport.js';
import { renderCsv } from '../../src/report/tabular.js';
import { findAll, one, parseXml, type XmlNode } from './xml.js';

const fixture = describeByCategory(readInput({ file: 'fixtures/describe-by-panel.csv' }).table, {
  by: 'rating',
  exclude: ['la', 'year'],
});

/** Labels that would break markup or a spreadsheet if written raw. */
const hostile = describeByCategory(
  parseCsv({
    name: 'hostile.csv',
    bytes: Buffer.from(
      [
        'group,"x<y>&""z"""',
        '"<script>alert(1)</script>",1',
        '"<script>alert(1)</script>",2',
        '"=HYPERLINK(""http://evil"")",5',
        '"=HYPERLINK(""http://evil"")",9',
        '"Tom\'s & Jerry\'s",4',
        '"Tom\'s & Jerry\'s",4.5',
        '"Tom\'s & Jerry\'s",7',
      ].join('\n'),
    ),
  }),
  { by: 'group' },
);

type Json = ReturnType<typeof JSON.parse>;

const hasClass = (name: string, className: string) => (node: XmlNode) =>
  node.name === name && (node.attrs.class ?? '').split(' ').includes(className);

/** The attribute as a number, or null when absent (the JSON's null). */
const numberAttr = (node: XmlNode, name: string): number | null =>
  node.attrs[name] === undefined ? null : Number(node.attrs[name]);

function expectSelfContained(svg: string): void {
  expect(svg).not.toMatch(/<script/i);
  expect(svg).not.toMatch(/<image|<foreignObject|<a[\s>]|@import|@font-face/i);
  expect(svg).not.toMatch(/\son[a-z]+=/i);
  expect(svg).not.toMatch(/href=/i);
  expect(svg.replaceAll('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(/https?:\/\/(?!evil)/i);
}

/** Every number the SVG carries equals the JSON's, to the last bit; null in JSON is an absent attribute. */
function expectSvgMatchesJson(svg: string, json: Json): void {
  const root = parseXml(svg);
  expect(root.name).toBe('svg');
  expect(root.attrs['data-by']).toBe(json.by);
  expect(numberAttr(root, 'data-rows')).toBe(json.rows);
  expect(numberAttr(root, 'data-level')).toBe(json.level);
  const panels = findAll(root, hasClass('g', 'panel'));
  expect(panels.map((p) => p.attrs['data-column'])).toEqual(json.columns.map((c: Json) => c.column));
  for (const [i, column] of (json.columns as Json[]).entries()) {
    const panel = panels[i]!;
    expect(numberAttr(panel, 'data-n')).toBe(column.n);
    expect(numberAttr(panel, 'data-missing')).toBe(column.missing);
    expect(numberAttr(panel, 'data-mean')).toBe(column.overall.mean);
    const tests: [string, number | null][] = [
      ['data-eta2', column.anova?.eta2 ?? null],
      ['data-anova-f', column.anova?.f ?? null],
      ['data-anova-df1', column.anova?.df1 ?? null],
      ['data-anova-df2', column.anova?.df2 ?? null],
      ['data-anova-p', column.anova?.p ?? null],
      ['data-welch-f', column.welch?.f ?? null],
      ['data-welch-df1', column.welch?.df1 ?? null],
      ['data-welch-df2', column.welch?.df2 ?? null],
      ['data-welch-p', column.welch?.p ?? null],
    ];
    for (const [name, value] of tests) expect(numberAttr(panel, name), `${column.column} ${name}`).toBe(value);
    const rows = findAll(panel, hasClass('g', 'category'));
    expect(rows.map((r) => r.attrs['data-category'])).toEqual(column.groups.map((g: Json) => g.category));
    for (const [j, group] of (column.groups as Json[]).entries()) {
      const row = rows[j]!;
      expect(row.attrs['data-column']).toBe(column.column);
      const fields: [string, number | null][] = [
        ['data-n', group.n],
        ['data-missing', group.missing],
        ['data-mean', group.mean],
        ['data-sd', group.sd],
        ['data-median', group.median],
        ['data-low', group.ciLow],
        ['data-high', group.ciHigh],
      ];
      for (const [name, value] of fields) expect(numberAttr(row, name), `${group.category} ${name}`).toBe(value);
      // A dot where there is a mean, a whisker where there is an interval.
      expect(findAll(row, hasClass('circle', 'mean'))).toHaveLength(group.mean === null ? 0 : 1);
      expect(findAll(row, hasClass('g', 'interval'))).toHaveLength(group.ciLow === null ? 0 : 1);
    }
    const overall = findAll(panel, hasClass('line', 'overall-mean'));
    expect(overall).toHaveLength(column.overall.mean === null ? 0 : 1);
    if (overall.length === 1) expect(numberAttr(overall[0]!, 'data-mean')).toBe(column.overall.mean);
  }
}

describe('describe --by renderers', () => {
  it('JSON carries the result unrounded, with a version and the definitions', () => {
    const json = JSON.parse(renderDescribeByJson(fixture));
    expect(Object.keys(json)).toEqual([
      'schemaVersion',
      'command',
      'by',
      'file',
      'rows',
      'rowsMissingCategory',
      'level',
      'quantiles',
      'columnSource',
      'categories',
      'columns',
      'notes',
    ]);
    expect(json).toMatchObject({ schemaVersion: 1, command: 'describe', by: 'rating', level: 0.95, rows: 60 });
    expect(json.quantiles).toMatch(/type 7/);
    const caseload = json.columns[0];
    const mine = fixture.columns[0]!;
    expect(caseload.groups[0]).toEqual({ ...mine.groups[0] });
    expect(caseload.anova).toEqual({ ...mine.anova });
    expect(caseload.welch).toEqual({ ...mine.welch });
    const sparse = json.columns.find((c: Json) => c.column === 'sparse');
    expect(sparse.welch).toBeNull();
    expect(sparse.groups.find((g: Json) => g.category === 'Inadequate')).toMatchObject({ n: 0, mean: null, q1: null });
  });

  it('SVG: parses as XML, one panel per column and one line per category, numbers equal to the JSON', () => {
    const svg = renderDescribeBySvg(fixture);
    expectSelfContained(svg);
    expectSvgMatchesJson(svg, JSON.parse(renderDescribeByJson(fixture)));
    const root = parseXml(svg);
    expect(one(root, (node) => node.name === 'title').text).toBe(
      'Means of 5 columns by rating, with 95% confidence intervals',
    );
    // The one-value category has a dot and no whisker; the empty one neither, and says so.
    const sparse = one(root, (node) => hasClass('g', 'panel')(node) && node.attrs['data-column'] === 'sparse');
    const inadequate = one(
      sparse,
      (node) => hasClass('g', 'category')(node) && node.attrs['data-category'] === 'Inadequate',
    );
    expect(inadequate.text).toContain('no values');
    const outstanding = one(
      sparse,
      (node) => hasClass('g', 'category')(node) && node.attrs['data-category'] === 'Outstanding',
    );
    expect(outstanding.text).toContain('(no interval)');
    expect(renderDescribeBySvg(fixture, { title: 'NAO-style <comparison>' })).toContain(
      '<title id="cppv-by-title">NAO-style &lt;comparison&gt;</title>',
    );
  });

  it('SVG: escapes every label, in text and attributes', () => {
    const svg = renderDescribeBySvg(hostile);
    expectSelfContained(svg);
    expect(svg).not.toContain('<script>');
    const json = JSON.parse(renderDescribeByJson(hostile));
    expectSvgMatchesJson(svg, json);
    const root = parseXml(svg);
    const labels = findAll(root, hasClass('text', 'category-name')).map((t) => t.text);
    expect(labels).toEqual(['<script>alert(1)</script>', '=HYPERLINK("http://evil")', "Tom's & Jerry's"]);
    expect(one(root, hasClass('g', 'panel')).attrs['data-column']).toBe('x<y>&"z"');
  });

  it('CSV: a row per category and one for all per column, in full precision, formula-like labels guarded', () => {
    const csv = renderCsv(describeByTabular(fixture));
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'column,row,category,missing,n,mean,sd,se,median,q1,q3,min,max,ci_low,ci_high,' +
        'eta2,anova_f,anova_df1,anova_df2,anova_p,welch_f,welch_df1,welch_df2,welch_p',
    );
    expect(lines).toHaveLength(1 + fixture.columns.length * (fixture.categories.length + 1));
    const first = lines[1]!.split(',');
    const good = fixture.columns[0]!.groups[0]!;
    expect(first.slice(0, 6)).toEqual([
      'caseload',
      'category',
      'Good',
      String(good.missing),
      String(good.n),
      String(good.mean),
    ]);
    const all = lines[fixture.categories.length + 1]!.split(',');
    expect(all.slice(0, 3)).toEqual(['caseload', 'all', '']);
    expect(Number(all[15])).toBe(fixture.columns[0]!.anova!.eta2);
    expect(Number(all[23])).toBe(fixture.columns[0]!.welch!.p);
    const guarded = renderCsv(describeByTabular(hostile));
    expect(guarded).toContain(`"'=HYPERLINK(""http://evil"")"`);
  });

  it('Markdown: the summaries, then the tests, then the notes', () => {
    const markdown = renderDescribeByMarkdown(fixture);
    expect(markdown).toContain('**Summaries by rating of fixtures/describe-by-panel.csv**');
    expect(markdown).toContain(
      '| column | rating | n | missing | mean | sd | median | q1 | q3 | min | max | ci_low | ci_high |',
    );
    expect(markdown).toContain('**Differences between the categories of rating**');
    expect(markdown).toContain('| caseload | one-way ANOVA | 0.170346 | 3.55892 | 3 | 52 | 0.02033 |');
    expect(markdown).toContain('| caseload | Welch |  | 7.25012 | 3 | 9.5739 | 0.00788 |');
    expect(markdown).toContain('| sparse | Welch |  |  |  |  |  |');
    expect(markdown).toContain("- quartiles: R's default quantile (type 7");
    expect(markdown).toContain('- sparse: "Outstanding" has one sparse value: no SD or confidence interval');
    // Markdown escapes HTML in names and labels (a page renders it), so nothing in them can act on the page.
    const escaped = renderDescribeByMarkdown(hostile);
    expect(escaped).toContain('x&lt;y&gt;&amp;"z"');
    expect(escaped).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(escaped).not.toContain('<script');
  });

  it('table: aligned per column, with the all-categories line, the tests and the notes', () => {
    const text = renderDescribeByTable(fixture);
    const lines = text.split('\n');
    expect(lines[0]).toBe('Summaries by rating of fixtures/describe-by-panel.csv: 60 rows, 4 categories, 5 columns');
    expect(lines[1]).toMatch(/^quartiles: R's default quantile \(type 7/);
    expect(text).toContain('caseload: 56 values');
    expect(text).toMatch(/ {2}rating +n +missing +mean +SD +median +Q1 +Q3 +min +max +95% CI of the mean/);
    expect(text).toMatch(/ {2}all +56 +2 +/);
    expect(text).toMatch(
      new RegExp(
        'between categories: η² = 17\\.0% · one-way ANOVA F\\(3, 52\\) = 3\\.5\\d*, p = 0\\.02\\d* · Welch ' +
          'F\\(3, 9\\.57\\) = 7\\.25, p = 0\\.00788',
      ),
    );
    expect(text).toContain(
      '  note: Welch\'s test needs some variation within every category: every flat value of "Outstanding" is the same',
    );
    expect(text.trimEnd().endsWith('note: 2 rows have no rating and are left out')).toBe(true);
  });

  it('states the result type: a category summary is JSON-serialisable without loss', () => {
    const round = JSON.parse(JSON.stringify(fixture)) as DescribeByResult;
    expect(round).toEqual(fixture);
  });
});
