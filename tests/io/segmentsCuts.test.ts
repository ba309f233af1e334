/**
 * Where readTableSegments cuts an input, pinned where the mutation run found it unchecked: a header whose CRLF
 * is cut off by a segment or split between two chunks of standard input, a header that arrives in pieces, a cut
 * that must not fall between a CR and its LF, and blank lines at a cut. Records alone cannot tell these cuts
 * apart (any cut at a record boundary gives the same records), so the tests look at how the records are shared
 * out between segments, and at the row a byte-level fault is reported on, which counts physical lines and so sees
 * a line break moved from one segment to the next. Every expected cut is worked by hand from the rule in
 * readTableSegments's comment; every expected row is the one the whole-file parse (parseCsv) names.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { parseCsv } from '../../src/io/csv.js';
import { readTableSegments } from '../../src/io/segments.js';
import { STDIN_NAME, withStandardInput } from '../../src/io/source.js';
import { thrownBy } from '../helpers.js';

const folder = mkdtempSync(join(tmpdir(), 'cpv-segment-cuts-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
let files = 0;

function write(bytes: Buffer): string {
  const path = join(folder, `in${files++}.csv`);
  writeFileSync(path, bytes);
  return path;
}

const latin1 = (text: string) => Buffer.from(text, 'latin1');

type Cut = [recordsBefore: number, records: string[]];

interface Segment {
  readonly table: { readonly records: readonly (readonly string[])[] };
  readonly recordsBefore: number;
}

/** Each segment as [recordsBefore, its records joined by "|"]. */
const cutsOf = (segments: Iterable<Segment>) =>
  [...segments].map(({ table, recordsBefore }): Cut => [recordsBefore, table.records.map((r) => r.join('|'))]);

/** The segments of standard input handed over as `chunks`, one chunk at a time. */
function stdinCuts(chunks: readonly Buffer[], segmentBytes: number): Cut[] {
  return withStandardInput(
    () => chunks,
    () => cutsOf(readTableSegments('-', { segmentBytes })),
  );
}

/** The segments read before the read fails, and its DataError (checked to be one). */
function cutsUntilFailure(segments: Iterable<Segment>) {
  const cuts: Cut[] = [];
  const error = thrownBy(() => {
    for (const segment of segments) cuts.push(...cutsOf([segment]));
  }, DataError);
  return { cuts, error };
}

/** The DataError of the whole-file parse of `bytes`, named `name`. */
const wholeFileError = (name: string, bytes: Buffer) => thrownBy(() => parseCsv({ name, bytes }), DataError);

describe('a header ending in CRLF', () => {
  // Header "h\r\n"; records of 3 bytes ("1\r\n"), 6 bytes a segment: two records in each. Were the header cut
  // after its CR, the rest would start with the LF, and every later cut would move by one byte.
  const text = 'h\r\n1\r\n2\r\n3\r\n4\r\n';
  const expected: Cut[] = [
    [0, ['1', '2']],
    [2, ['3', '4']],
  ];

  it('ends after its LF, so that the cuts count from the first record', () => {
    expect(cutsOf(readTableSegments(write(latin1(text)), { segmentBytes: 6 }))).toEqual(expected);
  });

  it('split between its CR and its LF by standard input gives the same cuts as in one piece', () => {
    expect(stdinCuts([latin1('h\r'), latin1('\n1\r\n2\r\n3\r\n4\r\n')], 6)).toEqual(expected);
    expect(stdinCuts([latin1(text)], 6)).toEqual(expected);
  });
});

describe('a header that arrives in pieces', () => {
  it('is read whole before any segment is cut, so that every segment has all of it', () => {
    const expected: Cut[] = [
      [0, ['1|2']],
      [1, ['3|4']],
    ];
    expect(stdinCuts([latin1('a,'), latin1('b\n1,2\n3,4\n')], 4)).toEqual(expected);
    expect(stdinCuts([latin1('a'), latin1(','), latin1('b'), latin1('\n1,2\n3,4\n')], 4)).toEqual(expected);
    expect(stdinCuts([latin1('a,b\n1,2\n3,4\n')], 4)).toEqual(expected);
  });
});

