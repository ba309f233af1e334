/**
 * End to end: the built executable as package.json's "bin" names it, run as a child process. The rest of the
 * CLI's tests call `main` in process (`runMain`); these check the wiring of src/cli.ts to the process.
 */
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI, runCli } from './run.js';

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string; bin: Record<string, string> };

describe('the cpp-variance executable', () => {
  it('is the built CLI, a node script by its shebang', () => {
    expect(manifest.bin).toEqual({ 'cpp-variance': CLI });
    expect(readFileSync(CLI, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    // Executable by everyone, as a fresh clone's `npm ci && npx cpp-variance` runs it.
    expect(statSync(CLI).mode & 0o111).toBe(0o111);
  });

  it('prints its version on standard output and exits 0', () => {
    const result = runCli(['--version']);
    expect(result).toEqual({ status: 0, stdout: `${manifest.version}\n`, stderr: '' });
  });

  it('exits 2 on a usage error, with the message on standard error only', () => {
    const result = runCli(['decompose', '--bogus']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe("error: unknown option '--bogus'\n");
  });
});
