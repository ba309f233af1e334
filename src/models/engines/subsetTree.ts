import type { ModelShape } from '../design/modelData.js';
import { orderingWeights } from '../methods/shapley.js';
import type { ProjectedGrams, SubsetEngines } from './gramFitter.js';
import type { SubsetFitter } from './subsetFit.js';
import { adjustment, R2_VALUE, type SubsetValue } from './subsetValue.js';

/**
 * Relative pivots (remaining sum of squares / the column's centred sum of squares, judged before the column is
 * swept): at or below ALIASED_PIVOT the column is aliased (R's `lm` rule, tolerance 1e-7 on norms, squared) and
 * adds nothing; below ILL_CONDITIONED_PIVOT too few digits survive the squared condition number, and the subset
 * (with every subset grown from it) is refitted by QR. The same thresholds as the Gram fitter's.
 */
const ALIASED_PIVOT = 1e-14;
const ILL_CONDITIONED_PIVOT = 1e-6;
/** Returned by `addPlayer` when a pivot is too small to trust. */
const SUSPECT = -1;

/**
 * Calibration of `treeSeconds` on this project's 2-core machine (Node 20, one thread, CPU time): seconds per
 * subset, per multiply-add of the sweeps, and per node made by the general (not unrolled) step, fitted to 13
 * layouts from 24 single columns to 12 groups of 16 columns (12 of them within 5%, the last within 17%).
 */
const SECONDS_PER_SUBSET = 3.9e-9;
export const SECONDS_PER_MULTIPLY_ADD = 1.15e-9;
const SECONDS_PER_SWEPT_NODE = 1.9e-8;

/** One player of a subset enumeration: a numeric block of Gram columns, or a fixed effect. */
export interface TreePlayer {
  /** The model's group the player belongs to. */
  readonly group: number;
  /** The stable fitter's units of the player (for QR refits). */
  readonly units: readonly number[];
  /** Number of numeric columns (0 for a fixed effect). */
  readonly width: number;
}

/**
 * The players of an enumeration. Numeric players are consecutive ranges of the projected Gram matrices' columns,
 * in the matrices' order (group order), so the columns still to come after any player are a suffix; fixed
 * players are the fixed effects in the order of `ProjectedGrams.fixedGroups` (bit f of a fixed mask).
 */
export interface TreeLayout {
  readonly numeric: readonly TreePlayer[];
  readonly fixed: readonly TreePlayer[];
}

/**
 * The players of a model: each numeric group one player, except group `split` (if given), whose columns are
 * players of their own (for Owen values); each fixed effect one player.
 */
export function treeLayout(data: ModelShape, { statistics, stable }: SubsetEngines, split?: number): TreeLayout {
  const numeric: TreePlayer[] = [];
  data.groups.forEach((group, g) => {
    if (group.kind !== 'numeric') return;
    const units = stable.unitsOf(g);
    if (g === split) for (const u of units) numeric.push({ group: g, units: [u], width: 1 });
    else numeric.push({ group: g, units, width: units.length });
  });
  const fixed = statistics.fixedGroups.map((g) => ({ group: g, units: stable.unitsOf(g), width: 0 }));
  return { numeric, fixed };
}

/**
 * What a tree run accumulates. Each subset T has a class, the sum of its players' class increments; with
 * a(c) = `inWeight[c]` and b(c) = `allWeight[c]`, a run returns for each player j
 *   value_j = Σ_{T ∋ j} a(class T)·R²(T)  (in slot `slot` of the player)   and   Σ_T b(class T)·R²(T),
 * so that value_j − Σ_T b·R² is a linear value of the game R² when a and b are its weights regrouped by subset.
 */
export interface TreeGame {
  readonly slots: number;
  readonly numericSlot: Int32Array;
  readonly fixedSlot: Int32Array;
  readonly numericClass: Int32Array;
  readonly fixedClass: Int32Array;
  readonly inWeight: Float64Array;
  readonly allWeight: Float64Array;
}

/**
 * Shapley values of the players (groups): φ_j = Σ_{S ∌ j} w(|S|)(v(S ∪ j) − v(S)), w(s) = s!(k−s−1)!/k!, regrouped
 * by subset as φ_j = Σ_{T ∋ j} c(|T|)·v(T) − Σ_T w(|T|)·v(T) with c(s) = w(s−1) + w(s) and w(−1) = w(k) = 0.
 * The class of a subset is its size; slot j is group j.
 *
 * Reference: Shapley (1953); the regrouping is the one of `shapleyFromSums`, here with the first sum taken over
 * subtrees (Furnival 1971).
 */
