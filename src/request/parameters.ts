/**
 * Every parameter of every command, once: its flag, its spec key, what it means, its value type and default.
 * The command line is declared from this table, the spec file is checked against it, the JSON Schema of the spec
 * is generated from it, and errors raised below the command line (which name a parameter) are reported with its
 * flag and key. A new option is one entry here plus the command's list.
 */
import { DECOMPOSITION_METHODS } from '../models/methods/names.js';
import { INTERVAL_TYPES } from '../models/bootstrap/intervals.js';
import { PUBLISHED_SPLITS } from '../models/spec/published.js';
import { KEEP_CHOICES } from '../io/keep.js';
import { SMALL_SAMPLE_RULES } from '../models/fit/smallSample.js';
import { DEFAULT_RANK_TOLERANCE } from '../models/linalg/qr.js';
import { FORMAT_NAMES } from '../report/formatNames.js';
import { SORT_ORDERS } from '../report/ranking.js';
import {
  flag,
  nameList,
  namedNumbers,
  oneOf,
  realNumber,
  sheetChoice,
  text,
  textList,
  wholeNumber,
  type ValueType,
} from './values.js';

export const COMMANDS = [
  'decompose',
  'fit',
  'report',
  'describe',
  'join',
  'stack',
  'derive',
  'dedupe',
  'simulate',
] as const;
export type CommandName = (typeof COMMANDS)[number];

export interface Parameter<T = unknown> {
  /** The field of the request it fills (and the name errors below the command line use for it). */
  readonly name: string;
  /** The flag as commander declares it: `--seed <n>`, `--quiet`, `--no-intercept`. */
  readonly flag: string;
  /** Its key in the analysis spec (dotted for nested keys); none for flags that do not belong in an analysis. */
  readonly key?: string;
  readonly description: string;
  readonly type: ValueType<T>;
  /** Each use adds a value (`--derive a=… --derive b=…`). */
  readonly repeatable?: boolean;
  readonly default?: T;
}

/** The largest number of threads a run may ask for (more are reduced to the number of cores, with a note). */
const MAX_WORKERS = 256;
/** Upper bounds that keep a single run within hours and memory (each is refused before any work). */
const MAX_REPLICATES = 100_000;
const MAX_SAMPLES = 10_000_000;
const MAX_PERMUTATIONS = 100_000;
export const MAX_SEED = 2 ** 32 - 1;

const p = <T>(parameter: Parameter<T>): Parameter<T> => parameter;

/** Parameters shared by the commands that read a panel and build a model (decompose, fit, report). */
const model = {
  outcome: p({
    name: 'outcome',
    flag: '--outcome <column>',
    key: 'outcome',
    type: text('column name'),
    description: 'outcome column (default: cpp_rate)',
  }),
  formula: p({
    name: 'formula',
    flag: '--formula <formula>',
    key: 'formula',
    type: text('formula'),
    description:
      "the model as a formula, e.g. 'cpp_rate ~ child_poverty + spend + vacancy | la + year' (instead of --group/--fe)",
  }),
  groupOf: p({
    name: 'groupOf',
    flag: '--group-of <name=terms>',
    key: 'groupOf',
    type: textList('NAME=term,term'),
    repeatable: true,
    description: 'with --formula: put these terms in one named group, e.g. resources=spend,vacancy (repeatable)',
  }),
  derive: p({
    name: 'derive',
    flag: '--derive <definition>',
    key: 'derive',
    type: textList('definition'),
    repeatable: true,
    description:
      "a derived column, e.g. 'rate = count / population * 10000' (repeatable; in order; before the model is read)",
  }),
  weights: p({
    name: 'weights',
    flag: '--weights <column>',
    key: 'weights',
    type: text('column name'),
    description:
      'weighted least squares with these row weights (e.g. child population); rows of weight 0 are left out, as R lm ' +
      'does',
  }),
  logOutcome: p({
    name: 'logOutcome',
    flag: '--log-outcome',
    key: 'logOutcome',
    type: flag(),
    description: 'model the logarithm of the outcome',
  }),
  minPeriods: p({
    name: 'minPeriods',
    flag: '--min-periods <n>',
    key: 'minPeriods',
    type: wholeNumber(1, 1_000_000),
    description: 'drop units (levels of the first fixed effect) observed in fewer than n rows',
  }),
  level: p({
    name: 'level',
    flag: '--level <level>',
    key: 'level',
    type: text('geographic level'),
    description: 'DfE statistics files: the geographic_level to keep (default "Local authority")',
  }),
  where: p({
    name: 'where',
    flag: '--where <condition>',
    key: 'where',
    type: text('condition'),
    description:
      'keep only the rows where the condition holds, e.g. \'year >= 2019 & region != "London"\' (== != < <= > >=, & ' +
      '| !, in (…))',
  }),
  na: p({
    name: 'na',
    flag: '--na <tokens>',
    key: 'na',
    type: nameList(),
    description: 'extra cell values meaning "missing", comma-separated (empty cells and NA always are)',
  }),
  output: p({
    name: 'output',
    flag: '--output <file>',
    key: 'output',
    type: text('path'),
    description: 'write the output to this file instead of standard output ("-": standard output; never over an input)',
  }),
};

