/**
 * scripts/mutation-summary.mjs on a report made here: the score (detected / (detected + survived + not covered)),
 * mutants marked equivalent in the code and those listed in docs/mutation-equivalents.md left out of it, and a
 * listed entry that matches no surviving mutant reported as stale. Run as the script is, from a folder of its own.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../scripts/mutation-summary.mjs', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'cpv-mutation-summary-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const mutant = (line: number, column: number, status: string, replacement: string, statusReason?: string) => ({
  mutatorName: 'EqualityOperator',
  replacement,
  status,
  ...(statusReason ? { statusReason } : {}),
  location: { start: { line, column }, end: { line, column: column + 5 } },
});

/** Six mutants of one file: 2 killed, 1 timed out, 1 marked, 1 survived and listed, 1 survived and not listed. */
const REPORT = {
  files: {
    'src/a.ts': {
      source: 'if (a < b) x();\nif (c < d) y();\nif (e < f) z();\n',
      mutants: [
        mutant(1, 5, 'Killed', 'a <= b'),
        mutant(1, 5, 'Killed', 'a >= b'),
        mutant(2, 5, 'Timeout', 'c >= d'),
        mutant(2, 5, 'Ignored', 'c <= d', 'c is never d'),
        mutant(3, 5, 'Survived', 'e <= f'),
        mutant(3, 5, 'Survived', 'e >= f'),
      ],
    },
  },
};

function summary(listed: string, report: object = REPORT): string {
  mkdirSync(join(folder, 'docs'), { recursive: true });
  writeFileSync(join(folder, 'report.json'), JSON.stringify(report));
  writeFileSync(join(folder, 'docs', 'mutation-equivalents.md'), listed);
  const run = spawnSync(process.execPath, [SCRIPT, 'report.json'], { cwd: folder, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return run.stdout;
}

describe('mutation-summary.mjs', () => {
  it('scores detected over detected and undetected, leaving out marked mutants', () => {
    const out = summary('# none listed\n');
    // 3 detected (2 killed, 1 timed out), 2 survived, 1 marked: 3 / 5 = 60.0%.
    expect(out).toContain('| src/a.ts | 60.0% | 3 | 2 | 1 | 0 |');
    expect(out).toContain('Surviving mutants (2):');
  });

  it('counts a surviving mutant listed with its place, mutator and replacement as equivalent, with the reason', () => {
    const out = summary('- src/a.ts:3:5-3:10 EqualityOperator `e <= f`: f is never e here\n');
    // 3 detected, 1 survived, 2 equivalent: 3 / 4 = 75.0%.
    expect(out).toContain('| src/a.ts | 75.0% | 3 | 1 | 2 | 0 |');
    expect(out).toContain('f is never e here (listed in docs/mutation-equivalents.md)');
    expect(out).toContain('Surviving mutants (1):');
    expect(out).not.toContain('match no surviving mutant');
  });

  it('reports an entry naming no surviving mutant (moved code, a killed one) as stale, and scores without it', () => {
    const out = summary(
      '- src/a.ts:3:6-3:10 EqualityOperator `e <= f`: a column off\n' +
        '- src/a.ts:1:5-1:10 EqualityOperator `a <= b`: killed\n',
    );
    expect(out).toContain('| src/a.ts | 60.0% | 3 | 2 | 1 | 0 |');
    expect(out).toContain('Entries of docs/mutation-equivalents.md that match no surviving mutant (2):');
    expect(out).toContain('- src/a.ts:3:6-3:10 EqualityOperator e <= f');
    expect(out).toContain('- src/a.ts:1:5-1:10 EqualityOperator a <= b');
  });

  it('names each marker that hides more than one mutant, but not one that hides one, nor an `all` marker', () => {
    const marker = (what: string) => `// Stryker disable next-line ${what}: a reason\n`;
    // The marker on line 1 hides two mutants: named. That on line 3 hides one (the other: a listed survivor). That
    // on line 5 says `all`: code no test reaches, every mutant for that reason.
    const source = [
      marker('EqualityOperator'),
      'if (a < b) x();\n',
      marker('EqualityOperator'),
      'if (c < d) y();\n',
      marker('all'),
      'if (e < f) z();\n',
    ].join('');
    const ignored = (line: number, replacement: string) => mutant(line, 5, 'Ignored', replacement, 'a reason');
    const report = {
      files: {
        'src/b.ts': {
          source,
          mutants: [
            ignored(2, 'a <= b'),
            ignored(2, 'a >= b'),
            ignored(4, 'c <= d'),
            mutant(4, 5, 'Survived', 'c >= d'),
            ignored(6, 'e <= f'),
            ignored(6, 'e >= f'),
          ],
        },
      },
    };
    const out = summary('- src/b.ts:4:5-4:10 EqualityOperator `c >= d`: d is never c\n', report);
    expect(out).toContain('Markers that hide more than one mutant: list each equivalent one instead (1):');
    expect(out).toContain('- src/b.ts:1 (2 mutants)');
    expect(out).not.toContain('src/b.ts:3 (');
    expect(out).not.toContain('src/b.ts:5 (');
    expect(summary('# none listed\n')).not.toContain('Markers that hide');
  });
});
