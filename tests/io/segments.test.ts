import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/io/csv.js';
import { DataError } from '../../src/errors.js';
import { readTableSegments, relocateRows } from '../../src/io/segments.js';

const folder = mkdtempSync(join(tmpdir(), 'cpv-segments-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
let files = 0;

function write(text: string | Buffer): string {
  const path = join(folder, `in${files++}.csv`);
  writeFileSync(path, text);
  return path;
}

/** What reading in segments gives: the header, every record in order, and the record offsets claimed. */
function readInSegments(path: string, segmentBytes: number) {
  const records: (readonly string[])[] = [];
  let header: readonly string[] | undefined;
  for (const { table, recordsBefore } of readTableSegments(path, { segmentBytes })) {
    expect(recordsBefore).toBe(records.length);
    header ??= table.header;
    expect(table.header).toEqual(header);
    records.push(...table.records);
  }
  return { header, records };
}

/** The message a read throws, or undefined. */
function failure(read: () => unknown): string | undefined {
  try {
    read();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** A CSV field as RFC 4180 writes it: quoted when it holds a comma, quote or line break. */
function field(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const cell = fc.oneof(
  fc.constantFrom('', '1', '-2.5', 'x y', 'a,b', 'say "hi"', 'line\nbreak', 'cr\r\nlf', 'lone\rcr', 'ünï', '"', ',,'),
  fc.string({ maxLength: 6 }),
);

describe('readTableSegments', () => {
  it('gives the same header and records as parsing the whole file, wherever the segments are cut', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((width) =>
          fc.record({
            header: fc.constant(Array.from({ length: width }, (_, c) => `c${c}`)),
            rows: fc.array(fc.array(cell, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 25 }),
            lineEnd: fc.constantFrom('\n', '\r\n', '\r'),
            trailing: fc.boolean(),
            bom: fc.boolean(),
            blankLines: fc.boolean(),
          }),
        ),
        fc.constantFrom(1, 2, 7, 31, 4096),
        (input, segmentBytes) => {
          // A record of one empty field would be a blank line, which CSV readers skip.
          fc.pre(input.header.length > 1 || input.rows.every((row) => row[0] !== ''));
          const lines = [input.header.join(','), ...input.rows.map((row) => row.map(field).join(','))];
          const text =
            (input.bom ? '\ufeff' : '') +
            lines.join(input.blankLines ? input.lineEnd.repeat(2) : input.lineEnd) +
            (input.trailing ? input.lineEnd : '');
          const path = write(text);
          const whole = parseCsv({ name: path, bytes: Buffer.from(text) });
          const pieces = readInSegments(path, segmentBytes);
          expect(pieces.header).toEqual(whole.header);
          expect(pieces.records).toEqual(whole.records);
        },
      ),
      { numRuns: 300, seed: 20261123 },
    );
  });

  it('names the same row as the whole-file parse for a fault in a later segment', () => {
    const rows = Array.from({ length: 400 }, (_, i) => `${i},${i * 2}`);
    const faults = {
      ragged: (r: string[]) => r.splice(350, 1, '1,2,3'),
      quote: (r: string[]) => r.splice(301, 1, '5,a"b'),
      unclosed: (r: string[]) => r.splice(399, 1, '5,"open'),
      repeatedHeader: (r: string[]) => r.splice(222, 1, 'a,b'),
      bom: (r: string[]) => r.splice(123, 1, '1,\ufeff2'),
    };
    for (const [name, fault] of Object.entries(faults)) {
      const lines = [...rows];
      fault(lines);
      const text = `a,b\n${lines.join('\n')}\n`;
      const path = write(text);
      const whole = failure(() => parseCsv({ name: path, bytes: Buffer.from(text) }));
      expect(whole, name).toBeDefined();
      for (const segmentBytes of [64, 1000])
        expect(
          failure(() => readInSegments(path, segmentBytes)),
          `${name} / ${segmentBytes}`,
        ).toBe(whole);
    }
  });

  it('names the line of a byte-level fault anywhere in the input', () => {
    const text = Buffer.concat([
      Buffer.from(`a,b\n${'1,2\n'.repeat(300)}`),
      Buffer.from([0x31, 0x2c, 0xff, 0x0a]),
      Buffer.from('3,4\n'),
    ]);
    const path = write(text);
    const whole = failure(() => parseCsv({ name: path, bytes: text }));
    expect(whole).toMatch(/row 302: is not valid UTF-8 text \(byte FF in column "b"/);
    expect(failure(() => readInSegments(path, 100))).toMatch(/row 302.*is not valid UTF-8/);
    const nul = write(Buffer.concat([Buffer.from(`a,b\n${'1,2\n'.repeat(300)}`), Buffer.from([0x31, 0x00])]));
    expect(failure(() => readInSegments(nul, 100))).toMatch(/row 302: contains a NUL byte/);
  });

  it('reports an empty file, a header alone and a header followed by blank lines as the whole-file parse does', () => {
    for (const text of ['', 'a,b\n', 'a,b\n\n\n', '\n\n']) {
      const path = write(text);
      expect(failure(() => readInSegments(path, 1))).toBe(
        failure(() => parseCsv({ name: path, bytes: Buffer.from(text) })),
      );
    }
  });
});

/**
 * Where the segments are cut, worked by hand from the rule in readTableSegments's comment: a segment ends just
 * after the last record boundary before `segmentBytes` bytes, or at the first one after when a record is longer;
 * the rest, shorter than `segmentBytes`, is the last segment. The property test above cannot see the cuts (any
 * cut at a record boundary gives the same records), so these pin them: the records in each segment, in order.
 */
describe('readTableSegments: where the cuts fall', () => {
  const cuts = (text: string, segmentBytes: number) =>
    [...readTableSegments(write(text), { segmentBytes })].map(({ table, recordsBefore }) => [
      recordsBefore,
      table.records.map((record) => record.join('|')),
    ]);

  it('a boundary byte exactly at the limit is left to the next segment', () => {
    // Body "1\n2\n3\n4\n5\n", 3 bytes a segment: the first boundary ends at 2, the next starts at byte 3.
    expect(cuts('h\n1\n2\n3\n4\n5\n', 3)).toEqual([
      [0, ['1']],
      [1, ['2']],
      [2, ['3']],
      [3, ['4']],
      [4, ['5']],
    ]);
    // 4 bytes a segment: "1\n2\n" ends exactly at the limit.
    expect(cuts('h\n1\n2\n3\n4\n5\n', 4)).toEqual([
      [0, ['1', '2']],
      [2, ['3', '4']],
      [4, ['5']],
    ]);
  });

  it('a record longer than a segment makes a segment of its own, ending at its line break', () => {
    expect(cuts('h\n123456\n1\n2\n', 3)).toEqual([
      [0, ['123456']],
      [1, ['1']],
      [2, ['2']],
    ]);
  });

  it('a rest exactly one segment long without a final line break is cut at its last boundary', () => {
    expect(cuts('h\n1\n2', 3)).toEqual([
      [0, ['1']],
      [1, ['2']],
    ]);
    expect(cuts('h\n12', 2)).toEqual([[0, ['12']]]);
  });

  it('lone CR line breaks cut as LF ones do, CRLF is one break, and a break inside quotes is no boundary', () => {
    expect(cuts('h\r1\r2\r3\r', 3)).toEqual([
      [0, ['1']],
      [1, ['2']],
      [2, ['3']],
    ]);
    expect(cuts('h\r\n1\r\n2\r\n3\r\n', 4)).toEqual([
      [0, ['1']],
      [1, ['2']],
      [2, ['3']],
    ]);
    expect(cuts('h\n"a\nb"\n1\n', 3)).toEqual([
      [0, ['a\nb']],
      [1, ['1']],
    ]);
    // A header with a quoted line break: the header ends at the first break outside quotes.
    expect(cuts('"h\ni"\r1\r2\r', 2)).toEqual([
      [0, ['1']],
      [1, ['2']],
    ]);
  });

  it('a CR ending the input with no boundary before it leaves the whole rest to the last segment', () => {
    expect(cuts('h\n12\r', 3)).toEqual([[0, ['12']]]);
    // The CR at the limit may be the first half of a CRLF: undecided, so at the end of the input it is all one.
    expect(cuts('h\n1\n2\r', 4)).toEqual([[0, ['1', '2']]]);
    expect(cuts('h\n1\r2\r', 3)).toEqual([
      [0, ['1']],
      [1, ['2']],
    ]);
  });

  it('a segment of line breaks alone is skipped', () => {
    expect(cuts('h\n1\n\n\n\n\n2\n', 2)).toEqual([
      [0, ['1']],
      [1, ['2']],
    ]);
  });

  it('names the input in messages by the name given, else by its path', () => {
    const path = write('h\n1,2\n');
    const detail =
      'row 2: has 2 fields but the header has 1 ' +
      '(a comma inside a value, such as a decimal comma or thousands separator, must be quoted)';
    expect(failure(() => [...readTableSegments(path, { name: 'data.csv' })])).toBe(`data.csv ${detail}`);
    expect(failure(() => [...readTableSegments(path)])).toBe(`${path} ${detail}`);
  });
});

describe('relocateRows', () => {
  const rethrown = (recordsBefore: number, error: unknown): unknown => {
    try {
      relocateRows(recordsBefore, () => {
        throw error;
      });
    } catch (caught) {
      return caught;
    }
    return expect.fail('nothing was thrown');
  };

  it('gives a data row of a later segment its row number in the whole input', () => {
    const moved = rethrown(5, new DataError('bad cell', { file: 'in.csv', row: 2, column: 'x' }));
    expect(moved).toBeInstanceOf(DataError);
    expect((moved as DataError).location).toEqual({ file: 'in.csv', row: 7, column: 'x' });
    expect((moved as DataError).detail).toBe('bad cell');
  });

  it('passes on unchanged an error of the first segment, of the header row, without a row, or not about data', () => {
    const cases: [number, unknown][] = [
      [0, new DataError('first segment', { file: 'in.csv', row: 3 })],
      [5, new DataError('header', { file: 'in.csv', row: 1 })],
      [5, new DataError('no row', { file: 'in.csv', column: 'x' })],
      [5, new DataError('no location')],
      [5, new TypeError('not about data')],
    ];
    expect(cases).toHaveLength(5);
    for (const [recordsBefore, error] of cases) expect(rethrown(recordsBefore, error)).toBe(error);
  });

  it('returns what the read returns', () => {
    expect(relocateRows(9, () => 42)).toBe(42);
  });
});