export function shapleyGame(layout: TreeLayout): TreeGame {
  const k = layout.numeric.length + layout.fixed.length;
  const w = orderingWeights(k);
  const weight = (s: number) => (s >= 0 && s < k ? w[s]! : 0);
  return {
    slots: k,
    numericSlot: Int32Array.from(layout.numeric, (p) => p.group),
    fixedSlot: Int32Array.from(layout.fixed, (p) => p.group),
    numericClass: new Int32Array(layout.numeric.length).fill(1),
    fixedClass: new Int32Array(layout.fixed.length).fill(1),
    inWeight: Float64Array.from({ length: k + 1 }, (_, s) => weight(s - 1) + weight(s)),
    allWeight: Float64Array.from({ length: k + 1 }, (_, s) => weight(s)),
  };
}

/**
 * Owen values of the units of group `split` (its columns, players of their own in the layout) with the groups as
 * a priori unions (m groups, G units in the split group):
 *   φ_c = Σ_{T ⊆ groups∖{g}} Σ_{S ⊆ g∖{c}} w_m(|T|) w_G(|S|) (v(T ∪ S ∪ c) − v(T ∪ S)),
 * regrouped by subset U = T ∪ S′ (t = |T| other groups, s′ = |S′| units of g) with class t·(G + 1) + s′:
 *   φ_c = Σ_{U ∋ c} w_m(t)(w_G(s′−1) + w_G(s′))·v(U) − Σ_U w_m(t) w_G(s′)·v(U),   w_G(−1) = w_G(G) = 0.
 * Slot of unit u of the split group: u; of any other player: units + its group (not used).
 *
 * Reference: Owen (1977), "Values of games with a priori unions"; Huettner & Sunder (2012), Electronic Journal of
 * Statistics 6:1239–1250.
 */
function owenGame(layout: TreeLayout, split: number, groups: number, units: number): TreeGame {
  const inSplit = layout.numeric.filter((p) => p.group === split);
  const size = inSplit.length;
  const wm = orderingWeights(groups);
  const wg = orderingWeights(size);
  const within = (s: number) => (s >= 0 && s < size ? wg[s]! : 0);
  const classes = groups * (size + 1);
  const tOf = (c: number) => Math.floor(c / (size + 1));
  const sOf = (c: number) => c % (size + 1);
  return {
    slots: units + groups,
    numericSlot: Int32Array.from(layout.numeric, (p) => (p.group === split ? p.units[0]! : units + p.group)),
    fixedSlot: Int32Array.from(layout.fixed, (p) => units + p.group),
    numericClass: Int32Array.from(layout.numeric, (p) => (p.group === split ? 1 : size + 1)),
    fixedClass: new Int32Array(layout.fixed.length).fill(size + 1),
    inWeight: Float64Array.from({ length: classes }, (_, c) =>
      tOf(c) < groups ? wm[tOf(c)]! * (within(sOf(c) - 1) + within(sOf(c))) : 0,
    ),
    allWeight: Float64Array.from({ length: classes }, (_, c) => (tOf(c) < groups ? wm[tOf(c)]! * within(sOf(c)) : 0)),
  };
}

/** Estimated seconds of work a task is cut to (at most 256 tasks per set of fixed effects). */
const TASK_SECONDS = 0.005;

/**
 * Numeric players whose choice (in or out) is fixed by a task: 2^bits prefixes per set of fixed effects, so that
 * a task is expected to take about TASK_SECONDS (one task for quick enumerations; up to 256, enough to balance a
 * few threads). It depends on the layout only, so the tasks, and the order their sums are added in, are the same
 * for any number of threads.
 */
export function prefixBits(layout: TreeLayout): number {
  const perFixedSet = treeSeconds(layout) / 2 ** layout.fixed.length;
  const bits = Math.floor(Math.log2(perFixedSet / TASK_SECONDS));
  return Math.max(0, Math.min(8, layout.numeric.length, bits));
}

/**
 * Expected seconds of one thread to visit every subset of a layout: 2^(P+F) subsets at SECONDS_PER_SUBSET, plus
 * the multiply-adds of the sweeps, plus the nodes made by the general step. The subsets whose last numeric player
 * is j number 2^(j+F); making the matrix of one sweeps j's columns, column c updating the upper triangle of the
 * columns after it and y, (q − c)(q − c + 1)/2 multiply-adds (q numeric columns); those with j < `unrolledFrom`
 * are made by the general step. With `rows`, the 2^F Gram matrices' cross-products, rows·(q + 1)(q + 2)/2
 * multiply-adds each, are counted too.
 */
