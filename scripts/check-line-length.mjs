#!/usr/bin/env node
// No line of TypeScript over 120 characters (the formatter wraps code; this catches long strings and comments).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const LIMIT = 120;



const files = execFileSync(
  'git',
  ['ls-files', '--cached', '--others', '--exclude-standard', 'src', 'tests', 'bench', '*.ts'],
  { encoding: 'utf8' },
)
  .split('\n')
  .filter((file) => file.endsWith('.ts'));
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
console.log(`line length: ${files.length} files, no line over ${LIMIT} characters`);
