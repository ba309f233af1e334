import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EXIT_BAD_INPUT, EXIT_OK, exitCodeFor, messageFor } from './errors.js';
import { writeOutputFile } from './io/output.js';
import { packageVersion } from './io/packageRoot.js';
import { parseGroupArgument, type GroupSpec } from './models/spec.js';
import { BUNDLED_DATASET, type OutputFormat } from './commands/decompose.js';
import { DECOMPOSITION_METHODS, type DecompositionMethod } from './models/decompose.js';

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

interface DecomposeFlags {
  readonly outcome?: string;
  readonly method: DecompositionMethod;
  readonly order?: string;
  readonly na?: string;
  readonly format: OutputFormat;
  readonly output?: string;
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

  // --group and --fe share one list so that groups keep the order they were given in.
  const groups: GroupSpec[] = [];
  program
    .command('decompose')
    .description('apportion R² of an OLS fit with fixed effects to named groups of predictors (exact Shapley / LMG)')
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
    .addOption(
      new Option('--method <method>', 'how R² is apportioned; "all" compares the methods side by side')
        .choices([...DECOMPOSITION_METHODS])
        .default('shapley'),
    )
    .option('--order <groups>', 'order of entry for --method sequential, comma-separated group names (default: as given)')
    .option('--na <tokens>', 'extra cell values meaning "missing", comma-separated (empty cells and NA always are)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--output <file>', 'write the output to this file instead of standard output')
    .addHelpText('after', DEFAULTS_HELP)
    .action(async (file: string | undefined, options: DecomposeFlags) => {
      const { runDecompose } = await import('./commands/decompose.js');
      const text = runDecompose({
        ...(file !== undefined ? { file } : {}),
        ...(options.outcome !== undefined ? { outcome: options.outcome } : {}),
        groups,
        missingTokens: options.na === undefined ? [] : options.na.split(',').map((t) => t.trim()),
        method: options.method,
        ...(options.order !== undefined ? { order: options.order.split(',').map((name) => name.trim()) } : {}),
        format: options.format,
        color: options.output === undefined && io.stdoutIsTty && !io.env.NO_COLOR,
      });
      emit(text, options.output, file === undefined ? [] : [file]);
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
