/**
 * Options of an index build, their defaults, and the parameters that fix an index's meaning.
 * Why the split: some options only change how a build runs (concurrency, progress), others
 * change what the index is (strategy, branching, embedder, summariser, chunking, seed).
 * The latter are recorded in the index; resuming or reusing an index with different ones is
 * refused instead of silently mixing two trees.
 */
import { LatticeError } from '../src/core/errors.js';
import type { Embedder, ProgressListener, Summarizer } from '../src/core/types.js';
import { DEFAULT_PROVIDERS, type EmbedderName, type SummarizerName } from '../src/core/providers/create-providers.js';
import { DEFAULT_MODEL_CONNECTION } from '../src/core/providers/model-settings.js';

export type { EmbedderName, SummarizerName };
export type BuildStrategy = 'bottom-up' | 'top-down';

export interface BuildOptions {
  /** Corpus: a JSONL file, a BEIR-style folder (with corpus.jsonl) or a folder of .txt/.md files. */
  input: string;
  /** Index file to write. */
  output: string;
  /** Tree strategy. Defaults to 'bottom-up'. */
  strategy?: BuildStrategy;
  /** Maximum children per node (M). Defaults to 10; 2..64. */
  branching?: number;
  /** Embedder name, or your own Embedder. Defaults to 'local' (TF-IDF + SVD fitted on the corpus, no model). */
  embedder?: EmbedderName | Embedder;
  /** Embedding model: the model id for 'openai', a local model folder for 'transformers'. */
  embeddingModel?: string;
  /** Dimensions of the local embedder. Defaults to 256. */
  dimensions?: number;
  /** Summariser name, or your own Summarizer. Defaults to 'extractive' (no model). */
  summarizer?: SummarizerName | Summarizer;
  /** Chat model for the 'llm' summariser: a server's model id, or a .gguf file run in the process. Defaults to env LATTICE_MODEL. */
  model?: string;
  /** 'openai' (an OpenAI-compatible server) or 'llama-cpp' (a GGUF file in the process). Defaults to 'llama-cpp' for a .gguf model, else 'openai'. */
  provider?: string;
  /** OpenAI-compatible server. Defaults to env OPENAI_BASE_URL. Never stored in the index. */
  baseURL?: string;
  /** API key. Defaults to env OPENAI_API_KEY. Never stored in the index. */
  apiKey?: string;
  /** Model calls in flight at once. Defaults to 4. */
  concurrency?: number;
  /** Retries per model call on 429/5xx/timeouts. Defaults to 2 (DEFAULT_MODEL_CONNECTION, as for queries). */
  maxRetries?: number;
  /** Timeout of one model call, in milliseconds. Defaults to 60,000. */
  timeoutMs?: number;
  /** Soft length budget of a cluster summary, in words. Defaults to 100. */
  summaryWords?: number;
  /** Characters of each child's text shown to the summariser. Defaults to 1,200. */
  summaryChildChars?: number;
  /**
   * Most keywords in a cluster's keyword profile (the terms carrying the most BM25 weight in the
   * documents under it, shown after its summary). Defaults to 1,000 (lexical routing on SciFact
   * train kept improving up to about 1,000); 0 stores none.
   */
  keywords?: number;
  /** Documents longer than this many characters are split into chunks. Defaults to 4,000. */
  chunkSize?: number;
  /** Characters shared by consecutive chunks. Defaults to 200. */
  chunkOverlap?: number;
  /** Field names for JSONL input. Defaults: id `_id`/`id`, title `title`, text `text`/`contents`. */
  fields?: { id?: string; title?: string; text?: string };
  /** Skip bad documents (and list them) instead of failing. Defaults to false. */
  skipBad?: boolean;
  /** Documents longer than this many characters are bad input. Defaults to 1,000,000. */
  maxDocumentChars?: number;
  /** Seed for every random choice of the build (SVD, k-means). Defaults to 42. */
  seed?: number;
  /** Rebuild an existing index (its model-call cache is kept, so paid calls are reused). Defaults to false. */
  force?: boolean;
  /** Count the summary calls and tokens a build would need, without calling any model or writing the index. */
  dryRun?: boolean;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/** Defaults of every optional build setting (MiniSearch style: one constant, merged by spread). */
export const DEFAULT_BUILD_OPTIONS = {
  strategy: 'bottom-up' as BuildStrategy,
  branching: 10,
  embedder: DEFAULT_PROVIDERS.embedder as EmbedderName | Embedder,
  dimensions: 256,
  summarizer: DEFAULT_PROVIDERS.summarizer as SummarizerName | Summarizer,
  concurrency: DEFAULT_MODEL_CONNECTION.concurrency,
  maxRetries: DEFAULT_MODEL_CONNECTION.maxRetries,
  timeoutMs: DEFAULT_MODEL_CONNECTION.timeoutMs,
  summaryWords: 100,
  summaryChildChars: 1200,
  keywords: 1000,
  chunkSize: 4000,
  chunkOverlap: 200,
  skipBad: false,
  maxDocumentChars: 1_000_000,
  seed: 42,
  force: false,
  dryRun: false,
} as const;

export type ResolvedBuildOptions = Omit<BuildOptions, keyof typeof DEFAULT_BUILD_OPTIONS> & {
  -readonly [K in keyof typeof DEFAULT_BUILD_OPTIONS]: (typeof DEFAULT_BUILD_OPTIONS)[K] extends number
    ? number
    : (typeof DEFAULT_BUILD_OPTIONS)[K] extends boolean
      ? boolean
      : (typeof DEFAULT_BUILD_OPTIONS)[K];
};

/** Options with defaults filled in (undefined values fall back to the default). */
export function resolveBuildOptions(options: BuildOptions): ResolvedBuildOptions {
  const out: Record<string, unknown> = { ...DEFAULT_BUILD_OPTIONS };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) out[key] = value;
  return out as ResolvedBuildOptions;
}

