import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Every command in the README, and every example in the commands' --help texts, run as a user would type them in a
 * fresh clone (scripts/readme-examples.mjs): each must exit as the README says, and each `$` block must show what
 * the command prints (`node scripts/readme-examples.mjs --write` rewrites those outputs).
 */
const checker = (args: readonly string[]) =>
  spawnSync(process.execPath, ['scripts/readme-examples.mjs', ...args], { encoding: 'utf8' });

describe('README examples', () => {
  it('run, and print what the README shows', () => {
    const result = checker([]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const summary = new RegExp(
      String.raw`^(\d+) README examples \((\d+) compared with their output\) and (\d+) --help examples: ` +
        String.raw`(\d+) run, (\d+) skipped, 0 failed$`,
      'm',
    ).exec(result.stdout);
    expect(summary, result.stdout).not.toBeNull();
    const [examples, compared, help, , skipped] = summary!.slice(1).map(Number);
    expect(compared).toBeGreaterThanOrEqual(20);
    expect(examples! - compared!).toBeGreaterThanOrEqual(20); // commands of ```sh blocks
    expect(help).toBeGreaterThanOrEqual(12); // four examples in each of decompose, fit and report --help
    // Only what cannot run in a test is skipped: installing, the test suite itself, the benchmark, packing.
    const skippedLines = result.stdout.split('\n').filter((line) => line.startsWith('skipped: '));
    expect(skippedLines).toHaveLength(skipped!);
    for (const line of skippedLines)
      expect(line).toMatch(/: (npm ci|npm test|npm run bench|npm pack|npm install -g)\b/);
  }, 300_000);

  describe('a README with broken examples', () => {
    const folder = mkdtempSync(join(tmpdir(), 'cpp-variance-broken-readme-'));
    afterAll(() => rmSync(folder, { recursive: true, force: true }));
    const readme = join(folder, 'README.md');
    writeFileSync(
      readme,
      [
        '# A README with broken examples', // 1
        '', // 2
        '```sh', // 3
        'npm ci && npx cpp-variance --version', // 4: npm ci skipped, the rest run
        '```', // 5
        '', // 6
        '```', // 7
        '$ npx cpp-variance --version', // 8: the wrong version shown
        '9.9.9', // 9
        '```', // 10
        '', // 11
        '```sh', // 12
        'npx cpp-variance decompose fixtures/nao-2019-synthetic.csv --spec fixtures/nao-2019-analysis.json \\', // 13
        '  --quiet --output split.txt', // 14: writes a file, exit 0
        'head -1 split.txt', // 15: reads the file an earlier example wrote
        'npx cpp-variance decompose data.csv', // 16: a file nobody ships: exit 2
        'npx cpp-variance decompose --expect practice=44 > /dev/null   # exits 3', // 17: a deliberate miss
        'npx cpp-variance decompose > /dev/null   # exits 3', // 18: said to fail, but passes
        '```', // 19
        '', // 20
      ].join('\n'),
    );
    let result: ReturnType<typeof checker>;
    beforeAll(() => {
      result = checker(['--no-help-examples', readme]);
    }, 120_000);

    it('fail the check, each reported with its README line', () => {
      expect(result.status).toBe(1);
      expect(result.stdout).toMatch(
        /^7 README examples \(1 compared with their output\) and 0 --help examples: 7 run, 1 skipped, 3 failed$/m,
      );
      const failures = result.stderr.split(/\n(?=README line )/);
      expect(failures).toHaveLength(3);
      expect(failures[0]).toMatch(
        /^README line 8: npx cpp-variance --version\n--- shown\n9\.9\.9\n--- actual\n\d+\.\d+\.\d+/,
      );
      expect(failures[1]).toMatch(
        /^README line 16: npx cpp-variance decompose data\.csv\nexited 2, expected 0\n.*data\.csv/,
      );
      expect(failures[2]).toMatch(
        /^README line 18: npx cpp-variance decompose > \/dev\/null {3}# exits 3\nexited 0, expected 3/,
      );
    });

    it('name the command they skip and why', () => {
      expect(result.stdout).toContain('skipped: README line 4: npm ci (');
    });

    it('leave the README as it was unless --write is given', () => {
      expect(readFileSync(readme, 'utf8')).toContain('9.9.9');
    });
  });
});
