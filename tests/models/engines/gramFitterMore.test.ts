import { describe, expect, it } from 'vitest';
import { buildModelData, type FixedEffectGroupData, type ModelData } from '../../../src/models/design/modelData.js';
import { enginesOf } from '../../../src/models/engines/engines.js';
import {
  buildGram,
  createGramFitter,
  fixedProjection,
  gramCholesky,
  projectedGrams,
  residualFromFactor,
  type ProjectedGrams,
} from '../../../src/models/engines/gramFitter.js';
import { createSubsetFitter, rowTransform } from '../../../src/models/engines/subsetFit.js';
import type { ModelSpec } from '../../../src/models/spec/spec.js';
import { panelFrom, referenceR2, testRandom } from '../../helpers.js';

/**
 * The Gram path's edges: the empty subset, units asked for out of group order, the lower triangle of a Gram matrix,
 * which fixed effect is absorbed (and against which norms the others' indicators are judged), the pivot verdicts at
 * exactly 1e-14 and 1e-6 of the centred sum of squares, and subsets of more columns than the forward substitution's
 * shared buffer. The mutation run found these unchecked: the enumerations of real data never ask for the empty
 * subset or for units out of order, put no pivot on a bound and have far fewer than 64 columns.
 */

/** Three numeric groups a (x0), b (x1 = 2·x0, exactly collinear) and c (x2), on 8 rows. */
function collinearData(): { data: ModelData; y: number[]; x0: number[]; x2: number[] } {
  const random = testRandom(5);
  const x0 = [1, -1, 1, -1, 2, -2, 0, 0];
  const x1 = x0.map((v) => 2 * v);
  const x2 = x0.map(() => random.normal());
  const y = x0.map((v, i) => 0.7 * v - 0.3 * x2[i]! + random.normal());
  const spec: ModelSpec = {
    outcome: 'y',
    groups: [
      { name: 'a', kind: 'numeric', columns: ['x0'] },
      { name: 'b', kind: 'numeric', columns: ['x1'] },
      { name: 'c', kind: 'numeric', columns: ['x2'] },
    ],
  };
  return { data: buildModelData(panelFrom({ x0, x1, x2, y }), spec), y, x0, x2 };
}

/** The model's Gram matrices, counting how many times one is asked for. */
function countingGrams(data: ModelData): { statistics: ProjectedGrams; calls: number[] } {
  const inner = projectedGrams(data);
  const calls: number[] = [];
  const statistics: ProjectedGrams = {
    numericCount: inner.numericCount,
    centredSquares: inner.centredSquares,
    fixedGroups: inner.fixedGroups,
    gramFor: (mask) => {
      calls.push(mask);
      return inner.gramFor(mask);
    },
  };
  return { statistics, calls };
}

describe('Gram fitter: the empty subset and units out of group order', () => {
  it('fits the empty subset as R² 0, rank 0, nothing aliased, without building a Gram matrix', () => {
    const { data } = collinearData();
    const { statistics, calls } = countingGrams(data);
    const fitter = createGramFitter(data, { statistics, stable: createSubsetFitter(data) });
    expect(fitter.fitUnits([])).toEqual({ r2: 0, aliased: [], rank: 0 });
    expect(fitter.fit(0)).toEqual({ r2: 0, aliased: [], rank: 0 });
    expect(calls).toEqual([]);
    // A non-empty subset does ask for its Gram matrix, so the count above could have moved.
    fitter.fitUnits([2]);
    expect(calls).toEqual([0]);
  });

  it.each([
    { name: 'in group order', chosen: [0, 1] },
    { name: 'in reverse order', chosen: [1, 0] },
    { name: 'in reverse order, with a third column', chosen: [2, 1, 0] },
  ])('aliases the later of two collinear columns in group order: units $name', ({ chosen }) => {
    const { data, y, x0, x2 } = collinearData();
    const fitter = createGramFitter(data, enginesOf(data));
    const fit = fitter.fitUnits(chosen);
    expect(fit.aliased).toEqual(['x1']);
    expect(createSubsetFitter(data).fitUnits(chosen).aliased).toEqual(['x1']);
    const withC = chosen.includes(2);
    expect(fit.rank).toBe(withC ? 2 : 1);
    const expected = referenceR2(y, withC ? [x0, x2] : [x0]);
    expect(Math.abs(fit.r2 - expected)).toBeLessThan(1e-12);
  });
});

