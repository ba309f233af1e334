import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../../src/io/csv.js';
import { readPanel } from '../../../src/io/panel.js';
import { buildModelData, columnRequests, REPEATED_KEYS_LISTED } from '../../../src/models/design/modelData.js';
import type { ModelSpec } from '../../../src/models/spec/spec.js';
import { runMain } from '../../cli/run.js';

// decompose and fit warn when a key of the first two fixed effects (unit × period) is on more than one used row:
// the model is still valid pooled OLS, so they warn (a note in the output, a line on stderr) and do not refuse.

const folder = mkdtempSync(join(tmpdir(), 'cpv-repeated-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Run the CLI in this process (the shared harness), capturing what it writes. */
const run = (args: readonly string[]) => runMain(args);

/**
 * A panel of 6 authorities × 2016–2019 (rows 2–25 of the file) with rows appended: `extra` gives each appended
 * row's authority, year and whether its outcome is missing.
 */
function panelText(extra: readonly [string, number, boolean][]): string {
  const lines = ['la,year,x,y'];
  let i = 0;
  for (const la of ['A', 'B', 'C', 'D', 'E', 'F'])
    for (const year of [2016, 2017, 2018, 2019]) {
      i++;
      lines.push(`${la},${year},${(i * 37) % 11},${(i * 53) % 17}`);
    }
  for (const [la, year, missing] of extra) {
    i++;
    lines.push(`${la},${year},${(i * 37) % 11},${missing ? '' : (i * 53) % 17}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The repeated keys of a CSV text, counted here from the text: key → spreadsheet rows (rows with y present). */
function repeatedByHand(text: string): Map<string, number[]> {
  const rows = new Map<string, number[]>();
  text
    .trimEnd()
    .split('\n')
    .slice(1)
    .forEach((line, i) => {
      const [la, year, , y] = line.split(',');
      if (y === '') return;
      const key = `${la}|${year}`;
      rows.set(key, [...(rows.get(key) ?? []), i + 2]);
    });
  return new Map([...rows].filter(([, list]) => list.length > 1));
}

const SPEC: ModelSpec = {
  outcome: 'y',
  groups: [
    { name: 'x', kind: 'numeric', columns: ['x'] },
    { name: 'unit', kind: 'fixed-effect', columns: ['la'] },
    { name: 'period', kind: 'fixed-effect', columns: ['year'] },
  ],
};

function modelOf(text: string, spec: ModelSpec = SPEC) {
  const table = parseCsv({ name: 'p.csv', bytes: Buffer.from(text) });
  return buildModelData(readPanel(table, columnRequests(spec)), spec);
}

describe('repeated unit × period keys in the model data', () => {
  it('none in a panel with one row per key', () => {
    expect(modelOf(panelText([])).repeatedKeys).toBeUndefined();
  });

  it('lists each repeated key with its rows, as counted from the text, in the order of their first rows', () => {
    // Rows 26–29: B 2017 again (first at row 7), A 2016 twice more (row 2), F 2019 with no outcome (not used).
    const text = panelText([
      ['B', 2017, false],
      ['A', 2016, false],
      ['A', 2016, false],
      ['F', 2019, true],
    ]);
    const repeated = modelOf(text).repeatedKeys!;
    const byHand = repeatedByHand(text);
    expect([...byHand.keys()]).toEqual(['A|2016', 'B|2017']);
    expect(repeated.columns).toEqual(['la', 'year']);
    expect(repeated.keys).toBe(2);
    expect(repeated.extraRows).toBe(3);
    expect(repeated.listed).toEqual([
      { key: ['A', '2016'], rows: byHand.get('A|2016') },
      { key: ['B', '2017'], rows: byHand.get('B|2017') },
    ]);
    expect(repeated.listed[0]!.rows).toEqual([2, 27, 28]);
  });

  it('counts every repeated key but lists the first few', () => {
    const extra: [string, number, boolean][] = ['A', 'B', 'C', 'D', 'E'].map((la) => [la, 2018, false]);
    const repeated = modelOf(panelText(extra)).repeatedKeys!;
    expect(repeated.keys).toBe(5);
    expect(repeated.extraRows).toBe(5);
    expect(repeated.listed).toHaveLength(REPEATED_KEYS_LISTED);
    expect(repeated.listed.map((d) => d.rows)).toEqual([
      [4, 26],
      [8, 27],
      [12, 28],
    ]);
  });

  it('needs two fixed effects: with one, rows of a unit are not repeated keys', () => {
    const spec: ModelSpec = { ...SPEC, groups: SPEC.groups.slice(0, 2) };
    expect(modelOf(panelText([['A', 2016, false]]), spec).repeatedKeys).toBeUndefined();
  });
});

describe('decompose and fit warn, and still fit', () => {
  const text = panelText([
    ['B', 2017, false],
    ['A', 2016, false],
  ]);
  const path = join(folder, 'repeated.csv');
  writeFileSync(path, text);
  const expected =
    '2 la × year keys are on more than one used row (2 extra rows): la=A, year=2016 on rows 2, 27; ' +
    'la=B, year=2017 on rows 7, 26. Each row is used as a separate observation (pooled OLS); to keep one row per ' +
    'key, use cpp-variance dedupe FILE --on la,year --keep first|last|none';

  it.each([['decompose'], ['fit']])('%s: a note in the output and a warning on stderr, exit 0', async (command) => {
    const table = await run([command, path, '--formula', 'y ~ x | la + year']);
    expect(table.status).toBe(0);
    expect(table.stdout).toContain(`note: ${expected}\n`);
    expect(table.stderr).toBe(`warning: ${path}: ${expected}\n`);
    const json = JSON.parse((await run([command, path, '--formula', 'y ~ x | la + year', '--format', 'json'])).stdout);
    expect(json.notes).toContain(expected);
    expect(json.n).toBe(26);
  });

  it('row numbers are those of the file after --where left rows out', async () => {
    const result = await run([
      'decompose',
      path,
      '--formula',
      'y ~ x | la + year',
      '--where',
      'la != "C"',
      '--format',
      'json',
    ]);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).notes.join('\n')).toContain(
      'la=A, year=2016 on rows 2, 27; la=B, year=2017 on rows 7, 26.',
    );
  });

  it('no warning for the England panel (one row per authority and year)', async () => {
    const result = await run(['decompose', '--format', 'json']);
    expect(result.status).toBe(0);
    expect(result.stderr).not.toMatch(/warning/);
    expect(JSON.parse(result.stdout).notes.join('\n')).not.toMatch(/more than one used row/);
  });
});
