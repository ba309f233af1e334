/**
 * Calibration of the permutation test (`decompose --permutations B`): `node dist/bench/permutationCalibration.js
 * [panels = 200] [B = 499] [seed = 1]` (after `npm run build`).
 *
 * Panels of 120 authorities × 7 years (840 rows, the NAO layout: authority effects, a deprivation score, year
 * effects, spend and vacancies) are drawn from fixed data-generating processes in which one group has NO effect;
 * for each panel the Freedman–Lane null of that group's Shapley share is computed with B permutations. If the test
 * is calibrated its p-values are uniform on (0, 1]: the Kolmogorov–Smirnov statistic against the uniform law is
 * small, and the share of p ≤ 0.05 lies in the central 95% range of Binomial(panels, 0.05). With a real effect the
 * rejection rate is the power. Reported for each study: the mean observed share, the mean chance floor, KS D and its
 * p-value, and the rejection rate at 0.05.
 *
 * Studies:
 *   A  no deprivation effect; authority effects correlated with deprivation (which also varies within authorities)
 *   A′ the same, residuals permuted within years (--permute-within year)
 *   B  no authority effect; the deprivation score is constant within authorities (the issue's example: authority
 *      effects still take a large share by overfitting 119 dummies and by sharing deprivation's between-authority
 *      variance)
 *   N  pure noise, the authority effects alone: the floor against its expectation (L − 1)/(n − 1)
 *   power: A and B with effects of increasing size
 *   naive: study A judged against the outcome shuffled (y permuted, no reduced model) instead of Freedman–Lane
 */
import { seededRandom, type RandomSource } from '../src/models/bootstrap/random.js';
import type { GroupData, ModelData } from '../src/models/design/modelData.js';
import { decompose } from '../src/models/methods/decompose.js';
import { shapleyValues } from '../src/models/methods/shapley.js';
import { groupNull, permutationBatch } from '../src/models/permutation/freedmanLane.js';
import { createResponseEngine } from '../src/models/permutation/responses.js';
import { blockRows, drawPermutation } from '../src/models/permutation/freedmanLane.js';
import { seededStreams } from '../src/models/bootstrap/random.js';

const panels = Number(process.argv[2] ?? 200);
const B = Number(process.argv[3] ?? 499);
const seed = Number(process.argv[4] ?? 1);
const AUTHORITIES = 120;
const YEARS = 7;

interface Effects {
  /** SD of the authority effects. */
  readonly authority: number;
  /** Effect of deprivation (per unit of the score). */
  readonly deprivation: number;
  /** Whether deprivation is constant within authorities. */
  readonly constantDeprivation: boolean;
  /** No predictor but the authority effects (pure noise outcome). */
  readonly noiseOnly?: boolean;
}

/** One panel: groups practice (la), deprivation, policy (year), resources (spend, vacancy). */
function simulate(random: RandomSource, effects: Effects): ModelData {
  const n = AUTHORITIES * YEARS;
  const la = new Int32Array(n);
  const year = new Int32Array(n);
  const deprivation = new Float64Array(n);
  const spend = new Float64Array(n);
  const vacancy = new Float64Array(n);
  const y = new Float64Array(n);
  const yearEffects = Array.from({ length: YEARS }, (_, t) => 0.15 * t + 0.2 * random.normal());
  for (let a = 0; a < AUTHORITIES; a++) {
    const latent = random.normal();
    const effect = effects.authority * latent;
    const score = 0.6 * latent + 0.8 * random.normal();
    for (let t = 0; t < YEARS; t++) {
      const i = a * YEARS + t;
      la[i] = a;
      year[i] = t;
      deprivation[i] = effects.constantDeprivation ? score : score + 0.6 * random.normal();
      spend[i] = 0.3 * latent + random.normal();
      vacancy[i] = random.normal();
      y[i] = effects.noiseOnly
        ? random.normal()
        : effect +
          yearEffects[t]! +
          effects.deprivation * deprivation[i]! +
          0.25 * spend[i]! -
          0.15 * vacancy[i]! +
          random.normal();
    }
  }
  const labels = (count: number, prefix: string) => Array.from({ length: count }, (_, c) => `${prefix}${c}`);
  const practice: GroupData = {
    kind: 'fixed-effect',
    name: 'practice',
    columns: ['la'],
    codes: la,
    levels: AUTHORITIES,
    labels: labels(AUTHORITIES, 'LA'),
  };
  const groups: GroupData[] = effects.noiseOnly
    ? [practice]
    : [
        practice,
        { kind: 'numeric', name: 'deprivation', columns: ['deprivation'], values: [deprivation] },
        {
          kind: 'fixed-effect',
          name: 'policy',
          columns: ['year'],
          codes: year,
          levels: YEARS,
          labels: labels(YEARS, 'Y'),
        },
        { kind: 'numeric', name: 'resources', columns: ['spend', 'vacancy'], values: [spend, vacancy] },
      ];
  return {
    outcome: 'y',
    n,
    y,
    groups,
    droppedRows: 0,
    missingByColumn: {},
  };
}