export function treeSeconds(layout: TreeLayout, rows = 0): number {
  const columns = layout.numeric.reduce((sum, p) => sum + p.width, 0);
  const fixed = 2 ** layout.fixed.length;
  let multiplyAdds = 0;
  let c = 0;
  layout.numeric.forEach((player, j) => {
    let perNode = 0;
    for (let t = 0; t < player.width; t++, c++) perNode += ((columns - c) * (columns - c + 1)) / 2;
    multiplyAdds += 2 ** j * perNode;
  });
  const grams = (rows * (columns + 1) * (columns + 2)) / 2;
  const swept = 2 ** unrolledFrom(layout) - 1;
  return (
    fixed *
    (2 ** layout.numeric.length * SECONDS_PER_SUBSET +
      (multiplyAdds + grams) * SECONDS_PER_MULTIPLY_ADD +
      swept * SECONDS_PER_SWEPT_NODE)
  );
}

/** The first of the last three numeric players from which all are single columns: from it on, the tree is unrolled. */
function unrolledFrom(layout: TreeLayout): number {
  const P = layout.numeric.length;
  let from = P;
  while (from > 0 && P - from < 3 && layout.numeric[from - 1]!.width === 1) from--;
  return from;
}

/** A tree enumeration split into tasks, each a fixed set of fixed effects and a fixed choice of the first players. */
export interface SubsetTree {
  readonly tasks: number;
  /** 2^(numeric players + fixed players). */
  readonly subsets: number;
  /**
   * Run task t: out[slot] (out has slots + 2 entries, overwritten) receives the task's part of Σ_{T ∋ j} a·R²(T),
   * out[slots] its part of Σ_T b·R²(T), out[slots + 1] the number of subsets refitted by QR. With `table`,
   * table[mask] = R²(T) too, mask holding bit `bits` of each player of T.
   */
  runTask(task: number, out: Float64Array, table?: Float64Array, bits?: TreeBits): void;
}

/** Table positions of the players: the bit each sets in a subset's mask. */
export interface TreeBits {
  readonly numeric: Int32Array;
  readonly fixed: Int32Array;
}

/**
 * All 2^(P+F) subsets of P numeric and F fixed players, enumerated as a tree (Furnival 1971): for each set of
 * fixed effects, start from the Gram matrix of the numeric columns and y projected on them; a node is a subset S
 * whose last numeric player is ℓ, and holds the matrix of the columns of the players after ℓ and of y with S's
 * columns swept (the Schur complement of S's block), whose y-diagonal is RSS(S). Its children add one player
 * j > ℓ each and sweep only j's columns, updating only the rows and columns still to come after j and y: for a
 * single column c, A′_ik = A_ik − (A_ci / A_cc)·A_ck for c < i ≤ k ≤ q. Over the tree this is Σ_r 2^−r·r(r+1)/2
 * ≈ 4 multiply-adds per subset for single columns, whatever the number of players, and each subset is swept
 * from its parent only, at depth ≤ P, so no rounding accumulates along a long path. The last three levels
 * (when single-column players) are unrolled, and no memory is allocated per node: one matrix per depth.
 *
 * The pivots of a subset are those of sweeping its columns in order, as the Gram fitter's Cholesky takes them,
 * so the verdicts agree: a pivot ≤ 1e-14 of the column's centred sum of squares marks the column aliased (it is
 * skipped); one below 1e-6 makes the subset, and every subset grown from it, a QR refit (`stable`).
 *
 * The value of a subset is its R², or with an adjusted `value` its adjusted R² (`SubsetValue`), for which the
 * tree counts the rank of each subset as it goes: the fixed effects' rank (`Gram.fixedRank`) plus one per column
 * swept (kept), none for a column found aliased; a refitted subset takes the rank of its QR.
 *
 * Values accumulate in the tree: Σ_{T ∋ j} a(T)·R²(T) is the total of the subtrees rooted where j was added, one
 * addition per node (see `TreeGame`). The tree is cut into tasks by the fixed-effect set and the choice (in or
 * out) of the first `prefixBits` players; each task sweeps its prefix from the Gram matrix and enumerates the
 * rest, and sums are kept per task, so any assignment of tasks to threads gives the same numbers.
 *
 * Reference: Furnival (1971), "All possible regressions with less computation", Technometrics 13:403–408;
 * Furnival & Wilson (1974), "Regressions by leaps and bounds", Technometrics 16:499–511; Goodnight (1979), "A
 * tutorial on the SWEEP operator", The American Statistician 33(3):149–158.
 */
