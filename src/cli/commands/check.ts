/**
 * `lattice check index.db`: verifies an index (SQLite integrity plus the tree's invariants,
 * see src/core/store/check-index.ts) and prints one line per check, then every problem found.
 * Exit codes: 0 when clean, 1 when problems were found (or the file cannot be opened at all,
 * with the usual coded error). It only reads the file, so it is safe on an index in use.
 */
import type { Argv } from 'yargs';
import type { CliIO, CommandModule } from '../command.js';
import { formatInt } from '../output.js';

interface CheckArgs {
  index: string;
  'max-problems': number;
  json: boolean;
}

export const checkCommand: CommandModule<CheckArgs> = {
  command: 'check <index>',
  describe: 'Verify an index: SQLite integrity and the tree invariants (exit 1 when something is wrong)',
  builder: (y: Argv) =>
    y
      .positional('index', { type: 'string', demandOption: true, describe: 'Index file written by lattice build' })
      .option('max-problems', { type: 'number', default: 20, describe: 'Problems listed per check' })
      .example('$0 check sample.db', 'One line per check, then what is wrong')
      .example('$0 check sample.db --json', 'The report as one JSON document') as unknown as Argv<CheckArgs>,
  handler: async (args: CheckArgs, io: CliIO) => {
    const { checkIndex } = await import('../../index.js');
    const report = checkIndex(args.index, { maxProblemsPerCheck: args['max-problems'] });
    if (args.json) {
      io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      return report.ok ? 0 : 1;
    }
    const c = report.counts;
    const lines = [
      `Checked ${report.file}: schema ${report.schemaVersion ?? '?'}, build ${report.buildStatus}, ` +
        `${formatInt(c.nodes)} nodes (${formatInt(c.clusters)} clusters, ${formatInt(c.documentNodes)} documents, ${formatInt(c.chunks)} chunks)`,
    ];
    const width = Math.max(...report.checks.map((check) => check.description.length));
    for (const check of report.checks) {
      const mark = check.status === 'ok' ? 'ok  ' : check.status === 'skipped' ? 'skip' : 'FAIL';
      const count = check.problems > 0 ? `  ${formatInt(check.problems)} problem${check.problems === 1 ? '' : 's'}` : '';
      lines.push(`  ${mark}  ${count ? `${check.description.padEnd(width)}${count}` : check.description}`);
    }
    if (report.ok) {
      lines.push('No problems found.');
      io.stdout(`${lines.join('\n')}\n`);
      return 0;
    }
    lines.push('', 'Problems:');
    for (const problem of report.problems) lines.push(`  [${problem.check}] ${problem.message}`);
    const total = report.checks.reduce((sum, check) => sum + check.problems, 0);
    if (total > report.problems.length) lines.push(`  ... ${formatInt(total - report.problems.length)} more (raise --max-problems to list them)`);
    lines.push('', `${formatInt(total)} problem${total === 1 ? '' : 's'} found. ${advice(report)}`);
    io.stdout(`${lines.join('\n')}\n`);
    return 1;
  },
};

/** The one most useful next step for the kind of damage found. */
function advice(report: { buildStatus: string; checks: { name: string; status: string }[] }): string {
  const failed = new Set(report.checks.filter((c) => c.status === 'failed').map((c) => c.name));
  if (failed.size === 1 && failed.has('build')) return 'Run the same `lattice build` command again to finish the build.';
  if (failed.has('sqlite')) return 'The file is damaged: move it aside and build the index again with `lattice build`.';
  return 'Rebuild the index with `lattice build <corpus> -o <index> --force` (cached model answers are reused).';
}
