/**
 * The bootstrap's exact contracts that the mutation run found unchecked: the messages and limits of its options
 * (replicates, ci level, seed), the progress callbacks and replicate ranges, the order and failure counts of
 * summarised batches, the BCa corner cases (ties with the estimate, every replicate below it, a jackknife without
 * spread, failed or refused leave-one-out fits), the relabelling of fixed effects nested in the clusters, and the
 * random streams' validation and jumps. Expected numbers come from an independent resampler written here, from
 * pure-rand's generator driven directly, or from replicate values chosen by hand.
 */
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { describe, expect, it } from 'vitest';
import { ModelError, ParameterError, UsageError } from '../../../src/errors.js';
import {
  bootstrapDecomposition,
  bootstrapReplicates,
  checkBootstrapOptions,
  summariseBootstrap,
  type BootstrapOptions,
  type ReplicateBatch,
} from '../../../src/models/bootstrap/bootstrap.js';
import { MAX_SEED, seededRandom, seededStreams } from '../../../src/models/bootstrap/random.js';
import { buildModelData, type ModelData } from '../../../src/models/design/modelData.js';
import { decompose, type DecomposeOptions } from '../../../src/models/methods/decompose.js';
import type { ModelSpec } from '../../../src/models/spec/spec.js';
import { panelFrom, testRandom, thrownBy } from '../../helpers.js';
import { type Rows, resampledRows } from './clusterRows.js';

/** Clusters × rows of noise; `sparse` keeps x2 non-zero in the first cluster only. */
function rows(seed: number, clusters: number, perCluster: number, sparse = false): Rows {
  const random = testRandom(seed);
  const out: Rows = { la: [], year: [], x1: [], x2: [], y: [] };
  for (let c = 0; c < clusters; c++) {
    const effect = random.normal();
    for (let t = 0; t < perCluster; t++) {
      const x1 = random.normal() + 0.5 * effect;
      const x2 = random.normal();
      out.la.push(`c${c}`);
      out.year.push(`${2015 + t}`);
      out.x1.push(x1);
      out.x2.push(sparse && c > 0 ? 0 : x2);
      out.y.push(effect + 0.5 * x1 - 0.3 * x2 + random.normal());
    }
  }
  return out;
}

/** The same block of rows repeated for every cluster: each leave-one-out fit sees identical data. */
function identicalClusters(seed: number, clusters: number, perCluster: number): Rows {
  const block = rows(seed, 1, perCluster);
  const out: Rows = { la: [], year: [], x1: [], x2: [], y: [] };
  for (let c = 0; c < clusters; c++) {
    out.la.push(...block.la.map(() => `c${c}`));
    out.year.push(...block.year);
    out.x1.push(...block.x1);
    out.x2.push(...block.x2);
    out.y.push(...block.y);
  }
  return out;
}

const AUTHORITY_AND_X: ModelSpec = {
  outcome: 'y',
  cluster: 'la',
  groups: [
    { name: 'authority', kind: 'fixed-effect', columns: ['la'] },
    { name: 'x', kind: 'numeric', columns: ['x1'] },
  ],
};

const TWO_NUMERIC: ModelSpec = {
  outcome: 'y',
  cluster: 'la',
  groups: [
    { name: 'x1', kind: 'numeric', columns: ['x1'] },
    { name: 'x2', kind: 'numeric', columns: ['x2'] },
  ],
};

const build = (source: Rows, spec: ModelSpec) => buildModelData(panelFrom({ ...source }), spec);

/** The drawn clusters of replicate r, straight from pure-rand: the seeded generator jumped r times. */
function referenceDraws(seed: number, r: number, clusters: number): number[] {
  return referenceIntegers(seed, r, clusters, clusters - 1);
}

/** `count` uniform integers 0 … max from the seeded generator jumped r times (2^64 steps each). */
function referenceIntegers(seed: number, r: number, count: number, max: number): number[] {
  const generator = xoroshiro128plus(seed);
  for (let j = 0; j < r; j++) generator.jump();
  return Array.from({ length: count }, () => uniformInt(generator, 0, max));
}

