/**
 * How much a command says about a DfE statistics file it read: one line per file on standard error by default,
 * the full report with --verbose, nothing with --quiet; the full report always in JSON (decompose, fit, describe).
 * Every count is checked against the file counted here, with csv-parse, not with the tool's reader.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { DFE_SYMBOLS } from '../../src/io/dfe.js';
import { runMain as run } from '../cli/run.js';
import { sharedFiles } from '../sharedData.js';

// Whole DfE releases as published (every geographic level, suppression symbols), from the shared data beside the
// repository: skipped locally when absent, a failure in CI (tests/sharedData.ts).
const shared = sharedFiles('dfe_cpp_at31march_la_2013_to_2025.csv', 'dfe_csww_indicators_la_2017_to_2025.csv');
const [CPP = '', WORKFORCE = ''] = shared.paths;
const STRUCTURAL = ['time_period', 'time_identifier', 'geographic_level'];

/** Rows kept, periods and suppressed cells per column and symbol of a DfE file's "Local authority" rows. */
function countByHand(path: string) {
  const records = parse(readFileSync(path, 'utf8'), { columns: true }) as Record<string, string>[];
  const kept = records.filter((r) => r.geographic_level === 'Local authority');
  const periods = [...new Set(kept.map((r) => r.time_period!))].sort();
  const missing: Record<string, Record<string, number>> = {};
  let suppressed = 0;
  for (const record of kept) {
    for (const [column, cell] of Object.entries(record)) {
      if (STRUCTURAL.includes(column) || !Object.hasOwn(DFE_SYMBOLS, cell.trim())) continue;
      missing[column] ??= {};
      missing[column]![cell.trim()] = (missing[column]![cell.trim()] ?? 0) + 1;
      suppressed++;
    }
  }
  return { rows: kept.length, periods, missing, suppressed };
}

const thousands = (n: number) => n.toLocaleString('en-GB');
const lines = (text: string) => text.split('\n').filter((line) => line !== '');

describe.skipIf(shared.skip)(`the DfE report on standard error${shared.titleNote}`, () => {
  if (!shared.skip) shared.requirePresent();
  const cpp = shared.skip ? { rows: 0, periods: [], missing: {}, suppressed: 0 } : countByHand(CPP);
  const summary =
    `${CPP}: DfE statistics file; kept ${thousands(cpp.rows)} "Local authority" rows, ` +
    `${cpp.periods[0]} to ${cpp.periods.at(-1)} (${cpp.periods.length} periods); ` +
    `${thousands(cpp.suppressed)} suppressed cells made missing (--verbose for each column)`;

  it('the hand count is not trivial', () => {
    expect(cpp.suppressed).toBeGreaterThan(0);
    expect(cpp.periods.length).toBe(13); // 2013 to 2025
  });

  it('is one line by default: file, rows kept, periods, suppressed cells', async () => {
    const result = await run(['describe', CPP, '--format', 'json']);
    expect(result.status).toBe(0);
    expect(lines(result.stderr)).toEqual([summary]);
  });

  it('is the full report with --verbose: every column with its symbols', async () => {
    const result = await run(['describe', CPP, '--format', 'json', '--verbose']);
    const said = lines(result.stderr);
    expect(said.length).toBeGreaterThan(3);
    expect(said[0]).toMatch(new RegExp(`kept ${thousands(cpp.rows)} "Local authority" rows \\(dropped `));
    for (const [column, bySymbol] of Object.entries(cpp.missing)) {
      const counts = Object.entries(bySymbol)
        .sort(([a], [b]) => Object.keys(DFE_SYMBOLS).indexOf(a) - Object.keys(DFE_SYMBOLS).indexOf(b))
        .map(([symbol, count]) => `${symbol}=${count}`)
        .join(' ');
      expect(said).toContain(`  ${column} ${counts}`);
    }
  });

  it('is nothing with --quiet', async () => {
    const result = await run(['describe', CPP, '--quiet']);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
  });

  it('is one line per file when join reads two', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'cpv-dfe-'));
    const output = join(folder, 'joined.csv');
    const result = await run(['join', CPP, WORKFORCE, '--on', 'old_la_code,time_period', '--output', output]);
    expect(result.status, result.stderr).toBe(0);
    const dfeLines = lines(result.stderr).filter((line) => line.includes('DfE statistics file'));
    expect(dfeLines).toHaveLength(2);
    expect(dfeLines[0]).toBe(summary);
    expect(dfeLines[1]).toMatch(/dfe_csww_indicators_la_2017_to_2025\.csv: DfE statistics file; kept /);
    expect(result.stderr).not.toMatch(/per column/);
  });

  it.each([
    ['decompose', [CPP, '--fe', 'la=old_la_code', '--fe', 'year=time_period', '--outcome', 'CPP_At31']],
    ['fit', [CPP, '--fe', 'la=old_la_code', '--fe', 'year=time_period', '--outcome', 'CPP_At31']],
    ['report', [CPP, '--fe', 'la=old_la_code', '--fe', 'year=time_period', '--outcome', 'CPP_At31']],
    ['describe', [CPP]],
    ['derive', [CPP, '--derive', 'double = CPP_At31 * 2']],
    ['dedupe', [CPP, '--on', 'old_la_code,time_period']],
    ['stack', [CPP, CPP]],
  ])('%s: one line by default, the full report with --verbose, none with --quiet', async (command, args) => {
    const count = (text: string) =>
      lines(text).filter(
        (line) => line.startsWith(`${CPP}: DfE statistics file`) || line.startsWith(`${CPP}: time_period`),
      ).length;
    const plain = await run([command, ...args]);
    const verbose = await run([command, ...args, '--verbose']);
    const quiet = await run([command, ...args, '--quiet']);
    expect(plain.status, plain.stderr).toBe(0);
    expect(count(plain.stderr)).toBe(command === 'stack' ? 2 : 1);
    expect(lines(plain.stderr)).toContain(summary);
    expect(verbose.stderr).toContain(`${CPP}: blanked as missing by symbol: `);
    expect(count(quiet.stderr)).toBe(0);
    // The output is the same (report's page records the command line, which differs).
    if (command !== 'report') expect(quiet.stdout).toBe(plain.stdout);
  });

  it('refuses --quiet with --verbose', async () => {
    const result = await run(['describe', CPP, '--quiet', '--verbose']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--quiet and --verbose/);
  });
});

