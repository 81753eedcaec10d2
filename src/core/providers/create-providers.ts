/**
 * `createProviders(settings)`: the one place where the embedder, summariser and judge of a build
 * or an open index are chosen and built, with the one ModelClient they share.
 * Why one place: model settings resolve option → environment → default once (model-settings.ts,
 * DEFAULT_MODEL_CONNECTION), so a build and a query cannot drift apart, and a new provider is one
 * name in a union and one entry in the table of its kind (EMBEDDERS, SUMMARIZERS, JUDGES below).
 * Invariant: nothing is resolved or constructed before it is used, so local mode needs no server,
 * key or model name; the client is created at most once and only when a model provider asks for it.
 * Used by: indexer/providers.ts (the build) and src/api/lattice-index.ts (queries).
 */
import { LatticeError } from '../errors.js';
import type { Embedder, Judge, Summarizer } from '../types.js';
import { EmbeddingJudge } from './embedding-judge.js';
import { ExtractiveSummarizer } from './extractive-summarizer.js';
import { LlmJudge } from './llm-judge.js';
import { LlmSummarizer } from './llm-summarizer.js';
import { LocalEmbedder } from './local-embedder.js';
import { ModelClient, type RetryEvent } from './model-client.js';
import {
  DEFAULT_MODEL_CONNECTION,
  requireChatModel,
  readEnv,
  requireEmbeddingModel,
  resolveModelSettings,
  type ModelConnectionOptions,
  type ModelSettings,
} from './model-settings.js';
import { OpenAIEmbedder } from './openai-embedder.js';
import { LLAMA_CPP_DEFAULT_TIMEOUT_MS, chatProviderOf, createLlamaCppClient, llamaCppJudgeOptions, llamaCppModelId, llamaCppModelPath, llamaCppSummarizerOptions } from './llama-cpp-provider.js';
import type { ResponseCache } from './response-cache.js';

/** Built-in embedders: 'local' (TF-IDF + SVD fitted on the corpus), 'openai' (any OpenAI-compatible server), 'transformers' (an ONNX model folder). */
export type EmbedderName = 'local' | 'openai' | 'transformers';
/** Built-in summarisers: 'extractive' (no model) and 'llm' (an OpenAI-compatible chat model). */
export type SummarizerName = 'extractive' | 'llm';
/** Built-in judges: 'lexical' (BM25 and keyword profiles), 'llm' (a chat model), 'embedding' (cosine in the index's embedding space). */
export type JudgeName = 'lexical' | 'llm' | 'embedding';

/** Provider choices when none is given. */
export const DEFAULT_PROVIDERS = Object.freeze({
  embedder: 'local' as EmbedderName,
  summarizer: 'extractive' as SummarizerName,
  judge: 'lexical' as JudgeName,
});

/** What an index records about its embedder (dimensions: null when learned from the first answer). */
export interface EmbedderInfo {
  provider: string;
  modelId: string;
  dimensions: number | null;
}

export interface ProviderSettings extends ModelConnectionOptions {
  /** Embedder name, or your own Embedder. [default: 'local'] */
  embedder?: EmbedderName | Embedder | undefined;
  /** Dimensions of the local embedder, as recorded in the index. */
  dimensions?: number | undefined;
  /** Summariser name, or your own Summarizer. [default: 'extractive'] */
  summarizer?: SummarizerName | Summarizer | undefined;
  /** Judge name, or your own Judge. [default: 'lexical'] */
  judge?: JudgeName | Judge | undefined;
  /** Answer cache of the shared client: the index being built, or memory for a read-only open. */
  cache?: ResponseCache | undefined;
  onRetry?: ((event: RetryEvent) => void) | undefined;
  /** The open index's lexical judge: judge 'lexical', and the fallback of the 'llm' judge. */
  lexicalJudge?: (() => Judge) | undefined;
  /** The fitted local embedder an index stores, so an open index embeds queries as its build did. */
  localEmbedderState?: (() => Buffer | undefined) | undefined;
  /**
   * An open index: its file and the embedder it records. Its vectors were made by that embedder, so
   * without an explicit `embedder` the index's own is used, with `embeddingModel` else the recorded
   * model (the environment is not read here: it may name the model of another index).
   */
  builtWith?: { file: string; embedder: EmbedderInfo | undefined } | undefined;
  /** Stored vector of a node, made by this embedder, so the 'embedding' judge embeds only the query. */
  nodeVector?: ((nodeId: number) => Float32Array | undefined) | undefined;
}

