/**
 * Issue 6: a 1 GiB line without a line break must fail fast and without holding the file in memory.
 *
 * beforeAll writes a real 1 GiB file (a header line, then 1 GiB of `a` with no line break: no NUL bytes, so the
 * binary check does not answer first) into os.tmpdir(); afterAll deletes it. On this project's 2-core machine
 * (Node 20, 2026-11-23) writing it took 2.7 s; the CLI then failed in 0.26 s wall time (Node start-up included)
 * with a peak RSS of 61 MB (`/usr/bin/time -v`). The reader before this change took 3.6 s, peaked at 1.1 GB and
 * reported the file as "not valid UTF-8" (the 1 GiB string could not be made).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { MAX_INPUT_BYTES, MAX_RECORD_BYTES, readSource } from '../../src/io/source.js';
import { CLI } from './run.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const HEADER = 'la,year,idaci,spend,vacancy,cpp_rate\n';
const TIME = '/usr/bin/time';

let folder = '';
let big = '';

/** Write `header` then `total` bytes made of repeats of `unit`, in 64 MiB writes. */
function writeLarge(path: string, header: string, unit: string, total: number): void {
  const chunk = Buffer.alloc(64 * MiB, unit);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, header);
    for (let written = 0; written < total; written += chunk.length) {
      writeSync(fd, chunk, 0, Math.min(chunk.length, total - written));
    }
  } finally {
    closeSync(fd);
  }
}

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'cpv-huge-'));
  big = join(folder, 'big.csv');
  writeLarge(big, HEADER, 'a', GiB);
}, 120_000);

afterAll(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

describe('a 1 GiB line without a line break', () => {
  it('makes the CLI exit 2 within a couple of seconds, with small peak memory', () => {
    const timed = existsSync(TIME);
    const command = timed ? TIME : process.execPath;
    const args = timed ? ['-f', 'peak-rss-kb %M', process.execPath, CLI, 'decompose', big] : [CLI, 'decompose', big];
    const start = performance.now();
    const result = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const seconds = (performance.now() - start) / 1000;
    expect(result.status, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(
      `error: ${big} row 2: a record is longer than 1 MiB (the file may not be CSV, or lack line breaks)`,
    );
    expect(seconds).toBeLessThan(3);
    if (timed) {
      const rss = /peak-rss-kb (\d+)/.exec(result.stderr);
      expect(rss, result.stderr).not.toBeNull();
      const peakMb = Number(rss![1]) / 1024;
      expect(peakMb).toBeLessThan(200); // Node alone is ~45 MB; reading the whole file would be > 1000
    }
  });

  it('stops readSource after reading about MAX_RECORD_BYTES', () => {
    const before = process.memoryUsage();
    const start = performance.now();
    let caught: unknown;
    try {
      readSource(big);
    } catch (error) {
      caught = error;
    }
    const ms = performance.now() - start;
    expect(caught).toBeInstanceOf(DataError);
    expect((caught as DataError).location).toEqual({ file: big, row: 2 });
    expect(ms).toBeLessThan(1000);
    const after = process.memoryUsage();
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(16 * MiB);
  });
});

describe('an input larger than MAX_INPUT_BYTES', () => {
  it('is refused once that much has been read, whatever its lines', () => {
    const path = join(folder, 'too-big.csv');
    writeLarge(path, HEADER, 'A1,2012,0.1,500,10,30\n', MAX_INPUT_BYTES + MiB);
    expect(MAX_RECORD_BYTES).toBe(MiB);
    expect(() => readSource(path)).toThrow(`${path}: is larger than 256 MiB, the most cpp-variance reads`);
    rmSync(path);
  });
});
