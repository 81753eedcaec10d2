/**
 * lattice: LLM-guided hierarchical retrieval. The public API, re-exports only.
 * Build an index with `buildIndex`, open it with `openIndex`, search with `index.search`.
 * Implement `Embedder`, `Summarizer` or `Judge` to plug in your own models.
 */
export { buildIndex } from '../indexer/build.js';
export type { BuildReport, BuildResult } from '../indexer/build.js';
export type { DryRunReport } from '../indexer/estimate-build.js';
export { DEFAULT_BUILD_OPTIONS } from '../indexer/build-options.js';
export type { BuildOptions, BuildStrategy, EmbedderName, SummarizerName, BuildParams } from '../indexer/build-options.js';
export type { LoadIssue, LoadIssueKind } from '../indexer/load/index.js';

export { openIndex, LatticeIndex, DEFAULT_SEED_WITH } from './api/lattice-index.js';
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

export { LatticeError, isLatticeError, ERROR_CODES } from './core/errors.js';
export type { LatticeErrorCode } from './core/errors.js';

export { MemoryTree, isLeaf } from './core/tree.js';
export type { TreeReader } from './core/tree.js';

export { LexicalJudge } from './core/providers/lexical-judge.js';
export { LlmJudge } from './core/providers/llm-judge.js';
export { LocalEmbedder } from './core/providers/local-embedder.js';
export { OpenAIEmbedder } from './core/providers/openai-embedder.js';
export { ExtractiveSummarizer } from './core/providers/extractive-summarizer.js';
export { LlmSummarizer } from './core/providers/llm-summarizer.js';
export { ModelClient } from './core/providers/model-client.js';
export { SimulatedJudge } from './core/providers/simulated-judge.js';

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
