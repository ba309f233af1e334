import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import type { RawTable } from '../../src/io/csv.js';
import { stackTables } from '../../src/io/stack.js';
import { runMain } from '../cli/run.js';

// `stack FILE --columns a,b`: one file cut to the named columns (how scripts/trim-real-extracts.sh keeps the
// columns of a source file with the tool's own commands).

/** Run the CLI in this process (the shared harness), capturing what it writes. */
const run = (args: readonly string[]) => runMain(args);

const a: RawTable = {
  file: 'a.csv',
  header: ['la', 'year', 'x', 'y'],
  records: [
    ['805', '2016', '1', 'p'],
    ['806', '2016', '', 'q'],
  ],
};

describe('stack of one file', () => {
  it('keeps the named columns, in the order named, every row and cell unchanged', () => {
    const { table, report } = stackTables([a], ['y', 'la']);
    expect(table.header).toEqual(['y', 'la']);
    expect(table.records).toEqual([
      ['p', '805'],
      ['q', '806'],
    ]);
    expect(report.inputs).toEqual([{ file: 'a.csv', rows: 2 }]);
  });

  it('needs --columns (alone it would change nothing), and some file', () => {
    expect(() => stackTables([a])).toThrow(
      new UsageError('stack needs at least two files, or one with --columns (to keep only those columns)'),
    );
    expect(() => stackTables([], ['la'])).toThrow(UsageError);
  });

  it('through the command line, with --where on the rows', async () => {
    const result = await run([
      'stack',
      'fixtures/nao-2019-synthetic.csv',
      '--columns',
      'year,la,cpp_rate',
      '--where',
      'la == "LA002" & year >= 2016',
    ]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      `year,la,cpp_rate\n2016,LA002,${cell('LA002', '2016')}\n2017,LA002,${cell('LA002', '2017')}\n`,
    );
    expect((await run(['stack', 'fixtures/nao-2019-synthetic.csv'])).stderr).toBe(
      'error: stack needs at least two files, or one with --columns (to keep only those columns)\n',
    );
  });
});

/** The cpp_rate cell of an authority and year, read from the file as text. */
function cell(la: string, year: string): string {
  const line = readFileSync('fixtures/nao-2019-synthetic.csv', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${la},${year},`))!;
  return line.split(',').at(-1)!;
}
