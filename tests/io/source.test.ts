import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { checkInputBytes, MAX_RECORD_BYTES, readSource, STDIN_NAME } from '../../src/io/source.js';

const folder = mkdtempSync(join(tmpdir(), 'cpv-source-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(folder, name);
  writeFileSync(path, content);
  return path;
}

/** The DataError thrown by `action`, or a failure. */
function dataError(action: () => unknown): DataError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    return error as DataError;
  }
  throw new Error('expected a DataError');
}

const LONG = 'a record is longer than 1 MiB (the file may not be CSV, or lack line breaks)';

describe('readSource', () => {
  it('reads a file across many chunks unchanged', () => {
    const content = Buffer.from(Array.from({ length: 200_000 }, (_, i) => `A${i},${i}\r\n`).join(''));
    expect(content.length).toBeGreaterThan(2 * 1024 * 1024);
    const source = readSource(file('many.csv', content));
    expect(source.bytes.equals(content)).toBe(true);
  });

  it('names a missing file and a directory', () => {
    expect(dataError(() => readSource(join(folder, 'nope.csv'))).message).toBe(
      `${join(folder, 'nope.csv')}: no such file`,
    );
    expect(dataError(() => readSource(folder)).message).toBe(`${folder}: is a directory, not a CSV file`);
  });

  it('accepts a line of exactly MAX_RECORD_BYTES and refuses one byte more, on the right line', () => {
    const ok = `h\n${'x'.repeat(MAX_RECORD_BYTES)}\n`;
    expect(readSource(file('limit.csv', ok)).bytes.length).toBe(ok.length);
    const error = dataError(() => readSource(file('over.csv', `h\r\nx\r\n${'x'.repeat(MAX_RECORD_BYTES + 1)}\r\n`)));
    expect(error.message).toBe(`${join(folder, 'over.csv')} row 3: ${LONG}`);
  });

  it('counts a CRLF split between two reads as one line end', () => {
    // the CR is the last byte of the first 1 MiB read, its LF the first byte of the second
    const first = `${'x'.repeat(1024 * 1024 - 1)}\r`;
    const error = dataError(() =>
      readSource(file('crlf-split.csv', Buffer.concat([Buffer.from(first), Buffer.from('\nab\0')]))),
    );
    expect(error.location).toEqual({ file: join(folder, 'crlf-split.csv'), row: 2 });
  });

  it('counts lone CRs (old Mac files) as line ends, so their lines are not "long"', () => {
    const content = Array.from({ length: 100_000 }, (_, i) => `A${i % 7},${i},0.5,1,2,3`).join('\r');
    expect(content.length).toBeGreaterThan(MAX_RECORD_BYTES);
    expect(readSource(file('mac.csv', content)).bytes.length).toBe(content.length);
  });

  it('stops at the first NUL byte and names its line', () => {
    const error = dataError(() => readSource(file('nul.csv', 'a,b\n1,2\r\n3,\u0000\n')));
    expect(error.message).toBe(
      `${join(folder, 'nul.csv')} row 3: contains a NUL byte: this looks like a binary file, not CSV text`,
    );
  });

  it('recognises UTF-16 before calling it binary, even when the first read is tiny', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n1,2\n', 'utf16le')]);
    expect(dataError(() => readSource(file('u16.csv', utf16))).message).toMatch(
      /is UTF-16 text \(little-endian byte-order mark FF FE\)/,
    );
    expect(dataError(() => checkInputBytes(Buffer.from([0xff, 0xfe, 0x61]), 'x')).message).toMatch(
      /^x: is UTF-16 text/,
    );
    expect(dataError(() => checkInputBytes(Buffer.from([0x00, 0x00, 0xfe, 0xff]), 'x')).message).toMatch(
      /^x: is UTF-32 text/,
    );
    expect(
      dataError(() => checkInputBytes(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0]), 'x')).message,
    ).toMatch(/Excel 97-2003 workbook/);
    expect(dataError(() => checkInputBytes(Buffer.from('%PDF-1.7\n'), 'x')).message).toBe(
      'x: is a PDF document, not CSV text',
    );
  });

  it('applies the same checks to standard input supplied by a function', () => {
    const error = dataError(() => readSource('-', () => Buffer.from(`h\n${'y'.repeat(MAX_RECORD_BYTES + 1)}`)));
    expect(error.message).toBe(`${STDIN_NAME} row 2: ${LONG}`);
    expect(readSource('-', () => Buffer.from('a\n1\n')).bytes.toString()).toBe('a\n1\n');
  });
});
