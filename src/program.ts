import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_DATASET, ENGLAND_PANEL_EXTENT, SYNTHETIC_DATASET } from './commands/data.js';
import { DECOMPOSE_FORMATS, OUTPUT_FORMATS, type DecomposeFormat, type OutputFormat } from './commands/decompose.js';
import { Presets, SingleBar } from 'cli-progress';
import { EXIT_BAD_INPUT, EXIT_OK, ExpectationError, exitCodeFor, messageFor } from './errors.js';
import { readAnalysisSpec } from './io/analysisSpec.js';
import { INTERVAL_TYPES, type IntervalType } from './models/bootstrap/bootstrap.js';
import { parseExpectations } from './models/spec/expectations.js';
import { PUBLISHED_SPLITS } from './models/spec/published.js';
import { writeOutputFile } from './io/output.js';
import { packageVersion } from './io/packageRoot.js';
import { withStandardInput, type StdinSource } from './io/source.js';
import { DECOMPOSITION_METHODS, EXACT_GROUP_LIMIT, type DecompositionMethod } from './models/methods/decompose.js';
import { DEFAULT_SPEC, formulaText, parseGroupArgument, type GroupSpec } from './models/spec/spec.js';

/** Where a command's text goes, and what the process is writing to; injected so tests can run in-process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stdoutIsTty: boolean;
  /** Columns of the terminal standard output is, when it is one. */
  readonly stdoutColumns?: number;
  readonly stderrIsTty: boolean;
  /** Columns of the terminal standard error is, when it is one (help printed after a usage error is wrapped to it). */
  readonly stderrColumns?: number;
  /** The stream progress bars draw on. */
  readonly stderrStream: NodeJS.WritableStream;
  /** Standard input, read when a FILE is "-": the process's in src/cli.ts (`processStandardInput`). */
  readonly stdin: StdinSource;
  /** The environment (NO_COLOR, FORCE_COLOR, CLICOLOR_FORCE); nothing reads process.env. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The arguments as given (set by `main`), for the reproducibility block of reports. */
  readonly argv?: readonly string[];
}

function argvOf(io: CliIo): readonly string[] {
  return io.argv ?? [];
}

const DEFAULTS_HELP = `
With no --group/--fe/--formula the model is the National Audit Office's (2019) layout on the England panel's columns:
  --outcome cpp_rate --fe practice=la --group deprivation=child_poverty --fe policy=year --group resources=spend,vacancy
  (as a formula: ${formulaText(DEFAULT_SPEC)})
With no FILE it runs on ${DEFAULT_DATASET}:
  real public data, ${ENGLAND_PANEL_EXTENT} (DfE, ONS and IPSE; sources in fixtures/real/SOURCES.md).
The NAO reproduction runs on the SYNTHETIC panel ${SYNTHETIC_DATASET} (made by \`cpp-variance simulate --seed 2019\`,
calibrated to the NAO's 44/15/10/6/25), with its model given in a spec:
  cpp-variance decompose ${SYNTHETIC_DATASET} --spec fixtures/nao-2019-analysis.json

Exit codes: 0 success, 2 bad usage or bad data, 3 an --expect check failed, 1 internal error.`;

function integer(name: string, minimum: number) {
  return (text: string): number => {
    if (!/^\d+$/.test(text.trim()) || Number(text) < minimum)
      throw new InvalidArgumentError(`${name} must be a whole number ≥ ${minimum}`);
    return Number(text);
  };
}

function probability(name: string) {
  return (text: string): number => {
    const value = Number(text);
    if (!(value > 0 && value < 1))
      throw new InvalidArgumentError(`${name} must be a number between 0 and 1, e.g. 0.95`);
    return value;
  };
}

function nonNegative(name: string) {
  return (text: string): number => {
    const value = Number(text);
    if (!(value >= 0) || text.trim() === '') throw new InvalidArgumentError(`${name} must be a number ≥ 0`);
    return value;
  };
}

const orderOption = (order: readonly string[] | undefined) => (order === undefined ? {} : { order });
const clusterOption = (cluster: string | undefined) => (cluster === undefined ? {} : { cluster });
const compareOption = (compare: string | undefined) => (compare === undefined ? {} : { compare });

/** Runs shorter than this draw no progress bar. */
const PROGRESS_AFTER_MS = 2000;

/**
 * A progress bar with an ETA on stderr (only used when stderr is a terminal), shown once a run has taken
 * PROGRESS_AFTER_MS and looks set to take longer; runs that end sooner stay silent.
 */
