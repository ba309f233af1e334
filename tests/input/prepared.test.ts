/**
 * The parsed copies of the shipped datasets (src/input/prepared.ts) that `npm run build` writes to dist/datasets:
 * each is exactly what parsing the shipped CSV gives, and is used only for those bytes at that place.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_DATASET_NOTES, DEFAULT_DATASET, defaultDatasetPath } from '../../src/input/datasets.js';
import { readInput } from '../../src/input/pipeline.js';
import { fromCopy, prepareCopy, preparedInput, preparedPath, type PreparedCopy } from '../../src/input/prepared.js';
import { parseCsvTable } from '../../src/io/csv.js';
import { packageRoot } from '../../src/io/packageRoot.js';

const DATASETS = Object.keys(BUNDLED_DATASET_NOTES);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('parsed copies of the shipped datasets', () => {
  it('are written by the build for every shipped dataset', () => {
    expect(DATASETS).toContain(DEFAULT_DATASET);
    for (const dataset of DATASETS)
      expect(existsSync(preparedPath(dataset)), `${preparedPath(dataset)}: run npm run build`).toBe(true);
  });

  it.each(DATASETS)('%s: the copy is what parsing the shipped CSV gives, for these very bytes', (dataset) => {
    const bytes = readFileSync(join(packageRoot(), dataset));
    const parsed = parseCsvTable({ name: dataset, bytes });
    const copy = JSON.parse(readFileSync(preparedPath(dataset), 'utf8')) as PreparedCopy;
    expect(copy.sha256).toBe(sha256(bytes));
    expect(copy.header).toEqual(parsed.table.header);
    expect(copy.records).toEqual(parsed.table.records);
    expect(parsed.header).toEqual({ unnamed: [] });
    expect(prepareCopy(dataset)).toEqual(copy);
  });

  it('give readInput the table parsing gives, with the same hash', () => {
    const bytes = readFileSync(defaultDatasetPath());
    const read = readInput({});
    const parsed = parseCsvTable({ name: DEFAULT_DATASET, bytes }).table;
    expect(preparedInput(defaultDatasetPath(), DEFAULT_DATASET)).toEqual({ table: parsed, sha256: sha256(bytes) });
    expect(read.table).toEqual(parsed);
    expect(read.sha256).toBe(sha256(bytes));
    expect(read.header).toBeUndefined();
  });

  it('are passed over for other bytes (a fixture edited after the build) and for files elsewhere', () => {
    const folder = mkdtempSync(join(tmpdir(), 'cpv-prepared-'));
    // A copy recording other bytes: as if the fixture had been edited after the build.
    const copy = JSON.parse(readFileSync(preparedPath(DEFAULT_DATASET), 'utf8')) as PreparedCopy;
    const stale = join(folder, 'stale.json');
    writeFileSync(stale, JSON.stringify({ ...copy, sha256: sha256(Buffer.from('other bytes')) }));
    expect(fromCopy(stale, defaultDatasetPath(), DEFAULT_DATASET)).toBeUndefined();
    expect(fromCopy(preparedPath(DEFAULT_DATASET), defaultDatasetPath(), DEFAULT_DATASET)).toBeDefined();
    expect(fromCopy(join(folder, 'missing.json'), defaultDatasetPath(), DEFAULT_DATASET)).toBeUndefined();
    // The same bytes elsewhere are the user's file: parsed, never taken from a copy.
    const elsewhere = join(folder, 'england-la-panel.csv');
    copyFileSync(defaultDatasetPath(), elsewhere);
    expect(preparedInput(elsewhere, elsewhere)).toBeUndefined();
    expect(readInput({ file: elsewhere }).table.records).toEqual(readInput({}).table.records);
  });
});
