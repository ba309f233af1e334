import { describe, expect, it } from 'vitest';
import { DEFAULT_SPEC, formulaArguments, SIMULATED_SPEC } from '../../src/models/spec/spec.js';
import { runMain } from '../cli/run.js';

/** Run the CLI in this process (the shared harness), capturing what it writes. */
const run = (args: readonly string[]) => runMain(args);

const asFormula = (spec: typeof DEFAULT_SPEC) => {
  const { formula, groupOf } = formulaArguments(spec);
  return ['--formula', formula, ...groupOf.flatMap((g) => ['--group-of', g])];
};

describe('the formula route builds the same model as the flag route', () => {
  it('the default model: same groups, names, order and numbers', async () => {
    expect(formulaArguments(DEFAULT_SPEC)).toEqual({
      formula: 'cpp_rate ~ child_poverty + spend + vacancy | la + year',
      groupOf: ['practice=la', 'deprivation=child_poverty', 'policy=year', 'resources=spend,vacancy'],
    });
    const byDefault = await run(['decompose', '--format', 'json']);
    const byFormula = await run(['decompose', ...asFormula(DEFAULT_SPEC), '--format', 'json']);
    expect(byDefault.status).toBe(0);
    expect(byFormula.status).toBe(0);
    const [a, b] = [JSON.parse(byDefault.stdout), JSON.parse(byFormula.stdout)];
    expect(a.groups.map((g: { name: string }) => g.name)).toEqual(['practice', 'deprivation', 'policy', 'resources']);
    expect(b).toEqual(a);
  });

  it('--expect and --compare match the same groups either way', async () => {
    const file = 'fixtures/nao-2019-synthetic.csv';
    const flags = [
      '--fe',
      'practice=la',
      '--group',
      'deprivation=idaci',
      '--fe',
      'policy=year',
      '--group',
      'resources=spend,vacancy',
    ];
    const checks = [
      '--expect',
      'practice=44,deprivation=15,policy=10,resources=6,unexplained=25',
      '--tolerance',
      '1',
      '--compare',
      'nao2019',
    ];
    const byFlags = await run(['decompose', file, ...flags, ...checks, '--format', 'json']);
    const byFormula = await run(['decompose', file, ...asFormula(SIMULATED_SPEC), ...checks, '--format', 'json']);
    expect(byFlags.status).toBe(0);
    expect(byFormula.status).toBe(byFlags.status);
    const [a, b] = [JSON.parse(byFlags.stdout), JSON.parse(byFormula.stdout)];
    expect(a.expect.checks).toHaveLength(5);
    expect(b.expect).toEqual(a.expect);
    expect(b.groups).toEqual(a.groups);
    const miss = ['--expect', 'practice=10'];
    expect((await run(['decompose', file, ...asFormula(SIMULATED_SPEC), ...miss])).status).toBe(3);
  });

  it('--group-of names a fixed effect alone, sets the order, and refuses a fixed effect mixed with terms', async () => {
    const file = 'fixtures/nao-2019-synthetic.csv';
    const result = await run([
      'decompose',
      file,
      '--formula',
      'cpp_rate ~ idaci + spend | la',
      '--group-of',
      'practice=la',
      '--format',
      'json',
    ]);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).groups.map((g: { name: string; kind: string }) => `${g.name}:${g.kind}`)).toEqual([
      'practice:fixed-effect',
      'idaci:numeric',
      'spend:numeric',
    ]);
    const mixed = await run(['decompose', file, '--formula', 'cpp_rate ~ idaci | la', '--group-of', 'x=la,idaci']);
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toBe(
      'error: --group-of / "groupOf": x: the fixed effect "la" is a group of its own; name it alone (x=la)\n',
    );
  });
});