function shares(source: Rows, spec: ModelSpec, options: DecomposeOptions = {}): number[] {
  const result = decompose(build(source, spec), options);
  return [...result.groups.map((g) => g.share), result.unexplained];
}

function quantile7(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!);
}

function options(overrides: Partial<BootstrapOptions> = {}): BootstrapOptions {
  return { replicates: 10, seed: 1, level: 0.9, type: 'percentile', decompose: { method: 'shapley' }, ...overrides };
}

/** A batch of hand-made replicates: each statistic is the point estimate plus an offset (null: a failure). */
function batch(first: number, point: readonly number[], offsets: readonly (number | null)[], failures: string[] = []) {
  const statistics = offsets.map((d) => (d === null ? null : Float64Array.from(point, (p) => p + d)));
  return { first, statistics, failures } satisfies ReplicateBatch;
}

const pointOf = (data: ModelData) => {
  const estimate = decompose(data);
  return { estimate, point: [...estimate.groups.map((g) => g.share), estimate.unexplained] };
};

describe('the bootstrap options', () => {
  it('names the methods it works with, in the bootstrap parameter', () => {
    const error = thrownBy(
      () => checkBootstrapOptions(options({ decompose: { method: 'commonality' } })),
      ParameterError,
    );
    expect(error.message).toBe(
      'bootstrap: works with the methods that give one number per group (shapley, owen, sequential, unique, ' +
        'dominance), not "commonality"',
    );
  });

  it.each([1, 0, 2.5, 1.5, Number.NaN])('refuses %s replicates', (replicates) => {
    const error = thrownBy(() => checkBootstrapOptions(options({ replicates })), ParameterError);
    expect(error.message).toBe('bootstrap: needs at least 2 replicates');
    expect(error.parameter).toBe('bootstrap');
  });

  it('takes 2 replicates and confidence levels just inside 0 and 1', () => {
    expect(() => checkBootstrapOptions(options({ replicates: 2 }))).not.toThrow();
    expect(() => checkBootstrapOptions(options({ level: 0.001 }))).not.toThrow();
    expect(() => checkBootstrapOptions(options({ level: 0.999 }))).not.toThrow();
  });

  it.each([0, 1, -0.5, 1.5, Number.NaN])('refuses a confidence level of %s, naming the ci parameter', (level) => {
    const error = thrownBy(() => checkBootstrapOptions(options({ level })), ParameterError);
    expect(error.message).toBe(`ci: must be between 0 and 1 (e.g. 0.95), got ${level}`);
    expect(error.parameter).toBe('ci');
  });
});

