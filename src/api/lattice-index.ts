/**
 * `openIndex(path)`: the library's handle on a built index, for RAG pipelines and the CLI.
 * It opens the file read-only, refuses an unfinished or foreign file, and wires the
 * traverser to a judge (lexical by default; an LLM or your own Judge on request), with flat
 * retrieval (BM25 or dense) for seeding (BM25's top 20 by default, DEFAULT_SEED_WITH; seedWith: false
 * searches from the root alone), fusion and baselines.
 * Why a class over the store: the lexical statistics, the flat indexes and the embedder are
 * loaded lazily once and shared by every search; many searches may run at once on one handle.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CountSpread, Judge, DocumentSource, TreeNode, Usage, Embedder } from '../core/types.js';
import { LatticeError } from '../core/errors.js';
import { IndexStore, type StoredDocument } from '../core/store/index-store.js';
import type { TreeReader } from '../core/tree.js';
import { Bm25Index, bm25Text } from '../core/lexical/bm25.js';
import { LexicalJudge } from '../core/providers/lexical-judge.js';
import { MemoryResponseCache } from '../core/providers/response-cache.js';
import { createProviders, type EmbedderInfo, type JudgeName, type Providers } from '../core/providers/create-providers.js';
import type { ModelConnectionOptions } from '../core/providers/model-settings.js';
import { DenseIndex } from '../core/flat/dense-index.js';
import { splitClusterText } from '../core/text/cluster-text.js';
import { search as treeSearch } from '../../traverser/search.js';
import { describeValue } from '../../traverser/options.js';
import { DEFAULT_SEARCH_OPTIONS, type FlatFusion, type SearchHit, type SearchOptions, type SearchResult, type SearchTrace } from '../../traverser/types.js';

/**
 * 'lexical' (BM25 and keyword profiles, no model), 'llm' (a chat model), 'embedding' (cosine to the
 * query with the index's embedder and stored node vectors, one query embedding per search), or your own.
 */
export type JudgeChoice = JudgeName | Judge;
export type FlatRetriever = 'bm25' | 'dense';

/**
 * Model settings (`model`, `baseURL`, `apiKey`: option, else env LATTICE_MODEL, OPENAI_BASE_URL,
 * OPENAI_API_KEY; `concurrency` 4, `maxRetries` 2, `timeoutMs` 60,000 by default, as for builds)
 * apply to the 'llm' judge. The API key is never written anywhere.
 */
export interface OpenIndexOptions extends ModelConnectionOptions {
  /** Judge used by `search` unless a search names another. Defaults to 'lexical' (no model). */
  judge?: JudgeChoice;
  /**
   * Embedder of dense retrieval and the 'embedding' judge: it must be the one the index was built
   * with. Defaults to that one when it is built in: the stored local embedder, or the 'openai' /
   * 'transformers' embedder with `embeddingModel` (default: the model the index records).
   */
  embedder?: Embedder;
}

export interface IndexSearchOptions extends Partial<SearchOptions> {
  /** Judge for this search; overrides the index's default. */
  judge?: JudgeChoice;
  /**
   * Fuse the tree ranking with a flat ranking from this retriever (see fusionMethod); false for the
   * tree's ranking alone. Defaults to DEFAULT_FUSION: the tree's first 20 documents, then BM25's.
   */
  fusion?: FlatRetriever | false;
  /**
   * 'rrf': reciprocal-rank fusion; 'append': the flat results fill the tail after the tree's.
   * Defaults to 'append' under the default fusion, 'rrf' when `fusion` is named.
   */
  fusionMethod?: FlatFusion['method'];
  /** 'append' fusion: tree documents scoring below this rank after the flat ones. Defaults to none (all tree documents first). */
  fusionMinScore?: number;
  /**
   * 'append' fusion: at most this many tree documents come before the flat ones (FlatFusion.head).
   * Defaults to 20 under the default fusion, else none (every tree document first).
   */
  fusionHead?: number;
  /** Weight of the flat list in RRF fusion (the tree list weighs 1). Defaults to 1. */
  fusionWeight?: number;
  /** Flat results fetched for fusion. Defaults to 100. */
  fusionDepth?: number;
  /**
   * Seed the search with the top `count` documents of a flat retriever (see SearchOptions.seeds);
   * false, or count 0, searches from the root alone (the paper's search). Defaults to DEFAULT_SEED_WITH.
   */
  seedWith?: { retriever: FlatRetriever; count: number } | false;
  /** Store the search (options, hits, trace) in the index's traces table. Defaults to false. */
  saveTrace?: boolean;
}

