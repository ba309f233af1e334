import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { main } from '../../src/program.js';

/**
 * The shipped CLI, as package.json's "bin" names it (the bundle in dist/bin; tests/cli/bin.test.ts checks that they
 * agree), for the few end-to-end tests that run it as a child process (npm test builds it first).
 */
export const CLI = 'dist/bin/cli.js';

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Run the built CLI as a child process. Only for what needs a real process: the bin wiring, exit codes and
 * streams as a shell sees them, real worker threads (`--workers 2`; from the TypeScript sources the work stays on
 * the main thread), a real pipe on standard input. Everything else uses `runMain`.
 */
export function runCli(args: readonly string[], input?: string, env: Record<string, string> = {}): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** What `runMain` gives the CLI in place of the process's streams and environment. */
export interface MainOptions {
  /** Standard input, read when FILE is "-" (default: empty, as a child process with no input sees it). */
  readonly stdin?: string | Uint8Array;
  /** Environment variables, over NO_COLOR=1 (as `runCli` sets it); the process's own are not passed on. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Whether standard output is a terminal (default false, as for a pipe). */
  readonly stdoutIsTty?: boolean;
  /** Columns of that terminal (with stdoutIsTty). */
  readonly columns?: number;
}

/** Bytes per chunk of standard input: what a Linux pipe holds, so inputs arrive in pieces as they do from one. */
const PIPE_BYTES = 64 * 1024;

/**
 * Run the CLI in this process: `main(args, io)` from the sources with captured output, standard input from
 * `options.stdin` and the environment from `options.env`. Gives what `runCli` gives for the same arguments, without
 * starting Node; standard error is never a terminal (no progress bars).
 */
export async function runMain(args: readonly string[], options: MainOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const input = options.stdin === undefined ? Buffer.alloc(0) : Buffer.from(options.stdin);
  // One position for the whole run: a second read of "-" continues where the first stopped, as on a real pipe.
  let offset = 0;
  function* stdin(): Generator<Buffer> {
    while (offset < input.length) {
      const chunk = input.subarray(offset, offset + PIPE_BYTES);
      offset += chunk.length;
      yield chunk;
    }
  }
  const stderrStream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      stderr += String(chunk);
      done();
    },
  });
  const status = await main(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    stdoutIsTty: options.stdoutIsTty === true,
    ...(options.stdoutIsTty && options.columns ? { stdoutColumns: options.columns } : {}),
    stderrIsTty: false,
    stderrStream,
    stdin,
    env: { NO_COLOR: '1', ...options.env },
  });
  return { status, stdout, stderr };
}

/** The synthetic NAO panel (made by `simulate --seed 2019`), which the default no longer reads. */
export const SYNTHETIC_FILE = 'fixtures/nao-2019-synthetic.csv';

/** The NAO layout on the columns `simulate` writes (SIMULATED_SPEC), given as flags: deprivation is idaci. */
export const SYNTHETIC_MODEL = [
  '--fe',
  'practice=la',
  '--group',
  'deprivation=idaci',
  '--fe',
  'policy=year',
  '--group',
  'resources=spend,vacancy',
] as const;

/** `decompose`/`fit`/`report` arguments for the synthetic NAO panel with its model. */
export const SYNTHETIC = [SYNTHETIC_FILE, ...SYNTHETIC_MODEL] as const;
