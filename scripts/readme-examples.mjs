#!/usr/bin/env node
// The README's examples that show their output (a code block whose first line is `$ command`) are run from the
// repository root, with the built CLI for `npx cpp-variance`, and their standard output compared with the block.
//   node scripts/readme-examples.mjs           check: print each difference, exit 1 if any
//   node scripts/readme-examples.mjs --write   rewrite the blocks with the real output
// Only standard output is shown in the README (messages on standard error are not part of an example's output).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readmePath = join(root, 'README.md');
const write = process.argv.includes('--write');
const lines = readFileSync(readmePath, 'utf8').split('\n');
const cli = `node ${JSON.stringify(join(root, 'dist/bin/cli.js'))}`;
const normalise = (text) =>
  text
    .split('\n')
    .map((line) => line.replace(/\s+$/, ''))
    .join('\n')
    .replace(/\n+$/, '');

const out = [];
let failures = 0;
let examples = 0;
for (let i = 0; i < lines.length; i++) {
  out.push(lines[i]);
  if (!/^```\s*$/.test(lines[i]) || !lines[i + 1]?.startsWith('$ ')) continue;
  const end = lines.findIndex((line, j) => j > i && /^```\s*$/.test(line));
  const command = lines[i + 1].slice(2);
  const shown = lines.slice(i + 2, end).join('\n');
  examples++;
  let actual;
  try {
    actual = execFileSync('bash', ['-o', 'pipefail', '-c', command.replaceAll('npx cpp-variance', cli)], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 1 << 26,
    });
  } catch (error) {
    // An example may show a command that fails on purpose (an --expect miss): its output still counts.
    actual = error.stdout ?? '';
  }
  if (normalise(actual) !== normalise(shown)) {
    failures++;
    if (!write) console.error(`README line ${i + 2}: ${command}\n--- shown\n${shown}\n--- actual\n${normalise(actual)}\n`);
  }
  out.push(lines[i + 1], ...(write ? normalise(actual).split('\n') : lines.slice(i + 2, end)));
  i = end - 1;
}
if (write) writeFileSync(readmePath, out.join('\n'));
console.log(`${examples} README examples, ${failures} ${write ? 'rewritten' : 'differ'}`);
process.exit(!write && failures > 0 ? 1 : 0);
