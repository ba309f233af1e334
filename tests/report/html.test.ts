import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadModelData } from '../../src/commands/data.js';
import { runReport } from '../../src/commands/report.js';
import { packageVersion } from '../../src/io/packageRoot.js';
import { bootstrapDecomposition } from '../../src/models/bootstrap/bootstrap.js';
import { decompose, type DecompositionResult } from '../../src/models/methods/decompose.js';
import { fitModel } from '../../src/models/fit/fit.js';
import { buildModelData } from '../../src/models/design/modelData.js';
import { summarizeData } from '../../src/models/design/summary.js';
import type { DecompositionReport } from '../../src/report/context.js';
import { renderFitJson } from '../../src/report/fitReport.js';
import { modelFormula, renderHtmlReport, type HtmlReportInput } from '../../src/report/html.js';
import { renderDecompositionJson } from '../../src/report/json.js';
import { panelFrom, SYNTHETIC_OPTIONS } from '../helpers.js';
import { findAll, one, parseXml, type XmlNode } from './xml.js';

const element = (name: string) => (node: XmlNode) => node.name === name;
const section = (root: XmlNode, id: string) => one(root, (n) => n.name === 'section' && n.attrs.id === id);
const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The body rows of the table whose caption starts with `caption`, as arrays of cell texts. */
function tableRows(root: XmlNode, caption: string): string[][] {
  const table = one(
    root,
    (n) => n.name === 'table' && findAll(n, element('caption')).some((c) => c.text.startsWith(caption)),
  );
  const body = one(table, element('tbody'));
  return findAll(body, element('tr')).map((tr) =>
    tr.children.filter((c) => c.name === 'td').map((td) => squash(td.text)),
  );
}

/** The dt → dd pairs of the definition lists under `node`. */
function definitions(node: XmlNode): Record<string, string> {
  const terms = findAll(node, element('dt'));
  const values = findAll(node, element('dd'));
  expect(values).toHaveLength(terms.length);
  return Object.fromEntries(terms.map((dt, i) => [squash(dt.text), squash(values[i]!.text)]));
}

const shown = (fraction: number) => Number((fraction * 100).toFixed(1));
const labelled = (text: string) => Number(text.replace('%', ''));

// ── the report of the synthetic NAO panel, with a bootstrap ──────────────────────────────────────────────

const BOOTSTRAP = { replicates: 20, seed: 7, level: 0.95, type: 'percentile' as const };
const COMMAND =
  'cpp-variance report fixtures/nao-2019-synthetic.csv --fe practice=la --group deprivation=idaci --fe policy=year ' +
  '--group resources=spend,vacancy --bootstrap 20 --seed 7 --output report.html';
const html = runReport({ ...SYNTHETIC_OPTIONS, command: COMMAND, bootstrap: BOOTSTRAP });
const root = parseXml(html);

/** The same analysis, computed here from the parts, for the JSON to compare with. */
const loaded = loadModelData({ ...SYNTHETIC_OPTIONS, cluster: 'la' });
const shapley = decompose(loaded.data);
const splitReport: DecompositionReport = {
  result: shapley,
  file: loaded.file,
  bootstrap: bootstrapDecomposition(loaded.data, shapley, { ...BOOTSTRAP, decompose: { method: 'shapley' } }),
};
const splitJson = JSON.parse(renderDecompositionJson(splitReport)) as {
  groups: { name: string; share: number; percent: number; se: number; ciLow: number; ciHigh: number }[];
  unexplained: { share: number; percent: number; se: number; ciLow: number; ciHigh: number };
};
const comparisonJson = JSON.parse(
  renderDecompositionJson({ result: decompose(loaded.data, { method: 'all' }), file: loaded.file }),
) as {
  unexplained: { share: number };
  comparison: { rows: Record<string, number | string>[] };
};

