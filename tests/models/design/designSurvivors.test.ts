import { describe, expect, it } from 'vitest';
import { DataError, InternalError, ModelError, ParameterError } from '../../../src/errors.js';
import {
  createFactorFitter,
  FactoredModelBuilder,
  factorGrams,
  rotateIn,
  type NumericGroupShape,
} from '../../../src/models/design/factoredModel.js';
import { droppedRowsWarning, worstColumns, worstColumnsText } from '../../../src/models/design/missingAlone.js';
import {
  buildModelData,
  checkEstimable,
  checkEstimableShape,
  columnRequests,
  equilibrate,
  noCompleteRow,
  scalesOf,
  selectModelRows,
  type ModelData,
} from '../../../src/models/design/modelData.js';
import { summarizeData } from '../../../src/models/design/summary.js';
import type { ModelSpec } from '../../../src/models/spec/spec.js';
import { panelFrom, referenceR2, thrownBy } from '../../helpers.js';

/**
 * Exact behaviour of the model-design code (modelData, factoredModel, missingAlone, summary) that the mutation run
 * found unchecked: the words of each error, which rows each filter keeps at its boundary, the accounting of
 * dropped rows and missing values across streamed batches, the units the streamed factor settles on, and the
 * year detection of the data summary. Expected values are worked by hand or by an independent formula.
 */

const WEIGHT_RULE = 'weights must be 0 or more (rows of weight 0 are left out)';

const numericSpec = (extra: Partial<ModelSpec> = {}): ModelSpec => ({
  outcome: 'y',
  groups: [{ name: 'g', kind: 'numeric', columns: ['x'] }],
  ...extra,
});

describe('missingAlone: the worst columns and the warning', () => {
  it('sorts by count, most first, then ties by name whatever the input order', () => {
    const expected = [
      { column: 'e', rows: 9 },
      { column: 'a', rows: 2 },
      { column: 'b', rows: 2 },
      { column: 'c', rows: 2 },
      { column: 'd', rows: 2 },
    ];
    expect(worstColumns({ d: 2, b: 2, e: 9, c: 2, a: 2, z: 0 }, 10)).toEqual(expected);
    expect(worstColumns({ a: 2, b: 2, c: 2, d: 2, e: 9 }, 10)).toEqual(expected);
    expect(worstColumns({ c: 2, d: 2, a: 2, e: 9, b: 2 }, 10)).toEqual(expected);
    expect(worstColumns({ d: 2, b: 2, e: 9, c: 2, a: 2 })).toEqual(expected.slice(0, 3));
  });

  it('has no text when no column alone lost a row, and names them with `show` otherwise', () => {
    expect(worstColumnsText(undefined)).toBeUndefined();
    expect(worstColumnsText({ x: 0, y: 0 })).toBeUndefined();
    expect(worstColumnsText({ x: 4, y: 7 }, 3, (name) => `<${name}>`)).toBe('<y> 7, <x> 4');
  });

  it('says when every dropped row misses two or more columns', () => {
    expect(droppedRowsWarning({ n: 3, droppedRows: 4, missingAlone: { x: 0 } })).toBe(
      'more than half of the rows were dropped: 3 of 7 used (4 dropped); ' +
        'no column alone makes a row incomplete (each dropped row misses two or more)',
    );
    expect(droppedRowsWarning({ n: 3, droppedRows: 4 })).toBe(
      'more than half of the rows were dropped: 3 of 7 used (4 dropped); ' +
        'no column alone makes a row incomplete (each dropped row misses two or more)',
    );
  });
});

