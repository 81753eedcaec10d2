/**
 * The `lattice` command line: wires yargs once and dispatches to one module per command.
 * Why `main(argv, io)` returns an exit code instead of exiting: tests run the CLI in-process
 * with captured streams, and the launcher (bin/lattice.js) sets process.exitCode.
 * Conventions (clig.dev): results on stdout, progress and messages on stderr, --json gives one
 * JSON document on stdout, usage errors exit 2, user-fixable errors exit 1.
 */
import yargs from 'yargs';
import { processIO, type CliIO } from './io.js';
import type { CommandModule } from './command.js';
import { reportError } from './output.js';
import { flagSuggestion, unparsedNumber } from './usage-checks.js';
import { buildCommand } from './commands/build.js';
import { queryCommand } from './commands/query.js';
import { inspectCommand } from './commands/inspect.js';
import { evalCommand } from './commands/eval.js';
import { checkCommand } from './commands/check.js';

const VERSION = '0.1.0';

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  let exitCode = 0;
  let handled = false;
  const commands = [buildCommand, queryCommand, inspectCommand, evalCommand, checkCommand] as CommandModule<unknown>[];

  let parser = yargs()
    .scriptName('lattice')
    .usage('$0 <command> [options]\n\nLLM-guided hierarchical retrieval: build a semantic tree over a corpus, then search it.')
    .option('json', { type: 'boolean', default: false, describe: 'Print one JSON document on stdout' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No progress output' })
    .strict()
    .demandCommand(1, 'Name a command: build, query, inspect, eval or check.')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(VERSION)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false)
    .check((args) => {
      const bad = unparsedNumber(args as Record<string, unknown>, argv);
      if (bad) throw new UsageError(bad);
      return true;
    }, true)
    .fail((message, error) => {
      // Usage problems only; handler errors are caught inside the handlers.
      if (error) throw error;
      // The one yargs instance holds the options of the command being parsed.
      const options = (parser as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions();
      throw new UsageError(`${message}${flagSuggestion(message ?? '', Object.keys(options.key).filter((k) => !/[A-Z]/.test(k)))}`);
    });

  for (const module of commands) {
    parser = parser.command(
      module.command,
      module.describe,
      (y) => module.builder(y),
      async (args) => {
        handled = true;
        const json = Boolean((args as { json?: boolean }).json);
        try {
          exitCode = await module.handler(args as unknown, io);
        } catch (error) {
          exitCode = reportError(io, error, json);
        }
      },
    );
  }

  try {
    let output = '';
    await parser.parseAsync(argv, {}, (_err, _args, text) => {
      output = text ?? '';
    });
    if (output) io.stdout(`${output}\n`);
    if (!handled && exitCode === 0 && !output) exitCode = 0;
    return exitCode;
  } catch (error) {
    if (error instanceof UsageError || (error instanceof Error && error.name === 'YError')) {
      io.stderr(`${error.message}\nRun \`lattice --help\` for usage.\n`);
      return 2;
    }
    return reportError(io, error, argv.includes('--json'));
  }
}

class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
