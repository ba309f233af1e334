/**
 * Owen values of columns inside groups of three and four columns. With two columns the within-group weights
 * s!(m − s − 1)!/m! are 1/2 and 1/2, the same as a uniform 1/m, so only groups of three or more columns tell the
 * Owen value from a wrong weighting. Expected values come from the definition, written out here:
 *   - brute force: the average, over every order of the units in which the members of each group are contiguous
 *     (the groups in any order among themselves, the columns in any order inside their group), of each unit's
 *     marginal contribution R²(before ∪ {unit}) − R²(before), with R² from an SVD least-squares fit (`referenceR2`);
 *   - R: scripts/reference/make-owen-reference.R, the same permutation definition with lm(), committed as
 *     tests/reference/owen-reference.json.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../src/io/csv.js';
import { readPanel } from '../../../src/io/panel.js';
import { readSource } from '../../../src/io/source.js';
import { buildModelData, columnRequests } from '../../../src/models/design/modelData.js';
import { decompose } from '../../../src/models/methods/decompose.js';
import type { GroupSpec, ModelSpec } from '../../../src/models/spec/spec.js';
import { dummies, panelFrom, permutations, referenceR2, testRandom } from '../../helpers.js';

/** A unit of the Owen game: a numeric column, or a whole fixed effect (its dummies, less one for the intercept). */
interface Unit {
  readonly group: number;
  readonly name: string;
  readonly columns: readonly (readonly number[])[];
}

/** Every ordering of the units with the members of each group contiguous; calls `visit` with each. */
function forEachNestedOrder(groups: readonly (readonly Unit[])[], visit: (order: readonly Unit[]) => void): void {
  const inner = groups.map((members) => permutations(members.length).map((p) => p.map((i) => members[i]!)));
  const walk = (groupOrder: readonly number[], position: number, prefix: readonly Unit[]) => {
    if (position === groupOrder.length) {
      visit(prefix);
      return;
    }
    for (const arrangement of inner[groupOrder[position]!]!)
      walk(groupOrder, position + 1, [...prefix, ...arrangement]);
  };
  for (const groupOrder of permutations(groups.length)) walk(groupOrder, 0, []);
}

/** Brute-force Owen values, in the order of `units`; also returns the number of orders averaged. */
function bruteForceOwen(y: readonly number[], units: readonly Unit[]): { values: number[]; orders: number } {
  const groupCount = Math.max(...units.map((u) => u.group)) + 1;
  const groups = Array.from({ length: groupCount }, (_, g) => units.filter((u) => u.group === g));
  const cache = new Map<string, number>();
  const r2 = (set: readonly Unit[]): number => {
    if (set.length === 0) return 0;
    const key = set
      .map((u) => units.indexOf(u))
      .sort((a, b) => a - b)
      .join(',');
    let value = cache.get(key);
    if (value === undefined) {
      value = referenceR2(
        y,
        set.flatMap((u) => u.columns),
      );
      cache.set(key, value);
    }
    return value;
  };
  const totals = new Map<Unit, number>(units.map((u) => [u, 0]));
  let orders = 0;
  forEachNestedOrder(groups, (order) => {
    orders++;
    order.forEach((unit, i) => {
      totals.set(unit, totals.get(unit)! + r2(order.slice(0, i + 1)) - r2(order.slice(0, i)));
    });
  });
  return { values: units.map((u) => totals.get(u)! / orders), orders };
}

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

/**
 * Random data: a fixed effect (6 levels), a group of 3 correlated columns, a group of 4, and a single column;
 * y depends on all of them with unequal coefficients, so no two columns of a group are exchangeable.
 */
