import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process (as `lattice <args>`), capturing both streams. */
export async function runLattice(args: string[], options: { stdin?: string[]; isTTY?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    isTTY: options.isTTY ?? false,
    env: options.env ?? process.env,
    ...(options.stdin
      ? {
          readStdin: async function* () {
            for (const line of options.stdin!) yield line;
          },
        }
      : {}),
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}