/** The providers of one build or one open index; every accessor builds on first use. */
export interface Providers {
  /** Connection limits in force, defaults applied. */
  readonly connection: Readonly<{ concurrency: number; maxRetries: number; timeoutMs: number }>;
  /** Throws CONFIG_MISSING / CONFIG_INVALID when a chosen model provider lacks a setting; calls nothing. */
  check(): void;
  /** Server, key and model ids, resolved once. Never log the key. */
  modelSettings(): ModelSettings;
  /** The client shared by every model provider here, created on first use. */
  client(): ModelClient;
  /** The client, if a provider has used one (for usage totals). */
  usedClient(): ModelClient | undefined;
  summarizer(): Summarizer;
  embedderInfo(): EmbedderInfo;
  /** The embedder, loaded once. 'local' is fitted by the build, and read back from `localEmbedderState` by an open index. */
  embedder(): Promise<Embedder>;
  /** A judge by name (one instance per name), or `choice` itself when it is a Judge. */
  judge(choice?: JudgeName | Judge): Promise<Judge>;
  /** Frees the shared client's in-process model, if one was loaded (see ModelClient.close). */
  close(): Promise<void>;
}

/** What a provider entry may use: the settings and the shared, lazily built pieces. */
interface ProviderParts {
  settings: ProviderSettings;
  modelSettings(): ModelSettings;
  client(): ModelClient;
  embedder(): Promise<Embedder>;
  /** The chat model id for the LLM summariser and judge, and their provider options (a GGUF file runs in the process, needing no server). */
  chatModel(): string;
  /** True when chat calls run on a GGUF file in the process (provider 'llama-cpp'). */
  llamaCpp(): boolean;
  /** The embedding model (option, recorded, else env LATTICE_EMBEDDING_MODEL) without resolving a server: a model folder needs none. */
  embeddingModel(): string;
}

interface EmbedderEntry {
  info(parts: ProviderParts): EmbedderInfo;
  load(parts: ProviderParts): Promise<Embedder>;
}

interface SummarizerEntry {
  check?(parts: ProviderParts): void;
  create(parts: ProviderParts): Summarizer;
}

interface JudgeEntry {
  check?(parts: ProviderParts): void;
  create(parts: ProviderParts): Judge | Promise<Judge>;
}

const EMBEDDERS: Record<EmbedderName, EmbedderEntry> = {
  local: {
    info: (p) => ({ provider: 'local', modelId: 'lsa', dimensions: p.settings.dimensions ?? null }),
    load: async (p) => {
      const state = p.settings.localEmbedderState?.();
      if (state) return LocalEmbedder.deserialize(state);
      throw new LatticeError('CONFIG_MISSING', 'The local embedder is fitted on the corpus by the build, and no fitted state was found to embed queries with.', {
        hint: 'Rebuild the index with lattice build, or use BM25 (fusion: "bm25").',
      });
    },
  },
  openai: {
    info: (p) => ({ provider: 'openai', modelId: requireEmbeddingModel(p.modelSettings()), dimensions: null }),
    load: async (p) => new OpenAIEmbedder({ client: p.client(), model: requireEmbeddingModel(p.modelSettings()) }),
  },
  transformers: {
    info: (p) => ({ provider: 'transformers', modelId: p.embeddingModel(), dimensions: null }),
    load: async (p) => {
      // Loaded on demand: onnxruntime is heavy and most runs never need it.
      const { TransformersEmbedder } = await import('./transformers-embedder.js');
      return TransformersEmbedder.load({ modelPath: p.embeddingModel(), recordedIn: p.settings.builtWith?.file });
    },
  },
};

