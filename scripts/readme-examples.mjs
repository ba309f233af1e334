#!/usr/bin/env node
// Runs every command the README shows, and every example in the commands' --help texts, as a user would type them
// in a fresh clone, and checks them.
//
//   node scripts/readme-examples.mjs                 check README.md: print each failure, exit 1 if any
//   node scripts/readme-examples.mjs --write         rewrite the output shown under each `$` command with the real one
//   node scripts/readme-examples.mjs [--no-help-examples] [FILE]
//                                                    check FILE instead of README.md (the commands still run in a copy
//                                                    of this repository); leave the --help examples out
//
// What is run, in the order it appears (a session, as a doctest runs one: files an earlier command writes, such as
// `--output workforce2015.csv`, are there for later ones):
// - a code block without a language whose first line is `$ command`: the command, and its standard output is
//   compared with the rest of the block (colour codes, trailing spaces and trailing blank lines left out; standard
//   error is not part of what is shown);
// - every command line of a ```sh block (a line ending in `\` continues on the next; blank lines and `# comments`
//   are passed over): the command, whose output is not compared;
// - then every line of `cpp-variance --help` and `cpp-variance COMMAND --help` that starts with `cpp-variance `.
// Each runs in `bash -o pipefail`, from a fresh folder that holds a copy of the repository's tracked files
// (`git ls-files`) and of `dist` (the built tool), with `node_modules` linked, so an example that needs a file
// nobody ships fails. `npx cpp-variance` and `cpp-variance` run that copy's shipped bin (package.json's "bin").
// Every command must exit 0, unless its line ends in a comment `# exits N`: then it must exit N (an --expect that
// misses on purpose exits 3).
// Commands that cannot run inside a test are skipped, each by the rule in SKIPPED below, and counted in the summary;
// a skipped command at the head of a `&&` chain (`npm ci && npx cpp-variance decompose`) is left out and the rest
// is run.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Commands the check does not run, and why. Keep this list short: every other command in the README runs. */
const SKIPPED = [
  { pattern: /^npm ci\b/, why: 'installs the dependencies the check itself runs on' },
  { pattern: /^npm test\b/, why: 'runs the test suite, which runs this check' },
  { pattern: /^npm run bench\b/, why: 'takes minutes and rewrites the README block of timings itself' },
  { pattern: /^npm pack\b/, why: 'tested by tests/readme/install.test.ts' },
  { pattern: /^npm install -g\b/, why: 'installs globally; tests/readme/install.test.ts installs the tarball' },
];

const EXPECTED_EXIT = /\s#\s*exits\s+(\d+)\s*$/;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The executable that ships (package.json's "bin"), relative to the repository root. */
const BIN = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin['cpp-variance'];

/** The text without colour codes, trailing spaces and trailing blank lines. */
const normalise = (text) =>
  text
    // biome-ignore lint: an ANSI escape sequence is what is being removed
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .map((line) => line.replace(/\s+$/, ''))
    .join('\n')
    .replace(/\n+$/, '');

/**
 * The commands of a README, in order: `{ line, command, shown?, end? }`, `line` the README line (from 1) of the
 * command, `shown` the output lines under a `$` command and `end` the index of its block's closing fence.
 */
