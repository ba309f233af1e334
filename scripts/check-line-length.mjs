#!/usr/bin/env node
// No line of TypeScript over 120 characters (the formatter wraps code; this catches long strings and comments).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const LIMIT = 120;

// TEMPORARY: files (and folders, ending in '/') not yet brought under the limit because another change is editing
// them. Remove each entry once its long lines are split; the list should end up empty and then be deleted.
const TEMPORARILY_SKIPPED = [
  'src/report/html.ts',
  'src/report/svg.ts',
  'src/report/table.ts',
  'src/report/json.ts',
  'src/report/tabular.ts',
  'src/report/context.ts',
  'src/request/parameters.ts',
  'src/commands/decompose.ts',
  'bench/run.ts',
  'src/models/methods/',
  'src/models/engines/',
  'src/models/parallel/',
];
const skipped = (file) =>
  TEMPORARILY_SKIPPED.some((entry) => (entry.endsWith('/') ? file.startsWith(entry) : file === entry));

const files = execFileSync(
  'git',
  ['ls-files', '--cached', '--others', '--exclude-standard', 'src', 'tests', 'bench', '*.ts'],
  { encoding: 'utf8' },
)
  .split('\n')
  .filter((file) => file.endsWith('.ts') && !skipped(file));
const long = [];
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // deleted in the work tree
  }
  text.split('\n').forEach((line, i) => {
    const length = [...line].length;
    if (length > LIMIT) long.push(`${file}:${i + 1}: ${length} characters`);
  });
}
if (long.length > 0) {
  console.error(`${long.length} lines over ${LIMIT} characters:\n${long.join('\n')}`);
  process.exit(1);
}
console.log(
  `line length: ${files.length} files, no line over ${LIMIT} characters` +
    ` (${TEMPORARILY_SKIPPED.length} entries temporarily skipped)`,
);