const SUMMARIZERS: Record<SummarizerName, SummarizerEntry> = {
  extractive: { create: () => new ExtractiveSummarizer() },
  llm: {
    check: (p) => void p.chatModel(),
    create: (p) => new LlmSummarizer({ client: p.client(), model: p.chatModel(), ...(p.llamaCpp() ? llamaCppSummarizerOptions() : {}) }),
  },
};

const JUDGES: Record<JudgeName, JudgeEntry> = {
  lexical: { create: (p) => lexicalJudge(p) },
  llm: {
    check: (p) => void p.chatModel(),
    create: (p) => new LlmJudge({ client: p.client(), model: p.chatModel(), fallback: lexicalJudge(p), ...(p.llamaCpp() ? llamaCppJudgeOptions() : {}) }),
  },
  embedding: {
    create: async (p) => {
      if (!p.settings.judgeModel) return new EmbeddingJudge({ embedder: await p.embedder(), vectorOf: p.settings.nodeVector });
      // Another model's space: the index's vectors cannot be compared with its query vectors.
      const { TransformersEmbedder } = await import('./transformers-embedder.js');
      return new EmbeddingJudge({ embedder: await TransformersEmbedder.load({ modelPath: p.settings.judgeModel }) });
    },
  },
};

function lexicalJudge(p: ProviderParts): Judge {
  if (p.settings.lexicalJudge) return p.settings.lexicalJudge();
  throw new LatticeError('CONFIG_MISSING', 'The lexical judge needs the statistics of an open index.', {
    hint: 'Search through openIndex(file), or pass your own Judge.',
  });
}

function unknownEmbedder(file: string | undefined, provider: string | undefined): LatticeError {
  return new LatticeError('CONFIG_MISSING', `${file ?? 'The index'} was built with the ${provider ?? 'a model'} embedder; dense search needs it to embed queries.`, {
    hint: 'Pass the same embedder to openIndex({ embedder }), or use BM25 (fusion: "bm25").',
  });
}

/** Whether `name` is a built-in embedder (an index records its embedder's provider name). */
export function isEmbedderName(name: string): name is EmbedderName {
  return Object.hasOwn(EMBEDDERS, name);
}

function entryOf<T>(table: Record<string, T>, kind: string, name: string): T {
  if (Object.hasOwn(table, name)) return table[name]!;
  throw new LatticeError('CONFIG_INVALID', `Unknown ${kind} "${name}".`, {
    hint: `Use --${kind} ${Object.keys(table).join(', ')}.`,
  });
}

