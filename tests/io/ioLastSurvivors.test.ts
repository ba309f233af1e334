/**
 * The last mutants the mutation run left alive in src/io (csv.ts, ods.ts, segments.ts) that a test can kill: where
 * readTableSegments ends the header when a blank line follows it, and that the .ods scanner reads a tag's
 * attributes after its name only, never from the name itself. The other survivors there are equivalent mutants:
 * conditions that the code before them has already decided, which no input can tell apart.
 */
import { describe, expect, it } from 'vitest';
import { readTableSegments } from '../../src/io/segments.js';
import { withStandardInput } from '../../src/io/source.js';
import { doc, p, readXml, row, str, URN } from './odsFixtures.js';

type Cut = [recordsBefore: number, records: string[]];

/** The segments of `text` handed over as standard input in one chunk, as [recordsBefore, records joined by "|"]. */
function stdinCuts(text: string, segmentBytes: number): Cut[] {
  return withStandardInput(
    () => [Buffer.from(text, 'latin1')],
    () =>
      [...readTableSegments('-', { segmentBytes })].map(
        ({ table, recordsBefore }): Cut => [recordsBefore, table.records.map((record) => record.join('|'))],
      ),
  );
}

describe('a blank line just after the header', () => {
  it('belongs to the first segment, not the header, so the cuts count from the line after the header', () => {
    // The body after "h\n" is "\na\nbc\nd\n", 5 bytes a segment: its last boundary before byte 5 is after "a\n",
    // then "bc\nd\n" is one segment. A header of "h\n\n" would move every boundary one byte earlier and cut the
    // body after "a\nbc\n" instead.
    expect(stdinCuts('h\n\na\nbc\nd\n', 5)).toEqual([
      [0, ['a']],
      [1, ['bc', 'd']],
    ]);
  });
});

describe('the name of an .ods tag', () => {
  it('is never read as an attribute, even when a space and "=" follow it like a namespace declaration', () => {
    // The element's name is `xmlns:q`, followed by ` ="…"`, which no attribute name precedes: it declares nothing,
    // so the row inside it is in no known namespace and is not one of the sheet's rows.
    const fake =
      `<xmlns:q ="${URN.table}"><q:table-row><q:table-cell office:value-type="string">${p('x')}</q:table-cell>` +
      '</q:table-row></xmlns:q>';
    const sheet = readXml(doc(`<table:table table:name="S">${row(str('a'))}${fake}</table:table>`));
    expect(sheet.sheets).toEqual(['S']);
    expect(sheet.index).toBe(0);
    expect(sheet.rows).toEqual([['a']]);
  });
});
