import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex, type BuildReport } from '../../indexer/build.js';
import { openIndex } from '../../src/api/lattice-index.js';
import { isLatticeError } from '../../src/core/errors.js';
import { IndexStore } from '../../src/core/store/index-store.js';
import { tokenize } from '../../src/core/text/tokenize.js';
import { startOpenAITestServer, type OpenAITestServer } from '../helpers/openai-test-server.js';
import { useTempDir } from '../helpers/temp-dir.js';

const tempDir = useTempDir();
const sampleCorpus = path.resolve(__dirname, '../../data/scifact-sample/corpus.jsonl');

/** The first `n` documents of the bundled sample, as a JSONL file. */
function sampleSubset(dir: string, n: number): string {
  const lines = fs.readFileSync(sampleCorpus, 'utf8').split('\n').filter(Boolean).slice(0, n);
  const file = path.join(dir, `corpus-${n}.jsonl`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** The stored tree, as rows that must be identical between equivalent builds. */
function treeRows(file: string): unknown[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT id, parent_id, depth, position, kind, doc_id, char_start, char_end, title, summary, keywords, content_hash FROM nodes ORDER BY id').all();
  } finally {
    db.close();
  }
}

function checkTreeShape(file: string, branching: number): void {
  const index = openIndex(file);
  try {
    const stats = index.stats();
    const seen = new Set<string>();
    const walk = (id: number, depth: number) => {
      const node = index.node(id);
      expect(node.depth).toBe(depth);
      const kids = index.children(id);
      expect(kids.length).toBe(node.numChildren);
      if (node.kind === 'cluster') {
        expect(kids.length).toBeGreaterThan(0);
        expect(kids.length).toBeLessThanOrEqual(branching);
        expect(node.text.length).toBeGreaterThan(0);
      }
      if (node.kind === 'document') seen.add(node.docId!);
      for (const k of kids) walk(k.id, depth + 1);
    };
    walk(index.root().id, 0);
    expect(seen.size).toBe(stats.documents);
  } finally {
    index.close();
  }
}

describe('buildIndex in local mode', () => {
  it('is deterministic for a seed and yields a balanced tree (bottom-up)', async () => {
    const dir = tempDir();
    const corpus = sampleSubset(dir, 150);
    const a = (await buildIndex({ input: corpus, output: path.join(dir, 'a.db') })) as BuildReport;
    const b = (await buildIndex({ input: corpus, output: path.join(dir, 'b.db') })) as BuildReport;
    expect(a.documents).toBe(150);
    expect(a.fanOut.max).toBeLessThanOrEqual(10);
    expect(treeRows(path.join(dir, 'a.db'))).toEqual(treeRows(path.join(dir, 'b.db')));
    checkTreeShape(path.join(dir, 'a.db'), 10);
    const c = (await buildIndex({ input: corpus, output: path.join(dir, 'c.db'), seed: 7 })) as BuildReport;
    expect(c.documents).toBe(150);
    expect(treeRows(path.join(dir, 'c.db'))).not.toEqual(treeRows(path.join(dir, 'a.db')));
  });

  it('stores a keyword profile for every cluster, from the documents under it (or none with keywords: 0)', async () => {
    const dir = tempDir();
    const corpus = sampleSubset(dir, 150);
    const file = path.join(dir, 'k.db');
    await buildIndex({ input: corpus, output: file, keywords: 40 });
    const store = IndexStore.open(file, { readonly: true });
    try {
      const clusters = (store.db.prepare(`SELECT id FROM nodes WHERE kind = 'cluster'`).all() as { id: number }[]).map((r) => r.id);
      expect(clusters.length).toBeGreaterThan(10);
      for (const id of clusters) {
        const keywords = store.nodeKeywords(id);
        expect(keywords.length).toBeGreaterThan(0);
        expect(keywords.length).toBeLessThanOrEqual(40);
        expect(store.node(id).text.endsWith(`Keywords: ${keywords.join(', ')}.`)).toBe(true);
        // Each keyword is (a surface form of) a term of a document under the cluster.
        const terms = new Set(
          store.documentsUnder(id).flatMap((docId) => {
            const d = store.document(docId)!;
            return tokenize(`${d.title} ${d.text}`);
          }),
        );
        for (const k of keywords) expect(terms.has(tokenize(k)[0]!)).toBe(true);
        // And its document share: how many documents under the cluster contain it.
        const profile = store.nodeProfile(id)!;
        expect(profile.terms).toEqual(keywords);
        const docs = store.documentsUnder(id).map((docId) => {
          const d = store.document(docId)!;
          return new Set(tokenize(`${d.title} ${d.text}`));
        });
        profile.terms.forEach((k, i) => {
          expect(profile.density[i]).toBeCloseTo(docs.filter((t) => t.has(tokenize(k)[0]!)).length / docs.length, 9);
        });
      }
      expect(store.getMeta<{ keywords: number }>('build_params')?.keywords).toBe(40);
    } finally {
      store.close();
    }
    const plain = path.join(dir, 'p.db');
    await buildIndex({ input: corpus, output: plain, keywords: 0 });
    const other = IndexStore.open(plain, { readonly: true });
    try {
      expect(other.root().text).not.toMatch(/Keywords:/);
      expect(other.nodeKeywords(other.root().id)).toEqual([]);
      expect(other.nodeProfile(other.root().id)).toBeUndefined();
    } finally {
      other.close();
    }
  });

  it('builds top-down trees within the branching factor', async () => {
    const dir = tempDir();
    const corpus = sampleSubset(dir, 200);
    const report = (await buildIndex({ input: corpus, output: path.join(dir, 't.db'), strategy: 'top-down', branching: 6 })) as BuildReport;
    expect(report.strategy).toBe('top-down');
    expect(report.fanOut.max).toBeLessThanOrEqual(6);
    expect(report.depth).toBeGreaterThanOrEqual(3);
    checkTreeShape(path.join(dir, 't.db'), 6);
  });

  it('keeps chunks of a long file under its document node, with source and character range', async () => {
    const dir = tempDir();
    const docs = path.join(dir, 'docs');
    fs.mkdirSync(path.join(docs, 'guide'), { recursive: true });
    const para = (topic: string, n: number) =>
      Array.from({ length: n }, (_, i) => `The ${topic} section ${i} explains how ${topic} works in practice with several examples.`).join(' ');
    const long = `# Reactor manual\n\n## Cooling\n\n${para('cooling pump', 40)}\n\n## Control rods\n\n${para('control rod', 40)}\n`;
    fs.writeFileSync(path.join(docs, 'guide', 'manual.md'), long);
    for (let i = 0; i < 12; i++) fs.writeFileSync(path.join(docs, `note-${i}.txt`), `Note ${i}\n\n${para(`topic${i}`, 3)}`);
    const report = (await buildIndex({ input: docs, output: path.join(dir, 'f.db'), chunkSize: 1500, chunkOverlap: 100 })) as BuildReport;
    expect(report.kind).toBe('build');
    expect(report.documents).toBe(13);
    expect(report.chunks).toBeGreaterThanOrEqual(4);
    // A document's chunks are counted apart from the fan-out --branching bounds (issue 13: "2-90" with M = 10).
    const narrow = await buildIndex({ input: docs, output: path.join(dir, 'narrow.db'), chunkSize: 1500, chunkOverlap: 100, branching: 3 });
    expect(narrow.chunks).toBeGreaterThan(3);
    expect(narrow.fanOut.max).toBeLessThanOrEqual(3);
    expect(narrow.chunksPerDocument).toEqual({ min: narrow.chunks, max: narrow.chunks, mean: narrow.chunks });
    const narrowIndex = openIndex(path.join(dir, 'narrow.db'));
    expect(narrowIndex.stats().chunksPerDocument).toEqual(narrow.chunksPerDocument);
    narrowIndex.close();

    const index = openIndex(path.join(dir, 'f.db'));
    try {
      const docNode = index.documentNode('guide/manual.md')!;
      expect(docNode.title).toBe('Reactor manual');
      const chunks = index.children(docNode.id);
      expect(chunks.length).toBe(report.chunks);
      const doc = index.document('guide/manual.md')!;
      expect(doc.source.path).toBe('guide/manual.md');
      for (const chunk of chunks) {
        expect(chunk.kind).toBe('chunk');
        expect(chunk.text).toBe(doc.text.slice(chunk.charStart!, chunk.charEnd!));
      }
      const result = await index.search('control rod section practice', { topK: 3 });
      const hit = result.hits.find((h) => h.docId === 'guide/manual.md');
      expect(hit).toBeDefined();
      expect(hit!.chunk).toBeDefined();
      expect(hit!.source.path).toBe('guide/manual.md');
      expect(doc.text.slice(hit!.chunk!.start, hit!.chunk!.end)).toContain('control rod');
    } finally {
      index.close();
    }
  });

  it('refuses bad input by default and skips it, listed, with skipBad', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(file, ['{"_id":"a","text":"alpha beta"}', '{"_id":"a","text":"dup"}', 'not json', '{"_id":"c","title":"","text":""}', '{"_id":"d","text":"gamma delta"}'].join('\n'));
    await expect(buildIndex({ input: file, output: path.join(dir, 'x.db') })).rejects.toSatisfy((e) => isLatticeError(e, 'INPUT_BAD_DOCUMENTS'));
    expect(fs.existsSync(path.join(dir, 'x.db'))).toBe(false);
    const report = (await buildIndex({ input: file, output: path.join(dir, 'y.db'), skipBad: true })) as BuildReport;
    expect(report.documents).toBe(2);
    expect(report.issues.map((i) => `${i.kind}:${i.line}`)).toEqual(['duplicate-id:2', 'malformed:3', 'empty:4']);
  });

  it('records build parameters and refuses to resume an unfinished build with other ones', async () => {
    const dir = tempDir();
    const corpus = sampleSubset(dir, 40);
    const out = path.join(dir, 'p.db');
    await buildIndex({ input: corpus, output: out });
    // Simulate an interrupted build of the same file.
    const store = IndexStore.open(out);
    store.setMeta('build_status', 'building');
    store.close();
    expect(() => openIndex(out)).toThrow(expect.objectContaining({ code: 'INDEX_INCOMPLETE' }));
    await expect(buildIndex({ input: corpus, output: out, branching: 5 })).rejects.toSatisfy((e) => isLatticeError(e, 'INDEX_PARAMS_MISMATCH'));
    const resumed = (await buildIndex({ input: corpus, output: out })) as BuildReport;
    expect(resumed.resumed).toBe(true);
    openIndex(out).close();
  });
});

