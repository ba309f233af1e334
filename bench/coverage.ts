/**
 * Coverage of the cluster-bootstrap intervals (`node dist/bench/coverage.js [datasets] [replicates] [authorities]`).
 *
 * Truth: the data-generating process of `simulate`, calibrated once on a very large panel (3,000 authorities), so
 * that its population shares are the NAO split 44/15/10/6/25. Then, for each seed, a panel of the study size is
 * drawn from that fixed process (no recalibration), its split bootstrapped, and each 95% interval checked
 * against the population share.
 */
import { decompose } from '../src/models/methods/decompose.js';
import { bootstrapDecomposition } from '../src/models/bootstrap/bootstrap.js';
import { buildModelData, columnRequests } from '../src/models/design/modelData.js';
import { NAO_2019_SHARES, simulatePanel } from '../src/models/simulate/simulate.js';
import { SIMULATED_SPEC } from '../src/models/spec/spec.js';
import { parseCsv } from '../src/io/csv.js';
import { readPanel } from '../src/io/panel.js';
import { writeCsv } from '../src/report/csv.js';

const datasets = Number(process.argv[2] ?? 100);
const replicates = Number(process.argv[3] ?? 199);
const authorities = Number(process.argv[4] ?? 152);
const names = ['practice', 'deprivation', 'policy', 'resources', 'unexplained'];
const truth = [
  NAO_2019_SHARES.practice,
  NAO_2019_SHARES.deprivation,
  NAO_2019_SHARES.policy,
  NAO_2019_SHARES.resources,
  25,
].map((p) => p / 100);

const population = simulatePanel({
  seed: 999,
  authorities: 3000,
  firstYear: 2012,
  lastYear: 2017,
  shares: NAO_2019_SHARES,
});
const covered = names.map(() => ({ percentile: 0, bca: 0 }));
const estimates = names.map(() => 0);
for (let seed = 1; seed <= datasets; seed++) {
  const sample = simulatePanel({
    seed,
    authorities,
    firstYear: 2012,
    lastYear: 2017,
    shares: NAO_2019_SHARES,
    scales: population.scales,
  });
  const spec = { ...SIMULATED_SPEC, cluster: 'la' };
  const table = parseCsv({ name: `seed ${seed}`, bytes: Buffer.from(writeCsv(sample.columns, sample.rows)) });
  const data = buildModelData(readPanel(table, columnRequests(spec)), spec);
  const estimate = decompose(data);
  const statistics = [...estimate.groups.map((g) => g.share), estimate.unexplained];
  statistics.forEach((s, j) => (estimates[j]! += s / datasets));
  for (const type of ['percentile', 'bca'] as const) {
    const boot = bootstrapDecomposition(data, estimate, {
      replicates,
      seed,
      level: 0.95,
      type,
      decompose: { method: 'shapley' },
    });
    [...boot.groups, boot.unexplained].forEach((interval, j) => {
      if (truth[j]! >= interval.low && truth[j]! <= interval.high) covered[j]![type]++;
    });
  }
}
console.log(
  `coverage of 95% cluster-bootstrap intervals: ${datasets} panels of ${authorities} authorities × 6 ` +
    `years, ${replicates} replicates each`,
);
console.log('share         truth   mean estimate   percentile   BCa');
names.forEach((name, j) =>
  console.log(
    `${name.padEnd(12)} ${(100 * truth[j]!).toFixed(1).padStart(6)}  ` +
      ` ${(100 * estimates[j]!).toFixed(1).padStart(13)}  ` +
      ` ${((100 * covered[j]!.percentile) / datasets).toFixed(0).padStart(9)}%  ` +
      ` ${((100 * covered[j]!.bca) / datasets).toFixed(0).padStart(3)}%`,
  ),
);
console.log(
  `population shares of the fixed process (3,000 authorities): ${Object.entries(population.achieved)
    .map(([k, v]) => `${k} ${(100 * v).toFixed(2)}`)
    .join(', ')}`,
);
