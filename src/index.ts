/**
 * lattice: LLM-guided hierarchical retrieval. The public API, re-exports only.
 * Build an index with `buildIndex`, open it with `openIndex`, search with `index.search`.
 * Implement `Embedder`, `Summarizer` or `Judge` to plug in your own models.
 */
export { buildIndex } from './api/build-index.js';
export type { BuildReport, BuildResult } from '../indexer/build.js';
export type { DryRunReport } from '../indexer/estimate-build.js';
export { DEFAULT_BUILD_OPTIONS } from '../indexer/build-options.js';
export type { BuildOptions, BuildStrategy, EmbedderName, SummarizerName, BuildParams } from '../indexer/build-options.js';
export type { LoadIssue, LoadIssueKind } from '../indexer/load/index.js';
/** The issues a build refused or skipped, as text: a count line, then one line per issue (file:line first). */
export { formatIssues } from '../indexer/load/index.js';
export type { FormatIssuesOptions } from '../indexer/load/index.js';

export { openIndex, LatticeIndex, DEFAULT_SEED_WITH, DEFAULT_FUSION } from './api/lattice-index.js';
export type {
  OpenIndexOptions,
  IndexSearchOptions,
  IndexSearchResult,
  IndexHit,
  IndexStats,
  FlatHit,
  FlatRetriever,
  JudgeChoice,
  SearchFaults,
  IndexSearchTrace,
} from './api/lattice-index.js';
export { checkIndex } from './core/store/check-index.js';
export type { CheckReport, CheckResult, CheckProblem, CheckIndexOptions } from './core/store/check-index.js';

export { search } from '../traverser/search.js';
export { DEFAULT_SEARCH_OPTIONS } from '../traverser/types.js';
export type { SearchOptions, SearchResult, SearchHit, SearchTrace, SearchBudget, TraceSlate, StopReason } from '../traverser/types.js';
/**
 * The calibration seam: slate-relative judge scores (0..1) in, one latent relevance per node out,
 * as the tree search fits it after each iteration. For callers that judge their own slates (the
 * flat rerank baseline of lattice/eval) and want scores on the search's scale.
 */
export { calibrate } from '../traverser/calibrate.js';
export type { Observation, CalibrationMethod, CalibrationOptions, CalibrationFit } from '../traverser/calibrate.js';

export { LatticeError, isLatticeError, ERROR_CODES } from './core/errors.js';
export type { LatticeErrorCode } from './core/errors.js';

export { MemoryTree, isLeaf } from './core/tree.js';
export type { TreeReader } from './core/tree.js';

export { LexicalJudge } from './core/providers/lexical-judge.js';
export { LlmJudge } from './core/providers/llm-judge.js';
export { LocalEmbedder } from './core/providers/local-embedder.js';
export { OpenAIEmbedder } from './core/providers/openai-embedder.js';
export { TransformersEmbedder } from './core/providers/transformers-embedder.js';
export type { TransformersEmbedderOptions } from './core/providers/transformers-embedder.js';
export { ExtractiveSummarizer } from './core/providers/extractive-summarizer.js';
export { LlmSummarizer } from './core/providers/llm-summarizer.js';
export { EmbeddingJudge } from './core/providers/embedding-judge.js';
export { ModelClient } from './core/providers/model-client.js';
export { DEFAULT_MODEL_CONNECTION } from './core/providers/model-settings.js';
export type { ModelConnectionOptions } from './core/providers/model-settings.js';
export type { JudgeName } from './core/providers/create-providers.js';

export type {
  Judge,
  JudgeRequest,
  JudgeResult,
  JudgeCandidate,
  Embedder,
  EmbedRequest,
  EmbedResult,
  Summarizer,
  SummarizeRequest,
  SummarizeResult,
  SummaryChild,
  TreeNode,
  NodeKind,
  CorpusDocument,
  Chunk,
  Usage,
  ProgressEvent,
  ProgressListener,
} from './core/types.js';