/** Every command that reads data: which sheet of a workbook, and where its table starts. */
const workbook = {
  sheet: p({
    name: 'sheet',
    flag: '--sheet <name|n>',
    key: 'sheet',
    type: sheetChoice(),
    description: 'Workbooks (.xlsx, .ods): the sheet to read, by name or by number from 1 (default: the first)',
  }),
  skip: p({
    name: 'skip',
    flag: '--skip <n>',
    key: 'skip',
    type: wholeNumber(0, 1_048_575),
    description: 'Workbooks (.xlsx, .ods): rows above the header to skip, such as title rows (default 0)',
  }),
};

/** Every command that reads data: a header with cells left empty. */
const allowUnnamed = p({
  name: 'allowUnnamed',
  flag: '--allow-unnamed',
  key: 'allowUnnamed',
  type: flag(),
  description:
    'read a file whose header has cells without a name, calling each unnamed_N (N: its column, from 1) instead of ' +
    'refusing it',
});

/** --sheet and --skip for the commands that read several files: applied to each workbook among them. */
const workbooks = [
  { ...workbook.sheet, description: 'Workbooks (.xlsx, .ods): the sheet to read in each, by name or number from 1' },
  { ...workbook.skip, description: 'Workbooks (.xlsx, .ods): rows above the header to skip in each (title rows)' },
];

const bootstrap = {
  bootstrap: p({
    name: 'bootstrap',
    flag: '--bootstrap <B>',
    key: 'bootstrap.replicates',
    type: wholeNumber(2, MAX_REPLICATES),
    description: 'cluster-bootstrap confidence intervals from B replicates',
  }),
  cluster: p({
    name: 'cluster',
    flag: '--cluster <column>',
    key: 'bootstrap.cluster',
    type: text('column name'),
    description: 'resampling unit for --bootstrap (default: the first fixed-effect column; "none" resamples rows)',
  }),
  seed: p({
    name: 'seed',
    flag: '--seed <n>',
    key: 'bootstrap.seed',
    type: wholeNumber(0, MAX_SEED),
    default: 1,
    description: 'seed of the bootstrap, the permutations and Monte Carlo Shapley (pure-rand xoroshiro128+; default 1)',
  }),
  ci: p({
    name: 'ci',
    flag: '--ci <level>',
    key: 'bootstrap.ci',
    type: realNumber(0, 1, true),
    default: 0.95,
    description: 'confidence level of the intervals (default 0.95)',
  }),
  ciType: p({
    name: 'ciType',
    flag: '--ci-type <type>',
    key: 'bootstrap.type',
    type: oneOf(INTERVAL_TYPES),
    default: 'percentile',
    description: `interval type: ${INTERVAL_TYPES.join(' or ')} (default percentile)`,
  }),
};

