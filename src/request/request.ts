/**
 * One checked request per command: flags (and, for `decompose`, a spec file) turned into typed, validated
 * options before any data are read. Every value passes its parameter's value type, whether it came from a flag
 * or a spec key; flags override the spec; defaults come from the parameter table.
 */
import { availableParallelism } from 'node:os';
import { UsageError } from '../errors.js';
import type { GroupSpec } from '../models/spec/spec.js';
import type { DataOptions } from '../commands/data.js';
import type { DecomposeOptions, PermutationSettings } from '../commands/decompose.js';
import type { FitCommandOptions } from '../commands/fit.js';
import type { SmallSampleRule } from '../models/fit/smallSample.js';
import type { ReportOptions } from '../commands/report.js';
import type {
  DedupeCommandOptions,
  DeriveCommandOptions,
  DescribeCommandOptions,
  JoinCommandOptions,
  StackCommandOptions,
} from '../commands/tables.js';
import type { Keep } from '../io/keep.js';
import type { SimulateOptions } from '../commands/simulate.js';
import { FORMAT_NAMES } from '../report/formatNames.js';
import { PARAMETERS, parameterLabel, type CommandName, type Parameter } from './parameters.js';
import type { SpecValues } from './specFile.js';
import { ValueProblem } from './values.js';
import { whereCondition } from '../models/spec/condition.js';
import type { Verbosity } from '../input/pipeline.js';

/** What the command line gave: raw flag texts by parameter name (lists for repeatable flags), groups, files. */
export interface GivenFlags {
  readonly values: ReadonlyMap<string, string | readonly string[] | boolean>;
  /** --group/--fe in the order given. */
  readonly groups?: readonly GroupSpec[];
  /** The FILE argument (model commands, describe, derive). */
  readonly file?: string;
  /** The FILES arguments (join, stack). */
  readonly files?: readonly string[];
}

/** Values resolved for one command: flag, else spec, else default. */
class ResolvedValues {
  private readonly values = new Map<string, unknown>();
  private readonly fromFlags = new Set<string>();

  constructor(command: CommandName, given: GivenFlags, spec?: SpecValues) {
    for (const parameter of PARAMETERS[command]) {
      const raw = given.values.get(parameter.name);
      if (raw !== undefined) {
        this.values.set(parameter.name, fromFlag(parameter, raw, command));
        this.fromFlags.add(parameter.name);
      } else if (spec?.values.has(parameter.name)) {
        this.values.set(parameter.name, spec.values.get(parameter.name));
      } else if (parameter.default !== undefined) {
        this.values.set(parameter.name, parameter.default);
      }
    }
  }

  get<T>(name: string): T | undefined {
    return this.values.get(name) as T | undefined;
  }

  /** Whether the value was given on the command line (rather than by the spec or the default). */
  given(name: string): boolean {
    return this.fromFlags.has(name);
  }
}

function fromFlag(parameter: Parameter, raw: string | readonly string[] | boolean, command: CommandName): unknown {
  try {
    if (typeof raw === 'boolean') return raw;
    if (typeof raw === 'string') return parameter.type.fromText(raw);
    return raw.flatMap((text) => parameter.type.fromText(text) as readonly unknown[]);
  } catch (error) {
    if (error instanceof ValueProblem) throw new UsageError(`${parameterLabel(parameter, command)}: ${error.message}`);
    throw error;
  }
}

const defined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/** Where a request's output goes and which files it reads (none may be written over). */
export interface Destination {
  readonly output?: string;
  /** Every file the command reads: the input (or the default dataset), the spec, each joined file. */
  readonly inputs: readonly string[];
}

/** Remarks about the request for standard error (e.g. a thread count reduced to the number of cores). */
export interface Checked<T> {
  readonly options: T;
  readonly destination: Destination;
  readonly notes: readonly string[];
}

/** How much a command says on standard error about how each file was read: --quiet, default, --verbose. */
function verbosityOf(values: ResolvedValues): Verbosity {
  const quiet = values.get<boolean>('quiet') === true;
  const verbose = values.get<boolean>('verbose') === true;
  if (quiet && verbose) throw new UsageError('--quiet and --verbose ask for opposite things; give one of them');
  return quiet ? 'quiet' : verbose ? 'verbose' : 'summary';
}

