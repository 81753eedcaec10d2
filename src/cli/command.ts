/**
 * The shape of one `lattice` subcommand: yargs wiring plus a handler that returns an exit code.
 * Why its own module: main.ts lists the commands and each command implements this, so neither
 * imports the other.
 */
import type { Argv } from 'yargs';
import type { CliIO } from './io.js';

export type { CliIO };

/** What every command module exports: yargs wiring plus a handler returning an exit code. */
export interface CommandModule<A> {
  command: string;
  describe: string;
  builder: (y: Argv) => Argv<A>;
  handler: (args: A, io: CliIO) => Promise<number>;
}
