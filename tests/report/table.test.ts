import { describe, expect, it } from 'vitest';
import { loadModelData } from '../../src/commands/data.js';
import { bootstrapDecomposition } from '../../src/models/bootstrap/bootstrap.js';
import { decompose } from '../../src/models/methods/decompose.js';
import { bar, renderDecompositionTable, whiskerBar } from '../../src/report/table.js';
import { SYNTHETIC_OPTIONS } from '../helpers.js';

describe('terminal table', () => {
  const loaded = loadModelData({ ...SYNTHETIC_OPTIONS, cluster: 'la' });
  const result = decompose(loaded.data);
  const bootstrap = bootstrapDecomposition(loaded.data, result, {
    replicates: 20,
    seed: 1,
    level: 0.95,
    type: 'percentile',
    decompose: { method: 'shapley' },
  });

  it.each([80, 100, 140])('fits every line in a %i-column terminal (bars shrink, down to 10 cells)', (width) => {
    for (const report of [
      { result, file: loaded.file },
      { result, file: 'x.csv', bootstrap },
    ]) {
      const text = renderDecompositionTable(report, { color: false, terminalWidth: width });
      const barLines = text.split('\n').filter((line) => /[█▏▎▍▌▋▊▉┤]/.test(line));
      expect(barLines.length).toBeGreaterThan(0);
      for (const line of barLines) expect([...line].length).toBeLessThanOrEqual(width);
    }
  });

  it('draws bars to an eighth of a cell, and whiskers from the low end through the estimate to the high end', () => {
    expect(bar(0.5, 10)).toBe('█████');
    expect(bar(0.0625, 10)).toBe('▋'); // 0.625 of a cell = 5 eighths
    expect(bar(-0.2, 10)).toBe('');
    expect(whiskerBar(0.4, { se: 0, low: 0.3, high: 0.6 }, 10)).toBe('███▓─┤');
  });
});
