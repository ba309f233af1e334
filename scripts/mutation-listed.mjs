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

const MARKER = /\/\/ Stryker disable next-line ([\w,]+):/;

/**
 * Markers that hide more than one mutant: `// Stryker disable next-line <Mutator>: <reason>` switches off every
 * mutant of its operators on its line, while its reason is written for one (an audit found most such markers hiding,
 * beside that one, mutants that change results). Such a marker gives way to entries of the list, one per mutant. A
 * marker for `all` is exempt: it marks code that no test in this process reaches, a reason that holds for each.
 * `files`: file → { source, mutants } as in Stryker's JSON report. Returns `file:line (n mutants)` of each marker.
 */
export function crowdedMarkers(files) {
  const crowded = [];
  for (const [file, { source, mutants }] of files) {
    const lines = source.split('\n');
    const hidden = new Map();
    for (const m of mutants) {
      // Static mutants, and survivors the list names (which mutation-summary.mjs marks Ignored), are no marker's.
      if (m.status !== 'Ignored' || m.static || m.statusReason?.endsWith(`(listed in ${LISTED_EQUIVALENTS})`)) continue;
      const markerLine = m.location.start.line - 1; // 1-based line of the comment above the mutant
      const marker = MARKER.exec(lines[markerLine - 1] ?? '');
      if (!marker || marker[1] === 'all') continue;
      hidden.set(markerLine, (hidden.get(markerLine) ?? 0) + 1);
    }
    for (const [line, n] of hidden) if (n > 1) crowded.push(`${file}:${line} (${n} mutants)`);
  }
  return crowded;
}