describe('summarizeData', () => {
  /** A sample of 4 rows with one fixed effect whose labels are given. */
  function sample(name: string, labels: readonly string[], cluster = false): ModelData {
    const n = labels.length;
    return {
      outcome: 'y',
      n,
      y: Float64Array.from({ length: n }, (_, i) => i + 1),
      groups: [
        {
          kind: 'fixed-effect',
          name,
          columns: [name === 'year' ? 'yr' : 'col'],
          codes: Int32Array.from({ length: n }, (_, i) => i),
          levels: n,
          labels,
        },
      ],
      droppedRows: 0,
      missingByColumn: { c: 3 },
      ...(cluster
        ? { cluster: { column: 'c', codes: Int32Array.from({ length: n }, (_, i) => i % 2), count: 2 } }
        : {}),
    };
  }
  const years = (data: ModelData) => summarizeData(data, 10).fixedEffects[0]!.years;

  it('lists the cluster column among the model columns with its missing count', () => {
    expect(summarizeData(sample('period', ['a', 'b']), 5).missingByColumn).toEqual([
      { column: 'y', missing: 0 },
      { column: 'col', missing: 0 },
    ]);
    expect(summarizeData(sample('period', ['a', 'b'], true), 5).missingByColumn).toEqual([
      { column: 'y', missing: 0 },
      { column: 'col', missing: 0 },
      { column: 'c', missing: 3 },
    ]);
  });

  it('reads four-digit labels with spaces around them as years, ascending', () => {
    const labels = [' 2015', ' 2013', '2014 ', '2012'];
    const summary = summarizeData(sample('period', labels), 10).fixedEffects[0]!;
    // The natural sort of the labels is not the order of the years, so the years need their own sort.
    const asRead = summary.labels.map(Number);
    expect(asRead).not.toEqual([...asRead].sort((a, b) => a - b));
    expect(summary.years).toEqual([2012, 2013, 2014, 2015]);
  });

  it('needs every label to be a year, or every label whole under a year name', () => {
    expect(years(sample('region', ['2012', 'north']))).toBeNull();
    expect(years(sample('year', ['5', 'x']))).toBeNull();
    expect(years(sample('year', [' 7', '5', '-3']))).toEqual([-3, 5, 7]);
    expect(years(sample('period', [' 7', '5']))).toBeNull();
  });
});

describe('modelData: column requests and scales', () => {
  it('requests every column of the spec, read as its kind', () => {
    const spec: ModelSpec = {
      outcome: 'y',
      groups: [
        { name: 'unit', kind: 'fixed-effect', columns: ['u'] },
        { name: 'g', kind: 'numeric', columns: ['a', 'b'] },
      ],
      cluster: 'c',
      blocks: 'k',
      weights: 'w',
    };
    expect(columnRequests(spec)).toEqual([
      { name: 'y', kind: 'numeric' },
      { name: 'u', kind: 'categorical' },
      { name: 'a', kind: 'numeric' },
      { name: 'b', kind: 'numeric' },
      { name: 'c', kind: 'categorical' },
      { name: 'k', kind: 'categorical' },
      { name: 'w', kind: 'numeric' },
    ]);
  });

  it('gives a model without scales one exponent 0 per numeric column only', () => {
    expect(
      scalesOf({
        outcome: 'y',
        n: 0,
        groups: [
          { kind: 'fixed-effect', name: 'f', columns: ['f'], levels: 3 },
          { kind: 'numeric', name: 'g', columns: ['a', 'b'] },
        ],
        droppedRows: 0,
        missingByColumn: {},
      }),
    ).toEqual({ outcome: 0, columns: [0, 0], weights: 0 });
  });
});