describe('the row of a byte-level fault just after a cut', () => {
  it('after a CRLF: the cut falls after the LF, not between CR and LF, and the row is the whole file’s', () => {
    // Body "1,234\r\n" then "3,\xff\r\n", 6 bytes a segment: the CR of the first record is byte 5, its LF byte 6.
    // A cut between them would start the next segment with a blank line, one line too many before the fault.
    const bytes = latin1('a,b\r\n1,234\r\n3,\xff\r\n');
    const path = write(bytes);
    const whole = wholeFileError(path, bytes);
    expect(whole.location).toEqual({ file: path, row: 3 });
    const { cuts, error } = cutsUntilFailure(readTableSegments(path, { segmentBytes: 6 }));
    expect(cuts).toEqual([[0, ['1|234']]]);
    expect(error.message).toBe(whole.message);
    expect(error.location).toEqual({ file: path, row: 3 });
  });

  it('after a CR that ends a chunk of standard input: it waits for the next chunk to see whether an LF follows', () => {
    const chunks = [latin1('a,b\r\n1,234\r'), latin1('\n3,\xff\r\n')];
    const whole = wholeFileError(STDIN_NAME, Buffer.concat(chunks));
    expect(whole.location).toEqual({ file: STDIN_NAME, row: 3 });
    const { cuts, error } = withStandardInput(
      () => chunks,
      () => cutsUntilFailure(readTableSegments('-', { segmentBytes: 6 })),
    );
    expect(cuts).toEqual([[0, ['1|234']]]);
    expect(error.message).toBe(whole.message);
    expect(error.location).toEqual({ file: STDIN_NAME, row: 3 });
  });

  it('after a blank line: an LF followed by another LF still ends a record, so the blank line starts the rest', () => {
    // Body "1234\n" (cut there: 5 bytes a segment), then a blank line and the fault: the rest, "\n\xff\n",
    // is the last segment, and its blank line counts, as in the whole file (row 4).
    const bytes = latin1('a\n1234\n\n\xff\n');
    const path = write(bytes);
    const whole = wholeFileError(path, bytes);
    expect(whole.location).toEqual({ file: path, row: 4 });
    const { cuts, error } = cutsUntilFailure(readTableSegments(path, { segmentBytes: 5 }));
    expect(cuts).toEqual([[0, ['1234']]]);
    expect(error.message).toBe(whole.message);
    expect(error.location).toEqual({ file: path, row: 4 });
  });
});

describe('readTableSegments options', () => {
  it('calls standard input <stdin> in tables and messages unless given a name', () => {
    const input = () => [Buffer.from('a,b\n1,2\n')];
    const segments = withStandardInput(input, () => [...readTableSegments('-')]);
    expect(segments).toHaveLength(1);
    expect(segments[0]!.table.file).toBe(STDIN_NAME);
    const error = withStandardInput(
      () => [Buffer.from('a,b\n1,2,3\n')],
      () => thrownBy(() => [...readTableSegments('-')], DataError),
    );
    expect(error.location).toEqual({ file: STDIN_NAME, row: 2 });
    const named = withStandardInput(input, () => [...readTableSegments('-', { name: 'pipe.csv' })]);
    expect(named[0]!.table.file).toBe('pipe.csv');
  });

  it('passes the header options to the parse of every segment', () => {
    const path = write(latin1('a,,c\n1,2,3\n4,5,6\n'));
    const segments = [...readTableSegments(path, { segmentBytes: 6, header: { allowUnnamed: true } })];
    expect(cutsOf(segments)).toEqual([
      [0, ['1|2|3']],
      [1, ['4|5|6']],
    ]);
    expect(segments.map((s) => s.table.header)).toEqual([
      ['a', 'unnamed_2', 'c'],
      ['a', 'unnamed_2', 'c'],
    ]);
    expect(segments.map((s) => s.header)).toEqual([{ unnamed: ['unnamed_2'] }, { unnamed: ['unnamed_2'] }]);
    expect(thrownBy(() => [...readTableSegments(path)], DataError).message).toBe(
      `${path} row 1: header cell 2 is empty; every column needs a name: name it in the file, or give ` +
        '--allow-unnamed to call it unnamed_2',
    );
  });
});
