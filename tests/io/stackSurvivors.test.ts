/**
 * stackTables' messages in full: several missing or extra columns, the five-name limit on extra columns, the
 * message without the `--columns` hint when columns were named, and the output's file name. The mutation run found
 * these unchecked: stack.test.ts matches only one-column messages, in part.
 */
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import type { RawTable } from '../../src/io/csv.js';
import { stackTables } from '../../src/io/stack.js';
import { thrownBy } from '../helpers.js';

const table = (file: string, header: string[], records: string[][] = []): RawTable => ({ file, header, records });
const base = table('dir/a.csv', ['la', 'year', 'x'], [['805', '2016', '1']]);
const HINT = 'keep the columns all files share with --columns';

describe('stackTables messages', () => {
  it('lists every column a table lacks', () => {
    const narrow = table('d.csv', ['la']);
    expect(thrownBy(() => stackTables([base, narrow]), DataError).message).toBe(
      `d.csv: has no column "year", "x" (which a.csv has); ${HINT}`,
    );
  });

  it('names only the missing column when the columns were named', () => {
    const error = thrownBy(() => stackTables([base], ['la', 'spend']), DataError);
    expect(error.message).toBe('dir/a.csv: has no column "spend"');
    expect(error.location).toEqual({ file: 'dir/a.csv' });
  });

  it('says "columns" for several extra columns', () => {
    const wide = table('e.csv', ['la', 'year', 'x', 'z', 'w']);
    expect(thrownBy(() => stackTables([base, wide]), DataError).message).toBe(
      `e.csv: has columns "z", "w" that a.csv lacks; ${HINT}`,
    );
  });

  it('lists five extra columns in full', () => {
    const wide = table('e.csv', ['la', 'year', 'x', 'c1', 'c2', 'c3', 'c4', 'c5']);
    expect(thrownBy(() => stackTables([base, wide]), DataError).message).toBe(
      `e.csv: has columns "c1", "c2", "c3", "c4", "c5" that a.csv lacks; ${HINT}`,
    );
  });

  it('lists the first five of six extra columns, then an ellipsis', () => {
    const wide = table('e.csv', ['la', 'year', 'x', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
    expect(thrownBy(() => stackTables([base, wide]), DataError).message).toBe(
      `e.csv: has columns "c1", "c2", "c3", "c4", "c5", … that a.csv lacks; ${HINT}`,
    );
  });
});

describe('stackTables output', () => {
  it('is named "stacked"', () => {
    const { table: out } = stackTables([base], ['x', 'la']);
    expect(out).toEqual({ file: 'stacked', header: ['x', 'la'], records: [['1', '805']] });
  });
});