export interface IndexHit extends SearchHit {
  source: DocumentSource;
  metadata?: Record<string, unknown>;
}

/**
 * Model faults one search met, by error code: calls retried (and then answered), slates the
 * judge could only partly score (the rest went to the lexical fallback), slates no judge scored.
 */
export interface SearchFaults {
  retries: Record<string, number>;
  degradedSlates: Record<string, number>;
  failedSlates: Record<string, number>;
  /** Candidates scored by the fallback judge instead of the primary one. */
  fallbackCandidates: number;
}

export interface IndexSearchTrace extends SearchTrace {
  faults: SearchFaults;
}

export interface IndexSearchResult extends Omit<SearchResult, 'hits' | 'trace'> {
  hits: IndexHit[];
  trace: IndexSearchTrace;
  /** Id of the saved trace when `saveTrace` was set. */
  traceId?: number;
}

export interface IndexStats {
  file: string;
  documents: number;
  nodes: number;
  clusters: number;
  chunks: number;
  depth: number;
  /** Children per cluster (the root included): at most the build's `branching`. */
  fanOut: CountSpread;
  /** Chunks per chunked document (not bounded by `branching`); null for an index built before it was recorded apart. */
  chunksPerDocument: CountSpread | null;
  buildParams: unknown;
  build: unknown;
  corpus: unknown;
  cachedModelAnswers: number;
}

/**
 * Seeding of `LatticeIndex.search` unless a search says otherwise: the top 20 BM25 hits, judged in one
 * extra slate at iteration 0. Measured on SciFact train (809 queries, about 40 judge calls a query, the
 * other defaults): nDCG@10 from the root vs seeded, simulated judge (5 judge seeds) 0.919 vs 0.987,
 * lexical judge 0.282 vs 0.698 (BM25 flat: 0.697); 10 / 20 / 40 seeds gave 0.984 / 0.987 / 0.989 with
 * the simulated judge. Pass `seedWith: false` (or count 0) to search from the root alone.
 */
export const DEFAULT_SEED_WITH: Readonly<{ retriever: FlatRetriever; count: number }> = Object.freeze({ retriever: 'bm25', count: 20 });

/**
 * Fusion of `LatticeIndex.search` unless a search names one: the tree's first 20 documents, then
 * BM25's top 100 in their order (append fusion with a head of 20). Why: past its first page the
 * tree holds documents it judged weakly, which displaced BM25 hits, so the tree alone returned fewer
 * relevant documents in its top 100 than its own BM25 seeds (Recall@100, lexical judge, test
 * judgments: NPL 0.365 vs BM25 0.619, CISI 0.234 vs 0.432). Chosen on SciFact train (809 queries):
 * Recall@100 with the lexical judge 0.887 (tree alone) / 0.930 (head 10 or 20) vs BM25 0.929, with the
 * simulated judge 0.991 / 0.994; nDCG@10 is the tree's own whenever topK <= 20. A head of 40 lost
 * Recall@100 against BM25 on NPL and CISI; 10 and 20 tie everywhere, and 20 leaves a better judge
 * more of the ranking (reproduce: `lattice eval scifact.db --dataset ../shared/datasets/scifact --split train`
 * [--judge simulated] with `--fusion none`, `--fusion-head 10` or nothing). Pass `fusion: false` for the tree's ranking alone.
 */
export const DEFAULT_FUSION: Readonly<{ retriever: FlatRetriever; method: 'append'; head: number; depth: number }> = Object.freeze({
  retriever: 'bm25',
  method: 'append',
  head: 20,
  depth: 100,
});

function checkSeedWith(seedWith: unknown): void {
  const value = seedWith as { retriever?: unknown; count?: unknown } | null;
  if (typeof value !== 'object' || value === null || (value.retriever !== 'bm25' && value.retriever !== 'dense')) {
    throw new LatticeError('CONFIG_INVALID', `Invalid seedWith ${describeValue(seedWith)}.`, {
      hint: "Use { retriever: 'bm25' | 'dense', count: 20 }, or false to search from the root alone.",
    });
  }
  if (typeof value.count !== 'number' || !Number.isInteger(value.count) || value.count < 0) {
    throw new LatticeError('CONFIG_INVALID', `Invalid seedWith.count ${describeValue(value.count)}.`, {
      hint: 'Use a whole number >= 0 (0 searches from the root alone; at most maxSlateSize seeds are judged).',
    });
  }
}

