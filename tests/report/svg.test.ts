import { describe, expect, it } from 'vitest';
import { loadModelData, type LoadedData } from '../../src/commands/data.js';
import { bootstrapDecomposition, type BootstrapResult } from '../../src/models/bootstrap/bootstrap.js';
import { decompose, type DecompositionMethod, type DecompositionResult } from '../../src/models/methods/decompose.js';
import { PUBLISHED_SPLITS } from '../../src/models/spec/published.js';
import type { DecompositionReport } from '../../src/report/context.js';
import { renderDecompositionJson } from '../../src/report/json.js';
import { escapeXml, renderDecompositionSvg } from '../../src/report/svg.js';
import { SYNTHETIC_OPTIONS } from '../helpers.js';
import { findAll, one, parseXml, type XmlNode } from './xml.js';

const hasClass = (name: string, className: string) => (node: XmlNode) =>
  node.name === name && (node.attrs.class ?? '').split(' ').includes(className);

/** The percent shown for a share in the JSON output, rounded to one decimal as a number. */
const shown = (percent: number) => Number(percent.toFixed(1));
/** The number in a label such as "44.0%". */
const labelled = (text: string) => Number(text.replace('%', ''));

// ── reports from real data ────────────────────────────────────────────────────────────────────────────────

const synthetic = loadModelData(SYNTHETIC_OPTIONS);
const reference = loadModelData({
  file: 'fixtures/reference-panel.csv',
  outcome: 'y',
  groups: [
    { name: 'unit', kind: 'fixed-effect', columns: ['region_code'] },
    { name: 'a', kind: 'numeric', columns: ['x1', 'x2'] },
  ],
  missingTokens: [],
});

function reportOf(
  loaded: LoadedData,
  method: DecompositionMethod = 'shapley',
  extra: Partial<DecompositionReport> = {},
): DecompositionReport {
  return {
    result: decompose(loaded.data, { method }),
    file: loaded.file,
    ...(loaded.datasetNote ? { datasetNote: loaded.datasetNote } : {}),
    ...extra,
  };
}

interface JsonShare {
  name?: string;
  share: number;
  percent: number;
  ciLow?: number;
  ciHigh?: number;
  se?: number;
  published?: number;
}

interface JsonDocument {
  r2: number;
  n: number;
  groups: JsonShare[];
  unexplained: JsonShare;
  unique?: { shared: JsonShare };
  comparison?: { rows: Record<string, number | string>[] };
}

const jsonOf = (report: DecompositionReport) => JSON.parse(renderDecompositionJson(report)) as JsonDocument;
const partsOf = (json: JsonDocument) => [
  ...json.groups.map((g) => ({ ...g, name: g.name! })),
  { ...json.unexplained, name: 'unexplained' },
];