describe('replicates, progress and batches', () => {
  const source = rows(21, 6, 4);
  const data = build(source, AUTHORITY_AND_X);

  it('reports progress after every replicate, with the total', () => {
    const calls: [number, number][] = [];
    bootstrapDecomposition(data, decompose(data), options({ replicates: 4, onProgress: (d, t) => calls.push([d, t]) }));
    expect(calls).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
  });

  it('counts progress from the start of a range, and needs no callback', () => {
    const done: number[] = [];
    const counted = bootstrapReplicates(data, options(), 3, 6, (d) => done.push(d));
    expect(done).toEqual([1, 2, 3]);
    const silent = bootstrapReplicates(data, options(), 3, 6);
    expect(silent.first).toBe(3);
    expect(silent.statistics).toHaveLength(3);
    expect(silent.statistics).toEqual(counted.statistics);
  });

  it('decomposes each replicate with the requested method and order, as an independent resampler does', () => {
    const method = { method: 'sequential', order: ['x', 'authority'] } as const;
    const batchOf = bootstrapReplicates(data, { seed: 8, decompose: method }, 0, 4);
    expect(batchOf.statistics).toHaveLength(4);
    batchOf.statistics.forEach((statistic, r) => {
      const expected = shares(resampledRows(source, referenceDraws(8, r, 6)), AUTHORITY_AND_X, method);
      expect(statistic).toHaveLength(3);
      expected.forEach((value, j) => expect(statistic![j]).toBeCloseTo(value, 10));
    });
    // Sequential with x first gives x its R² alone, which is not its Shapley share.
    const shapley = shares(resampledRows(source, referenceDraws(8, 0, 6)), AUTHORITY_AND_X);
    expect(Math.abs(batchOf.statistics[0]![1]! - shapley[1]!)).toBeGreaterThan(1e-6);
  });

  it('lets an error that is not about the model escape instead of counting it as a failed replicate', () => {
    const refused = { seed: 1, decompose: { method: 'sequential', order: ['nope'] } } as const;
    const error = thrownBy(() => bootstrapReplicates(data, refused, 0, 2), ParameterError);
    expect(error.message).toBe('order: names "nope", which is not a group; the groups are authority, x');
  });

  it('summarises batches in replicate order, whatever order they arrive in', () => {
    const { estimate, point } = pointOf(data);
    const parts = [
      batch(2, point, [0.03, -0.04, 0.05]),
      batch(5, point, [0.06, -0.07]),
      batch(0, point, [0.01, -0.02]),
    ];
    const result = summariseBootstrap(data, estimate, options({ replicates: 7, keepReplicates: true }), parts);
    const offsets = [0.01, -0.02, 0.03, -0.04, 0.05, 0.06, -0.07];
    expect(result.replicateValues).toHaveLength(7);
    result.replicateValues!.forEach((values, r) =>
      expect(values).toEqual(Float64Array.from(point, (p) => p + offsets[r]!)),
    );
  });

  it('counts each failure reason over all batches', () => {
    const { estimate, point } = pointOf(data);
    const parts = [
      batch(0, point, [0.01, null, 0.02], ['first reason']),
      batch(3, point, [null, null, 0.03], ['second reason', 'first reason']),
    ];
    const result = summariseBootstrap(data, estimate, options({ replicates: 6 }), parts);
    expect(result.failed).toBe(3);
    expect(result.failures).toEqual([
      { reason: 'first reason', count: 2 },
      { reason: 'second reason', count: 1 },
    ]);
  });

  it('summarises two estimable replicates, and refuses one, naming the first failure reason', () => {
    const { estimate, point } = pointOf(data);
    const two = summariseBootstrap(data, estimate, options({ replicates: 3 }), [
      batch(0, point, [0.01, null, 0.03], ['boom']),
    ]);
    expect(two.failed).toBe(1);
    expect(two.groups[0]!.low).toBeCloseTo(point[0]! + quantile7([0.01, 0.03], 0.05), 12);
    const one = thrownBy(
      () =>
        summariseBootstrap(data, estimate, options({ replicates: 3 }), [
          batch(0, point, [null, 0.01, null], ['boom', 'bang']),
        ]),
      ModelError,
    );
    expect(one.message).toBe('the bootstrap failed: 2 of 3 replicates were not estimable (boom)');
  });

  it('refuses fewer than 2 replicates with empty brackets when no reason was given', () => {
    const { estimate, point } = pointOf(data);
    const error = thrownBy(
      () => summariseBootstrap(data, estimate, options({ replicates: 1 }), [batch(0, point, [0.01])]),
      ModelError,
    );
    expect(error.message).toBe('the bootstrap failed: 0 of 1 replicates were not estimable ()');
  });
});