/** The model part of a request: the data options of decompose, fit and report. */
function modelOptions(values: ResolvedValues, given: GivenFlags, spec?: SpecValues): DataOptions {
  const flagsGiveModel = (given.groups?.length ?? 0) > 0 || values.given('formula');
  const groups = flagsGiveModel ? (given.groups ?? []) : (spec?.groups ?? []);
  const formula = flagsGiveModel && !values.given('formula') ? undefined : values.get<string>('formula');
  if (formula !== undefined && groups.length > 0) {
    throw new UsageError('give the model either as --formula / "formula" or as --group, --fe / "groups", not both');
  }
  const file = given.file ?? spec?.data;
  return defined({
    file,
    outcome: values.get<string>('outcome'),
    groups,
    missingTokens: values.get<readonly string[]>('na') ?? [],
    formula,
    groupOf: values.get<readonly string[]>('groupOf'),
    derive: values.get<readonly string[]>('derive'),
    weights: values.get<string>('weights'),
    logOutcome: values.get<boolean>('logOutcome') || undefined,
    minPeriods: values.get<number>('minPeriods'),
    level: values.get<string>('level'),
    where: checkedWhere(values),
    ...workbookOptions(values),
    verbosity: verbosityOf(values),
  });
}

/** The row filter, parsed now so that a malformed condition is refused before any data are read. */
function checkedWhere(values: ResolvedValues): string | undefined {
  const where = values.get<string>('where');
  if (where !== undefined) whereCondition(where);
  return where;
}

/** How every command reads its files: --sheet, --skip and --allow-unnamed, where given. */
function workbookOptions(values: ResolvedValues): { sheet?: string; skip?: number; allowUnnamed?: boolean } {
  return defined({
    sheet: values.get<string>('sheet'),
    skip: values.get<number>('skip'),
    allowUnnamed: values.get<boolean>('allowUnnamed') || undefined,
  });
}

function inputsOf(file: string | undefined, defaultDataset: string, spec?: SpecValues): string[] {
  return [file ?? defaultDataset, ...(spec ? [spec.path] : [])];
}

/** Threads: as asked, but no more than the machine has cores (more would only add overhead). */
function workersOf(values: ResolvedValues, notes: string[]): number | undefined {
  const asked = values.get<number>('workers');
  const cores = availableParallelism();
  if (asked === undefined || asked <= cores) return asked;
  notes.push(`--workers ${asked}: this machine has ${cores} cores; using ${cores}`);
  return cores;
}

export type DecomposeRequest = Omit<DecomposeOptions, 'color' | 'terminalWidth' | 'onProgress'> & {
  readonly quiet: boolean;
};

/** `decompose`: flags over the spec, checked together. */
export function decomposeRequest(
  given: GivenFlags,
  defaultDataset: string,
  spec?: SpecValues,
): Checked<DecomposeRequest> {
  const values = new ResolvedValues('decompose', given, spec);
  const notes: string[] = [];
  const data = modelOptions(values, given, spec);
  const replicates = values.get<number>('bootstrap');
  const expect = values.get<Record<string, number>>('expect');
  const expectWithinCi = values.get<boolean>('expectWithinCi') === true;
  if (expectWithinCi && replicates === undefined)
    throw new UsageError('--expect-within-ci / "expectWithinCi" needs --bootstrap B / "bootstrap.replicates"');
  if (expectWithinCi && expect === undefined)
    throw new UsageError('--expect-within-ci / "expectWithinCi" needs --expect NAME=PERCENT,... / "expect"');
  const seed = values.get<number>('seed')!;
  const cluster = values.get<string>('cluster');
  if (cluster !== undefined && replicates === undefined)
    throw new UsageError('--cluster / "bootstrap.cluster" is the resampling unit of --bootstrap; give --bootstrap B');
  const permutations = permutationSettings(values, seed, true);
  const controls = values.get<readonly string[]>('controls');
  if (controls !== undefined) {
    const refused = [
      ['bootstrap', replicates !== undefined],
      ['permutations', permutations !== undefined],
      ['adjusted', values.get<boolean>('adjusted') === true],
      ['by', values.get<string>('by') !== undefined],
      ['compare', values.get<string>('compare') !== undefined],
      ['samples', values.get<number>('samples') !== undefined],
    ] as const;
    const given = refused.filter(([, on]) => on).map(([name]) => name);
    if (given.length > 0)
      throw new UsageError(`--control / "controls" does not yet combine with ${given.map((n) => `"${n}"`).join(', ')}`);
  }
  const options: DecomposeRequest = defined({
    ...data,
    method: values.get('method')!,
    order: values.get<readonly string[]>('order'),
    controls,
    format: values.get('format')!,
    title: values.get<string>('title'),
    bootstrap:
      replicates === undefined
        ? undefined
        : defined({ replicates, cluster, seed, level: values.get<number>('ci')!, type: values.get('ciType')! }),
    permutations,
    adjusted: values.get<boolean>('adjusted') || undefined,
    expect: expect && Object.entries(expect).map(([name, percent]) => ({ name, percent })),
    tolerance: values.get<number>('tolerance')!,
    expectWithinCi,
    compare: values.get<string>('compare'),
    exact: values.get<boolean>('exact') || undefined,
    samples: values.get<number>('samples'),
    by: values.get<string>('by'),
    sort: values.get('sort')!,
    workers: workersOf(values, notes),
    seed,
    quiet: values.get<boolean>('quiet') === true,
  }) as DecomposeRequest;
  const output = values.get<string>('output');
  return { options, destination: defined({ output, inputs: inputsOf(data.file, defaultDataset, spec) }), notes };
}

