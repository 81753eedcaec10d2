/**
 * Runs an evaluation: every judged query of a BEIR split through one or more systems (the tree
 * search with a chosen judge, flat BM25, flat dense, flat BM25 reranked by the same judge at equal
 * calls), scored with trec_eval's conventions (src/eval/metrics.ts) and costed per query (judge calls,
 * tokens, engine time). Shared by `lattice eval` and scripts/bench-quality.ts so both print the same
 * figures. Why systems are small runner objects: the bench compares dozens of configurations on one
 * opened index, and every runner is measured by the same loop.
 * Invariant: results do not depend on query order (each query seeds its own draws); queries without
 * judgments never run (they are counted in the dataset).
 */
import { LatticeError } from '../core/errors.js';
import { median, nearestRankQuantile, sortedCopy } from '../core/math/stats.js';
import type { Judge, JudgeCandidate, ProgressListener } from '../core/types.js';
import type { IndexSearchOptions, JudgeChoice, LatticeIndex, ModelConnectionOptions } from '../index.js';
import { SimulatedJudge, type SimulatedJudgeParams } from './simulated-judge.js';
import { mrrAtK, ndcgAtK, recallAtK, type Qrels } from './metrics.js';
import { loadEvalDataset, type EvalDataset, type EvalQuery } from './dataset.js';
import { flatRerank } from './flat-rerank.js';
import { trecRanking, type ScoredDoc } from './trec-ranking.js';

/** What one system returned for one query, and what it cost. */
export interface QueryRun {
  /** Results with scores; evaluated in trec_eval order (see trec-ranking.ts). */
  results: ScoredDoc[];
  /** Primary judge calls (0 for flat retrieval). */
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** Candidates shown to the judge, summed over its calls. */
  judgedItems: number;
  /** Time spent outside the judge, in ms. */
  engineMs: number;
  /** Wall time of the query, in ms. */
  totalMs: number;
}

/** A retrieval system under evaluation. */
export interface EvalSystem {
  name: string;
  /** One line saying what the system is, for reports. */
  description: string;
  run(query: EvalQuery): Promise<QueryRun>;
}

export interface QueryScore {
  id: string;
  ndcg10: number;
  recall10: number;
  recall100: number;
  mrr10: number;
  calls: number;
  tokens: number;
  judgedItems: number;
  engineMs: number;
}

export interface TimeStats {
  median: number;
  p95: number;
  mean: number;
}

export interface SystemReport {
  name: string;
  description: string;
  queries: number;
  ndcg10: number;
  recall10: number;
  recall100: number;
  mrr10: number;
  /** Means per query. */
  calls: number;
  tokens: number;
  inputTokens: number;
  outputTokens: number;
  /** Mean candidates per judge call (0 without calls). */
  slateSize: number;
  engineMs: TimeStats;
  totalMs: TimeStats;
  perQuery: QueryScore[];
}

export interface EvaluateOptions {
  /** Queries run at once. Defaults to 1 (local judges are CPU-bound). */
  concurrency?: number;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/** Runs `system` on every query of `dataset` and averages the metrics (nDCG@10, R@10, R@100, MRR@10) and costs. */
export async function evaluateSystem(system: EvalSystem, dataset: EvalDataset, options: EvaluateOptions = {}): Promise<SystemReport> {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  const queries = dataset.queries;
  const runs: (QueryRun | undefined)[] = new Array(queries.length);
  let next = 0;
  let done = 0;
  options.onProgress?.({ stage: 'eval', done: 0, total: queries.length, message: system.name });
  const worker = async (): Promise<void> => {
    while (next < queries.length) {
      if (options.signal?.aborted) {
        throw new LatticeError('SEARCH_ABORTED', `Evaluation of ${system.name} stopped after ${done} of ${queries.length} queries.`, {
          hint: 'Run it again to start over.',
        });
      }
      const i = next++;
      runs[i] = await system.run(queries[i]!);
      done++;
      options.onProgress?.({ stage: 'eval', done, total: queries.length, message: system.name });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queries.length) }, worker));
  return summarize(system, dataset.qrels, queries, runs as QueryRun[]);
}