describe('modelData: the words of each error', () => {
  const panel = () => panelFrom({ y: [1, 3, 2, 5], x: [2, 1, 4, 3] });

  it('refuses to equilibrate twice', () => {
    const data = buildModelData(panel(), numericSpec());
    expect(thrownBy(() => equilibrate(data), InternalError).message).toBe('model data equilibrated twice');
  });

  it('no complete row: an empty file, and a file without any missing count', () => {
    expect(noCompleteRow('f.csv', ['y', 'x'], { y: 2 }, 0).message).toBe('f.csv: there are no rows to fit');
    expect(noCompleteRow('f.csv', ['y', 'x'], {}, 4).message).toBe('f.csv: no row has all of y, x present');
  });

  it('without a prefix the messages start with the problem', () => {
    const constantOutcome = selectModelRows(panelFrom({ y: [2, 2, 2], x: [1, 2, 3] }), numericSpec());
    expect(thrownBy(() => checkEstimable(constantOutcome), ModelError).message).toBe(
      'outcome "y" has no variance (all 3 used rows equal 2); there is nothing to explain',
    );
    const constantColumn = selectModelRows(panelFrom({ y: [1, 2, 3], x: [5, 5, 5] }), numericSpec());
    expect(thrownBy(() => checkEstimable(constantColumn), ModelError).message).toBe(
      'column "x" of group "g" is constant (5) in the used rows, so it explains nothing; drop it',
    );
    const oneLevel = {
      outcome: 'y',
      n: 5,
      groups: [{ kind: 'fixed-effect' as const, name: 'unit', columns: ['u'] as [string], levels: 1 }],
      droppedRows: 0,
      missingByColumn: {},
    };
    expect(
      thrownBy(() => checkEstimableShape(oneLevel, { outcome: undefined, columns: new Map() }), ModelError).message,
    ).toBe('fixed effect "unit" (column "u") has only one level in the used rows, so it explains nothing');
  });

  it('a fixed effect read as numbers, and an outcome read as labels', () => {
    const spec: ModelSpec = { outcome: 'y', groups: [{ name: 'unit', kind: 'fixed-effect', columns: ['u'] }] };
    const numericUnit = panelFrom({ y: [1, 2, 3, 4], u: [1, 1, 2, 2] });
    expect(thrownBy(() => selectModelRows(numericUnit, spec), ModelError).message).toBe(
      'test.csv: column "u" was not read as categorical',
    );
    expect(thrownBy(() => selectModelRows(numericUnit, { ...spec, minPeriods: 2 }), ModelError).message).toBe(
      'test.csv: column "u" was not read as categorical',
    );
    const labelledOutcome = panelFrom({ y: ['a', 'b'], x: [1, 2] });
    expect(thrownBy(() => selectModelRows(labelledOutcome, numericSpec()), ModelError).message).toBe(
      'test.csv: column "y" was not read as numeric',
    );
  });
});

describe('modelData: weights', () => {
  it('a weight of 0 leaves its row out, and n > 0 is not "every weight 0"', () => {
    const data = buildModelData(
      panelFrom({ y: [1, 3, 2, 5, 4], x: [2, 1, 4, 3, 5], w: [1, 0, 2, 1, 3] }),
      numericSpec({ weights: 'w' }),
    );
    expect(data.n).toBe(4);
    expect(data.droppedForZeroWeight).toBe(1);
    expect(data.droppedRows).toBe(1);
    expect(data.weightsColumn).toBe('w');
  });

  it('every complete row of weight 0', () => {
    const panel = panelFrom({ y: [1, 3, 2], x: [2, 1, 4], w: [0, 0, 0] });
    expect(thrownBy(() => buildModelData(panel, numericSpec({ weights: 'w' })), ModelError).message).toBe(
      'test.csv: every row with all model columns present has weight 0 (column "w"); there is nothing to fit',
    );
  });

  it.each([
    [Number.POSITIVE_INFINITY, 'weight Infinity is not finite'],
    [-2, 'weight -2 is negative'],
  ])('a weight of %s, at its row', (bad, words) => {
    const panel = panelFrom({ y: [1, 3, 2, 5], x: [2, 1, 4, 3], w: [1, bad, 2, 1] });
    expect(thrownBy(() => selectModelRows(panel, numericSpec({ weights: 'w' })), DataError).message).toBe(
      `test.csv row 3, column "w": ${words}; ${WEIGHT_RULE}`,
    );
  });

  it('without weights or --min-periods the sample has no such counts', () => {
    const data = selectModelRows(panelFrom({ y: [1, 3, 2], x: [2, 1, 4] }), numericSpec());
    expect('droppedForZeroWeight' in data).toBe(false);
    expect('droppedForMinPeriods' in data).toBe(false);
    expect('weightsColumn' in data).toBe(false);
  });
});

