/**
 * Real model folders for the tests that run real weights. `npm test` fetches them first
 * (`fetch-models --for-tests`); when that failed, it left its message in models/.fetch-failure.txt,
 * and a test that needs a model fails with that message: never a silent skip.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const modelsDir = path.join(repoRoot, 'models');

/** The absolute path of `models/<name>/<file>` (the folder when no file is named); throws with the fetch step's message when missing. */
export function requireModel(name: string, file?: string): string {
  const target = path.join(modelsDir, name, ...(file ? [file] : []));
  if (fs.existsSync(target)) return target;
  const failure = path.join(modelsDir, '.fetch-failure.txt');
  const why = fs.existsSync(failure) ? `The fetch step failed:\n${fs.readFileSync(failure, 'utf8')}` : 'Run `npm run models` (or `npm test`, which fetches them).';
  throw new Error(`${path.relative(repoRoot, target)} is missing. ${why}`);
}
