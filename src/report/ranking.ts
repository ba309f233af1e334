/**
 * The order in which groups are shown (`--sort share|name|given`) and their rank by share. Sorting changes only
 * the order of rows (and of bars); JSON keeps the groups in the order given and adds each group's `rank`.
 */

export const SORT_ORDERS = ['given', 'share', 'name'] as const;
export type GroupSort = (typeof SORT_ORDERS)[number];

/** What is ranked: a name and a share (a fraction of the variance; NaN or null sorts last). */
export interface Ranked {
  readonly name: string;
  readonly share: number | null;
}

/** Made on first use: creating it initialises ICU's locale data, which a run that sorts no names need not pay. */
let collator: Intl.Collator | undefined;

/** Names in natural order (`x2` before `x10`), then by code points, so that the order is total. */
export function compareNames(a: string, b: string): number {
  collator ??= new Intl.Collator('en', { numeric: true });
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Shares equal to 12 decimal places are ties (rounding noise of the same value computed two ways is far below
 * that, and no difference a reader could care about is): a key, not a tolerance, so that the order is total.
 */
function shareKey(share: number | null): number {
  return share === null || Number.isNaN(share) ? Number.NEGATIVE_INFINITY : Math.round(share * 1e12);
}

/** Largest share first; ties (see `shareKey`) by name. */
function byShare(items: readonly Ranked[]): (i: number, j: number) => number {
  return (i, j) =>
    shareKey(items[j]!.share) - shareKey(items[i]!.share) || compareNames(items[i]!.name, items[j]!.name);
}

/** The indices of `items` in the order they are shown. */
export function displayOrder(items: readonly Ranked[], sort: GroupSort = 'given'): number[] {
  const indices = items.map((_, i) => i);
  if (sort === 'share') return indices.sort(byShare(items));
  if (sort === 'name') return indices.sort((i, j) => compareNames(items[i]!.name, items[j]!.name));
  return indices;
}

/** Each item's rank by share, 1 for the largest; ties ranked by name (so every rank is distinct). */
export function shareRanks(items: readonly Ranked[]): number[] {
  const ranks = new Array<number>(items.length);
  displayOrder(items, 'share').forEach((index, position) => (ranks[index] = position + 1));
  return ranks;
}

/** What the layout needs of a decomposition's groups. */
interface GroupLike {
  readonly kind: string;
  readonly columns: readonly string[];
}

/**
 * Whether a split is shown in the compact layout (rank, measure, share, bar): every group is one numeric column,
 * so its name and its columns say the same, and the method gives one share per group (not the comparison of
 * methods or commonality's sets).
 */
export function isCompact(result: { readonly method: string; readonly groups: readonly GroupLike[] }): boolean {
  return (
    result.method !== 'all' &&
    result.method !== 'commonality' &&
    result.groups.length > 0 &&
    result.groups.every((group) => group.kind === 'numeric' && group.columns.length === 1)
  );
}

/** The mean of the shares that are numbers (null when none is). */
export function meanShare(shares: readonly (number | null)[]): number | null {
  const known = shares.filter((share): share is number => share !== null && !Number.isNaN(share));
  return known.length === 0 ? null : known.reduce((sum, share) => sum + share, 0) / known.length;
}
