import { intervalOf, nullOf, type DecompositionReport } from './context.js';
import { jsonText } from './printable.js';
import { shareRanks } from './ranking.js';

/** Version of the JSON layout; bumped on any incompatible change (documented in the README). */
export const SCHEMA_VERSION = 1;

const withPercent = <T extends { share: number }>(item: T) => ({ ...item, percent: item.share * 100 });

/** Every fraction of the total variance comes with its twin in percent (`ciLow` and `ciLowPercent`). */
const percentTwins = (fields: Readonly<Record<string, number | undefined>>) =>
  Object.fromEntries(
    Object.entries(fields)
      .filter(([, value]) => value !== undefined)
      .flatMap(([name, value]) => [
        [name, value],
        [`${name}Percent`, value! * 100],
      ]),
  );

/**
 * The decomposition as a stable JSON document: shares as fractions of the outcome's total variance
 * and as percents (share × 100), unrounded; method-specific sections as documented in the README.
 */
export function renderDecompositionJson(report: DecompositionReport): string {
  const { result } = report;
  // The groups stay in the order given; with --sort each carries its rank by share (1 = largest, ties by name).
  const sorted = report.sort !== undefined && report.sort !== 'given';
  const ranks = shareRanks(result.groups);
  const document = {
    schemaVersion: SCHEMA_VERSION,
    command: 'decompose',
    method: result.method,
    // Whether the numbers are exact or Monte Carlo estimates (then with mcSe per group and a sampling block).
    estimator: result.sampling ? 'monte-carlo' : 'exact',
    file: report.file,
    outcome: result.outcome,
    n: result.n,
    droppedRows: result.droppedRows,
    ...(result.missingAlone ? { missingAlone: result.missingAlone } : {}),
    r2: result.r2,
    r2Percent: result.r2 * 100,
    ...(sorted ? { sort: report.sort } : {}),
    groups: result.groups.map((group, index) => ({
      ...withPercent({
        name: group.name,
        kind: group.kind,
        columns: group.columns,
        ...(group.levels !== undefined ? { levels: group.levels } : {}),
        share: group.share,
      }),
      ...intervalFields(report, index),
      ...publishedField(report, group.name),
      ...(result.sampling ? percentTwins({ mcSe: result.sampling.standardErrors[index] }) : {}),
      ...(sorted ? { rank: ranks[index]! } : {}),
      ...(result.adjusted ? percentTwins({ adjustedShare: result.adjusted.shares[index] }) : {}),
      ...nullField(report, index),
    })),
    ...(result.controls
      ? {
          controls: {
            ...withPercent({
              groups: result.controls.groups,
              columns: result.controls.columns,
              share: result.controls.share,
            }),
          },
        }
      : {}),
    unexplained: {
      ...withPercent({ share: result.unexplained }),
      ...intervalFields(report, result.groups.length),
      ...publishedField(report, 'unexplained'),
      ...(result.adjusted ? percentTwins({ adjustedShare: result.adjusted.unexplained }) : {}),
    },
    subsets: result.subsets,
    ...(result.owen ? { owen: { columns: result.owen.columns.map(withPercent) } } : {}),
    ...(result.sequential ? { sequential: result.sequential } : {}),
    ...(result.unique ? { unique: { shared: withPercent({ share: result.unique.shared }) } } : {}),
    ...(result.commonality ? { commonality: { sets: result.commonality.sets.map(withPercent) } } : {}),
    ...(result.dominance ? { dominance: result.dominance } : {}),
    ...(result.comparison ? { comparison: result.comparison } : {}),
    ...(result.adjusted
      ? {
          adjusted: {
            method: result.adjusted.method,
            ...percentTwins({ r2: result.adjusted.r2 }),
            ...(result.adjusted.owen ? { owen: { columns: result.adjusted.owen.columns.map(withPercent) } } : {}),
          },
        }
      : {}),
    ...(report.permutation
      ? {
          permutation: {
            scheme: 'freedman-lane',
            permutations: report.permutation.permutations,
            seed: report.permutation.seed,
            within: report.permutation.within,
            blocks: report.permutation.blocks,
          },
        }
      : {}),
    ...(report.bootstrap
      ? {
          bootstrap: {
            replicates: report.bootstrap.replicates,
            failed: report.bootstrap.failed,
            cluster: report.bootstrap.cluster ?? 'none',
            clusters: report.bootstrap.clusters,
            seed: report.bootstrap.seed,
            ci: report.bootstrap.level,
            type: report.bootstrap.type,
            failures: report.bootstrap.failures,
          },
        }
      : {}),
    ...(report.missing ? { missing: report.missing } : {}),
    ...(report.dfe ? { dfe: report.dfe } : {}),
    ...(report.expectations
      ? {
          expect: {
            tolerance: report.expectations.tolerance,
            withinInterval: report.expectations.withinInterval,
            passed: report.expectations.checks.every((check) => check.passed),
            checks: report.expectations.checks.map(({ name, expected, got, passed }) => ({
              name,
              expectedPercent: expected,
              gotPercent: got,
              passed,
            })),
          },
        }
      : {}),
    ...(result.sampling
      ? { sampling: { permutations: result.sampling.permutations, seed: result.sampling.seed } }
      : {}),
    ...(report.published
      ? { compare: { key: report.published.key, label: report.published.label, source: report.published.source } }
      : {}),
    notes: [...result.notes, ...(report.datasetNote ? [report.datasetNote] : [])],
  };
  return `${jsonText(document)}\n`;
}

function intervalFields(report: DecompositionReport, index: number) {
  const interval = intervalOf(report, index);
  return interval ? percentTwins({ se: interval.se, ciLow: interval.low, ciHigh: interval.high }) : {};
}

/** A group's permutation null: chance floor, 95th percentile and excess (fractions, with percent twins), p and B. */
function nullField(report: DecompositionReport, index: number) {
  const chance = nullOf(report, index);
  if (!chance) return {};
  return {
    null: {
      ...percentTwins({ meanShare: chance.meanShare, q95Share: chance.q95Share, excess: chance.excess }),
      p: chance.p,
      permutations: report.permutation!.permutations,
    },
  };
}

function publishedField(report: DecompositionReport, name: string) {
  const share = report.published?.shares[name];
  return share === undefined ? {} : percentTwins({ published: share });
}
