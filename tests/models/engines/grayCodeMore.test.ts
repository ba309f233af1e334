import { describe, expect, it } from 'vitest';
import type { GroupShape, ModelShape } from '../../../src/models/design/modelData.js';
import type { Gram, SubsetEngines } from '../../../src/models/engines/gramFitter.js';
import { addGrayCodeSums, grayCodeShapley, planGrayCodeShapley } from '../../../src/models/engines/grayCodeShapley.js';
import type { SubsetFitter } from '../../../src/models/engines/subsetFit.js';
import { subsetR2Table } from '../../../src/models/engines/subsetTable.js';
import { bruteShapley, thrownBy } from '../../helpers.js';
import { type OrthogonalToy, orthogonalGramEntries } from './orthogonalGram.js';

/**
 * The Gray-code engine's verdicts on each pivot and its cost, and the subset table's bounds. The mutation run found
 * them unchecked: real data put no pivot on a bound, compare the engine only with itself or with a tolerance that
 * hides where it refits, never count how often it starts again from the Gram matrix (the whole point of the walk is
 * one O(m²) sweep a step), and have at most 12 numeric players (one block per set of fixed effects). Here the Gram
 * matrices are made by hand with orthogonal columns, so each pivot is the column's own diagonal entry whatever was
 * swept before, exactly, and R²(S) = (Σ_{c ∈ S} b_c²/d_c + z'y²/z'z) / TSS, an additive game whose Shapley value
 * for each player is its own share.
 */

/** Orthogonal columns, with the fixed effect at group `at` in data order. */
interface Toy extends OrthogonalToy {
  readonly fixed?: { readonly at: number; readonly zy: number; readonly zz: number };
}

const popcount = (mask: number) => {
  let count = 0;
  for (let v = mask; v; v &= v - 1) count++;
  return count;
};

/** The engines of a toy, counting the rebuilds (each reads a Gram matrix's entries) and the QR refits asked for. */
function toyEngines(t: Toy) {
  const q = t.d.length;
  const P = t.widths.length;
  const k = P + (t.fixed ? 1 : 0);
  // Numeric player j is group numericAt[j]; the fixed effect, if any, sits at group t.fixed.at.
  const numericAt = Array.from({ length: k }, (_, g) => g).filter((g) => g !== t.fixed?.at);
  let next = 0;
  const columnsOf = t.widths.map((width) => Array.from({ length: width }, () => next++));
  const groups: GroupShape[] = Array.from({ length: k }, (_, g) =>
    g === t.fixed?.at
      ? { kind: 'fixed-effect', name: `f${g}`, columns: [`f${g}`], levels: 4 }
      : { kind: 'numeric', name: `g${g}`, columns: columnsOf[numericAt.indexOf(g)]!.map((c) => `x${c}`) },
  );
  const data: ModelShape = { outcome: 'y', n: 100, groups, droppedRows: 0, missingByColumn: {} };
  const counts = { rebuilds: 0 };
  const grams: Gram[] = [0, 1].map((mask) => {
    const entries = orthogonalGramEntries(t, mask);
    return {
      size: q + 1,
      fixedRank: mask ? 3 : 0,
      get entries() {
        counts.rebuilds++;
        return entries;
      },
    };
  });
  // Aliased by the documented rule: a pivot at or below 1e-14 of the centred sum of squares adds nothing.
  const aliased = (c: number) => !(t.d[c]! / t.s[c]! > 1e-14);
  /** Closed-form R² of a set of groups (bit g = group g in data order). */
  const r2 = (groupMask: number) => {
    let sum = t.fixed && groupMask & (1 << t.fixed.at) ? t.fixed.zy ** 2 / t.fixed.zz : 0;
    numericAt.forEach((g, j) => {
      if (groupMask & (1 << g)) for (const c of columnsOf[j]!) if (!aliased(c)) sum += t.b[c]! ** 2 / t.d[c]!;
    });
    return sum / t.tss;
  };
  const fits: number[] = [];
  const stable: SubsetFitter = {
    groupCount: k,
    units: [],
    tss: t.tss,
    fit: (groupMask) => {
      fits.push(groupMask);
      return { r2: r2(groupMask), aliased: [], rank: 0 };
    },
    fitUnits: () => {
      throw new Error('not used');
    },
    unitsOf: () => [],
  };
  const engines: SubsetEngines = {
    statistics: {
      numericCount: q,
      centredSquares: t.s,
      fixedGroups: t.fixed ? [t.fixed.at] : [],
      gramFor: (mask) => grams[mask]!,
    },
    stable,
  };
  const table = Float64Array.from({ length: 2 ** k }, (_, mask) => r2(mask));
  // Suspect by the documented rule: kept, but below 1e-6 of the centred sum of squares, so refitted by QR.
  const suspect = (c: number) => !aliased(c) && t.d[c]! / t.s[c]! < 1e-6;
  const suspectGroups = numericAt.filter((_, j) => columnsOf[j]!.some(suspect));
  const refitted = [...table.keys()].filter((mask) => suspectGroups.some((g) => mask & (1 << g)));
  return { data, engines, counts, fits, table, refitted, k };
}

