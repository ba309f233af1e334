import { spawnSync } from 'node:child_process';

export const CLI = 'dist/src/cli.js';

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the built CLI as a child process (npm test builds it first). */
export function runCli(args: readonly string[], input?: string, env: Record<string, string> = {}): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The synthetic NAO panel (made by `simulate --seed 2019`), which the default no longer reads. */
export const SYNTHETIC_FILE = 'fixtures/nao-2019-synthetic.csv';

/** The NAO layout on the columns `simulate` writes (SIMULATED_SPEC), given as flags: deprivation is idaci. */
export const SYNTHETIC_MODEL = [
  '--fe',
  'practice=la',
  '--group',
  'deprivation=idaci',
  '--fe',
  'policy=year',
  '--group',
  'resources=spend,vacancy',
] as const;

/** `decompose`/`fit`/`report` arguments for the synthetic NAO panel with its model. */
export const SYNTHETIC = [SYNTHETIC_FILE, ...SYNTHETIC_MODEL] as const;