/** --permutations B (with --permute-within and the seed), checked; `spec`: whether the command reads a spec. */
function permutationSettings(values: ResolvedValues, seed: number, spec: boolean): PermutationSettings | undefined {
  const permutations = values.get<number>('permutations');
  const within = values.get<string>('permuteWithin');
  if (within !== undefined && permutations === undefined) {
    throw new UsageError(
      spec
        ? '--permute-within / "permuteWithin" sets the blocks of --permutations; give --permutations B / "permutations"'
        : '--permute-within sets the blocks of --permutations; give --permutations B',
    );
  }
  return permutations === undefined ? undefined : defined({ permutations, within, seed });
}

export type FitRequest = FitCommandOptions;

export function fitRequest(given: GivenFlags, defaultDataset: string): Checked<FitRequest> {
  const values = new ResolvedValues('fit', given);
  const data = modelOptions(values, given);
  const cluster = values.get<string>('cluster');
  const ssc = values.get<SmallSampleRule>('ssc')!;
  if (ssc !== 'lm' && cluster === undefined)
    throw new UsageError(
      `--ssc ${ssc} chooses the small-sample factor of cluster-robust standard errors; give --cluster`,
    );
  const options: FitRequest = defined({
    ...data,
    cluster,
    intercept: values.get<boolean>('intercept') !== false,
    showFixedEffects: values.get<boolean>('showFe') === true,
    ssc,
    rankTolerance: values.get<number>('rankTolerance')!,
    format: values.get('format')!,
  }) as FitRequest;
  return {
    options,
    destination: defined({ output: values.get<string>('output'), inputs: inputsOf(data.file, defaultDataset) }),
    notes: [],
  };
}

export type ReportRequest = Omit<ReportOptions, 'command' | 'onProgress'> & { readonly quiet: boolean };

export function reportRequest(given: GivenFlags, defaultDataset: string): Checked<ReportRequest> {
  const values = new ResolvedValues('report', given);
  const data = modelOptions(values, given);
  const replicates = values.get<number>('bootstrap');
  const cluster = values.get<string>('cluster');
  if (cluster !== undefined && replicates === undefined)
    throw new UsageError('--cluster is the resampling unit of --bootstrap; give --bootstrap B');
  const seed = values.get<number>('seed')!;
  const options: ReportRequest = defined({
    ...data,
    permutations: permutationSettings(values, seed, false),
    bootstrap:
      replicates === undefined
        ? undefined
        : defined({
            replicates,
            cluster,
            seed,
            level: values.get<number>('ci')!,
            type: values.get('ciType')!,
          }),
    title: values.get<string>('title'),
    quiet: values.get<boolean>('quiet') === true,
  }) as ReportRequest;
  return {
    options,
    destination: defined({ output: values.get<string>('output'), inputs: inputsOf(data.file, defaultDataset) }),
    notes: [],
  };
}

