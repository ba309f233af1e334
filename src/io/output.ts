import { randomBytes } from 'node:crypto';
import {
  type BigIntStats,
  closeSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  readlinkSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { getSystemErrorMap } from 'node:util';
import { DataError, ParameterError, UsageError } from '../errors.js';

/**
 * The output rules (README, "Exit codes"):
 * - `--output -` (or no `--output`) means standard output.
 * - The target is never one of the command's inputs: every file read (the data file, the bundled dataset read
 *   when no file is given, a `--spec` file, each file of join/stack, standard input when it is a file). Files are
 *   compared by identity (device and inode), so a symbolic link, a hard link or another spelling of the path
 *   to an input is refused too.
 * - A symbolic link is followed: its final target is written (and checked by these same rules); the link stays.
 * - A regular file (or a new one) is replaced atomically: the text goes to a temporary file with a unique name in
 *   the target's own folder, is flushed to disk, then renamed over the target (which keeps its permissions).
 *   Readers see the old file or the new one, never half of one; on any failure the temporary file is removed
 *   and the target is left as it was.
 * - A character device or FIFO (`/dev/null`, a terminal, a named pipe, `/dev/stdout` when it is one) is written
 *   directly; a folder, a block device (a disk) or a socket is refused.
 */

/** The `--output` value meaning standard output. */
const STDOUT_NAME = '-';

/** The `-` input means standard input. */
const STDIN_NAME = '-';

/** Symbolic links followed before giving up (as Linux's MAXSYMLINKS). */
const MAX_LINKS = 40;

/** Characters of the target's name kept in the temporary file's name (a name may be at most 255 bytes). */
const TEMPORARY_NAME_CHARS = 80;

/**
 * The file-system calls this module makes, in the forms it makes them. A parameter (node:fs's own by default) so
 * that the tests can create in this process what the system will not on demand: standard input being a file, a
 * file system without hard links, a name taken or a file replaced between the check and the write, a flush or a
 * close that fails. (The tests share one module graph in the mutation run, so none may mock node:fs.)
 */
export interface OutputFileSystem {
  readonly openSync: (path: string, flags: string, mode?: number) => number;
  readonly writeSync: (fd: number, bytes: Buffer, offset: number, length: number) => number;
  readonly fchmodSync: (fd: number, mode: number) => void;
  readonly fsyncSync: (fd: number) => void;
  readonly closeSync: (fd: number) => void;
  readonly linkSync: (existingPath: string, newPath: string) => void;
  readonly renameSync: (oldPath: string, newPath: string) => void;
  readonly unlinkSync: (path: string) => void;
  readonly statSync: (path: string, options: { bigint: true }) => BigIntStats;
  /** Called both ways: plain (is it a link?) and with `{ bigint: true }` (device and inode). */
  readonly lstatSync: typeof lstatSync;
  readonly fstatSync: (fd: number, options: { bigint: true }) => BigIntStats;
  readonly readlinkSync: (path: string) => string;
  readonly realpathSync: (path: string) => string;
}

/** The file system itself: what every function here uses unless a test hands it another. */
export const NODE_FILE_SYSTEM: OutputFileSystem = {
  openSync,
  writeSync,
  fchmodSync,
  fsyncSync,
  closeSync,
  linkSync,
  renameSync,
  unlinkSync,
  statSync,
  lstatSync,
  fstatSync,
  readlinkSync,
  realpathSync,
};

/**
 * Where a command's text goes: standard output for no `--output` or `--output -`, else the file, written by
 * `writeOutputFile` under the rules above. `inputs` lists every path the command read.
 */
export function writeOutput(
  output: string | undefined,
  text: string,
  inputs: readonly string[],
  stdout: (text: string) => void,
): void {
  if (output === undefined || output === STDOUT_NAME) stdout(text);
  else writeOutputFile(output, text, inputs);
}

/** What the target of `--output` turned out to be. */
export interface OutputTarget {
  /** The path written: `path` with symbolic links followed, absolute. */
  readonly path: string;
  /** What is there now; undefined for a new file. */
  readonly stats?: BigIntStats;
}

/**
 * Check `path` as an output target for a command that read `inputs` (paths as given; `-` is standard input),
 * without writing anything: refused (exit 2) when it is one of the inputs, a folder or a block device.
 * Cheap, so a command may call it before its work as well as `writeOutputFile` does before writing.
 */
export function checkOutputTarget(
  path: string,
  inputs: readonly string[],
  fs: OutputFileSystem = NODE_FILE_SYSTEM,
): OutputTarget {
  if (path === '') throw new ParameterError('output', 'needs a file name');
  const stats = identity(path, fs);
  if (!stats) return { path: followLinks(path, fs) }; // a new file, or the one a dangling link names
  for (const input of inputs) {
    const other = input === STDIN_NAME ? standardInput(fs) : identity(input, fs);
    if (other && other.dev === stats.dev && other.ino === stats.ino) {
      const same = input === path ? '' : ` (it is the same file as ${input === STDIN_NAME ? 'standard input' : input})`;
      throw new ParameterError('output', `${path} is an input of this command; refusing to overwrite it${same}`);
    }
  }
  if (stats.isDirectory())
    throw new ParameterError('output', `${path} is a folder; give the name of a file (e.g. ${join(path, 'out.txt')})`);
  if (stats.isBlockDevice())
    throw new ParameterError('output', `${path} is a block device (a disk); refusing to write it`);
  if (stats.isSocket())
    throw new UsageError(
      `--output ${path} is a socket, which cannot be opened as a file; --output - writes to standard output`,
    );
  // A device or pipe is opened by the name given, which the system resolves itself (`/dev/stdout` is a link to
  // `pipe:[…]`, not to a path); a regular file is replaced at its real path, where the link chain ends.
  return { path: stats.isFile() ? realPath(path, fs) : resolve(path), stats };
}

/**
 * Write `text` to `path` under the output rules above, refusing to overwrite any of `inputs` (every path the
 * command read). Failures are one-line errors (exit 2) that leave the target and its folder as they were.
 */
export function writeOutputFile(
  path: string,
  text: string,
  inputs: readonly string[],
  fs: OutputFileSystem = NODE_FILE_SYSTEM,
): void {
  if (path === STDOUT_NAME) throw new ParameterError('output', '- means standard output; it is not a file name here');
  const target = checkOutputTarget(path, inputs, fs);
  // Stryker disable next-line StringLiteral: Buffer.from takes an empty encoding name for UTF-8, its default
  const bytes = Buffer.from(text, 'utf8');
  try {
    if (target.stats && !target.stats.isFile()) writeInPlace(target.path, bytes, fs);
    else replaceAtomically(target, bytes, () => checkOutputTarget(path, inputs, fs), fs);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new DataError(`--output ${path} cannot be written: ${describeSystemError(error)}`);
  }
}

/** A device or FIFO: opened and written as it is (no temporary file, no rename). */
function writeInPlace(path: string, bytes: Buffer, fs: OutputFileSystem): void {
  const fd = fs.openSync(path, 'w');
  try {
    writeAll(fd, bytes, fs);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A regular file, new or replaced: a temporary file in the same folder, written and flushed, then put in place.
 * The target is looked at again just before: a new file is put in place by a hard link, which fails if anything
 * appeared under the name meanwhile (no clobbering), an existing one by rename only if it is still the file that
 * was checked; otherwise the target is checked again (`recheck`) and the rules apply to what is there now.
 * Exported for the tests, which hand it a stale `target` to stand for a change between check and write.
 */
export function replaceAtomically(
  target: OutputTarget,
  bytes: Buffer,
  recheck: () => OutputTarget,
  fs: OutputFileSystem = NODE_FILE_SYSTEM,
): void {
  const name = basename(target.path).slice(0, TEMPORARY_NAME_CHARS);
  const temporary = join(dirname(target.path), `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  // 'wx': created here and now (O_EXCL), so no other file is ever written through this name.
  let fd: number | undefined = fs.openSync(temporary, 'wx', 0o666);
  try {
    if (target.stats) fs.fchmodSync(fd, Number(target.stats.mode & 0o777n));
    writeAll(fd, bytes, fs);
    fs.fsyncSync(fd);
    // Forgotten before it is closed: a close that fails has still released the descriptor (Linux), and closing
    // its number again could close a file another thread has opened since.
    const open = fd;
    fd = undefined;
    fs.closeSync(open);
    if (!putInPlace(temporary, target, fs)) {
      const now = recheck();
      if (now.stats && !now.stats.isFile()) writeInPlace(now.path, bytes, fs);
      else fs.renameSync(temporary, now.path);
    }
  } catch (error) {
    if (fd !== undefined) closeQuietly(fd, fs);
    throw error;
  } finally {
    removeQuietly(temporary, fs); // gone already after a rename; after a link or a failure, removed here
  }
}

/** Put the temporary file at the target if the target is still what was checked; false if it changed. */
function putInPlace(temporary: string, target: OutputTarget, fs: OutputFileSystem): boolean {
  if (target.stats === undefined) {
    try {
      fs.linkSync(temporary, target.path);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      // File systems without hard links (FAT, some network shares): rename, as for a replaced file.
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
      fs.renameSync(temporary, target.path);
      return true;
    }
  }
  const now = lstatIdentity(target.path, fs);
  if (!now || now.dev !== target.stats.dev || now.ino !== target.stats.ino) return false;
  fs.renameSync(temporary, target.path);
  return true;
}

function writeAll(fd: number, bytes: Buffer, fs: OutputFileSystem): void {
  // A blocking descriptor takes every byte in the first write, so offset is 0 at the only subtraction.
  // Stryker disable next-line ArithmeticOperator: offset is 0
  for (let offset = 0; offset < bytes.length; ) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
}

function closeQuietly(fd: number, fs: OutputFileSystem): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already failing: the first error is the one to report
  }
}

function removeQuietly(path: string, fs: OutputFileSystem): void {
  try {
    fs.unlinkSync(path);
  } catch {
    // nothing more can be done; the first error is the one to report
  }
}

/** `path` made absolute with every symbolic link along the chain followed; a dangling link gives its target. */
function followLinks(path: string, fs: OutputFileSystem): string {
  let current = resolve(path);
  for (let hops = 0; hops <= MAX_LINKS; hops++) {
    let stats: ReturnType<typeof lstatSync>;
    try {
      stats = fs.lstatSync(current);
    } catch {
      return current; // nothing there (a new file), or an unreadable folder: the write says which
    }
    if (!stats.isSymbolicLink()) return current;
    current = resolve(realFolder(dirname(current), fs), fs.readlinkSync(current));
  }
  throw new ParameterError('output', `${path}: too many levels of symbolic links`);
}

/** `path` with every link resolved, as the system resolves it; by following the chain if that fails. */
function realPath(path: string, fs: OutputFileSystem): string {
  try {
    return fs.realpathSync(path);
  } catch {
    return followLinks(path, fs);
  }
}

/** A folder with its own links resolved, so that `..` in a link's target means what the system takes it to. */
function realFolder(folder: string, fs: OutputFileSystem): string {
  try {
    return fs.realpathSync(folder);
  } catch {
    return folder;
  }
}

/** Device and inode of what `path` names, links followed; undefined when there is nothing (readable) there. */
function identity(path: string, fs: OutputFileSystem): BigIntStats | undefined {
  try {
    return fs.statSync(path, { bigint: true });
  } catch /* Stryker disable next-line BlockStatement: an empty catch returns undefined as well */ {
    return undefined;
  }
}

/** Device and inode of `path` itself (a link is not followed); undefined when nothing is there. */
function lstatIdentity(path: string, fs: OutputFileSystem): BigIntStats | undefined {
  try {
    return fs.lstatSync(path, { bigint: true });
  } catch /* Stryker disable next-line BlockStatement: an empty catch returns undefined as well */ {
    return undefined;
  }
}

/** Standard input, when it is a file (`< data.csv`), so that `--output data.csv` can be refused. */
function standardInput(fs: OutputFileSystem): BigIntStats | undefined {
  try {
    const stats = fs.fstatSync(0, { bigint: true });
    return stats.isFile() ? stats : undefined;
  } catch /* Stryker disable next-line BlockStatement: an empty catch returns undefined as well */ {
    return undefined;
  }
}

/** A system error in words with its code, e.g. `no space left on device (ENOSPC)`. */
export function describeSystemError(error: unknown): string {
  const failure = error as NodeJS.ErrnoException;
  const known = typeof failure.errno === 'number' ? getSystemErrorMap().get(failure.errno) : undefined;
  const reason = known?.[1] ?? (error instanceof Error ? error.message : String(error));
  const code = failure.code ?? known?.[0];
  return code && !reason.includes(code) ? `${reason} (${code})` : reason;
}