/** Retries seen by the LLM judge's client, attributed to the search whose call it was. */
const retryScope = new AsyncLocalStorage<Record<string, number>>();

function faultsOf(trace: SearchTrace, retries: Record<string, number>): SearchFaults {
  const faults: SearchFaults = { retries, degradedSlates: {}, failedSlates: {}, fallbackCandidates: 0 };
  for (const slate of trace.slates) {
    if (slate.status === 'degraded' && slate.degraded) {
      faults.degradedSlates[slate.degraded.code] = (faults.degradedSlates[slate.degraded.code] ?? 0) + 1;
      faults.fallbackCandidates += slate.judgedBy === 'fallback' ? slate.candidates.length : slate.degraded.candidates;
    } else if (slate.status === 'failed') {
      const code = slate.error?.code ?? 'UNKNOWN';
      faults.failedSlates[code] = (faults.failedSlates[code] ?? 0) + 1;
    }
  }
  return faults;
}

export interface FlatHit {
  docId: string;
  score: number;
}

/** A built index, ready to search. Create with `openIndex`. */
export class LatticeIndex {
  readonly file: string;
  private readonly store: IndexStore;
  private readonly options: OpenIndexOptions;
  private bm25: Bm25Index | undefined;
  private lexical: LexicalJudge | undefined;
  private dense: DenseIndex | undefined;
  private readonly providers: Providers;

  /** @internal Use `openIndex`. */
  constructor(store: IndexStore, options: OpenIndexOptions) {
    this.store = store;
    this.file = store.file;
    this.options = options;
    this.providers = createProviders({
      ...options,
      builtWith: { file: store.file, embedder: store.getMeta<{ embedder?: EmbedderInfo }>('build_params')?.embedder },
      onRetry: (event) => {
        const scope = retryScope.getStore();
        if (scope) scope[event.code] = (scope[event.code] ?? 0) + 1;
      },
      // Query-time opens are read-only: answers are cached for the life of this handle only.
      cache: new MemoryResponseCache(),
      lexicalJudge: () => this.lexicalJudge(),
      localEmbedderState: () => this.store.getBlob('embedder'),
      nodeVector: (id) => this.store.nodeEmbedding(id),
    });
  }

  /**
   * Searches the tree for `query`: the judge scores slates of nodes, the engine calibrates the
   * scores and expands the best paths. Never throws for model faults (the trace records them).
   */
  async search(query: string, options: IndexSearchOptions = {}): Promise<IndexSearchResult> {
    if (typeof query !== 'string' || query.trim() === '') {
      throw new LatticeError('CONFIG_INVALID', 'The query is empty.', { hint: 'Pass a question or keywords to search for.' });
    }
    const { judge: judgeChoice, fusion: fusionOption, fusionMethod, fusionMinScore, fusionHead, fusionWeight, fusionDepth, seedWith: seedOption, saveTrace, ...searchOptions } =
      options;
    const defaultFusion = fusionOption === undefined;
    const fusion = defaultFusion ? DEFAULT_FUSION.retriever : fusionOption;
    const method = fusionMethod ?? (defaultFusion ? DEFAULT_FUSION.method : undefined);
    const head = fusionHead ?? (defaultFusion && method === 'append' ? DEFAULT_FUSION.head : undefined);
    // Explicit `seeds` replace the default seeding; an explicit `seedWith` still applies (and wins).
    const seedWith = seedOption ?? (searchOptions.seeds === undefined ? DEFAULT_SEED_WITH : false);
    if (seedWith !== false) checkSeedWith(seedWith);
    const judge = await this.judge(judgeChoice);
    const exclude = new Set(searchOptions.excludeIds ?? []);
    const resolved: Partial<SearchOptions> = { ...searchOptions };
    if (judge.provider !== 'lexical' && !resolved.fallbackJudge) resolved.fallbackJudge = this.lexicalJudge();
    // One flat search serves both seeding and fusion when they use the same retriever.
    const flatRuns = new Map<FlatRetriever, Promise<FlatHit[]>>();
    const depth = fusion ? (fusionDepth ?? DEFAULT_FUSION.depth) : 0;
    const flatTop = (retriever: FlatRetriever, k: number): Promise<FlatHit[]> => {
      if (!flatRuns.has(retriever)) {
        const seedCount = seedWith && seedWith.retriever === retriever ? seedWith.count : 0;
        flatRuns.set(retriever, this.flatSearch(retriever, query, Math.max(seedCount, fusion === retriever ? depth : 0), exclude));
      }
      return flatRuns.get(retriever)!.then((hits) => hits.slice(0, k));
    };
    if (fusion) {
      resolved.flat = {
        results: await flatTop(fusion, depth),
        ...(method === undefined ? {} : { method }),
        ...(fusionMinScore === undefined ? {} : { minScore: fusionMinScore }),
        ...(head === undefined ? {} : { head }),
        ...(fusionWeight === undefined ? {} : { weight: fusionWeight }),
      };
    }
    if (seedWith && seedWith.count > 0) {
      const seeds = await flatTop(seedWith.retriever, seedWith.count);
      resolved.seeds = seeds.map((s) => s.docId);
    }
    const retries: Record<string, number> = {};
    const result = await retryScope.run(retries, () => treeSearch(this.store, judge, query, resolved));
    const hits = result.hits.map((hit) => this.withSource(hit));
    const out: IndexSearchResult = { ...result, hits, trace: { ...result.trace, faults: faultsOf(result.trace, retries) } };
    if (saveTrace) out.traceId = this.saveTrace(query, resolved, out);
    return out;
  }