export function createSubsetTree(
  layout: TreeLayout,
  game: TreeGame,
  statistics: ProjectedGrams,
  { stable }: Pick<SubsetEngines, 'stable'>,
  value: SubsetValue = R2_VALUE,
): SubsetTree {
  const walker = new TreeWalker(layout, game, statistics, stable, value);
  return {
    tasks: 2 ** layout.fixed.length * walker.prefixes,
    subsets: 2 ** (layout.numeric.length + layout.fixed.length),
    runTask: (task, out, table, bits) => walker.runTask(task, out, table, bits),
  };
}

/**
 * The state and steps of `createSubsetTree`. A class rather than closures: V8 specialises closures only for the
 * first context they are created in, so every plan after the first would run on slower code.
 */
class TreeWalker {
  readonly prefixes: number;
  private readonly P: number;
  private readonly F: number;
  private readonly L: number;
  private readonly q: number;
  private readonly m: number;
  private readonly mm: number;
  private readonly yy: number;
  /** Players from `generic` on are single columns among the last three, handled without recursion. */
  private readonly generic: number;
  /**
   * RSS → (1 − value) factor by rank: 1/TSS for R²; (n − 1)/((n − k − 1)·TSS) at rank k for adjusted R² (ranks
   * counted from 0 for R², where they do not matter, so that the table stays short).
   */
  private readonly rssScale: Float64Array;
  /** Rank of the fixed effects of the current task, or 0 for R². */
  private fixedRank = 0;
  /** Columns swept by the last `addPlayer`. */
  private swept = 0;
  private readonly starts: Int32Array;
  private readonly aliasBound: Float64Array;
  private readonly illBound: Float64Array;
  private readonly numericSlot: Int32Array;
  private readonly fixedSlot: Int32Array;
  private readonly numericClass: Int32Array;
  private readonly fixedClass: Int32Array;
  private readonly inWeight: Float64Array;
  private readonly allWeight: Float64Array;
  /** One matrix (m × m, upper triangle used) per depth of sweeps. */
  private readonly buffer: Float64Array;
  /** The numeric players of the current subset, in order. */
  private readonly path: Int32Array;
  // Sums live in typed arrays, not in fields or return values holding doubles, which V8 would box per node.
  private readonly acc: Float64Array;
  /** [Σ_T b(class T)·R²(T)]. */
  private readonly weighted = new Float64Array(1);
  /** below[d]: total of a·R² over the subtrees of the children of the current node at depth d. */
  private readonly below: Float64Array;
  /** The entries `pair` starts from: [0 … 5] and, for `triple`'s second call, [6 … 11]. */
  private readonly pairInput = new Float64Array(12);
  private readonly noBits: TreeBits;
  private numericBit: Int32Array;
  private table: Float64Array | undefined = undefined;
  private refits = 0;
  private fixedMask = 0;

  constructor(
    private readonly layout: TreeLayout,
    private readonly game: TreeGame,
    private readonly statistics: ProjectedGrams,
    private readonly stable: SubsetFitter,
    private readonly value: SubsetValue,
  ) {
    const P = layout.numeric.length;
    this.P = P;
    this.F = layout.fixed.length;
    this.L = prefixBits(layout);
    this.prefixes = 2 ** this.L;
    const q = statistics.numericCount;
    this.q = q;
    this.m = q + 1;
    this.mm = this.m * this.m;
    this.yy = q * this.m + q;
    this.starts = new Int32Array(P + 1);
    layout.numeric.forEach((p, j) => (this.starts[j + 1] = this.starts[j]! + p.width));
    if (this.starts[P] !== q) throw new RangeError('createSubsetTree: the players do not cover the Gram columns');
    this.generic = unrolledFrom(layout);
    const inverseTss = 1 / stable.tss;
    const ranks = value.adjusted ? q + statistics.gramFor(2 ** this.F - 1).fixedRank + 1 : q + 1;
    this.rssScale = Float64Array.from({ length: ranks }, (_, k) =>
      value.adjusted ? inverseTss * adjustment(value.adjusted.n, k) : inverseTss,
    );
    this.aliasBound = Float64Array.from(statistics.centredSquares, (v) => v * ALIASED_PIVOT);
    this.illBound = Float64Array.from(statistics.centredSquares, (v) => v * ILL_CONDITIONED_PIVOT);
    this.numericSlot = game.numericSlot;
    this.fixedSlot = game.fixedSlot;
    this.numericClass = game.numericClass;
    this.fixedClass = game.fixedClass;
    this.inWeight = game.inWeight;
    this.allWeight = game.allWeight;
    this.buffer = new Float64Array((P + 1) * this.mm);
    this.path = new Int32Array(P);
    this.acc = new Float64Array(game.slots);
    this.below = new Float64Array(P + 2);
    this.noBits = { numeric: new Int32Array(P), fixed: new Int32Array(this.F) };
    this.numericBit = this.noBits.numeric;
  }

