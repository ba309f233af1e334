import { Writable } from 'node:stream';
import { main } from '../../src/program.js';

export interface InProcessResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the CLI in this process (`main` with captured streams), as a pipeline would see it: no terminal, no colour. */
export async function run(args: readonly string[]): Promise<InProcessResult> {
  let stdout = '';
  let stderr = '';
  const status = await main(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    stdoutIsTty: false,
    stderrIsTty: false,
    stderrStream: new Writable({ write: (_chunk, _encoding, done) => done() }),
    env: { NO_COLOR: '1' },
  });
  return { status, stdout, stderr };
}
