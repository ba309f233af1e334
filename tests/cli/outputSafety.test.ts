/**
 * `--output` never destroys data, and writing fails cleanly: the built CLI run as a child process, with faults
 * injected (a full device, a reader that goes away, a folder as target, a folder that cannot be written).
 * Every refusal leaves the target byte for byte as it was, and no temporary file behind.
 */
import { spawn, spawnSync, type StdioOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI as SHIPPED_CLI } from './run.js';

const CLI = resolve(SHIPPED_CLI);
const DEFAULT_DATASET = resolve('fixtures/england-la-panel.csv');
const SYNTHETIC = resolve('fixtures/nao-2019-synthetic.csv');
const SYNTHETIC_MODEL = ['--fe', 'practice=la', '--group', 'deprivation=idaci', '--fe', 'policy=year'];

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The CLI as a user runs it; `stdio` may hand it a file descriptor for stdin or stdout. */
function cli(
  args: readonly string[],
  options: { cwd?: string; stdio?: StdioOptions; uid?: number; gid?: number } = {},
): Run {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid } : {}),
    cwd: options.cwd ?? process.cwd(),
    stdio: options.stdio ?? 'pipe',
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const listing = (folder: string) => readdirSync(folder).sort();

/**
 * Exit 2 with one `error: …` line, the last on stderr (after any report the command printed while working,
 * e.g. join's match counts), and no stack trace.
 */
function expectOneLineError(run: Run, pattern: RegExp): void {
  expect(run.status).toBe(2);
  expect(run.stderr.endsWith('\n')).toBe(true);
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines.filter((line) => /error/i.test(line))).toEqual([lines.at(-1)]);
  expect(lines.at(-1)).toMatch(/^error: /);
  expect(lines.at(-1)).toMatch(pattern);
  expect(run.stderr).not.toMatch(/ at .*\.js:\d+|Unhandled|node:internal/);
}

// Root writes into a read-only folder regardless; there the CLI runs as "nobody" for the permission test, which
// needs "nobody" to reach the built CLI (not so in a clone inside a private folder, e.g. one made by mktemp -d).
const root = process.getuid?.() === 0;
const NOBODY = { uid: 65534, gid: 65534 };
const unprivileged = root ? NOBODY : {};
const canDropPrivileges = !root || spawnSync(process.execPath, [SHIPPED_CLI, '--version'], NOBODY).status === 0;
let folder: string;
let defaultBytes: Buffer;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'cpv-output-'));
  chmodSync(folder, 0o755); // readable by the unprivileged user of the permission test
  defaultBytes = readFileSync(DEFAULT_DATASET);
});

// A broken guard must not leave the bundled dataset broken for every other test: put it back, then fail.
afterEach(() => {
  if (!readFileSync(DEFAULT_DATASET).equals(defaultBytes)) {
    writeFileSync(DEFAULT_DATASET, defaultBytes);
    throw new Error('the bundled dataset was overwritten (restored)');
  }
});

afterAll(() => {
  chmodSync(folder, 0o755);
});

/** A fresh folder holding a copy of the synthetic panel. */
function workspace(name: string): { dir: string; data: string } {
  const dir = join(folder, name);
  mkdirSync(dir);
  const data = join(dir, 'panel.csv');
  copyFileSync(SYNTHETIC, data);
  return { dir, data };
}

