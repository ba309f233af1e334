/**
 * `npx tsc -p tsconfig.json && node dist/bench/nist.js`: accuracy on the NIST StRD linear least-squares datasets.
 *
 * For each dataset and each solver, prints the minimum LRE (log relative error: the number of significant digits
 * that agree with NIST's certified values, at most 15) over the coefficients and over their standard errors.
 * Solvers: (a) fitLeastSquares (equilibrated QR + refinement in double-double); (b) qr.ts's plain pivoted QR,
 * no scaling or refinement; (c) ml-matrix's QrDecomposition; (d) ml-regression-multivariate-linear (normal
 * equations inverted by SVD). Standard errors are σ·√((X'X)⁻¹_jj), σ² = RSS/(n − p), each solver's own.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inverse, Matrix, QrDecomposition } from 'ml-matrix';
import MLR from 'ml-regression-multivariate-linear';
import { nistDesignColumns, parseNistDataset, type NistDataset } from '../src/io/nist.js';
import { packageRoot } from '../src/io/packageRoot.js';
import { fitLeastSquares } from '../src/models/linalg/leastSquares.js';
import {
  DEFAULT_RANK_TOLERANCE,
  qrDecompose,
  residualSumOfSquares,
  solveLeastSquares,
} from '../src/models/linalg/qr.js';

const DATASETS = [
  'Norris',
  'Pontius',
  'NoInt1',
  'NoInt2',
  'Filip',
  'Longley',
  'Wampler1',
  'Wampler2',
  'Wampler3',
  'Wampler4',
  'Wampler5',
];
// At R's default tolerance Filip loses its last power as aliased (in R's lm too); NIST treats it as full rank.
const TOLERANCE: Record<string, number> = { Filip: 1e-10 };

/** Coefficients and standard errors in NIST's parameter order (B0, B1, …). */
interface Estimates {
  coefficients: ArrayLike<number>;
  standardErrors: ArrayLike<number>;
}
type Solver = (columns: Float64Array[], y: Float64Array, dataset: NistDataset, tolerance: number) => Estimates;

const solvers: Record<string, Solver> = {
  fitLeastSquares: (columns, y, _dataset, tolerance) => {
    const fit = fitLeastSquares(columns, y, { tolerance });
    return {
      coefficients: fit.coefficients,
      standardErrors: standardErrors(fit.unscaledCovariance, fit.rss, y.length),
    };
  },
  'plain QR (qr.ts)': (columns, y, _dataset, tolerance) => {
    const qr = qrDecompose(columns, { tolerance });
    const p = columns.length;
    if (qr.rank < p) throw new Error('rank deficient');
    // (X'X)⁻¹ = R⁻¹R⁻ᵀ; at full rank no column was moved, so R is in the input column order.
    const r = new Matrix(p, p);
    for (let j = 0; j < p; j++) {
      r.set(j, j, qr.diag[j]!);
      for (let k = j + 1; k < p; k++) r.set(j, k, qr.packed[k * qr.rows + j]!);
    }
    const rInverse = inverse(r);
    const covariance = rInverse.mmul(rInverse.transpose());
    return {
      coefficients: solveLeastSquares(qr, y),
      standardErrors: standardErrors(covariance.to1DArray(), residualSumOfSquares(qr, y), y.length),
    };
  },
  'ml-matrix QR': (columns, y) => {
    const x = new Matrix(columns.map((c) => Array.from(c))).transpose();
    const qr = new QrDecomposition(x);
    const coefficients = qr.solve(Matrix.columnVector(Array.from(y))).to1DArray();
    const rInverse = inverse(qr.upperTriangularMatrix);
    const covariance = rInverse.mmul(rInverse.transpose());
    const fitted = x.mmul(Matrix.columnVector(coefficients)).to1DArray();
    const rss = fitted.reduce((sum, f, i) => sum + (y[i]! - f) ** 2, 0);
    return { coefficients, standardErrors: standardErrors(covariance.to1DArray(), rss, y.length) };
  },
  'ml MLR': (columns, y, dataset) => {
    // MLR adds its own intercept column, last; give it the design without the column of ones.
    const intercept = dataset.model !== 'no-intercept';
    const predictors = intercept ? columns.slice(1) : columns;
    const rows = Array.from(y, (_, i) => predictors.map((c) => c[i]!));
    const model = new MLR(
      rows,
      Array.from(y, (v) => [v]),
      { intercept },
    );
    const weights = model.weights.map((w) => w[0]!);
    // Its weights and standard errors list the slopes first and the intercept last.
    const reorder = (values: number[]) => (intercept ? [values[values.length - 1]!, ...values.slice(0, -1)] : values);
    return { coefficients: reorder(weights), standardErrors: reorder(model.stdErrors) };
  },
};

/** se_j = σ·√C_jj with σ² = RSS/(n − p), for a p × p row-major C = (X'X)⁻¹. */
function standardErrors(unscaledCovariance: ArrayLike<number>, rss: number, n: number): number[] {
  const p = Math.round(Math.sqrt(unscaledCovariance.length));
  const sigma = Math.sqrt(rss / (n - p));
  return Array.from({ length: p }, (_, j) => sigma * Math.sqrt(unscaledCovariance[j * p + j]!));
}

/** −log10 of the relative error (absolute when the certified value is 0), within [0, 15]; 0 for NaN. */
function lre(computed: number, certified: number): number {
  const error = certified === 0 ? Math.abs(computed) : Math.abs(computed - certified) / Math.abs(certified);
  return Number.isNaN(error) ? 0 : Math.max(0, Math.min(15, -Math.log10(error)));
}

function minimumLre(computed: ArrayLike<number>, certified: readonly number[]): number {
  return Math.min(...certified.map((c, j) => lre(computed[j]!, c)));
}

const names = Object.keys(solvers);
const cell = (text: string, width: number) => text.padStart(width);
const WIDTH = 18;
console.log('NIST StRD linear least squares: minimum LRE over coefficients / over standard errors (15 = all digits)');
console.log(['Dataset'.padEnd(9), ...names.map((name) => cell(name, WIDTH))].join(' '));
for (const name of DATASETS) {
  const dataset = parseNistDataset(readFileSync(join(packageRoot(), 'fixtures/nist-strd', `${name}.dat`), 'utf8'));
  const columns = nistDesignColumns(dataset);
  const y = Float64Array.from(dataset.y);
  const tolerance = TOLERANCE[name] ?? DEFAULT_RANK_TOLERANCE;
  const cells = names.map((solverName) => {
    try {
      const estimates = solvers[solverName]!(columns, y, dataset, tolerance);
      const coefficients = minimumLre(estimates.coefficients, dataset.certified.coefficients);
      const errors = minimumLre(estimates.standardErrors, dataset.certified.standardErrors);
      return cell(`${coefficients.toFixed(1)} / ${errors.toFixed(1)}`, WIDTH);
    } catch (error) {
      return cell(`failed: ${(error as Error).message}`.slice(0, WIDTH), WIDTH);
    }
  });
  console.log([name.padEnd(9), ...cells].join(' '));
}