  /** Flat BM25 retrieval over the documents (Lucene-style, k1 = 0.9, b = 0.4). */
  bm25Search(query: string, k = 10, exclude?: ReadonlySet<string>): FlatHit[] {
    return this.bm25Index()
      .search(query, k, exclude && exclude.size > 0 ? { exclude: new Set(exclude) } : {})
      .map((h) => ({ docId: h.id, score: h.score }));
  }

  /** Flat dense retrieval (cosine, HNSW) over the documents' stored embeddings. */
  async denseSearch(query: string, k = 10, exclude?: ReadonlySet<string>): Promise<FlatHit[]> {
    const embedder = await this.providers.embedder();
    const { embeddings } = await embedder.doEmbed({ values: [query] });
    return this.denseIndex().search(embeddings[0]!, k, exclude);
  }

  /** Runs one flat retriever. */
  async flatSearch(retriever: FlatRetriever, query: string, k: number, exclude?: ReadonlySet<string>): Promise<FlatHit[]> {
    if (retriever === 'bm25') return this.bm25Search(query, k, exclude);
    if (retriever === 'dense') return this.denseSearch(query, k, exclude);
    throw new LatticeError('CONFIG_INVALID', `Unknown flat retriever "${String(retriever)}".`, { hint: "Use 'bm25' or 'dense'." });
  }

  /** The root node. */
  root(): TreeNode {
    return this.store.root();
  }

  /** One node; throws INDEX_NODE_NOT_FOUND. */
  node(id: number): TreeNode {
    return this.store.node(id);
  }

  /** Children of a node, in order. */
  children(id: number): TreeNode[] {
    return this.store.children(id);
  }

  /**
   * A cluster's summary and keyword profile apart (its `text`, as judges see it, holds both);
   * for other nodes the summary is the node's text and there are no keywords. Throws INDEX_NODE_NOT_FOUND.
   */
  clusterSummary(id: number): { summary: string; keywords: string[] } {
    const node = this.store.node(id);
    return node.kind === 'cluster' ? splitClusterText(node.text) : { summary: node.text, keywords: [] };
  }

  /** Nodes from the root to `id`. */
  path(id: number): TreeNode[] {
    return this.store.path(id);
  }

  /** Ids of the documents under a node (what an evaluation needs to judge an inner node). */
  documentsUnder(id: number): string[] {
    return this.store.documentsUnder(id);
  }

  /** The `document` node of a document id. */
  documentNode(docId: string): TreeNode | undefined {
    return this.store.documentNode(docId);
  }

  /** A stored document with its source. */
  document(docId: string): StoredDocument | undefined {
    return this.store.document(docId);
  }

  /** Every document id, in id order. */
  documentIds(): string[] {
    return [...this.bm25Index().documentIds()];
  }

  /** The underlying tree reader (for custom traversals and the simulated judge of lattice/eval). */
  tree(): TreeReader {
    return this.store;
  }

