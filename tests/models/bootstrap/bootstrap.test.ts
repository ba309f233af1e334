import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { describe, expect, it } from 'vitest';
import { bootstrapDecomposition } from '../../../src/models/bootstrap/bootstrap.js';
import { decompose } from '../../../src/models/methods/decompose.js';
import { buildModelData } from '../../../src/models/design/modelData.js';
import { seededStreams } from '../../../src/models/bootstrap/random.js';
import type { ModelSpec } from '../../../src/models/spec/spec.js';
import { panelFrom, testRandom } from '../../helpers.js';
import { type Rows, resampledRows } from './clusterRows.js';

const SPEC: ModelSpec = {
  outcome: 'y',
  cluster: 'la',
  groups: [
    { name: 'authority', kind: 'fixed-effect', columns: ['la'] },
    { name: 'year', kind: 'fixed-effect', columns: ['year'] },
    { name: 'x', kind: 'numeric', columns: ['x1', 'x2'] },
  ],
};

function rows(seed: number, authorities = 20): Rows {
  const random = testRandom(seed);
  const out: Rows = { la: [], year: [], x1: [], x2: [], y: [] };
  for (let a = 0; a < authorities; a++) {
    const effect = random.normal();
    for (let t = 0; t < 5; t++) {
      const x1 = random.normal() + 0.4 * effect;
      const x2 = random.normal();
      out.la.push(`a${a}`);
      out.year.push(`${2015 + t}`);
      out.x1.push(x1);
      out.x2.push(x2);
      out.y.push(effect + 0.2 * t + 0.5 * x1 - 0.3 * x2 + random.normal());
    }
  }
  return out;
}

function statistics(source: Rows): number[] {
  const result = decompose(buildModelData(panelFrom({ ...source }), SPEC));
  return [...result.groups.map((g) => g.share), result.unexplained];
}

/** Type-7 quantile, written out. */
function quantile7(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]!) - sorted[lo]!);
}

