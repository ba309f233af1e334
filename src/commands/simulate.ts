import { UsageError } from '../errors.js';
import { formatCsv } from '../io/output.js';
import { NAO_2019_SHARES, simulatePanel, type SimulationShares } from '../models/simulate/simulate.js';

export interface SimulateOptions {
  readonly seed: number;
  readonly authorities: number;
  readonly years: string;
  readonly shares?: string;
}

/** Simulate the panel and return it as CSV text. */
export function runSimulate(options: SimulateOptions): string {
  const [firstYear, lastYear] = parseYears(options.years);
  const panel = simulatePanel({
    seed: options.seed,
    authorities: options.authorities,
    firstYear,
    lastYear,
    shares: options.shares === undefined ? NAO_2019_SHARES : parseShares(options.shares),
  });
  return formatCsv(panel.columns, panel.rows);
}

function parseYears(text: string): [number, number] {
  const match = /^(\d{4})-(\d{4})$/.exec(text.trim());
  if (!match) throw new UsageError(`--years expects FIRST-LAST, e.g. 2012-2017, got "${text}"`);
  return [Number(match[1]), Number(match[2])];
}

/** Parse `practice=44,deprivation=15,policy=10,resources=6` (percent); every name is required. */
export function parseShares(text: string): SimulationShares {
  const names = Object.keys(NAO_2019_SHARES) as (keyof SimulationShares)[];
  const given = new Map<string, number>();
  for (const part of text.split(',')) {
    const match = /^\s*([A-Za-z]+)\s*=\s*([0-9]+(?:\.[0-9]+)?)\s*$/.exec(part);
    if (!match) throw new UsageError(`--shares expects NAME=PERCENT pairs separated by commas, got "${part}"`);
    if (!names.includes(match[1] as keyof SimulationShares)) {
      throw new UsageError(`--shares: unknown group "${match[1]}"; the simulated groups are ${names.join(', ')}`);
    }
    given.set(match[1]!, Number(match[2]));
  }
  const missing = names.filter((name) => !given.has(name));
  if (missing.length > 0) throw new UsageError(`--shares: give a share for every group; missing ${missing.join(', ')}`);
  return Object.fromEntries(names.map((name) => [name, given.get(name)!])) as unknown as SimulationShares;
}