describe('BCa corner cases, on clusters of identical rows (so that the jackknife has no spread: a = 0)', () => {
  const source = identicalClusters(5, 2, 6);
  const data = build(source, TWO_NUMERIC);
  const { estimate, point } = pointOf(data);
  const bca = (offsets: number[]) =>
    summariseBootstrap(data, estimate, options({ type: 'bca', replicates: offsets.length }), [
      batch(0, point, offsets),
    ]);
  /** With a = 0 the BCa levels are Φ(2 z0 + z); z0 from the share strictly below, kept within [1/2B, 1 − 1/2B]. */
  const expectBca = (offsets: number[], below: number) => {
    const B = offsets.length;
    const z0 = normalQuantile(Math.min(1 - 1 / (2 * B), Math.max(1 / (2 * B), below / B)), 0, 1);
    const result = bca(offsets);
    expect(result.groups).toHaveLength(2);
    [...result.groups, result.unexplained].forEach((interval, j) => {
      const values = offsets.map((d) => point[j]! + d);
      expect(interval.low).toBeCloseTo(quantile7(values, normalCdf(2 * z0 + normalQuantile(0.05, 0, 1), 0, 1)), 12);
      expect(interval.high).toBeCloseTo(quantile7(values, normalCdf(2 * z0 + normalQuantile(0.95, 0, 1), 0, 1)), 12);
    });
  };

  it('counts only replicates strictly below the estimate for the bias correction (ties are not below)', () => {
    expectBca([-0.03, -0.02, -0.01, 0, 0, 0, 0.01, 0.02, 0.03, 0.04], 3);
  });

  it('keeps the bias correction finite when every replicate is below the estimate', () => {
    expectBca([-0.1, -0.09, -0.08, -0.07, -0.06, -0.05, -0.04, -0.03, -0.02, -0.01], 10);
  });

  it('keeps the bias correction finite when no replicate is below the estimate', () => {
    expectBca([0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08], 0);
  });
});

describe('the BCa jackknife with leave-one-out fits that fail', () => {
  // x2 is non-zero in the first cluster only: leaving that cluster out makes x2 constant (a ModelError).
  it('skips the failing fit and goes on with the 2 left of 3 clusters', () => {
    const source = rows(13, 3, 6, true);
    const data = build(source, TWO_NUMERIC);
    const { estimate, point } = pointOf(data);
    const offsets = [-0.05, -0.03, -0.01, 0.02, 0.04, 0.06];
    const result = summariseBootstrap(data, estimate, options({ type: 'bca', replicates: 6 }), [
      batch(0, point, offsets),
    ]);
    const labels = [...new Set(source.la)];
    const kept = [1, 2].map((left) =>
      shares(
        resampledRows(
          source,
          [0, 1, 2].filter((c) => c !== left),
        ),
        TWO_NUMERIC,
      ),
    );
    expect(labels).toHaveLength(3);
    const z0 = normalQuantile(3 / 6, 0, 1);
    [...result.groups, result.unexplained].forEach((interval, j) => {
      const theta = kept.map((s) => s[j]!);
      const mean = (theta[0]! + theta[1]!) / 2;
      const squares = theta.reduce((s, t) => s + (mean - t) ** 2, 0);
      const a = squares > 0 ? theta.reduce((s, t) => s + (mean - t) ** 3, 0) / (6 * squares ** 1.5) : 0;
      const level = (z: number) => normalCdf(z0 + (z0 + z) / (1 - a * (z0 + z)), 0, 1);
      const values = offsets.map((d) => point[j]! + d);
      expect(interval.low).toBeCloseTo(quantile7(values, level(normalQuantile(0.05, 0, 1))), 10);
      expect(interval.high).toBeCloseTo(quantile7(values, level(normalQuantile(0.95, 0, 1))), 10);
    });
  });

  it('refuses when fewer than 2 leave-one-out fits are estimable', () => {
    const data = build(rows(13, 2, 6, true), TWO_NUMERIC);
    const { estimate, point } = pointOf(data);
    const error = thrownBy(
      () =>
        summariseBootstrap(data, estimate, options({ type: 'bca', replicates: 3 }), [batch(0, point, [0, 0.1, 0.2])]),
      ModelError,
    );
    expect(error.message).toBe('the BCa jackknife failed: fewer than 2 of 2 leave-one-out fits were estimable');
  });

  it('lets an error that is not about the model escape from the jackknife', () => {
    const data = build(rows(13, 3, 6), TWO_NUMERIC);
    const { estimate, point } = pointOf(data);
    const refused = options({ type: 'bca', replicates: 3, decompose: { method: 'sequential', order: ['nope'] } });
    const error = thrownBy(
      () => summariseBootstrap(data, estimate, refused, [batch(0, point, [0, 0.1, 0.2])]),
      ParameterError,
    );
    expect(error.message).toBe('order: names "nope", which is not a group; the groups are x1, x2');
  });
});

