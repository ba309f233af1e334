// Equivalent mutants listed in docs/mutation-equivalents.md rather than marked in the code: read by
// scripts/mutation-summary.mjs and scripts/mutate.mjs, which count a surviving mutant that matches an entry as
// equivalent (left out of the score, as a marked one is).
// An entry: `- FILE:LINE:COLUMN-ENDLINE:ENDCOLUMN MUTATOR `REPLACEMENT`: reason` (the mutated code's span, as
// Stryker's JSON report gives it: two mutants may start at the same place), matched on all of it, so that an entry
// stops matching (and the mutant counts as surviving again) as soon as the code it names moves or changes.
import { existsSync, readFileSync } from 'node:fs';

export const LISTED_EQUIVALENTS = 'docs/mutation-equivalents.md';
const ENTRY = /^- (\S+?):(\d+:\d+-\d+:\d+) (\w+) `(.*?)`: (.+)$/;

/** The entries of the list: key (file:span mutator replacement) → reason. */
export function readListed(path = LISTED_EQUIVALENTS) {
  const listed = new Map();
  if (!existsSync(path)) return listed;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = ENTRY.exec(line);
    if (match) listed.set(keyOf(match[1], match[2], match[3], match[4]), match[5]);
  }
  return listed;
}

const keyOf = (file, span, mutator, replacement) =>
  `${file}:${span} ${mutator} ${replacement.replace(/\s+/g, ' ').trim()}`;

/** The key of a mutant of `file` in a Stryker JSON report, as an entry of the list gives it. */
export function keyOfMutant(file, mutant) {
  const { start, end } = mutant.location;
  const span = `${start.line}:${start.column}-${end.line}:${end.column}`;
  return keyOf(file, span, mutant.mutatorName, mutant.replacement ?? '');
}