  /**
   * @internal The SQLite store itself, for tests and benchmarks that read its raw tables. Kept out
   * of the published declarations (stripInternal), which must not name better-sqlite3's types.
   */
  sqliteStore(): IndexStore {
    return this.store;
  }

  stats(): IndexStats {
    const tree = this.store.getMeta<{ nodes: number; clusters: number; chunks: number; depth: number; fanOut: CountSpread; chunksPerDocument?: CountSpread }>('tree_stats');
    return {
      file: this.file,
      documents: this.store.documentCount(),
      nodes: tree?.nodes ?? this.store.size(),
      clusters: tree?.clusters ?? 0,
      chunks: tree?.chunks ?? 0,
      depth: tree?.depth ?? 0,
      fanOut: tree?.fanOut ?? { min: 0, max: 0, mean: 0 },
      chunksPerDocument: tree?.chunksPerDocument ?? null,
      buildParams: this.store.getMeta('build_params'),
      build: this.store.getMeta('build_report'),
      corpus: this.store.getMeta('corpus'),
      cachedModelAnswers: this.store.cacheSize(),
    };
  }

  /** Model usage of this handle's LLM judge so far (all searches). */
  modelUsage(): Usage | undefined {
    return this.providers.usedClient()?.usage;
  }

  /** Saved traces, newest first. */
  traces(limit = 20): { id: number; query: string; createdAt: string }[] {
    return this.store.listTraces(limit);
  }

  trace(id: number): { id: number; query: string; createdAt: string; options: unknown; result: unknown } | undefined {
    return this.store.getTrace(id);
  }

  /**
   * Closes the file at once, then frees an in-process model the LLM judge loaded (await the
   * promise to know it is freed; a process that exits need not).
   */
  close(): Promise<void> {
    this.store.close();
    // The file is closed either way; a model that fails to unload must not become an unhandled
    // rejection in a caller that did not await.
    return this.providers.close().catch(() => undefined);
  }

  /** The judge a search with `choice` uses (default: the one given to openIndex, else 'lexical'); one per name and handle. */
  judge(choice?: JudgeChoice): Promise<Judge> {
    return this.providers.judge(choice ?? this.options.judge);
  }

  /**
   * The index's lexical judge (judge 'lexical', and the fallback for failed model slates): BM25
   * statistics of the corpus plus the clusters' keyword profiles. One per open index.
   */
  lexicalJudge(): LexicalJudge {
    this.lexical ??= new LexicalJudge(this.bm25Index().stats(), { profiles: (id) => this.store.nodeProfile(id) });
    return this.lexical;
  }

  // --- internals -----------------------------------------------------------

  private bm25Index(): Bm25Index {
    if (!this.bm25) {
      const blob = this.store.getBlob('bm25');
      this.bm25 = blob
        ? Bm25Index.deserialize(blob)
        : Bm25Index.build(
            (function* (store: IndexStore) {
              for (const d of store.iterateDocuments()) yield { id: d.id, text: bm25Text(d) };
            })(this.store),
          );
    }
    return this.bm25;
  }

  private denseIndex(): DenseIndex {
    this.dense ??= DenseIndex.fromStore(this.store);
    return this.dense;
  }

  private withSource(hit: SearchHit): IndexHit {
    const doc = this.store.document(hit.docId);
    return {
      ...hit,
      source: doc?.source ?? { path: '' },
      ...(doc?.metadata ? { metadata: doc.metadata } : {}),
    };
  }

  private saveTrace(query: string, options: Partial<SearchOptions>, result: IndexSearchResult): number {
    // The handle is read-only; a short-lived writer appends the trace.
    const writer = IndexStore.open(this.file);
    try {
      const { fallbackJudge: _fallback, abortSignal: _signal, flat, ...plain } = options;
      return writer.saveTrace(query, { ...plain, ...(flat ? { flat: { results: flat.results.length } } : {}) }, result);
    } finally {
      writer.close();
    }
  }
}

/** Opens a built index for searching (read-only). Throws INDEX_* errors for missing, foreign, newer or unfinished files. */
export function openIndex(file: string, options: OpenIndexOptions = {}): LatticeIndex {
  const store = IndexStore.open(file, { readonly: true });
  try {
    store.assertComplete();
    store.root();
  } catch (error) {
    store.close();
    throw error;
  }
  return new LatticeIndex(store, options);
}

export { DEFAULT_SEARCH_OPTIONS };
