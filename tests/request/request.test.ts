import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PARAMETERS, parameterLabel } from '../../src/request/parameters.js';
import { readSpecFile, specSchema } from '../../src/request/specFile.js';
import { runMain, SYNTHETIC_FILE as SYNTHETIC, SYNTHETIC_MODEL } from '../cli/run.js';

/** Run the CLI in this process (the shared harness), capturing what it writes. */
const run = (args: readonly string[]) => runMain(args);

const folder = mkdtempSync(join(tmpdir(), 'cpv-request-'));
let specs = 0;
function spec(content: unknown): string {
  const path = join(folder, `spec-${specs++}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('one checked request: spec values and flags pass the same check, with the same message', () => {
  it.each([
    [{ method: 'lmg' }, ['--method', 'lmg'], '--method / "method": "lmg" is not one of shapley, owen, sequential'],
    [{ method: 'Shapley' }, ['--method', 'Shapley'], '--method / "method": "Shapley" is not one of shapley'],
    [
      { format: 'xml' },
      ['--format', 'xml'],
      '--format / "format": "xml" is not one of table, json, csv, markdown, svg',
    ],
    [
      { bootstrap: { replicates: 10, type: 'BCa' } },
      ['--bootstrap', '10', '--ci-type', 'BCa'],
      '--ci-type / "bootstrap.type": "BCa" is not one of percentile, bca (did you mean bca?)',
    ],
    [
      { bootstrap: { replicates: 10, seed: -1 } },
      ['--bootstrap', '10', '--seed', '-1'],
      '--seed / "bootstrap.seed": must be a whole number from 0 to 4,294,967,295, got',
    ],
    [
      { bootstrap: { replicates: 10, seed: 4294967296 } },
      ['--bootstrap', '10', '--seed', '4294967296'],
      '--seed / "bootstrap.seed": must be a whole number from 0 to 4,294,967,295, got 4294967296',
    ],
    [{ tolerance: -1 }, ['--tolerance', '-1'], '--tolerance / "tolerance": must be a number from 0 to 100, got -1'],
    [
      { bootstrap: { replicates: 1 } },
      ['--bootstrap', '1'],
      '--bootstrap / "bootstrap.replicates": must be a whole number from 2 to 100,000, got 1',
    ],
    [{ samples: 2 }, ['--samples', '2'], '--samples / "samples": must be a whole number from 10 to'],
    [
      { bootstrap: { replicates: 10, ci: 1.5 } },
      ['--bootstrap', '10', '--ci', '1.5'],
      '--ci / "bootstrap.ci": must be a number between 0 and 1, got 1.5',
    ],
    [{ compare: 'ons2020' }, ['--compare', 'ons2020'], '--compare / "compare": "ons2020" is not one of nao2019'],
    [{ minPeriods: 0 }, ['--min-periods', '0'], '--min-periods / "minPeriods": must be a whole number from 1'],
    [{ workers: 0 }, ['--workers', '0'], '--workers / "workers": must be a whole number from 1 to 256, got 0'],
  ])('%j and %j are refused alike (exit 2)', async (content, flags, message) => {
    const fromSpec = await run(['decompose', SYNTHETIC, ...SYNTHETIC_MODEL, '--spec', spec(content)]);
    const fromFlag = await run(['decompose', SYNTHETIC, ...SYNTHETIC_MODEL, ...flags]);
    for (const result of [fromSpec, fromFlag]) {
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(`error: ${message}`);
    }
    expect(fromSpec.stderr).toBe(fromFlag.stderr);
  });

  it('refuses unknown keys, malformed groups and wrong types with the key named', async () => {
    const cases: [unknown, RegExp][] = [
      [{ methd: 'owen' }, /unknown key "methd" in the spec \(allowed: data, groups, outcome/],
      [{ bootstrap: { replicate: 10 } }, /unknown key "replicate" in "bootstrap"/],
      [{ groups: [{ name: 'a' }] }, /groups\[0\] needs exactly one of "columns" \(numeric\) or "fe"/],
      [{ groups: [{ name: 'a', fe: 'la', columns: ['x'] }] }, /groups\[0\] needs exactly one of/],
      [{ expect: { practice: 'x' } }, /--expect \/ "expect": practice: must be a number/],
      [{ exact: 'yes' }, /--exact \/ "exact": must be true or false, got "yes"/],
      [[1, 2], /the spec must be object/],
      ['{"method": ', /is not valid JSON/],
    ];
    for (const [content, pattern] of cases) {
      const result = await run(['decompose', SYNTHETIC, '--spec', spec(content)]);
      expect(result.status, JSON.stringify(content)).toBe(2);
      expect(result.stderr).toMatch(pattern);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });

  it('refuses a spec that is a folder, a device or over 1 MiB without reading it all', async () => {
    for (const path of [folder, '/dev/zero', spec(`{"title": "${'x'.repeat(1024 * 1024)}"}`)]) {
      const result = await run(['decompose', SYNTHETIC, '--spec', path]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/is a folder|is larger than 1024 KiB/);
    }
  });

  it(
    'lets a spec say everything the command line can: derive, formula, groupOf, weights, minPeriods, ' +
      'logOutcome, na, by',
    async () => {
      const json = async (args: readonly string[]) => {
        const result = await run([...args, '--format', 'json']);
        expect(result.stderr).not.toMatch(/error/);
        expect(result.status).toBe(0);
        return JSON.parse(result.stdout);
      };
      const flags = await json([
        'decompose',
        SYNTHETIC,
        '--derive',
        'spend2 = spend / 100',
        '--derive',
        'w = 1 + idaci',
        '--formula',
        'cpp_rate ~ idaci + spend2 + vacancy | la + year',
        '--group-of',
        'resources=spend2,vacancy',
        '--weights',
        'w',
        '--min-periods',
        '3',
        '--log-outcome',
        '--na',
        '..',
      ]);
      const fromSpec = await json([
        'decompose',
        '--spec',
        spec({
          data: join(process.cwd(), SYNTHETIC),
          derive: ['spend2 = spend / 100', 'w = 1 + idaci'],
          formula: 'cpp_rate ~ idaci + spend2 + vacancy | la + year',
          groupOf: ['resources=spend2,vacancy'],
          weights: 'w',
          minPeriods: 3,
          logOutcome: true,
          na: ['..'],
        }),
      ]);
      expect(fromSpec.groups.length).toBe(4);
      expect(fromSpec.groups).toEqual(flags.groups);
      expect(fromSpec.r2).toBe(flags.r2);
      const byFlags = await json(['decompose', SYNTHETIC, ...SYNTHETIC_MODEL.slice(2), '--by', 'year']);
      const bySpec = await json(['decompose', SYNTHETIC, ...SYNTHETIC_MODEL.slice(2), '--spec', spec({ by: 'year' })]);
      expect(bySpec.splits.length).toBeGreaterThan(1);
      expect(bySpec).toEqual(byFlags);
    },
  );

  it("lets flags override the spec, and resolves the spec's paths against its folder", async () => {
    const path = spec({
      method: 'owen',
      data: join(process.cwd(), SYNTHETIC),
      groups: [
        { name: 'practice', fe: 'la' },
        { name: 'deprivation', columns: ['idaci'] },
      ],
    });
    const result = await run(['decompose', '--spec', path, '--method', 'unique', '--format', 'json']);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).method).toBe('unique');
    expect(readSpecFile(spec({ data: 'd.csv', output: 'out.csv' })).values.get('output')).toBe(join(folder, 'out.csv'));
  });
});

describe('errors raised below the command line name the parameter; the command line adds its flag and key', () => {
  it('names flag and spec key in decompose, the flag alone in commands without a spec', async () => {
    const fromSpec = await run(['decompose', SYNTHETIC, ...SYNTHETIC_MODEL, '--spec', spec({ expect: { foo: 3 } })]);
    const fromFlag = await run(['decompose', SYNTHETIC, ...SYNTHETIC_MODEL, '--expect', 'foo=3']);
    for (const result of [fromSpec, fromFlag]) {
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(
        'error: --expect / "expect": names "foo", which is not a group; the groups are practice, deprivation, ' +
          'policy, resources, unexplained\n',
      );
    }
    const weights = await run(['decompose', SYNTHETIC, ...SYNTHETIC_MODEL, '--spec', spec({ weights: 'idaci' })]);
    expect(weights.stderr).toMatch(
      /^error: --weights \/ "weights": idaci: the weights column cannot also be the outcome/,
    );
    const fit = await run(['fit', SYNTHETIC, ...SYNTHETIC_MODEL, '--no-intercept']);
    expect(fit.status).toBe(2);
    expect(fit.stderr).toMatch(
      /^error: --no-intercept: leaving out the intercept applies only to models without fixed effects/,
    );
    const simulate = await run([
      'simulate',
      '--seed',
      '1',
      '--shares',
      'practice=90,deprivation=15,policy=10,resources=6',
    ]);
    expect(simulate.stderr).toBe(
      'error: --shares: add up to 121%; they must leave some variance unexplained (below 100)\n',
    );
  });
});

describe('derived columns come before the model reads its columns', () => {
  const shares = async (args: readonly string[]) => {
    const result = await run(['decompose', ...args, '--format', 'json']);
    expect(result.stderr).not.toMatch(/error/);
    expect(result.status).toBe(0);
    return JSON.parse(result.stdout).groups.map((g: { share: number }) => g.share) as number[];
  };

  it('a derived column can be a fixed effect (a copy of a key is read as a category)', async () => {
    const direct = await shares([
      SYNTHETIC,
      '--fe',
      'practice=la',
      '--group',
      'deprivation=idaci',
      '--fe',
      'policy=year',
    ]);
    const derived = await shares([
      SYNTHETIC,
      '--derive',
      'yr = year',
      '--fe',
      'practice=la',
      '--group',
      'deprivation=idaci',
      '--fe',
      'policy=yr',
    ]);
    expect(direct).toHaveLength(3);
    expect(derived).toEqual(direct);
  });

  it('a derivation can read a column that the model uses as a fixed effect', async () => {
    const direct = await shares([
      SYNTHETIC,
      '--fe',
      'practice=la',
      '--group',
      'deprivation=idaci',
      '--fe',
      'policy=year',
    ]);
    // idaci + 0 * year is idaci: the derivation reads year as a number while the model reads it as a category.
    const derived = await shares([
      SYNTHETIC,
      '--derive',
      'd = idaci + 0 * year',
      '--fe',
      'practice=la',
      '--group',
      'deprivation=d',
      '--fe',
      'policy=year',
    ]);
    expect(derived).toHaveLength(3);
    for (const [i, share] of derived.entries()) expect(share).toBeCloseTo(direct[i]!, 12);
  });
});

describe('the published JSON Schema of the spec', () => {
  it('is the one generated from the parameter table', () => {
    const published = JSON.parse(readFileSync('docs/analysis-spec.schema.json', 'utf8'));
    expect(published).toEqual(JSON.parse(JSON.stringify(specSchema('decompose'))));
  });

  it('has a property for every decompose parameter that has a spec key', () => {
    const properties = specSchema('decompose').properties as Record<string, { properties?: Record<string, unknown> }>;
    const keyed = PARAMETERS.decompose.filter((p) => p.key !== undefined);
    expect(keyed.length).toBeGreaterThan(20);
    for (const parameter of keyed) {
      const [head, tail] = parameter.key!.split('.');
      const entry = properties[head!];
      expect(entry, parameterLabel(parameter)).toBeDefined();
      if (tail !== undefined) expect(entry!.properties![tail], parameterLabel(parameter)).toBeDefined();
    }
  });
});

describe('JSON a pipeline can trust', () => {
  it('gives every fraction a percent twin, and records the --expect checks with their verdicts', async () => {
    const result = await run([
      'decompose',
      'fixtures/nao-2019-synthetic.csv',
      '--spec',
      'fixtures/nao-2019-analysis.json',
      '--bootstrap',
      '20',
      '--expect',
      'practice=44,deprivation=30',
      '--format',
      'json',
    ]);
    expect(result.status).toBe(3);
    const json = JSON.parse(result.stdout);
    expect(json.r2Percent).toBe(json.r2 * 100);
    expect(json.groups).toHaveLength(4);
    for (const group of [...json.groups, json.unexplained]) {
      for (const name of ['se', 'ciLow', 'ciHigh', 'published']) {
        expect(typeof group[name]).toBe('number');
        expect(group[`${name}Percent`]).toBe(group[name] * 100);
      }
    }
    expect(json.expect).toEqual({
      tolerance: 1,
      withinInterval: false,
      passed: false,
      checks: [
        { name: 'practice', expectedPercent: 44, gotPercent: json.groups[0].percent, passed: true },
        { name: 'deprivation', expectedPercent: 30, gotPercent: json.groups[1].percent, passed: false },
      ],
    });
  });
});

describe('a bootstrap that would take hours is refused before it starts', () => {
  it('refuses from the measured time of one decomposition, and lets a feasible one run', async () => {
    const { refuseLongBootstrap } = await import('../../src/commands/decompose.js');
    expect(() => refuseLongBootstrap(100_000, 0.2, 2)).toThrow(
      'bootstrap: 100000 replicates would take about 2.8 hours here (one decomposition takes 0.20 s); ' +
        'ask for fewer replicates',
    );
    expect(() => refuseLongBootstrap(1000, 0.2, 2)).not.toThrow();
    expect(() => refuseLongBootstrap(36_000, 0.1, 1)).not.toThrow();
    expect(() => refuseLongBootstrap(36_001, 0.1, 1)).toThrow(/1\.0 hours/);
  });
});

describe('a Monte Carlo estimate that would take hours is refused before it starts', () => {
  it('estimates the time of --samples N from the model and refuses beyond an hour', async () => {
    const { sampledShapleySeconds } = await import('../../src/models/engines/sampledShapley.js');
    const shape = (columns: number, fixed: number) =>
      ({
        groups: [
          ...Array.from({ length: columns }, (_, j) => ({ kind: 'numeric', name: `x${j}`, columns: [`x${j}`] })),
          ...Array.from({ length: fixed }, (_, j) => ({ kind: 'fixed-effect', name: `f${j}`, columns: [`f${j}`] })),
        ],
      }) as never;
    // m = 41: 41² × 40 multiply-adds per order at 1.15 ns, and 40 entries at 150 ns.
    expect(sampledShapleySeconds(shape(40, 0), 1000)).toBeCloseTo(1000 * (41 * 41 * 40 * 1.15e-9 + 40 * 1.5e-7), 12);
    expect(sampledShapleySeconds(shape(2, 1), 10)).toBeCloseTo(10 * (9 * (2 + 3) * 1.15e-9 + 3 * 1.5e-7), 15);
    const folder = mkdtempSync(join(tmpdir(), 'cpv-samples-'));
    const names = Array.from({ length: 100 }, (_, j) => `x${j}`);
    const rows = Array.from({ length: 120 }, (_, i) => [
      i % 7,
      ...names.map((_, j) => ((i * 31 + j * 17) % 101) / 101),
    ]);
    const wide = join(folder, 'wide.csv');
    writeFileSync(wide, `y,${names.join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    const result = await run(['decompose', wide, '--formula', `y ~ ${names.join(' + ')}`, '--samples', '10000000']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(
        '^error: --samples / "samples": 10000000 random orders of 100 groups would take about \\d+\\.\\d ' +
          'hours here; ask for fewer',
      ),
    );
  });
});
