import { describe, expect, it } from 'vitest';
import { runMain } from '../cli/run.js';

/** Run the CLI in this process (the shared harness), capturing what it writes. */
const run = (args: readonly string[]) => runMain(args);

const MODEL = [
  'fixtures/nao-2019-synthetic.csv',
  '--fe',
  'practice=la',
  '--group',
  'deprivation=idaci',
  '--fe',
  'policy=year',
];

describe('every output names the estimator actually used', () => {
  it('Monte Carlo estimates are never called exact: table, Markdown, CSV, SVG, JSON', async () => {
    const sampled = ['decompose', ...MODEL, '--samples', '200', '--seed', '3'];
    const table = (await run(sampled)).stdout;
    expect(table).toContain('explained by each group (Monte Carlo Shapley values (LMG), 200 random orders)');
    expect(table).toMatch(/method: Monte Carlo Shapley values \(LMG\) over 3 groups \(200 random orders, seed 3\)/);
    expect(table).not.toMatch(/exact|subset regressions/);
    const csv = (await run([...sampled, '--format', 'csv'])).stdout.trimEnd().split('\n');
    expect(csv[0]).toBe('group,kind,columns,levels,share,percent,mc_se,note');
    expect(csv).toHaveLength(5);
    for (const line of csv.slice(1, 4)) {
      // mc_se is the cell before the synthetic panel's note (quoted, with commas).
      expect(
        Number(
          line
            .replace(/,"SYNTHETIC[^"]*"$/, '')
            .split(',')
            .at(-1),
        ),
      ).toBeGreaterThan(0);
    }
    for (const format of ['markdown', 'svg']) {
      const text = (await run([...sampled, '--format', format])).stdout;
      expect(text, format).toContain('Monte Carlo Shapley values (LMG), 200 random orders');
      expect(text, format).not.toContain('exact Shapley');
    }
    const json = JSON.parse((await run([...sampled, '--format', 'json'])).stdout);
    expect(json.estimator).toBe('monte-carlo');
    expect(json.groups).toHaveLength(3);
    for (const group of json.groups) expect(group.mcSe).toBeGreaterThan(0);
  });

  it('exact values say so, with the number of subset regressions', async () => {
    const table = (await run(['decompose', ...MODEL])).stdout;
    expect(table).toContain('explained by each group (exact Shapley values (LMG))');
    expect(table).toContain('method: exact Shapley values (LMG) over 3 groups (8 subset regressions)');
    expect(JSON.parse((await run(['decompose', ...MODEL, '--format', 'json'])).stdout).estimator).toBe('exact');
  });
});