describe('buildIndex against an OpenAI-compatible server', () => {
  let server: OpenAITestServer;
  beforeAll(async () => {
    server = await startOpenAITestServer({ embeddingDimensions: 48 });
  });
  afterAll(async () => {
    await server.close();
  });

  const modelOptions = () => ({
    summarizer: 'llm' as const,
    model: 'test-chat',
    embedder: 'openai' as const,
    embeddingModel: 'test-embed',
    baseURL: server.baseURL,
    apiKey: 'sk-test-secret-key',
    maxRetries: 1,
    concurrency: 3,
  });

  it('builds with LLM summaries and model embeddings through the real openai client', async () => {
    server.reset();
    const dir = tempDir();
    const corpus = sampleSubset(dir, 60);
    const out = path.join(dir, 'm.db');
    const report = (await buildIndex({ input: corpus, output: out, ...modelOptions() })) as BuildReport;
    expect(report.summarizer).toEqual({ provider: 'openai', modelId: 'test-chat' });
    expect(report.embedder.provider).toBe('openai');
    expect(report.usage.calls).toBe(server.stats.successes);
    expect(report.usage.inputTokens).toBeGreaterThan(0);
    expect(server.stats.chat).toBe(report.clusters);
    expect(server.stats.maxInFlight).toBeLessThanOrEqual(3);
    checkTreeShape(out, 10);
    // The secret never reaches the index file.
    for (const f of fs.readdirSync(dir)) expect(fs.readFileSync(path.join(dir, f)).includes('sk-test-secret-key')).toBe(false);
  });

  it('stops on a dead server with a resume hint, then resumes without repeating a paid call', async () => {
    server.reset();
    const dir = tempDir();
    const corpus = sampleSubset(dir, 80);
    const out = path.join(dir, 'r.db');
    const reference = path.join(dir, 'ref.db');
    await buildIndex({ input: corpus, output: reference, ...modelOptions() });
    const referenceRows = treeRows(reference);
    server.reset();

    // After five summaries the server starts failing every chat request.
    let chats = 0;
    server.onRequest = (request) => {
      if (request.route !== 'chat') return undefined;
      chats++;
      return chats > 5 ? { type: 'status', status: 503, message: 'overloaded' } : undefined;
    };
    let stopped: unknown;
    try {
      await buildIndex({ input: corpus, output: out, ...modelOptions() });
    } catch (error) {
      stopped = error;
    }
    expect(isLatticeError(stopped, 'MODEL_SERVER_ERROR')).toBe(true);
    expect((stopped as Error).message).toMatch(/model answer\(s\) are saved/);
    expect((stopped as { hint: string }).hint).toMatch(/run the same command again/i);
    expect(() => openIndex(out)).toThrow(expect.objectContaining({ code: 'INDEX_INCOMPLETE' }));

    server.onRequest = undefined;
    const report = (await buildIndex({ input: corpus, output: out, ...modelOptions() })) as BuildReport;
    expect(report.resumed).toBe(true);
    expect(report.usage.cachedCalls).toBeGreaterThan(0);
    expect(server.repeatedSuccesses()).toEqual([]);
    expect(treeRows(out)).toEqual(referenceRows);
  });

  it('explains a missing model name before doing any work', async () => {
    const dir = tempDir();
    const corpus = sampleSubset(dir, 10);
    await expect(
      buildIndex({ input: corpus, output: path.join(dir, 'n.db'), summarizer: 'llm', baseURL: server.baseURL, apiKey: 'k' }),
    ).rejects.toSatisfy((e) => isLatticeError(e, 'CONFIG_MISSING'));
  });
});
