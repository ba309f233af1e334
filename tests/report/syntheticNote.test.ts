import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { SYNTHETIC_CSV_NOTE } from '../../src/report/tabular.js';
import { runMain } from '../cli/run.js';

const SYNTHETIC = 'fixtures/nao-2019-synthetic.csv';
const MODEL = ['--fe', 'practice=la', '--group', 'deprivation=idaci', '--fe', 'policy=year'];

describe('every output made from the synthetic panel says so', () => {
  const commands: [string, string[], string[]][] = [
    ['decompose', ['decompose', SYNTHETIC, ...MODEL], ['table', 'json', 'csv', 'markdown', 'svg']],
    [
      'decompose --by',
      ['decompose', SYNTHETIC, '--group', 'deprivation=idaci', '--by', 'year'],
      ['table', 'json', 'csv', 'markdown'],
    ],
    ['fit', ['fit', SYNTHETIC, ...MODEL], ['table', 'json', 'csv', 'markdown']],
    ['describe', ['describe', SYNTHETIC], ['table', 'json', 'csv', 'markdown']],
    [
      'describe --by',
      ['describe', SYNTHETIC, '--by', 'year', '--columns', 'idaci'],
      ['table', 'json', 'csv', 'markdown', 'svg'],
    ],
  ];
  it.each(commands)('%s, in every format', async (_, args, formats) => {
    expect(formats.length).toBeGreaterThan(3);
    for (const format of formats) {
      const result = await runMain([...args, '--format', format]);
      expect(result.status, `${format}: ${result.stderr}`).toBe(0);
      expect(result.stdout, format).toMatch(/SYNTHETIC/);
    }
  });

  it('CSV: a note column on every row, read back by a CSV reader', async () => {
    const result = await runMain(['decompose', SYNTHETIC, ...MODEL, '--format', 'csv']);
    const rows = parse(result.stdout, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(row.note).toBe(SYNTHETIC_CSV_NOTE);
  });

  it('real data get no such column', async () => {
    const result = await runMain(['decompose', '--format', 'csv']);
    expect(result.stdout.split('\n')[0]).toBe('group,kind,columns,levels,share,percent');
  });
});