/** Every command that reads data: how much it says on standard error about how each file was read. */
const reading = {
  quiet: p({
    name: 'quiet',
    flag: '--quiet',
    type: flag(),
    description:
      'nothing on standard error about how each file was read (DfE statistics files, workbook sheets), and no ' +
      'progress bar',
  }),
  verbose: p({
    name: 'verbose',
    flag: '--verbose',
    type: flag(),
    description:
      'the full report of each DfE statistics file on standard error: levels kept and dropped, periods, suppressed ' +
      'cells per column and symbol (default: one line per file)',
  }),
};
const readingParameters = [reading.quiet, reading.verbose];

/** The permutation null (chance floor) of every share, and the split of adjusted R². */
const chance = {
  permutations: p({
    name: 'permutations',
    flag: '--permutations <B>',
    key: 'permutations',
    type: wholeNumber(10, MAX_PERMUTATIONS),
    description:
      'the share each group gets by chance: B Freedman–Lane permutations of the residuals of the model without the ' +
      'group (seeded by --seed); adds the mean null share (chance floor), its 95th percentile, the excess over it ' +
      'and a p-value',
  }),
  permuteWithin: p({
    name: 'permuteWithin',
    flag: '--permute-within <column>',
    key: 'permuteWithin',
    type: text('column name'),
    description:
      'with --permutations: permute residuals only among rows with the same value of this column (e.g. year), when ' +
      'rows are exchangeable only within its levels',
  }),
  adjusted: p({
    name: 'adjusted',
    flag: '--adjusted',
    key: 'adjusted',
    type: flag(),
    description:
      'also split adjusted R² (each subset 1 − (1 − R²)(n − 1)/(n − k − 1), k its rank), beside the raw shares',
  }),
};

const decomposeOnly = {
  method: p({
    name: 'method',
    flag: '--method <method>',
    key: 'method',
    type: oneOf(DECOMPOSITION_METHODS),
    default: 'shapley',
    description: `how R² is apportioned: ${DECOMPOSITION_METHODS.join(', ')} ("all" side by side; default shapley)`,
  }),
  order: p({
    name: 'order',
    flag: '--order <groups>',
    key: 'order',
    type: nameList(),
    description: 'order of entry for --method sequential, comma-separated group names (default: as given)',
  }),
  controls: p({
    name: 'controls',
    flag: '--control <groups>',
    key: 'controls',
    type: nameList(),
    description:
      'groups held in every model, comma-separated group names (from --group, --fe or --group-of; ' +
      'e.g. year effects): ' +
      'their R² alone is the "controls" row and the other groups share the rest (as relaimpo always=)',
  }),
  expect: p({
    name: 'expect',
    flag: '--expect <shares>',
    key: 'expect',
    type: namedNumbers(-100, 200),
    description: 'fail (exit 3) unless each share is within --tolerance, e.g. practice=44,unexplained=25 (percent)',
  }),
  tolerance: p({
    name: 'tolerance',
    flag: '--tolerance <points>',
    key: 'tolerance',
    type: realNumber(0, 100),
    default: 0.5,
    description: 'tolerance of --expect in percentage points (default 0.5)',
  }),
  expectWithinCi: p({
    name: 'expectWithinCi',
    flag: '--expect-within-ci',
    key: 'expectWithinCi',
    type: flag(),
    description: 'with --bootstrap: pass when each expected value lies inside its interval',
  }),
  compare: p({
    name: 'compare',
    flag: '--compare <split>',
    key: 'compare',
    type: oneOf(Object.keys(PUBLISHED_SPLITS)),
    description: `print a published split beside ours (${Object.keys(PUBLISHED_SPLITS).join(', ')})`,
  }),
  sort: p({
    name: 'sort',
    flag: '--sort <order>',
    key: 'sort',
    type: oneOf(SORT_ORDERS),
    default: 'given',
    description:
      'order of the groups in tables, Markdown, CSV and the figure: share (largest first, ties by name), name, or ' +
      "given (default given); JSON keeps the given order and adds each group's rank",
  }),
  by: p({
    name: 'by',
    flag: '--by <column>',
    key: 'by',
    type: text('column name'),
    description: 'one split per level of this column (e.g. year), each on its own rows',
  }),
  workers: p({
    name: 'workers',
    flag: '--workers <n>',
    key: 'workers',
    type: wholeNumber(1, MAX_WORKERS),
    description:
      'threads for the bootstrap, the permutations and exact Shapley values over many groups (default: every core); ' +
      'results do not depend on it',
  }),
  exact: p({
    name: 'exact',
    flag: '--exact',
    key: 'exact',
    type: flag(),
    description: 'exact Shapley values even where sampling is the default (refused when it would take hours)',
  }),
  samples: p({
    name: 'samples',
    flag: '--samples <n>',
    key: 'samples',
    type: wholeNumber(10, MAX_SAMPLES),
    description:
      'estimate Shapley values from n random orders of the groups (antithetic pairs), with Monte Carlo standard errors',
  }),
  title: p({
    name: 'title',
    flag: '--title <text>',
    key: 'title',
    type: text(),
    description: 'title of the --format svg figure',
  }),
  spec: p({
    name: 'spec',
    flag: '--spec <file>',
    type: text('path'),
    description:
      'read the analysis from a JSON spec (schema: docs/analysis-spec.schema.json); flags given here override it',
  }),
};

