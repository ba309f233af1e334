import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/io/csv.js';
import { readTableSegments } from '../../src/io/segments.js';

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