describe('renderHtmlReport via runReport', () => {
  it('is one self-contained HTML5 document with no scripts, no network references and no timestamp', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8"/>')).toBe(true);
    expect(root.name).toBe('html');
    expect(one(one(root, element('head')), element('title')).text).toBe('Variance of cpp_rate explained by each group');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/https?:|\/\/[a-z]/i);
    expect(html).not.toMatch(/<link|<img|<iframe|<object|<embed|@import|@font-face|\ssrc=|\son[a-z]+=/i);
    for (const link of findAll(root, (n) => n.attrs.href !== undefined)) expect(link.attrs.href).toMatch(/^#[a-z]+$/);
    for (const match of html.matchAll(/url\(([^)]*)\)/g)) expect(match[1]).toMatch(/^#[A-Za-z0-9_-]+$/);
    expect(html).not.toMatch(/\b20\d\d-\d\d-\d\d\b|\d\d:\d\d:\d\d/);
    // Figures are embedded with distinct ids, so the page has no duplicate id.
    const ids = findAll(root, (n) => n.attrs.id !== undefined).map((n) => n.attrs.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has every section, in order', () => {
    const sections = findAll(root, element('section')).map((s) => s.attrs.id);
    expect(sections).toEqual(['data', 'model', 'split', 'methods', 'regression', 'reproducibility']);
    expect(findAll(one(root, element('nav')), element('a')).map((a) => a.attrs.href)).toEqual(
      sections.map((id) => `#${id}`),
    );
    expect(squash(one(root, (n) => n.name === 'p' && n.attrs.class === 'notice').text)).toContain('SYNTHETIC');
  });

  it('summarises the data: rows read, used and dropped, missing by column, levels, years, min/median/max', () => {
    const data = section(root, 'data');
    expect(squash(findAll(data, element('p'))[0]!.text)).toBe(
      'The input fixtures/nao-2019-synthetic.csv has 912 data rows; 912 have every model column present and are ' +
        'used, and none is dropped for missing values.',
    );
    expect(tableRows(data, 'Missing values by column')).toEqual(
      ['cpp_rate', 'la', 'idaci', 'year', 'spend', 'vacancy'].map((column) => [column, '0', '0.0%']),
    );
    const fixed = tableRows(data, 'Fixed effects');
    expect(fixed.map((row) => row.slice(0, 4))).toEqual([
      ['practice', 'la', '152', '6 / 6 / 6'],
      ['policy', 'year', '6', '152 / 152 / 152'],
    ]);
    expect(fixed[0]![4]).toBe('LA001, LA002, LA003, …, LA151, LA152');
    expect(fixed[1]![4]).toBe('years 2012–2017 (6 years)');
    const numeric = tableRows(data, 'Numeric model columns');
    // Expected values straight from the file's text (every row is used): the model data are stored in
    // power-of-two units of each column's magnitude, the summary reports the units read.
    const [header, ...records] = readFileSync(SYNTHETIC_OPTIONS.file, 'utf8').trim().split('\n');
    const names = header!.split(',');
    const columns = Object.fromEntries(
      ['cpp_rate', 'idaci', 'spend', 'vacancy'].map((name) => [
        name,
        records.map((record) => Number(record.split(',')[names.indexOf(name)])),
      ]),
    );
    expect(numeric.map((row) => row[0])).toEqual(['cpp_rate', 'idaci', 'spend', 'vacancy']);
    for (const row of numeric) {
      const sorted = Array.from(columns[row[0] as keyof typeof columns]!).sort((a, b) => a - b);
      const middle = sorted.length / 2;
      const median = sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
      expect(row.slice(2).map(Number)).toEqual(
        [sorted[0]!, median, sorted.at(-1)!].map((v) => Number(v.toPrecision(6))),
      );
    }
    expect(numeric[0]![1]).toBe('outcome');
    expect(numeric[3]![1]).toBe('in group resources');
  });

  it('states the model in words and as a formula, and names the method', () => {
    const model = section(root, 'model');
    expect(one(model, element('code')).text).toBe('cpp_rate ~ 1 + idaci + spend + vacancy + factor(la) + factor(year)');
    const text = squash(model.text);
    expect(text).toContain(
      'An ordinary least-squares regression of cpp_rate on idaci, spend and vacancy, with fixed effects (one ' +
        'indicator per level) for la (152 levels) and year (6 levels), fitted to 912 rows.',
    );
    expect(text).toContain('Method: exact Shapley values (LMG).');
    expect(findAll(model, element('li')).map((li) => squash(li.text))).toEqual([
      'practice: la fixed effects (152 levels)',
      'deprivation: idaci',
      'policy: year fixed effects (6 levels)',
      'resources: spend, vacancy',
    ]);
  });

  it('shows the split as a figure and a table with the numbers of the JSON output, intervals included', () => {
    const split = section(root, 'split');
    const svg = one(split, element('svg'));
    const parts = [...splitJson.groups, { ...splitJson.unexplained, name: 'unexplained' }];
    expect(parts).toHaveLength(5); // four groups and the unexplained rest
    for (const part of parts) {
      const bar = one(svg, (n) => n.name === 'rect' && n.attrs.class === 'bar' && n.attrs['data-group'] === part.name);
      expect(Number(bar.attrs['data-share'])).toBe(part.share);
      const whisker = one(
        svg,
        (n) => n.name === 'g' && n.attrs.class === 'interval' && n.attrs['data-group'] === part.name,
      );
      expect([Number(whisker.attrs['data-low']), Number(whisker.attrs['data-high'])]).toEqual([
        part.ciLow,
        part.ciHigh,
      ]);
    }
    const rows = tableRows(split, 'Share of the variance');
    expect(rows.map((r) => r[0])).toEqual([...parts.map((p) => p.name), 'total']);
    parts.forEach((part, i) => {
      const [, , share, se, interval] = rows[i]!;
      expect(labelled(share!)).toBe(Number(part.percent.toFixed(1)));
      expect(Number(se)).toBe(shown(part.se));
      expect(interval!.split(' – ').map(Number)).toEqual([shown(part.ciLow), shown(part.ciHigh)]);
    });
    expect(rows.at(-1)![2]).toBe('100.0%');
    expect(squash(split.text)).toContain(
      '95% percentile intervals from 20 bootstrap replicates resampling clusters of la (152), seed 7',
    );
  });

  it('compares the methods in a figure and a table with the numbers of the JSON output', () => {
    const methods = section(root, 'methods');
    const keys = ['shapley', 'owen', 'sequential', 'sequentialReverse', 'unique'];
    const rows = tableRows(methods, 'Share of the variance');
    const expected = comparisonJson.comparison.rows;
    expect(expected.map((r) => r.group)).toEqual(['practice', 'deprivation', 'policy', 'resources']);
    expect(rows.map((r) => r[0])).toEqual([...expected.map((r) => r.group), 'unexplained']);
    expected.forEach((row, i) => {
      expect(rows[i]!.slice(1, 6).map(labelled)).toEqual(keys.map((key) => shown(row[key] as number)));
      expect(Number(rows[i]![6])).toBe(shown(row.spread as number));
      for (const key of keys) {
        const bar = one(
          methods,
          (n) => n.name === 'rect' && n.attrs['data-group'] === row.group && n.attrs['data-method'] === key,
        );
        expect(Number(bar.attrs['data-share'])).toBe(row[key]);
      }
    });
    expect(rows.at(-1)!.slice(1, 6).map(labelled)).toEqual(Array(5).fill(shown(comparisonJson.unexplained.share)));
  });

  it('shows the regression table with the numbers of the fit JSON output', () => {
    const fitJson = JSON.parse(
      renderFitJson({ result: fitModel(loaded.data, { clustered: false }), file: loaded.file }),
    ) as {
      coefficients: { term: string; estimate: number; stdError: number; p: number }[];
      r2: number;
      n: number;
    };
    const regression = section(root, 'regression');
    const rows = tableRows(regression, 'Coefficients');
    expect(fitJson.coefficients.map((c) => c.term)).toEqual(['idaci', 'spend', 'vacancy']);
    expect(rows.map((r) => r[0])).toEqual(fitJson.coefficients.map((c) => c.term));
    fitJson.coefficients.forEach((c, i) => {
      expect(Math.abs(Number(rows[i]![1]) - c.estimate)).toBeLessThanOrEqual(5e-6 * Math.abs(c.estimate));
      expect(Math.abs(Number(rows[i]![2]) - c.stdError)).toBeLessThanOrEqual(5e-6 * Math.abs(c.stdError));
    });
    const statistics = Object.fromEntries(tableRows(regression, 'Fit').map(([name, value]) => [name, value]));
    expect(Number(statistics['R²'])).toBe(Number(fitJson.r2.toPrecision(6)));
    expect(statistics['observations (n)']).toBe(String(fitJson.n));
    expect(statistics['standard errors']).toBe('classical OLS');
  });

  it('says how to reproduce it: the command, the version, the SHA-256 of the input and the seed', () => {
    const block = section(root, 'reproducibility');
    expect(one(block, element('pre')).text).toBe(COMMAND);
    expect(definitions(block)).toEqual({
      tool: `cpp-variance ${packageVersion()}`,
      'input file': 'fixtures/nao-2019-synthetic.csv',
      'input SHA-256': createHash('sha256').update(readFileSync(SYNTHETIC_OPTIONS.file)).digest('hex'),
      seed: '7',
    });
  });

  it('gives the same bytes on a second run', () => {
    expect(runReport({ ...SYNTHETIC_OPTIONS, command: COMMAND, bootstrap: BOOTSTRAP })).toBe(html);
  });
});