const format = (formats: readonly string[], fallback: string) =>
  p({
    name: 'format',
    flag: '--format <format>',
    key: 'format',
    type: oneOf(formats),
    default: fallback,
    description: `output format: ${formats.join(', ')} (default ${fallback})`,
  });

const describeOnly = {
  unit: p({
    name: 'unit',
    flag: '--unit <column>',
    type: text('column name'),
    description:
      'the unit column (default: la, or old_la_code in DfE files); alone, without --period: the units and the split ' +
      'between and within them',
  }),
  period: p({
    name: 'period',
    flag: '--period <column>',
    type: text('column name'),
    description:
      'the period column (default: year, or time_period in DfE files); alone, without --unit: the periods and the ' +
      'share of their means',
  }),
  outcome: p({
    name: 'outcome',
    flag: '--outcome <column>',
    type: text('column name'),
    description: 'the outcome whose variance is split between and within units (default: cpp_rate)',
  }),
  by: p({
    name: 'by',
    flag: '--by <column>',
    type: text('column name'),
    description:
      "summaries by category: per level of this column, each numeric column's n, mean, SD, median, quartiles, range " +
      'and 95% CI of the mean; per column η² with the one-way ANOVA and Welch F tests',
  }),
  columns: p({
    name: 'columns',
    flag: '--columns <names>',
    type: nameList(),
    description:
      'with --by: the numeric columns to summarise, comma-separated (default: every numeric column but the --by, ' +
      'unit and period columns)',
  }),
};

/** Formats of `describe`: those of the description, and with --by those of the summaries by category (svg). */
const DESCRIBE_FORMATS = [...new Set([...FORMAT_NAMES.describe, ...FORMAT_NAMES.describeBy])];

const tables = {
  on: p({
    name: 'on',
    flag: '--on <keys>',
    type: textList('key list'),
    repeatable: true,
    description: 'key columns, COL,COL for every file or FILE:COL,COL for one (repeatable)',
  }),
  how: p({
    name: 'how',
    flag: '--how <how>',
    type: oneOf(['inner', 'left'] as const),
    default: 'inner',
    description: 'inner keeps keys found in every file; left keeps every row of the first (default inner)',
  }),
  label: p({
    name: 'label',
    flag: '--label <column>',
    type: text('column name'),
    description: 'name unmatched keys by this column where a file has it (e.g. la_name)',
  }),
  columns: p({
    name: 'columns',
    flag: '--columns <names>',
    type: nameList(),
    description:
      'the columns to keep, comma-separated; each must be in every file (default: all, the same in every file)',
  }),
  deriveRequired: p({
    name: 'derive',
    flag: '--derive <definition>',
    type: textList('definition'),
    repeatable: true,
    description: "e.g. 'rate = count / population * 10000' (repeatable; in order)",
  }),
};

