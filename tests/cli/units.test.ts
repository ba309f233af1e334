/**
 * The answer does not depend on the units: the synthetic NAO panel with one column rewritten in units of 1e170
 * or 1e-170, or with one cell of 1e300, against R's lm() on the same bytes (scripts/reference/
 * make-units-reference.R → tests/reference/units-reference.json); the outcome in units of 1e±170 (where lm()
 * itself reports NaN) prints finite numbers, equal to R's on the original file after the change of units.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, SYNTHETIC_FILE } from './run.js';

interface ModelReference {
  readonly r2Direct: number | null;
  readonly r2: number;
  readonly coefficients: Record<string, number>;
  readonly stdErrors: Record<string, number>;
}
interface Variant {
  readonly name: string;
  readonly column: string;
  readonly rewrite: 'suffix' | 'cell';
  readonly suffix?: string;
  readonly row: number | null;
  readonly value?: string;
  readonly divisor: number;
  readonly md5: string;
  readonly fixedEffects: ModelReference;
  readonly numeric: ModelReference;
}
const reference = JSON.parse(readFileSync('tests/reference/units-reference.json', 'utf8')) as {
  variants: Variant[];
};

/** The variant's bytes, rewritten from the fixture's text exactly as the R script does. */
function rewrite(variant: Variant): string {
  const lines = readFileSync(SYNTHETIC_FILE, 'utf8').replace(/\n$/, '').split('\n');
  const column = lines[0]!.split(',').indexOf(variant.column);
  const rows = variant.rewrite === 'suffix' ? lines.map((_, i) => i).slice(1) : [variant.row!];
  for (const i of rows) {
    const cells = lines[i]!.split(',');
    cells[column] = variant.rewrite === 'suffix' ? `${cells[column]}${variant.suffix}` : variant.value!;
    lines[i] = cells.join(',');
  }
  return `${lines.join('\n')}\n`;
}

const FIXED_EFFECTS = [
  '--fe',
  'practice=la',
  '--group',
  'deprivation=idaci',
  '--fe',
  'policy=year',
  '--group',
  'resources=spend,vacancy',
];
const NUMERIC = ['--group', 'deprivation=idaci', '--group', 'resources=spend,vacancy'];
const MODELS = [
  ['fixedEffects', FIXED_EFFECTS, 'rows with fixed effects'],
  ['numeric', NUMERIC, 'streamed'],
] as const;