describe('runReport without a bootstrap', () => {
  const options = {
    file: 'fixtures/reference-panel.csv',
    outcome: 'y',
    groups: [
      { name: 'unit', kind: 'fixed-effect' as const, columns: ['region_code'] },
      { name: 'a', kind: 'numeric' as const, columns: ['x1', 'x2'] },
    ],
    missingTokens: [],
    command: 'cpp-variance report fixtures/reference-panel.csv --outcome y --fe unit=region_code --group a=x1,x2',
    title: 'Reference panel',
  };
  const page = runReport(options);
  const doc = parseXml(page);
  const data = loadModelData(options);

  it('matches the JSON split, without interval columns, and records no seed', () => {
    const json = JSON.parse(renderDecompositionJson({ result: decompose(data.data), file: data.file })) as {
      groups: { name: string; share: number; percent: number }[];
      unexplained: { share: number; percent: number };
    };
    const split = section(doc, 'split');
    const rows = tableRows(split, 'Share of the variance');
    expect(rows.map((r) => r.length)).toEqual([3, 3, 3, 3]);
    const parts = [...json.groups, { ...json.unexplained, name: 'unexplained' }];
    expect(parts.map((part) => part.name)).toEqual(['unit', 'a', 'unexplained']);
    parts.forEach((part, i) => {
      expect(rows[i]![0]).toBe(part.name);
      expect(labelled(rows[i]![2]!)).toBe(Number(part.percent.toFixed(1)));
      const bar = one(
        split,
        (n) => n.name === 'rect' && n.attrs.class === 'bar' && n.attrs['data-group'] === part.name,
      );
      expect(Number(bar.attrs['data-share'])).toBe(part.share);
    });
    expect(findAll(split, (n) => n.attrs.class === 'interval')).toHaveLength(0);
    expect(one(doc, element('h1')).text).toBe('Reference panel');
    expect(one(section(doc, 'model'), element('code')).text).toBe('y ~ 1 + x1 + x2 + factor(region_code)');
    const entries = definitions(section(doc, 'reproducibility'));
    expect(entries.seed).toBe('none (nothing random was done)');
    expect(entries['input SHA-256']).toBe(
      createHash('sha256').update(readFileSync('fixtures/reference-panel.csv')).digest('hex'),
    );
    expect(findAll(doc, (n) => n.name === 'p' && n.attrs.class === 'notice')).toHaveLength(0);
  });

  it('gives the same bytes on a second run', () => {
    expect(runReport(options)).toBe(page);
  });
});

