/**
 * Issue 6: a line without a line break far longer than a record may be must be refused with a clear error (exit 2),
 * and reading must stop soon after MAX_RECORD_BYTES, not at the end of the file. These tests check that behaviour
 * on files of a few MiB (none writes more than 16 MiB); how long the refusal takes and how much memory it needs on
 * a 1 GiB file are measured by the benchmark (`npm run bench`, scenario 6), not asserted here.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { MAX_INPUT_BYTES, MAX_RECORD_BYTES, readChunks, readSource } from '../../src/io/source.js';
import { runCli, SYNTHETIC_MODEL } from '../cli/run.js';

const MiB = 1024 ** 2;
const HEADER = 'la,year,idaci,spend,vacancy,cpp_rate\n';
const LONG = 'a record is longer than 1 MiB (the file may not be CSV, or lack line breaks)';

const folder = mkdtempSync(join(tmpdir(), 'cpv-oversized-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** A header line, then 16 MiB of `a` with no line break (no NUL byte, so the binary check does not answer first). */
const noBreaks = join(folder, 'no-breaks.csv');
writeFileSync(noBreaks, HEADER + 'a'.repeat(16 * MiB));

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

describe('a 16 MiB line without a line break', () => {
  it('makes decompose exit 2 with the record-length error and print nothing on stdout', () => {
    for (const model of [[], SYNTHETIC_MODEL, ['--outcome', 'cpp_rate', '--group', 'x=idaci,spend']]) {
      // the default model, the NAO layout (whole-file read), a model without fixed effects (read in segments)
      const result = runCli(['decompose', noBreaks, ...model]);
      expect(result.status, result.stderr).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trimEnd().split('\n')[0]).toBe(`error: ${noBreaks} row 2: ${LONG}`);
    }
  });

  it('stops readSource with the error on row 2', () => {
    const error = dataError(() => readSource(noBreaks));
    expect(error.message).toBe(`${noBreaks} row 2: ${LONG}`);
    expect(error.location).toEqual({ file: noBreaks, row: 2 });
  });

  it('is refused before more than about MAX_RECORD_BYTES has been handed on: reading stops, not the whole file', () => {
    // readChunks checks each 1 MiB read as it arrives; the chunks it yields before the error cover the header and
    // at most MAX_RECORD_BYTES of the long line, far less than the 16 MiB a read to the end would hold.
    let yielded = 0;
    const error = dataError(() => {
      for (const chunk of readChunks(noBreaks)) yielded += chunk.length;
    });
    expect(error.location).toEqual({ file: noBreaks, row: 2 });
    expect(yielded).toBeLessThanOrEqual(HEADER.length + MAX_RECORD_BYTES);
  });
});

describe('an input larger than the size limit', () => {
  it('is refused by the file reader once that much has been read, whatever its lines', () => {
    const path = join(folder, 'many-lines.csv');
    writeFileSync(path, HEADER + 'A1,2012,0.1,500,10,30\n'.repeat(150_000)); // about 3.3 MiB
    let yielded = 0;
    const error = dataError(() => {
      for (const chunk of readChunks(path, 2 * MiB)) yielded += chunk.length;
    });
    expect(error.message).toBe(`${path}: is larger than 2 MiB, the most cpp-variance reads`);
    expect(yielded).toBeLessThanOrEqual(2 * MiB);
  });

  it('is refused at MAX_INPUT_BYTES (256 MiB), one byte over, by the checks every whole read goes through', () => {
    expect(MAX_RECORD_BYTES).toBe(MiB);
    expect(MAX_INPUT_BYTES).toBe(256 * MiB);
    // Buffer.alloc's zero pages are not touched: the size check comes before any byte is looked at.
    const tooBig = Buffer.alloc(MAX_INPUT_BYTES + 1);
    expect(dataError(() => readSource('-', () => tooBig)).message).toBe(
      '<stdin>: is larger than 256 MiB, the most cpp-variance reads',
    );
  });
});
