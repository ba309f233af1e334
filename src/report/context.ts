import type { DecompositionMethod, DecompositionResult } from '../models/decompose.js';

/** A decomposition and what a reader needs to know about where it came from. */
export interface DecompositionReport {
  readonly result: DecompositionResult;
  /** Input file as named by the user (or `<stdin>`). */
  readonly file: string;
  /** Set when the data are the bundled synthetic dataset: says so in every output. */
  readonly datasetNote?: string;
}

/** Percent with one decimal, as printed everywhere (−0.0 shown as 0.0). */
export function formatPercent(share: number): string {
  const text = (share * 100).toFixed(1);
  return text === '-0.0' ? '0.0' : text;
}

export const METHOD_LABELS: Readonly<Record<DecompositionMethod, string>> = {
  shapley: 'exact Shapley values (LMG)',
  owen: 'Owen values (Shapley between groups, then within each group)',
  sequential: 'sequential (Type I) increments',
  unique: 'unique contributions (Type III, R² lost when the group is dropped)',
  commonality: 'commonality analysis',
  dominance: 'dominance analysis (general dominance weights)',
  all: 'comparison of methods',
};
