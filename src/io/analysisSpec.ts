import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { DataError } from '../errors.js';
import type { GroupSpec } from '../models/spec/spec.js';

/**
 * An analysis in one JSON file: everything `decompose` flags can say. Paths are relative to the spec's folder.
 * The schema is documented in the README; unknown keys are errors so that typos do not pass silently.
 */
export interface AnalysisSpec {
  readonly data?: string;
  readonly outcome?: string;
  readonly groups?: readonly GroupSpec[];
  readonly na?: readonly string[];
  readonly method?: string;
  readonly order?: readonly string[];
  readonly bootstrap?: {
    readonly replicates?: number;
    readonly cluster?: string;
    readonly seed?: number;
    readonly ci?: number;
    readonly type?: string;
  };
  readonly expect?: Readonly<Record<string, number>>;
  readonly tolerance?: number;
  readonly expectWithinCi?: boolean;
  readonly compare?: string;
  readonly format?: string;
}

const TOP_KEYS = [
  'data',
  'outcome',
  'groups',
  'na',
  'method',
  'order',
  'bootstrap',
  'expect',
  'tolerance',
  'expectWithinCi',
  'compare',
  'format',
];
const BOOTSTRAP_KEYS = ['replicates', 'cluster', 'seed', 'ci', 'type'];

/** Read and check an analysis spec; `data` comes back resolved against the spec's folder. */
export function readAnalysisSpec(path: string): AnalysisSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DataError(`cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { file: path });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new DataError(`is not valid JSON (${(error as Error).message})`, { file: path });
  }
  const fail = (message: string): never => {
    throw new DataError(message, { file: path });
  };
  const object = (value: unknown, where: string): Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : fail(`${where} must be an object`);
  const spec = object(raw, 'the spec');
  const onlyKeys = (value: Record<string, unknown>, allowed: readonly string[], where: string) => {
    for (const key of Object.keys(value))
      if (!allowed.includes(key)) fail(`unknown key "${key}" in ${where} (allowed: ${allowed.join(', ')})`);
  };
  onlyKeys(spec, TOP_KEYS, 'the spec');
  const string = (value: unknown, key: string) =>
    value === undefined || typeof value === 'string' ? value : fail(`"${key}" must be a string`);
  const number = (value: unknown, key: string) =>
    value === undefined || typeof value === 'number' ? value : fail(`"${key}" must be a number`);
  const strings = (value: unknown, key: string) =>
    value === undefined || (Array.isArray(value) && value.every((v) => typeof v === 'string'))
      ? (value as string[] | undefined)
      : fail(`"${key}" must be a list of strings`);

  const groups =
    spec.groups === undefined
      ? undefined
      : (Array.isArray(spec.groups) ? spec.groups : fail('"groups" must be a list')).map((entry, i): GroupSpec => {
          const group = object(entry, `groups[${i}]`);
          onlyKeys(group, ['name', 'columns', 'fe'], `groups[${i}]`);
          const name = string(group.name, `groups[${i}].name`) ?? fail(`groups[${i}] needs a "name"`);
          if ((group.fe === undefined) === (group.columns === undefined))
            fail(`groups[${i}] ("${name}") needs exactly one of "columns" (numeric) or "fe" (fixed effect)`);
          return group.fe !== undefined
            ? { name, kind: 'fixed-effect', columns: [string(group.fe, `groups[${i}].fe`)!] }
            : { name, kind: 'numeric', columns: strings(group.columns, `groups[${i}].columns`)! };
        });
  const bootstrap = spec.bootstrap === undefined ? undefined : object(spec.bootstrap, '"bootstrap"');
  if (bootstrap) onlyKeys(bootstrap, BOOTSTRAP_KEYS, '"bootstrap"');
  const expect = spec.expect === undefined ? undefined : object(spec.expect, '"expect"');
  if (expect) for (const [key, value] of Object.entries(expect)) number(value, `expect.${key}`);
  const data = string(spec.data, 'data');
  const compact = <T extends object>(value: T): T =>
    Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
  return compact({
    data: data === undefined || data === '-' || isAbsolute(data) ? data : join(dirname(path), data),
    outcome: string(spec.outcome, 'outcome'),
    groups,
    na: strings(spec.na, 'na'),
    method: string(spec.method, 'method'),
    order: strings(spec.order, 'order'),
    bootstrap: bootstrap
      ? compact({
          replicates: number(bootstrap.replicates, 'bootstrap.replicates'),
          cluster: string(bootstrap.cluster, 'bootstrap.cluster'),
          seed: number(bootstrap.seed, 'bootstrap.seed'),
          ci: number(bootstrap.ci, 'bootstrap.ci'),
          type: string(bootstrap.type, 'bootstrap.type'),
        })
      : undefined,
    expect: expect as Record<string, number> | undefined,
    tolerance: number(spec.tolerance, 'tolerance'),
    expectWithinCi:
      spec.expectWithinCi === undefined || typeof spec.expectWithinCi === 'boolean'
        ? (spec.expectWithinCi as boolean | undefined)
        : fail('"expectWithinCi" must be true or false'),
    compare: string(spec.compare, 'compare'),
    format: string(spec.format, 'format'),
  });
}