interface Study {
  readonly observed: number;
  readonly floor: number;
  readonly ps: number[];
}

/** For each panel, the observed Shapley share of group g, its chance floor and p-value (Freedman–Lane). */
function study(
  name: string,
  effects: Effects,
  g: number,
  options: { within?: 'year' | 'la'; naive?: boolean; panels?: string } = {},
): Study {
  const { within, naive = false } = options;
  const started = performance.now();
  // Studies that differ only in how they test share their panels (`panels` names the draw).
  const random = seededRandom(seed + hash(options.panels ?? name));
  let observed = 0;
  let floor = 0;
  const ps: number[] = [];
  for (let panel = 0; panel < panels; panel++) {
    const simulated = simulate(random, effects);
    const data = withBlocks(simulated, within);
    const share = decompose(data).groups[g]!.share;
    const nulls = naive
      ? shuffledOutcomeNull(data, g, panel)
      : permutationBatch(data, { permutations: B, seed: panel, method: 'shapley', groups: [g] }, 0, B).values[g]!;
    const summary = groupNull(share, nulls);
    observed += share / panels;
    floor += summary.meanShare / panels;
    ps.push(summary.p);
  }
  process.stderr.write(`${name}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return { observed, floor, ps };
}

/** The panel with the blocks of --permute-within (years or authorities), or none. */
function withBlocks(data: ModelData, within: 'year' | 'la' | undefined): ModelData {
  const { blocks: _, ...rest } = data;
  if (within === undefined) return rest;
  const group = data.groups[within === 'la' ? 0 : 2]!;
  if (group.kind !== 'fixed-effect') throw new Error('blocks: not a fixed effect');
  return { ...rest, blocks: { column: within, codes: group.codes, count: group.levels } };
}

/** The naive null: the outcome itself permuted (no reduced model), every subset refitted by the response engine. */
function shuffledOutcomeNull(data: ModelData, g: number, panelSeed: number): Float64Array {
  const engine = createResponseEngine(data);
  const stream = seededStreams(panelSeed);
  const blocks = blockRows(data);
  const table = new Float64Array(2 ** data.groups.length);
  const star = new Float64Array(data.n);
  return Float64Array.from({ length: B }, (_, b) => {
    const permutation = drawPermutation(stream(b), blocks, data.n);
    for (let i = 0; i < data.n; i++) star[i] = data.y[permutation[i]!]!;
    engine.values(star, table);
    return shapleyValues(data.groups.length, (mask) => table[mask]!)[g]!;
  });
}

function hash(text: string): number {
  let h = 0;
  for (const c of text) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  return h % 100_000;
}

/** D = sup |F_n(p) − p| against the uniform law, and Kolmogorov's P(D > d) with Stephens' correction. */
function kolmogorovSmirnov(values: readonly number[]): { d: number; p: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const d = Math.max(...sorted.map((v, i) => Math.max((i + 1) / n - v, v - i / n)));
  const lambda = (Math.sqrt(n) + 0.12 + 0.11 / Math.sqrt(n)) * d;
  let p = 0;
  for (let j = 1; j <= 100; j++) p += 2 * (-1) ** (j - 1) * Math.exp(-2 * j * j * lambda * lambda);
  return { d, p: Math.min(1, Math.max(0, p)) };
}

/** The central 95% range of Binomial(n, q): counts outside it have probability ≤ 2.5% on each side. */
function binomialRange(n: number, q: number): [number, number] {
  const pmf = Array.from({ length: n + 1 }, (_, x) =>
    Math.exp(logChoose(n, x) + x * Math.log(q) + (n - x) * Math.log(1 - q)),
  );
  let low = 0;
  for (let below = 0; below + pmf[low]! <= 0.025; low++) below += pmf[low]!;
  let high = n;
  for (let above = 0; above + pmf[high]! <= 0.025; high--) above += pmf[high]!;
  return [low, high];
}

function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log((n - k + i) / i);
  return s;
}

/** Wilson 95% interval of a proportion. */
function wilson(successes: number, n: number): [number, number] {
  const z = 1.959964;
  const p = successes / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return [centre - half, centre + half];
}

const percent = (v: number) => `${(v * 100).toFixed(1)}%`;
const rows: string[][] = [];
const [low, high] = binomialRange(panels, 0.05);

function report(name: string, result: Study, nullTrue: boolean): void {
  const rejections = result.ps.filter((p) => p <= 0.05).length;
  const ks = kolmogorovSmirnov(result.ps);
  const [wl, wh] = wilson(rejections, panels);
  rows.push([
    name,
    percent(result.observed),
    percent(result.floor),
    nullTrue ? ks.d.toFixed(3) : '—',
    nullTrue ? ks.p.toFixed(2) : '—',
    `${rejections}/${panels} = ` +
      `${percent(rejections / panels)}${nullTrue ? ` (${low}–${high} expected)` : ` [${percent(wl)}, ${percent(wh)}]`}`,
  ]);
}

const A: Effects = { authority: 1, deprivation: 0, constantDeprivation: false };
const Bdesign: Effects = { authority: 0, deprivation: 0.5, constantDeprivation: true };
/** `node dist/bench/permutationCalibration.js 200 499 1 A,N` runs the named studies only (default: all). */
const only = process.argv[5]?.split(',');
const wanted = (key: string) => only === undefined || only.includes(key);
const noiseOnly: Effects = { authority: 0, deprivation: 0, constantDeprivation: false, noiseOnly: true };
let noise: Study | undefined;
if (wanted('A')) report('A  deprivation, no effect (all rows permuted)', study('A', A, 1), true);
if (wanted('A1'))
  report(
    'A′ deprivation, no effect (permuted within year)',
    study('A-within', A, 1, { within: 'year', panels: 'A' }),
    true,
  );
if (wanted('A2'))
  report(
    'A″ deprivation, no effect (permuted within authority)',
    study('A-within-la', A, 1, { within: 'la', panels: 'A' }),
    true,
  );
if (wanted('B')) report('B  practice, no authority effect', study('B', Bdesign, 0), true);
if (wanted('N')) report('N  practice alone on pure noise', (noise = study('N', noiseOnly, 0)), true);
if (wanted('powerA'))
  for (const beta of [0.1, 0.2])
    report(`power: deprivation effect ${beta}`, study(`A${beta}`, { ...A, deprivation: beta }, 1), false);
if (wanted('powerA2'))
  for (const beta of [0.1, 0.2])
    report(
      `power: deprivation effect ${beta}, within authority`,
      study(`A${beta}-la`, { ...A, deprivation: beta }, 1, { within: 'la', panels: `A${beta}` }),
      false,
    );
if (wanted('powerB'))
  for (const sd of [0.2, 0.3])
    report(`power: authority effects SD ${sd}`, study(`B${sd}`, { ...Bdesign, authority: sd }, 0), false);
if (wanted('naive'))
  report('naive: A judged against the shuffled outcome', study('A-naive', A, 1, { naive: true, panels: 'A' }), true);

const expectedFloor = (AUTHORITIES - 1) / (AUTHORITIES * YEARS - 1);
const header = ['study (group tested)', 'mean share', 'mean floor', 'KS D', 'KS p', 'p ≤ 0.05'];
const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
console.log(
  `${panels} panels of ${AUTHORITIES} authorities × ${YEARS} years, B = ${B} permutations, seed ${seed}; ` +
    `node ${process.version}; ${new Date().toISOString().slice(0, 10)}`,
);
console.log(`| ${header.map((h, j) => h.padEnd(widths[j]!)).join(' | ')} |`);
console.log(`| ${widths.map((w, j) => (j === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`);
for (const row of rows)
  console.log(`| ${row.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join(' | ')} |`);
if (noise) {
  console.log(
    `\nN: mean floor ${noise.floor.toFixed(5)} against E[R²] = (L − 1)/(n − 1) = ${expectedFloor.toFixed(5)} ` +
      `(relative difference ${((noise.floor / expectedFloor - 1) * 100).toFixed(2)}%)`,
  );
}
