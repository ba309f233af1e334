import { ModelError, ParameterError } from '../../errors.js';
import type { Panel, PanelColumn } from '../../io/panel.js';
import { decomposeShapley } from '../methods/decompose.js';
import { buildModelData } from '../design/modelData.js';
import { seededRandom, type RandomSource } from '../bootstrap/random.js';
import { SIMULATED_SPEC } from '../spec/spec.js';

/** Target shares in percent of total variance; the rest is unexplained. */
export interface SimulationShares {
  readonly practice: number;
  readonly deprivation: number;
  readonly policy: number;
  readonly resources: number;
}

export interface SimulationOptions {
  readonly seed: number;
  readonly authorities: number;
  readonly firstYear: number;
  readonly lastYear: number;
  readonly shares: SimulationShares;
  /**
   * Use these component scales (practice, deprivation, policy, resources, error) instead of calibrating to
   * `shares`: a fixed data-generating process across seeds, for coverage studies.
   */
  readonly scales?: readonly number[];
}

/** The NAO's published split (National Audit Office 2019, Pressures on children's social care). */
export const NAO_2019_SHARES: SimulationShares = { practice: 44, deprivation: 15, policy: 10, resources: 6 };

const SIMULATION_COLUMNS = ['la', 'year', 'idaci', 'spend', 'vacancy', 'cpp_rate'] as const;

/** A synthetic authority × year panel and the split its NAO-layout decomposition (SIMULATED_SPEC) gives. */
export interface SimulatedPanel {
  readonly columns: readonly string[];
  /** Cells already formatted as they are written (fixed decimals), row by row. */
  readonly rows: readonly (readonly string[])[];
  /** The component scales used (calibrated, or as given). */
  readonly scales: readonly number[];
  /** Shapley shares (fractions) of the NAO-layout model (SIMULATED_SPEC) on the written, rounded data. */
  readonly achieved: Readonly<Record<keyof SimulationShares | 'unexplained', number>>;
}

/** Mean CPP rate per 10,000 children and its target standard deviation (England 2012–2017: about 43 and 15). */
const MEAN_RATE = 45;
const SD_RATE = 15;
const MIN_RATE = 10;
const MAX_ITERATIONS = 500;
const CALIBRATION_TOLERANCE = 1e-6;

/**
 * Simulate a panel whose decomposition under SIMULATED_SPEC (authority effects, IDACI, year effects, spend +
 * vacancy) reproduces given shares. The data-generating process, per authority i and year t (τ = t − first year):
 *
 *   deprivation level  d_i = 0.05 + 0.35 / (1 + exp(−(0.9 z₁ − 0.3)))            (IDACI score, 0.05–0.40)
 *   idaci_it           = clamp(d_i + w_it, 0.05, 0.40),  w_it a random walk with steps N(0, 0.006²)
 *   practice effect    u_i = exp(0.45 (0.97 z₂ + 0.25 z₁))                     (right-skewed, correlated with d_i)
 *   year effect        v_t = 0.8 τ + 0.6 sin(1.7 τ)              (a fixed national path: drift with policy wobbles)
 *   spend_it           = (500 + 500 (d_i − 0.05) + 60 z₄) (1 + 0.01 τ + 0.06 z)   (£ per child)
 *   vacancy_it         = 15 exp(0.3 z₅ + 0.15 z)                              (% of social-worker posts)
 *   cpp_rate_it        = m + s (a_p u_i + a_d idaci_it + a_y v_t
 *                                  + a_r ((spend_it − 600)/150 + (vacancy_it − 15)/5)/2 + a_e ε_it)
 *
 * (z's are independent standard normals, ε = exp(0.6 z) a right-skewed error, as rates are). The scales a are
 * calibrated by fixed-point iteration, a_g ← a_g √(target_g / achieved_g), on the rounded predictors until the Shapley
 * shares of SIMULATED_SPEC match the targets, then rescaled so the rate has standard deviation 15, and centred at
 * m = 45 per 10,000 children, or higher where needed to keep every rate at least 10 (a shift changes no share).
 * The result is synthetic: calibrated to a published split, not anyone's real data.
 */
