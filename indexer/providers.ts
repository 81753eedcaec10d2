/**
 * Picks and sets up the embedder and summariser of a build from its options.
 * Why here: the local embedder is fitted on the corpus being built (so it exists only
 * after loading), model providers share one model client whose answer cache is the index
 * itself, and user-supplied providers pass straight through. Secrets (API key, base URL)
 * are handed to the client and never written anywhere.
 */
import { LocalEmbedder } from '../src/core/providers/local-embedder.js';
import { ExtractiveSummarizer } from '../src/core/providers/extractive-summarizer.js';
import { LlmSummarizer } from '../src/core/providers/llm-summarizer.js';
import { ModelClient } from '../src/core/providers/model-client.js';
import { requireChatModel, requireEmbeddingModel, resolveModelSettings } from '../src/core/providers/model-settings.js';
import { OpenAIEmbedder } from '../src/core/providers/openai-embedder.js';
import type { IndexStore } from '../src/core/store/index-store.js';
import type { Embedder, ProgressListener, Summarizer, Usage } from '../src/core/types.js';
import { DEFAULT_BUILD_OPTIONS, type BuildOptions, type BuildParams } from './build-options.js';
import { embedAll } from './embed.js';

export interface BuildProviders {
  summarizer: Summarizer;
  /** The embedder as recorded in the build parameters (before any fitting). */
  embedderInfo(): BuildParams['embedder'];
  /** Fits the embedder when it learns from the corpus, then embeds `texts` (in order). */
  fitAndEmbed(texts: string[], onProgress: ProgressListener, signal: AbortSignal | undefined): Promise<{ embedder: Embedder; vectors: Float32Array[] }>;
  /** Serialised state of a fitted local embedder, stored so queries embed the same way. */
  embedderState(): Buffer | undefined;
  client: ModelClient | undefined;
}

/** Fails fast (before any loading or writing) when a model provider lacks its model name or server settings. */
export function checkProviderSettings(options: BuildOptions): void {
  const embedder = options.embedder ?? DEFAULT_BUILD_OPTIONS.embedder;
  const summarizer = options.summarizer ?? DEFAULT_BUILD_OPTIONS.summarizer;
  if (embedder !== 'openai' && embedder !== 'transformers' && summarizer !== 'llm') return;
  const settings = resolveModelSettings({
    baseURL: options.baseURL,
    apiKey: options.apiKey,
    model: options.model,
    embeddingModel: options.embeddingModel,
  });
  if (summarizer === 'llm') requireChatModel(settings);
  if (embedder === 'openai' || embedder === 'transformers') requireEmbeddingModel(settings);
}

export async function createBuildProviders(
  options: BuildOptions,
  store: IndexStore,
  usage: Usage,
): Promise<BuildProviders> {
  // Resolved only when a model is involved: local mode needs no server, key or model name.
  let resolved: ReturnType<typeof resolveModelSettings> | undefined;
  const settings = () =>
    (resolved ??= resolveModelSettings({
      baseURL: options.baseURL,
      apiKey: options.apiKey,
      model: options.model,
      embeddingModel: options.embeddingModel,
    }));
  const embedderChoice = options.embedder ?? DEFAULT_BUILD_OPTIONS.embedder;
  const summarizerChoice = options.summarizer ?? DEFAULT_BUILD_OPTIONS.summarizer;
  const needsClient = embedderChoice === 'openai' || summarizerChoice === 'llm';
  if (summarizerChoice === 'llm') requireChatModel(settings());
  const client = needsClient
    ? new ModelClient({
        baseURL: options.baseURL,
        apiKey: options.apiKey,
        concurrency: options.concurrency ?? DEFAULT_BUILD_OPTIONS.concurrency,
        maxRetries: options.maxRetries ?? DEFAULT_BUILD_OPTIONS.maxRetries,
        timeoutMs: options.timeoutMs ?? DEFAULT_BUILD_OPTIONS.timeoutMs,
        cache: store,
      })
    : undefined;

  const extractive = new ExtractiveSummarizer();
  let summarizer: Summarizer;
  if (typeof summarizerChoice === 'object') summarizer = summarizerChoice;
  else if (summarizerChoice === 'llm') summarizer = new LlmSummarizer({ client: client!, model: requireChatModel(settings()) });
  else summarizer = extractive;

  let local: LocalEmbedder | undefined;
  const dimensions = options.dimensions ?? DEFAULT_BUILD_OPTIONS.dimensions;

  const info = (): BuildParams['embedder'] => {
    if (typeof embedderChoice === 'object') {
      return { provider: embedderChoice.provider, modelId: embedderChoice.modelId, dimensions: embedderChoice.dimensions || null };
    }
    if (embedderChoice === 'local') return { provider: 'local', modelId: 'lsa', dimensions };
    if (embedderChoice === 'openai') return { provider: 'openai', modelId: requireEmbeddingModel(settings()), dimensions: null };
    return { provider: 'transformers', modelId: requireEmbeddingModel(settings()), dimensions: null };
  };
  // Fail on a missing model name before any work is done.
  info();

  return {
    summarizer,
    client,
    embedderInfo: info,
    embedderState: () => local?.serialize(),
    async fitAndEmbed(texts, onProgress, signal) {
      if (embedderChoice === 'local') {
        onProgress({ stage: 'fit-embedder', done: 0, total: 1 });
        const fitted = LocalEmbedder.fitEmbed(texts, {
          dimensions,
          seed: options.seed ?? DEFAULT_BUILD_OPTIONS.seed,
          onProgress: (done, total) => onProgress({ stage: 'fit-embedder', done, total }),
        });
        local = fitted.embedder;
        onProgress({ stage: 'embed', done: texts.length, total: texts.length });
        return { embedder: fitted.embedder, vectors: fitted.embeddings };
      }
      let embedder: Embedder;
      if (typeof embedderChoice === 'object') embedder = embedderChoice;
      else if (embedderChoice === 'openai') embedder = new OpenAIEmbedder({ client: client!, model: requireEmbeddingModel(settings()) });
      else {
        const { TransformersEmbedder } = await import('../src/core/providers/transformers-embedder.js');
        embedder = await TransformersEmbedder.load({ modelPath: requireEmbeddingModel(settings()) });
      }
      const vectors = await embedAll(embedder, texts, { stage: 'embed', onProgress, signal, usage });
      return { embedder, vectors };
    },
  };
}
