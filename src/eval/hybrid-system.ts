/**
 * Flat hybrid retrieval for evaluation: BM25 and dense rankings of the index, fused by
 * reciprocal rank (score = 1/(k + rank_bm25) + 1/(k + rank_dense), k = 60, ranks 1-based,
 * a list that misses a document contributing 0). Why here and not in the engine: it is a
 * baseline the tree must be compared with, not a search mode of its own.
 */
import type { LatticeIndex } from '../api/lattice-index.js';
import type { EvalSystem } from './run-eval.js';

/** RRF of BM25 and dense over the top `depth` of each (default 1,000), best first, ties by document id. */
export function hybridSystem(index: LatticeIndex, options: { depth?: number; k?: number; name?: string } = {}): EvalSystem {
  const depth = options.depth ?? 1000;
  const k = options.k ?? 60;
  return {
    name: options.name ?? 'hybrid',
    description: `BM25 + dense flat, reciprocal-rank fusion (k ${k}), top ${depth} of each`,
    run: async (query) => {
      const started = performance.now();
      const lists = [index.bm25Search(query.text, depth), await index.denseSearch(query.text, depth)];
      const fused = new Map<string, number>();
      for (const list of lists) list.forEach((hit, i) => fused.set(hit.docId, (fused.get(hit.docId) ?? 0) + 1 / (k + i + 1)));
      const results = [...fused]
        .map(([docId, score]) => ({ docId, score }))
        .sort((a, b) => b.score - a.score || (a.docId < b.docId ? -1 : a.docId > b.docId ? 1 : 0))
        .slice(0, depth);
      const ms = performance.now() - started;
      return { results, calls: 0, inputTokens: 0, outputTokens: 0, judgedItems: 0, engineMs: ms, totalMs: ms };
    },
  };
}
