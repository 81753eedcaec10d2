/**
 * Shared vocabulary of the engine: documents, tree nodes, provider specs and usage.
 * Why one file: the indexer, the traverser, the store and the CLI all speak these
 * types, and neither half of the engine may import the other.
 * Invariant: plain data only; nothing here touches disk or network.
 */
import type { SourceOffsets } from './text/source-offsets.js';

/** Tokens and calls spent on models, summed by the model client and reported by build and search. */
export interface Usage {
  /** Model calls that reached a server (cache hits are not counted). */
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** Calls answered from the persistent cache. */
  cachedCalls: number;
}

export function emptyUsage(): Usage {
  return { calls: 0, inputTokens: 0, outputTokens: 0, cachedCalls: 0 };
}

export function addUsage(into: Usage, more: Partial<Usage> | undefined): Usage {
  if (!more) return into;
  into.calls += more.calls ?? 0;
  into.inputTokens += more.inputTokens ?? 0;
  into.outputTokens += more.outputTokens ?? 0;
  into.cachedCalls += more.cachedCalls ?? 0;
  return into;
}

/** Where a document came from, so a hit can always name its source. */
export interface DocumentSource {
  /** File the document was read from (relative to the build input when possible). */
  path: string;
  /** 1-based line in a JSONL file; absent for folder inputs. */
  line?: number;
  /**
   * Folder inputs whose loading dropped characters (Markdown comments, front matter and tags; the CR
   * of CRLF): the map from offsets in the document's text to offsets in the file
   * (src/core/text/source-offsets.ts). Absent when both are the same. Line numbers need no map.
   */
  offsets?: SourceOffsets;
}

/** A document as loaded from the corpus, before chunking. */
export interface CorpusDocument {
  id: string;
  title: string;
  text: string;
  source: DocumentSource;
  metadata?: Record<string, unknown>;
}

/** A piece of a long document; `start`/`end` are character offsets into the document's text. */
export interface Chunk {
  docId: string;
  index: number;
  text: string;
  start: number;
  end: number;
}

/** Smallest, largest and mean of a count, such as children per node (all 0 when nothing was counted). */
export interface CountSpread {
  min: number;
  max: number;
  mean: number;
}

/**
 * Node kinds of the semantic tree.
 * - `cluster`: an inner node with a summary (the root is a cluster with no parent).
 * - `document`: one corpus document; a leaf, unless the document was chunked, then the parent of its chunks.
 * - `chunk`: a leaf holding a character range of its document.
 */
export type NodeKind = 'cluster' | 'document' | 'chunk';

/** A tree node as stored in the index. Leaf text is resolved from the documents table. */
export interface TreeNode {
  id: number;
  parentId: number | null;
  depth: number;
  /** Order among siblings, 0-based. */
  position: number;
  kind: NodeKind;
  /** Document id for `document` and `chunk` nodes. */
  docId: string | null;
  chunkIndex: number | null;
  /** Character range of a chunk within its document's text. */
  charStart: number | null;
  charEnd: number | null;
  /** Short label: the document title, or a cluster's headline. */
  title: string;
  /** Cluster summary; for document and chunk nodes, the text the judge reads. */
  text: string;
  /** Number of documents in the subtree (a document counts once however many chunks it has). */
  numDocuments: number;
  numChildren: number;
  /** Preorder index over the whole tree: the deterministic tie-breaker everywhere. */
  preorder: number;
  contentHash: string;
}

export type ProgressStage =
  | 'load'
  | 'chunk'
  | 'fit-embedder'
  | 'embed'
  | 'cluster'
  | 'summarize'
  | 'embed-summaries'
  | 'write'
  | 'search'
  | 'eval';

/** Progress is data; the CLI decides how to draw it. */
export interface ProgressEvent {
  stage: ProgressStage;
  done: number;
  total: number;
  /** Free-form detail for humans (e.g. "level 2"). */
  message?: string;
}

export type ProgressListener = (event: ProgressEvent) => void;

// ---------------------------------------------------------------------------
// Provider specs (shaped after the Vercel AI SDK: plain types, a `do*` verb).
// ---------------------------------------------------------------------------

export interface ProviderInfo {
  readonly specificationVersion: 'v1';
  /** Backend name, e.g. `local`, `openai`, `transformers`, `lexical`. Used in cache keys and traces. */
  readonly provider: string;
  /** Model identifier within the provider. Used in cache keys and traces. */
  readonly modelId: string;
}

export interface EmbedRequest {
  values: string[];
  abortSignal?: AbortSignal;
}

export interface EmbedResult {
  /** One vector per input value, in input order, each of length `dimensions`. */
  embeddings: Float32Array[];
  usage?: Partial<Usage>;
}

/** Turns texts into vectors. Wrappers own batching to `maxBatchSize`, retries and the cache. */
export interface Embedder extends ProviderInfo {
  /** Vector length; known after construction (local: after fitting). */
  readonly dimensions: number;
  readonly maxBatchSize: number;
  doEmbed(request: EmbedRequest): Promise<EmbedResult>;
}

/** One child of the cluster being summarised. */
export interface SummaryChild {
  kind: NodeKind;
  title: string;
  text: string;
  /** Cosine similarity of the child to the cluster centroid; higher is more central. */
  centrality: number;
}

export interface SummarizeRequest {
  children: SummaryChild[];
  /** Texts of the sibling clusters (or a sample of them), so a summary can say what sets this one apart. */
  contrast: string[];
  /**
   * Height of the cluster above the documents: 1 for a cluster of documents, 2 for a cluster
   * of such clusters, and so on. (Depth from the root is not known yet while a bottom-up tree grows.)
   */
  level: number;
  /** True for the root, whose summary describes the whole corpus. */
  isRoot: boolean;
  /** Soft length budget for the summary, in words. */
  maxWords: number;
  abortSignal?: AbortSignal;
}

export interface SummarizeResult {
  /** A short headline (a few words). */
  title: string;
  /** What the subtree covers: topics, entities, question types. */
  summary: string;
  usage?: Partial<Usage>;
}

export interface Summarizer extends ProviderInfo {
  doSummarize(request: SummarizeRequest): Promise<SummarizeResult>;
}

/** A cluster's keyword profile: its most distinctive terms and the share of its documents containing each. */
export interface KeywordProfile {
  terms: string[];
  /** Per term, documents under the cluster that contain it over all its documents (0..1]. */
  density: number[];
}

/** One node of a slate, as the judge sees it. */
export interface JudgeCandidate {
  /** Tree node id; opaque to model judges (they see slate positions, not ids). */
  nodeId: number;
  kind: 'leaf' | 'inner';
  title: string;
  text: string;
  /** Document ids for leaves; judges that know ground truth (the simulated judge) may use them. */
  docId?: string;
}

export interface JudgeRequest {
  query: string;
  /** Query id, when the caller has one (evaluation); lets oracle-style judges look up judgments. */
  queryId?: string;
  candidates: JudgeCandidate[];
  abortSignal?: AbortSignal;
}

export interface JudgeResult {
  /** One score per candidate in [0, 100], aligned with the request's candidates. */
  scores: number[];
  /** Optional one-line reasons, aligned with the candidates. */
  reasons?: (string | undefined)[];
  usage?: Partial<Usage>;
  /**
   * Set when the judge could not answer normally for some candidates and fell back
   * (e.g. lexical scores after a malformed model answer). Recorded in the trace.
   */
  degraded?: { code: string; message: string; candidates: number };
}

/** Scores a slate of nodes against a query. Implement this to plug in your own reranker. */
export interface Judge extends ProviderInfo {
  doJudge(request: JudgeRequest): Promise<JudgeResult>;
}
