/**
 * Text from the data cannot act on the reader's terminal or page: names and labels holding escape sequences,
 * bell, C1 controls, DEL, bidirectional overrides, HTML and Markdown link syntax, run through every command and
 * text format (the built CLI as a child process), and through the renderers with colour on.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelData } from '../../src/commands/data.js';
import { quotedText } from '../../src/io/csv.js';
import { messageFor, UsageError } from '../../src/errors.js';
import { decompose } from '../../src/models/methods/decompose.js';
import { jsonText, markdownText, printable, printableLines, terminalText } from '../../src/report/printable.js';
import { renderDecompositionTable } from '../../src/report/table.js';
import { renderCsv, renderMarkdown } from '../../src/report/tabular.js';
import { findAll, parseXml } from './xml.js';
import { CLI as SHIPPED_CLI } from '../cli/run.js';

const CLI = resolve(SHIPPED_CLI);

/** Raw control characters that act on a terminal (tab and line feed allowed: they lay out text). */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
/** Invisible format characters that reorder or hide text. */
const RAW_FORMAT = /[\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/;

const ESC = '\u001b';
const BEL = '\u0007';
const OUTCOME = `rate${ESC}]0;pwned${BEL}`;
const SCRIPT = '<script>alert(1)</script>';
const IMG = '<img src=x onerror=alert(1)>';
const LINKS = 'tick`x`[l](http://e)![i](http://t/p.png)&amp;';
const LINES = 'two\nlines\u202e';
const REGIONS = [`north${ESC}[2J`, `south${BEL}\u009b31m`, `east\u007f<script>x</script>`, `west\u202egnp.exe`];

/** 16 authorities × 5 years; the outcome is the sum of the four predictors plus noise and a unit effect. */
function nastyCsv(): string {
  const quote = (cell: string) => (/[",\n\r]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const rows = [['la', 'year', 'region', OUTCOME, SCRIPT, IMG, LINKS, LINES].map(quote).join(',')];
  for (let a = 0; a < 16; a++) {
    for (let year = 2015; year < 2020; year++) {
      const x = [random() * 10, random() * 5, random() * 3, random() * 2];
      const y = x.reduce((s, v) => s + v, 0) + random() * 3 + a;
      rows.push(
        [`LA${ESC}[31m${a}`, String(year), REGIONS[a % 4]!, y.toFixed(3), ...x.map((v) => v.toFixed(3))]
          .map(quote)
          .join(','),
      );
    }
  }
  return `${rows.join('\n')}\n`;
}

const folder = mkdtempSync(join(tmpdir(), 'cpv-escaping-'));
const DATA = join(folder, 'nasty.csv');
writeFileSync(DATA, nastyCsv());

const MODEL = [
  '--outcome',
  OUTCOME,
  '--fe',
  'practice=la',
  '--group',
  `dep=${SCRIPT}`,
  '--group',
  `res=${IMG},${LINKS}`,
  '--group',
  `odd=${LINES}`,
];

function cli(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function expectInert(text: string): void {
  expect(text).not.toMatch(RAW_CONTROL);
  expect(text).not.toMatch(RAW_FORMAT);
}

/** Markdown that a renderer turns into nothing but text: no HTML tags, code spans, links or images. */
function expectInertMarkdown(text: string): void {
  expectInert(text);
  expect(text).not.toMatch(/<\s*(script|img)/i);
  expect(text).not.toMatch(/[<>`]/);
  expect(text).not.toMatch(/(?<!\\)\[[^\]]*(?<!\\)\]\(/); // [text](url) or ![alt](url)
}

describe('every text output of every command on names and labels with controls and markup', () => {
  const runs: [string, string[], 'table' | 'markdown'][] = [
    ['decompose table', ['decompose', DATA, ...MODEL], 'table'],
    ['decompose markdown', ['decompose', DATA, ...MODEL, '--format', 'markdown'], 'markdown'],
    ['decompose --method all', ['decompose', DATA, ...MODEL, '--method', 'all'], 'table'],
    ['decompose --method dominance', ['decompose', DATA, ...MODEL, '--method', 'dominance'], 'table'],
    ['decompose --method commonality', ['decompose', DATA, ...MODEL, '--method', 'commonality'], 'table'],
    ['decompose --method owen', ['decompose', DATA, ...MODEL, '--method', 'owen'], 'table'],
    ['decompose --by a label column', ['decompose', DATA, ...MODEL, '--by', 'region'], 'table'],
    ['decompose --by, markdown', ['decompose', DATA, ...MODEL, '--by', 'region', '--format', 'markdown'], 'markdown'],
    ['fit table', ['fit', DATA, ...MODEL, '--show-fe', '--cluster', 'region'], 'table'],
    ['fit markdown', ['fit', DATA, ...MODEL, '--format', 'markdown'], 'markdown'],
    ['describe table', ['describe', DATA, '--outcome', OUTCOME], 'table'],
    [
      'describe by a label unit',
      ['describe', DATA, '--unit', 'region', '--period', 'year', '--outcome', OUTCOME],
      'table',
    ],
    ['describe markdown', ['describe', DATA, '--outcome', OUTCOME, '--format', 'markdown'], 'markdown'],
  ];

  it.each(runs)('%s: no raw control or format character, visible escapes instead', (_, args, kind) => {
    const run = cli(args);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    if (kind === 'markdown') expectInertMarkdown(run.stdout);
    else expectInert(run.stdout);
    // The odd names are shown, escaped, not dropped.
    expect(run.stdout).toMatch(/\\u001b/);
  });

  it('table: names shown with their controls as escapes, in place', () => {
    const out = cli(['decompose', DATA, ...MODEL]).stdout;
    expect(out).toContain('Variance of rate\\u001b]0;pwned\\u0007 explained by each group');
    expect(out).toContain('two\\nlines\\u202e');
    const by = cli(['decompose', DATA, ...MODEL, '--by', 'region']).stdout;
    for (const label of [
      'north\\u001b[2J',
      'south\\u0007\\u009b31m',
      'east\\u007f<script>x</script>',
      'west\\u202egnp.exe',
    ])
      expect(by).toContain(label);
    const fit = cli(['fit', DATA, ...MODEL, '--show-fe']).stdout;
    expect(fit).toMatch(/^ {2}two\\nlines\\u202e +-?\d/m);
    expect(fit).toMatch(/^ {2}la=LA\\u001b\[31m1 +-?\d/m);
    const described = cli(['describe', DATA, '--outcome', OUTCOME]).stdout;
    expect(described).toMatch(/^ {2}two\\nlines\\u202e +numeric +80 +0 +min /m);
    expect(described).toContain('"west\\u202egnp.exe" (20)');
  });

  it('markdown: HTML, code, links and images from names come out as text', () => {
    const out = cli(['decompose', DATA, ...MODEL, '--format', 'markdown']).stdout;
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(out).toContain('tick&#96;x&#96;\\[l\\](http://e)!\\[i\\](http://t/p.png)&amp;amp;');
  });

  it('SVG: well-formed XML (no character XML 1.0 forbids), names as text, no raw controls', () => {
    const run = cli(['decompose', DATA, ...MODEL, '--format', 'svg', '--title', `T${ESC}[2J\u0001${SCRIPT}\u0085`]);
    expect(run.status).toBe(0);
    expect(run.stdout).not.toMatch(RAW_CONTROL);
    const svg = parseXml(run.stdout);
    expect(findAll(svg, (node) => node.name === 'script')).toEqual([]);
    expect(svg.text).toContain(`T\uFFFD[2J\uFFFD${SCRIPT}\uFFFD`);
    expect(svg.text).toContain(SCRIPT);
  });

  it('HTML report: no raw controls, no script element from a name', () => {
    const run = cli(['report', DATA, ...MODEL, '--title', `T${ESC}[2J${SCRIPT}`]);
    expect(run.status).toBe(0);
    expect(run.stdout).not.toMatch(RAW_CONTROL);
    expect(run.stdout).not.toMatch(/<script/i);
  });

  it('JSON: the names come back exactly, and the text carries no raw control (C1 and DEL escaped too)', () => {
    const out = cli(['decompose', DATA, ...MODEL, '--by', 'region', '--format', 'json']).stdout;
    expectInert(out);
    const document = JSON.parse(out) as { outcome: string; splits: { level: string }[] };
    expect(document.outcome).toBe(OUTCOME);
    expect(document.splits.map((s) => s.level).sort()).toEqual([...REGIONS].sort());
    const described = cli(['describe', DATA, '--format', 'json']).stdout;
    expectInert(described);
    expect((JSON.parse(described) as { columns: { name: string }[] }).columns.map((c) => c.name)).toContain(LINES);
  });

  it('CSV keeps the data as data (R read.csv gets the names back byte for byte); only formulas are defused', () => {
    const out = cli(['decompose', DATA, ...MODEL, '--format', 'csv']).stdout;
    expect(out).toContain(`${IMG};${LINKS}`);
    expect(out).toContain(`"${LINES}"`);
    expect(renderCsv({ title: '', columns: ['a'], rows: [['=1+1'], [`x${ESC}y`]], notes: [] })).toBe(
      `a\n'=1+1\nx${ESC}y\n`,
    );
  });

  it('stderr: an error quoting names, and the reports commands print while working, are inert and one line', () => {
    const missing = cli(['decompose', DATA, '--outcome', `nope${ESC}[2J\u009b`, '--fe', 'p=la']);
    expect(missing.status).toBe(2);
    expectInert(missing.stderr);
    expect(missing.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('column "nope\\u001b[2J\\u009b" not found; the columns are: la, year, region');
    const other = join(folder, 'other.csv');
    writeFileSync(other, `la,year,z\n"LA${ESC}[31m0",2015,1\n"only${ESC}]0;x${BEL}here",2015,2\n`);
    const joined = cli(['join', DATA, other, '--on', 'la,year', '--label', 'la']);
    expect(joined.status).toBe(0);
    expect(joined.stderr).toMatch(/only\\u001b\]0;x\\u0007here/);
    expectInert(joined.stderr);
    const unknown = cli(['decompose', DATA, `--bogus${ESC}[2J`]);
    expect(unknown.status).toBe(2);
    expectInert(unknown.stderr);
  });
});

describe('printable, the one escape', () => {
  it('shows every C0 and C1 control, DEL, separator and bidi/zero-width format character as an escape', () => {
    expect(printable(`a${ESC}[2J${BEL}\u0000\u009b\u007f`)).toBe('a\\u001b[2J\\u0007\\u0000\\u009b\\u007f');
    expect(printable('t\tn\nr\r')).toBe('t\\tn\\nr\\r');
    expect(printable('\u202egnp\u200b\u2028\u2066\ufeff\u061c')).toBe('\\u202egnp\\u200b\\u2028\\u2066\\ufeff\\u061c');
    for (let code = 0; code <= 0x9f; code++) {
      const shown = printable(String.fromCharCode(code));
      if (code < 0x20 || code >= 0x7f) expect(shown).toMatch(/^\\[tnr]$|^\\u00[0-9a-f]{2}$/);
      else expect(shown).toBe(String.fromCharCode(code));
    }
  });

  it('leaves ordinary text, including other scripts, emoji and backslashes, as it is; idempotent', () => {
    for (const text of ['cpp_rate', 'Île-de-France – 東京 😀', 'a\\u001b', 'päivä']) {
      expect(printable(text)).toBe(text);
      expect(printable(printable(`${text}${ESC}`))).toBe(printable(`${text}${ESC}`));
    }
    expect(printableLines(`one${ESC}\ntwo\t`)).toBe('one\\u001b\ntwo\\t');
  });

  it('terminalText keeps only the colours the renderer added', () => {
    expect(terminalText(`\u001b[1mbold\u001b[22m ${ESC}]0;t${BEL}\n${ESC}[2J`, true)).toBe(
      '\u001b[1mbold\u001b[22m \\u001b]0;t\\u0007\n\\u001b[2J',
    );
    expect(terminalText('\u001b[1mbold\u001b[22m', false)).toBe('\\u001b[1mbold\\u001b[22m');
  });

  it('markdownText escapes HTML, code, links, bars and backslashes after printable', () => {
    expect(markdownText(`<b>&\`|\\[x](y)${ESC}`)).toBe('&lt;b&gt;&amp;&#96;\\|\\\\\\[x\\](y)\\\\u001b');
    expect(renderMarkdown({ title: SCRIPT, columns: [IMG], rows: [[LINKS]], notes: [LINES] })).not.toMatch(/[<>`]/);
  });

  it('jsonText parses back to the same value and holds no raw control', () => {
    const value = { name: `x\u0085\u009b\u007f\u202e${ESC}`, list: ['\u2028'] };
    const text = jsonText(value);
    expectInert(text);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('is what error messages and quoted cells use', () => {
    expect(messageFor(new UsageError(`column "a${ESC}[2J\nb" not found`))).toBe(
      'error: column "a\\u001b[2J\\nb" not found',
    );
    expect(quotedText(`a\u009b\u202e`)).toBe('"a\\u009b\\u202e"');
  });

  it('the decomposition table with colour on keeps its colours and escapes everything from the data', () => {
    const loaded = loadModelData({
      file: DATA,
      outcome: OUTCOME,
      groups: [
        { name: 'practice', kind: 'fixed-effect', columns: ['la'] },
        { name: 'dep', kind: 'numeric', columns: [`${SCRIPT}`] },
        { name: 'odd', kind: 'numeric', columns: [LINES] },
      ],
      missingTokens: [],
    });
    const text = renderDecompositionTable({ result: decompose(loaded.data), file: loaded.file }, { color: true });
    const withoutColours = text.replace(/\u001b\[[0-9;]*m/g, '');
    expectInert(withoutColours);
    expect(text).toMatch(/\u001b\[\d+m/); // the colours are still there
    expect(text).toContain('Variance of rate\\u001b]0;pwned\\u0007 explained');
    expect(text).toContain('two\\nlines\\u202e');
  });
});
