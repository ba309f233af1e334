/**
 * The bootstrap of a weighted (WLS) decomposition: each resampled row must carry its own weight. The expected
 * replicate values come from an independent resampler written here (the idea of bootstrap.test.ts, extended to
 * weights): the rows of each drawn cluster (or the drawn rows) are copied with their weight into a new panel, which
 * is decomposed from scratch. Only replicate values are compared, not that weighted ≠ unweighted.
 */
import { describe, expect, it } from 'vitest';
import { bootstrapDecomposition } from '../../../src/models/bootstrap/bootstrap.js';
import { seededStreams } from '../../../src/models/bootstrap/random.js';
import { buildModelData } from '../../../src/models/design/modelData.js';
import { decompose, type DecompositionMethod } from '../../../src/models/methods/decompose.js';
import type { ModelSpec } from '../../../src/models/spec/spec.js';
import { panelFrom, testRandom } from '../../helpers.js';

const AUTHORITIES = 16;
const YEARS = 5;

interface Rows {
  la: string[];
  year: string[];
  x1: number[];
  x2: number[];
  w: number[];
  y: number[];
}

/**
 * Authorities × years with weights from 0.1 to 10 (log-uniform) and heteroscedastic noise, so that giving a row
 * another row's weight changes every share. Authorities have equal numbers of rows, so a resampler that left the
 * weights in their original order would still produce a weight for every row and fail silently.
 */
function rows(seed: number): Rows {
  const random = testRandom(seed);
  const out: Rows = { la: [], year: [], x1: [], x2: [], w: [], y: [] };
  for (let a = 0; a < AUTHORITIES; a++) {
    const effect = random.normal();
    for (let t = 0; t < YEARS; t++) {
      const w = 10 ** (2 * random.uniform() - 1);
      const x1 = random.normal() + 0.5 * effect;
      const x2 = random.normal();
      out.la.push(`a${a}`);
      out.year.push(`${2015 + t}`);
      out.x1.push(x1);
      out.x2.push(x2);
      out.w.push(w);
      out.y.push(effect + 0.3 * t + 0.6 * x1 - 0.4 * x2 + (random.normal() * 1.5) / Math.sqrt(w));
    }
  }
  return out;
}

/** Copy row i of `source` onto `out`, its weight with it. */
function copyRow(out: Rows, source: Rows, i: number, la: string): void {
  out.la.push(la);
  out.year.push(source.year[i]!);
  out.x1.push(source.x1[i]!);
  out.x2.push(source.x2[i]!);
  out.w.push(source.w[i]!);
  out.y.push(source.y[i]!);
}

const empty = (): Rows => ({ la: [], year: [], x1: [], x2: [], w: [], y: [] });

/** Cluster resampling: the rows of each drawn authority, in order, labelled per drawn copy, weights included. */
function resampledClusters(source: Rows, draws: readonly number[]): Rows {
  const labels = [...new Set(source.la)];
  const out = empty();
  draws.forEach((cluster, copy) => {
    source.la.forEach((la, i) => {
      if (la === labels[cluster]) copyRow(out, source, i, `${la}#${copy}`);
    });
  });
  return out;
}

/** Row resampling: the drawn rows, weights included. */
function resampledRows(source: Rows, draws: readonly number[]): Rows {
  const out = empty();
  for (const row of draws) copyRow(out, source, row, source.la[row]!);
  return out;
}

const CLUSTERED: ModelSpec = {
  outcome: 'y',
  cluster: 'la',
  weights: 'w',
  groups: [
    { name: 'authority', kind: 'fixed-effect', columns: ['la'] },
    { name: 'year', kind: 'fixed-effect', columns: ['year'] },
    { name: 'x', kind: 'numeric', columns: ['x1', 'x2'] },
  ],
};
const BY_ROW: ModelSpec = {
  outcome: 'y',
  weights: 'w',
  groups: [
    { name: 'year', kind: 'fixed-effect', columns: ['year'] },
    { name: 'x1', kind: 'numeric', columns: ['x1'] },
    { name: 'x2', kind: 'numeric', columns: ['x2'] },
  ],
};

function statistics(source: Rows, spec: ModelSpec, method: DecompositionMethod): number[] {
  const result = decompose(buildModelData(panelFrom({ ...source }), spec), { method });
  return [...result.groups.map((g) => g.share), result.unexplained];
}

const REPLICATES = 12;

describe.each([
  ['whole authorities', CLUSTERED, resampledClusters, AUTHORITIES, 'shapley'],
  ['single rows', BY_ROW, resampledRows, AUTHORITIES * YEARS, 'owen'],
] as const)('weighted bootstrap resampling %s', (_, spec, resample, units, method) => {
  const source = rows(3);
  const data = buildModelData(panelFrom({ ...source }), spec);

  it('carries each row’s weight with it: every replicate equals an independent resample to 1e-12', () => {
    expect(data.weights).toBeDefined();
    const result = bootstrapDecomposition(data, decompose(data, { method }), {
      replicates: REPLICATES,
      seed: 17,
      level: 0.9,
      type: 'percentile',
      decompose: { method },
      keepReplicates: true,
    });
    expect(result.clusters).toBe(units);
    expect(result.failed).toBe(0);
    expect(result.replicateValues).toHaveLength(REPLICATES);
    const stream = seededStreams(17);
    for (let r = 0; r < REPLICATES; r++) {
      const random = stream(r);
      const draws = Array.from({ length: units }, () => random.integer(0, units - 1));
      const expected = statistics(resample(source, draws), spec, method);
      const actual = result.replicateValues![r]!;
      expect(actual).toHaveLength(spec.groups.length + 1);
      actual.forEach((value, j) => expect(Math.abs(value - expected[j]!)).toBeLessThanOrEqual(1e-12));
    }
  });
});