export function readmeCommands(text) {
  const lines = text.split('\n');
  const commands = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\S*)\s*$/.exec(lines[i]);
    if (!fence) continue;
    const end = lines.findIndex((line, j) => j > i && /^```\s*$/.test(line));
    if (end < 0) throw new Error(`README line ${i + 1}: a code block that is never closed`);
    const body = lines.slice(i + 1, end);
    if (fence[1] === '' && body[0]?.startsWith('$ ')) {
      commands.push({ line: i + 2, command: body[0].slice(2), shown: body.slice(1), end });
    } else if (fence[1] === 'sh') {
      for (let k = 0; k < body.length; k++) {
        const line = i + 2 + k;
        let command = body[k];
        while (command.endsWith('\\') && k + 1 < body.length) command = `${command}\n${body[++k]}`;
        if (!/^\s*(#|$)/.test(command)) commands.push({ line, command });
      }
    }
    i = end;
  }
  return commands;
}

/** The example lines of `cpp-variance --help` and of every command's --help: `{ where, command }`. */
function helpCommands(run) {
  const help = (args) => {
    const result = run(`cpp-variance ${args} --help`);
    if (result.status !== 0) throw new Error(`cpp-variance ${args} --help exited ${result.status}`);
    return result.stdout;
  };
  const overview = help('');
  const names = [...overview.split(/^Commands:$/m)[1].matchAll(/^ {2}([a-z]+)\b/gm)]
    .map((match) => match[1])
    .filter((name) => name !== 'help');
  const examples = [];
  for (const [where, text] of [['', overview], ...names.map((name) => [name, help(name)])]) {
    for (const match of text.matchAll(/^\s+(cpp-variance\s.*)$/gm))
      examples.push({ where: `cpp-variance ${where}${where ? ' ' : ''}--help`, command: match[1].trim() });
  }
  return examples;
}

/** A temporary folder holding the repository's tracked files and the built tool, as a fresh clone after `npm ci`. */
function freshClone() {
  const folder = realpathSync(mkdtempSync(join(tmpdir(), 'cpp-variance-readme-')));
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0');
  for (const file of tracked.filter(Boolean)) {
    if (!existsSync(join(root, file))) continue; // deleted in the work tree
    mkdirSync(dirname(join(folder, file)), { recursive: true });
    copyFileSync(join(root, file), join(folder, file));
  }
  // A copy, not a link: the tool finds its bundled datasets beside its own code, so they must be the copy's.
  cpSync(join(root, 'dist'), join(folder, 'dist'), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(folder, 'node_modules'), 'dir');
  return folder;
}

/**
 * Check (or, with `write`, rewrite) the README at `readmePath`. Returns the counts and every failure as
 * `{ where, command, message }`; `text` is the README with the real outputs when `write` is set.
 */
export function checkReadme({ readmePath, write = false, helpExamples = true }) {
  if (!existsSync(join(root, BIN))) throw new Error(`${BIN} is missing: run \`npm run build\``);
  const text = readFileSync(readmePath, 'utf8');
  const folder = freshClone();
  const cli = join(folder, BIN);
  const prelude =
    'cpp-variance() { node "$CPPV_CLI" "$@"; }\n' +
    'npx() { if [ "$1" = cpp-variance ]; then shift; node "$CPPV_CLI" "$@"; else command npx "$@"; fi; }\n';
  const run = (command) =>
    spawnSync('bash', ['-o', 'pipefail', '-c', prelude + command], {
      cwd: folder,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CPPV_CLI: cli },
      maxBuffer: 1 << 26,
      timeout: 300_000,
    });
  const failures = [];
  const skipped = [];
  let compared = 0;
  let ran = 0;
  const rewritten = new Map();
  const check = (where, given, shown) => {
    let command = given;
    const rule = SKIPPED.find(({ pattern }) => pattern.test(command.trim()));
    if (rule) {
      const rest = /^[^&]*&&\s*([\s\S]+)$/.exec(command.trim());
      skipped.push(`${where}: ${command.trim().split('&&')[0].replace(/\s#.*$/, '').trim()} (${rule.why})`);
      if (!rest) return;
      command = rest[1];
    }
    ran++;
    const expected = Number(EXPECTED_EXIT.exec(command)?.[1] ?? 0);
    const result = run(command);
    const status = result.status ?? `signal ${result.signal}`;
    const actual = normalise(result.stdout ?? '');
    if (status !== expected) {
      const stderr = normalise(result.stderr ?? '')
        .split('\n')
        .slice(0, 5)
        .map((line) => `  ${line}`)
        .join('\n');
      failures.push({ where, command, message: `exited ${status}, expected ${expected}\n${stderr}` });
      return;
    }
    if (shown === undefined) return;
    compared++;
    if (write) rewritten.set(where, actual);
    else if (actual !== normalise(shown.join('\n')))
      failures.push({ where, command, message: `--- shown\n${normalise(shown.join('\n'))}\n--- actual\n${actual}` });
  };
  try {
    const commands = readmeCommands(text);
    for (const { line, command, shown } of commands) check(`README line ${line}`, command, shown);
    const help = helpExamples ? helpCommands(run) : [];
    for (const { where, command } of help) check(where, command);
    let out = text;
    if (write) {
      const lines = text.split('\n');
      for (const { line, end } of [...commands].reverse()) {
        const actual = rewritten.get(`README line ${line}`);
        if (actual !== undefined) lines.splice(line, end - line, ...actual.split('\n'));
      }
      out = lines.join('\n');
    }
    return { examples: commands.length, help: help.length, ran, compared, skipped, failures, text: out };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const write = args.includes('--write');
  const helpExamples = !args.includes('--no-help-examples');
  const readmePath = resolve(args.find((arg) => !arg.startsWith('--')) ?? join(root, 'README.md'));
  const result = checkReadme({ readmePath, write, helpExamples });
  for (const { where, command, message } of result.failures) console.error(`${where}: ${command}\n${message}\n`);
  if (write) writeFileSync(readmePath, result.text);
  console.log(
    `${result.examples} README examples (${result.compared} compared with their output) and ${result.help} --help ` +
      `examples: ${result.ran} run, ${result.skipped.length} skipped, ${result.failures.length} failed` +
      `${write ? ' (outputs rewritten)' : ''}`,
  );
  for (const line of result.skipped) console.log(`skipped: ${line}`);
  process.exit(result.failures.length > 0 ? 1 : 0);
}
