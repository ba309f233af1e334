import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInput } from '../../src/input/pipeline.js';
import { describeByCategory } from '../../src/profile/byCategory.js';
import { renderDescribeByJson } from '../../src/report/describeByReport.js';
import { findAll, parseXml, type XmlNode } from '../report/xml.js';
import { runMain } from './run.js';

/** Run the CLI in this process (the shared harness), capturing what it writes. */
const run = (args: readonly string[]) => runMain(args);

const FIXTURE = 'fixtures/describe-by-panel.csv';
const BY = ['describe', FIXTURE, '--by', 'rating'] as const;

const hasClass = (name: string, className: string) => (node: XmlNode) =>
  node.name === name && (node.attrs.class ?? '').split(' ').includes(className);

describe('describe --by on the command line', () => {
  it('JSON: the numbers of describeByCategory, every numeric column but the unit and period (la, year)', async () => {
    const out = await run([...BY, '--format', 'json']);
    expect(out.status).toBe(0);
    expect(out.stderr).toBe('');
    const expected = describeByCategory(readInput({ file: FIXTURE }).table, { by: 'rating', exclude: ['la', 'year'] });
    expect(out.stdout).toBe(renderDescribeByJson(expected));
    expect(JSON.parse(out.stdout).columns.map((c: { column: string }) => c.column)).toEqual([
      'caseload',
      'agency_rate',
      'vacancy_rate',
      'sparse',
      'flat',
    ]);
  });

  it('--columns chooses and orders the columns', async () => {
    const json = JSON.parse((await run([...BY, '--columns', 'vacancy_rate,caseload', '--format', 'json'])).stdout);
    expect(json.columnSource).toBe('options');
    expect(json.columns.map((c: { column: string }) => c.column)).toEqual(['vacancy_rate', 'caseload']);
  });

  it.each([
    ['table', /^Summaries by rating of fixtures\/describe-by-panel\.csv: 60 rows, 4 categories, 5 columns\n/],
    ['csv', /^column,row,category,missing,n,mean,sd,se,median,q1,q3,min,max,ci_low,ci_high,eta2,/],
    ['markdown', /^\*\*Summaries by rating of fixtures\/describe-by-panel\.csv\*\*\n/],
    ['svg', /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" /],
  ])('writes %s', async (format, start) => {
    const out = await run([...BY, '--format', format]);
    expect(out.status).toBe(0);
    expect(out.stderr).toBe('');
    expect(out.stdout).toMatch(start);
  });

  it("SVG: the figure's numbers are the JSON's", async () => {
    const json = JSON.parse((await run([...BY, '--format', 'json'])).stdout);
    const root = parseXml((await run([...BY, '--format', 'svg'])).stdout);
    const panels = findAll(root, hasClass('g', 'panel'));
    expect(panels).toHaveLength(json.columns.length);
    for (const [i, column] of json.columns.entries()) {
      expect(panels[i]!.attrs['data-column']).toBe(column.column);
      expect(panels[i]!.attrs['data-eta2']).toBe(String(column.anova.eta2));
      expect(panels[i]!.attrs['data-welch-df2']).toBe(column.welch === null ? undefined : String(column.welch.df2));
      const rows = findAll(panels[i]!, hasClass('g', 'category'));
      expect(rows.map((r) => (r.attrs['data-mean'] === undefined ? null : Number(r.attrs['data-mean'])))).toEqual(
        column.groups.map((g: { mean: number | null }) => g.mean),
      );
      expect(rows.map((r) => (r.attrs['data-low'] === undefined ? null : Number(r.attrs['data-low'])))).toEqual(
        column.groups.map((g: { ciLow: number | null }) => g.ciLow),
      );
    }
  });

  it('reads DfE-style tokens with --na, and carries the note of a bundled dataset', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'cpv-describe-by-'));
    const file = join(folder, 'ratings.csv');
    writeFileSync(file, 'rating,caseload\nGood,15\nGood,x\nGood,17\nInadequate,20\nInadequate,22\nx,9\n');
    const json = JSON.parse((await run(['describe', file, '--by', 'rating', '--na', 'x', '--format', 'json'])).stdout);
    expect(json).toMatchObject({ rowsMissingCategory: 1, columns: [{ column: 'caseload', n: 4, missing: 1 }] });

    const panel = await run(['describe', '--by', 'region_name.cpp', '--columns', 'cpp_rate']);
    expect(panel.status).toBe(0);
    expect(panel.stdout).toContain('note: real public data: 149 English local authorities');
  });

  it('refuses combinations that do not fit, naming the flag', async () => {
    const cases: [readonly string[], RegExp][] = [
      [
        ['describe', FIXTURE, '--columns', 'caseload'],
        /--columns chooses the columns summarised by category; give the category column with --by/,
      ],
      [
        ['describe', FIXTURE, '--format', 'svg'],
        /--format svg is a figure of summaries by category; give the category column with --by/,
      ],
      [[...BY, '--outcome', 'caseload'], /--outcome is the variance split of describe without --by/],
      [['describe', FIXTURE, '--by', 'ofsted'], /column "ofsted" not found/],
      [[...BY, '--columns', 'caseload,rating'], /^error: --columns: "rating" is the category column \(--by\)/],
      [[...BY, '--columns', 'la'], /row 2, column "la": "LA01" is not a number/],
      [[...BY, '--format', 'html'], /--format: "html" is not one of table, json, csv, markdown, svg/],
    ];
    for (const [args, message] of cases) {
      const out = await run(args);
      expect(out.status, args.join(' ')).toBe(2);
      expect(out.stdout).toBe('');
      expect(out.stderr).toMatch(message);
      expect(out.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });

  it('lists --by and --columns in the help', async () => {
    const help = (await run(['describe', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/--by <column> summaries by category/);
    expect(help).toMatch(/--columns <names> with --by: the numeric columns to summarise/);
    expect(help).toMatch(/or with --by also svg/);
    expect(help).toMatch(/with --by, summaries of numeric columns by category/);
  });
});

describe('describe with only a unit or only a period column', () => {
  it('--unit alone describes the units and splits the outcome between and within them', async () => {
    const out = await run(['describe', '--unit', 'region_name.cpp']);
    expect(out.status).toBe(0);
    expect(out.stderr).toBe('');
    expect(out.stdout).not.toMatch(/describeTable|needs both/);
    expect(out.stdout).toContain('Unit: region_name.cpp (no period column named)');
    expect(out.stdout).toMatch(/between region_name\.cpp \(10 units\) +20\.0%/);
    const json = JSON.parse((await run(['describe', '--unit', 'region_name.cpp', '--format', 'json'])).stdout);
    expect(json.panel).toBeNull();
    expect(json.singleKey).toMatchObject({ column: 'region_name.cpp', role: 'unit', levels: 10, rows: 1040 });
    // The between share by region is η² of cpp_rate by region (describe --by), on the same rows.
    const by = JSON.parse(
      (await run(['describe', '--by', 'region_name.cpp', '--columns', 'cpp_rate', '--format', 'json'])).stdout,
    );
    expect(json.outcome.betweenShare).toBeCloseTo(by.columns[0].anova.eta2, 12);
  });

  it('--period alone describes the periods and the share of the period means', async () => {
    const out = await run(['describe', '--period', 'year', '--format', 'markdown']);
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/- variance of cpp_rate over 1032 complete rows: 0\.1% explained by year means/);
    expect(out.stdout).toMatch(/only a period column \(year\) was named/);
  });
});