describe('a fixed effect nested in the clusters', () => {
  // Two authorities: a replicate that draws one authority twice still has two levels of the authority effect
  // (one per copy), so it is estimable; with the original labels it would have one level and fail.
  const source = rows(17, 2, 4);
  const data = build(source, AUTHORITY_AND_X);

  it('gets one level per drawn copy of its cluster: every replicate estimable, as the independent resampler', () => {
    const R = 12;
    const draws = Array.from({ length: R }, (_, r) => referenceDraws(3, r, 2));
    expect(draws.filter(([a, b]) => a === b).length).toBeGreaterThan(0);
    const result = bootstrapDecomposition(
      data,
      decompose(data),
      options({ replicates: R, seed: 3, keepReplicates: true }),
    );
    expect(result.failed).toBe(0);
    expect(result.failures).toEqual([]);
    expect(result.replicateValues).toHaveLength(R);
    draws.forEach((drawn, r) => {
      const expected = shares(resampledRows(source, drawn), AUTHORITY_AND_X);
      expect(expected).toHaveLength(3);
      expected.forEach((value, j) => expect(result.replicateValues![r]![j]).toBeCloseTo(value, 10));
    });
  });

  it('is not treated as nested when one of its levels spans two clusters', () => {
    // The year effect crosses the clusters: drawing one cluster twice leaves its years as they are.
    const spec: ModelSpec = {
      ...AUTHORITY_AND_X,
      groups: [{ name: 'year', kind: 'fixed-effect', columns: ['year'] }, AUTHORITY_AND_X.groups[1]!],
    };
    const yearData = build(source, spec);
    const batchOf = bootstrapReplicates(yearData, { seed: 3, decompose: { method: 'shapley' } }, 0, 6);
    batchOf.statistics.forEach((statistic, r) => {
      const drawn = referenceDraws(3, r, 2);
      const expected = shares(resampledRows(source, drawn), spec);
      expected.forEach((value, j) => expect(statistic![j]).toBeCloseTo(value, 10));
    });
    expect(batchOf.statistics).toHaveLength(6);
  });
});

describe('the random streams', () => {
  it.each([-1, 1.5, MAX_SEED + 1, Number.NaN])('refuses the seed %s, naming the range', (seed) => {
    const message = `seed must be a whole number from 0 to 4294967295, got ${seed}`;
    expect(thrownBy(() => seededRandom(seed), UsageError).message).toBe(message);
    expect(thrownBy(() => seededStreams(seed), UsageError).message).toBe(message);
  });

  it('takes the seeds 0 and 2^32 − 1, and draws what pure-rand’s xoroshiro128+ draws from them', () => {
    expect(MAX_SEED).toBe(4294967295);
    for (const seed of [0, MAX_SEED]) {
      const reference = xoroshiro128plus(seed);
      const source = seededRandom(seed);
      const expected = [uniformFloat64(reference), uniformFloat64(reference), uniformFloat64(reference)];
      expect([source.uniform(), source.uniform(), source.uniform()]).toEqual(expected);
    }
  });

  it('gives stream r as the seeded generator jumped r times, in any order of asking', () => {
    const stream = seededStreams(42);
    const asked = [0, 1, 2, 2, 1, 0, 3];
    const got = asked.map((r) => {
      const source = stream(r);
      return Array.from({ length: 5 }, () => source.integer(0, 999));
    });
    const expected = asked.map((r) => referenceIntegers(42, r, 5, 999));
    expect(got).toEqual(expected);
    expect(new Set(expected.map((draws) => draws.join())).size).toBe(4);
  });
});