function progressBar(io: CliIo, unit: string): (done: number, total: number) => void {
  let bar: SingleBar | undefined;
  const started = Date.now();
  return (done, total) => {
    if (!bar) {
      const elapsed = Date.now() - started;
      if (elapsed < PROGRESS_AFTER_MS || done === total) return;
      bar = new SingleBar(
        {
          stream: io.stderrStream,
          format: `[{bar}] {value}/{total} ${unit}, ETA {eta_formatted}`,
          hideCursor: true,
          clearOnComplete: true,
        },
        Presets.shades_classic,
      );
      bar.start(total, done);
    }
    bar.update(done);
    if (done === total) bar.stop();
  };
}

/** The bootstrap flags of `decompose` and `report`. */
interface BootstrapFlags {
  readonly bootstrap?: number;
  readonly cluster?: string;
  readonly seed: number;
  readonly ci: number;
  readonly ciType: IntervalType;
  readonly quiet?: boolean;
}

function withBootstrapFlags(command: Command): Command {
  return command
    .option('--bootstrap <B>', 'cluster-bootstrap confidence intervals from B replicates', integer('--bootstrap', 2))
    .option(
      '--cluster <column>',
      'resampling unit for --bootstrap (default: the first fixed-effect column; "none" resamples rows)',
    )
    .option('--seed <n>', 'seed of the bootstrap and of --samples (pure-rand xoroshiro128+)', integer('--seed', 0), 1)
    .option('--ci <level>', 'confidence level of the intervals', probability('--ci'), 0.95)
    .addOption(new Option('--ci-type <type>', 'interval type').choices([...INTERVAL_TYPES]).default('percentile'))
    .option('--quiet', 'no progress bar');
}

interface ReportFlags extends BootstrapFlags {
  readonly title?: string;
}