/** The engine's Shapley values, refits, QR calls and rebuilds, with the values checked against the definition. */
function runToy(t: Toy) {
  const toy = toyEngines(t);
  const plan = planGrayCodeShapley(toy.data, toy.engines);
  const sums = addGrayCodeSums([plan.sumsOfBlocks(0, plan.blocks)]);
  const shapley = grayCodeShapley(toy.data, toy.engines);
  const expected = bruteShapley(toy.k, toy.table);
  expect(shapley).toHaveLength(toy.k);
  shapley.forEach((value, j) => expect(Math.abs(value - expected[j]!)).toBeLessThan(1e-12));
  // grayCodeShapley walked the same subsets again, so every count below is for one walk: half of what was counted.
  return { sums, rebuilds: toy.counts.rebuilds / 2, fits: toy.fits.slice(0, toy.fits.length / 2), toy };
}

/** Columns d = 1 + c/2, b = 0.3 − 0.1c, s = 2 + c (well-conditioned), but column `at` given d, b and s. */
function toyWith(widths: readonly number[], at: number, d: number, b: number, s: number): Toy {
  const q = widths.reduce((x, y) => x + y, 0);
  const toy = {
    widths,
    d: Array.from({ length: q }, (_, c) => (c === at ? d : 1 + 0.5 * c)),
    b: Array.from({ length: q }, (_, c) => (c === at ? b : 0.3 - 0.1 * c)),
    s: Array.from({ length: q }, (_, c) => (c === at ? s : 2 + c)),
    tss: 10,
  };
  return toy;
}