function randomModel(seed: number) {
  const random = testRandom(seed);
  const n = 48;
  const cols: Record<string, number[]> = {};
  const names = ['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8'];
  for (const name of names) cols[name] = [];
  const unit: string[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = i % 6;
    const common = random.normal();
    const x = names.map((_, j) => random.normal() + (j < 3 ? 0.7 : 0.4) * common + (j === 3 ? 0.2 * u : 0));
    x.forEach((v, j) => cols[names[j]!]!.push(v));
    unit.push(`u${u}`);
    y.push(
      0.3 * u +
        0.9 * x[0]! -
        0.2 * x[1]! +
        0.5 * x[2]! +
        0.7 * x[3]! +
        0.1 * x[4]! -
        0.6 * x[5]! +
        0.3 * x[6]! +
        0.4 * x[7]! +
        random.normal(),
    );
  }
  const groups: GroupSpec[] = [
    { name: 'unit', kind: 'fixed-effect', columns: ['unit'] },
    { name: 'three', kind: 'numeric', columns: ['x1', 'x2', 'x3'] },
    { name: 'four', kind: 'numeric', columns: ['x4', 'x5', 'x6', 'x7'] },
    { name: 'one', kind: 'numeric', columns: ['x8'] },
  ];
  const units: Unit[] = [
    { group: 0, name: 'unit', columns: dummies(unit).slice(1) },
    ...['x1', 'x2', 'x3'].map((name) => ({ group: 1, name, columns: [cols[name]!] })),
    ...['x4', 'x5', 'x6', 'x7'].map((name) => ({ group: 2, name, columns: [cols[name]!] })),
    { group: 3, name: 'x8', columns: [cols.x8!] },
  ];
  const data = buildModelData(panelFrom({ unit, ...cols, y }), { outcome: 'y', groups });
  return { y, units, data, groups };
}

describe.each([11, 12])('Owen values on random data with groups of 3 and 4 columns (seed %i)', (seed) => {
  const { y, units, data, groups } = randomModel(seed);
  const expected = bruteForceOwen(y, units);
  const result = decompose(data, { method: 'owen' });

  it('averages over 4!·3!·4! nested orders', () => {
    expect(expected.orders).toBe(factorial(4) * factorial(3) * factorial(4));
  });

  it('equals the brute-force Owen value of every column to 1e-10', () => {
    const columns = result.owen!.columns;
    expect(columns.map((c) => [c.group, c.column])).toEqual(units.map((u) => [groups[u.group]!.name, u.name]));
    columns.forEach((c, i) => expect(Math.abs(c.share - expected.values[i]!)).toBeLessThanOrEqual(1e-10));
  });

  it('sums within each group to the group total', () => {
    expect(result.groups).toHaveLength(4);
    result.groups.forEach((g, index) => {
      const sum = expected.values.reduce((s, v, i) => s + (units[i]!.group === index ? v : 0), 0);
      expect(Math.abs(g.share - sum)).toBeLessThanOrEqual(1e-10);
    });
  });
});

// ── against R ────────────────────────────────────────────────────────────────────────────────────────────────
interface OwenReferenceModel {
  fixture: string;
  outcome: string;
  n: number;
  groups: GroupSpec[];
  orders: number;
  r2: number;
  owen: { group: string; column: string; value: number }[];
  groupTotals: number[];
}
const reference = JSON.parse(readFileSync('tests/reference/owen-reference.json', 'utf8')) as {
  models: Record<string, OwenReferenceModel>;
};

/** |a − b| ≤ 1e-8 · max(1, |b|). */
function expectAgrees(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-8 * Math.max(1, Math.abs(expected)));
}

describe('Owen values agree with R (lm, permutation definition)', () => {
  const models = Object.entries(reference.models);

  it('the reference has models with a numeric group of three or more columns', () => {
    expect(models.length).toBeGreaterThanOrEqual(2);
    for (const [, model] of models)
      expect(
        Math.max(...model.groups.map((g) => (g.kind === 'numeric' ? g.columns.length : 0))),
      ).toBeGreaterThanOrEqual(3);
  });

  it.each(models)('%s', (_, model) => {
    const spec: ModelSpec = { outcome: model.outcome, groups: model.groups };
    const data = buildModelData(readPanel(parseCsv(readSource(model.fixture)), columnRequests(spec)), spec);
    expect(data.n).toBe(model.n);
    // R averaged over every nested order: (groups)! times (columns of each numeric group)!.
    const sizes = model.groups.map((g) => (g.kind === 'numeric' ? g.columns.length : 1));
    expect(model.orders).toBe(sizes.reduce((product, size) => product * factorial(size), factorial(sizes.length)));
    const result = decompose(data, { method: 'owen' });
    expectAgrees(result.r2, model.r2);
    const columns = result.owen!.columns;
    expect(columns.map((c) => [c.group, c.column])).toEqual(model.owen.map((o) => [o.group, o.column]));
    columns.forEach((c, i) => expectAgrees(c.share, model.owen[i]!.value));
    expect(result.groups).toHaveLength(model.groupTotals.length);
    result.groups.forEach((g, i) => expectAgrees(g.share, model.groupTotals[i]!));
  });
});
