#!/usr/bin/env node
import { processStandardInput } from './io/source.js';
import { main } from './program.js';

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdoutIsTty: process.stdout.isTTY === true,
  ...(process.stdout.isTTY && process.stdout.columns ? { stdoutColumns: process.stdout.columns } : {}),
  stderrIsTty: process.stderr.isTTY === true,
  ...(process.stderr.isTTY && process.stderr.columns ? { stderrColumns: process.stderr.columns } : {}),
  stderrStream: process.stderr,
  stdin: processStandardInput,
  env: process.env,
});
