#!/usr/bin/env node
import { EXIT_BAD_INPUT, EXIT_OK } from './errors.js';
import { describeSystemError } from './io/output.js';
import { processStandardInput } from './io/source.js';
import { main } from './program.js';
import { printableLines } from './report/printable.js';

/*
 * The only place that touches the process's streams.
 *
 * Standard output can fail under the command. When its reader goes away (`cpp-variance … | head -1`, EPIPE) the
 * rest of the output is dropped quietly and the exit status is the command's own (0 on success), as for a reader
 * that had read everything: whoever closed the pipe wanted no more, and `set -o pipefail` scripts keep working.
 * Any other write error (`> /dev/full`, a disk that fills, an I/O error) is one line on standard error and exit 2,
 * unless the command has already failed with its own code. Errors writing standard error itself are ignored:
 * there is nowhere left to report them.
 *
 * Everything written to standard error goes through `printableLines`, so no name quoted in a message can act on
 * the terminal.
 */

let stdout: 'open' | 'closed by reader' | 'failed' = 'open';
let status: number | undefined;

function settle(): void {
  const code = status ?? EXIT_OK;
  process.exitCode = stdout === 'failed' && code === EXIT_OK ? EXIT_BAD_INPUT : code;
}

function writeStderr(text: string): void {
  process.stderr.write(printableLines(text));
}

process.stderr.on('error', () => {});
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (stdout !== 'open') return;
  if (error.code === 'EPIPE') {
    stdout = 'closed by reader';
    return;
  }
  stdout = 'failed';
  writeStderr(`error: cannot write to standard output: ${describeSystemError(error)}\n`);
  settle();
});

status = await main(process.argv.slice(2), {
  stdout: (text) => {
    if (stdout === 'open') process.stdout.write(text);
  },
  stderr: writeStderr,
  stdoutIsTty: process.stdout.isTTY === true,
  ...(process.stdout.isTTY && process.stdout.columns ? { stdoutColumns: process.stdout.columns } : {}),
  stderrIsTty: process.stderr.isTTY === true,
  ...(process.stderr.isTTY && process.stderr.columns ? { stderrColumns: process.stderr.columns } : {}),
  stderrStream: process.stderr,
  stdin: processStandardInput,
  env: process.env,
});
settle();
