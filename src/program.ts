import { Command, CommanderError, Option } from 'commander';
import type { SingleBar } from 'cli-progress';
import { DEFAULT_DATASET, defaultDatasetPath, ENGLAND_PANEL_EXTENT, SYNTHETIC_DATASET } from './input/datasets.js';
import {
  EXIT_BAD_INPUT,
  EXIT_OK,
  ExpectationError,
  exitCodeFor,
  messageFor,
  ParameterError,
  UsageError,
} from './errors.js';
import { checkOutputTarget, writeOutput } from './io/output.js';
import { packageVersion } from './io/packageRoot.js';
import { DEFAULT_SPEC, formulaCommandLine, parseGroupArgument, type GroupSpec } from './models/spec/spec.js';
import { GROUP_FLAGS, PARAMETERS, parameterLabel, type CommandName } from './request/parameters.js';
import {
  decomposeRequest,
  dedupeRequest,
  deriveRequest,
  describeRequest,
  fitRequest,
  joinRequest,
  reportRequest,
  simulateRequest,
  stackRequest,
  type Destination,
  type GivenFlags,
} from './request/request.js';
import { printableLines } from './report/printable.js';
import { withStandardInput, type StdinSource } from './io/source.js';

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

/** The default model as flags (DEFAULT_SPEC). */
const DEFAULT_MODEL =
  '--outcome cpp_rate --fe practice=la --group deprivation=child_poverty --fe policy=year ' +
  '--group resources=spend,vacancy';

/** The model of the synthetic NAO panel as flags (its spec file, for the commands that read one). */
const SYNTHETIC_MODEL = '--fe practice=la --group deprivation=idaci --fe policy=year --group resources=spend,vacancy';

/**
 * The end of a model command's --help: what it does with no file and no model, and examples. Every line that starts
 * with `cpp-variance ` is run as shown by the README check (scripts/readme-examples.mjs), from a clone's folder.
 */
function modelCommandHelp(name: CommandName): string {
  const output = name === 'report' ? ' --output report.html' : '';
  const nao = name === 'decompose' ? '--spec fixtures/nao-2019-analysis.json' : SYNTHETIC_MODEL;
  return `
With no FILE it runs on ${DEFAULT_DATASET}:
  real public data, ${ENGLAND_PANEL_EXTENT} (DfE, ONS and IPSE; sources in fixtures/real/SOURCES.md).
With no --group/--fe/--formula the model is the National Audit Office's (2019) layout on the England panel's columns.
So these three are the same run: the defaults, the file and model as flags, and the model as a formula:
  cpp-variance ${name}${output}
  cpp-variance ${name} ${DEFAULT_DATASET} ${DEFAULT_MODEL}${output}
  cpp-variance ${name} ${formulaCommandLine(DEFAULT_SPEC)}${output}
The NAO reproduction runs on the SYNTHETIC panel ${SYNTHETIC_DATASET} (made by \`cpp-variance simulate --seed 2019\`,
calibrated to the NAO's 44/15/10/6/25), from the folder of a clone or of the installed package:
  cpp-variance ${name} ${SYNTHETIC_DATASET} ${nao}${output}

Exit codes: 0 success, 2 bad usage or bad data, 3 an --expect check failed, 1 internal error.`;
}

/** Runs shorter than this draw no progress bar. */
const PROGRESS_AFTER_MS = 2000;

/**
 * A progress bar with an ETA on stderr (only used when stderr is a terminal), shown once a run has taken
 * PROGRESS_AFTER_MS and looks set to take longer; runs that end sooner stay silent.
 */