describe('Gray-code engine: one sweep a step, rebuilt only where a pivot is suspect or aliased', () => {
  it('walks well-conditioned players by sweeps alone: one rebuild per block, no refit', () => {
    // Players of 1, 2 and 1 columns, and a fixed effect between the first and the second in data order.
    const t: Toy = { ...toyWith([1, 2, 1], -1, 0, 0, 0), fixed: { at: 1, zy: 1.5, zz: 3 } };
    const { sums, rebuilds, fits, toy } = runToy(t);
    // Two blocks (without and with the fixed effect), each restarting from its Gram matrix once.
    expect(rebuilds).toBe(2);
    expect(sums.refits).toBe(0);
    expect(fits).toEqual([]);
    // The additive game: the fixed effect's share is z'y²/z'z / TSS = 0.75 / 10; the second player's (columns 1, 2)
    // 0.2²/1.5 + 0.1²/2 over 10.
    const shapley = grayCodeShapley(toy.data, toy.engines);
    expect(shapley[1]).toBeCloseTo(0.075, 14);
    expect(shapley[2]).toBeCloseTo((0.04 / 1.5 + 0.01 / 2) / 10, 14);
  });

  it('refits every subset holding a suspect pivot and rebuilds until it is left (ratio 1e-7 of s = 1e4)', () => {
    // d/s = 1e-7 is suspect though d·s = 10 is not. Walk {}, {0}, {0,1}, {1}: the start; {0} cannot be swept in
    // (rebuilt, refitted); {0,1} follows an untrusted matrix (rebuilt, refitted); {1} likewise (rebuilt, trusted).
    const { sums, rebuilds, fits, toy } = runToy(toyWith([1, 1], 0, 1e-3, 1e-4, 1e4));
    expect(toy.refitted).toEqual([1, 3]);
    expect(fits).toEqual([1, 3]);
    expect(sums.refits).toBe(2);
    expect(rebuilds).toBe(4);
  });

  it('sweeps a pivot of exactly 1e-6 of s only by a rebuild, and trusts it (only below is refitted)', () => {
    // Walk {}, {0}, {0,1}, {1}: column 1 (d = 1e-6, s = 1) cannot be swept in incrementally (not above 1e-6),
    // so {0,1} is rebuilt; the rebuilt matrix is trusted and {1} follows by sweeping column 0 out.
    const { sums, rebuilds, fits, toy } = runToy(toyWith([1, 1], 1, 1e-6, 1e-4, 1));
    expect(toy.refitted).toEqual([]);
    expect(fits).toEqual([]);
    expect(sums.refits).toBe(0);
    expect(rebuilds).toBe(2);
    expect(toy.table[2]).toBeCloseTo(1e-3, 15); // (1e-4)² / 1e-6 / 10
  });

  it.each([
    ['exactly 1e-14 of s', 1e-14],
    ['zero', 0],
  ])('skips an aliased pivot (%s) without refitting, rebuilding while it is in', (_, d) => {
    // Walk {}, {0}, {0,1}, {1}: {0,1} is rebuilt with column 1 skipped, so incomplete; {1} is rebuilt again.
    const { sums, rebuilds, fits, toy } = runToy(toyWith([1, 1], 1, d, 0, 1));
    expect(fits).toEqual([]);
    expect(sums.refits).toBe(0);
    expect(rebuilds).toBe(3);
    expect(toy.table[3]).toBe(toy.table[1]);
  });

  it('recovers when the second column of a two-column player is suspect, after the first was swept in', () => {
    // Players [0], [1, 2], [3], column 2 suspect. Gray walk: {}, {0}, {0,1}, {1}, {1,2}, {0,1,2}, {0,2}, {2}.
    // Rebuilds: the start, each subset holding player 1 (four), and the first subset after it, {0,2}.
    const { sums, rebuilds, fits, toy } = runToy(toyWith([1, 2, 1], 2, 1e-8, 1e-5, 4));
    expect(toy.refitted).toEqual([2, 3, 6, 7]);
    expect([...fits].sort((x, y) => x - y)).toEqual([2, 3, 6, 7]);
    expect(sums.refits).toBe(4);
    expect(rebuilds).toBe(6);
  });

  it('splits more than 12 numeric players into blocks of 2^12 subsets, each with its own fixed effects', () => {
    // 13 numeric players and a fixed effect first in data order: 2^14 subsets in four blocks of 2^12.
    const q = 13;
    const t: Toy = {
      widths: Array.from({ length: q }, () => 1),
      d: Array.from({ length: q }, (_, c) => 1 + c / 4),
      b: Array.from({ length: q }, (_, c) => 0.05 * (c - 6)),
      s: Array.from({ length: q }, (_, c) => 2 + c),
      tss: 10,
      fixed: { at: 0, zy: 1, zz: 2 },
    };
    const toy = toyEngines(t);
    const plan = planGrayCodeShapley(toy.data, toy.engines);
    expect(plan.blocks).toBe(4);
    const sums = addGrayCodeSums([0, 1, 2, 3].map((block) => plan.sumsOfBlocks(block, block + 1)));
    expect(toy.counts.rebuilds).toBe(4);
    expect(sums.refits).toBe(0);
    // Σ_{|S| = s} v(S) and Σ_{|S| = s, j ∈ S} v(S) by brute force over the closed form.
    const k = q + 1;
    const totals = new Float64Array(k + 1);
    const containing = new Float64Array(k * (k + 1));
    toy.table.forEach((v, mask) => {
      const size = popcount(mask);
      totals[size]! += v;
      for (let j = 0; j < k; j++) if (mask & (1 << j)) containing[j * (k + 1) + size]! += v;
    });
    expect(sums.totals).toHaveLength(k + 1);
    sums.totals.forEach((v, s) => expect(Math.abs(v - totals[s]!)).toBeLessThan(1e-9));
    expect(sums.containing).toHaveLength(k * (k + 1));
    sums.containing.forEach((v, i) => expect(Math.abs(v - containing[i]!)).toBeLessThan(1e-9));
    // Additive game: each player's Shapley value is its own share.
    const shapley = grayCodeShapley(toy.data, toy.engines);
    expect(shapley).toHaveLength(k);
    expect(shapley[0]).toBeCloseTo(1 / 2 / 10, 12);
    for (let c = 0; c < q; c++) expect(shapley[c + 1]).toBeCloseTo(t.b[c]! ** 2 / t.d[c]! / 10, 12);
  });
});

/** A fitter of k groups whose R² is a closed form, recording the masks it is asked for. */
function fakeFitter(k: number, fit: (mask: number) => number) {
  const masks: number[] = [];
  const fitter: SubsetFitter = {
    groupCount: k,
    units: [],
    tss: 1,
    fit: (mask) => {
      masks.push(mask);
      if (mask >= 2 ** k) throw new RangeError(`mask ${mask} out of range`);
      return { r2: fit(mask), aliased: [], rank: popcount(mask) };
    },
    fitUnits: () => {
      throw new Error('not used');
    },
    unitsOf: () => [],
  };
  return { fitter, masks };
}

class Reached extends Error {}

describe('subset R² table', () => {
  it('fits each non-empty subset once, in order, and leaves the empty model at 0', () => {
    const { fitter, masks } = fakeFitter(3, (mask) => mask / 8);
    const table = subsetR2Table(fitter);
    expect(masks).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect([...table]).toEqual([0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875]);
  });

  it('refuses 25 groups before fitting anything, with the exact message', () => {
    const { fitter, masks } = fakeFitter(25, () => {
      throw new Reached();
    });
    const error = thrownBy(() => subsetR2Table(fitter), RangeError);
    expect(error.message).toBe('subsetR2Table: 25 groups need 2^25 subsets; at most 24 are enumerated');
    expect(masks).toEqual([]);
  });

  it('enumerates 24 groups (it gets as far as the first fit)', () => {
    const { fitter, masks } = fakeFitter(24, () => {
      throw new Reached();
    });
    thrownBy(() => subsetR2Table(fitter), Reached);
    expect(masks).toEqual([1]);
  });
});