const simulateOnly = {
  seed: p({
    name: 'seed',
    flag: '--seed <n>',
    type: wholeNumber(0, MAX_SEED),
    description: 'random seed (required); the same seed gives the same file byte for byte',
  }),
  authorities: p({
    name: 'authorities',
    flag: '--authorities <n>',
    type: wholeNumber(3, 100_000),
    default: 152,
    description: 'number of authorities (default 152)',
  }),
  years: p({
    name: 'years',
    flag: '--years <first-last>',
    type: text('year range'),
    default: '2012-2017',
    description: 'years covered, at most 200 (default 2012-2017)',
  }),
  shares: p({
    name: 'shares',
    flag: '--shares <list>',
    type: namedNumbers(0, 100),
    description:
      'target shares in percent (default: the NAO 2019 split practice=44,deprivation=15,policy=10,resources=6)',
  }),
};

const modelParameters = [
  model.outcome,
  model.formula,
  model.groupOf,
  model.derive,
  model.weights,
  model.logOutcome,
  model.minPeriods,
  model.level,
  workbook.sheet,
  workbook.skip,
  model.na,
  model.where,
  allowUnnamed,
  ...readingParameters,
];
const bootstrapParameters = Object.values(bootstrap);

/** The parameters of each command, in the order `--help` lists them. */
export const PARAMETERS: Readonly<Record<CommandName, readonly Parameter[]>> = {
  decompose: [
    ...modelParameters,
    format(FORMAT_NAMES.decompose, 'table'),
    model.output,
    decomposeOnly.method,
    decomposeOnly.order,
    decomposeOnly.controls,
    ...bootstrapParameters,
    chance.permutations,
    chance.permuteWithin,
    chance.adjusted,
    decomposeOnly.expect,
    decomposeOnly.tolerance,
    decomposeOnly.expectWithinCi,
    decomposeOnly.compare,
    decomposeOnly.sort,
    decomposeOnly.by,
    decomposeOnly.workers,
    decomposeOnly.exact,
    decomposeOnly.samples,
    decomposeOnly.title,
    decomposeOnly.spec,
  ],
  fit: [
    ...modelParameters,
    format(FORMAT_NAMES.fit, 'table'),
    model.output,
    p({
      name: 'cluster',
      flag: '--cluster <column>',
      key: 'cluster',
      type: text('column name'),
      description: 'cluster-robust (CR1) standard errors by this column, t on G − 1 df',
    }),
    p({
      name: 'intercept',
      flag: '--no-intercept',
      key: 'intercept',
      type: flag(),
      default: true,
      description: 'leave out the intercept (models without fixed effects only; R² is then uncentred, as in R)',
    }),
    p({
      name: 'showFe',
      flag: '--show-fe',
      key: 'showFe',
      type: flag(),
      description: 'also print the fixed-effect coefficients (treatment contrasts, as R lm)',
    }),
    p({
      name: 'ssc',
      flag: '--ssc <rule>',
      type: oneOf(SMALL_SAMPLE_RULES),
      default: 'lm',
      description:
        'with --cluster, the K of the small-sample factor (N−1)/(N−K): lm counts every dummy (sandwich::vcovCL HC1 ' +
        'on lm), nested leaves out fixed effects nested in the clusters (fixest, Stata xtreg fe) (default lm)',
    }),
    p({
      name: 'rankTolerance',
      flag: '--rank-tol <t>',
      type: realNumber(0, 1, true),
      default: DEFAULT_RANK_TOLERANCE,
      description:
        `a column is aliased when what the columns before it leave of it is below t × its norm (R's ` +
        `lm(tol =); default ${DEFAULT_RANK_TOLERANCE})`,
    }),
  ],
  report: [
    ...modelParameters,
    format(FORMAT_NAMES.report, 'html'),
    model.output,
    ...bootstrapParameters.map((parameter) =>
      parameter.name === 'seed'
        ? {
            ...parameter,
            description: 'seed of the bootstrap and the permutations (pure-rand xoroshiro128+; default 1)',
          }
        : parameter,
    ),
    chance.permutations,
    chance.permuteWithin,
    { ...decomposeOnly.title, description: 'title of the report' },
  ],
  describe: [
    describeOnly.unit,
    describeOnly.period,
    describeOnly.outcome,
    describeOnly.by,
    describeOnly.columns,
    model.na,
    model.level,
    model.where,
    workbook.sheet,
    workbook.skip,
    allowUnnamed,
    ...readingParameters,
    {
      ...format(DESCRIBE_FORMATS, 'table'),
      description:
        `output format: ${FORMAT_NAMES.describe.join(', ')}, or with --by also svg (a dot-and-whisker ` +
        `figure of the means) (default table)`,
    },
    model.output,
  ],
  join: [
    tables.on,
    tables.how,
    tables.label,
    p({
      name: 'splitCombined',
      flag: '--split-combined',
      type: flag(),
      description:
        'split rows published for several authorities jointly ("314 / 318") into one row each, with the joint values',
    }),
    model.level,
    ...workbooks,
    {
      ...allowUnnamed,
      description: 'read files whose header has cells without a name, calling each unnamed_N (N: its column)',
    },
    ...readingParameters,
    { ...model.where, description: 'keep only the rows of the merged table where the condition holds (see decompose)' },
    { ...model.output, description: 'write the merged CSV here ("-": standard output; never over an input)' },
  ],
  stack: [
    tables.columns,
    model.level,
    ...workbooks,
    ...readingParameters,
    {
      ...allowUnnamed,
      description: 'read files whose header has cells without a name, calling each unnamed_N (N: its column)',
    },
    {
      ...model.where,
      description: 'keep only the rows of the stacked table where the condition holds (see decompose)',
    },
    { ...model.output, description: 'write the stacked CSV here ("-": standard output; never over an input)' },
  ],
  derive: [
    tables.deriveRequired,
    model.na,
    model.level,
    workbook.sheet,
    workbook.skip,
    allowUnnamed,
    ...readingParameters,
    {
      ...model.where,
      description: 'keep only the rows where the condition holds (derived columns included; see decompose)',
    },
    { ...model.output, description: 'write the CSV here ("-": standard output; never over an input)' },
  ],
  dedupe: [
    p({
      name: 'on',
      flag: '--on <keys>',
      type: nameList(),
      description: 'the key columns, comma-separated (e.g. la,year)',
    }),
    p({
      name: 'keep',
      flag: '--keep <which>',
      type: oneOf(KEEP_CHOICES),
      default: 'first',
      description: 'which row of a duplicated key to keep: first, last, or none (drop them all; default first)',
    }),
    model.level,
    workbook.sheet,
    workbook.skip,
    allowUnnamed,
    ...readingParameters,
    { ...model.where, description: 'keep only the rows where the condition holds, before looking for duplicates' },
    { ...model.output, description: 'write the CSV here ("-": standard output; never over an input)' },
  ],
  simulate: [
    simulateOnly.seed,
    simulateOnly.authorities,
    simulateOnly.years,
    simulateOnly.shares,
    { ...model.output, description: 'write the CSV here ("-": standard output; never over an input)' },
  ],
};

