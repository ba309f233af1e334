import { describe, expect, it } from 'vitest';
import { ParameterError, UsageError } from '../../../src/errors.js';
import { buildModelData, type ModelData } from '../../../src/models/design/modelData.js';
import { enginesOf } from '../../../src/models/engines/engines.js';
import { sampledShapleySeconds } from '../../../src/models/engines/sampledShapley.js';
import { owenTreeSeconds } from '../../../src/models/engines/subsetTree.js';
import { decompose, samplesShapley } from '../../../src/models/methods/decompose.js';
import type { GroupSpec, ModelSpec } from '../../../src/models/spec/spec.js';
import { itHeavy, panelFrom, testRandom, thrownBy } from '../../helpers.js';

/**
 * Where `decompose` stops enumerating: the group limits of each method, the one-hour limits on Monte Carlo
 * orders and on Owen trees, and the default Monte Carlo run that stops at a standard error of 0.001. (The
 * mutation run found these unpinned: docs/mutation.md.)
 */

/**
 * n rows, `widths.length` numeric groups g0, g1, … of widths[i] columns each; y depends weakly on every column,
 * so that the Monte Carlo standard errors are small.
 */
function wideData(widths: readonly number[], n = 300): ModelData {
  const random = testRandom(11);
  const columns: Record<string, number[]> = {};
  const y = Array.from({ length: n }, () => random.normal());
  const groups: GroupSpec[] = widths.map((width, g) => {
    const names = Array.from({ length: width }, (_, c) => `x${g}_${c}`);
    for (const name of names) {
      const values = Array.from({ length: n }, () => random.normal());
      values.forEach((v, i) => (y[i]! += 0.05 * v));
      columns[name] = values;
    }
    return { name: `g${g}`, kind: 'numeric', columns: names };
  });
  const spec: ModelSpec = { outcome: 'y', groups };
  return buildModelData(panelFrom({ ...columns, y }), spec);
}

const singles = (k: number) => wideData(Array.from({ length: k }, () => 1));

const errorOf = (run: () => unknown) => thrownBy(run, UsageError);

describe('group limits of each method', () => {
  it('exact Shapley values take at most 40 groups, and say to sample', () => {
    expect(errorOf(() => decompose(singles(41), { exact: true })).message).toBe(
      '--method shapley enumerates all 2^41 subsets of 41 groups, more than the 40 groups it can; ' +
        'use --samples N for a Monte Carlo estimate',
    );
  });

  it('the other enumerating methods take at most 30 groups, and say to use fewer or sample Shapley values', () => {
    const data = singles(31);
    for (const method of ['sequential', 'unique', 'owen', 'all'] as const) {
      expect(errorOf(() => decompose(data, { method })).message).toBe(
        `--method ${method} enumerates all 2^31 subsets of 31 groups, more than the 30 groups it can; ` +
          'use fewer groups, or --method shapley with --samples N',
      );
    }
  });

  it('dominance keeps every subset in memory: at most 24 groups', () => {
    expect(errorOf(() => decompose(singles(25), { method: 'dominance' })).message).toBe(
      '--method dominance keeps the R² of all 2^25 subsets of 25 groups in memory; it accepts at most 24 groups ' +
        '(2^24 values, 128 MB): use fewer groups, or --method shapley',
    );
  });

  it('commonality lists every set of groups: at most 20 groups, also with controls', () => {
    // At 24 groups, the limit before, the list of 2^24 sets ran out of a 4 GB heap and the process crashed.
    for (const k of [21, 25]) {
      expect(errorOf(() => decompose(singles(k), { method: 'commonality' })).message).toBe(
        `--method commonality lists all 2^${k} − 1 sets of ${k} groups; it accepts at most 20 groups ` +
          '(about a million sets): use fewer groups, or --method shapley',
      );
    }
    expect(errorOf(() => decompose(singles(22), { method: 'commonality', controls: ['g0'] })).message).toBe(
      '--control: --method commonality over 21 groups besides the controls keeps 2^21 subsets; it accepts at most 20',
    );
    expect(errorOf(() => decompose(singles(26), { method: 'dominance', controls: ['g0'] })).message).toBe(
      '--control: --method dominance over 25 groups besides the controls keeps 2^25 subsets; it accepts at most 24',
    );
  });

  // A million sets: about a second and 300 MB, too much to run for each mutant.
  itHeavy('commonality takes exactly 20 groups, and lists all 2^20 − 1 sets', () => {
    const result = decompose(singles(20), { method: 'commonality' });
    expect(result.commonality?.sets.length).toBe(2 ** 20 - 1);
  });

  // 2^24 subsets kept: about half a minute and 330 MB here.
  itHeavy('dominance takes exactly 24 groups, and ranks every pair of them', () => {
    const widths = Array.from({ length: 24 }, () => 1);
    const data = wideData(widths, 40);
    const result = decompose(data, { method: 'dominance' });
    expect(result.dominance?.pairs.length).toBe((24 * 23) / 2);
  });

  it('with controls, at most 24 groups besides them', () => {
    const data = singles(26);
    const message = errorOf(() => decompose(data, { method: 'sequential', controls: ['g0'] })).message;
    expect(message).toBe(
      '--control: --method sequential over 25 groups besides the controls keeps 2^25 subsets; it accepts at most 24',
    );
  });
});

