import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError, ModelError } from '../../../src/errors.js';
import { parseCsv, type RawTable } from '../../../src/io/csv.js';
import { readPanel } from '../../../src/io/panel.js';
import { selectRows } from '../../../src/io/panelRows.js';
import { readSource } from '../../../src/io/source.js';
import {
  createFactorFitter,
  FactoredModelBuilder,
  type NumericGroupShape,
} from '../../../src/models/design/factoredModel.js';
import { buildModelData, columnRequests, selectModelRows } from '../../../src/models/design/modelData.js';
import { enginesOf } from '../../../src/models/engines/engines.js';
import { createGramFitter } from '../../../src/models/engines/gramFitter.js';
import { createSubsetFitter } from '../../../src/models/engines/subsetFit.js';
import { fitModel } from '../../../src/models/fit/fit.js';
import { decompose } from '../../../src/models/methods/decompose.js';
import type { ModelSpec } from '../../../src/models/spec/spec.js';
import { runMain } from '../../cli/run.js';

// Rows of weight 0 are left out, as R's lm(weights =) leaves them out. Reference values from R
// (scripts/reference/make-zero-weight-reference.R, which also checks in R that lm with the zero weights equals lm on
// the rows of positive weight): fixtures/zero-weight-panel.csv is the weighted panel with w = 0 on 14 random rows
// and on every row of unit W07.
const reference = JSON.parse(readFileSync('tests/reference/zero-weight-reference.json', 'utf8'));
const scalar = (v: number | number[]) => (Array.isArray(v) ? v[0]! : v);
const close = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-8 * Math.max(1, Math.abs(expected)));

const SPEC: ModelSpec = {
  outcome: 'y',
  weights: 'w',
  cluster: 'unit',
  groups: [
    { name: 'unit', kind: 'fixed-effect', columns: ['unit'] },
    { name: 'a', kind: 'numeric', columns: ['x1', 'x2'] },
    { name: 'period', kind: 'fixed-effect', columns: ['period'] },
  ],
};
const NUMERIC: ModelSpec = {
  outcome: 'y',
  weights: 'w',
  groups: [
    { name: 'g1', kind: 'numeric', columns: ['x1'] },
    { name: 'g2', kind: 'numeric', columns: ['x2'] },
  ],
};

const table = parseCsv(readSource(reference.fixture));
const wIndex = table.header.indexOf('w');
const zeroRows = table.records.flatMap((record, i) => (record[wIndex] === '0' ? [i + 2] : []));
/** The same file with the rows of weight 0 deleted, as text: the independent "fit without them". */
const withoutZeros: RawTable = {
  file: 'kept.csv',
  header: table.header,
  records: table.records.filter((record) => record[wIndex] !== '0'),
};
const data = buildModelData(readPanel(table, columnRequests(SPEC)), SPEC);