function summarize(system: EvalSystem, qrels: Qrels, queries: readonly EvalQuery[], runs: readonly QueryRun[]): SystemReport {
  const perQuery: QueryScore[] = queries.map((query, i) => {
    const run = runs[i]!;
    const judged = qrels.get(query.id) ?? new Map<string, number>();
    const ranking = trecRanking(run.results);
    return {
      id: query.id,
      ndcg10: ndcgAtK(ranking, judged, 10),
      recall10: recallAtK(ranking, judged, 10),
      recall100: recallAtK(ranking, judged, 100),
      mrr10: mrrAtK(ranking, judged, 10),
      calls: run.calls,
      tokens: run.inputTokens + run.outputTokens,
      judgedItems: run.judgedItems,
      engineMs: run.engineMs,
    };
  });
  const avg = <T>(list: readonly T[], pick: (x: T) => number): number =>
    list.length === 0 ? 0 : list.reduce((acc, x) => acc + pick(x), 0) / list.length;
  const totalCalls = runs.reduce((acc, r) => acc + r.calls, 0);
  const totalItems = runs.reduce((acc, r) => acc + r.judgedItems, 0);
  return {
    name: system.name,
    description: system.description,
    queries: queries.length,
    ndcg10: avg(perQuery, (q) => q.ndcg10),
    recall10: avg(perQuery, (q) => q.recall10),
    recall100: avg(perQuery, (q) => q.recall100),
    mrr10: avg(perQuery, (q) => q.mrr10),
    calls: avg(runs, (r) => r.calls),
    tokens: avg(runs, (r) => r.inputTokens + r.outputTokens),
    inputTokens: avg(runs, (r) => r.inputTokens),
    outputTokens: avg(runs, (r) => r.outputTokens),
    slateSize: totalCalls === 0 ? 0 : totalItems / totalCalls,
    engineMs: timeStats(runs.map((r) => r.engineMs)),
    totalMs: timeStats(runs.map((r) => r.totalMs)),
    perQuery,
  };
}

