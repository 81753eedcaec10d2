/**
 * Text helpers for the CLI: shortening, numbers, small tables, and the one way errors are shown.
 * Errors: a LatticeError prints `error CODE: message` and `hint: ...` on stderr (exit 1), or
 * one JSON object on stdout with --json; anything else is a bug and prints its stack with a
 * request to report it. Secrets never reach these strings (errors are built without them).
 */
import { isLatticeError } from '../index.js';
import type { CountSpread } from '../core/types.js';
import type { CliIO } from './io.js';

/** Collapses whitespace and cuts to `max` characters with an ellipsis. */
export function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  return `${flat.slice(0, Math.max(1, max - 1)).trimEnd()}…`;
}

export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** The tree-shape rows of build and inspect: children per cluster, then chunks per chunked document apart (--branching bounds only the first). */
export function fanOutRows(fanOut: CountSpread, chunksPerDocument: CountSpread | null): [string, string][] {
  const spread = (s: CountSpread): string => `${s.min}–${s.max} (mean ${s.mean.toFixed(1)})`;
  const rows: [string, string][] = [['fan-out', `${spread(fanOut)} children per cluster`]];
  if (chunksPerDocument && chunksPerDocument.max > 0) rows.push(['chunks', `${spread(chunksPerDocument)} per chunked document (not bounded by M)`]);
  return rows;
}

/** Left-aligned key/value lines: `  documents   5,183`. */
export function keyValues(rows: [string, string][], indent = '  '): string {
  const width = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${indent}${k.padEnd(width)}  ${v}`).join('\n');
}

/** Writes an error the way the CLI promises; returns the exit code. */
export function reportError(io: CliIO, error: unknown, json: boolean): number {
  if (isLatticeError(error)) {
    if (json) {
      io.stdout(`${JSON.stringify({ error: error.toJSON() }, null, 2)}\n`);
    } else {
      io.stderr(`error ${error.code}: ${error.message}\n`);
      if (error.hint) io.stderr(`hint: ${error.hint}\n`);
    }
    return 1;
  }
  if (error instanceof Error && error.name === 'AbortError') {
    io.stderr('Interrupted.\n');
    return 130;
  }
  const stack = error instanceof Error ? error.stack ?? error.message : String(error);
  if (json) io.stdout(`${JSON.stringify({ error: { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) } })}\n`);
  io.stderr(`internal error: this is a bug in lattice, please report it with the command you ran.\n${stack}\n`);
  return 70;
}
