import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// How the England panel is made, checked from outside the tool: scripts/trim-real-extracts.sh cuts the public files
// to fixtures/real/ and scripts/build-england-panel.sh joins those, both with cpp-variance's own commands only.
// The values are checked here against the extracts read by a splitter written in this file.

const REAL = 'fixtures/real';
const PANEL = 'fixtures/england-la-panel.csv';
/** The copies of the public files, relative to the repository root (see fixtures/real/SOURCES.md). */
const SOURCES = '../shared/data/real';

/** The fields of one CSV line (these files have no line breaks inside fields), quotes removed. */
function fields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        value += line.slice(i, quote);
        i = quote + 1;
        if (line[i] === '"') {
          value += '"';
          i++;
        } else break;
      }
      out.push(value);
    } else {
      const comma = line.indexOf(',', i);
      out.push(line.slice(i, comma < 0 ? line.length : comma));
      i = comma < 0 ? line.length : comma;
    }
    if (i >= line.length) return out;
    i++; // the comma
  }
}

/** A CSV file as objects by header name. */
function rows(path: string): Record<string, string>[] {
  const [head, ...body] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const header = fields(head!);
  return body.map((line) => Object.fromEntries(fields(line).map((cell, c) => [header[c]!, cell])));
}

const panel = rows(PANEL);
const at = (la: string, year: number) => panel.find((r) => r.la === la && r.year === String(year));

describe('the scripts use the tool only, and no path of one machine', () => {
  it.each([['scripts/trim-real-extracts.sh'], ['scripts/build-england-panel.sh']])('%s', (script) => {
    const text = readFileSync(script, 'utf8');
    const code = text
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('#'))
      .join('\n');
    expect(code).not.toMatch(/python|awk|sed |perl|Rscript/);
    expect(code).not.toMatch(/\/work\/|\/home\//);
    // Every data step is a cpp-variance command.
    expect(code.match(/^\s*cpp_variance (derive|stack|join|dedupe) /gm)!.length).toBeGreaterThanOrEqual(6);
  });
});

describe('the panel as the build script makes it', () => {
  it('has no row for the City of London (201) or the Isles of Scilly (420), and one row per authority and year', () => {
    expect(panel).toHaveLength(1040);
    expect(panel.filter((r) => r.la === '201' || r.la === '420')).toHaveLength(0);
    expect(new Set(panel.map((r) => `${r.la}|${r.year}`)).size).toBe(panel.length);
  });

  it('every cpp_rate is CPP_At31 / population aged 0-17 of the mid-year before × 10,000, from the extracts', () => {
    const cpp = new Map(
      rows(`${REAL}/dfe_cpp_at31march_la_2016_to_2022.csv`).map((r) => [`${r.old_la_code}|${r.time_period}`, r]),
    );
    const pop = new Map(
      rows(`${REAL}/ons_population_0_17_la_2015_to_2021.csv`).map((r) => [`${r.old_la_code}|${r.time_period}`, r]),
    );
    let rates = 0;
    for (const row of panel) {
      const count = cpp.get(`${row.la}|${row.year}`)!.CPP_At31!;
      const children = pop.get(`${row.la}|${Number(row.year) - 1}`)!.population_estimate!;
      if (count === '' || children === '') {
        expect(row.cpp_rate).toBe('');
        continue;
      }
      expect(Number(row.cpp_rate)).toBe((Number(count) / Number(children)) * 10000);
      rates++;
    }
    expect(rates).toBe(1032);
  });

  it(
    'Kingston upon Thames and Richmond upon Thames: the joint vacancy rate of 30 September year − 1 for ' +
      'each, 2018–2022',
    () => {
      const workforce = rows(`${REAL}/dfe_csww_indicators_la_2017_to_2021.csv`);
      for (let year = 2018; year <= 2022; year++) {
        const joint = workforce.find((r) => r.old_la_code === '314 / 318' && r.time_period === String(year - 1))!;
        expect(joint.la_name).toBe('Kingston upon Thames / Richmond upon Thames');
        for (const la of ['314', '318']) {
          const row = at(la, year)!;
          expect(row.vacancy, `${la} ${year}`).toBe(joint.vacancy_rate_fte);
          expect(row['la_name.workforce']).toBe(la === '314' ? 'Kingston upon Thames' : 'Richmond upon Thames');
          expect(row.cpp_rate).not.toBe('');
        }
      }
      // 2016 and 2017 come from the SFR files, which list them separately.
      expect(at('314', 2016)!.vacancy).not.toBe(at('318', 2016)!.vacancy);
    },
  );

  it('Northamptonshire: 928 in 2016–2021 only; its successors 940 and 941 are not in the panel', () => {
    expect(panel.filter((r) => r.la === '928').map((r) => r.year)).toEqual([
      '2016',
      '2017',
      '2018',
      '2019',
      '2020',
      '2021',
    ]);
    expect(panel.filter((r) => r.la === '940' || r.la === '941')).toHaveLength(0);
  });
});

describe.skipIf(!existsSync(SOURCES))('the extracts are cut from the public files by the tool', () => {
  const folder = mkdtempSync(join(tmpdir(), 'cpv-trim-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('the source copies are those fixtures/real/SOURCES.md lists', () => {
    const listed = new Map(
      [...readFileSync(`${REAL}/SOURCES.md`, 'utf8').matchAll(/^([0-9a-f]{64}) {2}(\S+)$/gm)].map((m) => [
        m[2]!,
        m[1]!,
      ]),
    );
    expect(listed.size).toBe(7);
    for (const [name, sha] of listed)
      expect(
        createHash('sha256')
          .update(readFileSync(join(SOURCES, name)))
          .digest('hex'),
        name,
      ).toBe(sha);
  });

  it('scripts/trim-real-extracts.sh gives fixtures/real/ byte for byte', () => {
    const result = spawnSync('bash', ['scripts/trim-real-extracts.sh', SOURCES, folder], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(result.stderr).not.toMatch(/^error:/m);
    expect(result.status).toBe(0);
    const made = readdirSync(folder).sort();
    expect(made).toEqual(
      readdirSync(REAL)
        .filter((name) => name.endsWith('.csv'))
        .sort(),
    );
    for (const name of made)
      expect(readFileSync(join(folder, name)).equals(readFileSync(join(REAL, name))), name).toBe(true);
    expect(result.stderr).toMatch(
      new RegExp(
        'ipse_la_panel_2010_2022\\.csv: 2 duplicated keys \\(old_la_code, time_period\\); ' +
          'kept 1055 of 1059 rows \\(4 removed, --keep none\\)',
      ),
    );
    expect(result.stderr).toMatch(
      /dfe_csww_la_2016_SFR08_2017_UD\.csv: 2 header cells have no name; named unnamed_161, unnamed_162/,
    );
  });
});
