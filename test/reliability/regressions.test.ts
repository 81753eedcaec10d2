/**
 * Regressions found by the reliability suite, each pinned by a test that failed before its fix:
 * - a new index's schema and its format marker commit together (a build killed between them left
 *   a file that opened as "not a lattice index" forever after);
 * - an empty file, what a build killed at once leaves, is an unfinished index, not a foreign file;
 * - a damaged page met by a query (after a clean open) is INDEX_CORRUPT, not an internal error;
 * - a long build does not pile one abort listener per model call onto its signal.
 */
import { getEventListeners } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { buildIndex } from '../../indexer/build.js';
import { openIndex } from '../../src/api/lattice-index.js';
import { isLatticeError } from '../../src/core/errors.js';
import { IndexStore } from '../../src/core/store/index-store.js';
import { openDatabase } from '../../src/core/store/open-database.js';
import { startOpenAITestServer } from '../helpers/openai-test-server.js';
import { sampleCorpus } from '../../scripts/reliability/harness.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-regressions-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'no error';
  } catch (error) {
    return isLatticeError(error) ? error.code : `raw ${String(error)}`;
  }
}

describe('opening and creating index files', () => {
  it('commits the schema and the format marker together', () => {
    const file = path.join(work, 'marker.db');
    const prepare = Database.prototype.prepare;
    // Simulate a crash right where the marker is written.
    vi.spyOn(Database.prototype, 'prepare').mockImplementation(function (this: Database.Database, sql: string) {
      if (sql.includes(`VALUES ('format'`)) throw new Error('simulated crash before the format marker');
      return prepare.call(this, sql);
    });
    expect(() => openDatabase(file, { create: true })).toThrow();
    vi.restoreAllMocks();
    // The next build opens the file as a fresh index, not as a foreign one.
    const store = IndexStore.open(file, { create: true });
    expect(store.getMeta('format')).toBe('lattice-index');
    store.close();
  });

  it('calls an empty file an unfinished index', () => {
    const file = path.join(work, 'empty.db');
    fs.writeFileSync(file, '');
    expect(codeOf(() => openIndex(file))).toBe('INDEX_INCOMPLETE');
  });

  it('turns a damaged page met by a query into INDEX_CORRUPT', async () => {
    const file = path.join(work, 'pages.db');
    await buildIndex({ input: sampleCorpus(work, 40), output: file, branching: 4, seed: 1 });
    const db = new Database(file);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const store = IndexStore.open(file, { readonly: true });
    // Damage every page after the schema while the handle is open (its pages are not cached yet).
    const size = fs.statSync(file).size;
    const handle = fs.openSync(file, 'r+');
    for (let page = 3; page * 4096 < size; page++) fs.writeSync(handle, Buffer.alloc(2000, 0x5a), 0, 2000, page * 4096 + 100);
    fs.closeSync(handle);
    const codes = [codeOf(() => store.documentCount()), codeOf(() => [...store.iterateDocuments()]), codeOf(() => store.children(1)), codeOf(() => store.root())];
    store.close();
    // A read may miss every damaged page; one that meets one reports it with a code.
    expect(codes).toContain('INDEX_CORRUPT');
    for (const code of codes) expect(['INDEX_CORRUPT', 'no error']).toContain(code);
  });
});

describe('signals of long builds', () => {
  it('leaves no abort listener behind per model call', async () => {
    const server = await startOpenAITestServer();
    try {
      const controller = new AbortController();
      await buildIndex({
        input: sampleCorpus(work, 60),
        output: path.join(work, 'signal.db'),
        summarizer: 'llm',
        model: 'test-chat',
        baseURL: server.baseURL,
        apiKey: 'sk-test',
        branching: 3,
        signal: controller.signal,
      });
      expect(server.stats.chat).toBeGreaterThan(20);
      expect(getEventListeners(controller.signal, 'abort').length).toBe(0);
    } finally {
      await server.close();
    }
  });
});