describe('cluster bootstrap', () => {
  const source = rows(1);
  const data = buildModelData(panelFrom({ ...source }), SPEC);
  const estimate = decompose(data);
  const run = (seed: number, type: 'percentile' | 'bca' = 'percentile', replicates = 60) =>
    bootstrapDecomposition(data, estimate, {
      replicates,
      seed,
      level: 0.9,
      type,
      decompose: { method: 'shapley' },
      keepReplicates: true,
    });

  it('resamples whole authorities, one level per drawn copy, exactly as an independent resampler', () => {
    const result = run(7);
    expect(result.replicateValues).toHaveLength(60);
    const stream = seededStreams(7);
    for (let r = 0; r < 5; r++) {
      const random = stream(r);
      const draws = Array.from({ length: 20 }, () => random.integer(0, 19));
      const expected = statistics(resampledRows(source, draws));
      expect(result.replicateValues![r]).toHaveLength(4); // three groups and the unexplained share
      expect(expected).toHaveLength(4);
      result.replicateValues![r]!.forEach((value, j) => expect(value).toBeCloseTo(expected[j]!, 10));
    }
  });

  it('gives type-7 percentile intervals and the replicate standard deviation', () => {
    const result = run(3);
    const values = result.replicateValues!;
    expect(values).toHaveLength(60);
    expect(result.groups).toHaveLength(3);
    [...result.groups, result.unexplained].forEach((interval, j) => {
      const column = values.map((v) => v[j]!);
      expect(interval.low).toBeCloseTo(quantile7(column, 0.05), 12);
      expect(interval.high).toBeCloseTo(quantile7(column, 0.95), 12);
      const mean = column.reduce((a, b) => a + b, 0) / column.length;
      const sd = Math.sqrt(column.reduce((a, b) => a + (b - mean) ** 2, 0) / (column.length - 1));
      expect(interval.se).toBeCloseTo(sd, 12);
    });
  });

  it('gives BCa intervals from the bias correction and a leave-one-authority-out jackknife', () => {
    const result = run(5, 'bca', 80);
    const labels = [...new Set(source.la)];
    const jackknife = labels.map((_, left) =>
      statistics(
        resampledRows(
          source,
          labels.map((__, i) => i).filter((i) => i !== left),
        ),
      ),
    );
    const point = [...estimate.groups.map((g) => g.share), estimate.unexplained];
    expect(jackknife).toHaveLength(20);
    expect(result.groups).toHaveLength(3);
    expect(result.replicateValues).toHaveLength(80);
    [...result.groups, result.unexplained].forEach((interval, j) => {
      const column = result.replicateValues!.map((v) => v[j]!);
      const z0 = normalQuantile(column.filter((v) => v < point[j]!).length / column.length, 0, 1);
      const theta = jackknife.map((s) => s[j]!);
      const mean = theta.reduce((a, b) => a + b, 0) / theta.length;
      const a =
        theta.reduce((s, t) => s + (mean - t) ** 3, 0) / (6 * theta.reduce((s, t) => s + (mean - t) ** 2, 0) ** 1.5);
      const level = (z: number) => normalCdf(z0 + (z0 + z) / (1 - a * (z0 + z)), 0, 1);
      expect(interval.low).toBeCloseTo(quantile7(column, level(normalQuantile(0.05, 0, 1))), 10);
      expect(interval.high).toBeCloseTo(quantile7(column, level(normalQuantile(0.95, 0, 1))), 10);
    });
  });

  it('is reproducible from its seed, and the seed matters', () => {
    expect(run(11)).toEqual(run(11));
    expect(run(12).groups).not.toEqual(run(11).groups);
  });

  it('draws replicate r from stream r, whatever order the streams are asked for in', () => {
    const forward = seededStreams(9);
    const a = [0, 1, 2, 3].map((r) => forward(r).integer(0, 1_000_000));
    const backward = seededStreams(9);
    const b = [3, 2, 1, 0].map((r) => backward(r).integer(0, 1_000_000)).reverse();
    expect(b).toEqual(a);
    expect(new Set(a).size).toBe(4);
  });

  it('counts and excludes replicates whose model is not estimable', () => {
    // x2 is non-zero in one authority only: replicates without that authority have a constant x2.
    const sparse = { ...source, x2: source.x2.map((v, i) => (source.la[i] === 'a0' ? v : 0)) };
    const sparseData = buildModelData(panelFrom({ ...sparse }), SPEC);
    const result = bootstrapDecomposition(sparseData, decompose(sparseData), {
      replicates: 50,
      seed: 2,
      level: 0.95,
      type: 'percentile',
      decompose: { method: 'shapley' },
    });
    const stream = seededStreams(2);
    let expectedFailures = 0;
    for (let r = 0; r < 50; r++) {
      const random = stream(r);
      const draws = Array.from({ length: 20 }, () => random.integer(0, 19));
      if (!draws.includes(0)) expectedFailures++;
    }
    expect(expectedFailures).toBeGreaterThan(0);
    expect(result.failed).toBe(expectedFailures);
    expect(result.failures[0]!.reason).toMatch(/column "x2" of group "x" is constant/);
  });

  it('resamples rows when there is no cluster', () => {
    const rowData = buildModelData(panelFrom({ ...source }), { ...SPEC, cluster: undefined });
    const result = bootstrapDecomposition(rowData, decompose(rowData), {
      replicates: 20,
      seed: 1,
      level: 0.95,
      type: 'percentile',
      decompose: { method: 'unique' },
    });
    expect(result.cluster).toBeNull();
    expect(result.clusters).toBe(rowData.n);
  });

  it('refuses methods without one number per group', () => {
    expect(() =>
      bootstrapDecomposition(data, estimate, {
        replicates: 10,
        seed: 1,
        level: 0.95,
        type: 'percentile',
        decompose: { method: 'commonality' },
      }),
    ).toThrow(/one number per group/);
  });
});