const folder = mkdtempSync(join(tmpdir(), 'cpv-zero-weights-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Run the CLI in this process (the shared harness), capturing what it writes. */
const run = (args: readonly string[]) => runMain(args);

describe('rows of weight 0 are left out, as in R lm(weights =)', () => {
  it('the fixture has the rows of weight 0 the reference says, W07 among them', () => {
    expect(zeroRows).toHaveLength(scalar(reference.zeroWeightRows));
    expect(zeroRows.length).toBeGreaterThan(14);
    expect(table.records.length).toBe(scalar(reference.rows));
  });

  it('n, the dropped rows and the unit levels: the rows of weight 0 are not used and W07 is gone', () => {
    expect(data.n).toBe(scalar(reference.n));
    expect(data.n).toBe(table.records.length - zeroRows.length);
    expect(data.droppedForZeroWeight).toBe(zeroRows.length);
    expect(data.droppedRows).toBe(zeroRows.length);
    expect(data.weights!.every((w) => w > 0)).toBe(true);
    const unit = data.groups[0]!;
    expect(unit.kind === 'fixed-effect' && unit.labels.includes('W07')).toBe(false);
    expect(unit.kind === 'fixed-effect' && unit.levels).toBe(scalar(reference.unitLevels));
  });

  it("R² of every subset (both engines) and the Shapley values equal R's", () => {
    const qr = createSubsetFitter(data);
    const gram = createGramFitter(data, enginesOf(data));
    expect(reference.r2BySubset).toHaveLength(8);
    reference.r2BySubset.forEach((r2: number, mask: number) => {
      close(qr.fit(mask).r2, r2);
      close(gram.fit(mask).r2, r2);
    });
    const shares = decompose(data).groups;
    expect(shares).toHaveLength(3);
    shares.forEach((g, i) => close(g.share, reference.shapley[i]));
  });

  it('fit: K, residual df, sigma, R², coefficients, classical and CR1 errors, VIF', () => {
    const expected = reference.fit;
    const fit = fitModel(data);
    expect(fit.k).toBe(scalar(expected.k));
    expect(fit.dfResidual).toBe(scalar(expected.dfResidual));
    for (const key of ['sigma', 'r2', 'adjR2', 'f', 'withinR2'] as const)
      close(fit[key] as number, scalar(expected[key]));
    expect(fit.coefficients.map((row) => row.term)).toEqual(['x1', 'x2']);
    fit.coefficients.forEach((row, i) => {
      for (const key of ['estimate', 'stdError', 't', 'p'] as const)
        close(row[key]!, scalar(expected.classical[i][key]));
      close(row.vif!, expected.vif[i]);
    });
    const clustered = fitModel(data, { clustered: true });
    expect(clustered.clusters?.count).toBe(scalar(expected.clusters));
    clustered.coefficients.forEach((row, i) => {
      for (const key of ['estimate', 'stdError', 't', 'p'] as const) close(row[key]!, scalar(expected.cluster[i][key]));
    });
  });

  it('equals the model of the file with those rows deleted', () => {
    const kept = buildModelData(readPanel(withoutZeros, columnRequests(SPEC)), SPEC);
    expect(kept.n).toBe(data.n);
    expect(kept.droppedRows).toBe(0);
    expect(kept.droppedForZeroWeight).toBe(0);
    const a = decompose(data);
    const b = decompose(kept);
    expect(a.r2).toBe(b.r2);
    a.groups.forEach((g, i) => expect(g.share).toBe(b.groups[i]!.share));
    expect(fitModel(data).coefficients.map((c) => c.estimate)).toEqual(
      fitModel(kept).coefficients.map((c) => c.estimate),
    );
  });

  it('the streamed factor leaves them out too: R² of the model without fixed effects, batch by batch', () => {
    const panel = readPanel(table, columnRequests(NUMERIC));
    for (const size of [7, 40, panel.rowCount]) {
      const builder = new FactoredModelBuilder(NUMERIC.groups as readonly NumericGroupShape[]);
      for (let first = 0; first < panel.rowCount; first += size) {
        const rows = Int32Array.from({ length: Math.min(size, panel.rowCount - first) }, (_, i) => first + i);
        builder.add(selectModelRows(selectRows(panel, rows), NUMERIC));
      }
      const model = builder.finish('zero.csv', ['y', 'x1', 'x2', 'w'], panel.rowCount);
      expect(model.n).toBe(data.n);
      expect(model.droppedForZeroWeight).toBe(zeroRows.length);
      expect(model.droppedRows).toBe(zeroRows.length);
      const fitter = createFactorFitter(model);
      reference.numeric.r2BySubset.forEach((r2: number, mask: number) => close(fitter.fit(mask).r2, r2));
    }
  });

  it('the builder applies the rule to a batch that still has rows of weight 0', () => {
    const panel = readPanel(table, columnRequests(NUMERIC));
    const unfiltered = selectModelRows(panel, { ...NUMERIC, weights: undefined });
    const w = panel.columns.get('w');
    if (w?.kind !== 'numeric') throw new Error('w is numeric');
    const builder = new FactoredModelBuilder(NUMERIC.groups as readonly NumericGroupShape[]);
    builder.add({ ...unfiltered, weights: Float64Array.from(w.values), weightsColumn: 'w' });
    const model = builder.finish('zero.csv', ['y', 'x1', 'x2', 'w'], panel.rowCount);
    expect(model.n).toBe(data.n);
    expect(model.droppedForZeroWeight).toBe(zeroRows.length);
    const fitter = createFactorFitter(model);
    reference.numeric.r2BySubset.forEach((r2: number, mask: number) => close(fitter.fit(mask).r2, r2));
    const negative = new FactoredModelBuilder(NUMERIC.groups as readonly NumericGroupShape[]);
    const weights = Float64Array.from(w.values);
    weights[3] = -2;
    expect(() => negative.add({ ...unfiltered, weights, weightsColumn: 'w' })).toThrow(
      'weight -2 is negative; weights must be 0 or more',
    );
  });

  it('refuses a negative weight at its row, and a sample whose every row has weight 0', () => {
    const negative = parseCsv({
      name: 'negative.csv',
      bytes: Buffer.from(
        readFileSync(reference.fixture, 'utf8').replace(/,44948,19\.3034,44948\n/, ',44948,19.3034,-1\n'),
      ),
    });
    let error: unknown;
    try {
      buildModelData(readPanel(negative, columnRequests(SPEC)), SPEC);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toBe(
      'negative.csv row 3, column "w": weight -1 is negative; weights must be 0 or more (rows of weight ' +
        '0 are left out)',
    );
    const zeros: RawTable = { ...table, records: table.records.map((r) => r.map((c, j) => (j === wIndex ? '0' : c))) };
    expect(() => buildModelData(readPanel(zeros, columnRequests(SPEC)), SPEC)).toThrow(ModelError);
    expect(() => buildModelData(readPanel(zeros, columnRequests(SPEC)), SPEC)).toThrow(
      /every row with all model columns present has weight 0 \(column "w"\)/,
    );
  });
});

describe('through the command line', () => {
  const path = join(folder, 'zero.csv');
  writeFileSync(path, readFileSync(reference.fixture));
  const model = ['--fe', 'unit=unit', '--group', 'a=x1,x2', '--fe', 'period=period', '--weights', 'w'];

  it('decompose: R’s shares, the rows left out counted, and the note', async () => {
    const json = await run(['decompose', path, '--outcome', 'y', ...model, '--format', 'json']);
    expect(json.status).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result.n).toBe(scalar(reference.n));
    expect(result.droppedRows).toBe(zeroRows.length);
    result.groups.forEach((g: { share: number }, i: number) => close(g.share, reference.shapley[i]));
    expect(result.notes).toContain(
      `rows with weight 0 left out: ${zeroRows.length} (weights column "w"; ` +
        `the fit is the fit without them, as in R's lm)`,
    );
    const table = await run(['decompose', path, '--outcome', 'y', ...model]);
    expect(table.stdout).toContain(`note: rows with weight 0 left out: ${zeroRows.length} (`);
  });

  it('fit: the note, and R’s coefficients', async () => {
    const json = await run(['fit', path, '--outcome', 'y', ...model, '--format', 'json']);
    expect(json.status).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result.n).toBe(scalar(reference.n));
    result.coefficients.forEach((c: { estimate: number }, i: number) =>
      close(c.estimate, scalar(reference.fit.classical[i].estimate)),
    );
    expect(result.notes.join('\n')).toContain(`rows with weight 0 left out: ${zeroRows.length}`);
  });

  it('decompose without fixed effects (streamed): the note and R’s shares', async () => {
    const json = await run(['decompose', path, '--formula', 'y ~ x1 + x2', '--weights', 'w', '--format', 'json']);
    expect(json.status).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result.n).toBe(scalar(reference.n));
    result.groups.forEach((g: { share: number }, i: number) => close(g.share, reference.numeric.shapley[i]));
    expect(result.notes.join('\n')).toContain(`rows with weight 0 left out: ${zeroRows.length}`);
  });
});
