/**
 * A kill inside the build's final write leaves either the old (unfinished) state or the whole
 * finished tree, never a half-written one. A child process runs the real buildIndex from dist/
 * with one IndexStore method patched to SIGKILL the process right after it ran, at exact points
 * inside (or just after) the transaction that writes the tree and the "complete" mark.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex } from '../../indexer/build.js';
import { openIndex } from '../../src/api/lattice-index.js';
import { isLatticeError } from '../../src/core/errors.js';
import { checkIndex } from '../../src/core/store/check-index.js';
import { cliPath, repoRoot, runCli, sampleCorpus, treeRows } from '../../scripts/reliability/harness.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-write-'));
let corpus: string;
let reference: ReturnType<typeof treeRows>;
const options = { branching: 6, seed: 5 };

/** The child: builds with one store method turned into a kill switch (argv: corpus, output, point). */
const CHILD = `
const [dist, corpus, output, point] = process.argv.slice(2);
const { buildIndex } = await import(dist + '/indexer/build.js');
const { IndexStore } = await import(dist + '/src/core/store/index-store.js');
const die = () => process.kill(process.pid, 'SIGKILL');
const patch = (name, when) => {
  const original = IndexStore.prototype[name];
  IndexStore.prototype[name] = function (...args) {
    const result = original.apply(this, args);
    if (when(args, result)) die();
    return result;
  };
};
let finalWrite = false;
if (point === 'after-nodes') patch('replaceNodes', () => true);
if (point === 'after-bm25') patch('setBlob', (args) => args[0] === 'bm25');
if (point === 'after-complete-mark') patch('setMeta', (args) => args[0] === 'build_status' && args[1] === 'complete');
if (point === 'after-commit') {
  patch('setMeta', (args) => { if (args[0] === 'build_status' && args[1] === 'complete') finalWrite = true; return false; });
  patch('transaction', () => finalWrite);
}
await buildIndex({ input: corpus, output, branching: ${options.branching}, seed: ${options.seed} });
console.log('not killed');
`;

beforeAll(async () => {
  cliPath(); // fails early with a clear message when dist/ is missing
  corpus = sampleCorpus(work, 70);
  const file = path.join(work, 'reference.db');
  await buildIndex({ input: corpus, output: file, ...options });
  reference = treeRows(file);
  fs.writeFileSync(path.join(work, 'child.mjs'), CHILD);
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function state(file: string): { status: string; nodes: number; bm25: boolean } {
  const db = new Database(file, { readonly: true });
  try {
    const status = JSON.parse((db.prepare(`SELECT value FROM meta WHERE key = 'build_status'`).get() as { value: string }).value) as string;
    const nodes = (db.prepare(`SELECT count(*) AS n FROM nodes`).get() as { n: number }).n;
    const bm25 = db.prepare(`SELECT 1 FROM blobs WHERE name = 'bm25'`).get() !== undefined;
    return { status, nodes, bm25 };
  } finally {
    db.close();
  }
}

async function killAt(point: string): Promise<string> {
  const output = path.join(work, `${point}.db`);
  const dist = pathToFileURL(path.join(repoRoot(), 'dist')).href;
  const { spawnSync } = await import('node:child_process');
  const child = spawnSync(process.execPath, [path.join(work, 'child.mjs'), dist, corpus, output, point], { encoding: 'utf8' });
  expect(child.signal).toBe('SIGKILL');
  expect(child.stdout).not.toMatch(/not killed/);
  return output;
}

describe('a kill during the final write', () => {
  for (const point of ['after-nodes', 'after-bm25', 'after-complete-mark']) {
    it(`${point}: leaves the unfinished state, which refuses to open and then resumes to the same tree`, async () => {
      const file = await killAt(point);
      // Everything written inside the transaction is gone, including the tree and the mark.
      expect(state(file)).toEqual({ status: 'building', nodes: 0, bm25: false });
      try {
        openIndex(file).close();
        expect.unreachable('an unfinished index opened');
      } catch (error) {
        expect(isLatticeError(error, 'INDEX_INCOMPLETE')).toBe(true);
      }
      const check = checkIndex(file);
      expect(check.checks.filter((c) => c.status === 'failed').map((c) => c.name)).toEqual(['build']);
      await buildIndex({ input: corpus, output: file, ...options });
      expect(checkIndex(file).ok).toBe(true);
      expect(treeRows(file)).toEqual(reference);
    });
  }

  it('after the commit: the whole tree is there and checks clean', async () => {
    const file = await killAt('after-commit');
    expect(state(file).status).toBe('complete');
    expect(state(file).nodes).toBe(reference.length);
    expect(treeRows(file)).toEqual(reference);
    const check = await runCli(['check', file]);
    expect(check.code).toBe(0);
    const index = openIndex(file);
    expect((await index.search('vitamin D deficiency')).hits.length).toBeGreaterThan(0);
    index.close();
  });
});