describe('--output never overwrites an input', () => {
  it.each([
    ['decompose', ['decompose', '--format', 'csv']],
    ['fit', ['fit']],
    ['describe', ['describe']],
    ['report', ['report']],
  ])('%s with no FILE: the bundled default dataset is an input', (_, args) => {
    const before = sha(DEFAULT_DATASET);
    const run = cli([...args, '--output', 'fixtures/england-la-panel.csv']);
    expectOneLineError(run, /is an input of this command; refusing to overwrite it/);
    expect(sha(DEFAULT_DATASET)).toBe(before);
  });

  it('refuses another spelling of the default dataset: ./fixtures/../fixtures/england-la-panel.csv', () => {
    const before = sha(DEFAULT_DATASET);
    const run = cli(['decompose', '--format', 'csv', '--output', './fixtures/../fixtures/england-la-panel.csv']);
    expectOneLineError(run, /--output \/ "output": \.\/fixtures\/\.\.\/fixtures\/england-la-panel\.csv is an input/);
    expect(sha(DEFAULT_DATASET)).toBe(before);
  });

  it('refuses a symbolic link to the input, and leaves the link and the input as they were', () => {
    const { dir, data } = workspace('symlink');
    const link = join(dir, 'link.csv');
    symlinkSync(data, link);
    const before = sha(data);
    const run = cli(['decompose', data, ...SYNTHETIC_MODEL, '--output', link]);
    expectOneLineError(
      run,
      /link\.csv is an input of this command; refusing to overwrite it \(it is the same file as /,
    );
    expect(sha(data)).toBe(before);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });

  it('refuses a hard link to the input (same device and inode), from a relative path', () => {
    const { dir, data } = workspace('hardlink');
    linkSync(data, join(dir, 'hard.csv'));
    const before = sha(data);
    mkdirSync(join(dir, 'sub'));
    const run = cli(['fit', 'panel.csv', ...SYNTHETIC_MODEL, '--output', './sub/../hard.csv'], { cwd: dir });
    expectOneLineError(run, /hard\.csv is an input of this command/);
    expect(sha(data)).toBe(before);
    expect(statSync(join(dir, 'hard.csv')).nlink).toBe(2);
  });

  it('refuses the --spec file, and the data file the spec names', () => {
    const { dir, data } = workspace('spec');
    const spec = join(dir, 'analysis.json');
    writeFileSync(
      spec,
      JSON.stringify({
        data: 'panel.csv',
        outcome: 'cpp_rate',
        groups: [
          { name: 'practice', fe: 'la' },
          { name: 'deprivation', columns: ['idaci'] },
        ],
      }),
    );
    for (const target of [spec, data]) {
      const before = sha(target);
      const run = cli(['decompose', '--spec', spec, '--format', 'json', '--output', target]);
      expectOneLineError(run, /is an input of this command; refusing to overwrite it/);
      expect(sha(target)).toBe(before);
    }
  });

  it('refuses every file of join and stack, not only the first', () => {
    const { dir } = workspace('tables');
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    writeFileSync(a, 'la,year,x\nA,2020,1\nB,2020,2\n');
    writeFileSync(b, 'la,year,y\nA,2020,3\nB,2020,4\n');
    const before = [sha(a), sha(b)];
    for (const target of [a, b]) {
      expectOneLineError(cli(['join', a, b, '--on', 'la,year', '--output', target]), /is an input of this command/);
    }
    writeFileSync(b, 'la,year,x\nC,2021,5\n');
    const stacked = sha(b);
    expectOneLineError(cli(['stack', a, b, '--output', b]), /is an input of this command/);
    expect([sha(a), sha(b)]).toEqual([before[0], stacked]);
  });

  it('refuses derive over its input, and the file standard input was redirected from', () => {
    const { data } = workspace('derive');
    const before = sha(data);
    expectOneLineError(
      cli(['derive', data, '--derive', 'z = spend * 2', '--output', data]),
      /is an input of this command/,
    );
    const fd = openSync(data, 'r');
    try {
      const run = cli(['decompose', '-', ...SYNTHETIC_MODEL, '--output', data], { stdio: [fd, 'pipe', 'pipe'] });
      expectOneLineError(
        run,
        /is an input of this command; refusing to overwrite it \(it is the same file as standard input\)/,
      );
    } finally {
      closeSync(fd);
    }
    expect(sha(data)).toBe(before);
  });
});

describe('--output targets that are not plain files', () => {
  it('"-" means standard output: no file named "-" is made', () => {
    const { dir } = workspace('dash');
    const run = cli(['decompose', 'panel.csv', ...SYNTHETIC_MODEL, '--format', 'json', '--output', '-'], { cwd: dir });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).command).toBe('decompose');
    expect(existsSync(join(dir, '-'))).toBe(false);
  });

  it('follows a symbolic link to a file that is not an input: the target is replaced, the link stays', () => {
    const { dir, data } = workspace('follow');
    const target = join(dir, 'result.json');
    writeFileSync(target, 'old');
    const link = join(dir, 'latest.json');
    symlinkSync('result.json', link);
    const dangling = join(dir, 'dangling.json');
    symlinkSync('made-by-link.json', dangling);
    expect(cli(['decompose', data, ...SYNTHETIC_MODEL, '--format', 'json', '--output', link]).status).toBe(0);
    expect(cli(['decompose', data, ...SYNTHETIC_MODEL, '--format', 'json', '--output', dangling]).status).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(lstatSync(dangling).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(target, 'utf8')).command).toBe('decompose');
    expect(JSON.parse(readFileSync(join(dir, 'made-by-link.json'), 'utf8')).command).toBe('decompose');
    expect(listing(dir)).toEqual(['dangling.json', 'latest.json', 'made-by-link.json', 'panel.csv', 'result.json']);
  });

  it('writes a named pipe (FIFO) in place instead of replacing it with a file', () => {
    const { dir, data } = workspace('fifo');
    const fifo = join(dir, 'pipe');
    if (spawnSync('mkfifo', [fifo]).status !== 0) return expect.fail('mkfifo is needed for this test');
    // A reader opened without blocking lets the CLI open the pipe for writing; the text waits in the pipe.
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const run = cli(['describe', data, '--output', fifo]);
      expect(run.status).toBe(0);
      expect(lstatSync(fifo).isFIFO()).toBe(true);
      const buffer = Buffer.alloc(65536);
      const text = buffer.subarray(0, readSync(reader, buffer)).toString('utf8');
      expect(text).toMatch(/^Describe .*panel\.csv: 912 rows, 6 columns/);
    } finally {
      closeSync(reader);
    }
  });

  it('--output /dev/stdout reaches the pipe standard output is (a link the system resolves, not a path)', () => {
    // A shell pipe (spawnSync's own 'pipe' is a socket pair, refused with a pointer to --output -).
    const script = `set -o pipefail; "${process.execPath}" "${CLI}" describe "${SYNTHETIC}" --output /dev/stdout | cat`;
    const run = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Describe .*nao-2019-synthetic\.csv: 912 rows, 6 columns\n/);
    const socket = cli(['describe', SYNTHETIC, '--output', '/dev/stdout']);
    expectOneLineError(socket, /--output \/dev\/stdout is a socket, .*--output - writes to standard output/);
  });

  it('writes /dev/null directly and leaves it a character device', () => {
    // On a machine where something already replaced /dev/null by a file, say so rather than write to it.
    expect(lstatSync('/dev/null').isCharacterDevice(), '/dev/null is not a character device before the test').toBe(
      true,
    );
    const run = cli(['decompose', SYNTHETIC, ...SYNTHETIC_MODEL, '--output', '/dev/null']);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('--output /dev/full: one line "no space left on device", exit 2', () => {
    const run = cli(['decompose', SYNTHETIC, ...SYNTHETIC_MODEL, '--output', '/dev/full']);
    expect(run.stderr).toBe('error: --output /dev/full cannot be written: no space left on device (ENOSPC)\n');
    expect(run.status).toBe(2);
    expect(lstatSync('/dev/full').isCharacterDevice()).toBe(true);
  });

  it('refuses a folder as target, leaving no temporary file in it or beside it', () => {
    const { dir, data } = workspace('folder');
    const target = join(dir, 'results');
    mkdirSync(target);
    writeFileSync(join(target, 'keep.txt'), 'keep');
    const inside = listing(target);
    const beside = listing(dir);
    const run = cli(['decompose', data, ...SYNTHETIC_MODEL, '--output', target]);
    expectOneLineError(run, /--output .*results is a folder; give the name of a file/);
    expect(listing(target)).toEqual(inside);
    expect(listing(dir)).toEqual(beside);
    expect(readFileSync(join(target, 'keep.txt'), 'utf8')).toBe('keep');
  });

  it('a path under a file (not a folder): one line, exit 2, nothing left behind', () => {
    const { dir, data } = workspace('under');
    const before = listing(dir);
    const hash = sha(data);
    const run = cli(['decompose', data, ...SYNTHETIC_MODEL, '--output', join(data, 'out.txt')]);
    expectOneLineError(run, /panel\.csv\/out\.txt cannot be written: not a directory \(ENOTDIR\)/);
    expect(listing(dir)).toEqual(before);
    expect(sha(data)).toBe(hash);
  });

  it.skipIf(!canDropPrivileges)(
    'a folder that cannot be written (permission denied): one line, exit 2, target unchanged',
    () => {
      const { dir, data } = workspace('readonly');
      const target = join(dir, 'out.json');
      writeFileSync(target, '{"old":true}');
      chmodSync(dir, 0o555);
      try {
        const run = cli(['decompose', data, ...SYNTHETIC_MODEL, '--format', 'json', '--output', target], unprivileged);
        expectOneLineError(run, /out\.json cannot be written: permission denied \(EACCES\)/);
        expect(listing(dir)).toEqual(['out.json', 'panel.csv']);
        expect(readFileSync(target, 'utf8')).toBe('{"old":true}');
      } finally {
        chmodSync(dir, 0o755);
      }
    },
  );

  it('a write that fails half way (file size limit, EFBIG): temporary file removed, old file intact', () => {
    const { dir } = workspace('halfway');
    const target = join(dir, 'out.json');
    writeFileSync(target, '{"old":true}');
    // 1 KiB file size limit, SIGXFSZ ignored (inherited through exec): the write fails with EFBIG after the
    // temporary file was made. describe's JSON for the panel is several KiB.
    const script =
      `ulimit -f 1; trap '' XFSZ; exec "${process.execPath}" "${CLI}" describe panel.csv --format json ` +
      '--output out.json';
    const run = spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8' });
    expectOneLineError(
      { status: run.status, stdout: run.stdout, stderr: run.stderr },
      /^error: --output out\.json cannot be written: file too large \(EFBIG\)$/,
    );
    expect(listing(dir)).toEqual(['out.json', 'panel.csv']);
    expect(readFileSync(target, 'utf8')).toBe('{"old":true}');
  });

  it('replaces a regular file whole and leaves only it in the folder', () => {
    const { dir, data } = workspace('replace');
    const target = join(dir, 'out.csv');
    writeFileSync(target, 'x'.repeat(100_000));
    chmodSync(target, 0o640);
    const run = cli(['decompose', data, ...SYNTHETIC_MODEL, '--format', 'csv', '--output', target]);
    expect(run.status).toBe(0);
    expect(readFileSync(target, 'utf8')).toMatch(/^group,kind,columns,levels,share,percent\n/);
    expect(statSync(target).mode & 0o777).toBe(0o640);
    expect(listing(dir)).toEqual(['out.csv', 'panel.csv']);
  });
});