describe('renderHtmlReport escaping', () => {
  it('escapes every text, so names with < & " \' neither break nor inject markup', () => {
    const evil = `g<&"'>`;
    const file = `in </code><script>alert(1)</script> & "q" 'q'.csv`;
    const result = (method: 'shapley' | 'all'): DecompositionResult => ({
      method,
      outcome: `out<&>`,
      n: 10,
      droppedRows: 1,
      missingByColumn: { 'col<"1">': 1 },
      tss: 1,
      r2: 0.5,
      groups: [{ name: evil, kind: 'numeric', columns: [`col<"1">`], share: 0.5 }],
      unexplained: 0.5,
      subsets: 2,
      notes: ['a <b>note</b>'],
      ...(method === 'all'
        ? {
            comparison: {
              order: [evil],
              rows: [
                {
                  group: evil,
                  shapley: 0.5,
                  owen: 0.5,
                  sequential: 0.5,
                  sequentialReverse: 0.5,
                  unique: 0.5,
                  spread: 0,
                },
              ],
            },
          }
        : {}),
    });
    const input: HtmlReportInput = {
      split: { result: result('shapley'), file, datasetNote: `note <i>&</i>` },
      comparison: { result: result('all'), file },
      fit: {
        file,
        result: {
          outcome: `out<&>`,
          n: 10,
          droppedRows: 1,
          k: 2,
          dfResidual: 8,
          sigma: 1,
          rss: 8,
          r2: 0.5,
          adjR2: 0.44,
          withinR2: null,
          f: 8,
          fDf: [1, 8],
          fP: 0.02,
          intercept: true,
          coefficients: [
            {
              term: `col<"1">`,
              estimate: 1,
              stdError: 0.5,
              t: 2,
              p: 0.08,
              ciLow: -0.1,
              ciHigh: 2.1,
              vif: null,
              aliased: false,
            },
          ],
          se: 'classical',
          fixedEffects: [],
          level: 0.95,
          notes: [],
        },
      },
      summary: {
        outcome: `out<&>`,
        rowsRead: 11,
        rowsUsed: 10,
        droppedRows: 1,
        missingByColumn: [{ column: `col<"1">`, missing: 1 }],
        fixedEffects: [
          {
            group: `fe<&>`,
            column: `c'&`,
            levels: 2,
            labels: ['<a>', '&b'],
            rowsPerLevel: { min: 5, median: 5, max: 5 },
            years: null,
          },
        ],
        numericColumns: [{ column: `col<"1">`, group: evil, min: 0, median: 1, max: 2 }],
      },
      reproducibility: {
        command: `cpp-variance report "</pre><script>x</script>" --title '&amp;'`,
        version: '0.1.0<',
        sha256: null,
        seed: null,
      },
      title: `A <title> & 'more'`,
    };
    const page = renderHtmlReport(input);
    expect(page).not.toMatch(/<script|<b>|<i>/);
    expect(page).not.toContain(evil);
    const doc = parseXml(page);
    expect(one(one(doc, element('head')), element('title')).text).toBe(`A <title> & 'more'`);
    expect(one(doc, element('h1')).text).toBe(`A <title> & 'more'`);
    expect(one(doc, element('pre')).text).toBe(input.reproducibility.command);
    expect(tableRows(doc, 'Missing values by column')).toEqual([[`col<"1">`, '1', '9.1%']]);
    expect(tableRows(doc, 'Fixed effects')).toEqual([[`fe<&>`, `c'&`, '2', '5 / 5 / 5', '<a>, &b']]);
    expect(tableRows(doc, 'Share of the variance of out<&> (percent)')[0]![0]).toBe(evil);
    expect(findAll(doc, (n) => n.name === 'rect' && n.attrs['data-group'] === evil).length).toBe(7);
    const text = squash(doc.text);
    expect(text).toContain(`The input ${file} has 11 data rows`);
    expect(text).toContain('Note: note <i>&</i>');
    expect(text).toContain('Note: a <b>note</b>');
    expect(definitions(doc)['input SHA-256']).toBe('not recorded (the data came from standard input)');
    expect(definitions(doc).tool).toBe('cpp-variance 0.1.0<');
    expect(findAll(doc, element('script'))).toHaveLength(0);
  });
});