  /** The value of a subset of rank `rank` (see `rssScale`) whose RSS is `rss`. */
  private r2Of(rss: number, rank: number): number {
    return 1 - Math.max(rss, 0) * this.rssScale[rank]!;
  }

  /** Record subset T (class cls, mask) with R² r2; returns a(cls)·r2. */
  private credit(r2: number, cls: number, mask: number): number {
    this.weighted[0]! += this.allWeight[cls]! * r2;
    if (this.table !== undefined) this.table[mask] = r2;
    return this.inWeight[cls]! * r2;
  }

  /** Sweep column c of the matrix at `from` (rows and columns > c) into the matrix at `to` (possibly the same). */
  private sweepInto(from: number, to: number, c: number): void {
    const buffer = this.buffer;
    const m = this.m;
    const pivotRow = from + c * m;
    const inverse = 1 / buffer[pivotRow + c]!;
    for (let i = c + 1; i < m; i++) {
      const factor = buffer[pivotRow + i]! * inverse;
      const source = from + i * m;
      const target = to + i * m;
      for (let k = i; k < m; k++) buffer[target + k] = buffer[source + k]! - factor * buffer[pivotRow + k]!;
    }
  }

  /**
   * Add numeric player j to the subset whose matrix is at `level` (valid from column starts[j]): its matrix,
   * valid from starts[j + 1], ends at level + 1, or stays at `level` when every column of j is aliased.
   */
  private addPlayer(j: number, level: number): number {
    const { buffer, mm, m, aliasBound, illBound } = this;
    let at = level;
    let swept = 0;
    const end = this.starts[j + 1]!;
    for (let c = this.starts[j]!; c < end; c++) {
      const pivot = buffer[at * mm + c * m + c]!;
      if (!(pivot > aliasBound[c]!)) continue;
      if (pivot < illBound[c]!) return SUSPECT;
      this.sweepInto(at * mm, (level + 1) * mm, c);
      at = level + 1;
      swept++;
    }
    this.swept = swept;
    return at;
  }

  /** The value (R² or adjusted R²) of the fixed effects of the task and the numeric players path[0 … depth − 1], by QR.
   * */
  private refitR2(depth: number): number {
    const units: number[] = [];
    this.layout.fixed.forEach((p, f) => (this.fixedMask & (1 << f) ? units.push(...p.units) : 0));
    for (let d = 0; d < depth; d++) units.push(...this.layout.numeric[this.path[d]!]!.units);
    if (units.length === 0) return 0;
    const fit = this.stable.fitUnits(units);
    return this.value.adjusted ? 1 - (1 - fit.r2) * adjustment(this.value.adjusted.n, fit.rank) : fit.r2;
  }

  /** The subset path[0 … depth − 1] and every subset grown from it by players ≥ next, all by QR; their total of a·R².
   * */
  private refitNode(depth: number, next: number, cls: number, mask: number): number {
    this.refits++;
    let total = this.credit(this.refitR2(depth), cls, mask);
    for (let j = next; j < this.P; j++) {
      this.path[depth] = j;
      const t = this.refitNode(depth + 1, j + 1, cls + this.numericClass[j]!, mask | this.numericBit[j]!);
      this.acc[this.numericSlot[j]!]! += t;
      total += t;
    }
    return total;
  }