describe('write errors on standard output', () => {
  it('> /dev/full: one line on stderr, exit 2 (no unhandled error event)', () => {
    const full = openSync('/dev/full', 'w');
    try {
      const run = cli(['decompose', SYNTHETIC, ...SYNTHETIC_MODEL], { stdio: ['ignore', full, 'pipe'] });
      expect(run.stderr).toBe('error: cannot write to standard output: no space left on device (ENOSPC)\n');
      expect(run.status).toBe(2);
    } finally {
      closeSync(full);
    }
  });

  it('a reader that closes the pipe early (EPIPE): quiet, exit 0', async () => {
    // derive writes the whole England panel back (over 500 kB), far more than a pipe holds.
    const child = spawn(process.execPath, [CLI, 'derive', DEFAULT_DATASET, '--derive', 'twice = cpp_rate * 2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stderr = '';
    let received = 0;
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.stdout.once('data', (chunk: Buffer) => {
      received = chunk.length;
      child.stdout.destroy();
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) =>
      child.on('close', (c, s) => done([c, s])),
    );
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(defaultBytes.length);
    expect(signal).toBe(null);
    expect(stderr).not.toMatch(/EPIPE|Error|at /);
    expect(stderr).toBe('england-la-panel.csv: derived twice: 8 of 1040 rows missing\n');
    expect(code).toBe(0);
  });

  it('| head -c1 in a shell with pipefail: exit 0, only the command’s own messages', () => {
    const script =
      `set -o pipefail; "${process.execPath}" "${CLI}" derive "${DEFAULT_DATASET}" ` +
      "--derive 'twice = cpp_rate * 2' | head -c1";
    const run = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('england-la-panel.csv: derived twice: 8 of 1040 rows missing\n');
    expect(run.stdout).toBe('l'); // the first byte of the header, all head took
    expect(run.status).toBe(0);
  });
});