/** Every external reference an SVG could make: scripts, links, images, fonts, style imports. */
function expectSelfContained(svg: string): void {
  expect(svg).not.toMatch(/<script/i);
  expect(svg).not.toMatch(/<image|<foreignObject|<a[\s>]|@import|@font-face/i);
  expect(svg).not.toMatch(/\son[a-z]+=/i);
  expect(svg).not.toMatch(/href=/i);
  expect(svg.replaceAll('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(/https?:/i);
  for (const match of svg.matchAll(/url\(([^)]*)\)/g)) expect(match[1]).toMatch(/^#[A-Za-z0-9_-]+$/);
}

describe('renderDecompositionSvg', () => {
  for (const [label, loaded, groups] of [
    ['the synthetic NAO panel', synthetic, 4],
    ['fixtures/reference-panel.csv', reference, 2],
  ] as const) {
    it(`draws one bar per part of ${label}, with the JSON output's shares and percents`, () => {
      const report = reportOf(loaded);
      const json = jsonOf(report);
      expect(partsOf(json)).toHaveLength(groups + 1); // the groups and the unexplained rest
      const svg = renderDecompositionSvg(report);
      expectSelfContained(svg);
      const root = parseXml(svg);
      expect(root.name).toBe('svg');
      expect(root.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
      expect(Number(root.attrs['data-r2'])).toBe(json.r2);
      expect(Number(root.attrs['data-n'])).toBe(json.n);
      const bars = findAll(root, hasClass('rect', 'bar'));
      expect(bars.map((b) => b.attrs['data-group'])).toEqual(partsOf(json).map((p) => p.name));
      for (const part of partsOf(json)) {
        const bar = one(root, (node) => hasClass('rect', 'bar')(node) && node.attrs['data-group'] === part.name);
        expect(Number(bar.attrs['data-share'])).toBe(part.share);
        const value = one(root, (node) => hasClass('text', 'value')(node) && node.attrs['data-group'] === part.name);
        expect(value.text).toMatch(/^-?\d+\.\d%$/);
        expect(labelled(value.text)).toBe(shown(part.percent));
      }
      // The strip divides the whole variance: its segments are the same parts and add up to 1.
      const segments = findAll(root, hasClass('rect', 'segment'));
      expect(segments.map((s) => s.attrs['data-group'])).toEqual(partsOf(json).map((p) => p.name));
      expect(segments.reduce((sum, s) => sum + Number(s.attrs['data-share']), 0)).toBeCloseTo(1, 12);
      expect(findAll(root, hasClass('g', 'interval'))).toHaveLength(0);
    });
  }

  it('has a title naming the outcome and the method, and a footnote with N, R², method and file', () => {
    const report = reportOf(synthetic);
    const root = parseXml(renderDecompositionSvg(report));
    expect(one(root, (node) => node.name === 'title' && node.attrs.id !== undefined).text).toBe(
      'Variance of cpp_rate explained by each group',
    );
    expect(one(root, hasClass('text', 'subtitle')).text).toBe('exact Shapley values (LMG)');
    const footnote = one(root, hasClass('g', 'footnote'))
      .children.map((line) => line.text)
      .join(' ');
    expect(footnote).toContain('N = 912 rows used');
    expect(footnote).toContain(`R² = ${report.result.r2.toFixed(4)}`);
    expect(footnote).toContain('method: exact Shapley values (LMG)');
    expect(footnote).toContain('fixtures/nao-2019-synthetic.csv');
    expect(footnote).toContain('SYNTHETIC');
  });

  it('takes a title from the caller', () => {
    const root = parseXml(renderDecompositionSvg(reportOf(synthetic), { title: 'Why CPP rates differ' }));
    expect(findAll(root, hasClass('text', 'title')).map((t) => t.text)).toEqual(['Why CPP rates differ']);
    expect(one(root, (node) => node.name === 'title' && node.attrs.id !== undefined).text).toBe('Why CPP rates differ');
  });

  it('shows the unexplained part hatched, with a pattern defined in the figure', () => {
    const root = parseXml(renderDecompositionSvg(reportOf(synthetic), { idPrefix: 'fig1' }));
    const pattern = one(root, (node) => node.name === 'pattern');
    expect(pattern.attrs.id).toBe('fig1-hatch');
    const bar = one(root, (node) => hasClass('rect', 'bar')(node) && node.attrs['data-group'] === 'unexplained');
    expect(bar.attrs.fill).toBe('url(#fig1-hatch)');
    const others = findAll(root, (node) => hasClass('rect', 'bar')(node) && node.attrs['data-group'] !== 'unexplained');
    expect(others).toHaveLength(4);
    expect(new Set(others.map((b) => b.attrs.fill)).size).toBe(others.length);
    for (const other of others) expect(other.attrs.fill).toMatch(/^#[0-9A-F]{6}$/);
  });

  it('leaves out xmlns when the figure goes inside an HTML page', () => {
    const svg = renderDecompositionSvg(reportOf(synthetic), { inline: true });
    expect(svg).not.toContain('xmlns');
    expect(parseXml(svg).name).toBe('svg');
  });

  it('draws bootstrap intervals as whiskers whose ends are the JSON interval', () => {
    const loaded = loadModelData({ ...SYNTHETIC_OPTIONS, cluster: 'la' });
    const result = decompose(loaded.data);
    const bootstrap = bootstrapDecomposition(loaded.data, result, {
      replicates: 20,
      seed: 3,
      level: 0.9,
      type: 'percentile',
      decompose: {},
    });
    const report: DecompositionReport = { result, file: loaded.file, bootstrap };
    const json = jsonOf(report);
    const root = parseXml(renderDecompositionSvg(report));
    const whiskers = findAll(root, hasClass('g', 'interval'));
    expect(partsOf(json)).toHaveLength(5);
    expect(whiskers).toHaveLength(5);
    for (const part of partsOf(json)) {
      const whisker = one(root, (node) => hasClass('g', 'interval')(node) && node.attrs['data-group'] === part.name);
      expect(Number(whisker.attrs['data-low'])).toBe(part.ciLow);
      expect(Number(whisker.attrs['data-high'])).toBe(part.ciHigh);
      expect(Number(whisker.attrs['data-se'])).toBe(part.se);
      expect(findAll(whisker, (node) => node.name === 'line').length).toBeGreaterThanOrEqual(2);
      const label = one(
        root,
        (node) => hasClass('text', 'interval-label')(node) && node.attrs['data-group'] === part.name,
      );
      const [low, high] = label.text.slice(1, -1).split(', ').map(Number);
      expect([low, high]).toEqual([shown(part.ciLow! * 100), shown(part.ciHigh! * 100)]);
    }
    const footnote = one(root, hasClass('g', 'footnote')).text;
    expect(footnote).toContain('90% percentile intervals from 20 bootstrap replicates');
    expect(findAll(root, hasClass('g', 'legend-entry')).map((e) => e.text)).toEqual(['90% bootstrap interval']);
  });

  it('draws a published split beside ours, labelled and cited', () => {
    const report = reportOf(synthetic, 'shapley', { published: PUBLISHED_SPLITS.nao2019! });
    const json = jsonOf(report);
    const root = parseXml(renderDecompositionSvg(report));
    expect(partsOf(json)).toHaveLength(5);
    expect(findAll(root, hasClass('rect', 'published'))).toHaveLength(5);
    for (const part of partsOf(json)) {
      const bar = one(root, (node) => hasClass('rect', 'published')(node) && node.attrs['data-group'] === part.name);
      expect(Number(bar.attrs['data-share'])).toBe(part.published);
      const label = one(
        root,
        (node) => hasClass('text', 'published-value')(node) && node.attrs['data-group'] === part.name,
      );
      expect(label.text).toBe(`NAO 2019 ${shown(part.published! * 100).toFixed(1)}%`);
    }
    expect(one(root, hasClass('g', 'footnote')).text).toContain('National Audit Office (2019)');
    expect(findAll(root, hasClass('g', 'legend-entry')).map((e) => e.text)).toEqual(['NAO 2019 (published)']);
  });

  it('draws --method all as grouped bars, groups × five methods, with a legend', () => {
    const report = reportOf(synthetic, 'all');
    const json = jsonOf(report);
    const svg = renderDecompositionSvg(report);
    expectSelfContained(svg);
    const root = parseXml(svg);
    const methods = ['shapley', 'owen', 'sequential', 'sequentialReverse', 'unique'];
    const rows = json.comparison!.rows;
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      for (const method of methods) {
        const bar = one(
          root,
          (node) =>
            hasClass('rect', 'bar')(node) &&
            node.attrs['data-group'] === row.group &&
            node.attrs['data-method'] === method,
        );
        expect(Number(bar.attrs['data-share'])).toBe(row[method]);
        const value = one(
          root,
          (node) =>
            hasClass('text', 'value')(node) &&
            node.attrs['data-group'] === row.group &&
            node.attrs['data-method'] === method,
        );
        expect(labelled(value.text)).toBe(shown((row[method] as number) * 100));
      }
    }
    const unexplained = one(
      root,
      (node) => hasClass('rect', 'bar')(node) && node.attrs['data-group'] === 'unexplained',
    );
    expect(Number(unexplained.attrs['data-share'])).toBe(json.unexplained.share);
    expect(findAll(root, hasClass('rect', 'bar'))).toHaveLength(rows.length * methods.length + 1);
    expect(findAll(root, hasClass('g', 'legend-entry')).map((e) => e.text)).toEqual([
      'Shapley (LMG)',
      'Owen',
      'sequential',
      'reverse sequential',
      'unique',
    ]);
    expect(
      one(
        root,
        (node) => node.name === 'g' && node.attrs.class === 'group' && node.attrs['data-group'] === 'unexplained',
      ).text,
    ).toContain('every method');
    expect(one(root, hasClass('g', 'footnote')).text).toContain(
      'Sequential order: practice → deprivation → policy → resources',
    );
  });

  for (const method of ['owen', 'sequential', 'unique', 'commonality', 'dominance'] as const) {
    it(`draws the headline shares of --method ${method}`, () => {
      const report = reportOf(synthetic, method);
      const json = jsonOf(report);
      const svg = renderDecompositionSvg(report);
      expectSelfContained(svg);
      const root = parseXml(svg);
      const expected = [
        ...json.groups.map((g) => [g.name, g.share]),
        ...(json.unique ? [['shared', json.unique.shared.share]] : []),
        ['unexplained', json.unexplained.share],
      ];
      expect(
        findAll(root, hasClass('rect', 'bar')).map((b) => [b.attrs['data-group'], Number(b.attrs['data-share'])]),
      ).toEqual(expected);
      expect(one(root, hasClass('text', 'subtitle')).text.length).toBeGreaterThan(5);
      // Commonality's unique parts do not add up to the whole, so there is no strip.
      expect(findAll(root, hasClass('rect', 'segment')).length).toBe(method === 'commonality' ? 0 : expected.length);
    });
  }

  it('escapes every text, so names with < & " \' neither break nor inject markup', () => {
    const evil = `a<&"'b`;
    const file = `data </text><script>alert(1)</script> & "quotes" 'single'.csv`;
    const result: DecompositionResult = {
      method: 'shapley',
      outcome: `rate<&>`,
      n: 10,
      droppedRows: 2,
      missingByColumn: {},
      tss: 1,
      r2: 0.6,
      groups: [
        { name: evil, kind: 'numeric', columns: [`col"<1>`], share: 0.4 },
        { name: `fe'&`, kind: 'fixed-effect', columns: ['la&<'], levels: 3, share: 0.2 },
      ],
      unexplained: 0.4,
      subsets: 4,
      notes: ['note with <b>markup</b> & "quotes"'],
    };
    const bootstrap: BootstrapResult = {
      replicates: 5,
      failed: 1,
      failures: [{ reason: 'bad <reason>', count: 1 }],
      cluster: `cl<&>`,
      clusters: 3,
      seed: 1,
      level: 0.95,
      type: 'percentile',
      groups: [
        { se: 0.05, low: 0.3, high: 0.5 },
        { se: 0.05, low: 0.1, high: 0.3 },
      ],
      unexplained: { se: 0.05, low: 0.3, high: 0.5 },
    };
    const report: DecompositionReport = {
      result,
      file,
      datasetNote: `note ]]> <!-- --> & <x>`,
      bootstrap,
      published: {
        key: 'k',
        label: `pub<&"'>`,
        source: `source </svg> &amp;`,
        shares: { [evil]: 0.5, unexplained: 0.3 },
      },
    };
    const svg = renderDecompositionSvg(report, { title: `title <b>&"'</b>`, idPrefix: `x"><script>` });
    expectSelfContained(svg);
    expect(svg).not.toContain(evil);
    expect(svg).not.toContain('<b>');
    const root = parseXml(svg);
    const bar = one(root, (node) => hasClass('rect', 'bar')(node) && node.attrs['data-group'] === evil);
    expect(Number(bar.attrs['data-share'])).toBe(0.4);
    expect(findAll(root, (node) => node.name === 'text' && node.text === evil)).toHaveLength(1);
    expect(findAll(root, (node) => node.name === 'text' && node.text === `fe'&`)).toHaveLength(1);
    expect(findAll(root, hasClass('text', 'title')).map((t) => t.text)).toEqual([`title <b>&"'</b>`]);
    // Footnote lines are wrapped at spaces: join them with one.
    const footnote = one(root, hasClass('g', 'footnote'))
      .children.map((line) => line.text)
      .join(' ');
    expect(footnote).toContain(`data: ${file}`);
    expect(footnote).toContain('Note: note ]]> <!-- --> & <x>');
    expect(footnote).toContain('Note: note with <b>markup</b> & "quotes"');
    expect(footnote).toContain(`pub<&"'> (thin dark bars): source </svg> &amp;.`);
    expect(footnote).toContain('resampling clusters of cl<&> (3)');
    expect(
      one(root, (node) => hasClass('text', 'published-value')(node) && node.attrs['data-group'] === evil).text,
    ).toBe(`pub<&"'> 50.0%`);
    expect(one(root, hasClass('text', 'axis-title')).text).toBe('percent of the total variance of rate<&>');
    expect(findAll(root, (node) => node.name === 'script')).toHaveLength(0);
    expect(one(root, (node) => node.name === 'pattern').attrs.id).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('escapes the XML specials and replaces characters XML forbids', () => {
    expect(escapeXml(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
    expect(escapeXml('bell\u0007 and \uD800 lone')).toBe('bell\uFFFD and \uFFFD lone');
    expect(escapeXml('tab\tnew\nline 😀')).toBe('tab\tnew\nline 😀');
    const root = parseXml(`<t a="${escapeXml('\u0001"&')}">${escapeXml('\u001F<')}</t>`);
    expect(root.attrs.a).toBe('\uFFFD"&');
    expect(root.text).toBe('\uFFFD<');
  });

  it('keeps negative shares: the bar is empty, the label shows the value', () => {
    const result: DecompositionResult = {
      method: 'unique',
      outcome: 'y',
      n: 50,
      droppedRows: 0,
      missingByColumn: {},
      tss: 1,
      r2: 0.5,
      groups: [
        { name: 'g1', kind: 'numeric', columns: ['x1'], share: 0.3 },
        { name: 'g2', kind: 'numeric', columns: ['x2'], share: 0.28 },
      ],
      unexplained: 0.5,
      subsets: 4,
      notes: [],
      unique: { shared: -0.08 },
    };
    const bootstrap: BootstrapResult = {
      replicates: 10,
      failed: 0,
      failures: [],
      cluster: null,
      clusters: 50,
      seed: 1,
      level: 0.95,
      type: 'percentile',
      groups: [
        { se: 0.1, low: -0.05, high: 0.45 },
        { se: 0.1, low: 0.1, high: 0.4 },
      ],
      unexplained: { se: 0.1, low: 0.4, high: 0.6 },
    };
    const svg = renderDecompositionSvg({ result, file: 'x.csv', bootstrap });
    const root = parseXml(svg);
    const shared = one(root, (node) => hasClass('rect', 'bar')(node) && node.attrs['data-group'] === 'shared');
    expect(shared.attrs.width).toBe('0');
    expect(Number(shared.attrs['data-share'])).toBe(-0.08);
    expect(one(root, (node) => hasClass('text', 'value')(node) && node.attrs['data-group'] === 'shared').text).toBe(
      '-8.0%',
    );
    // No strip when a part is negative; every coordinate is a finite number.
    expect(findAll(root, hasClass('rect', 'segment'))).toHaveLength(0);
    for (const node of findAll(root, () => true)) {
      for (const key of ['x', 'y', 'width', 'height', 'x1', 'x2', 'y1', 'y2']) {
        if (node.attrs[key] !== undefined) expect(Number.isFinite(Number(node.attrs[key]))).toBe(true);
      }
    }
    const rects = findAll(root, (node) => node.name === 'rect');
    expect(rects.length).toBeGreaterThanOrEqual(4); // at least the bars of g1, g2, shared and unexplained
    for (const rect of rects) expect(Number(rect.attrs.width)).toBeGreaterThanOrEqual(0);
    expect(one(root, hasClass('g', 'footnote')).text).toContain('negative shared part');
  });

  it('says when the Shapley values are Monte Carlo estimates', () => {
    const base = reportOf(reference);
    const result: DecompositionResult = {
      ...base.result,
      sampling: { permutations: 5000, seed: 9, standardErrors: [0.001, 0.0042] },
    };
    const footnote = one(parseXml(renderDecompositionSvg({ ...base, result })), hasClass('g', 'footnote'))
      .children.map((line) => line.text)
      .join(' ');
    expect(footnote).toContain(
      'Shapley values estimated from 5000 sampled permutations (seed 9); ' +
        'Monte Carlo standard errors at most 0.4 percentage points.',
    );
  });

  it('gives the same bytes every time', () => {
    const report = reportOf(reference, 'all');
    expect(renderDecompositionSvg(report)).toBe(renderDecompositionSvg(report));
  });
});