/** Quote an argument for a POSIX shell when it needs it. */
function shellQuote(argument: string): string {
  return /^[A-Za-z0-9_./=:,@%+-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", "'\\''")}'`;
}

interface DecomposeFlags extends Omit<ModelFlags, 'format'>, BootstrapFlags {
  readonly format: DecomposeFormat;
  readonly title?: string;
  readonly method: DecompositionMethod;
  readonly order?: string;
  readonly expect?: string;
  readonly tolerance: number;
  readonly expectWithinCi?: boolean;
  readonly compare?: string;
  readonly spec?: string;
  readonly exact?: boolean;
  readonly samples?: number;
  readonly by?: string;
  readonly workers?: number;
}

/** Flags shared by every command that reads a panel and builds a model. */
interface ModelFlags {
  readonly outcome?: string;
  readonly na?: string;
  readonly format: OutputFormat;
  readonly output?: string;
  readonly formula?: string;
  readonly groupOf?: string[];
  readonly derive?: string[];
  readonly weights?: string;
  readonly logOutcome?: boolean;
  readonly minPeriods?: number;
  readonly level?: string;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/**
 * Add the data and model flags to a command. --group and --fe write into one list so that groups keep the
 * order in which they were given.
 */
function withModelFlags(command: Command, groups: GroupSpec[], formats: readonly string[] = OUTPUT_FORMATS): Command {
  return command
    .argument(
      '[file]',
      `long-panel CSV, one row per authority × year; "-" reads standard input (default: ${DEFAULT_DATASET})`,
    )
    .option('--outcome <column>', 'outcome column (default: cpp_rate)')
    .option(
      '--group <name=cols>',
      'a group of numeric predictors, e.g. resources=spend,vacancy (repeatable)',
      (text: string) => {
        groups.push(parseGroupArgument(text, 'numeric'));
        return groups;
      },
    )
    .option(
      '--fe <name=col>',
      'a fixed-effect group: one indicator per level of col, e.g. practice=la (repeatable)',
      (text: string) => {
        groups.push(parseGroupArgument(text, 'fixed-effect'));
        return groups;
      },
    )
    .option(
      '--formula <formula>',
      "the model as a formula, e.g. 'cpp_rate ~ child_poverty + spend + vacancy | la + year' (instead of --group/--fe)",
    )
    .option(
      '--group-of <name=terms>',
      'with --formula: put these terms in one named group, e.g. resources=spend,vacancy (repeatable)',
      collect,
    )
    .option(
      '--derive <definition>',
      "a derived column, e.g. 'cpp_rate = cpp_count / child_pop * 10000' (repeatable; in order)",
      collect,
    )
    .option('--weights <column>', 'weighted least squares with these positive row weights (e.g. child population)')
    .option('--log-outcome', 'model the logarithm of the outcome')
    .option(
      '--min-periods <n>',
      'drop units (levels of the first fixed effect) observed in fewer than n rows',
      integer('--min-periods', 1),
    )
    .option('--level <level>', 'DfE statistics files: the geographic_level to keep (default "Local authority")')
    .option('--na <tokens>', 'extra cell values meaning "missing", comma-separated (empty cells and NA always are)')
    .addOption(new Option('--format <format>', 'output format').choices([...formats]).default('table'))
    .option('--output <file>', 'write the output to this file instead of standard output')
    .addHelpText('after', DEFAULTS_HELP);
}

function dataOptions(
  file: string | undefined,
  flags: Omit<ModelFlags, 'format' | 'output'>,
  groups: readonly GroupSpec[],
) {
  return {
    ...(file !== undefined ? { file } : {}),
    ...(flags.outcome !== undefined ? { outcome: flags.outcome } : {}),
    groups,
    missingTokens: flags.na === undefined ? [] : flags.na.split(',').map((t) => t.trim()),
    ...(flags.formula !== undefined ? { formula: flags.formula } : {}),
    ...(flags.groupOf ? { groupOf: flags.groupOf } : {}),
    ...(flags.derive ? { derive: flags.derive } : {}),
    ...(flags.weights !== undefined ? { weights: flags.weights } : {}),
    ...(flags.logOutcome ? { logOutcome: true } : {}),
    ...(flags.minPeriods !== undefined ? { minPeriods: flags.minPeriods } : {}),
    ...(flags.level !== undefined ? { level: flags.level } : {}),
  };
}

/**
 * Whether the environment asks for colour (true), forbids it (false) or leaves it to the stream (undefined):
 * commander's own rule (NO_COLOR, FORCE_COLOR, CLICOLOR_FORCE), applied to `io.env` instead of process.env.
 */
function colourFromEnv(env: CliIo['env']): boolean | undefined {
  if (env.NO_COLOR || env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return false;
  if (env.FORCE_COLOR || env.CLICOLOR_FORCE !== undefined) return true;
  return undefined;
}

/** Build the command-line program; actions return text for `io.stdout` or write `--output`. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('cpp-variance')
    .description(
      'Split the variance of child protection plan rates between local authorities into named groups of predictors.',
    )
    .version(packageVersion())
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      // commander reads these from process.stdout/stderr and process.env by default; take them from io instead
      // (80 columns, commander's own default, when the stream is no terminal).
      getOutHelpWidth: () => (io.stdoutIsTty ? io.stdoutColumns : undefined) ?? 80,
      getErrHelpWidth: () => (io.stderrIsTty ? io.stderrColumns : undefined) ?? 80,
      getOutHasColors: () => colourFromEnv(io.env) ?? io.stdoutIsTty,
      getErrHasColors: () => colourFromEnv(io.env) ?? io.stderrIsTty,
    })
    .showSuggestionAfterError(true);

  const emit = (text: string, output: string | undefined, inputs: readonly string[]) => {
    if (output === undefined) io.stdout(text);
    else writeOutputFile(output, text, inputs);
  };
  const inputsOf = (file: string | undefined) => (file === undefined ? [] : [file]);

  const decomposeGroups: GroupSpec[] = [];
  const decompose = withBootstrapFlags(
    withModelFlags(
      program
        .command('decompose')
        .description(
          'apportion R² of an OLS fit with fixed effects to named groups of predictors (exact Shapley / LMG by default)',
        ),
      decomposeGroups,
      DECOMPOSE_FORMATS,
    ),
  )
    .option('--title <text>', 'title of the --format svg figure')
    .addOption(
      new Option('--method <method>', 'how R² is apportioned; "all" compares the methods side by side')
        .choices([...DECOMPOSITION_METHODS])
        .default('shapley'),
    )
    .option(
      '--order <groups>',
      'order of entry for --method sequential, comma-separated group names (default: as given)',
    )
    .option(
      '--expect <shares>',
      'fail (exit 3) unless each share is within --tolerance, e.g. practice=44,unexplained=25 (percent)',
    )
    .option('--tolerance <points>', 'tolerance of --expect in percentage points', nonNegative('--tolerance'), 0.5)
    .option('--expect-within-ci', 'with --bootstrap: pass when each expected value lies inside its interval')
    .option('--compare <split>', `print a published split beside ours (${Object.keys(PUBLISHED_SPLITS).join(', ')})`)
    .option('--spec <file>', 'read the analysis from a JSON spec (see README); flags given here override it')
    .option('--by <column>', 'one split per level of this column (e.g. year), each on its own rows')
    .option(
      '--workers <n>',
      'threads for --bootstrap (default: every core); results are the same for any number',
      integer('--workers', 1),
    )
    .option('--exact', `exact Shapley values even above ${EXACT_GROUP_LIMIT} groups (refused when it would take hours)`)
    .option(
      '--samples <n>',
      'estimate Shapley values from n random orders of the groups (antithetic pairs), with Monte Carlo standard errors',
      integer('--samples', 2),
    );
  decompose.action(async (file: string | undefined, flags: DecomposeFlags) => {
    const { runDecompose } = await import('./commands/decompose.js');
    const fromCli = (name: string) => decompose.getOptionValueSource(name) === 'cli';
    const spec = flags.spec === undefined ? {} : readAnalysisSpec(flags.spec);
    const pick = <T>(name: string, flag: T, fromSpec: T | undefined): T =>
      fromCli(name) || fromSpec === undefined ? flag : fromSpec;
    const replicates = pick('bootstrap', flags.bootstrap, spec.bootstrap?.replicates);
    const expect = pick(
      'expect',
      flags.expect === undefined ? undefined : parseExpectations(flags.expect),
      spec.expect && Object.entries(spec.expect).map(([name, percent]) => ({ name, percent })),
    );
    const progress =
      !flags.quiet && io.stderrIsTty
        ? progressBar(io, replicates !== undefined ? 'bootstrap replicates' : 'steps')
        : undefined;
    const dataFile = file ?? spec.data;
    const output = await runDecompose({
      ...dataOptions(
        dataFile,
        { ...flags, outcome: pick('outcome', flags.outcome, spec.outcome) },
        decomposeGroups.length > 0 ? decomposeGroups : (spec.groups ?? []),
      ),
      ...(flags.na === undefined && spec.na ? { missingTokens: spec.na } : {}),
      method: pick('method', flags.method, spec.method as DecompositionMethod | undefined),
      ...orderOption(
        pick(
          'order',
          flags.order?.split(',').map((name) => name.trim()),
          spec.order,
        ),
      ),
      format: pick('format', flags.format, spec.format as DecomposeFormat | undefined),
      ...(flags.title !== undefined ? { title: flags.title } : {}),
      color: flags.output === undefined && io.stdoutIsTty && !io.env.NO_COLOR,
      ...(flags.output === undefined && io.stdoutIsTty && io.stdoutColumns ? { terminalWidth: io.stdoutColumns } : {}),
      ...(replicates !== undefined
        ? {
            bootstrap: {
              replicates,
              ...clusterOption(pick('cluster', flags.cluster, spec.bootstrap?.cluster)),
              seed: pick('seed', flags.seed, spec.bootstrap?.seed),
              level: pick('ci', flags.ci, spec.bootstrap?.ci),
              type: pick('ciType', flags.ciType, spec.bootstrap?.type as IntervalType | undefined),
            },
          }
        : {}),
      ...(expect ? { expect } : {}),
      tolerance: pick('tolerance', flags.tolerance, spec.tolerance),
      expectWithinCi: pick('expectWithinCi', flags.expectWithinCi === true, spec.expectWithinCi),
      ...compareOption(pick('compare', flags.compare, spec.compare)),
      seed: pick('seed', flags.seed, spec.bootstrap?.seed),
      ...(flags.by !== undefined ? { by: flags.by } : {}),
      ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
      ...(flags.exact ? { exact: true } : {}),
      ...(flags.samples !== undefined ? { samples: flags.samples } : {}),
      ...(progress ? { onProgress: progress } : {}),
    });
    for (const message of output.messages) io.stderr(`${message}\n`);
    emit(output.text, flags.output, [...inputsOf(dataFile), ...(flags.spec ? [flags.spec] : [])]);
    const misses = output.checks.filter((check) => !check.passed);
    for (const miss of misses) io.stderr(`${miss.message}\n`);
    if (misses.length > 0)
      throw new ExpectationError(`${misses.length} of ${output.checks.length} expected shares missed`);
  });

  const fitGroups: GroupSpec[] = [];
  withModelFlags(
    program
      .command('fit')
      .description('the regression behind a decomposition: coefficients, standard errors, R², F, VIF'),
    fitGroups,
  )
    .option('--cluster <column>', 'cluster-robust (CR1) standard errors by this column, t on G − 1 df')
    .option(
      '--no-intercept',
      'leave out the intercept (models without fixed effects only; R² is then uncentred, as in R)',
    )
    .option('--show-fe', 'also print the fixed-effect coefficients (treatment contrasts, as R lm)')
    .action(
      async (
        file: string | undefined,
        flags: ModelFlags & { cluster?: string; intercept: boolean; showFe?: boolean },
      ) => {
        const { runFit } = await import('./commands/fit.js');
        const output = runFit({
          ...dataOptions(file, flags, fitGroups),
          ...(flags.cluster !== undefined ? { cluster: flags.cluster } : {}),
          intercept: flags.intercept,
          showFixedEffects: flags.showFe === true,
          format: flags.format,
        });
        for (const message of output.messages) io.stderr(`${message}\n`);
        emit(output.text, flags.output, inputsOf(file));
      },
    );

  const reportGroups: GroupSpec[] = [];
  const report = withBootstrapFlags(
    withModelFlags(
      program
        .command('report')
        .description(
          'one self-contained HTML file: data summary, model, split figure and table, method comparison, regression, reproducibility',
        ),
      reportGroups,
      ['html'],
    ),
  ).option('--title <text>', 'title of the report');
  report.action(async (file: string | undefined, flags: Omit<ModelFlags, 'format'> & ReportFlags) => {
    const { runReport } = await import('./commands/report.js');
    const progress =
      flags.bootstrap !== undefined && !flags.quiet && io.stderrIsTty
        ? progressBar(io, 'bootstrap replicates')
        : undefined;
    const text = runReport({
      ...dataOptions(file, flags, reportGroups),
      ...(flags.bootstrap !== undefined
        ? {
            bootstrap: {
              replicates: flags.bootstrap,
              ...clusterOption(flags.cluster),
              seed: flags.seed,
              level: flags.ci,
              type: flags.ciType,
            },
          }
        : {}),
      ...(flags.title !== undefined ? { title: flags.title } : {}),
      command: ['cpp-variance', ...argvOf(io)].map(shellQuote).join(' '),
      ...(progress ? { onProgress: progress } : {}),
    });
    emit(text, flags.output, inputsOf(file));
  });

  program
    .command('join')
    .description('merge CSV files on key columns (e.g. authority and year), reporting every unmatched key; writes CSV')
    .argument('<files...>', 'two or more CSV files (DfE statistics files are recognised and normalised)')
    .option('--on <keys>', 'key columns, COL,COL for every file or FILE:COL,COL for one (repeatable)', collect)
    .addOption(
      new Option('--how <how>', 'inner keeps keys found in every file; left keeps every row of the first')
        .choices(['inner', 'left'])
        .default('inner'),
    )
    .option('--label <column>', 'name unmatched keys by this column where a file has it (e.g. la_name)')
    .option('--level <level>', 'DfE statistics files: the geographic_level to keep (default "Local authority")')
    .option('--output <file>', 'write the merged CSV here instead of standard output')
    .action(
      async (
        files: string[],
        flags: { on?: string[]; how: 'inner' | 'left'; label?: string; level?: string; output?: string },
      ) => {
        const { runJoin } = await import('./commands/tables.js');
        const output = runJoin({
          files,
          on: flags.on ?? [],
          how: flags.how,
          ...(flags.label !== undefined ? { label: flags.label } : {}),
          ...(flags.level !== undefined ? { level: flags.level } : {}),
        });
        for (const message of output.messages) io.stderr(`${message}\n`);
        emit(output.text, flags.output, files);
      },
    );

  program
    .command('stack')
    .description(
      'put the rows of several CSV files one after another (e.g. one file per year), keeping the named columns; writes CSV',
    )
    .argument('<files...>', 'two or more CSV files (DfE statistics files are recognised and normalised)')
    .option(
      '--columns <names>',
      'the columns to keep, comma-separated; each must be in every file (default: all, the same in every file)',
    )
    .option('--level <level>', 'DfE statistics files: the geographic_level to keep (default "Local authority")')
    .option('--output <file>', 'write the stacked CSV here instead of standard output')
    .action(async (files: string[], flags: { columns?: string; level?: string; output?: string }) => {
      const { runStack } = await import('./commands/tables.js');
      const output = runStack({
        files,
        ...(flags.columns !== undefined ? { columns: flags.columns.split(',').map((c) => c.trim()) } : {}),
        ...(flags.level !== undefined ? { level: flags.level } : {}),
      });
      for (const message of output.messages) io.stderr(`${message}\n`);
      emit(output.text, flags.output, files);
    });

  program
    .command('describe')
    .description(
      'first look at a file: each column, missing values by symbol, the panel structure, and how much of the outcome varies between units',
    )
    .argument('[file]', `a CSV file ("-" reads standard input; default: ${DEFAULT_DATASET})`)
    .option('--unit <column>', 'the unit column (default: la, or old_la_code in DfE files)')
    .option('--period <column>', 'the period column (default: year, or time_period in DfE files)')
    .option('--outcome <column>', 'the outcome whose variance is split between and within units (default: cpp_rate)')
    .option('--na <tokens>', 'extra cell values meaning "missing", comma-separated')
    .option('--level <level>', 'DfE statistics files: the geographic_level to keep (default "Local authority")')
    .addOption(new Option('--format <format>', 'output format').choices([...OUTPUT_FORMATS]).default('table'))
    .option('--output <file>', 'write the output here instead of standard output')
    .action(
      async (
        file: string | undefined,
        flags: {
          unit?: string;
          period?: string;
          outcome?: string;
          na?: string;
          level?: string;
          format: OutputFormat;
          output?: string;
        },
      ) => {
        const { runDescribe } = await import('./commands/tables.js');
        const output = runDescribe({
          ...(file !== undefined ? { file } : {}),
          ...(flags.unit !== undefined ? { unit: flags.unit } : {}),
          ...(flags.period !== undefined ? { period: flags.period } : {}),
          ...(flags.outcome !== undefined ? { outcome: flags.outcome } : {}),
          missingTokens: flags.na === undefined ? [] : flags.na.split(',').map((t) => t.trim()),
          ...(flags.level !== undefined ? { level: flags.level } : {}),
          format: flags.format,
        });
        for (const message of output.messages) io.stderr(`${message}\n`);
        emit(output.text, flags.output, inputsOf(file));
      },
    );

  program
    .command('derive')
    .description('append derived columns to a CSV, e.g. a rate from a count and a population; writes CSV')
    .argument('<file>', 'a CSV file ("-" reads standard input)')
    .option('--derive <definition>', "e.g. 'cpp_rate = cpp_count / child_pop * 10000' (repeatable; in order)", collect)
    .option('--na <tokens>', 'extra cell values meaning "missing", comma-separated')
    .option('--level <level>', 'DfE statistics files: the geographic_level to keep (default "Local authority")')
    .option('--output <file>', 'write the CSV here instead of standard output')
    .action(async (file: string, flags: { derive?: string[]; na?: string; level?: string; output?: string }) => {
      const { runDerive } = await import('./commands/tables.js');
      const output = runDerive({
        file,
        derive: flags.derive ?? [],
        missingTokens: flags.na === undefined ? [] : flags.na.split(',').map((t) => t.trim()),
        ...(flags.level !== undefined ? { level: flags.level } : {}),
      });
      for (const message of output.messages) io.stderr(`${message}\n`);
      emit(output.text, flags.output, [file]);
    });

  program
    .command('simulate')
    .description(
      'write a synthetic authority × year panel (la, year, idaci, spend, vacancy, cpp_rate) whose NAO-layout split gives the requested shares',
    )
    .requiredOption(
      '--seed <n>',
      'random seed (whole number); the same seed gives the same file byte for byte',
      integer('--seed', 0),
    )
    .option('--authorities <n>', 'number of authorities', integer('--authorities', 3), 152)
    .option('--years <first-last>', 'years covered', '2012-2017')
    .option(
      '--shares <list>',
      'target shares in percent, e.g. practice=44,deprivation=15,policy=10,resources=6 (the NAO 2019 split)',
    )
    .option('--output <file>', 'write the CSV to this file instead of standard output')
    .action(async (options: { seed: number; authorities: number; years: string; shares?: string; output?: string }) => {
      const { runSimulate } = await import('./commands/simulate.js');
      emit(runSimulate(options), options.output, []);
    });

  return program;
}

/** Run the CLI with `argv` (without node and script); returns the exit code. Never throws. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram({ ...io, argv });
  try {
    await withStandardInput(io.stdin, () => program.parseAsync([...argv], { from: 'user' }));
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed its one-line message; help and version are successes.
      return error.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
    }
    io.stderr(`${messageFor(error)}\n`);
    return exitCodeFor(error);
  }
}
