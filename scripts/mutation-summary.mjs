#!/usr/bin/env node
// The mutation score from StrykerJS's JSON reports, as docs/mutation.md records it.
//   node scripts/mutation-summary.mjs REPORT.json [REPORT.json ...]   print the summary (Markdown) on standard output
// Several reports (runs over different folders, `npm run mutate -- --mutate 'src/io/**/*.ts'`) are combined; a file
// in more than one report counts from the last. Score = detected / (detected + survived + no coverage), detected =
// killed + timed out, as Stryker's "total" score; mutants marked equivalent in the code
// (`// Stryker disable next-line <mutator>: <reason>`) are listed with their reason and left out of the score.
import { readFileSync } from 'node:fs';

const reports = process.argv.slice(2);
if (reports.length === 0) {
  console.error('usage: node scripts/mutation-summary.mjs REPORT.json [REPORT.json ...]');
  process.exit(2);
}
const files = new Map();
for (const path of reports) {
  for (const [file, data] of Object.entries(JSON.parse(readFileSync(path, 'utf8')).files)) files.set(file, data);
}

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
const count = (mutants) => {
  const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
  const undetected = mutants.filter((m) => UNDETECTED.has(m.status)).length;
  const ignored = mutants.filter((m) => m.status === 'Ignored').length;
  return { detected, undetected, ignored, score: (100 * detected) / Math.max(1, detected + undetected) };
};
const row = (name, c) =>
  `| ${name} | ${c.score.toFixed(1)}% | ${c.detected} | ${c.undetected} | ${c.ignored} |`;

const sorted = [...files.keys()].sort();
const folders = new Map();
for (const file of sorted) {
  const folder = file.split('/').slice(0, -1).join('/');
  folders.set(folder, [...(folders.get(folder) ?? []), ...files.get(file).mutants]);
}
const all = sorted.flatMap((file) => files.get(file).mutants);
const lines = [
  '| scope | score | detected | survived or not covered | equivalent (ignored) |',
  '|---|---:|---:|---:|---:|',
  row(`**all ${sorted.length} files**`, count(all)),
  ...[...folders].map(([folder, mutants]) => row(folder, count(mutants))),
  '',
  '| file | score | detected | survived or not covered | equivalent (ignored) |',
  '|---|---:|---:|---:|---:|',
  ...sorted.map((file) => row(file, count(files.get(file).mutants))),
  '',
];
const equivalent = sorted.flatMap((file) =>
  files
    .get(file)
    .mutants.filter((m) => m.status === 'Ignored')
    .map(
      (m) =>
        `- ${file}:${m.location.start.line} ${m.mutatorName} → \`${(m.replacement ?? '').replace(/\s+/g, ' ')}\`: ` +
        `${m.statusReason ?? '(no reason given)'}`,
    ),
);
lines.push(`Equivalent mutants (${equivalent.length}):`, '', ...equivalent, '');
const survivors = sorted.flatMap((file) => {
  const source = files.get(file).source.split('\n');
  return files
    .get(file)
    .mutants.filter((m) => UNDETECTED.has(m.status))
    .map((m) => {
      const line = m.location.start.line;
      const replacement = (m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 60);
      return `- ${file}:${line} ${m.mutatorName}${m.status === 'NoCoverage' ? ' (no test runs it)' : ''}: ` +
        `\`${source[line - 1].trim().slice(0, 70)}\` → \`${replacement}\``;
    });
});
lines.push(`Surviving mutants (${survivors.length}):`, '', ...survivors);
console.log(lines.join('\n'));
