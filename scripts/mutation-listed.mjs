// Equivalent mutants listed in docs/mutation-equivalents.md rather than marked in the code: read by
// scripts/mutation-summary.mjs and scripts/mutate.mjs, which count a surviving mutant that matches an entry as
// equivalent (left out of the score, as a marked one is).
// An entry: `- FILE:LINE:COLUMN MUTATOR `REPLACEMENT`: reason`, matched on all five against the JSON report, so that
// an entry stops matching (and the mutant counts as surviving again) as soon as the code it names moves or changes.
import { existsSync, readFileSync } from 'node:fs';

export const LISTED_EQUIVALENTS = 'docs/mutation-equivalents.md';
const ENTRY = /^- (\S+?):(\d+):(\d+) (\w+) `(.*?)`: (.+)$/;

/** The entries of the list: key (file:line:column mutator replacement) → reason. */
export function readListed(path = LISTED_EQUIVALENTS) {
  const listed = new Map();
  if (!existsSync(path)) return listed;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = ENTRY.exec(line);
    if (match) listed.set(keyOf(match[1], match[2], match[3], match[4], match[5]), match[6]);
  }
  return listed;
}

const keyOf = (file, line, column, mutator, replacement) =>
  `${file}:${line}:${column} ${mutator} ${replacement.replace(/\s+/g, ' ').trim()}`;

/** The key of a mutant of `file` in a Stryker JSON report, as an entry of the list gives it. */
export function keyOfMutant(file, mutant) {
  const { line, column } = mutant.location.start;
  return keyOf(file, line, column, mutant.mutatorName, mutant.replacement ?? '');
}