/** Parameters that define what an index is; stored in meta `build_params`. */
export interface BuildParams {
  strategy: BuildStrategy;
  branching: number;
  embedder: { provider: string; modelId: string; dimensions: number | null };
  summarizer: { provider: string; modelId: string };
  summaryWords: number;
  summaryChildChars: number;
  /** Most keywords per cluster profile (absent in indexes built before profiles existed). */
  keywords: number;
  chunkSize: number;
  chunkOverlap: number;
  seed: number;
}

export function validateBuildOptions(options: BuildOptions): void {
  const fail = (message: string, hint: string) => {
    throw new LatticeError('CONFIG_INVALID', message, { hint });
  };
  const intIn = (name: string, value: number | undefined, min: number, max: number) => {
    if (value === undefined) return;
    if (!Number.isInteger(value) || value < min || value > max) {
      fail(`${name} must be a whole number from ${min} to ${max}; got ${value}.`, `Pass --${name} with a value from ${min} to ${max}.`);
    }
  };
  if (!options.input) fail('No corpus given.', 'Pass the corpus path: `lattice build <input> -o index.db`.');
  if (!options.output) fail('No output index given.', 'Pass -o <index.db>.');
  if (options.strategy !== undefined && options.strategy !== 'bottom-up' && options.strategy !== 'top-down') {
    fail(`Unknown strategy "${String(options.strategy)}".`, 'Use --strategy bottom-up or --strategy top-down.');
  }
  intIn('branching', options.branching, 2, 64);
  intIn('dimensions', options.dimensions, 2, 4096);
  intIn('concurrency', options.concurrency, 1, 256);
  intIn('summary-words', options.summaryWords, 10, 2000);
  intIn('keywords', options.keywords, 0, 100_000);
  intIn('chunk-size', options.chunkSize, 200, 10_000_000);
  intIn('chunk-overlap', options.chunkOverlap, 0, 1_000_000);
  const chunkSize = options.chunkSize ?? DEFAULT_BUILD_OPTIONS.chunkSize;
  const overlap = options.chunkOverlap ?? DEFAULT_BUILD_OPTIONS.chunkOverlap;
  if (overlap >= chunkSize / 2) fail(`chunk-overlap (${overlap}) must be under half of chunk-size (${chunkSize}).`, 'Lower --chunk-overlap or raise --chunk-size.');
  if (typeof options.embedder === 'string' && !['local', 'openai', 'transformers'].includes(options.embedder)) {
    fail(`Unknown embedder "${options.embedder}".`, 'Use --embedder local, openai or transformers.');
  }
  if (typeof options.summarizer === 'string' && !['extractive', 'llm'].includes(options.summarizer)) {
    fail(`Unknown summarizer "${options.summarizer}".`, 'Use --summarizer extractive or llm.');
  }
}
