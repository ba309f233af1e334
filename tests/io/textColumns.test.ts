import { describe, expect, it } from 'vitest';
import { loadModelData } from '../../src/commands/data.js';
import type { RawTable } from '../../src/io/csv.js';
import { readPanel } from '../../src/io/panel.js';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { decompose } from '../../src/models/methods/decompose.js';
import { referenceR2 } from '../helpers.js';

const table: RawTable = {
  file: 't.csv',
  header: ['state', 'flag', 'x', 'y', 'typo'],
  records: [
    ['ALABAMA', 'TRUE', '1', '2', '1'],
    ['ALASKA', 'FALSE', '2', '3', '2'],
    ['ARIZONA', 'TRUE', '3', '5', 'n/a'],
    ['ARKANSAS', 'NA', '4', '4', '4'],
    ['CALIFORNIA', 'TRUE', '5', '7', '5'],
  ],
};

describe('a text or logical column asked for as numbers', () => {
  it('says the column holds text, and points to a fixed effect', () => {
    expect(() => readPanel(table, [{ name: 'state', kind: 'numeric' }])).toThrow(
      't.csv row 2, column "state": "ALABAMA" is not a number (a text column: use its values as categories with ' +
        '--fe NAME=state, or derive a 0/1 column from it)',
    );
  });

  it('says a TRUE/FALSE column is logical (missing markers aside)', () => {
    expect(() => readPanel(table, [{ name: 'flag', kind: 'numeric' }])).toThrow(
      't.csv row 2, column "flag": "TRUE" is not a number (a TRUE/FALSE column: a fixed effect, --fe NAME=flag, fits ' +
        'the same as a 0/1 column)',
    );
  });

  it('keeps the missing-value hint for a stray word in a numeric column', () => {
    expect(() => readPanel(table, [{ name: 'typo', kind: 'numeric' }])).toThrow(
      't.csv row 4, column "typo": "n/a" is not a number (if it marks a missing value, add --na "n/a")',
    );
  });
});

describe('a column listed twice in one group', () => {
  it('is used once, with a note (as R model.matrix drops the repeated term)', () => {
    const folder = mkdtempSync(join(tmpdir(), 'cpv-text-'));
    const file = join(folder, 'd.csv');
    const rows = [
      [1, 2, 0.5],
      [2, 3, 0.1],
      [3, 5, 0.9],
      [4, 4, 0.3],
      [5, 7, 0.8],
      [6, 6, 0.2],
    ];
    writeFileSync(file, `x,y,z\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    const twice = loadModelData({
      file,
      outcome: 'y',
      groups: [{ name: 'a', kind: 'numeric', columns: ['x', 'z', 'x'] }],
      missingTokens: [],
    });
    expect(twice.notes).toContain('group "a" lists "x" more than once; each column is used once');
    expect(twice.data.groups[0]!.columns).toEqual(['x', 'z']);
    const r2 = referenceR2(
      rows.map((r) => r[1]!),
      [rows.map((r) => r[0]!), rows.map((r) => r[2]!)],
    );
    expect(twice.data.groups).toHaveLength(1);
    expect(() =>
      loadModelData({
        file,
        outcome: 'y',
        groups: [
          { name: 'a', kind: 'numeric', columns: ['x'] },
          { name: 'b', kind: 'numeric', columns: ['x', 'z'] },
        ],
        missingTokens: [],
      }),
    ).toThrow(/column "x" is in two groups \("a" and "b"\)/);
    expect(decompose(twice.data, { method: 'shapley' }).r2).toBeCloseTo(r2, 12);
  });
});