/** `--group NAME=COLS` and `--fe NAME=COL`, collected in order into the spec's `groups`. */
export const GROUP_FLAGS = {
  group: {
    flag: '--group <name=cols>',
    description: 'a group of numeric predictors, e.g. resources=spend,vacancy (repeatable)',
  },
  fe: {
    flag: '--fe <name=col>',
    description: 'a fixed-effect group: one indicator per level of col, e.g. practice=la (repeatable)',
  },
} as const;

/** The file argument's spec key. */
export const DATA_KEY = 'data';

/** Commands whose model flags come with --group/--fe and a FILE argument that a spec's `data` can give. */
export const MODEL_COMMANDS: readonly CommandName[] = ['decompose', 'fit', 'report'];

/** The flag without its placeholder: `--seed <n>` → `--seed`. */
export function flagName(parameter: Pick<Parameter, 'flag'>): string {
  return parameter.flag.split(' ')[0]!;
}

/** The commands that read an analysis spec (`--spec`); the others have flags only. */
export const SPEC_COMMANDS: readonly CommandName[] = ['decompose'];

/**
 * How a parameter is named in messages: `--method / "method"` for a command that reads a spec, else the flag.
 */
export function parameterLabel(parameter: Pick<Parameter, 'flag' | 'key'>, command: CommandName = 'decompose'): string {
  return parameter.key === undefined || !SPEC_COMMANDS.includes(command)
    ? flagName(parameter)
    : `${flagName(parameter)} / "${parameter.key}"`;
}
