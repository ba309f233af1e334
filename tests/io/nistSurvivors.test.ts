import { describe, expect, it } from 'vitest';
import { parseNistDataset } from '../../src/io/nist.js';

/**
 * The NIST StRD reader on small hand-built files: the mutation run found its refusals (missing certified values,
 * ragged data rows, a wrong observation count, a missing line range, a token that is not a number) never run, and
 * the header patterns (dataset name, predictor and observation counts) and line handling (LF endings, blank data
 * lines, parameter rows only at a line's start) unchecked, because the real files all share one layout.
 */

interface Parts {
  readonly header?: readonly string[];
  readonly certified?: readonly string[];
  readonly data?: readonly string[];
  readonly newline?: string;
}

const CERTIFIED = [
  '        B0        1.5     0.25',
  '        B1        2.0E-01 0.5E-02',
  '     Residual',
  '     Standard Deviation   0.75',
  '     R-Squared            0.98',
];
const DATA = ['  3.0  1', '  5.0  2', '  6.5  3'];
const HEADER = [
  'Dataset Name:  Tiny (Tiny.dat)',
  '               1 Predictor Variable (x)',
  '               3 Observations',
];

/**
 * A StRD-like file: a title, the two line-range lines, the header lines, then the certified and data blocks, the
 * ranges pointing at those blocks.
 */
function strd({ header = HEADER, certified = CERTIFIED, data = DATA, newline = '\r\n' }: Parts = {}): string {
  const certStart = 4 + header.length;
  const dataStart = certStart + certified.length;
  const lines = [
    'NIST/ITL StRD',
    `               Certified Values  (lines ${certStart} to ${dataStart - 1})`,
    `               Data              (lines ${dataStart} to ${dataStart + data.length - 1})`,
    ...header,
    ...certified,
    ...data,
  ];
  return lines.join(newline) + newline;
}

describe('parseNistDataset on a well-formed file', () => {
  it('reads the name, the certified values and the data, with CRLF line endings', () => {
    expect(parseNistDataset(strd())).toEqual({
      name: 'Tiny',
      model: 'linear',
      degree: 1,
      predictors: 1,
      certified: { coefficients: [1.5, 0.2], standardErrors: [0.25, 0.005], residualSD: 0.75, r2: 0.98 },
      x: [[1], [2], [3]],
      y: [3, 5, 6.5],
    });
  });

  it('reads a file with LF line endings the same', () => {
    expect(parseNistDataset(strd({ newline: '\n' }))).toEqual(parseNistDataset(strd()));
  });

  it('leaves out empty and white-space-only lines of the data block', () => {
    const parsed = parseNistDataset(strd({ data: ['  3.0  1', '', '     ', '  5.0  2', '\t', '  6.5  3'] }));
    expect(parsed.y).toEqual([3, 5, 6.5]);
    expect(parsed.x).toEqual([[1], [2], [3]]);
  });

  it('takes a parameter row only where B<k> starts the line', () => {
    const certified = [...CERTIFIED, '     Sum of squares for B2   7.0   8.0'];
    expect(parseNistDataset(strd({ certified })).certified.coefficients).toEqual([1.5, 0.2]);
  });

  it('a name is the first word after "Dataset Name:" and its spaces; none when the header has none', () => {
    expect(parseNistDataset(strd({ header: ['Dataset Name:  Norris (Norris.dat)', ...HEADER.slice(1)] })).name).toBe(
      'Norris',
    );
    expect(parseNistDataset(strd({ header: ['Dataset Name: Longley', ...HEADER.slice(1)] })).name).toBe('Longley');
    expect(parseNistDataset(strd({ header: HEADER.slice(1) })).name).toBeUndefined();
  });

  it('without a predictor count the data have one predictor; without an observation count any number of rows', () => {
    const parsed = parseNistDataset(strd({ header: [] }));
    expect(parsed.predictors).toBe(1);
    expect(parsed.y).toEqual([3, 5, 6.5]);
    expect(parsed.name).toBeUndefined();
  });

  it('reads counts of several digits and several spaces before "Predictor Variables" and "Observations"', () => {
    const predictors = 12;
    const data = [0, 1].map((r) =>
      [String(r), ...Array.from({ length: predictors }, (_, k) => String(k + r))].join(' '),
    );
    const parsed = parseNistDataset(
      strd({ header: [`   ${predictors}   Predictor Variables`, '   2   Observations'], data }),
    );
    expect(parsed.predictors).toBe(12);
    expect(parsed.model).toBe('linear');
    expect(parsed.x).toHaveLength(2);
    expect(parsed.x[1]).toEqual(Array.from({ length: predictors }, (_, k) => k + 1));
    expect(parsed.y).toEqual([0, 1]);
  });
});

describe('parseNistDataset refuses a damaged file', () => {
  const lacks = 'NIST StRD: the certified block lacks parameters, residual standard deviation or R-squared';

  it.each([
    ['no parameter row', CERTIFIED.slice(2)],
    ['no residual standard deviation', [...CERTIFIED.slice(0, 3), CERTIFIED[4]!]],
    ['no R-squared', CERTIFIED.slice(0, 4)],
    ['nothing', ['']],
  ])('certified block with %s', (_, certified) => {
    expect(() => parseNistDataset(strd({ certified }))).toThrow(new Error(lacks));
  });

  it('a data row with too few or too many values', () => {
    expect(() => parseNistDataset(strd({ data: ['3.0 1', '5.0', '6.5 3'] }))).toThrow(
      new Error('NIST StRD: a data row has 1 values, expected 2'),
    );
    expect(() => parseNistDataset(strd({ data: ['3.0 1', '5.0 2 9', '6.5 3'] }))).toThrow(
      new Error('NIST StRD: a data row has 3 values, expected 2'),
    );
  });

  it('a data block whose rows are not as many as the header announces', () => {
    expect(() => parseNistDataset(strd({ data: DATA.slice(0, 2) }))).toThrow(
      new Error('NIST StRD: the header announces 3 observations but the data block has 2'),
    );
    // Several spaces before "Observations", as the certified blocks align their text.
    expect(() => parseNistDataset(strd({ header: ['   4    Observations'] }))).toThrow(
      new Error('NIST StRD: the header announces 4 observations but the data block has 3'),
    );
  });

  it('a header without the line range of a block', () => {
    const text = strd();
    expect(() => parseNistDataset(text.replace('Data              (lines', 'Data (rows'))).toThrow(
      new Error('NIST StRD: the header does not give the line range of "Data"'),
    );
    expect(() => parseNistDataset(text.replace('Certified Values  (lines', 'Certified Values (rows'))).toThrow(
      new Error('NIST StRD: the header does not give the line range of "Certified Values"'),
    );
  });

  it('a token that is not a finite number', () => {
    const certified = ['        B0        1.5     abc', ...CERTIFIED.slice(1)];
    expect(() => parseNistDataset(strd({ certified }))).toThrow(new Error('NIST StRD: "abc" is not a finite number'));
    expect(() => parseNistDataset(strd({ data: ['3.0 1', '5.0 Infinity', '6.5 3'] }))).toThrow(
      new Error('NIST StRD: "Infinity" is not a finite number'),
    );
  });
});
