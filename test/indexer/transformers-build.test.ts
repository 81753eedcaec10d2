/**
 * A real-model build: 30 SciFact sample abstracts embedded with all-MiniLM-L6-v2 (models/, fetched
 * by `npm run models`; a missing model fails with the fetch step's message). The index must pass
 * its checks, record the embedder, and answer paraphrased questions by dense search with no
 * model server configured: the model folder is all the transformers embedder needs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildIndex } from '../../indexer/build.js';
import { openIndex, type LatticeIndex } from '../../src/api/lattice-index.js';
import { checkIndex } from '../../src/core/store/check-index.js';
import { requireModel } from '../helpers/models.js';
import { runLattice } from '../helpers/run-lattice.js';

const sampleCorpus = path.resolve(__dirname, '../../data/scifact-sample/corpus.jsonl');

// Each question shares almost no words with its abstract's title: only the meaning links them.
const PARAPHRASES: [query: string, docId: string][] = [
  ['growth charts of height and body mass for British children', '103007'],
  ['mosquito net distribution in an African country through subsidised coupons', '1946610'],
  ['protein-degrading enzymes found in the plaques of dementia brains', '2194320'],
  ['breathing trouble among elite sportspeople at the Atlanta games', '641459'],
];

let dir: string;
let file: string;
let index: LatticeIndex;
beforeAll(async () => {
  const modelPath = requireModel('all-MiniLM-L6-v2');
  // No server settings at all: building and querying must not ask for an API key.
  vi.stubEnv('OPENAI_API_KEY', '');
  vi.stubEnv('OPENAI_BASE_URL', '');
  vi.stubEnv('LATTICE_EMBEDDING_MODEL', '');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-minilm-build-'));
  const input = path.join(dir, 'corpus.jsonl');
  fs.writeFileSync(input, `${fs.readFileSync(sampleCorpus, 'utf8').split('\n').filter(Boolean).slice(0, 30).join('\n')}\n`);
  file = path.join(dir, 'minilm.db');
  await buildIndex({ input, output: file, embedder: 'transformers', embeddingModel: modelPath });
  index = openIndex(file);
}, 120_000);

afterAll(() => {
  index?.close();
  vi.unstubAllEnvs();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('a build with the transformers embedder on all-MiniLM-L6-v2', () => {
  it('passes its checks and records the embedder', () => {
    const report = checkIndex(file);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.counts.documents).toBe(30);
    expect(index.stats().buildParams).toMatchObject({ embedder: { provider: 'transformers', modelId: requireModel('all-MiniLM-L6-v2') } });
  });

  it('finds each abstract first for a paraphrase of it, embedding the query with the recorded model', async () => {
    for (const [query, docId] of PARAPHRASES) {
      const hits = await index.denseSearch(query, 3);
      expect(hits[0]?.docId, query).toBe(docId);
      expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
    }
  });

  it('lets the embedding judge lead the tree to each paraphrased abstract (lattice query --judge embedding)', async () => {
    for (const [query, docId] of PARAPHRASES) {
      // --fusion none: the tree's own ranking, so BM25 cannot supply the answer; --seeds 0: from the root.
      const run = await runLattice(['query', file, query, '--judge', 'embedding', '--embedding-model', requireModel('all-MiniLM-L6-v2'), '--fusion', 'none', '--seeds', '0', '-k', '3', '--json']);
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as { hits: { docId: string }[]; trace: { judgeCalls: number; slates: { judgedBy: string }[] } };
      expect(result.hits.map((h) => h.docId), query).toContain(docId);
      expect(result.trace.judgeCalls).toBeGreaterThan(0);
      expect(result.trace.slates.filter((s) => s.judgedBy === 'fallback')).toEqual([]);
    }
  });

  it('judges an index built with another embedder through --judge-model (candidate texts embedded)', async () => {
    const lsaFile = path.join(dir, 'lsa.db');
    await buildIndex({ input: path.join(dir, 'corpus.jsonl'), output: lsaFile });
    const [query, docId] = PARAPHRASES[0]!;
    const run = await runLattice(['query', lsaFile, query, '--judge', 'embedding', '--judge-model', requireModel('all-MiniLM-L6-v2'), '--fusion', 'none', '--seeds', '0', '-k', '3', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { hits: { docId: string }[]; trace: { options: { judge?: unknown }; slates: { judgedBy: string }[] } };
    expect(result.hits.map((h) => h.docId)).toContain(docId);
    expect(result.trace.slates.filter((s) => s.judgedBy === 'fallback')).toEqual([]);
  });
});
