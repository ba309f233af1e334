import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { splitCombinedRows } from '../../src/io/combined.js';
import type { RawTable } from '../../src/io/csv.js';
import { main } from '../../src/program.js';
import { sharedFiles } from '../sharedData.js';

describe('splitCombinedRows', () => {
  const table: RawTable = {
    file: 'w.csv',
    header: ['time_period', 'old_la_code', 'la_name', 'rate', 'count'],
    records: [
      ['2022', '313', 'Hounslow', '12.5', '40'],
      ['2022', '314 / 318', 'Kingston upon Thames / Richmond upon Thames', '9.5', '61'],
      ['2022', '940 / 941 / 942', 'A / B', '1', '2'],
      ['2022', '315 / ', 'x', '1', '2'],
    ],
  };

  it('gives each authority of a joint row a copy with its own code and name and the joint values', () => {
    const { table: out, split } = splitCombinedRows(table, ['old_la_code', 'time_period']);
    expect(out.records).toEqual([
      ['2022', '313', 'Hounslow', '12.5', '40'],
      ['2022', '314', 'Kingston upon Thames', '9.5', '61'],
      ['2022', '318', 'Richmond upon Thames', '9.5', '61'],
      // Three codes: a name cell with two parts is not split (it does not match), it is copied.
      ['2022', '940', 'A / B', '1', '2'],
      ['2022', '941', 'A / B', '1', '2'],
      ['2022', '942', 'A / B', '1', '2'],
      // An empty part is not a code: the row stays as published.
      ['2022', '315 / ', 'x', '1', '2'],
    ]);
    expect(split).toEqual([
      {
        row: 3,
        combined: ['314 / 318', '2022'],
        parts: [
          ['314', '2022'],
          ['318', '2022'],
        ],
      },
      {
        row: 4,
        combined: ['940 / 941 / 942', '2022'],
        parts: [
          ['940', '2022'],
          ['941', '2022'],
          ['942', '2022'],
        ],
      },
    ]);
  });

  it('leaves a table without joint rows unchanged', () => {
    const plain: RawTable = { file: 'p.csv', header: ['la'], records: [['1'], ['2']] };
    const { table: out, split } = splitCombinedRows(plain, ['la']);
    expect(out.records).toEqual(plain.records);
    expect(split).toHaveLength(0);
  });
});

const files = sharedFiles('dfe_csww_indicators_la_2017_to_2025.csv', 'dfe_cpp_at31march_la_2013_to_2025.csv');

describe('join --split-combined', () => {
  it.skipIf(files.skip)(
    `brings Kingston, Richmond and the Northamptonshires into the join${files.titleNote}`,
    async () => {
      files.requirePresent();
      const run = async (extra: readonly string[]) => {
        let stdout = '';
        let stderr = '';
        const status = await main(['join', ...files.paths, '--on', 'old_la_code,time_period', ...extra], {
          stdout: (t) => {
            stdout += t;
          },
          stderr: (t) => {
            stderr += t;
          },
          stdoutIsTty: false,
          stderrIsTty: false,
          stderrStream: new Writable({ write: (_c, _e, done) => done() }),
          stdin: () => [],
          env: {},
        });
        expect(status).toBe(0);
        return { rows: stdout.trimEnd().split('\n').slice(1), stderr };
      };
      const plain = await run([]);
      const split = await run(['--split-combined']);
      expect(split.stderr).toMatch(/14 rows published for several authorities jointly were split into one row each/);
      // 314 / 318 in 2017–2025 (9 years) and 940 / 941 in 2021–2025 (5) are split; each copy matches, except the
      // two of 940 / 941 in 2021, when the CPP file still reports Northamptonshire (928) as one authority.
      expect(split.stderr).toMatch(/2 values of old_la_code \(940; 941\) time_period=2021 \(not in /);
      expect(split.rows.length - plain.rows.length).toBe(2 * 13);
      const kingston2019 = split.rows.filter((row) => row.startsWith('314,2019,'));
      const richmond2019 = split.rows.filter((row) => row.startsWith('318,2019,'));
      expect(kingston2019).toHaveLength(1);
      expect(richmond2019).toHaveLength(1);
      expect(plain.rows.some((row) => row.startsWith('314,2019,'))).toBe(false);
    },
  );
});
