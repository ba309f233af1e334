import { createHash } from 'node:crypto';
import {
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { DataError, ParameterError, UsageError } from '../../src/errors.js';
import {
  checkOutputTarget,
  describeSystemError,
  replaceAtomically,
  writeOutput,
  writeOutputFile,
} from '../../src/io/output.js';
import { thrownBy } from '../helpers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cpv-output-unit-'));
});

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return expect.fail('expected an error');
}

describe('writeOutput', () => {
  it('sends the text to standard output for no --output and for "-", and writes a file otherwise', () => {
    const printed: string[] = [];
    writeOutput(undefined, 'a\n', [], (text) => printed.push(text));
    writeOutput('-', 'b\n', [], (text) => printed.push(text));
    const file = join(dir, 'out.txt');
    writeOutput(file, 'c\n', [], (text) => printed.push(text));
    expect(printed).toEqual(['a\n', 'b\n']);
    expect(readFileSync(file, 'utf8')).toBe('c\n');
    expect(readdirSync(dir)).toEqual(['out.txt']);
  });

  it('writeOutputFile does not take "-" for a file name', () => {
    expect(thrown(() => writeOutputFile('-', 'x', []))).toBeInstanceOf(UsageError);
  });
});

describe('checkOutputTarget: inputs compared by identity', () => {
  it('refuses the input by its own name, a relative spelling, a symbolic link chain and a hard link', () => {
    const input = join(dir, 'data.csv');
    writeFileSync(input, 'a,b\n1,2\n');
    mkdirSync(join(dir, 'sub'));
    symlinkSync(input, join(dir, 'link1.csv'));
    symlinkSync('link1.csv', join(dir, 'link2.csv'));
    linkSync(input, join(dir, 'hard.csv'));
    const before = sha(input);
    for (const target of [
      input,
      relative(process.cwd(), join(dir, 'sub', '..', 'data.csv')),
      join(dir, 'link2.csv'),
      join(dir, 'hard.csv'),
    ]) {
      const error = thrown(() => writeOutputFile(target, 'overwritten', ['other.csv', input]));
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(/is an input of this command; refusing to overwrite it/);
    }
    expect(sha(input)).toBe(before);
    expect(lstatSync(join(dir, 'link2.csv')).isSymbolicLink()).toBe(true);
  });

  it('accepts a file that merely has the same name as an input in another folder', () => {
    mkdirSync(join(dir, 'in'));
    mkdirSync(join(dir, 'out'));
    writeFileSync(join(dir, 'in', 'data.csv'), 'x');
    writeFileSync(join(dir, 'out', 'data.csv'), 'y');
    writeOutputFile(join(dir, 'out', 'data.csv'), 'z', [join(dir, 'in', 'data.csv')]);
    expect(readFileSync(join(dir, 'out', 'data.csv'), 'utf8')).toBe('z');
    expect(readFileSync(join(dir, 'in', 'data.csv'), 'utf8')).toBe('x');
  });

  it('refuses a folder, a loop of symbolic links and an empty name', () => {
    expect((thrown(() => checkOutputTarget(dir, [])) as Error).message).toMatch(/is a folder/);
    symlinkSync('b', join(dir, 'a'));
    symlinkSync('a', join(dir, 'b'));
    expect((thrown(() => checkOutputTarget(join(dir, 'a'), [])) as Error).message).toMatch(
      /too many levels of symbolic links/,
    );
    expect(thrown(() => checkOutputTarget('', []))).toBeInstanceOf(UsageError);
  });

  const blockDevice = readdirSync('/dev')
    .map((name) => join('/dev', name))
    .find((path) => {
      try {
        return lstatSync(path).isBlockDevice();
      } catch {
        return false;
      }
    });
  it.skipIf(blockDevice === undefined)(`refuses a block device (${blockDevice}) without writing`, () => {
    expect((thrown(() => checkOutputTarget(blockDevice!, [])) as Error).message).toMatch(/is a block device/);
  });
});

describe('writeOutputFile: the temporary file', () => {
  it('has a name of its own: a file named as the old fixed scheme (.NAME.PID.tmp) is left alone', () => {
    const decoy = join(dir, `.out.csv.${process.pid}.tmp`);
    writeFileSync(decoy, 'not ours');
    writeOutputFile(join(dir, 'out.csv'), 'new', []);
    expect(readFileSync(decoy, 'utf8')).toBe('not ours');
    expect(readdirSync(dir).sort()).toEqual([`.out.csv.${process.pid}.tmp`, 'out.csv']);
  });

  it('keeps a long name within the file system limit (255 bytes)', () => {
    const name = `${'n'.repeat(250)}.csv`;
    writeOutputFile(join(dir, name), 'long', []);
    expect(readdirSync(dir)).toEqual([name]);
  });

  it('is removed when the write fails, and the failure is one DataError naming --output', () => {
    const error = thrown(() => writeOutputFile(join(dir, 'missing', 'out.csv'), 'x', []));
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toMatch(
      /^--output .*missing\/out\.csv cannot be written: no such file or directory \(ENOENT\)$/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps the permissions of the file it replaces', () => {
    const target = join(dir, 'out.csv');
    writeFileSync(target, 'old', { mode: 0o600 });
    writeOutputFile(target, 'new', []);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readFileSync(target, 'utf8')).toBe('new');
  });
});