describe('Gram matrices: both triangles', () => {
  it('stores every cross-product of the centred columns and outcome at (a, b) and at (b, a)', () => {
    // Integer columns with integer means: every centred value and cross-product is exact.
    const x0 = [3, 1, -2, 2, 0, 2];
    const x1 = [1, 0, 4, -1, 2, 0];
    const x2 = [-2, 5, 0, 1, 3, -1];
    const y = [2, -1, 3, 0, 1, 1];
    const spec: ModelSpec = {
      outcome: 'y',
      groups: [
        { name: 'a', kind: 'numeric', columns: ['x0', 'x1'] },
        { name: 'b', kind: 'numeric', columns: ['x2'] },
      ],
    };
    const data = buildModelData(panelFrom({ x0, x1, x2, y }), spec);
    const stored = data.groups.flatMap((group) => (group.kind === 'numeric' ? [...group.values] : []));
    expect(stored.length).toBe(3);
    const centred = [...stored, data.y].map((column) => {
      const mean = column.reduce((a, b) => a + b, 0) / column.length;
      return Array.from(column, (v) => v - mean);
    });
    const expected = centred.flatMap((p) => centred.map((q) => p.reduce((s, v, i) => s + v * q[i]!, 0)));
    const gram = buildGram(data, [], stored);
    expect(gram.size).toBe(4);
    expect(gram.fixedRank).toBe(0);
    expect([...gram.entries]).toEqual(expected);
    expect([...projectedGrams(data).gramFor(0).entries]).toEqual(expected);
  });
});

/** A fixed effect of the given row codes, levels 0 … max. */
function fixedEffect(name: string, codes: readonly number[]): FixedEffectGroupData {
  const levels = Math.max(...codes) + 1;
  return {
    kind: 'fixed-effect',
    name,
    columns: [name],
    codes: Int32Array.from(codes),
    levels,
    labels: Array.from({ length: levels }, (_, l) => `${name}${l}`),
  };
}

/** Σ_i w_i (v_i − weighted mean of v within the level of row i)², square-rooted. */
function withinNorm(values: readonly number[], codes: readonly number[], weights: readonly number[]): number {
  const sums = new Map<number, number>();
  const totals = new Map<number, number>();
  codes.forEach((c, i) => {
    sums.set(c, (sums.get(c) ?? 0) + weights[i]! * values[i]!);
    totals.set(c, (totals.get(c) ?? 0) + weights[i]!);
  });
  return Math.sqrt(
    values.reduce((s, v, i) => s + weights[i]! * (v - sums.get(codes[i]!)! / totals.get(codes[i]!)!) ** 2, 0),
  );
}

describe('fixed projection: the largest fixed effect absorbed, the others judged against their centred norms', () => {
  // B (2 levels) nests in A (3 levels) except on row 6, of weight 1e-16: B adds a direction of norm ~1e-8, below
  // 1e-7 of its indicators' centred norms (~1), so B is aliased once A is absorbed and the rank is A's levels − 1.
  // Absorbing B instead would judge A's level 1 (rows 2, 3 of weight 1e-4, centred norm ~0.014) against its own
  // small norm and keep that direction; judging B's indicators against their norms after absorption would too.
  const weights = [1, 1, 1e-4, 1e-4, 1, 1, 1e-16];
  const a = fixedEffect('A', [0, 0, 1, 1, 2, 2, 2]);
  const b = fixedEffect('B', [0, 0, 0, 0, 1, 1, 0]);

  it('finds B’s indicators within A below 1e-7 of their centred norms (the documented rule aliases them)', () => {
    const total = weights.reduce((s, w) => s + w, 0);
    expect(b.levels).toBe(2);
    for (let level = 0; level < b.levels; level++) {
      const indicator = Array.from(b.codes, (c) => (c === level ? 1 : 0));
      const inLevel = weights.reduce((s, w, i) => s + w * indicator[i]!, 0);
      const centredNorm = Math.sqrt(inLevel - (inLevel * inLevel) / total);
      const ratio = withinNorm(indicator, [...a.codes], weights) / centredNorm;
      expect(ratio).toBeLessThan(1e-7);
      expect(ratio).toBeGreaterThan(1e-9);
    }
  });

  it.each([
    { name: 'the smaller first', fixed: [b, a] },
    { name: 'the larger first', fixed: [a, b] },
  ])('has rank levels(A) − 1 = 2 whatever the order: $name', ({ fixed }) => {
    const projection = fixedProjection(fixed, rowTransform(Float64Array.from(weights)));
    expect(projection.rank).toBe(2);
  });

  it('projects out B’s well-weighted direction and A exactly: a column of A’s indicators leaves nothing', () => {
    const projection = fixedProjection([b, a], rowTransform(Float64Array.from(weights)));
    const column = Float64Array.from(a.codes, (c) => [3, -1, 5][c]!);
    const residual = projection.project(column);
    expect(residual.length).toBe(7);
    residual.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-12));
  });
});

