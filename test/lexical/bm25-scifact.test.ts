import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Bm25Index } from '../../src/core/lexical/bm25.js';
import { evaluateRankings, loadQrels, loadQueries } from '../../src/eval/metrics.js';
import { datasetDir, readCorpus } from './beir-fixture.js';

// Published BM25 flat on SciFact (BEIR paper, Pyserini): nDCG@10 about 0.665-0.69.
describe('BM25 on SciFact', () => {
  it('reaches the published nDCG@10 range on the test queries', () => {
    const dir = datasetDir('scifact');
    const corpus = readCorpus('scifact');
    const t0 = performance.now();
    const index = Bm25Index.build(corpus.map((d) => ({ id: d.id, text: `${d.title} ${d.text}` })));
    const buildMs = performance.now() - t0;
    const queries = loadQueries(path.join(dir, 'queries.jsonl'));
    const qrels = loadQrels(path.join(dir, 'qrels', 'test.tsv'));
    const rankings = new Map<string, string[]>();
    for (const qid of qrels.keys()) {
      const text = queries.get(qid);
      if (text === undefined) throw new Error(`query ${qid} is judged but missing from queries.jsonl`);
      // Self-retrieval is not an issue in SciFact (queries are claims, not corpus documents).
      rankings.set(qid, index.search(text, 10).map((h) => h.id));
    }
    const m = evaluateRankings(rankings, qrels, 10);
    console.log(
      `BM25 SciFact test: nDCG@10 = ${m.ndcg.toFixed(4)}, R@10 = ${m.recall.toFixed(4)}, ` +
        `MRR@10 = ${m.mrr.toFixed(4)} over ${m.queries} queries; ${corpus.length} docs indexed in ${buildMs.toFixed(0)} ms`,
    );
    expect(m.queries).toBe(300);
    expect(m.ndcg).toBeGreaterThanOrEqual(0.665);
    expect(m.ndcg).toBeLessThanOrEqual(0.69);
  });
});