  /** The child of the node at depth `depth` adding numeric player j, with its subtree when `grow`: into below[depth].
   * */
  private child(level: number, j: number, cls: number, depth: number, mask: number, grow: boolean, rank: number): void {
    const at = this.addPlayer(j, level);
    const c = cls + this.numericClass[j]!;
    const childMask = mask | this.numericBit[j]!;
    this.path[depth] = j;
    let total: number;
    if (at === SUSPECT) total = this.refitNode(depth + 1, j + 1, c, childMask);
    else {
      const childRank = rank + this.swept;
      total = this.credit(this.r2Of(this.buffer[at * this.mm + this.yy]!, childRank), c, childMask);
      if (grow) {
        this.below[depth + 1] = 0;
        this.visit(at, j + 1, c, depth + 1, childMask, childRank);
        total += this.below[depth + 1]!;
      }
    }
    this.acc[this.numericSlot[j]!]! += total;
    this.below[depth]! += total;
  }

  /**
   * a·R² of the leaf adding the last column c = q − 1 to a matrix of rank `rank` whose entries (c,c), (c,y), (y,y)
   * are h, b, e.
   */
  private leaf(h: number, b: number, e: number, cls: number, depth: number, mask: number, rank: number): number {
    const c = this.q - 1;
    if (!(h > this.aliasBound[c]!)) return this.credit(this.r2Of(e, rank), cls, mask);
    if (h < this.illBound[c]!) {
      this.path[depth] = this.P - 1;
      return this.refitNode(depth + 1, this.P, cls, mask);
    }
    return this.credit(this.r2Of(e - b * (1 / h) * b, rank + 1), cls, mask);
  }

  /**
   * The subtree below a node of both last players (single columns c1 = q − 2, c2 = q − 1), unrolled, from the
   * node's entries (c1,c1), (c1,c2), (c1,y), (c2,c2), (c2,y), (y,y) in pairInput[at … at + 5] (a typed array, as
   * doubles passed as arguments would be boxed): {c1}, {c1, c2}, {c2}; totals into below[depth].
   */
  private pair(at: number, cls: number, depth: number, mask: number, rank: number): void {
    const { P, numericClass, numericBit, pairInput } = this;
    const a11 = pairInput[at]!;
    const a12 = pairInput[at + 1]!;
    const a1y = pairInput[at + 2]!;
    const a22 = pairInput[at + 3]!;
    const a2y = pairInput[at + 4]!;
    const ayy = pairInput[at + 5]!;
    const c1 = this.q - 2;
    const cls1 = cls + numericClass[P - 2]!;
    const mask1 = mask | numericBit[P - 2]!;
    const cls12 = cls1 + numericClass[P - 1]!;
    const mask12 = mask1 | numericBit[P - 1]!;
    let first: number;
    let both = 0;
    this.path[depth] = P - 2;
    if (!(a11 > this.aliasBound[c1]!)) {
      first = this.credit(this.r2Of(ayy, rank), cls1, mask1);
      both = this.leaf(a22, a2y, ayy, cls12, depth + 1, mask12, rank);
    } else if (a11 < this.illBound[c1]!) {
      // The refit covers {…, P − 2} and {…, P − 2, P − 1}, crediting P − 1's slot itself.
      first = this.refitNode(depth + 1, P - 1, cls1, mask1);
    } else {
      const inverse = 1 / a11;
      const f2 = a12 * inverse;
      const fy = a1y * inverse;
      const byy = ayy - fy * a1y;
      first = this.credit(this.r2Of(byy, rank + 1), cls1, mask1);
      both = this.leaf(a22 - f2 * a12, a2y - f2 * a1y, byy, cls12, depth + 1, mask12, rank + 1);
    }
    const second = this.leaf(a22, a2y, ayy, cls + numericClass[P - 1]!, depth, mask | numericBit[P - 1]!, rank);
    this.acc[this.numericSlot[P - 2]!]! += first + both;
    this.acc[this.numericSlot[P - 1]!]! += both + second;
    this.below[depth]! += first + both + second;
  }

