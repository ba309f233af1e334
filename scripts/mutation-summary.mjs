#!/usr/bin/env node
// The mutation score from StrykerJS's JSON reports, as docs/mutation.md records it.
//   node scripts/mutation-summary.mjs REPORT.json [REPORT.json ...]   print the summary (Markdown) on standard output
// Several reports (runs over different folders, `npm run mutate -- --mutate 'src/io/**/*.ts'`) are combined; a file
// in more than one report counts from the last. Score = detected / (detected + survived + no coverage), detected =
// killed + timed out, as Stryker's "total" score; mutants marked equivalent in the code
// (`// Stryker disable next-line <mutator>: <reason>`) are listed with their reason and left out of the score.
// Static mutants (top-level code of a module, run once when it loads: `ignoreStatic` in stryker.config.mjs) are
// counted per file and left out of the score too: Stryker does not run them. Surviving mutants listed as equivalent
// in docs/mutation-equivalents.md (where a marker would also switch off killed mutants) count as equivalent too.
import { readFileSync } from 'node:fs';
import { crowdedMarkers, keyOfMutant, LISTED_EQUIVALENTS, readListed } from './mutation-listed.mjs';

const reports = process.argv.slice(2);
if (reports.length === 0) {
  console.error('usage: node scripts/mutation-summary.mjs REPORT.json [REPORT.json ...]');
  process.exit(2);
}
const files = new Map();
for (const path of reports) {
  for (const [file, data] of Object.entries(JSON.parse(readFileSync(path, 'utf8')).files)) files.set(file, data);
}

// A listed mutant that survived is equivalent, with the list's reason; an entry that matches none is stale.
const listed = readListed();
const used = new Set();
for (const [file, data] of files) {
  for (const m of data.mutants) {
    const reason = listed.get(keyOfMutant(file, m));
    if (reason === undefined || (m.status !== 'Survived' && m.status !== 'NoCoverage')) continue;
    used.add(keyOfMutant(file, m));
    m.status = 'Ignored';
    m.statusReason = `${reason} (listed in ${LISTED_EQUIVALENTS})`;
  }
}
const stale = [...listed.keys()].filter((key) => !used.has(key));

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
const isStatic = (m) => m.status === 'Ignored' && /^Static mutant/.test(m.statusReason ?? '');
const isEquivalent = (m) => m.status === 'Ignored' && !isStatic(m);
const count = (mutants) => {
  const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
  const undetected = mutants.filter((m) => UNDETECTED.has(m.status)).length;
  const equivalent = mutants.filter(isEquivalent).length;
  const statics = mutants.filter(isStatic).length;
  return { detected, undetected, equivalent, statics, score: (100 * detected) / Math.max(1, detected + undetected) };
};
const row = (name, c) =>
  `| ${name} | ${c.score.toFixed(1)}% | ${c.detected} | ${c.undetected} | ${c.equivalent} | ${c.statics} |`;
const HEADER = '| survived or not covered | equivalent | static (not run) |';

const sorted = [...files.keys()].sort();
const folders = new Map();
for (const file of sorted) {
  const folder = file.split('/').slice(0, -1).join('/');
  folders.set(folder, [...(folders.get(folder) ?? []), ...files.get(file).mutants]);
}
const all = sorted.flatMap((file) => files.get(file).mutants);
const lines = [
  `| scope | score | detected ${HEADER}`,
  '|---|---:|---:|---:|---:|---:|',
  row(`**all ${sorted.length} files**`, count(all)),
  ...[...folders].map(([folder, mutants]) => row(folder, count(mutants))),
  '',
  `| file | score | detected ${HEADER}`,
  '|---|---:|---:|---:|---:|---:|',
  ...sorted.map((file) => row(file, count(files.get(file).mutants))),
  '',
];
/** `file:line:column Mutator: original → replacement`: the mutated code itself when on one line, else its line. */
const shorten = (text) => text.replace(/\s+/g, ' ').trim().slice(0, 70);
const describeMutant = (file, m) => {
  const source = files.get(file).source.split('\n');
  const { start, end } = m.location;
  const original =
    start.line === end.line ? source[start.line - 1].slice(start.column - 1, end.column - 1) : source[start.line - 1];
  const change = `\`${shorten(original)}\` → \`${shorten(m.replacement ?? '')}\``;
  return `${file}:${start.line}:${start.column}-${end.line}:${end.column} ${m.mutatorName}: ${change}`;
};
const equivalent = sorted.flatMap((file) =>
  files
    .get(file)
    .mutants.filter(isEquivalent)
    .map((m) => `- ${describeMutant(file, m)}: ${m.statusReason ?? '(no reason given)'}`),
);
lines.push(`Equivalent mutants (${equivalent.length}):`, '', ...equivalent, '');
const survivors = sorted.flatMap((file) =>
  files
    .get(file)
    .mutants.filter((m) => UNDETECTED.has(m.status))
    .map((m) => `- ${describeMutant(file, m)}${m.status === 'NoCoverage' ? ' (no test runs it)' : ''}`),
);
lines.push(`Surviving mutants (${survivors.length}):`, '', ...survivors);
if (stale.length > 0) {
  lines.push('', `Entries of ${LISTED_EQUIVALENTS} that match no surviving mutant (${stale.length}):`, '');
  lines.push(...stale.map((key) => `- ${key}`));
}
const crowded = crowdedMarkers(files);
if (crowded.length > 0) {
  lines.push('', `Markers that hide more than one mutant: list each equivalent one instead (${crowded.length}):`, '');
  lines.push(...crowded.map((place) => `- ${place}`));
}
console.log(lines.join('\n'));
