/** The decomposition methods, by the names the command line and the spec use ("all" compares the others). */
export const DECOMPOSITION_METHODS = [
  'shapley',
  'owen',
  'sequential',
  'unique',
  'commonality',
  'dominance',
  'all',
] as const;
export type DecompositionMethod = (typeof DECOMPOSITION_METHODS)[number];
