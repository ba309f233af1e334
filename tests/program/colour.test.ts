/**
 * Colour (ANSI escapes) only on a terminal, and never with NO_COLOR set. The CLI tests' `runCli` always sets
 * NO_COLOR=1, so it never reaches the terminal check; here the CLI runs with NO_COLOR and FORCE_COLOR removed from
 * its environment (spawned directly for that reason), and `main` runs in-process with a fake terminal.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliIo, main } from '../../src/program.js';
import { CLI } from '../cli/run.js';

const ESC = '\u001b';
const ARGS = [
  'decompose',
  'fixtures/reference-panel.csv',
  '--outcome',
  'y',
  '--fe',
  'unit=region_code',
  '--group',
  'a=x1,x2',
  '--group',
  'b=x3',
];

const folder = mkdtempSync(join(tmpdir(), 'cpv-colour-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Run `main` in-process with standard output a (fake) terminal or not, and the given environment. */
async function inProcess(
  argv: readonly string[],
  options: { tty: boolean; env: Record<string, string> },
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    stdoutIsTty: options.tty,
    stdoutColumns: 100,
    stderrIsTty: false,
    stderrStream: process.stderr,
    stdin: () => [],
    env: options.env,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

describe('colour', () => {
  it('the built CLI prints no escape codes when standard output is a pipe, even without NO_COLOR', () => {
    const env = { ...process.env };
    delete env.NO_COLOR;
    delete env.FORCE_COLOR;
    const result = spawnSync(process.execPath, [CLI, ...ARGS], { encoding: 'utf8', env });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ {2}unit .*\d+\.\d%/m); // the table was printed
    expect(result.stdout).not.toContain(ESC);
  });

  it('main colours the table on a terminal with NO_COLOR unset', async () => {
    const result = await inProcess(ARGS, { tty: true, env: {} });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${ESC}[1m`); // the bold title
  });

  it('main prints no colour on a terminal when NO_COLOR is set', async () => {
    const result = await inProcess(ARGS, { tty: true, env: { NO_COLOR: '1' } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ {2}unit .*\d+\.\d%/m);
    expect(result.stdout).not.toContain(ESC);
  });

  it('main prints no colour when standard output is not a terminal, NO_COLOR unset', async () => {
    const result = await inProcess(ARGS, { tty: false, env: {} });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ {2}unit .*\d+\.\d%/m);
    expect(result.stdout).not.toContain(ESC);
  });

  it('main writes no colour into an --output file, even on a terminal', async () => {
    const path = join(folder, 'out.txt');
    const result = await inProcess([...ARGS, '--output', path], { tty: true, env: {} });
    expect(result.code, result.stderr).toBe(0);
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(/^ {2}unit .*\d+\.\d%/m);
    expect(text).not.toContain(ESC);
  });
});