export function simulatePanel(options: SimulationOptions): SimulatedPanel {
  checkOptions(options);
  const random = seededRandom(options.seed);
  const years = options.lastYear - options.firstYear + 1;
  const n = options.authorities * years;
  const predictors = drawPredictors(random, options.authorities, options.firstYear, years);
  const noise = Float64Array.from({ length: n }, () => Math.exp(0.6 * random.normal()));
  // Components on fixed scales (not standardised in the sample), so that given `scales` define one process for every
  // seed.
  const components = [
    predictors.practiceEffect,
    predictors.idaci,
    predictors.yearEffect,
    predictors.spend.map((spend, i) => ((spend - 600) / 150 + (predictors.vacancy[i]! - 15) / 5) / 2),
    noise,
  ];
  const panel = (rate: Float64Array): Panel => panelOf(options, predictors, rate);
  const targets = [
    options.shares.practice,
    options.shares.deprivation,
    options.shares.policy,
    options.shares.resources,
    100 - sumShares(options.shares),
  ].map((percent) => percent / 100);

  let scales = options.scales
    ? [...options.scales]
    : targets.map((target, c) => Math.sqrt(target) / standardDeviation(components[c]!));
  let rate = combine(components, scales);
  for (let iteration = 0; !options.scales; iteration++) {
    const achieved = sharesOf(panel(rate));
    const worst = Math.max(...achieved.map((s, g) => Math.abs(s - targets[g]!)));
    if (worst < CALIBRATION_TOLERANCE) break;
    if (iteration === MAX_ITERATIONS || achieved.some((s) => !(s > 0))) {
      throw new ModelError(
        `simulate: cannot calibrate the shares ${formatShares(options.shares)} with ${options.authorities} ` +
          `authorities × ${years} years ` +
          `(closest: ${achieved.map((s) => (100 * s).toFixed(1)).join('/')}); try other shares or more data`,
      );
    }
    scales = scales.map((a, g) => a * Math.sqrt(targets[g]! / achieved[g]!));
    rate = combine(components, scales);
  }
  const rounded = rate.map((r) => roundTo(r, 1));
  const final = sharesOf(panel(rounded));
  return {
    columns: SIMULATION_COLUMNS,
    scales,
    rows: Array.from({ length: n }, (_, i) => [
      predictors.la[i]!,
      String(predictors.year[i]!),
      predictors.idaci[i]!.toFixed(3),
      predictors.spend[i]!.toFixed(0),
      predictors.vacancy[i]!.toFixed(1),
      rounded[i]!.toFixed(1),
    ]),
    achieved: {
      practice: final[0]!,
      deprivation: final[1]!,
      policy: final[2]!,
      resources: final[3]!,
      unexplained: final[4]!,
    },
  };
}

interface Predictors {
  readonly la: string[];
  readonly year: Int32Array;
  readonly laCode: Int32Array;
  readonly yearCode: Int32Array;
  readonly idaci: Float64Array;
  readonly spend: Float64Array;
  readonly vacancy: Float64Array;
  readonly practiceEffect: Float64Array;
  readonly yearEffect: Float64Array;
}

function drawPredictors(random: RandomSource, authorities: number, firstYear: number, years: number): Predictors {
  const n = authorities * years;
  // National policy is one fixed path, not a random draw: the same years mean the same national effects.
  const yearShock = Float64Array.from({ length: years }, (_, t) => 0.8 * t + 0.6 * Math.sin(1.7 * t));
  const la: string[] = [];
  const year = new Int32Array(n);
  const laCode = new Int32Array(n);
  const yearCode = new Int32Array(n);
  const idaci = new Float64Array(n);
  const spend = new Float64Array(n);
  const vacancy = new Float64Array(n);
  const practiceEffect = new Float64Array(n);
  const yearEffect = new Float64Array(n);
  const width = Math.max(3, String(authorities).length);
  for (let i = 0; i < authorities; i++) {
    const z1 = random.normal();
    const z2 = random.normal();
    const z4 = random.normal();
    const z5 = random.normal();
    const level = 0.05 + 0.35 / (1 + Math.exp(-(0.9 * z1 - 0.3)));
    const effect = Math.exp(0.45 * (0.97 * z2 + 0.25 * z1));
    const spendBase = 500 + 500 * (level - 0.05) + 60 * z4;
    const vacancyBase = 15 * Math.exp(0.3 * z5);
    let walk = 0.01 * random.normal();
    for (let t = 0; t < years; t++) {
      const row = i * years + t;
      if (t > 0) walk += 0.006 * random.normal();
      la.push(`LA${String(i + 1).padStart(width, '0')}`);
      year[row] = firstYear + t;
      laCode[row] = i;
      yearCode[row] = t;
      idaci[row] = roundTo(clamp(level + walk, 0.05, 0.4), 3);
      spend[row] = roundTo(spendBase * (1 + 0.01 * t + 0.06 * random.normal()), 0);
      vacancy[row] = roundTo(vacancyBase * Math.exp(0.15 * random.normal()), 1);
      practiceEffect[row] = effect;
      yearEffect[row] = yearShock[t]!;
    }
  }
  return {
    la,
    year,
    laCode,
    yearCode,
    idaci,
    spend,
    vacancy,
    practiceEffect,
    yearEffect,
  };
}