/** Median, 95th percentile (nearest rank) and mean of a list of times. */
export function timeStats(values: readonly number[]): TimeStats {
  if (values.length === 0) return { median: 0, p95: 0, mean: 0 };
  const sorted = sortedCopy(values);
  return { median: median(values), p95: nearestRankQuantile(sorted, 0.95), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
}

// ---------------------------------------------------------------------------
// Systems
// ---------------------------------------------------------------------------

/** Flat results fetched for the BM25 and dense baselines (trec_eval runs usually keep 1,000). */
export const FLAT_DEPTH = 1000;

/** Flat BM25 (Lucene-style, k1 = 0.9, b = 0.4) over the index's documents. */
export function bm25System(index: LatticeIndex, depth = FLAT_DEPTH): EvalSystem {
  return {
    name: 'bm25',
    description: `BM25 flat (k1 0.9, b 0.4), top ${depth}`,
    run: async (query) => {
      const started = performance.now();
      const results = index.bm25Search(query.text, depth);
      const ms = performance.now() - started;
      return { results, calls: 0, inputTokens: 0, outputTokens: 0, judgedItems: 0, engineMs: ms, totalMs: ms };
    },
  };
}

/** Flat dense retrieval with the index's embedder (cosine, HNSW through hnswlib-node). */
export function denseSystem(index: LatticeIndex, depth = FLAT_DEPTH): EvalSystem {
  return {
    name: 'dense',
    description: `dense flat (index embedder, HNSW cosine), top ${depth}`,
    run: async (query) => {
      const started = performance.now();
      const results = await index.denseSearch(query.text, depth);
      const ms = performance.now() - started;
      return { results, calls: 0, inputTokens: 0, outputTokens: 0, judgedItems: 0, engineMs: ms, totalMs: ms };
    },
  };
}

export interface TreeSystemOptions {
  name: string;
  description?: string;
  /** A judge name uses the index's own judge of that name; a Judge object is used as is. */
  judge: JudgeChoice;
  /** Search options (the query id is set per query; topK is raised to at least 100 for Recall@100). */
  search?: IndexSearchOptions;
}

/** The tree search through `index.search`, one query at a time. */
export function treeSystem(index: LatticeIndex, options: TreeSystemOptions): EvalSystem {
  const search = options.search ?? {};
  return {
    name: options.name,
    description: options.description ?? `tree search, ${typeof options.judge === 'string' ? options.judge : options.judge.provider} judge`,
    run: async (query) => {
      const result = await index.search(query.text, {
        ...search,
        judge: options.judge,
        queryId: query.id,
        topK: Math.max(100, search.topK ?? 0),
      });
      let judgedItems = 0;
      for (const slate of result.trace.slates) judgedItems += slate.candidates.length;
      return {
        results: result.hits.map((hit) => ({ docId: hit.docId, score: hit.score })),
        calls: result.trace.judgeCalls,
        inputTokens: result.usage.inputTokens,
        outputTokens: result.usage.outputTokens,
        judgedItems,
        engineMs: result.engineMs,
        totalMs: result.elapsedMs,
      };
    },
  };
}

export interface RerankSystemOptions {
  name: string;
  description?: string;
  judge: Judge;
  /** Judge calls per query: a number, or per query (e.g. what the tree spent on it). */
  calls: number | ((queryId: string) => number);
  /** Documents per slate, anchors included. */
  slateSize: number;
  /** Flat hits repeated in every later slate. Defaults to 2. */
  anchors?: number;
  calibration?: 'joint' | 'none';
  /** Flat results considered. Defaults to 1,000. */
  depth?: number;
  /** The flat ranking reranked: BM25 or dense with the index's embedder. Defaults to 'bm25'. */
  flat?: 'bm25' | 'dense';
}

/** Flat BM25 (or dense) top hits reranked by `judge` (see flat-rerank.ts). */
export function rerankSystem(index: LatticeIndex, options: RerankSystemOptions): EvalSystem {
  const depth = options.depth ?? FLAT_DEPTH;
  const candidate = (docId: string): JudgeCandidate | undefined => {
    const node = index.documentNode(docId);
    if (!node) return undefined;
    return { nodeId: node.id, kind: 'leaf', title: node.title, text: node.text, docId };
  };
  return {
    name: options.name,
    description:
      options.description ??
      `${options.flat === 'dense' ? 'dense' : 'BM25'} flat top hits reranked by the ${options.judge.provider} judge, slates of ${options.slateSize}`,
    run: async (query) => {
      const started = performance.now();
      const flat = options.flat === 'dense' ? await index.denseSearch(query.text, depth) : index.bm25Search(query.text, depth);
      const calls = typeof options.calls === 'function' ? options.calls(query.id) : options.calls;
      const out = await flatRerank({
        judge: options.judge,
        query: query.text,
        queryId: query.id,
        candidates: flat,
        candidate,
        calls,
        slateSize: options.slateSize,
        ...(options.anchors !== undefined ? { anchors: options.anchors } : {}),
        ...(options.calibration ? { calibration: options.calibration } : {}),
      });
      const totalMs = performance.now() - started;
      return {
        results: out.results,
        calls: out.calls,
        inputTokens: out.usage.inputTokens,
        outputTokens: out.usage.outputTokens,
        judgedItems: out.items,
        engineMs: Math.max(0, totalMs - out.judgeMs),
        totalMs,
      };
    },
  };
}

/** A simulated judge over the index's tree that knows `qrels`; see src/eval/simulated-judge.ts. */
export function simulatedJudgeFor(index: LatticeIndex, qrels: Qrels, params: SimulatedJudgeParams = {}): SimulatedJudge {
  return new SimulatedJudge({ qrels, tree: index.tree(), ...params });
}

// ---------------------------------------------------------------------------
// The `lattice eval` run
// ---------------------------------------------------------------------------

export type EvalJudgeName = 'lexical' | 'llm' | 'embedding' | 'simulated';
export type EvalBaseline = 'bm25' | 'dense' | 'rerank';

export interface RunEvalOptions {
  /** Index file, or an opened index. */
  index: string | LatticeIndex;
  /** BEIR-layout dataset folder. */
  dataset: string;
  /** Defaults to 'test'. */
  split?: string;
  /** First N judged queries only. Defaults to all. */
  limit?: number;
  /** Judge of the tree search. Defaults to 'lexical'. */
  judge?: EvalJudgeName;
  /** Search options for the tree search (queryId is set per query). */
  search?: IndexSearchOptions;
  /** Noise model of the simulated judge (defaults: the published ones). */
  simulated?: SimulatedJudgeParams;
  /**
   * Model settings of the 'llm' judge when `index` is a file (an opened index keeps its own): each
   * unset one falls back to the environment in `model.env` (process.env when absent), as openIndex does.
   */
  model?: ModelConnectionOptions;
  /** Baselines run after the tree search. Defaults to none. */
  baselines?: readonly EvalBaseline[];
  /** The rerank baseline's slates: size (default: the tree's mean slate size) and anchors (default 2). */
  rerank?: { slateSize?: number; anchors?: number };
  /** Skip the tree search (baselines only). Defaults to false. */
  skipTree?: boolean;
  /** Queries in flight at once. Defaults to 1, or 4 for the 'llm' judge. */
  concurrency?: number;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

export interface EvalReport {
  index: { file: string; documents: number; nodes: number; depth: number };
  dataset: {
    name: string;
    split: string;
    queries: number;
    skippedUnjudged: number;
    skippedNoText: number;
    relevantPairs: number;
    /** Relevant judged documents that are not in the index (they still count against recall). */
    relevantNotIndexed: number;
  };
  judge: { name: EvalJudgeName; provider: string; modelId: string; params?: Record<string, unknown> };
  /** Search options of the tree search, as given (defaults apply to the rest). */
  search: Record<string, unknown>;
  systems: SystemReport[];
}

/** Runs the tree search with the chosen judge and the chosen baselines on one dataset split. */
export async function runEval(options: RunEvalOptions): Promise<EvalReport> {
  const { openIndex } = await import('../index.js');
  const dataset = loadEvalDataset(options.dataset, {
    ...(options.split !== undefined ? { split: options.split } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
  });
  const owned = typeof options.index === 'string';
  const index =
    typeof options.index === 'string'
      ? openIndex(options.index, options.model ?? {})
      : options.index;
  try {
    const judgeName = options.judge ?? 'lexical';
    const judge: Exclude<EvalJudgeName, 'simulated'> | Judge = judgeName === 'simulated' ? simulatedJudgeFor(index, dataset.qrels, options.simulated) : judgeName;
    const concurrency = options.concurrency ?? (judgeName === 'llm' ? 4 : 1);
    const common = {
      concurrency,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    const baselines = new Set(options.baselines ?? []);
    const systems: SystemReport[] = [];
    let tree: SystemReport | undefined;
    if (!options.skipTree) {
      tree = await evaluateSystem(
        treeSystem(index, { name: 'tree', judge, search: options.search ?? {}, description: `tree search, ${judgeName} judge` }),
        dataset,
        common,
      );
      systems.push(tree);
    }
    if (baselines.has('bm25')) systems.push(await evaluateSystem(bm25System(index), dataset, common));
    if (baselines.has('dense')) systems.push(await evaluateSystem(denseSystem(index), dataset, common));
    if (baselines.has('rerank')) {
      // Not with the LLM judge: the equal-call rerank would double a paid run.
      const rerankJudge = typeof judge === 'object' ? judge : judge !== 'llm' ? await index.judge(judge) : undefined;
      if (!rerankJudge) {
        throw new LatticeError('CONFIG_INVALID', 'The rerank baseline is available with the lexical, embedding and simulated judges only.', {
          hint: 'Use --judge simulated (or lexical, or embedding) with --baseline rerank.',
        });
      }
      const callsByQuery = new Map((tree?.perQuery ?? []).map((q) => [q.id, q.calls]));
      const fallbackCalls = Math.max(1, Math.round(tree?.calls ?? 20));
      const slateSize = options.rerank?.slateSize ?? Math.max(2, Math.round(tree?.slateSize || 20));
      systems.push(
        await evaluateSystem(
          rerankSystem(index, {
            name: 'bm25+rerank',
            judge: rerankJudge,
            calls: (id) => callsByQuery.get(id) ?? fallbackCalls,
            slateSize,
            ...(options.rerank?.anchors !== undefined ? { anchors: options.rerank.anchors } : {}),
            description: `BM25 flat reranked by the ${judgeName} judge, slates of ${slateSize}, ${tree ? 'the tree search\'s calls per query' : `${fallbackCalls} calls per query`}`,
          }),
          dataset,
          common,
        ),
      );
    }
    const stats = index.stats();
    let relevantNotIndexed = 0;
    for (const judged of dataset.qrels.values()) {
      for (const [docId, grade] of judged) if (grade > 0 && !index.documentNode(docId)) relevantNotIndexed++;
    }
    const used = typeof judge === 'object' ? judge : await index.judge(judge);
    const judgeInfo = {
      name: judgeName,
      provider: used.provider,
      modelId: used.modelId,
      ...(used instanceof SimulatedJudge ? { params: { ...used.params } } : {}),
    };
    return {
      index: { file: index.file, documents: stats.documents, nodes: stats.nodes, depth: stats.depth },
      dataset: {
        name: dataset.name,
        split: dataset.split,
        queries: dataset.queries.length,
        skippedUnjudged: dataset.skippedUnjudged,
        skippedNoText: dataset.skippedNoText,
        relevantPairs: dataset.relevantPairs,
        relevantNotIndexed,
      },
      judge: judgeInfo,
      search: plainOptions(options.search ?? {}),
      systems,
    };
  } finally {
    if (owned) index.close();
  }
}

function plainOptions(search: IndexSearchOptions): Record<string, unknown> {
  const { abortSignal: _signal, fallbackJudge: _fallback, judge: _judge, flat, ...rest } = search;
  return { ...rest, ...(flat ? { flat: { results: flat.results.length } } : {}) };
}