describe('modelData: --min-periods', () => {
  const spec = (minPeriods: number): ModelSpec => ({
    outcome: 'y',
    groups: [
      { name: 'unit', kind: 'fixed-effect', columns: ['u'] },
      { name: 'g', kind: 'numeric', columns: ['x'] },
    ],
    minPeriods,
  });
  // Unit a has 3 complete rows, b 2, c 1 (its second row misses x).
  const panel = () =>
    panelFrom({
      u: ['a', 'a', 'a', 'b', 'b', 'c', 'c'],
      y: [1, 2, 3, 4, 5, 6, 7],
      x: [3, 1, 2, 5, 4, 6, Number.NaN],
    });

  it('keeps a unit with exactly minPeriods complete rows', () => {
    const data = selectModelRows(panel(), spec(2));
    expect(data.n).toBe(5);
    expect(data.droppedForMinPeriods).toBe(1);
    expect(data.droppedRows).toBe(2);
  });

  it('says when it removed every row, and the most any unit has', () => {
    expect(thrownBy(() => selectModelRows(panel(), spec(4)), ParameterError).message).toBe(
      'minPeriods: removed every row: no unit of "u" has 4 complete rows (the most any has is 3)',
    );
  });

  it('with no complete row at all, the error is about the missing values', () => {
    const empty = panelFrom({ u: ['a', 'b'], y: [1, 2], x: [Number.NaN, Number.NaN] });
    expect(thrownBy(() => buildModelData(empty, spec(2)), ModelError).message).toBe(
      'test.csv: no row has all of y, u, x present (column "x" is missing in 2 of 2 rows)',
    );
  });
});

