import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { parseFormula } from '../../../src/models/spec/formula.js';
import { runMain } from '../../cli/run.js';

// R writes a categorical predictor as factor(col); here a categorical column is a fixed effect, after the bar. The
// message says so (not "--derive a new column", which cannot make a column categorical).

/** The message parseFormula refuses `text` with. */
function refusal(text: string): string {
  try {
    parseFormula(text);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`parseFormula accepted ${text}`);
}

/** Run the CLI in this process (the shared harness), capturing what it writes. */
const run = (args: readonly string[]) => runMain(args);

describe('factor(col) in a formula', () => {
  it('suggests ending the formula with "| col" when it has no bar', () => {
    const message = refusal('y ~ x + factor(firm)');
    expect(message).toBe(
      'factor(firm) at position 9 cannot appear in a formula: a categorical column enters as a fixed ' +
        'effect, after a bar; drop this term and end the formula with "| firm" (more are joined by "+": "| firm + …")',
    );
    expect(message).not.toMatch(/derive/);
  });

  it('suggests adding "+ col" after the bar when there is one, and knows as.factor', () => {
    expect(refusal('y ~ as.factor(firm) + x | year')).toBe(
      'as.factor(firm) at position 5 cannot appear in a formula: a categorical column enters as a fixed ' +
        'effect, after a bar; drop this term and add "+ firm" after the "|"',
    );
  });

  it('after the bar, asks for the bare column name', () => {
    expect(refusal('y ~ x | year + factor(firm)')).toBe(
      'factor(firm) at position 16: after the "|" a fixed effect is written as its column\'s name alone: ' +
        'firm, not factor(firm)',
    );
  });

  it('other functions keep the --derive advice', () => {
    expect(refusal('y ~ log(x)')).toMatch(/^functions such as log\(\) at position 5 .*--derive/);
  });

  it('the suggested formula is accepted, with firm as a fixed effect', () => {
    const parsed = parseFormula('y ~ x | firm');
    expect(parsed.fixedEffects).toEqual(['firm']);
    expect(parsed.terms.map((t) => t.label)).toEqual(['x']);
  });

  it('through the command line: exit 2, one line naming --formula, nothing read', async () => {
    const result = await run(['decompose', '--formula', 'cpp_rate ~ spend + factor(la)']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'error: --formula "cpp_rate ~ spend + factor(la)": factor(la) at position 20 cannot appear in a formula: ' +
        'a categorical column enters as a fixed effect, after a bar; drop this term and end the formula with "| la" ' +
        '(more are joined by "+": "| la + …")\n',
    );
  });
});