  /**
   * The subtree below the node at `level` of the last three players (single columns c0 = q − 3, c1, c2), unrolled:
   * {c0} and its pair subtree from c0's sweep of the 3 × 3 block (c1, c2, y), then the pair subtree of c1, c2.
   */
  private triple(level: number, cls: number, depth: number, mask: number, rank: number): void {
    const { buffer, q, m, P, pairInput } = this;
    const base = level * this.mm;
    const c0 = q - 3;
    const r0 = base + c0 * m;
    const r1 = r0 + m;
    const r2 = r1 + m;
    const a00 = buffer[r0 + c0]!;
    const a01 = buffer[r0 + c0 + 1]!;
    const a02 = buffer[r0 + c0 + 2]!;
    const a0y = buffer[r0 + q]!;
    const a11 = buffer[r1 + c0 + 1]!;
    const a12 = buffer[r1 + c0 + 2]!;
    const a1y = buffer[r1 + q]!;
    const a22 = buffer[r2 + c0 + 2]!;
    const a2y = buffer[r2 + q]!;
    const ayy = buffer[base + this.yy]!;
    // Without c0: the pair subtree of the node's own entries, at pairInput[6 …].
    pairInput[6] = a11;
    pairInput[7] = a12;
    pairInput[8] = a1y;
    pairInput[9] = a22;
    pairInput[10] = a2y;
    pairInput[11] = ayy;
    const cls0 = cls + this.numericClass[P - 3]!;
    const mask0 = mask | this.numericBit[P - 3]!;
    this.path[depth] = P - 3;
    let first: number;
    if (!(a00 > this.aliasBound[c0]!)) {
      first = this.credit(this.r2Of(ayy, rank), cls0, mask0);
      this.below[depth + 1] = 0;
      this.pair(6, cls0, depth + 1, mask0, rank);
      first += this.below[depth + 1]!;
    } else if (a00 < this.illBound[c0]!) {
      first = this.refitNode(depth + 1, P - 2, cls0, mask0);
    } else {
      const inverse = 1 / a00;
      const f1 = a01 * inverse;
      const f2 = a02 * inverse;
      const fy = a0y * inverse;
      const byy = ayy - fy * a0y;
      first = this.credit(this.r2Of(byy, rank + 1), cls0, mask0);
      pairInput[0] = a11 - f1 * a01;
      pairInput[1] = a12 - f1 * a02;
      pairInput[2] = a1y - f1 * a0y;
      pairInput[3] = a22 - f2 * a02;
      pairInput[4] = a2y - f2 * a0y;
      pairInput[5] = byy;
      this.below[depth + 1] = 0;
      this.pair(0, cls0, depth + 1, mask0, rank + 1);
      first += this.below[depth + 1]!;
    }
    this.acc[this.numericSlot[P - 3]!]! += first;
    this.below[depth]! += first;
    this.pair(6, cls, depth, mask, rank);
  }

  /** Every child of the node at `level` that adds players ≥ next, with their subtrees: totals into below[depth]. */
  private visit(level: number, next: number, cls: number, depth: number, mask: number, rank: number): void {
    const { P, q, m, buffer } = this;
    let j = next;
    for (; j < this.generic; j++) this.child(level, j, cls, depth, mask, j + 1 < P, rank);
    if (j >= P) return;
    const base = level * this.mm;
    if (j === P - 3) this.triple(level, cls, depth, mask, rank);
    else if (j === P - 2) {
      const r1 = base + (q - 2) * m;
      const r2 = r1 + m;
      const input = this.pairInput;
      input[0] = buffer[r1 + q - 2]!;
      input[1] = buffer[r1 + q - 1]!;
      input[2] = buffer[r1 + q]!;
      input[3] = buffer[r2 + q - 1]!;
      input[4] = buffer[r2 + q]!;
      input[5] = buffer[base + this.yy]!;
      this.pair(0, cls, depth, mask, rank);
    } else {
      const c = q - 1;
      const t = this.leaf(
        buffer[base + c * m + c]!,
        buffer[base + c * m + q]!,
        buffer[base + this.yy]!,
        cls + this.numericClass[P - 1]!,
        depth,
        mask | this.numericBit[P - 1]!,
        rank,
      );
      this.acc[this.numericSlot[P - 1]!]! += t;
      this.below[depth]! += t;
    }
  }

