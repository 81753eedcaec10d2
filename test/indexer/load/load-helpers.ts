/**
 * Helpers for the loader tests: throwaway directories under the OS temp folder and a
 * coded-error assertion. Hostile fixtures (bad bytes, links, FIFOs) are generated here
 * at test time rather than committed, so the repository holds no binary or looping files.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { isLatticeError, type LatticeError, type LatticeErrorCode } from '../../../src/core/errors.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const datasetsDir = path.resolve(repoRoot, '../shared/datasets');

const made: string[] = [];

/** A fresh empty directory, removed by `removeTempDirs`. */
export function tempDir(prefix = 'lattice-load-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Writes `content` at `dir/rel`, creating parent folders. */
export function put(dir: string, rel: string, content: string | Buffer): string {
  const file = path.join(dir, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

/** Lines joined with `\n` and a trailing newline: a JSONL file body. */
export function jsonl(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** Awaits `promise`, asserts it rejects with a LatticeError of `code`, and returns that error. */
export async function rejectsWith(promise: Promise<unknown>, code: LatticeErrorCode): Promise<LatticeError> {
  try {
    await promise;
  } catch (error) {
    if (!isLatticeError(error, code)) {
      throw new Error(`expected LatticeError ${code}, got ${String((error as { code?: string }).code ?? error)}`, { cause: error });
    }
    return error;
  }
  expect.unreachable(`expected a LatticeError ${code}`);
  throw new Error('unreachable');
}
