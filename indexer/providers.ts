/**
 * The embedder and summariser of a build, from its options, through createProviders.
 * Why a build layer over the factory: the local embedder is fitted on the corpus being built
 * (so it exists only after loading) and its fitted state is stored in the index; the model
 * providers share one client whose answer cache is the index itself. Secrets (API key, base
 * URL) are handed to the client and never written anywhere.
 */
import { LocalEmbedder } from '../src/core/providers/local-embedder.js';
import { createProviders, type ProviderSettings } from '../src/core/providers/create-providers.js';
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
  /** Frees an in-process model the summariser loaded. */
  close(): Promise<void>;
}

function providerSettings(options: BuildOptions, store?: IndexStore): ProviderSettings {
  return {
    embedder: options.embedder ?? DEFAULT_BUILD_OPTIONS.embedder,
    dimensions: options.dimensions ?? DEFAULT_BUILD_OPTIONS.dimensions,
    summarizer: options.summarizer ?? DEFAULT_BUILD_OPTIONS.summarizer,
    baseURL: options.baseURL,
    apiKey: options.apiKey,
    model: options.model,
    provider: options.provider,
    embeddingModel: options.embeddingModel,
    concurrency: options.concurrency ?? DEFAULT_BUILD_OPTIONS.concurrency,
    maxRetries: options.maxRetries ?? DEFAULT_BUILD_OPTIONS.maxRetries,
    timeoutMs: options.timeoutMs ?? DEFAULT_BUILD_OPTIONS.timeoutMs,
    cache: store,
  };
}

/** Fails fast (before any loading or writing) when a model provider lacks its model name or server settings. */
export function checkProviderSettings(options: BuildOptions): void {
  createProviders(providerSettings(options)).check();
}

export async function createBuildProviders(
  options: BuildOptions,
  store: IndexStore,
  usage: Usage,
): Promise<BuildProviders> {
  const providers = createProviders(providerSettings(options, store));
  const embedderChoice = options.embedder ?? DEFAULT_BUILD_OPTIONS.embedder;
  // Fail on a missing model name before any work is done.
  providers.check();
  const summarizer = providers.summarizer();
  let local: LocalEmbedder | undefined;

  return {
    summarizer,
    embedderInfo: () => providers.embedderInfo(),
    embedderState: () => local?.serialize(),
    close: () => providers.close(),
    async fitAndEmbed(texts, onProgress, signal) {
      if (embedderChoice === 'local') {
        onProgress({ stage: 'fit-embedder', done: 0, total: 1 });
        const fitted = LocalEmbedder.fitEmbed(texts, {
          dimensions: options.dimensions ?? DEFAULT_BUILD_OPTIONS.dimensions,
          seed: options.seed ?? DEFAULT_BUILD_OPTIONS.seed,
          onProgress: (done, total) => onProgress({ stage: 'fit-embedder', done, total }),
        });
        local = fitted.embedder;
        onProgress({ stage: 'embed', done: texts.length, total: texts.length });
        return { embedder: fitted.embedder, vectors: fitted.embeddings };
      }
      const embedder = await providers.embedder();
      const vectors = await embedAll(embedder, texts, { stage: 'embed', onProgress, signal, usage });
      return { embedder, vectors };
    },
  };
}
