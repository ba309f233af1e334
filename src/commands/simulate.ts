import { UsageError } from '../errors.js';
import { writeCsv } from '../report/csv.js';
import { NAO_2019_SHARES, simulatePanel, type SimulationShares } from '../models/simulate/simulate.js';
import { groupThousands } from '../groupThousands.js';

export interface SimulateOptions {
  readonly seed: number;
  readonly authorities: number;
  /** `FIRST-LAST`, e.g. 2012-2017. */
  readonly years: string;
  /** Target shares in percent by group; default: the NAO 2019 split. */
  readonly shares?: Readonly<Record<string, number>>;
}

/** Years a simulated panel may span, and rows it may have: a larger request is refused before any work. */
const MAX_SIMULATED_YEARS = 200;
const MAX_SIMULATED_ROWS = 2_000_000;

/** Simulate the panel and return it as CSV text. */
export function runSimulate(options: SimulateOptions): string {
  const [firstYear, lastYear] = parseYears(options.years);
  const rows = options.authorities * (lastYear - firstYear + 1);
  if (rows > MAX_SIMULATED_ROWS) {
    throw new UsageError(
      `--authorities ${options.authorities} × ${lastYear - firstYear + 1} years would ` +
        `make ${groupThousands(rows)} rows; ` +
        `the limit is ${groupThousands(MAX_SIMULATED_ROWS)}`,
    );
  }
  const panel = simulatePanel({
    seed: options.seed,
    authorities: options.authorities,
    firstYear,
    lastYear,
    shares: options.shares === undefined ? NAO_2019_SHARES : checkShares(options.shares),
  });
  return writeCsv(panel.columns, panel.rows);
}

function parseYears(text: string): [number, number] {
  const match = /^(\d{4})-(\d{4})$/.exec(text.trim());
  if (!match) throw new UsageError(`--years expects FIRST-LAST, e.g. 2012-2017, got "${text}"`);
  const [first, last] = [Number(match[1]), Number(match[2])];
  if (last - first + 1 > MAX_SIMULATED_YEARS) {
    throw new UsageError(`--years ${text.trim()} spans ${last - first + 1} years; the limit is ${MAX_SIMULATED_YEARS}`);
  }
  return [first, last];
}

/** Every simulated group needs a share (percent); no other names. */
function checkShares(given: Readonly<Record<string, number>>): SimulationShares {
  const names = Object.keys(NAO_2019_SHARES) as (keyof SimulationShares)[];
  for (const name of Object.keys(given)) {
    if (!names.includes(name as keyof SimulationShares)) {
      throw new UsageError(`--shares: unknown group "${name}"; the simulated groups are ${names.join(', ')}`);
    }
  }
  const missing = names.filter((name) => given[name] === undefined);
  if (missing.length > 0) throw new UsageError(`--shares: give a share for every group; missing ${missing.join(', ')}`);
  return Object.fromEntries(names.map((name) => [name, given[name]!])) as unknown as SimulationShares;
}
