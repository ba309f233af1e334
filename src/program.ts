import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { BUNDLED_DATASET } from './commands/data.js';
import { OUTPUT_FORMATS, type OutputFormat } from './commands/decompose.js';
import { EXIT_BAD_INPUT, EXIT_OK, exitCodeFor, messageFor } from './errors.js';
import { writeOutputFile } from './io/output.js';
import { packageVersion } from './io/packageRoot.js';
import { DECOMPOSITION_METHODS, type DecompositionMethod } from './models/decompose.js';
import { parseGroupArgument, type GroupSpec } from './models/spec.js';

/** Where a command's text goes, and what the process is writing to; injected so tests can run in-process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stdoutIsTty: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const DEFAULTS_HELP = `
With no --group/--fe flags the model is the National Audit Office's (2019) layout:
  --outcome cpp_rate --fe practice=la --group deprivation=idaci --fe policy=year --group resources=spend,vacancy
With no FILE it runs on the bundled dataset ${BUNDLED_DATASET}, which is SYNTHETIC: made by
\`cpp-variance simulate --seed 2019\` and calibrated to the NAO's published 44/15/10/6/25 split.

Exit codes: 0 success, 2 bad usage or bad data, 1 internal error.`;

function integer(name: string, minimum: number) {
  return (text: string): number => {
    if (!/^\d+$/.test(text.trim()) || Number(text) < minimum) throw new InvalidArgumentError(`${name} must be a whole number ≥ ${minimum}`);
    return Number(text);
  };
}

/** Flags shared by every command that reads a panel and builds a model. */
interface ModelFlags {
  readonly outcome?: string;
  readonly na?: string;
  readonly format: OutputFormat;
  readonly output?: string;
}

/**
 * Add the data and model flags to a command. --group and --fe write into one list so that groups keep the
 * order in which they were given.
 */
function withModelFlags(command: Command, groups: GroupSpec[]): Command {
  return command
    .argument('[file]', 'long-panel CSV, one row per authority × year; "-" reads standard input (default: bundled dataset)')
    .option('--outcome <column>', 'outcome column (default: cpp_rate)')
    .option('--group <name=cols>', 'a group of numeric predictors, e.g. resources=spend,vacancy (repeatable)', (text: string) => {
      groups.push(parseGroupArgument(text, 'numeric'));
      return groups;
    })
    .option('--fe <name=col>', 'a fixed-effect group: one indicator per level of col, e.g. practice=la (repeatable)', (text: string) => {
      groups.push(parseGroupArgument(text, 'fixed-effect'));
      return groups;
    })
    .option('--na <tokens>', 'extra cell values meaning "missing", comma-separated (empty cells and NA always are)')
    .addOption(new Option('--format <format>', 'output format').choices([...OUTPUT_FORMATS]).default('table'))
    .option('--output <file>', 'write the output to this file instead of standard output')
    .addHelpText('after', DEFAULTS_HELP);
}

function dataOptions(file: string | undefined, flags: ModelFlags, groups: readonly GroupSpec[]) {
  return {
    ...(file !== undefined ? { file } : {}),
    ...(flags.outcome !== undefined ? { outcome: flags.outcome } : {}),
    groups,
    missingTokens: flags.na === undefined ? [] : flags.na.split(',').map((t) => t.trim()),
  };
}

/** Build the command-line program; actions return text for `io.stdout` or write `--output`. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('cpp-variance')
    .description('Split the variance of child protection plan rates between local authorities into named groups of predictors.')
    .version(packageVersion())
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showSuggestionAfterError(true);

  const emit = (text: string, output: string | undefined, inputs: readonly string[]) => {
    if (output === undefined) io.stdout(text);
    else writeOutputFile(output, text, inputs);
  };
  const inputsOf = (file: string | undefined) => (file === undefined ? [] : [file]);

  const decomposeGroups: GroupSpec[] = [];
  withModelFlags(
    program.command('decompose').description('apportion R² of an OLS fit with fixed effects to named groups of predictors (exact Shapley / LMG by default)'),
    decomposeGroups,
  )
    .addOption(
      new Option('--method <method>', 'how R² is apportioned; "all" compares the methods side by side').choices([...DECOMPOSITION_METHODS]).default('shapley'),
    )
    .option('--order <groups>', 'order of entry for --method sequential, comma-separated group names (default: as given)')
    .action(async (file: string | undefined, flags: ModelFlags & { method: DecompositionMethod; order?: string }) => {
      const { runDecompose } = await import('./commands/decompose.js');
      const text = runDecompose({
        ...dataOptions(file, flags, decomposeGroups),
        method: flags.method,
        ...(flags.order !== undefined ? { order: flags.order.split(',').map((name) => name.trim()) } : {}),
        format: flags.format,
        color: flags.output === undefined && io.stdoutIsTty && !io.env.NO_COLOR,
      });
      emit(text, flags.output, inputsOf(file));
    });

  const fitGroups: GroupSpec[] = [];
  withModelFlags(program.command('fit').description('the regression behind a decomposition: coefficients, standard errors, R², F, VIF'), fitGroups)
    .option('--cluster <column>', 'cluster-robust (CR1) standard errors by this column, t on G − 1 df')
    .option('--no-intercept', 'leave out the intercept (models without fixed effects only; R² is then uncentred, as in R)')
    .option('--show-fe', 'also print the fixed-effect coefficients (treatment contrasts, as R lm)')
    .action(async (file: string | undefined, flags: ModelFlags & { cluster?: string; intercept: boolean; showFe?: boolean }) => {
      const { runFit } = await import('./commands/fit.js');
      const text = runFit({
        ...dataOptions(file, flags, fitGroups),
        ...(flags.cluster !== undefined ? { cluster: flags.cluster } : {}),
        intercept: flags.intercept,
        showFixedEffects: flags.showFe === true,
        format: flags.format,
      });
      emit(text, flags.output, inputsOf(file));
    });

  program
    .command('simulate')
    .description('write a synthetic authority × year panel whose default decomposition gives the requested shares')
    .requiredOption('--seed <n>', 'random seed (whole number); the same seed gives the same file byte for byte', integer('--seed', 0))
    .option('--authorities <n>', 'number of authorities', integer('--authorities', 3), 152)
    .option('--years <first-last>', 'years covered', '2012-2017')
    .option('--shares <list>', 'target shares in percent, e.g. practice=44,deprivation=15,policy=10,resources=6 (the NAO 2019 split)')
    .option('--output <file>', 'write the CSV to this file instead of standard output')
    .action(async (options: { seed: number; authorities: number; years: string; shares?: string; output?: string }) => {
      const { runSimulate } = await import('./commands/simulate.js');
      emit(runSimulate(options), options.output, []);
    });

  return program;
}

/** Run the CLI with `argv` (without node and script); returns the exit code. Never throws. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
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
