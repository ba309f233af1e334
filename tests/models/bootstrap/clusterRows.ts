/**
 * Panel rows for the bootstrap tests, and the independent resampler they check the code against: written here
 * from the definition of the cluster bootstrap (draw whole authorities with replacement; each drawn copy is an
 * authority of its own), not from the code under test.
 */

/** Rows of a panel: authority, year, two predictors and the outcome. */
export interface Rows {
  la: string[];
  year: string[];
  x1: number[];
  x2: number[];
  y: number[];
}

/** The rows of each drawn cluster (index into the authorities in order of appearance), relabelled per copy. */
export function resampledRows(source: Rows, draws: readonly number[]): Rows {
  const labels = [...new Set(source.la)];
  const out: Rows = { la: [], year: [], x1: [], x2: [], y: [] };
  draws.forEach((cluster, copy) => {
    source.la.forEach((la, i) => {
      if (la !== labels[cluster]) return;
      out.la.push(`${la}#${copy}`);
      out.year.push(source.year[i]!);
      out.x1.push(source.x1[i]!);
      out.x2.push(source.x2[i]!);
      out.y.push(source.y[i]!);
    });
  });
  return out;
}