function panelOf(options: SimulationOptions, predictors: Predictors, rate: Float64Array): Panel {
  const columns = new Map<string, PanelColumn>([
    ['la', categorical('la', predictors.laCode, options.authorities)],
    ['year', categorical('year', predictors.yearCode, options.lastYear - options.firstYear + 1)],
    ['idaci', { kind: 'numeric', name: 'idaci', values: predictors.idaci }],
    ['spend', { kind: 'numeric', name: 'spend', values: predictors.spend }],
    ['vacancy', { kind: 'numeric', name: 'vacancy', values: predictors.vacancy }],
    ['cpp_rate', { kind: 'numeric', name: 'cpp_rate', values: rate }],
  ]);
  return { file: 'simulate', rowCount: rate.length, columns };
}

function categorical(name: string, codes: Int32Array, levels: number): PanelColumn {
  return { kind: 'categorical', name, codes, levels: Array.from({ length: levels }, (_, l) => String(l)) };
}

/** Shares of practice, deprivation, policy, resources and unexplained under SIMULATED_SPEC. */
function sharesOf(panel: Panel): number[] {
  const result = decomposeShapley(buildModelData(panel, SIMULATED_SPEC));
  const byName = new Map(result.groups.map((g) => [g.name, g.share]));
  return [...['practice', 'deprivation', 'policy', 'resources'].map((name) => byName.get(name)!), result.unexplained];
}

/** Σ scale_c · component_c, rescaled to standard deviation SD_RATE and mean MEAN_RATE (more if needed for MIN_RATE). */
function combine(components: readonly Float64Array[], scales: readonly number[]): Float64Array {
  const n = components[0]!.length;
  const raw = new Float64Array(n);
  components.forEach((component, c) => {
    for (let i = 0; i < n; i++) raw[i]! += scales[c]! * component[i]!;
  });
  const standard = standardise(raw);
  let lowest = Infinity;
  for (const z of standard) lowest = Math.min(lowest, z);
  const centre = Math.max(MEAN_RATE, MIN_RATE - SD_RATE * lowest);
  return standard.map((z) => centre + SD_RATE * z);
}

function standardDeviation(values: Float64Array): number {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  return Math.sqrt(ss / values.length);
}

/** (x − mean) / sd, with the population standard deviation. */
function standardise(values: Float64Array): Float64Array {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  const sd = Math.sqrt(ss / values.length);
  return values.map((v) => (v - mean) / sd);
}

function roundTo(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function sumShares(shares: SimulationShares): number {
  return shares.practice + shares.deprivation + shares.policy + shares.resources;
}

function formatShares(shares: SimulationShares): string {
  return (
    `practice=${shares.practice},deprivation=${shares.deprivation},` +
    `policy=${shares.policy},resources=${shares.resources}`
  );
}

function checkOptions(options: SimulationOptions): void {
  if (!Number.isInteger(options.authorities) || options.authorities < 3) {
    throw new ParameterError('authorities', `must be a whole number of at least 3, got ${options.authorities}`);
  }
  if (
    !Number.isInteger(options.firstYear) ||
    !Number.isInteger(options.lastYear) ||
    options.lastYear - options.firstYear < 2
  ) {
    throw new ParameterError(
      'years',
      `must span at least three years (e.g. 2012-2017), got ${options.firstYear}-${options.lastYear}`,
    );
  }
  for (const [name, percent] of Object.entries(options.shares)) {
    if (!(percent > 0 && percent < 100))
      throw new ParameterError('shares', `${name} must be above 0 and below 100 percent, got ${percent}`);
  }
  const total = sumShares(options.shares);
  if (!(total < 100))
    throw new ParameterError('shares', `add up to ${total}%; they must leave some variance unexplained (below 100)`);
}