function progressBar(
  io: CliIo,
  unit: string,
  { Presets, SingleBar: Bar }: typeof import('cli-progress'),
): (done: number, total: number) => void {
  let bar: SingleBar | undefined;
  const started = Date.now();
  return (done, total) => {
    if (!bar) {
      const elapsed = Date.now() - started;
      if (elapsed < PROGRESS_AFTER_MS || done === total) return;
      bar = new Bar(
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

/** Quote an argument for a POSIX shell when it needs it. */
function shellQuote(argument: string): string {
  return /^[A-Za-z0-9_./=:,@%+-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", "'\\''")}'`;
}

/** Declare `name`'s parameters on `command` from the parameter table; the returned function reads what was given. */
function declare(
  command: Command,
  name: CommandName,
  groups?: GroupSpec[],
): () => Map<string, string | readonly string[] | boolean> {
  if (groups) {
    const add = (kind: GroupSpec['kind']) => (text: string) => {
      groups.push(parseGroupArgument(text, kind));
      return groups;
    };
    command.option(GROUP_FLAGS.group.flag, GROUP_FLAGS.group.description, add('numeric'));
    command.option(GROUP_FLAGS.fe.flag, GROUP_FLAGS.fe.description, add('fixed-effect'));
  }
  const declared = PARAMETERS[name].map((parameter) => {
    const option = new Option(parameter.flag, parameter.description);
    if (parameter.repeatable) option.argParser(collect);
    command.addOption(option);
    return { parameter, attribute: option.attributeName(), negated: option.negate };
  });
  return () => {
    const given = new Map<string, string | readonly string[] | boolean>();
    for (const { parameter, attribute, negated } of declared) {
      if (command.getOptionValueSource(attribute) !== 'cli') continue;
      const value = command.getOptionValue(attribute) as string | string[] | boolean;
      given.set(parameter.name, negated ? false : value);
    }
    return given;
  };
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/**
 * Whether the environment asks for colour (true), forbids it (false) or leaves it to the stream (undefined):
 * commander's own rule (NO_COLOR, FORCE_COLOR, CLICOLOR_FORCE), applied to `io.env` instead of process.env.
 */
function colourFromEnv(env: CliIo['env']): boolean | undefined {
  if (env.NO_COLOR || env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return false;
  if (env.FORCE_COLOR || env.CLICOLOR_FORCE !== undefined) return true;
  return undefined;
}

/** Build the command-line program: each action checks its request, runs the command and writes the output. */
function buildProgram(io: CliIo): Command {
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

  const finish = (
    checked: { destination: Destination; notes: readonly string[] },
    text: string,
    messages: readonly string[],
  ) => {
    for (const line of [...checked.notes, ...messages]) io.stderr(`${line}\n`);
    const { output, inputs } = checked.destination;
    writeOutput(output, text, inputs, io.stdout);
  };
  /** The output target is checked before any work, so that a long run is not wasted on a refused --output. */
  const early = <T extends { destination: Destination }>(checked: T): T => {
    const { output, inputs } = checked.destination;
    if (output !== undefined && output !== '-') checkOutputTarget(output, inputs);
    return checked;
  };
  const defaultDataset = defaultDatasetPath();
  // The progress bar's library is loaded only for a terminal, where a bar can be drawn.
  const progress = async (quiet: boolean, unit: string) =>
    !quiet && io.stderrIsTty ? progressBar(io, unit, await import('cli-progress')) : undefined;
  const toTerminal = (output: string | undefined) => (output === undefined || output === '-') && io.stdoutIsTty;
  const colour = (output: string | undefined) => ({
    color: toTerminal(output) && !io.env.NO_COLOR,
    ...(toTerminal(output) && io.stdoutColumns ? { terminalWidth: io.stdoutColumns } : {}),
  });
  const modelCommand = (name: CommandName, description: string) => {
    const command = program.command(name).description(description).argument('[file]', FILE_HELP);
    const groups: GroupSpec[] = [];
    const given = declare(command, name, groups);
    command.addHelpText('after', modelCommandHelp(name));
    return {
      command,
      read: (file: string | undefined): GivenFlags => ({
        values: given(),
        groups,
        ...(file !== undefined ? { file } : {}),
      }),
    };
  };

  const decompose = modelCommand(
    'decompose',
    'apportion R² of an OLS fit with fixed effects to named groups of predictors (exact Shapley / LMG by default)',
  );
  decompose.command.action(async (file: string | undefined) => {
    const given = decompose.read(file);
    const specPath = given.values.get('spec') as string | undefined;
    const spec =
      specPath === undefined ? undefined : (await import('./request/specFile.js')).readSpecFile(specPath, 'decompose');
    const checked = early(decomposeRequest(given, defaultDataset, spec));
    const { runDecompose } = await import('./commands/decompose.js');
    const { quiet, ...options } = checked.options;
    const onProgress = await progress(quiet, options.bootstrap ? 'bootstrap replicates' : 'steps');
    const onPermutationProgress = options.permutations ? await progress(quiet, 'permutations') : undefined;
    const output = await runDecompose({
      ...options,
      ...colour(checked.destination.output),
      ...(onProgress ? { onProgress } : {}),
      ...(onPermutationProgress ? { onPermutationProgress } : {}),
    });
    finish(checked, output.text, output.messages);
    const misses = output.checks.filter((check) => !check.passed);
    for (const miss of misses) io.stderr(`${miss.message}\n`);
    if (misses.length > 0)
      throw new ExpectationError(`${misses.length} of ${output.checks.length} expected shares missed`);
  });

  const fit = modelCommand('fit', 'the regression behind a decomposition: coefficients, standard errors, R², F, VIF');
  fit.command.action(async (file: string | undefined) => {
    const checked = early(fitRequest(fit.read(file), defaultDataset));
    const { runFit } = await import('./commands/fit.js');
    const output = runFit(checked.options);
    finish(checked, output.text, output.messages);
  });

  const report = modelCommand(
    'report',
    'one self-contained HTML file: data summary, model, split figure and table, method comparison, regression, ' +
      'reproducibility',
  );
  report.command.action(async (file: string | undefined) => {
    const checked = early(reportRequest(report.read(file), defaultDataset));
    const { reportWithMessages } = await import('./commands/report.js');
    const { quiet, ...options } = checked.options;
    const onProgress = options.bootstrap ? await progress(quiet, 'bootstrap replicates') : undefined;
    const onPermutationProgress = options.permutations ? await progress(quiet, 'permutations') : undefined;
    const output = reportWithMessages({
      ...options,
      command: ['cpp-variance', ...argvOf(io)].map(shellQuote).join(' '),
      ...(onProgress ? { onProgress } : {}),
      ...(onPermutationProgress ? { onPermutationProgress } : {}),
    });
    finish(checked, output.text, output.messages);
  });

  const join = program
    .command('join')
    .description('merge CSV files on key columns (e.g. authority and year), reporting every unmatched key; writes CSV')
    .argument(
      '<files...>',
      'two or more CSV files or workbooks (.xlsx, .ods) (DfE statistics files are recognised and normalised)',
    );
  const joinGiven = declare(join, 'join');
  join.action(async (files: string[]) => {
    const checked = early(joinRequest({ values: joinGiven(), files }));
    const { runJoin } = await import('./commands/tables.js');
    const output = runJoin(checked.options);
    finish(checked, output.text, output.messages);
  });

  const stack = program
    .command('stack')
    .description(
      'put the rows of several CSV files one after another (e.g. one file per year), keeping the named columns (one ' +
        'file: just keep those columns); writes CSV',
    )
    .argument(
      '<files...>',
      'two or more CSV files or workbooks (.xlsx, .ods), or one with --columns (DfE statistics files are recognised ' +
        'and normalised)',
    );
  const stackGiven = declare(stack, 'stack');
  stack.action(async (files: string[]) => {
    const checked = early(stackRequest({ values: stackGiven(), files }));
    const { runStack } = await import('./commands/tables.js');
    const output = runStack(checked.options);
    finish(checked, output.text, output.messages);
  });

  const describe = program
    .command('describe')
    .description(
      'first look at a file: each column, missing values by symbol, the panel structure, and how much of the outcome ' +
        'varies between units; with --by, summaries of numeric columns by category (means with 95% CIs, η², ' +
        'ANOVA and Welch tests)',
    )
    .argument('[file]', `a CSV file or Excel workbook (.xlsx) ("-" reads standard input; default: ${DEFAULT_DATASET})`);
  const describeGiven = declare(describe, 'describe');
  describe.action(async (file: string | undefined) => {
    const checked = early(
      describeRequest({ values: describeGiven(), ...(file !== undefined ? { file } : {}) }, defaultDataset),
    );
    const { runDescribe } = await import('./commands/tables.js');
    const output = runDescribe(checked.options);
    finish(checked, output.text, output.messages);
  });

  const derive = program
    .command('derive')
    .description('append derived columns to a CSV, e.g. a rate from a count and a population; writes CSV')
    .argument('<file>', 'a CSV file or Excel workbook (.xlsx) ("-" reads standard input)');
  const deriveGiven = declare(derive, 'derive');
  derive.action(async (file: string) => {
    const checked = early(deriveRequest({ values: deriveGiven(), file }));
    const { runDerive } = await import('./commands/tables.js');
    const output = runDerive(checked.options);
    finish(checked, output.text, output.messages);
  });

  const dedupe = program
    .command('dedupe')
    .description(
      'keep one row per key (e.g. authority and year), reporting every duplicated key and what was kept; writes CSV',
    )
    .argument('<file>', 'a CSV file or Excel workbook (.xlsx) ("-" reads standard input)');
  const dedupeGiven = declare(dedupe, 'dedupe');
  dedupe.action(async (file: string) => {
    const checked = early(dedupeRequest({ values: dedupeGiven(), file }));
    const { runDedupe } = await import('./commands/tables.js');
    const output = runDedupe(checked.options);
    finish(checked, output.text, output.messages);
  });

  const simulate = program
    .command('simulate')
    .description(
      'write a synthetic authority × year panel (la, year, idaci, spend, vacancy, cpp_rate) whose NAO-layout split ' +
        'gives the requested shares',
    );
  const simulateGiven = declare(simulate, 'simulate');
  simulate.action(async () => {
    const checked = early(simulateRequest({ values: simulateGiven() }));
    const { runSimulate } = await import('./commands/simulate.js');
    finish(checked, runSimulate(checked.options), []);
  });

  return program;
}

const FILE_HELP =
  'long-panel CSV or Excel workbook (.xlsx), one row per authority × year; ' +
  `"-" reads standard input (default: ${DEFAULT_DATASET})`;

/** A parameter named below the command line gets its flag and spec key: `order` → `--order / "order"`. */
function named(error: unknown, command: CommandName | undefined): unknown {
  if (!(error instanceof ParameterError) || command === undefined) return error;
  const parameter = PARAMETERS[command].find((candidate) => candidate.name === error.parameter);
  return parameter === undefined ? error : new UsageError(`${parameterLabel(parameter, command)}: ${error.detail}`);
}

/** Run the CLI with `argv` (without node and script); returns the exit code. Never throws. */
export async function main(argv: readonly string[], given: CliIo): Promise<number> {
  // No name quoted in a message may act on the terminal: everything for standard error is made printable here.
  const io: CliIo = { ...given, stderr: (text) => given.stderr(printableLines(text)) };
  const program = buildProgram({ ...io, argv });
  let running: CommandName | undefined;
  program.hook('preAction', (_program, action) => {
    running = action.name() as CommandName;
  });
  if (argv.length === 0) {
    // No command: the overview of the commands, as --help gives it, and success (nothing was asked that failed).
    io.stdout(program.helpInformation());
    return EXIT_OK;
  }
  try {
    await withStandardInput(io.stdin, () => program.parseAsync([...argv], { from: 'user' }));
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed its one-line message; help and version are successes.
      return error.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
    }
    io.stderr(`${messageFor(named(error, running))}\n`);
    return exitCodeFor(error);
  }
}