/** Builds the providers of a build or an open index from one set of settings (see ProviderSettings). */
export function createProviders(settings: ProviderSettings = {}): Providers {
  const connection = Object.freeze({
    concurrency: settings.concurrency ?? DEFAULT_MODEL_CONNECTION.concurrency,
    maxRetries: settings.maxRetries ?? DEFAULT_MODEL_CONNECTION.maxRetries,
    // A model in the process gets a longer default than a server (see LLAMA_CPP_DEFAULT_TIMEOUT_MS); an explicit timeout is kept.
    timeoutMs: settings.timeoutMs ?? (chatProviderOf(settings) === 'llama-cpp' ? LLAMA_CPP_DEFAULT_TIMEOUT_MS : DEFAULT_MODEL_CONNECTION.timeoutMs),
  });
  const recorded = settings.builtWith?.embedder;
  const embedderChoice: EmbedderName | Embedder | undefined =
    settings.embedder ?? (settings.builtWith ? (recorded && isEmbedderName(recorded.provider) ? recorded.provider : undefined) : DEFAULT_PROVIDERS.embedder);
  const embeddingModel = settings.embeddingModel ?? (recorded && embedderChoice === recorded.provider && recorded.provider !== 'local' ? recorded.modelId : undefined);
  const summarizerChoice = settings.summarizer ?? DEFAULT_PROVIDERS.summarizer;
  let resolved: ModelSettings | undefined;
  let client: ModelClient | undefined;
  let embedder: Promise<Embedder> | undefined;
  const parts: ProviderParts = {
    settings,
    modelSettings: () =>
      (resolved ??= resolveModelSettings({
        baseURL: settings.baseURL,
        apiKey: settings.apiKey,
        model: settings.model,
        embeddingModel,
        env: settings.env,
      })),
    client: () => {
      if (client) return client;
      if (parts.llamaCpp()) {
        client = createLlamaCppClient({ modelPath: llamaCppModelPath(settings), ...connection, cache: settings.cache, onRetry: settings.onRetry });
        return client;
      }
      const { baseURL, apiKey } = parts.modelSettings();
      client = new ModelClient({ baseURL, apiKey, ...connection, cache: settings.cache, onRetry: settings.onRetry });
      return client;
    },
    llamaCpp: () => chatProviderOf(settings) === 'llama-cpp',
    chatModel: () => (parts.llamaCpp() ? llamaCppModelId(llamaCppModelPath(settings)) : requireChatModel(parts.modelSettings())),
    embeddingModel: () => requireEmbeddingModel({ embeddingModel: embeddingModel ?? readEnv('LATTICE_EMBEDDING_MODEL', settings.env) }),
    embedder: () => {
      if (typeof embedderChoice === 'object') return Promise.resolve(embedderChoice);
      if (embedderChoice === undefined) return Promise.reject(unknownEmbedder(settings.builtWith?.file, recorded?.provider));
      if (!embedder) {
        embedder = (async () => entryOf(EMBEDDERS, 'embedder', embedderChoice).load(parts))();
        embedder.catch(() => (embedder = undefined));
      }
      return embedder;
    },
  };
  let summarizer: Summarizer | undefined;
  const judges = new Map<JudgeName, Promise<Judge>>();

  return {
    connection,
    check() {
      if (typeof summarizerChoice === 'string') entryOf(SUMMARIZERS, 'summarizer', summarizerChoice).check?.(parts);
      if (typeof embedderChoice === 'string') entryOf(EMBEDDERS, 'embedder', embedderChoice).info(parts);
      if (typeof settings.judge === 'string') entryOf(JUDGES, 'judge', settings.judge).check?.(parts);
    },
    modelSettings: parts.modelSettings,
    client: parts.client,
    usedClient: () => client,
    summarizer() {
      if (typeof summarizerChoice === 'object') return summarizerChoice;
      return (summarizer ??= entryOf(SUMMARIZERS, 'summarizer', summarizerChoice).create(parts));
    },
    embedderInfo() {
      if (embedderChoice === undefined) throw unknownEmbedder(settings.builtWith?.file, recorded?.provider);
      if (typeof embedderChoice === 'object') {
        return { provider: embedderChoice.provider, modelId: embedderChoice.modelId, dimensions: embedderChoice.dimensions || null };
      }
      return entryOf(EMBEDDERS, 'embedder', embedderChoice).info(parts);
    },
    embedder: parts.embedder,
    async judge(choice = settings.judge ?? DEFAULT_PROVIDERS.judge) {
      if (typeof choice === 'object') return choice;
      let judge = judges.get(choice);
      if (!judge) {
        const name = choice;
        judge = (async () => entryOf(JUDGES, 'judge', String(name)).create(parts))();
        judges.set(name, judge);
        // A judge that could not be built (a missing model name) is not kept: the next search retries.
        judge.catch(() => judges.delete(name));
      }
      return judge;
    },
    async close() {
      await client?.close();
    },
  };
}