/** A Gram matrix of orthogonal columns: diagonal d, cross-products b with the outcome, outcome square yy. */
function orthogonalGram(d: readonly number[], b: readonly number[], yy: number) {
  const q = d.length;
  const size = q + 1;
  const entries = new Float64Array(size * size);
  d.forEach((v, c) => {
    entries[c * size + c] = v;
    entries[c * size + q] = b[c]!;
    entries[q * size + c] = b[c]!;
  });
  entries[q * size + q] = yy;
  return { size, entries };
}

describe('Gram Cholesky: the pivot verdicts at their bounds', () => {
  // Centred sum of squares 1: the relative pivot is the diagonal entry itself, exactly.
  it.each([
    { name: 'zero: aliased', pivot: 0, verdict: 'aliased' },
    { name: 'exactly 1e-14: aliased (at or below)', pivot: 1e-14, verdict: 'aliased' },
    { name: 'just above 1e-14: suspect', pivot: 1.0000001e-14, verdict: 'suspect' },
    { name: 'just below 1e-6: suspect', pivot: 0.9999999e-6, verdict: 'suspect' },
    { name: 'exactly 1e-6: kept (only below is suspect)', pivot: 1e-6, verdict: 'kept' },
    { name: 'one: kept', pivot: 1, verdict: 'kept' },
  ])('a lone column whose pivot is $name', ({ pivot, verdict }) => {
    const gram = orthogonalGram([pivot], [0], 1);
    const factor = gramCholesky(gram, [0], [1]);
    if (verdict === 'suspect') {
      expect(factor).toBeUndefined();
    } else if (verdict === 'aliased') {
      expect(factor).toEqual({ kept: [], aliased: [0], factor: [] });
    } else {
      expect(factor?.kept).toEqual([0]);
      expect(factor?.aliased).toEqual([]);
      expect(factor?.factor.length).toBe(1);
      expect(Math.abs(factor!.factor[0]![0]! - Math.sqrt(pivot))).toBeLessThanOrEqual(1e-16 * Math.sqrt(pivot));
    }
  });

  it('judges the pivot left after the columns before it against the column’s own centred sum of squares', () => {
    // x1 = x0 + e with e ⟂ x0 and s1 = 4: e′e = 3e-14 is 7.5e-15 of s1 (aliased), though 3e-14 of s0 = 1; e′e = 8e-6
    // is 2e-6 of s1 (kept).
    for (const [ee, aliased] of [
      [3e-14, true],
      [8e-6, false],
    ] as const) {
      const entries = Float64Array.from([1, 1, 0, 1, 1 + ee, 0, 0, 0, 1]);
      const factor = gramCholesky({ size: 3, entries }, [0, 1], [1, 4]);
      expect(factor?.kept).toEqual(aliased ? [0] : [0, 1]);
      expect(factor?.aliased).toEqual(aliased ? [1] : []);
    }
  });
});

describe('RSS from a Gram factor: subsets wider than the shared buffer of 64', () => {
  it.each([1, 63, 64, 65, 66, 80])('gives ỹ′ỹ − Σ b_c²/d_c for %i orthogonal columns', (q) => {
    const d = Array.from({ length: q }, (_, c) => 1 + c / 8);
    const b = Array.from({ length: q }, (_, c) => ((c % 5) - 2) / 16);
    const yy = 100;
    const gram = orthogonalGram(d, b, yy);
    const chosen = Array.from({ length: q }, (_, c) => c);
    const factor = gramCholesky(gram, chosen, d)!;
    expect(factor.kept.length).toBe(q);
    const rss = residualFromFactor(factor, gram.entries, gram.size, yy, q);
    const expected = yy - b.reduce((s, v, c) => s + (v * v) / d[c]!, 0);
    expect(Math.abs(rss - expected)).toBeLessThan(1e-12);
  });

  it('solves L z = X′ỹ forward, each z_i using the z_j before it', () => {
    // Two columns with a cross-product: z = L⁻¹X'y needs z_0 when computing z_1.
    const entries = Float64Array.from([4, 2, 2, 2, 5, 3, 2, 3, 10]);
    const factor = gramCholesky({ size: 3, entries }, [0, 1], [4, 5])!;
    // X'X = [[4, 2], [2, 5]], X'y = [2, 3]: β = (X'X)⁻¹X'y = [1/4, 1/2], explained = β·X'y = 2.
    expect(Math.abs(residualFromFactor(factor, entries, 3, 10, 2) - 8)).toBeLessThan(1e-14);
  });
});