let folder = '';
const files = new Map<string, string>();
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'cpv-units-'));
  for (const variant of reference.variants) {
    const path = join(folder, `${variant.name}.csv`);
    const text = rewrite(variant);
    writeFileSync(path, text);
    files.set(variant.name, path);
  }
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function json(args: readonly string[]): Record<string, unknown> {
  const result = runCli([...args, '--format', 'json']);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

/** |a − b| ≤ tolerance·|b|. */
function expectRelative(actual: unknown, expected: number, tolerance: number, what: string): void {
  expect(typeof actual, what).toBe('number');
  expect(Math.abs((actual as number) - expected) / Math.abs(expected), what).toBeLessThanOrEqual(tolerance);
}

describe.each(reference.variants)('$name: R² and coefficients as R computes them', (variant) => {
  it('reads the same bytes as R did', () => {
    const bytes = readFileSync(files.get(variant.name)!);
    expect(createHash('md5').update(bytes).digest('hex')).toBe(variant.md5);
  });

  it.each(MODELS)('decompose, %s model (%s path): R² of lm()', (key, model) => {
    const expected = variant[key];
    const result = json(['decompose', files.get(variant.name)!, ...model]);
    expectRelative(result.r2, expected.r2, 1e-12, 'r2');
    // Where lm() fits the rewritten file directly (a predictor in other units), its own R² too.
    if (expected.r2Direct !== null) expectRelative(result.r2, expected.r2Direct, 1e-12, 'r2 (lm direct)');
    // Nothing is declared aliased: no column is a combination of the others in any units.
    expect(result.notes).toEqual([]);
  });

  it.each(MODELS)('fit, %s model: coefficients and standard errors of lm() in the units of the file', (key, model) => {
    const expected = variant[key];
    const result = json(['fit', files.get(variant.name)!, ...model]);
    expectRelative(result.r2, expected.r2, 1e-12, 'r2');
    const rows = result.coefficients as { term: string; estimate: number; stdError: number; aliased: boolean }[];
    for (const term of ['idaci', 'spend', 'vacancy']) {
      const row = rows.find((r) => r.term === term)!;
      expect(row.aliased).toBe(false);
      expectRelative(row.estimate, expected.coefficients[term]!, 1e-9, `${term} estimate`);
      expectRelative(row.stdError, expected.stdErrors[term]!, 1e-9, `${term} standard error`);
    }
  });
});

describe('an outcome in units of 1e±170 prints finite numbers', () => {
  it.each(['outcome-e170', 'outcome-e-170'])('%s: the table shows the split of the original file, exit 0', (name) => {
    const original = runCli(['decompose', SYNTHETIC_FILE, ...FIXED_EFFECTS, '--quiet']);
    const result = runCli(['decompose', files.get(name)!, ...FIXED_EFFECTS, '--quiet']);
    expect(result.status).toBe(0);
    expect(result.stdout).not.toMatch(/NaN|undefined|null|Infinity/);
    // Before: every share printed as "NaN%  undefined". Now the same table as for the original units.
    // (Up to the data line and the bundled file's note, which name the file.)
    expect(result.stdout.split('\ndata: ')[0]).toBe(original.stdout.split('\ndata: ')[0]);
    expect(result.stdout).toMatch(/R² = 0\.7500/);
  });

  it('fit prints a finite residual standard error in the outcome units', () => {
    const original = json(['fit', SYNTHETIC_FILE, ...FIXED_EFFECTS]);
    const scaled = json(['fit', files.get('outcome-e170')!, ...FIXED_EFFECTS]);
    expectRelative(scaled.sigma, (original.sigma as number) * 1e170, 1e-12, 'sigma');
    const text = runCli(['fit', files.get('outcome-e170')!, ...FIXED_EFFECTS]);
    expect(text.status).toBe(0);
    expect(text.stdout).not.toMatch(/NaN|undefined|null|Infinity/);
  });
});

describe('a result that cannot be a double is refused, naming the column', () => {
  it('the coefficient of spend in units of 1e-300 on an outcome in units of 1e300 (about 1e598)', () => {
    const lines = readFileSync(SYNTHETIC_FILE, 'utf8').replace(/\n$/, '').split('\n');
    const header = lines[0]!.split(',');
    const spend = header.indexOf('spend');
    const outcome = header.indexOf('cpp_rate');
    const text = lines
      .map((line, i) => {
        if (i === 0) return line;
        const cells = line.split(',');
        cells[spend] = `${cells[spend]}e-300`;
        cells[outcome] = `${cells[outcome]}e300`;
        return cells.join(',');
      })
      .join('\n');
    const path = join(folder, 'extreme.csv');
    writeFileSync(path, `${text}\n`);
    const fit = runCli(['fit', path, ...FIXED_EFFECTS]);
    expect(fit.status).toBe(2);
    expect(fit.stdout).toBe('');
    // R's coefficient is 0.018 on the original file: 0.018 · 1e300 / 1e-300 ≈ 1.8e598.
    expect(fit.stderr).toMatch(
      /^error: the coefficient of "spend" is about 1e598, beyond the range of double-precision numbers/,
    );
    expect(fit.stderr.trim().split('\n')).toHaveLength(1);
    // The decomposition needs no such number: it is that of the original file.
    const decomposition = json(['decompose', path, ...FIXED_EFFECTS]);
    expectRelative(decomposition.r2, reference.variants[0]!.fixedEffects.r2, 1e-12, 'r2');
  });
});
