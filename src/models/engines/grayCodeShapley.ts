import type { SubsetEngines } from './gramFitter.js';
import type { ModelShape } from '../design/modelData.js';
import { orderingWeights } from '../methods/shapley.js';
import { sweepIn, sweepOut } from '../linalg/sweep.js';

/** Pivot ratios (remaining / centred sum of squares): at or below ALIASED the column adds nothing; below ILL the subset
 * is refitted by QR. */
const ALIASED = 1e-14;
const ILL_CONDITIONED = 1e-6;
/** Subsets per block: each block starts from a fresh factorisation, which bounds the growth of rounding error. */
const BLOCK_BITS = 12;

/** Sums from which Shapley values follow: per subset size s, the total of v(S), and per player the total over S ∋ j. */
export interface GrayCodeSums {
  readonly players: number;
  /** totals[s] = Σ_{|S| = s} v(S), s = 0 … k. */
  readonly totals: Float64Array;
  /** containing[j·(k+1) + s] = Σ_{|S| = s, j ∈ S} v(S). */
  readonly containing: Float64Array;
  /** Subsets whose R² came from a QR refit because their cross-product matrix was too ill-conditioned. */
  readonly refits: number;
}

/** A precomputed plan: the players (groups), their numeric columns, and the Gram matrix of each set of fixed effects.
 * */
export interface GrayCodePlan {
  readonly players: number;
  /** Number of numeric players (groups); fixed-effect players come after them in the enumeration. */
  readonly numericPlayers: number;
  readonly fixedPlayers: number;
  /** Total subsets 2^players, enumerated as blocks of 2^blockBits. */
  readonly blockBits: number;
  readonly blocks: number;
  sumsOfBlocks(first: number, last: number): GrayCodeSums;
}

/**
 * Exact group Shapley values of R² without a 2^k table: subsets of the numeric groups are visited in Gray-code
 * order, each step sweeping one group's columns in or out of the cross-product matrix of the columns projected on
 * the fixed effects present (one matrix per set of fixed effects), so a step costs O(m²) instead of a refit.
 * Values are accumulated on the fly:
 *   φ_j = Σ_s [w(s−1) Σ_{|S|=s, j∈S} v(S) − w(s) Σ_{|S|=s, j∉S} v(S)],  w(s) = s!(k−s−1)!/k!.
 * Each block of 2^12 subsets restarts from the original matrix, bounding accumulated rounding; a column whose
 * pivot falls to 1e-14 of its centred sum of squares is aliased (skipped), and a subset with a pivot below 1e-6
 * is refitted by the QR path (`stable`) and the matrix rebuilt.
 *
 * Each step costs O(m²) whatever the subset, so 2^k subsets cost about 2^k·m²/2 multiply-adds. This was the exact
 * engine until the subset tree (`subsetTree.ts`) replaced it; it is kept as the benchmark's baseline and as an
 * independent cross-check in tests.
 *
 * Reference: Goodnight (1979) on sweeping; Gray-code enumeration as in Knuth, TAOCP 4A §7.2.1.1; the on-the-fly
 * accumulation is the Shapley formula regrouped by subset.
 */
export function planGrayCodeShapley(data: ModelShape, { statistics, stable }: SubsetEngines): GrayCodePlan {
  const numericGroups = data.groups.flatMap((g, index) => (g.kind === 'numeric' ? [index] : []));
  const fixedGroups = statistics.fixedGroups;
  const k = data.groups.length;
  // Column indices of each numeric player, in the order of the Gram matrices' columns (group order).
  const columnsOfPlayer: number[][] = [];
  let next = 0;
  for (const g of numericGroups) columnsOfPlayer.push(data.groups[g]!.columns.map(() => next++));
  const centred = statistics.centredSquares;
  const tss = stable.tss;
  const m = statistics.numericCount + 1;
  const gramFor = (fixedMask: number) => statistics.gramFor(fixedMask);
  const numericPlayers = numericGroups.length;
  const blockBits = Math.min(BLOCK_BITS, numericPlayers);
  const blocksPerFixedMask = 2 ** (numericPlayers - blockBits);
  // The group (in data order) of player p: numeric players first, then fixed effects.
  const groupOfPlayer = [...numericGroups, ...fixedGroups];

  const sumsOfBlocks = (first: number, last: number): GrayCodeSums => {
    const totals = new Float64Array(k + 1);
    const containing = new Float64Array(k * (k + 1));
    let refits = 0;
    const a = new Float64Array(m * m);
    const swept = new Uint8Array(m);
    for (let block = first; block < last; block++) {
      const fixedMask = Math.floor(block / blocksPerFixedMask);
      const gram = gramFor(fixedMask);
      const firstIndex = (block % blocksPerFixedMask) * 2 ** blockBits;
      let numericMask = gray(firstIndex);
      let dirty = true;
      for (let step = 0; step < 2 ** blockBits; step++) {
        if (step > 0) {
          const index = firstIndex + step;
          const changed = 31 - Math.clz32(gray(index) ^ gray(index - 1));
          const adding = (gray(index) & (1 << changed)) !== 0;
          numericMask = gray(index);
          if (!dirty) dirty = !toggle(a, m, swept, columnsOfPlayer[changed]!, adding, centred);
        }
        let trusted = true;
        if (dirty) {
          const state = rebuild(a, gram.entries, m, swept, columnsOfPlayer, numericMask, centred);
          trusted = state.trusted;
          dirty = !(state.trusted && state.complete);
        }
        let r2: number;
        if (trusted) {
          r2 = 1 - Math.max(0, a[m * m - 1]!) / tss;
        } else {
          refits++;
          r2 = stable.fit(groupMask(numericMask, fixedMask, numericGroups, fixedGroups)).r2;
        }
        // Accumulate v(S) by size, and for each member.
        const size = popcount(numericMask) + popcount(fixedMask);
        totals[size]! += r2;
        for (let p = 0; p < numericPlayers; p++)
          if (numericMask & (1 << p)) containing[groupOfPlayer[p]! * (k + 1) + size]! += r2;
        for (let f = 0; f < fixedGroups.length; f++)
          if (fixedMask & (1 << f)) containing[fixedGroups[f]! * (k + 1) + size]! += r2;
      }
    }
    return { players: k, totals, containing, refits };
  };

  return {
    players: k,
    numericPlayers,
    fixedPlayers: fixedGroups.length,
    blockBits,
    blocks: blocksPerFixedMask * 2 ** fixedGroups.length,
    sumsOfBlocks,
  };
}