describe('modelFormula', () => {
  it('writes numeric columns, then factors, in R notation', () => {
    expect(
      modelFormula({
        outcome: 'y',
        groups: [
          { name: 'u', kind: 'fixed-effect', columns: ['unit'], levels: 3, share: 0 },
          { name: 'a', kind: 'numeric', columns: ['x1', 'x2'], share: 0 },
        ],
      }),
    ).toBe('y ~ 1 + x1 + x2 + factor(unit)');
  });
});

describe('summarizeData', () => {
  const panel = panelFrom({
    y: [3, 1, 4, 1, 5, 9, 2, 6, Number.NaN, 5],
    x: [2, 7, 1, 8, 2, 8, 1, 8, 2, Number.NaN],
    region: ['R10', 'R2', 'R10', 'R2', 'R10', 'R2', 'R1', 'R1', 'R1', 'R1'],
    period: ['2011', '2010', '2013', '2010', '2011', '2013', '2010', '2011', '2013', '2010'],
    wave: ['1', '2', '1', '2', '1', '2', '1', '2', '1', '2'],
  });

  it('describes the rows used, levels and years; counts missing values by column', () => {
    const data = buildModelData(panel, {
      outcome: 'y',
      groups: [
        { name: 'a', kind: 'numeric', columns: ['x'] },
        { name: 'place', kind: 'fixed-effect', columns: ['region'] },
        { name: 'time', kind: 'fixed-effect', columns: ['period'] },
      ],
    });
    const summary = summarizeData(data, 10);
    expect(summary).toEqual({
      outcome: 'y',
      rowsRead: 10,
      rowsUsed: 8,
      droppedRows: 2,
      missingByColumn: [
        { column: 'y', missing: 1 },
        { column: 'x', missing: 1 },
        { column: 'region', missing: 0 },
        { column: 'period', missing: 0 },
      ],
      fixedEffects: [
        {
          group: 'place',
          column: 'region',
          levels: 3,
          labels: ['R1', 'R2', 'R10'],
          rowsPerLevel: { min: 2, median: 3, max: 3 },
          years: null,
        },
        {
          group: 'time',
          column: 'period',
          levels: 3,
          labels: ['2010', '2011', '2013'],
          rowsPerLevel: { min: 2, median: 3, max: 3 },
          years: [2010, 2011, 2013],
        },
      ],
      numericColumns: [
        // y over the used rows 3 1 4 1 5 9 2 6: sorted 1 1 2 3 4 5 6 9, median (3 + 4) / 2.
        { column: 'y', group: null, min: 1, median: 3.5, max: 9 },
        // x over the used rows 2 7 1 8 2 8 1 8: sorted 1 1 2 2 7 8 8 8, median (2 + 7) / 2.
        { column: 'x', group: 'a', min: 1, median: 4.5, max: 8 },
      ],
    });
  });

  it('takes whole-number levels as years only when the effect is called year', () => {
    const model = (name: string) =>
      buildModelData(panel, {
        outcome: 'y',
        groups: [
          { name: 'a', kind: 'numeric', columns: ['x'] },
          { name, kind: 'fixed-effect', columns: ['wave'] },
        ],
      });
    expect(summarizeData(model('wave'), 10).fixedEffects[0]!.years).toBeNull();
    expect(summarizeData(model('year'), 10).fixedEffects[0]!.years).toEqual([1, 2]);
  });

  it('refuses a row count smaller than the rows it has seen', () => {
    const data = buildModelData(panel, { outcome: 'y', groups: [{ name: 'a', kind: 'numeric', columns: ['x'] }] });
    expect(() => summarizeData(data, 9)).toThrow(
      /summarizeData needs rowsRead ≥ rows used \+ rows dropped \(10\), got 9/,
    );
  });
});