describe('time limits', () => {
  it('refuses more Monte Carlo orders than an hour takes, naming the parameter and the hours', () => {
    const data = singles(4);
    const samples = 1e10;
    const hours = sampledShapleySeconds(data, samples) / 3600;
    expect(hours).toBeGreaterThan(1);
    const error = errorOf(() => decompose(data, { samples }));
    expect(error).toBeInstanceOf(ParameterError);
    expect((error as ParameterError).parameter).toBe('samples');
    expect(error.message).toBe(
      `samples: ${samples} random orders of 4 groups would take about ${hours.toFixed(1)} hours here; ` +
        'ask for fewer (the Monte Carlo standard errors shrink as 1/√orders)',
    );
  });

  it('refuses Owen values whose within-group trees would take more than an hour, for owen and all', () => {
    // 29 single columns and one group of 12: its tree has 2^41 subsets.
    const data = wideData([...Array.from({ length: 29 }, () => 1), 12], 60);
    const hours = (owenTreeSeconds(data, enginesOf(data)) / 3600).toFixed(1);
    expect(Number(hours)).toBeGreaterThan(1);
    for (const method of ['owen', 'all'] as const) {
      expect(errorOf(() => decompose(data, { method })).message).toBe(
        `--method ${method}: Owen values over 30 groups split into their columns need about ${hours} hours here; ` +
          'use fewer or smaller groups, or --method shapley',
      );
    }
    // The methods that do not split groups into columns do not ask.
    expect(decompose(data, { method: 'sequential' }).groups).toHaveLength(30);
    expect(decompose(data, { samples: 100 }).groups).toHaveLength(30);
    // The same groups as one column each take no Owen tree at all.
    expect(() => decompose(singles(3), { method: 'owen' })).not.toThrow();
  });
});

describe('Monte Carlo Shapley values', () => {
  it('only for --method shapley: --samples means sampling there and nowhere else', () => {
    const data = singles(4);
    const engines = enginesOf(data);
    expect(samplesShapley(data, engines, { samples: 100 })).toBe(true);
    expect(samplesShapley(data, engines, { method: 'shapley', samples: 100 })).toBe(true);
    expect(samplesShapley(data, engines, {})).toBe(false);
    for (const method of ['sequential', 'unique', 'commonality', 'dominance', 'owen', 'all'] as const) {
      expect(samplesShapley(data, engines, { method, samples: 100 })).toBe(false);
      // Not sampled, so not refused for the hours the orders would take.
      expect(decompose(data, { method, samples: 1e10 }).subsets).toBe(16);
    }
  });

  it('more groups than enumeration takes: sampled by default, stopping once every standard error is ≤ 0.001', () => {
    const result = decompose(singles(41));
    expect(result.sampling).toBeDefined();
    const { permutations, standardErrors } = result.sampling!;
    expect(standardErrors).toHaveLength(41);
    expect(Math.max(...standardErrors)).toBeLessThanOrEqual(0.001);
    // Checked every 50 antithetic pairs from the 100th: far fewer than the 20,000 orders drawn at most.
    expect(permutations).toBeLessThan(20_000);
    expect(permutations % 100).toBe(0);
    expect(result.subsets).toBe(0);
  });

  it('asked for N orders, draws all N: the standard-error stop is only for the default', () => {
    const result = decompose(singles(6), { samples: 2000, seed: 3 });
    expect(result.sampling!.permutations).toBe(2000);
    expect(Math.max(...result.sampling!.standardErrors)).toBeLessThan(0.001);
  });
});
