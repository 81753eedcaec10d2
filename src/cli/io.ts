/**
 * The CLI's view of the terminal: two text streams, whether stderr is a TTY, and env.
 * Why: commands write only through this, so tests run the CLI in-process and capture
 * both streams, and no module below the CLI ever touches process.stdout.
 */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is an interactive terminal (progress bars, colour). */
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  /** Lines of standard input, for batch queries; undefined when stdin is a TTY. */
  readStdin?: () => AsyncIterable<string>;
  /** Calls `onInterrupt` on Ctrl-C (SIGINT) until the returned function is called; absent in tests. */
  trapInterrupt?: (onInterrupt: () => void) => () => void;
}

export function processIO(): CliIO {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    ...(process.stdin.isTTY ? {} : { readStdin: () => readLines(process.stdin) }),
    trapInterrupt: (onInterrupt) => {
      // First Ctrl-C stops gracefully; a second one falls through to Node's default (exit).
      const handler = () => {
        process.removeListener('SIGINT', handler);
        onInterrupt();
      };
      process.on('SIGINT', handler);
      return () => process.removeListener('SIGINT', handler);
    },
  };
}

async function* readLines(stream: NodeJS.ReadableStream): AsyncIterable<string> {
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  for await (const line of rl) yield line;
}
