/**
 * Many searches at once on one index give exactly the results of the same searches run one by
 * one: in one process (one handle, several handles, the LLM judge through the test server) and
 * across processes (several `lattice query --json` children at once). Searching never changes
 * the index file: query-time opens are read-only.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex } from '../../indexer/build.js';
import { openIndex, type IndexSearchResult } from '../../src/api/lattice-index.js';
import { startOpenAITestServer, type OpenAITestServer } from '../helpers/openai-test-server.js';
import { cleanEnv, runCli, sampleCorpus, sampleQueries } from '../../scripts/reliability/harness.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-concurrent-'));
let indexFile: string;
let server: OpenAITestServer;
const queries = sampleQueries(12);
const searchOptions = { topK: 8, seed: 3 };

/** What must be identical between runs: the ranking and its scores, and the judged slates. */
function fingerprint(result: IndexSearchResult): unknown {
  return {
    hits: result.hits.map((h) => [h.docId, h.score]),
    slates: result.trace.slates.map((s) => [s.parentId, s.status, s.candidates.map((c) => [c.id, c.score])]),
  };
}

function fileHash(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

beforeAll(async () => {
  indexFile = path.join(work, 'index.db');
  await buildIndex({ input: sampleCorpus(work, 150), output: indexFile, branching: 6, seed: 4 });
  server = await startOpenAITestServer({ delayMs: 3 });
});

afterAll(async () => {
  await server.close();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('concurrent searches', () => {
  it('one handle: 36 searches at once equal the sequential ones (lexical judge)', async () => {
    const index = openIndex(indexFile);
    const sequential: unknown[] = [];
    for (const q of queries) sequential.push(fingerprint(await index.search(q, searchOptions)));
    const all = [...queries, ...queries, ...queries];
    const concurrent = await Promise.all(all.map((q) => index.search(q, searchOptions)));
    concurrent.forEach((result, i) => expect(fingerprint(result)).toEqual(sequential[i % queries.length]));
    index.close();
  });

  it('several handles on one file at once equal one handle', async () => {
    const single = openIndex(indexFile);
    const expected = await Promise.all(queries.map(async (q) => fingerprint(await single.search(q, { ...searchOptions, fusion: 'bm25' }))));
    single.close();
    const handles = Array.from({ length: 4 }, () => openIndex(indexFile));
    const results = await Promise.all(handles.flatMap((h) => queries.map((q) => h.search(q, { ...searchOptions, fusion: 'bm25' }))));
    results.forEach((result, i) => expect(fingerprint(result)).toEqual(expected[i % queries.length]));
    for (const h of handles) h.close();
  });

  it('the LLM judge: concurrent searches through one client equal sequential ones', async () => {
    const open = () => openIndex(indexFile, { judge: 'llm', model: 'test-chat', baseURL: server.baseURL, apiKey: 'sk-test', concurrency: 4 });
    const first = open();
    const sequential: unknown[] = [];
    for (const q of queries.slice(0, 6)) sequential.push(fingerprint(await first.search(q, searchOptions)));
    first.close();
    const second = open();
    const concurrent = await Promise.all(queries.slice(0, 6).map((q) => second.search(q, searchOptions)));
    concurrent.forEach((result, i) => {
      expect(result.trace.slates.every((s) => s.status === 'ok')).toBe(true);
      expect(fingerprint(result)).toEqual(sequential[i]);
    });
    second.close();
    expect(server.stats.maxInFlight).toBeLessThanOrEqual(4);
  });

  it('across processes: several `lattice query --json` children at once equal in-process results', async () => {
    const index = openIndex(indexFile);
    const picked = queries.slice(0, 5);
    const expected: [string, number][][] = [];
    for (const q of picked) {
      const r = await index.search(q, { topK: 5 });
      expected.push(r.hits.map((h): [string, number] => [h.docId, h.score]));
    }
    index.close();
    // Two rounds of five children each, plus a `check` reading the same file meanwhile.
    const runs = await Promise.all([
      ...[...picked, ...picked].map((q) => runCli(['query', indexFile, q, '--json', '-k', '5'], { env: cleanEnv() })),
      runCli(['check', indexFile], { env: cleanEnv() }),
    ]);
    const check = runs.pop()!;
    expect(check.code).toBe(0);
    runs.forEach((run, i) => {
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as IndexSearchResult;
      expect(result.hits.map((h) => [h.docId, h.score])).toEqual(expected[i % picked.length]);
    });
  });

  it('never changes the index file: searches, inspect and check only read', async () => {
    const before = fileHash(indexFile);
    const index = openIndex(indexFile);
    expect(index.sqliteStore().readonly).toBe(true);
    expect(index.sqliteStore().db.readonly).toBe(true);
    expect(() => index.sqliteStore().db.prepare(`DELETE FROM documents`).run()).toThrow(/readonly/i);
    await Promise.all(queries.map((q) => index.search(q, { ...searchOptions, fusion: 'bm25' })));
    await index.denseSearch(queries[0]!, 5);
    index.close();
    for (const args of [['inspect', indexFile], ['check', indexFile], ['query', indexFile, queries[0]!]]) {
      expect((await runCli(args, { env: cleanEnv() })).code).toBe(0);
    }
    expect(fileHash(indexFile)).toBe(before);
  });
});