describe.skipIf(shared.skip)(
  `the full DfE report in JSON, whatever is said on standard error${shared.titleNote}`,
  () => {
    const cpp = shared.skip ? { rows: 0, periods: [], missing: {}, suppressed: 0 } : countByHand(CPP);

    it.each([
      ['describe', [CPP]],
      ['describe --by', [CPP, '--by', 'region_name', '--columns', 'CPP_At31']],
      ['fit', [CPP, '--fe', 'la=old_la_code', '--fe', 'year=time_period', '--outcome', 'CPP_At31']],
      ['decompose', [CPP, '--fe', 'la=old_la_code', '--fe', 'year=time_period', '--outcome', 'CPP_At31']],
      ['decompose --by', [CPP, '--fe', 'la=old_la_code', '--outcome', 'CPP_At31', '--by', 'time_period']],
    ])('%s: "missing" per column and symbol, and "dfe" with rows kept and periods', async (name, args) => {
      const command = name.split(' ')[0]!;
      const result = await run([command, ...args, '--format', 'json', '--quiet']);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stderr).toBe('');
      const json = JSON.parse(result.stdout);
      expect(json.missing).toEqual(cpp.missing);
      expect(json.dfe.missing).toEqual(cpp.missing);
      expect(json.dfe.rowsKept).toBe(cpp.rows);
      expect(json.dfe.level).toBe('Local authority');
      expect(json.dfe.timePeriod.periods).toEqual(cpp.periods);
    });

    it('a DfE file with one suppressed cell and one period says so in one line', async () => {
      const folder = mkdtempSync(join(tmpdir(), 'cpv-dfe-'));
      const path = join(folder, 'small.csv');
      writeFileSync(
        path,
        [
          'time_period,time_identifier,geographic_level,old_la_code,x,y',
          '2019,Reporting year,National,,1,2',
          ...Array.from(
            { length: 12 },
            (_, i) => `2019,Reporting year,Local authority,${800 + i},${i === 3 ? 'c' : i},${(i * 7) % 5}`,
          ),
        ].join('\n'),
      );
      const result = await run(['fit', path, '--formula', 'y ~ x', '--format', 'json']);
      expect(lines(result.stderr)).toEqual([
        `${path}: DfE statistics file; kept 12 "Local authority" rows, 2019 (1 period); ` +
          '1 suppressed cell made missing (--verbose for each column)',
      ]);
      expect(JSON.parse(result.stdout).missing).toEqual({ x: { c: 1 } });
    });
  },
);
