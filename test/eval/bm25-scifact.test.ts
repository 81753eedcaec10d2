/**
 * Dataset-level check (a few seconds): flat BM25 as the evaluation runs it must land in the
 * published SciFact range (nDCG@10 about 0.665-0.69: BEIR, Pyserini flat/multifield) before any
 * comparison against it is trusted. The corpus is indexed the way the build indexes it (title + text).
 */
import { describe, expect, it } from 'vitest';
import { Bm25Index, bm25Text } from '../../src/core/lexical/bm25.js';
import { loadEvalDataset } from '../../src/eval/dataset.js';
import { evaluateSystem, type EvalSystem } from '../../src/eval/run-eval.js';
import { datasetDir, readCorpus } from '../lexical/beir-fixture.js';

const scifact = datasetDir('scifact');

describe('BM25 flat on SciFact (test split)', () => {
  it('lands in the published nDCG@10 range', async () => {
    const docs = readCorpus('scifact').map((d) => ({ id: d.id, text: bm25Text(d) }));
    const bm25 = Bm25Index.build(docs);
    const dataset = loadEvalDataset(scifact, { split: 'test' });
    expect(dataset.queries).toHaveLength(300);
    const system: EvalSystem = {
      name: 'bm25',
      description: 'BM25 flat',
      run: async (query) => ({
        results: bm25.search(query.text, 1000).map((h) => ({ docId: h.id, score: h.score })),
        calls: 0,
        inputTokens: 0,
        outputTokens: 0,
        judgedItems: 0,
        engineMs: 0,
        totalMs: 0,
      }),
    };
    const report = await evaluateSystem(system, dataset);
    expect(report.ndcg10).toBeGreaterThanOrEqual(0.665);
    expect(report.ndcg10).toBeLessThanOrEqual(0.69);
    expect(report.recall100).toBeGreaterThan(0.88);
  }, 60_000);
});
