import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex } from '../../indexer/build.js';
import { DEFAULT_FUSION, DEFAULT_SEED_WITH, openIndex, type LatticeIndex } from '../../src/api/lattice-index.js';
import { isLatticeError } from '../../src/core/errors.js';
import { runLattice } from '../helpers/run-lattice.js';

const sample = path.resolve(__dirname, '../../data/scifact-sample');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-seed-'));
const indexFile = path.join(work, 'sample.db');
const query = 'A deficiency of folate increases blood levels of homocysteine.';
let index: LatticeIndex;

beforeAll(async () => {
  await buildIndex({ input: sample, output: indexFile });
  index = openIndex(indexFile);
}, 120_000);

afterAll(() => {
  index?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

const seedSlate = (result: Awaited<ReturnType<LatticeIndex['search']>>) => result.trace.slates.find((s) => s.parentId === null);

describe('LatticeIndex.search seeding', () => {
  it('seeds with the top BM25 hits by default, judged in one slate at iteration 0', async () => {
    expect(DEFAULT_SEED_WITH).toEqual({ retriever: 'bm25', count: 20 });
    const result = await index.search(query, { iterations: 3 });
    const slate = seedSlate(result)!;
    expect(slate.iteration).toBe(0);
    const bm25 = index.bm25Search(query, DEFAULT_SEED_WITH.count).map((h) => index.documentNode(h.docId)!.id);
    expect(slate.candidates.map((c) => c.id)).toEqual(bm25);
    expect(slate.candidates.every((c) => c.role === 'seed')).toBe(true);
    expect(result.trace.options.seeds).toHaveLength(DEFAULT_SEED_WITH.count);
    // One extra call: the root slate and the seed slate share iteration 0.
    expect(result.trace.judgeCalls).toBe(1 + 1 + 2 * 2);
  });

  it('searches from the root alone with seedWith false or count 0', async () => {
    for (const seedWith of [false as const, { retriever: 'bm25' as const, count: 0 }]) {
      const result = await index.search(query, { iterations: 3, seedWith });
      expect(seedSlate(result)).toBeUndefined();
      expect(result.trace.options.seeds).toEqual([]);
      expect(result.trace.slates[0]!.parentId).toBe(index.root().id);
    }
  });

  it('honours explicit seeds and an explicit seedWith', async () => {
    const ids = index.documentIds().slice(0, 3);
    const explicit = await index.search(query, { iterations: 2, seeds: ids });
    expect(seedSlate(explicit)!.candidates.map((c) => c.id)).toEqual(ids.map((id) => index.documentNode(id)!.id));
    const five = await index.search(query, { iterations: 2, seedWith: { retriever: 'bm25', count: 5 } });
    expect(seedSlate(five)!.candidates).toHaveLength(5);
  });

  it('rejects a malformed seedWith with CONFIG_INVALID', async () => {
    for (const seedWith of [{ retriever: 'sparse', count: 3 }, { retriever: 'bm25', count: -1 }, { retriever: 'bm25', count: 2.5 }, 'bm25']) {
      await expect(index.search(query, { seedWith: seedWith as never })).rejects.toSatisfy((e: unknown) => isLatticeError(e, 'CONFIG_INVALID'));
    }
  });

  it("fusionMethod 'append' keeps the tree's hits first and fills topK from BM25", async () => {
    const options = { iterations: 2, topK: 60, seedWith: false as const };
    const alone = await index.search(query, { ...options, fusion: false });
    const filled = await index.search(query, { ...options, fusion: 'bm25', fusionMethod: 'append' });
    expect(alone.hits.length).toBeLessThan(60);
    expect(filled.hits).toHaveLength(60);
    expect(filled.hits.slice(0, alone.hits.length).map((h) => h.docId)).toEqual(alone.hits.map((h) => h.docId));
    const treeDocs = new Set(alone.hits.map((h) => h.docId));
    const expectedFill = index
      .bm25Search(query, 100)
      .map((h) => h.docId)
      .filter((d) => !treeDocs.has(d))
      .slice(0, 60 - alone.hits.length);
    expect(filled.hits.slice(alone.hits.length).map((h) => h.docId)).toEqual(expectedFill);
  });

  it("by default returns the tree's first 20 documents, then BM25's top 100 in order (DEFAULT_FUSION)", async () => {
    const options = { topK: 60 };
    const alone = await index.search(query, { ...options, fusion: false });
    const fused = await index.search(query, options);
    expect(DEFAULT_FUSION).toMatchObject({ retriever: 'bm25', method: 'append', head: 20 });
    expect(alone.hits.length).toBeGreaterThan(20);
    const head = alone.hits.slice(0, 20).map((h) => h.docId);
    expect(fused.hits.slice(0, 20).map((h) => h.docId)).toEqual(head);
    const tail = index
      .bm25Search(query, 100)
      .map((h) => h.docId)
      .filter((d) => !head.includes(d))
      .slice(0, 40);
    expect(fused.hits.slice(20).map((h) => h.docId)).toEqual(tail);
    expect(fused.trace.options.flat).toMatchObject({ method: 'append', head: 20, results: 100 });
    const first = await index.search(query, { topK: 10 });
    expect(first.hits.map((h) => h.docId)).toEqual(alone.hits.slice(0, 10).map((h) => h.docId));
  });

  it('the CLI exposes --seeds 0 (from the root) and the new search options', async () => {
    const root = await runLattice(['query', indexFile, query, '--json', '-k', '3', '--seeds', '0', '-N', '2']);
    expect(root.code).toBe(0);
    const parsed = JSON.parse(root.stdout);
    expect(parsed.trace.options.seeds).toEqual([]);
    const seeded = await runLattice(['query', indexFile, query, '--json', '-k', '3', '-N', '2', '--seeds', '4', '--calibration', 'offset', '--inner-anchors', '2']);
    const options = JSON.parse(seeded.stdout).trace.options;
    expect(options.seeds).toHaveLength(4);
    expect(options).toMatchObject({ calibration: 'offset', innerAnchors: 2 });
    const bad = await runLattice(['query', indexFile, query, '--seeds', '-3']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--seeds/);
  });
});
