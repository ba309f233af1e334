/**
 * Reader for the NIST StRD linear least-squares reference files (fixtures/nist-strd/*.dat).
 *
 * Each file is a free-text header that names two line ranges, `Certified Values (lines a to b)` and
 * `Data (lines c to d)`. The certified block lists one `B<k> estimate sd` row per parameter, then the
 * residual standard deviation and R²; the data block has one observation per line, y first, then x
 * (or x1 … x6 for Longley). See fixtures/nist-strd/SOURCES.md and
 * https://www.itl.nist.gov/div898/strd/lls/lls.shtml.
 */

/**
 * `polynomial`: y = B0 + B1·x + … + B_degree·x^degree (one predictor);
 * `linear`: y = B0 + B1·x1 + … + Bk·xk;
 * `no-intercept`: y = B1·x.
 */
export type NistModelKind = 'polynomial' | 'linear' | 'no-intercept';

export interface NistCertifiedValues {
  /** Parameter estimates in the file's order (B0, B1, …; only B1 for the no-intercept models). */
  readonly coefficients: number[];
  /** Standard deviations of the estimates, same order. */
  readonly standardErrors: number[];
  readonly residualSD: number;
  /** Centred R², except uncentred (1 − RSS/Σy²) for the no-intercept models, as NIST defines it. */
  readonly r2: number;
}

export interface NistDataset {
  readonly name?: string;
  readonly model: NistModelKind;
  /** Highest power of x in the model: the polynomial degree, 1 for the linear and no-intercept models. */
  readonly degree: number;
  /** Number of predictor variables in the data (columns of `x`). */
  readonly predictors: number;
  readonly certified: NistCertifiedValues;
  /** One row per observation: the predictor values. */
  readonly x: number[][];
  readonly y: number[];
}

/**
 * Parse one StRD `.dat` file. The model is inferred from the certified parameter rows rather than the
 * header's `Model:` text, which is unreliable (Longley's says "Polynomial Class … B0,…,B7" for a linear
 * model in B0..B6): no B0 row means no intercept; several predictors means linear; one predictor with
 * parameters B0..Bd means a polynomial of degree d (degree 1 is reported as `linear`).
 */
export function parseNistDataset(text: string): NistDataset {
  const lines = text.split(/\r?\n/);
  const certifiedLines = linesInRange(lines, 'Certified Values');
  const dataLines = linesInRange(lines, 'Data').filter((line) => line.trim() !== '');

  const parameters: { index: number; estimate: number; sd: number }[] = [];
  let residualSD: number | undefined;
  let r2: number | undefined;
  for (const line of certifiedLines) {
    const parameter = /^\s*B(\d+)\s+(\S+)\s+(\S+)/.exec(line);
    if (parameter)
      parameters.push({ index: Number(parameter[1]), estimate: toNumber(parameter[2]!), sd: toNumber(parameter[3]!) });
    const sd = /Standard Deviation\s+(\S+)/.exec(line);
    if (sd) residualSD = toNumber(sd[1]!);
    const rSquared = /R-Squared\s+(\S+)/.exec(line);
    if (rSquared) r2 = toNumber(rSquared[1]!);
  }
  if (parameters.length === 0 || residualSD === undefined || r2 === undefined) {
    throw new Error('NIST StRD: the certified block lacks parameters, residual standard deviation or R-squared');
  }

  const predictors = Number(/(\d+)\s+Predictor Variable/.exec(text)?.[1] ?? 1);
  const rows = dataLines.map((line) => line.trim().split(/\s+/).map(toNumber));
  for (const row of rows) {
    if (row.length !== predictors + 1)
      throw new Error(`NIST StRD: a data row has ${row.length} values, expected ${predictors + 1}`);
  }
  const observations = /(\d+)\s+Observations/.exec(text)?.[1];
  if (observations !== undefined && Number(observations) !== rows.length) {
    throw new Error(
      `NIST StRD: the header announces ${observations} observations but the data block has ${rows.length}`,
    );
  }

  const hasIntercept = parameters[0]!.index === 0;
  const model: NistModelKind = !hasIntercept
    ? 'no-intercept'
    : predictors > 1 || parameters.length === 2
      ? 'linear'
      : 'polynomial';
  return {
    name: /Dataset Name:\s+(\S+)/.exec(text)?.[1],
    model,
    degree: model === 'polynomial' ? parameters.length - 1 : 1,
    predictors,
    certified: {
      coefficients: parameters.map((p) => p.estimate),
      standardErrors: parameters.map((p) => p.sd),
      residualSD,
      r2,
    },
    x: rows.map((row) => row.slice(1)),
    y: rows.map((row) => row[0]!),
  };
}

/**
 * The design columns whose coefficients are the certified parameters, in the same order:
 * [1, x, x², …] for polynomials, [1, x1, …, xk] for linear models, [x] without intercept.
 * Powers are formed by repeated multiplication, as a user would compute them.
 */
export function nistDesignColumns(dataset: NistDataset): Float64Array[] {
  const n = dataset.y.length;
  const predictor = (k: number) => Float64Array.from(dataset.x, (row) => row[k]!);
  switch (dataset.model) {
    case 'no-intercept':
      return [predictor(0)];
    case 'linear':
      return [new Float64Array(n).fill(1), ...Array.from({ length: dataset.predictors }, (_, k) => predictor(k))];
    case 'polynomial': {
      const x = predictor(0);
      const columns = [new Float64Array(n).fill(1)];
      for (let power = 1; power <= dataset.degree; power++) columns.push(columns[power - 1]!.map((v, i) => v * x[i]!));
      return columns;
    }
  }
}

/** The physical lines (1-based, inclusive) of the range the header names as `<label> (lines a to b)`. */
function linesInRange(lines: readonly string[], label: string): string[] {
  const range = new RegExp(`^\\s*${label}\\s+\\(lines\\s+(\\d+)\\s+to\\s+(\\d+)\\)`);
  for (const line of lines) {
    const match = range.exec(line);
    if (match) return lines.slice(Number(match[1]) - 1, Number(match[2]));
  }
  throw new Error(`NIST StRD: the header does not give the line range of "${label}"`);
}

function toNumber(token: string): number {
  // Number() accepts the files' Fortran-style forms: 0.165289256198347E-01, 3369180., 63.00000.
  const value = Number(token);
  if (!Number.isFinite(value)) throw new Error(`NIST StRD: "${token}" is not a finite number`);
  return value;
}