export function describeRequest(given: GivenFlags, defaultDataset: string): Checked<DescribeCommandOptions> {
  const values = new ResolvedValues('describe', given);
  const by = values.get<string>('by');
  const columns = values.get<readonly string[]>('columns');
  const format = values.get<DescribeCommandOptions['format']>('format')!;
  if (by === undefined) {
    if (columns !== undefined)
      throw new UsageError('--columns chooses the columns summarised by category; give the category column with --by');
    if (!(FORMAT_NAMES.describe as readonly string[]).includes(format))
      throw new UsageError(
        `--format ${format} is a figure of summaries by category; give the category column with --by`,
      );
  } else if (values.given('outcome')) {
    throw new UsageError(
      '--outcome is the variance split of describe without --by; with --by, name the columns with --columns',
    );
  }
  const options: DescribeCommandOptions = defined({
    file: given.file,
    unit: values.get<string>('unit'),
    period: values.get<string>('period'),
    outcome: values.get<string>('outcome'),
    by,
    columns,
    missingTokens: values.get<readonly string[]>('na') ?? [],
    level: values.get<string>('level'),
    where: checkedWhere(values),
    ...workbookOptions(values),
    verbosity: verbosityOf(values),
    format,
  }) as DescribeCommandOptions;
  return {
    options,
    destination: defined({ output: values.get<string>('output'), inputs: [given.file ?? defaultDataset] }),
    notes: [],
  };
}

export function joinRequest(given: GivenFlags): Checked<JoinCommandOptions> {
  const values = new ResolvedValues('join', given);
  const files = given.files ?? [];
  const options: JoinCommandOptions = defined({
    files,
    on: values.get<readonly string[]>('on') ?? [],
    how: values.get<'inner' | 'left'>('how')!,
    label: values.get<string>('label'),
    level: values.get<string>('level'),
    where: checkedWhere(values),
    ...workbookOptions(values),
    verbosity: verbosityOf(values),
    splitCombined: values.get<boolean>('splitCombined') || undefined,
  });
  return { options, destination: defined({ output: values.get<string>('output'), inputs: files }), notes: [] };
}

export function stackRequest(given: GivenFlags): Checked<StackCommandOptions> {
  const values = new ResolvedValues('stack', given);
  const files = given.files ?? [];
  const options: StackCommandOptions = defined({
    files,
    columns: values.get<readonly string[]>('columns'),
    level: values.get<string>('level'),
    where: checkedWhere(values),
    ...workbookOptions(values),
    verbosity: verbosityOf(values),
  });
  return { options, destination: defined({ output: values.get<string>('output'), inputs: files }), notes: [] };
}

export function deriveRequest(given: GivenFlags): Checked<DeriveCommandOptions> {
  const values = new ResolvedValues('derive', given);
  const file = given.file!;
  const options: DeriveCommandOptions = defined({
    file,
    derive: values.get<readonly string[]>('derive') ?? [],
    missingTokens: values.get<readonly string[]>('na') ?? [],
    level: values.get<string>('level'),
    where: checkedWhere(values),
    ...workbookOptions(values),
    verbosity: verbosityOf(values),
  });
  return { options, destination: defined({ output: values.get<string>('output'), inputs: [file] }), notes: [] };
}

export function dedupeRequest(given: GivenFlags): Checked<DedupeCommandOptions> {
  const values = new ResolvedValues('dedupe', given);
  const file = given.file!;
  const on = values.get<readonly string[]>('on');
  if (on === undefined) throw new UsageError('dedupe needs --on COL,COL (the key columns, e.g. --on la,year)');
  const options: DedupeCommandOptions = defined({
    file,
    on,
    keep: values.get<Keep>('keep')!,
    level: values.get<string>('level'),
    where: checkedWhere(values),
    ...workbookOptions(values),
    verbosity: verbosityOf(values),
  });
  return { options, destination: defined({ output: values.get<string>('output'), inputs: [file] }), notes: [] };
}

export function simulateRequest(given: GivenFlags): Checked<SimulateOptions> {
  const values = new ResolvedValues('simulate', given);
  const seed = values.get<number>('seed');
  if (seed === undefined)
    throw new UsageError('simulate needs --seed N (the same seed gives the same file byte for byte)');
  const options: SimulateOptions = defined({
    seed,
    authorities: values.get<number>('authorities')!,
    years: values.get<string>('years')!,
    shares: values.get<Record<string, number>>('shares'),
  });
  return { options, destination: defined({ output: values.get<string>('output'), inputs: [] }), notes: [] };
}
