import type { BootstrapResult, ShareInterval } from '../models/bootstrap/bootstrap.js';
import type { DecompositionMethod, DecompositionResult } from '../models/methods/decompose.js';
import type { ExpectationCheck } from '../models/spec/expectations.js';
import type { PublishedSplit } from '../models/spec/published.js';
import type { DfeReport } from '../io/dfe.js';
import type { GroupSort } from './ranking.js';
import type { GroupNull, PermutationResult } from '../models/permutation/freedmanLane.js';
import { groupThousands } from '../groupThousands.js';

/** A decomposition and what a reader needs to know about where it came from. */
export interface DecompositionReport {
  readonly result: DecompositionResult;
  /** Input file as named by the user (or `<stdin>`). */
  readonly file: string;
  /** Set when the data are a bundled fixture (the England panel or the synthetic NAO panel): says so in every output.
   * */
  readonly datasetNote?: string;
  /** Bootstrap standard errors and intervals, when requested. */
  readonly bootstrap?: BootstrapResult;
  /** The permutation null (chance floor and p-value) of every share, when requested. */
  readonly permutation?: PermutationResult;
  /** A published split to show beside ours. */
  readonly published?: PublishedSplit;
  /** Order of the groups in the output (absent: as given); JSON then adds each group's rank by share. */
  readonly sort?: GroupSort;
  /** DfE files: cells that held a suppression symbol, per column and symbol. */
  readonly missing?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** DfE files: the whole report of how the file was read (levels, periods, symbols per column). */
  readonly dfe?: DfeReport;
  /** `--expect` checks and how they were judged. */
  readonly expectations?: {
    readonly tolerance: number;
    readonly withinInterval: boolean;
    readonly checks: readonly ExpectationCheck[];
  };
}

/** The interval of group `index`, or of the unexplained share when index is the number of groups. */
export function intervalOf(report: DecompositionReport, index: number): ShareInterval | undefined {
  const bootstrap = report.bootstrap;
  if (!bootstrap) return undefined;
  return index < bootstrap.groups.length ? bootstrap.groups[index] : bootstrap.unexplained;
}

/** The permutation null of group `index`, when permutations were run. */
export function nullOf(report: DecompositionReport, index: number): GroupNull | undefined {
  return report.permutation?.groups[index];
}

/** A one-line description of the permutations for footers. */
export function describePermutations(permutation: PermutationResult): string {
  const within =
    permutation.within === null ? 'among all rows' : `within the ${permutation.blocks} levels of ${permutation.within}`;
  return (
    `chance floor = mean share over ${permutation.permutations} Freedman–Lane permutations of the residuals of the ` +
    `model without the group (${within}, seed ${permutation.seed}); p = (1 + #{null ≥ observed})/(B + 1)`
  );
}

/** A p-value as printed: three decimals, or "< 0.001". */
export function formatPValue(p: number): string {
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** A one-line description of the bootstrap for footers. */
export function describeBootstrap(bootstrap: BootstrapResult): string {
  const unit = bootstrap.cluster === null ? 'rows' : `clusters of ${bootstrap.cluster} (${bootstrap.clusters})`;
  const failed = bootstrap.failed > 0 ? `; ${bootstrap.failed} not estimable and excluded` : '';
  return (
    `${Math.round(bootstrap.level * 100)}% ${bootstrap.type === 'bca' ? 'BCa' : 'percentile'} intervals from ` +
    `${bootstrap.replicates} bootstrap replicates resampling ${unit}, seed ${bootstrap.seed}${failed}`
  );
}

/** Percent with one decimal, as printed everywhere (−0.0 shown as 0.0). */
export function formatPercent(share: number): string {
  const text = (share * 100).toFixed(1);
  return text === '-0.0' ? '0.0' : text;
}

/**
 * The estimator a result actually used, for every title, subtitle and method line: Monte Carlo Shapley values are
 * never called exact.
 */
export function estimatorLabel(result: Pick<DecompositionResult, 'method' | 'sampling'>): string {
  if (result.sampling && result.method === 'shapley') {
    return `Monte Carlo Shapley values (LMG), ${groupThousands(result.sampling.permutations)} random orders`;
  }
  return METHOD_LABELS[result.method];
}

/** The method line of the outputs: the estimator, how many groups, and what it cost (subsets, or random orders). */
export function methodLine(result: DecompositionResult): string {
  if (result.sampling && result.method === 'shapley') {
    const { permutations, seed } = result.sampling;
    return (
      `method: Monte Carlo Shapley values (LMG) over ${result.groups.length} groups ` +
      `(${groupThousands(permutations)} random orders, seed ${seed})`
    );
  }
  return (
    `method: ${METHOD_LABELS[result.method]} over ${result.groups.length} groups ` +
    `(${groupThousands(result.subsets)} subset regressions)`
  );
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
