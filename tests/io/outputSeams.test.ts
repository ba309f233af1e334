/**
 * The --output writer under conditions a test cannot create with the real file system on demand, reached through
 * the file system it takes as a parameter (OutputFileSystem): standard input being the output file, a file system
 * without hard links, a name taken between the check and the link, a file on another device with the same inode
 * number, a flush or a close that fails, links that cannot be resolved by the system. The mutation run found
 * these paths unchecked; each stand-in changes one call and passes the rest on to node:fs.
 */
import {
  type BigIntStats,
  closeSync,
  constants,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataError, ParameterError } from '../../src/errors.js';
import {
  checkOutputTarget,
  NODE_FILE_SYSTEM,
  type OutputFileSystem,
  replaceAtomically,
  writeOutputFile,
} from '../../src/io/output.js';
import { thrownBy } from '../helpers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cpv-output-seams-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A system error as node:fs raises it; the number is Linux's, so that the message names the reason in words. */
function systemError(code: string, errno: number, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall} failed`), { code, errno, syscall });
}
const EIO = () => systemError('EIO', -5, 'fsync');

/** `stats` with some fields changed (the methods such as isFile read `mode` from the copy). */
function changed(stats: BigIntStats, fields: Partial<Pick<BigIntStats, 'dev' | 'ino' | 'mode'>>): BigIntStats {
  return Object.assign(Object.create(Object.getPrototypeOf(stats)) as BigIntStats, stats, fields);
}

/** node:fs, with standard input standing for `path` (as `< path` would make it). */
function stdinIs(path: string): OutputFileSystem {
  return {
    ...NODE_FILE_SYSTEM,
    fstatSync: (fd, options) => (fd === 0 ? statSync(path, options) : NODE_FILE_SYSTEM.fstatSync(fd, options)),
  };
}

const noRecheck = (): never => expect.fail('the target was checked again although it had not changed');

describe('checkOutputTarget: standard input as an input', () => {
  it('refuses the file standard input reads, saying so, and leaves it as it was', () => {
    const data = join(dir, 'data.csv');
    writeFileSync(data, 'a\n1\n');
    const fs = stdinIs(data);
    const error = thrownBy(() => writeOutputFile(data, 'overwritten', ['other.csv', '-'], fs), ParameterError);
    expect(error.parameter).toBe('output');
    expect(error.message).toBe(
      `output: ${data} is an input of this command; refusing to overwrite it (it is the same file as standard input)`,
    );
    expect(readFileSync(data, 'utf8')).toBe('a\n1\n');
    expect(readdirSync(dir)).toEqual(['data.csv']);
  });

  it('accepts another file than the one standard input reads', () => {
    const data = join(dir, 'data.csv');
    const out = join(dir, 'out.csv');
    writeFileSync(data, 'a\n1\n');
    writeOutputFile(out, 'result', ['-'], stdinIs(data));
    expect(readFileSync(out, 'utf8')).toBe('result');
    expect(readFileSync(data, 'utf8')).toBe('a\n1\n');
  });

  it('does not count standard input that is not a file (a terminal, /dev/null) or cannot be looked at', () => {
    const device = checkOutputTarget('/dev/null', ['-'], stdinIs('/dev/null'));
    expect(device.path).toBe('/dev/null');
    expect(device.stats?.isCharacterDevice()).toBe(true);
    const data = join(dir, 'data.csv');
    writeFileSync(data, 'a\n1\n');
    const closed: OutputFileSystem = {
      ...NODE_FILE_SYSTEM,
      fstatSync: () => {
        throw systemError('EBADF', -9, 'fstat');
      },
    };
    expect(checkOutputTarget(data, ['-'], closed).path).toBe(data);
  });
});

describe('checkOutputTarget: identity is device and inode together', () => {
  /** node:fs, with the input `name` standing for a file whose stats are `stats`. */
  const inputIs = (name: string, stats: BigIntStats): OutputFileSystem => ({
    ...NODE_FILE_SYSTEM,
    statSync: (path, options) => (path === name ? stats : statSync(path, options)),
  });

  it('a file on another device with the same inode number is not the input', () => {
    const out = join(dir, 'out.csv');
    writeFileSync(out, 'old');
    const real = statSync(out, { bigint: true });
    const fs = inputIs('elsewhere.csv', changed(real, { dev: real.dev + 1n }));
    expect(checkOutputTarget(out, ['elsewhere.csv'], fs).path).toBe(out);
    writeOutputFile(out, 'new', ['elsewhere.csv'], fs);
    expect(readFileSync(out, 'utf8')).toBe('new');
  });

  it('the same device and inode under another name is the input', () => {
    const out = join(dir, 'out.csv');
    writeFileSync(out, 'old');
    const fs = inputIs('elsewhere.csv', statSync(out, { bigint: true }));
    expect(thrownBy(() => checkOutputTarget(out, ['elsewhere.csv'], fs), ParameterError).message).toBe(
      `output: ${out} is an input of this command; refusing to overwrite it (it is the same file as elsewhere.csv)`,
    );
  });
});

describe('checkOutputTarget: a block device', () => {
  it('is refused with its own message, and nothing is written', () => {
    const disk = join(dir, 'disk');
    const real = statSync(dir, { bigint: true });
    const fs: OutputFileSystem = {
      ...NODE_FILE_SYSTEM,
      statSync: (path, options) =>
        path === disk ? changed(real, { mode: BigInt(constants.S_IFBLK | 0o660) }) : statSync(path, options),
    };
    const error = thrownBy(() => writeOutputFile(disk, 'x', [], fs), ParameterError);
    expect(error.parameter).toBe('output');
    expect(error.message).toBe(`output: ${disk} is a block device (a disk); refusing to write it`);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('writeOutputFile: a file system without hard links', () => {
  /** node:fs, with link failing as `code` says. */
  const linkFails = (code: string, errno: number): OutputFileSystem => ({
    ...NODE_FILE_SYSTEM,
    linkSync: () => {
      throw systemError(code, errno, 'link');
    },
  });

  it.each([
    ['EPERM', -1],
    ['ENOTSUP', -95],
    ['EOPNOTSUPP', -95],
    ['ENOSYS', -38],
  ])('link failing with %s: the new file is renamed into place instead, without a second look', (code, errno) => {
    const out = join(dir, 'out.csv');
    const fs = linkFails(code, errno);
    replaceAtomically(checkOutputTarget(out, [], fs), Buffer.from('new'), noRecheck, fs);
    expect(readFileSync(out, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['out.csv']);
    writeOutputFile(join(dir, 'second.csv'), 'second', [], fs);
    expect(readFileSync(join(dir, 'second.csv'), 'utf8')).toBe('second');
    expect(readdirSync(dir).sort()).toEqual(['out.csv', 'second.csv']);
  });

  it('link failing otherwise is a failure: reported with its reason, nothing written, nothing left', () => {
    const out = join(dir, 'out.csv');
    const error = thrownBy(() => writeOutputFile(out, 'new', [], linkFails('EIO', -5)), DataError);
    expect(error.message).toBe(`--output ${out} cannot be written: i/o error (EIO)`);
    expect(readdirSync(dir)).toEqual([]);
    const plain: OutputFileSystem = {
      ...NODE_FILE_SYSTEM,
      linkSync: () => {
        throw new Error('no code at all');
      },
    };
    expect(thrownBy(() => writeOutputFile(out, 'new', [], plain), DataError).message).toBe(
      `--output ${out} cannot be written: no code at all`,
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('writeOutputFile: a file appeared under the name between the check and the link (EEXIST)', () => {
  /** node:fs, with a file written under the link's name just before the link (as another program might). */
  function appearsBeforeLink(content: string, appeared: { ino?: bigint }): OutputFileSystem {
    return {
      ...NODE_FILE_SYSTEM,
      linkSync: (existingPath, newPath) => {
        writeFileSync(newPath, content);
        appeared.ino = statSync(newPath, { bigint: true }).ino;
        NODE_FILE_SYSTEM.linkSync(existingPath, newPath);
      },
    };
  }

  it('is checked again, then replaced by a rename (a new file there, not the old one written over)', () => {
    const out = join(dir, 'out.csv');
    const appeared: { ino?: bigint } = {};
    writeOutputFile(out, 'new', [], appearsBeforeLink('appeared', appeared));
    expect(readFileSync(out, 'utf8')).toBe('new');
    expect(appeared.ino).toBeTypeOf('bigint');
    expect(statSync(out, { bigint: true }).ino).not.toBe(appeared.ino);
    expect(readdirSync(dir)).toEqual(['out.csv']);
  });

  it('is refused on the second look when it is an input, with the refusal itself, and left as it was', () => {
    const out = join(dir, 'out.csv');
    const error = thrownBy(() => writeOutputFile(out, 'new', [out], appearsBeforeLink('input', {})), ParameterError);
    expect(error.message).toBe(`output: ${out} is an input of this command; refusing to overwrite it`);
    expect(readFileSync(out, 'utf8')).toBe('input');
    expect(readdirSync(dir)).toEqual(['out.csv']);
  });
});

describe('replaceAtomically: the second look compares device and inode together', () => {
  it('a file with the inode checked but on another device is checked again before it is replaced', () => {
    const out = join(dir, 'out.csv');
    writeFileSync(out, 'old');
    const checked = checkOutputTarget(out, []);
    const stats = checked.stats!;
    let rechecked = 0;
    replaceAtomically({ path: out, stats: changed(stats, { dev: stats.dev + 1n }) }, Buffer.from('new'), () => {
      rechecked++;
      return checkOutputTarget(out, []);
    });
    expect(rechecked).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['out.csv']);
  });
});

describe('replaceAtomically: the temporary file descriptor is closed once, whatever fails', () => {
  /** node:fs, recording the descriptors opened and each close (the real close is made too). */
  function recording(changes: Partial<OutputFileSystem>): {
    fs: OutputFileSystem;
    opened: number[];
    closed: unknown[];
  } {
    const opened: number[] = [];
    const closed: unknown[] = [];
    const fs: OutputFileSystem = {
      ...NODE_FILE_SYSTEM,
      openSync: (path, flags, mode) => {
        const fd = openSync(path, flags, mode);
        opened.push(fd);
        return fd;
      },
      closeSync: (fd) => {
        closed.push(fd);
        closeSync(fd);
      },
      ...changes,
    };
    return { fs, opened, closed };
  }

  it('a flush that fails: the descriptor is closed, the failure reported, nothing left behind', () => {
    const out = join(dir, 'out.csv');
    const { fs, opened, closed } = recording({
      fsyncSync: () => {
        throw EIO();
      },
    });
    const error = thrownBy(() => writeOutputFile(out, 'new', [], fs), DataError);
    expect(error.message).toBe(`--output ${out} cannot be written: i/o error (EIO)`);
    expect(opened).toHaveLength(1);
    expect(closed).toEqual(opened);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a failure after the close (the link) closes nothing more', () => {
    const out = join(dir, 'out.csv');
    const { fs, opened, closed } = recording({
      linkSync: () => {
        throw systemError('EIO', -5, 'link');
      },
    });
    thrownBy(() => writeOutputFile(out, 'new', [], fs), DataError);
    expect(opened).toHaveLength(1);
    expect(closed).toEqual(opened);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a close that fails after the flush is reported, and the descriptor is not closed a second time', () => {
    // A failed close has still released the descriptor; closing its number again could close another file.
    const out = join(dir, 'out.csv');
    const closed: number[] = [];
    const { fs, opened } = recording({
      closeSync: (fd) => {
        closed.push(fd);
        closeSync(fd);
        throw systemError('EIO', -5, 'close');
      },
    });
    const error = thrownBy(() => writeOutputFile(out, 'new', [], fs), DataError);
    expect(error.message).toBe(`--output ${out} cannot be written: i/o error (EIO)`);
    expect(opened).toHaveLength(1);
    expect(closed).toEqual(opened);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a close that fails while a failure is reported is ignored: the first failure is the one reported', () => {
    const out = join(dir, 'out.csv');
    const closed: number[] = [];
    const fs: OutputFileSystem = {
      ...NODE_FILE_SYSTEM,
      fsyncSync: () => {
        throw EIO();
      },
      closeSync: (fd) => {
        closed.push(fd);
        closeSync(fd);
        throw systemError('ENOSPC', -28, 'close');
      },
    };
    const error = thrownBy(() => replaceAtomically({ path: out }, Buffer.from('new'), noRecheck, fs), Error);
    expect((error as NodeJS.ErrnoException).code).toBe('EIO');
    expect(closed).toHaveLength(1);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('checkOutputTarget: links the system cannot resolve are followed one by one', () => {
  const unresolvable: OutputFileSystem = {
    ...NODE_FILE_SYSTEM,
    realpathSync: (path) => {
      throw systemError('EACCES', -13, `realpath ${path}`);
    },
  };

  it('a file, and a link to a file, are written at the place the chain ends', () => {
    const real = join(dir, 'real.csv');
    writeFileSync(real, 'old');
    symlinkSync('real.csv', join(dir, 'link.csv'));
    expect(checkOutputTarget(real, [], unresolvable).path).toBe(real);
    expect(checkOutputTarget(join(dir, 'link.csv'), [], unresolvable).path).toBe(real);
    writeOutputFile(join(dir, 'link.csv'), 'new', [], unresolvable);
    expect(readFileSync(real, 'utf8')).toBe('new');
    expect(lstatSync(join(dir, 'link.csv')).isSymbolicLink()).toBe(true);
  });

  it("a dangling link's target is taken in the link's folder as named", () => {
    symlinkSync('named.csv', join(dir, 'dangling.csv'));
    expect(checkOutputTarget(join(dir, 'dangling.csv'), [], unresolvable)).toEqual({ path: join(dir, 'named.csv') });
  });

  it('a file that appears between the first look and the second is taken as it is, not as a link', () => {
    const out = join(dir, 'out.csv');
    writeFileSync(out, 'appeared');
    const late: OutputFileSystem = {
      ...NODE_FILE_SYSTEM,
      statSync: (path) => {
        throw systemError('ENOENT', -2, `stat ${path}`);
      },
    };
    expect(checkOutputTarget(out, [], late)).toEqual({ path: out });
  });
});