  runTask(task: number, out: Float64Array, table?: Float64Array, bits?: TreeBits): void {
    const { P, F, L, numericClass, fixedClass, path, acc } = this;
    if (out.length !== this.game.slots + 2) throw new RangeError('runTask: out must have slots + 2 entries');
    acc.fill(0);
    this.weighted[0] = 0;
    this.refits = 0;
    this.table = table;
    this.numericBit = (bits ?? this.noBits).numeric;
    const fixedBits = (bits ?? this.noBits).fixed;
    const fixedMask = Math.floor(task / this.prefixes);
    this.fixedMask = fixedMask;
    const prefix = task % this.prefixes;
    const gram = this.statistics.gramFor(fixedMask);
    this.buffer.set(gram.entries.subarray(0, this.mm), 0);
    this.fixedRank = this.value.adjusted ? gram.fixedRank : 0;
    let cls = 0;
    let mask = 0;
    for (let f = 0; f < F; f++) {
      if (!(fixedMask & (1 << f))) continue;
      cls += fixedClass[f]!;
      mask |= fixedBits[f]!;
    }
    let level = 0;
    let depth = 0;
    let rank = this.fixedRank;
    let suspect = false;
    for (let j = 0; j < L; j++) {
      if (!(prefix & (1 << j))) continue;
      path[depth++] = j;
      cls += numericClass[j]!;
      mask |= this.numericBit[j]!;
      if (suspect) continue;
      const at = this.addPlayer(j, level);
      if (at === SUSPECT) suspect = true;
      else {
        level = at;
        rank += this.swept;
      }
    }
    let total: number;
    if (suspect) total = this.refitNode(depth, L, cls, mask);
    else {
      const r2 = depth === 0 && fixedMask === 0 ? 0 : this.r2Of(this.buffer[level * this.mm + this.yy]!, rank);
      total = this.credit(r2, cls, mask);
      this.below[depth] = 0;
      if (L < P) this.visit(level, L, cls, depth, mask, rank);
      total += this.below[depth]!;
    }
    for (let d = 0; d < depth; d++) acc[this.numericSlot[path[d]!]!]! += total;
    for (let f = 0; f < F; f++) if (fixedMask & (1 << f)) acc[this.fixedSlot[f]!]! += total;
    out.set(acc);
    out[this.game.slots] = this.weighted[0]!;
    out[this.game.slots + 1] = this.refits;
    this.table = undefined;
  }
}

/** R² (or adjusted R²) of every subset of groups, table[mask] (bit g = group g; table[0] = 0), filled from the tree. */
export function subsetTableByTree(
  data: ModelShape,
  engines: SubsetEngines,
  value: SubsetValue = R2_VALUE,
): Float64Array {
  const layout = treeLayout(data, engines);
  const game = shapleyGame(layout);
  const tree = createSubsetTree(layout, game, engines.statistics, engines, value);
  const table = new Float64Array(2 ** data.groups.length);
  const bits: TreeBits = {
    numeric: Int32Array.from(layout.numeric, (p) => 1 << p.group),
    fixed: Int32Array.from(layout.fixed, (p) => 1 << p.group),
  };
  const out = new Float64Array(game.slots + 2);
  for (let task = 0; task < tree.tasks; task++) tree.runTask(task, out, table, bits);
  return table;
}

/** Run every task of a tree in this thread and add their sums in task order. */
function runAllTasks(tree: SubsetTree, slots: number): Float64Array {
  const total = new Float64Array(slots + 2);
  const out = new Float64Array(slots + 2);
  for (let task = 0; task < tree.tasks; task++) {
    tree.runTask(task, out);
    for (let i = 0; i < total.length; i++) total[i]! += out[i]!;
  }
  return total;
}

/** Expected seconds of `owenValuesByTree`: one tree per numeric group of two or more columns. */
export function owenTreeSeconds(data: ModelShape, engines: SubsetEngines): number {
  let seconds = 0;
  data.groups.forEach((group, g) => {
    if (group.kind === 'numeric' && group.columns.length > 1)
      seconds += treeSeconds(treeLayout(data, engines, g), data.n);
  });
  return seconds;
}

/**
 * Owen values of every unit (numeric column, or whole fixed effect), groups as a priori unions (formula at
 * `owenGame`): a unit alone in its group gets the group's Shapley value (`shapley`, by group); the columns of a
 * larger group g get theirs from one tree over the other groups and g's columns as players of their own.
 */
export function owenValuesByTree(
  data: ModelShape,
  engines: SubsetEngines,
  shapley: Float64Array,
  value: SubsetValue = R2_VALUE,
): Float64Array {
  const units = engines.stable.units.length;
  const values = new Float64Array(units);
  data.groups.forEach((group, g) => {
    const members = engines.stable.unitsOf(g);
    if (members.length === 1 || group.kind !== 'numeric') {
      for (const u of members) values[u] = shapley[g]!;
      return;
    }
    const layout = treeLayout(data, engines, g);
    const game = owenGame(layout, g, data.groups.length, units);
    const sums = runAllTasks(createSubsetTree(layout, game, engines.statistics, engines, value), game.slots);
    for (const u of members) values[u] = sums[u]! - sums[game.slots]!;
  });
  return values;
}