describe('modelData: --log-outcome, clusters and blocks', () => {
  it.each([
    [0, '0'],
    [-1, '-1'],
  ])('an outcome of %s has no logarithm, at its row', (bad, shown) => {
    const panel = panelFrom({ y: [1, 3, bad, 5], x: [2, 1, 4, 3] });
    expect(thrownBy(() => selectModelRows(panel, numericSpec({ logOutcome: true })), DataError).message).toBe(
      `test.csv row 4, column "y": ${shown} has no logarithm; --log-outcome needs positive values`,
    );
  });

  it('a cluster column of numbers is coded by first appearance', () => {
    const panel = panelFrom({ y: [1, 3, 2, 5, 4, 6], x: [2, 1, 4, 3, 6, 5], c: [7, 7, 9, 9, 8, 8] });
    const data = selectModelRows(panel, numericSpec({ cluster: 'c', blocks: 'c' }));
    expect(data.cluster?.column).toBe('c');
    expect(Array.from(data.cluster!.codes)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(data.cluster?.count).toBe(3);
    expect(Array.from(data.blocks!.codes)).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it('a cluster column with one level in the used rows', () => {
    const panel = panelFrom({ y: [1, 3, 2], x: [2, 1, 4], c: ['k', 'k', 'k'] });
    expect(thrownBy(() => selectModelRows(panel, numericSpec({ cluster: 'c' })), ModelError).message).toBe(
      'test.csv: cluster column "c" has only one level in the used rows',
    );
  });

  it('no blocks without rows', () => {
    const panel = panelFrom({ y: [1, 3], x: [Number.NaN, Number.NaN], k: ['p', 'q'] });
    const data = selectModelRows(panel, numericSpec({ blocks: 'k' }));
    expect(data.n).toBe(0);
    expect('blocks' in data).toBe(false);
  });
});

/** A batch as `selectModelRows` assembles it (values as read), built by hand. */
function batch(
  y: readonly number[],
  x: readonly number[],
  extra: Partial<Omit<ModelData, 'y' | 'groups'>> = {},
): ModelData {
  return {
    outcome: 'y',
    n: y.length,
    y: Float64Array.from(y),
    groups: [{ kind: 'numeric', name: 'g', columns: ['x'], values: [Float64Array.from(x)] }],
    droppedRows: 0,
    missingByColumn: {},
    ...extra,
  };
}

const SHAPE: readonly NumericGroupShape[] = [{ kind: 'numeric', name: 'g', columns: ['x'] }];
const finish = (builder: FactoredModelBuilder) => builder.finish('f.csv', ['y', 'x'], 20);

/** Weighted R² of y on x with an intercept, by the textbook closed form for one predictor. */
function weightedR2(y: readonly number[], x: readonly number[], w: readonly number[]): number {
  const total = w.reduce((s, v) => s + v, 0);
  const my = w.reduce((s, v, i) => s + v * y[i]!, 0) / total;
  const mx = w.reduce((s, v, i) => s + v * x[i]!, 0) / total;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  w.forEach((v, i) => {
    sxy += v * (x[i]! - mx) * (y[i]! - my);
    sxx += v * (x[i]! - mx) ** 2;
    syy += v * (y[i]! - my) ** 2;
  });
  return (sxy * sxy) / (sxx * syy);
}

describe('FactoredModelBuilder: batches it refuses', () => {
  it('an equilibrated batch', () => {
    const data = buildModelData(panelFrom({ y: [1, 3, 2, 5], x: [2, 1, 4, 3] }), numericSpec());
    expect(thrownBy(() => new FactoredModelBuilder(SHAPE).add(data), InternalError).message).toBe(
      'FactoredModelBuilder takes batches as read, not equilibrated',
    );
  });

  it('a fixed effect, with and without weights to drop', () => {
    const withFixedEffect = (weights?: Float64Array): ModelData => ({
      ...batch([1, 2, 3], [1, 2, 3]),
      groups: [
        { kind: 'fixed-effect', name: 'u', columns: ['u'], codes: Int32Array.of(0, 1, 0), levels: 2, labels: [] },
      ],
      ...(weights ? { weights, weightsColumn: 'w' } : {}),
    });
    for (const weights of [undefined, Float64Array.of(1, 0, 1)]) {
      expect(thrownBy(() => new FactoredModelBuilder(SHAPE).add(withFixedEffect(weights)), InternalError).message).toBe(
        'a factored model has no fixed effects',
      );
    }
  });

  it.each([
    [[1, -2, 3], 'weight -2 is negative'],
    [[Number.POSITIVE_INFINITY, 0, 2], 'weight Infinity is not finite'],
    [[Number.NaN, 1, 2], 'weight NaN is not finite'],
    [[-1, -2, -3], 'weight -1 is negative'],
  ])('weights %j', (weights, words) => {
    const given = batch([1, 2, 3], [3, 1, 2], { weights: Float64Array.from(weights), weightsColumn: 'w' });
    expect(thrownBy(() => new FactoredModelBuilder(SHAPE).add(given), DataError).message).toBe(
      `${words}; ${WEIGHT_RULE}`,
    );
  });
});

describe('FactoredModelBuilder: accounting across batches', () => {
  it('rows of weight 0 given by hand are dropped and counted', () => {
    const builder = new FactoredModelBuilder(SHAPE);
    builder.add(
      batch([1, 2, 4, 3], [3, 1, 2, 5], {
        weights: Float64Array.of(1, 0, 2, 3),
        weightsColumn: 'w',
        droppedRows: 5,
        missingByColumn: { x: 4, y: 1 },
        missingAlone: { x: 3 },
      }),
    );
    builder.add(
      batch([6, 5], [4, 7], {
        weights: Float64Array.of(1, 2),
        weightsColumn: 'w',
        droppedRows: 2,
        missingByColumn: { x: 2 },
        missingAlone: { x: 1, y: 1 },
      }),
    );
    const model = finish(builder);
    expect(model.n).toBe(5);
    expect(model.droppedRows).toBe(8);
    expect(model.droppedForZeroWeight).toBe(1);
    expect(model.weightsColumn).toBe('w');
    expect(model.missingByColumn).toEqual({ x: 6, y: 1 });
    expect(model.missingAlone).toEqual({ x: 4, y: 1 });
    const r2 = createFactorFitter(model).fit(1).r2;
    expect(Math.abs(r2 - weightedR2([1, 4, 3, 6, 5], [3, 2, 5, 4, 7], [1, 2, 3, 1, 2]))).toBeLessThan(1e-13);
  });

  it('keeps the weights column when a later batch does not name it', () => {
    const builder = new FactoredModelBuilder(SHAPE);
    builder.add(batch([1, 2, 4], [3, 1, 2], { weights: Float64Array.of(1, 2, 1), weightsColumn: 'w' }));
    builder.add(batch([3, 5], [5, 4]));
    expect(finish(builder).weightsColumn).toBe('w');
  });

  it('an unweighted model has no weights column and no count of weight-0 rows', () => {
    const builder = new FactoredModelBuilder(SHAPE);
    builder.add(batch([1, 2, 4, 3], [3, 1, 2, 5]));
    const model = finish(builder);
    expect('weightsColumn' in model).toBe(false);
    expect('droppedForZeroWeight' in model).toBe(false);
  });

  it('a weighted model counts 0 rows of weight 0', () => {
    const builder = new FactoredModelBuilder(SHAPE);
    builder.add(batch([1, 2, 4, 3], [3, 1, 2, 5], { weights: Float64Array.of(1, 2, 1, 3), weightsColumn: 'w' }));
    const model = finish(builder);
    expect(model.weightsColumn).toBe('w');
    expect(model.droppedForZeroWeight).toBe(0);
  });

  it('every row of weight 0 given by hand', () => {
    const builder = new FactoredModelBuilder(SHAPE);
    builder.add(batch([1, 2, 4], [3, 1, 2], { weights: Float64Array.of(0, 0, 0), weightsColumn: 'w' }));
    expect(thrownBy(() => finish(builder), ModelError).message).toBe(
      'f.csv: every row with all model columns present has weight 0 (column "w"); there is nothing to fit',
    );
  });

  it('an empty first batch changes nothing', () => {
    const builder = new FactoredModelBuilder(SHAPE);
    builder.add(batch([], [], { droppedRows: 2, missingByColumn: { x: 2 } }));
    const y = [1, 2, 4, 3, 7];
    const x = [3, 1, 2, 5, 6];
    builder.add(batch(y, x));
    const model = finish(builder);
    expect(model.n).toBe(5);
    expect(model.droppedRows).toBe(2);
    expect(Math.abs(createFactorFitter(model).fit(1).r2 - referenceR2(y, [x]))).toBeLessThan(1e-13);
  });

  it('a column that is 0 in the first batch takes the units of its later values', () => {
    const builder = new FactoredModelBuilder(SHAPE);
    builder.add(batch([3, 1], [0, 0]));
    builder.add(batch([2, 5, 4], [0.1, -0.05, 0.07]));
    const model = finish(builder);
    // max |x| = 0.1 = 0.8 · 2^−3; max |y| = 5 = 0.625 · 2^3.
    expect(model.scales).toEqual({ outcome: 3, columns: [-3], weights: 0 });
    const r2 = createFactorFitter(model).fit(1).r2;
    expect(Math.abs(r2 - referenceR2([3, 1, 2, 5, 4], [[0, 0, 0.1, -0.05, 0.07]]))).toBeLessThan(1e-13);
  });

  it('smaller weights in a later batch keep the units of the larger', () => {
    const builder = new FactoredModelBuilder(SHAPE);
    builder.add(batch([1, 2, 4], [3, 1, 2], { weights: Float64Array.of(4, 2, 3), weightsColumn: 'w' }));
    builder.add(batch([3, 5], [5, 4], { weights: Float64Array.of(1, 0.5), weightsColumn: 'w' }));
    const model = finish(builder);
    // max w = 4 = 0.5 · 2^3, rounded up to the even exponent 4.
    expect(model.scales.weights).toBe(4);
    const r2 = createFactorFitter(model).fit(1).r2;
    expect(Math.abs(r2 - weightedR2([1, 2, 4, 3, 5], [3, 1, 2, 5, 4], [4, 2, 3, 1, 0.5]))).toBeLessThan(1e-13);
  });

  it('each finish gives its own copy of the factor', () => {
    const builder = new FactoredModelBuilder(SHAPE);
    builder.add(batch([1, 2, 4, 3], [3, 1, 2, 5]));
    const first = finish(builder);
    const copy = first.factor.slice();
    first.factor.fill(0);
    expect(Array.from(finish(builder).factor)).toEqual(Array.from(copy));
    expect(copy.some((v) => v !== 0)).toBe(true);
  });
});

describe('rotateIn into an empty factor', () => {
  it('a row starting with 0 goes to the first row of R whose entry it has', () => {
    const factor = new Float64Array(9);
    rotateIn(factor, 3, Float64Array.of(0, 2, 3));
    expect(Array.from(factor)).toEqual([0, 0, 0, 0, 2, 3, 0, 0, 0]);
  });

  it('the first row is taken as it is, sign included', () => {
    const factor = new Float64Array(4);
    rotateIn(factor, 2, Float64Array.of(-2, 3));
    expect(Array.from(factor)).toEqual([-2, 3, 0, 0]);
  });
});

describe('factorGrams and createFactorFitter', () => {
  // Exact binary fractions whose largest magnitudes lie in [1/2, 1): every scale exponent is 0.
  const a = [0.5, 0.25, 0.75, 0.125, 0.625];
  const b = [0.5, 0.75, 0.25, 0.875, 0.5];
  const y = [0.75, 0.5, 0.875, 0.25, 0.5];
  const shape: NumericGroupShape[] = [
    { kind: 'numeric', name: 'first', columns: ['a'] },
    { kind: 'numeric', name: 'second', columns: ['b'] },
    { kind: 'numeric', name: 'third', columns: ['copy'] },
  ];
  function model(withCopy: boolean) {
    const groups = withCopy ? shape : shape.slice(0, 2);
    const builder = new FactoredModelBuilder(groups);
    const values = withCopy ? [a, b, a] : [a, b];
    builder.add({
      outcome: 'y',
      n: 5,
      y: Float64Array.from(y),
      groups: groups.map((g, i) => ({ ...g, values: [Float64Array.from(values[i]!)] })),
      droppedRows: 0,
      missingByColumn: {},
    });
    return builder.finish('f.csv', ['y', 'a', 'b'], 5);
  }
  const centredProduct = (u: readonly number[], v: readonly number[]) => {
    const mu = u.reduce((s, t) => s + t, 0) / u.length;
    const mv = v.reduce((s, t) => s + t, 0) / v.length;
    return u.reduce((s, t, i) => s + (t - mu) * (v[i]! - mv), 0);
  };

  it('the Gram is the centred cross-products of a, b and y, both triangles', () => {
    const grams = factorGrams(model(false));
    expect(model(false).scales).toEqual({ outcome: 0, columns: [0, 0], weights: 0 });
    const gram = grams.gramFor(0);
    expect(gram.size).toBe(3);
    const variables = [a, b, y];
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const expected = centredProduct(variables[i]!, variables[j]!);
        expect(Math.abs(gram.entries[i * 3 + j]! - expected)).toBeLessThan(1e-15);
      }
    }
    expect(grams.numericCount).toBe(2);
  });

  it('has no fixed effects to absorb', () => {
    expect(thrownBy(() => factorGrams(model(false)).gramFor(1), InternalError).message).toBe(
      'a factored model has no fixed effects',
    );
  });

  it('fits no columns, and names the later of two equal columns as aliased whatever order they are asked in', () => {
    const fitter = createFactorFitter(model(true));
    expect(fitter.fitUnits([])).toEqual({ r2: 0, aliased: [], rank: 0 });
    const fit = fitter.fitUnits([2, 0]);
    expect(fit.aliased).toEqual(['copy']);
    expect(fit.rank).toBe(1);
    expect(Math.abs(fit.r2 - referenceR2(y, [a]))).toBeLessThan(1e-13);
    expect(fitter.fitUnits([1, 0]).aliased).toEqual([]);
  });
});