describe('replaceAtomically: the target changed between the check and the write', () => {
  it('a file that appeared under a name checked as free is not clobbered blindly: checked again, then replaced', () => {
    const target = join(dir, 'out.csv');
    writeFileSync(target, 'appeared');
    let rechecked = 0;
    replaceAtomically({ path: target }, Buffer.from('new'), () => {
      rechecked++;
      return checkOutputTarget(target, []);
    });
    expect(rechecked).toBe(1);
    expect(readFileSync(target, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['out.csv']);
  });

  it('an input that appeared there is refused on the second look, and nothing is left behind', () => {
    const input = join(dir, 'data.csv');
    writeFileSync(input, 'precious');
    const before = sha(input);
    const error = thrown(() =>
      replaceAtomically({ path: input }, Buffer.from('new'), () => checkOutputTarget(input, [input])),
    );
    expect(error).toBeInstanceOf(UsageError);
    expect(sha(input)).toBe(before);
    expect(readdirSync(dir)).toEqual(['data.csv']);
  });

  it('a file replaced by another since the check is checked again before the rename', () => {
    const target = join(dir, 'out.csv');
    writeFileSync(target, 'first');
    const stale = checkOutputTarget(target, []);
    // Renamed over: out.csv is now another inode, so the identity checked no longer matches.
    writeOutputFile(target, 'second', []);
    let rechecked = 0;
    replaceAtomically(stale, Buffer.from('third'), () => {
      rechecked++;
      return checkOutputTarget(target, []);
    });
    expect(rechecked).toBe(1);
    expect(readFileSync(target, 'utf8')).toBe('third');
    expect(readdirSync(dir)).toEqual(['out.csv']);
  });
});

describe('describeSystemError', () => {
  it('gives the reason in words with its code', () => {
    const error = thrown(() => readFileSync(join(dir, 'nothing-here')));
    expect(describeSystemError(error)).toBe('no such file or directory (ENOENT)');
    expect(describeSystemError(Object.assign(new Error('write ENOSPC'), { code: 'ENOSPC', errno: -28 }))).toBe(
      'no space left on device (ENOSPC)',
    );
    expect(describeSystemError(new Error('plain'))).toBe('plain');
  });
});

describe('checkOutputTarget and writeOutputFile: the exact refusals, each naming --output', () => {
  const refusal = (action: () => unknown): { parameter: string; message: string } => {
    const error = thrown(action);
    expect(error).toBeInstanceOf(ParameterError);
    return { parameter: (error as ParameterError).parameter, message: (error as Error).message };
  };

  it('an input by its own name, and by another name with the one it has as an input', () => {
    const input = join(dir, 'data.csv');
    writeFileSync(input, 'a\n1\n');
    symlinkSync(input, join(dir, 'link.csv'));
    expect(refusal(() => checkOutputTarget(input, [input]))).toEqual({
      parameter: 'output',
      message: `output: ${input} is an input of this command; refusing to overwrite it`,
    });
    const link = join(dir, 'link.csv');
    expect(refusal(() => writeOutputFile(link, 'x', ['other.csv', input]))).toEqual({
      parameter: 'output',
      message:
        `output: ${link} is an input of this command; refusing to overwrite it ` + `(it is the same file as ${input})`,
    });
    expect(readFileSync(input, 'utf8')).toBe('a\n1\n');
  });

  it('a folder, with an example name in it; an empty name; "-" as a file name', () => {
    expect(refusal(() => checkOutputTarget(dir, []))).toEqual({
      parameter: 'output',
      message: `output: ${dir} is a folder; give the name of a file (e.g. ${join(dir, 'out.txt')})`,
    });
    expect(refusal(() => checkOutputTarget('', []))).toEqual({
      parameter: 'output',
      message: 'output: needs a file name',
    });
    expect(refusal(() => writeOutputFile('-', 'x', []))).toEqual({
      parameter: 'output',
      message: 'output: - means standard output; it is not a file name here',
    });
  });

  it('a socket, which cannot be opened as a file', async () => {
    const path = join(dir, 'socket');
    const server = createServer();
    await new Promise<void>((done) => server.listen(path, done));
    try {
      const error = thrown(() => writeOutputFile(path, 'x', []));
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toBe(
        `--output ${path} is a socket, which cannot be opened as a file; --output - writes to standard output`,
      );
      expect(lstatSync(path).isSocket()).toBe(true);
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  it('writes a new file as UTF-8, and a new file under a dangling link at the place the link names', () => {
    const target = join(dir, 'out.txt');
    writeOutputFile(target, 'é ✓\n', []);
    expect(readFileSync(target)).toEqual(Buffer.from('é ✓\n', 'utf8'));
    symlinkSync('named.txt', join(dir, 'dangling.txt'));
    writeOutputFile(join(dir, 'dangling.txt'), 'through the link', []);
    expect(readFileSync(join(dir, 'named.txt'), 'utf8')).toBe('through the link');
    expect(lstatSync(join(dir, 'dangling.txt')).isSymbolicLink()).toBe(true);
  });
});

/**
 * A named pipe at `path` with a reader (`cat`) started on it; `received` resolves to what the reader got once the
 * writer closes. Opening a FIFO for writing waits for a reader, so the reader runs in a process of its own.
 */
function fifoWithReader(path: string): { received: Promise<string>; stop: () => void } {
  execFileSync('mkfifo', [path]);
  const reader = spawn('cat', [path], { stdio: ['ignore', 'pipe', 'ignore'] });
  let text = '';
  reader.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const received = new Promise<string>((done) => reader.on('close', () => done(text)));
  return { received, stop: () => reader.kill() };
}

describe('writeOutputFile: a named pipe is written in place', () => {
  it('the reader gets the text, the pipe stays a pipe and no temporary file is made', async () => {
    const pipe = join(dir, 'pipe');
    const { received, stop } = fifoWithReader(pipe);
    try {
      writeOutputFile(pipe, 'through the pipe\n', []);
      expect(await received).toBe('through the pipe\n');
      expect(lstatSync(pipe).isFIFO()).toBe(true);
      expect(readdirSync(dir)).toEqual(['pipe']);
    } finally {
      stop();
    }
  });

  it('a pipe that appeared under a name checked as free is written in place after the second look', async () => {
    const pipe = join(dir, 'pipe');
    const { received, stop } = fifoWithReader(pipe);
    try {
      let rechecked = 0;
      replaceAtomically({ path: pipe }, Buffer.from('late pipe'), () => {
        rechecked++;
        return checkOutputTarget(pipe, []);
      });
      expect(rechecked).toBe(1);
      expect(await received).toBe('late pipe');
      expect(lstatSync(pipe).isFIFO()).toBe(true);
      expect(readdirSync(dir)).toEqual(['pipe']);
    } finally {
      stop();
    }
  });
});

describe('replaceAtomically: the target looked at again just before it is put in place', () => {
  const noRecheck = (): never => expect.fail('the target was checked again although it had not changed');

  it('a new file is linked into place and an unchanged file renamed over, neither checked again', () => {
    const target = join(dir, 'out.csv');
    replaceAtomically(checkOutputTarget(target, []), Buffer.from('new'), noRecheck);
    expect(readFileSync(target, 'utf8')).toBe('new');
    replaceAtomically(checkOutputTarget(target, []), Buffer.from('replaced'), noRecheck);
    expect(readFileSync(target, 'utf8')).toBe('replaced');
    expect(readdirSync(dir)).toEqual(['out.csv']);
  });

  it('a file removed since the check is checked again, then written as a new file', () => {
    const target = join(dir, 'out.csv');
    writeFileSync(target, 'old');
    const stale = checkOutputTarget(target, []);
    unlinkSync(target);
    let rechecked = 0;
    replaceAtomically(stale, Buffer.from('new'), () => {
      rechecked++;
      return checkOutputTarget(target, []);
    });
    expect(rechecked).toBe(1);
    expect(readFileSync(target, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['out.csv']);
  });
});

describe('checkOutputTarget: chains of symbolic links', () => {
  /** A chain of `count` links, link0 → link1 → … → the name `end`, which does not exist. */
  function danglingChain(count: number, end: string): string {
    for (let i = 0; i < count; i++) symlinkSync(i === count - 1 ? end : `link${i + 1}`, join(dir, `link${i}`));
    return join(dir, 'link0');
  }

  it('follows a chain of 40 links (as many as Linux follows) to a new file, and writes it there', () => {
    const start = danglingChain(40, 'end.txt');
    expect(checkOutputTarget(start, [])).toEqual({ path: join(dir, 'end.txt') });
    writeOutputFile(start, 'at the end', []);
    expect(readFileSync(join(dir, 'end.txt'), 'utf8')).toBe('at the end');
    expect(lstatSync(start).isSymbolicLink()).toBe(true);
  });

  it('refuses a chain of 41, naming --output and the path given', () => {
    const start = danglingChain(41, 'end.txt');
    const error = thrownBy(() => checkOutputTarget(start, []), ParameterError);
    expect(error.parameter).toBe('output');
    expect(error.message).toBe(`output: ${start}: too many levels of symbolic links`);
    expect(readdirSync(dir)).not.toContain('end.txt');
  });
});

describe('describeSystemError: an error with a number but no code', () => {
  it('takes the code from the number', () => {
    expect(describeSystemError(Object.assign(new Error('write failed'), { errno: -28 }))).toBe(
      'no space left on device (ENOSPC)',
    );
  });
});
