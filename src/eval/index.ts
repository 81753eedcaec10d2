/**
 * lattice/eval: the evaluation and benchmark entry, not the product API. It gathers what
 * `lattice eval` and the scripts/bench-*.ts measure (BEIR datasets, trec_eval metrics, the system
 * runners, the simulated judge that reads the test judgments, report rendering) and, where a
 * benchmark times an engine internal, that internal. Re-exports only; nothing here is stable API.
 * Product code (src/api, indexer/, traverser/) never imports this file.
 */
export { loadEvalDataset } from './dataset.js';
export type { EvalDataset, EvalQuery, LoadDatasetOptions } from './dataset.js';

export { ndcgAtK, recallAtK, precisionAtK, mrrAtK, evaluateRankings, loadQrels, loadQueries } from './metrics.js';
export type { Qrels, QueryQrels, MeanMetrics } from './metrics.js';

export { trecRanking } from './trec-ranking.js';
export type { ScoredDoc } from './trec-ranking.js';

export { flatRerank } from './flat-rerank.js';
export type { FlatRerankOptions, FlatRerankResult } from './flat-rerank.js';

export {
  runEval,
  evaluateSystem,
  timeStats,
  bm25System,
  denseSystem,
  treeSystem,
  rerankSystem,
  simulatedJudgeFor,
  FLAT_DEPTH,
} from './run-eval.js';
export type {
  RunEvalOptions,
  EvalReport,
  EvalSystem,
  EvalJudgeName,
  EvalBaseline,
  EvaluateOptions,
  QueryRun,
  QueryScore,
  SystemReport,
  TimeStats,
  TreeSystemOptions,
  RerankSystemOptions,
} from './run-eval.js';

export { hybridSystem } from './hybrid-system.js';

export { renderEvalReport, textTable, markdownTable, metric, cost, ms } from './render-report.js';

export { svgLineChart, niceTicks } from './svg-line-chart.js';
export type { LineSeries, LineChartOptions } from './svg-line-chart.js';

export { SimulatedJudge, simulateSlate, DEFAULT_SIMULATED_JUDGE_PARAMS } from './simulated-judge.js';
export type {
  SimulatedJudgeParams,
  SimulatedJudgeOptions,
  SimulatedJudgeTree,
  SimulatedQrels,
  SimulatedSlate,
} from './simulated-judge.js';

// Engine internals the benchmarks time or hold fixed (scripts/bench-kmeans.ts, scripts/bench-quality.ts).
export { kmeans } from '../../indexer/cluster/kmeans.js';
export type { KMeansOptions, KMeansResult } from '../../indexer/cluster/kmeans.js';
export { balancedKMeans } from '../../indexer/cluster/balanced-kmeans.js';
export type { BalancedKMeansOptions, BalancedKMeansResult } from '../../indexer/cluster/balanced-kmeans.js';
export { partitionBalanced } from '../../indexer/cluster/balanced-partition.js';
export { splitTopDown, isClusterLeaf } from '../../indexer/cluster/top-down-split.js';
export type { ClusterTree } from '../../indexer/cluster/top-down-split.js';
export { inertiaOf } from '../../indexer/cluster/geometry.js';
export { createRng, gaussian } from '../core/math/random.js';
export type { Rng } from '../core/math/random.js';
export { Bm25Index, BM25_DEFAULTS } from '../core/lexical/bm25.js';
// The analysis and the SVD that scripts/bench-bm25.ts and scripts/bench-svd.ts hold against libraries.
export { tokenize } from '../core/text/tokenize.js';
export { porterStem } from '../core/text/porter-stemmer.js';
export { fitTfIdf } from '../core/text/tf-idf.js';
export { truncatedSvd } from '../core/math/truncated-svd.js';
export type { TruncatedSvd, TruncatedSvdOptions } from '../core/math/truncated-svd.js';
export { LEXICAL_JUDGE_DENSITY } from '../core/providers/lexical-judge.js';
export { median, sortedCopy, nearestRankQuantile } from '../core/math/stats.js';

// The bounded task pool the fault scenarios (scripts/reliability/) run their builds and queries with.
export { runPool } from '../core/util/run-pool.js';

// The in-process LLM and the prompts scripts/bench-real-llm.ts measures (parse rates, tokens per call).
export { LlamaCppChat } from '../core/providers/llama-cpp-chat.js';
export { ModelClient } from '../core/providers/model-client.js';
export { JUDGE_ANSWER, validateJudgeAnswer } from '../core/providers/llm-judge.js';
export { clusterText, splitClusterText } from '../core/text/cluster-text.js';
export { compactJudgeMessages, slateAnswerSchema } from '../core/providers/small-model-prompts.js';