/** Exact group Shapley values by the Gray-code engine, every block in this thread. */
export function grayCodeShapley(data: ModelShape, engines: SubsetEngines): Float64Array {
  const plan = planGrayCodeShapley(data, engines);
  const parts: GrayCodeSums[] = [];
  for (let block = 0; block < plan.blocks; block++) parts.push(plan.sumsOfBlocks(block, block + 1));
  return shapleyFromGrayCodeSums(addGrayCodeSums(parts));
}

/** Add block sums in order (the order is fixed, so results do not depend on how blocks were shared out). */
export function addGrayCodeSums(parts: readonly GrayCodeSums[]): GrayCodeSums {
  const k = parts[0]!.players;
  const totals = new Float64Array(k + 1);
  const containing = new Float64Array(k * (k + 1));
  let refits = 0;
  for (const part of parts) {
    part.totals.forEach((v, i) => (totals[i]! += v));
    part.containing.forEach((v, i) => (containing[i]! += v));
    refits += part.refits;
  }
  return { players: k, totals, containing, refits };
}

/** φ_j = Σ_s [w(s−1) C_j(s) − w(s) (T(s) − C_j(s))]. */
export function shapleyFromGrayCodeSums(sums: GrayCodeSums): Float64Array {
  const k = sums.players;
  const w = orderingWeights(k);
  return Float64Array.from({ length: k }, (_, j) => {
    let value = 0;
    for (let s = 0; s <= k; s++) {
      const inside = sums.containing[j * (k + 1) + s]!;
      if (s > 0) value += w[s - 1]! * inside;
      if (s < k) value -= w[s]! * (sums.totals[s]! - inside);
    }
    return value;
  });
}

function gray(index: number): number {
  return index ^ (index >>> 1);
}

function popcount(mask: number): number {
  let count = 0;
  for (let v = mask; v; v &= v - 1) count++;
  return count;
}

function groupMask(
  numericMask: number,
  fixedMask: number,
  numericGroups: readonly number[],
  fixedGroups: readonly number[],
): number {
  let mask = 0;
  numericGroups.forEach((g, p) => (numericMask & (1 << p) ? (mask |= 1 << g) : 0));
  fixedGroups.forEach((g, f) => (fixedMask & (1 << f) ? (mask |= 1 << g) : 0));
  return mask;
}

/** Sweep one player's columns in or out; false when the matrix can no longer be trusted incrementally. */
function toggle(
  a: Float64Array,
  m: number,
  swept: Uint8Array,
  columns: readonly number[],
  adding: boolean,
  centred: readonly number[],
): boolean {
  for (const c of columns) {
    if (adding) {
      const ratio = a[c * m + c]! / centred[c]!;
      if (!(ratio > ILL_CONDITIONED)) return false;
      sweepIn(a, m, c);
      swept[c] = 1;
    } else {
      if (!swept[c]) return false;
      sweepOut(a, m, c);
      swept[c] = 0;
    }
  }
  return true;
}

/**
 * Start again from the Gram matrix and sweep in the players of `mask`. `trusted`: no pivot too small to trust;
 * `complete`: no column skipped as aliased (otherwise the next step must rebuild, as sweeping out would not match).
 */
function rebuild(
  a: Float64Array,
  gram: Float64Array,
  m: number,
  swept: Uint8Array,
  columnsOfPlayer: readonly (readonly number[])[],
  mask: number,
  centred: readonly number[],
): { trusted: boolean; complete: boolean } {
  a.set(gram);
  swept.fill(0);
  let trusted = true;
  columnsOfPlayer.forEach((columns, p) => {
    if (!(mask & (1 << p))) return;
    for (const c of columns) {
      const ratio = a[c * m + c]! / centred[c]!;
      if (!(ratio > ALIASED)) continue; // exactly dependent on what is in: adds nothing
      if (ratio < ILL_CONDITIONED) trusted = false;
      sweepIn(a, m, c);
      swept[c] = 1;
    }
  });
  const complete = columnsOfPlayer.every((columns, p) => !(mask & (1 << p)) || columns.every((c) => swept[c]));
  return { trusted, complete };
}
