import { describe, expect, it } from 'vitest';
import { ParameterError } from '../../../src/errors.js';
import { buildModelData, type ModelData } from '../../../src/models/design/modelData.js';
import { enginesOf } from '../../../src/models/engines/engines.js';
import { createGramFitter } from '../../../src/models/engines/gramFitter.js';
import { decompose } from '../../../src/models/methods/decompose.js';
import type { GroupSpec } from '../../../src/models/spec/spec.js';
import { panelFrom, testRandom, thrownBy } from '../../helpers.js';

/**
 * Two edges of `decompose` the mutation run found unpinned: with --control, 24 groups besides the controls are
 * still accepted (the limit is "at most 24", so the run goes on to its next check), and the notes name only
 * numeric columns found aliased — not the indicators of a fixed effect that the QR path reports aliased when a
 * subset is refitted there.
 */

/** `k` numeric groups g0 … g(k−1) of one column each, n rows of independent normals. */
function singles(k: number, n = 40): ModelData {
  const random = testRandom(3);
  const columns: Record<string, number[]> = {};
  const groups: GroupSpec[] = Array.from({ length: k }, (_, g) => {
    columns[`x${g}`] = Array.from({ length: n }, () => random.normal());
    return { name: `g${g}`, kind: 'numeric', columns: [`x${g}`] };
  });
  const y = Array.from({ length: n }, () => random.normal());
  return buildModelData(panelFrom({ ...columns, y }), { outcome: 'y', groups });
}

describe('--control with exactly 24 groups besides the controls', () => {
  it('passes the group limit and stops only at the next check (an order naming no group)', () => {
    const data = singles(25);
    const error = thrownBy(
      () => decompose(data, { method: 'sequential', controls: ['g0'], order: ['nope'] }),
      ParameterError,
    );
    const others = Array.from({ length: 24 }, (_, i) => `g${i + 1}`).join(', ');
    expect(error.message).toBe(`order: names "nope", which is not a group; the groups are ${others}`);
  });
});

describe('notes on aliased terms', () => {
  // Six units of five rows; "copy" is the same partition under other labels, so that its indicators are aliased
  // once "unit" is absorbed; x is a unit-level value plus a 1e-4 wobble, so that after both fixed effects its
  // Gram pivot is about 1e-9 of its sum of squares: too small to trust, and the full model is refitted by QR.
  function duplicatedFixedEffect(): ModelData {
    const random = testRandom(8);
    const unit = Array.from({ length: 30 }, (_, i) => `u${Math.floor(i / 5)}`);
    const copy = unit.map((u) => `c${u}`);
    const x = unit.map((u) => [3, -1, 4, 1, -5, 9][Number(u.slice(1))]! + 1e-4 * random.normal());
    const y = unit.map(() => random.normal());
    return buildModelData(panelFrom({ unit, copy, x, y }), {
      outcome: 'y',
      groups: [
        { name: 'unit', kind: 'fixed-effect', columns: ['unit'] },
        { name: 'copy', kind: 'fixed-effect', columns: ['copy'] },
        { name: 'x', kind: 'numeric', columns: ['x'] },
      ],
    });
  }

  it('the QR refit of the full model reports the duplicate indicators aliased, and no note names them', () => {
    const data = duplicatedFixedEffect();
    const aliased = createGramFitter(data, enginesOf(data)).fit(7).aliased;
    // All six indicators of "copy" lie in the span of the absorbed "unit" (and x, not collinear, is kept).
    expect([...aliased].sort()).toEqual(['copy[1]', 'copy[2]', 'copy[3]', 'copy[4]', 'copy[5]', 'copy[6]']);
    const notes = decompose(data).notes;
    expect(notes.filter((note) => note.includes('is a linear combination'))).toEqual([]);
  });
});
