/**
 * What `main` takes from its injected IO rather than from the process (so that `runMain` gives what the built CLI
 * gives): standard input, the terminal flags and columns, and the environment. A child process cannot test the
 * terminal cases: its standard output is always a pipe.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain, SYNTHETIC, SYNTHETIC_FILE, SYNTHETIC_MODEL } from './run.js';

const ESCAPE = /\u001b\[/;
const folder = mkdtempSync(join(tmpdir(), 'cpv-in-process-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('main() in process', () => {
  it('colours the table when standard output is a terminal, unless NO_COLOR is set or it writes --output', async () => {
    const terminal = await runMain(['decompose', ...SYNTHETIC], { stdoutIsTty: true, env: { NO_COLOR: undefined } });
    expect(terminal.status, terminal.stderr).toBe(0);
    expect(terminal.stdout).toMatch(ESCAPE);
    const noColour = await runMain(['decompose', ...SYNTHETIC], { stdoutIsTty: true, env: { NO_COLOR: '1' } });
    expect(noColour.stdout).not.toMatch(ESCAPE);
    expect(noColour.stdout).toBe(terminal.stdout.replace(/\u001b\[\d+m/g, ''));
    const out = join(folder, 'split.txt');
    const written = await runMain(['decompose', ...SYNTHETIC, '--output', out], {
      stdoutIsTty: true,
      env: { NO_COLOR: undefined },
    });
    expect(written.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(noColour.stdout);
  });

  it('leaves a pipe plain even with FORCE_COLOR and no NO_COLOR: colour follows the stream', async () => {
    const piped = await runMain(['decompose', ...SYNTHETIC], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(piped.status, piped.stderr).toBe(0);
    expect(piped.stdout).toMatch(/practice/);
    expect(piped.stdout).not.toMatch(ESCAPE);
  });

  it("wraps help at 80 columns for a pipe, and at the terminal's own width for a terminal", async () => {
    const optionLines = (text: string) => {
      const lines = text.split('\n');
      const start = lines.indexOf('Options:');
      return lines.slice(start + 1, lines.indexOf('', start));
    };
    const pipe = await runMain(['decompose', '--help'], { columns: 200 }); // columns of no terminal: ignored
    expect(pipe.status).toBe(0);
    expect(optionLines(pipe.stdout).length).toBeGreaterThan(10);
    for (const line of optionLines(pipe.stdout)) expect(line.length).toBeLessThanOrEqual(80);
    const wide = await runMain(['decompose', '--help'], { stdoutIsTty: true, columns: 200 });
    expect(optionLines(wide.stdout).some((line) => line.length > 80)).toBe(true);
  });

  it('reads "-" from the standard input it is given, each concurrent run its own', async () => {
    const panel = readFileSync(SYNTHETIC_FILE, 'utf8');
    const lines = panel.trimEnd().split('\n');
    const half = `${lines.slice(0, 457).join('\n')}\n`; // the header and the first 456 rows: 76 authorities
    const [whole, first] = await Promise.all([
      runMain(['decompose', '-', ...SYNTHETIC_MODEL, '--format', 'json'], { stdin: panel }),
      runMain(['decompose', '-', ...SYNTHETIC_MODEL, '--format', 'json'], { stdin: half }),
    ]);
    expect(whole.status, whole.stderr).toBe(0);
    expect(first.status, first.stderr).toBe(0);
    expect(JSON.parse(whole!.stdout)).toMatchObject({ file: '<stdin>', n: 912 });
    expect(JSON.parse(first!.stdout)).toMatchObject({ file: '<stdin>', n: 456 });
  });

  it('reads an empty standard input when none is given, as a child process without input does', async () => {
    const result = await runMain(['decompose', '-', ...SYNTHETIC_MODEL]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('error: <stdin>: the file is empty\n');
  });
});

describe('cpp-variance with no command', () => {
  it('prints the overview of the commands on standard output and exits 0', async () => {
    const result = await runMain([]);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Usage: cpp-variance \[options\] \[command\]/);
    for (const command of ['decompose', 'fit', 'report', 'describe', 'join', 'stack', 'derive', 'dedupe', 'simulate']) {
      expect(result.stdout).toContain(`  ${command} `);
    }
  });

  it('report --help describes its own --seed (report has no Monte Carlo sampling)', async () => {
    // Help is wrapped to the width of the output: compare with single spaces.
    const help = (await runMain(['report', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('seed of the bootstrap and the permutations (pure-rand xoroshiro128+; default 1)');
    expect(help).not.toMatch(/--samples|Monte Carlo/);
    expect(help).toContain('--format <format> output format: html (default html)');
  });
});
