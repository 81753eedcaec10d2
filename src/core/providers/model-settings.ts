/**
 * Where model calls go and with which credentials: each setting is the explicit option,
 * else its environment variable (OPENAI_BASE_URL, OPENAI_API_KEY, LATTICE_MODEL,
 * LATTICE_EMBEDDING_MODEL), else a default or a CONFIG_MISSING error naming the fix.
 * Why one place: the CLI, the library and the tests must agree on precedence, and the
 * environment is read through one helper that trims and treats empty as unset.
 * The connection limits (concurrency, retries, timeout) have one set of defaults for builds and
 * queries alike, DEFAULT_MODEL_CONNECTION; create-providers.ts is the only place that applies them.
 * Invariant: the API key is never put in a message, a detail or a cache key.
 */
import { LatticeError } from '../errors.js';

/** The OpenAI API, used when neither an option nor OPENAI_BASE_URL names a server. */
export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** Sent to servers that need no key (local servers); real OpenAI answers 401 → MODEL_AUTH_FAILED. */
export const NO_API_KEY = 'lattice-no-key';

export type SettingSource = 'option' | 'env' | 'default' | 'unset';

export type EnvSource = Record<string, string | undefined>;

/** Reads an environment variable, trimmed; empty or whitespace-only counts as unset. */
export function readEnv(name: string, env: EnvSource = process.env): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  return trimmed.length === 0 ? undefined : trimmed;
}

/**
 * Defaults of the model connection, the same for a build and a query.
 * - concurrency 4: what builds and queries used before.
 * - maxRetries 2 (the openai and vercel/ai SDKs' default): a build that runs out of retries stops
 *   with its answers saved and resumes without repeating a call, and a query scores a failed slate
 *   with the lexical fallback, so longer retry chains mostly add waiting. Builds used 4 before.
 * - timeoutMs 60,000: a summary of ten children or a slate of twenty candidates is a prompt of
 *   several thousand tokens, which a local CPU server can take well over 30 s to answer; a call that
 *   times out costs nothing, one cut short is a paid call lost. Queries used 30,000 before.
 */
export const DEFAULT_MODEL_CONNECTION = Object.freeze({ concurrency: 4, maxRetries: 2, timeoutMs: 60_000 });

/** Where model calls go, with which models, and how hard to try: the settings of every model provider. */
export interface ModelConnectionOptions {
  /** [default: OPENAI_BASE_URL, else https://api.openai.com/v1] */
  baseURL?: string | undefined;
  /** [default: OPENAI_API_KEY; when unset a placeholder is sent, which local servers ignore] */
  apiKey?: string | undefined;
  /** Chat model for summaries and judging: a server's model id, or a .gguf file run in the process. [default: LATTICE_MODEL] */
  model?: string | undefined;
  /** Where chat calls go: 'openai' (an OpenAI-compatible server) or 'llama-cpp' (a GGUF file in the process). [default: 'llama-cpp' when the model ends in .gguf, else 'openai'] */
  provider?: string | undefined;
  /** Embedding model. [default: LATTICE_EMBEDDING_MODEL] */
  embeddingModel?: string | undefined;
  /**
   * A transformers.js model folder for the 'embedding' judge instead of the index's embedder; the
   * judge then embeds the candidates' texts (cached) rather than reading the index's vectors. [default: none]
   */
  judgeModel?: string | undefined;
  /** Model calls in flight at once, retries included. [default: 4] */
  concurrency?: number | undefined;
  /** Retries per model call on 429, 5xx, timeouts and unusable answers. [default: 2] */
  maxRetries?: number | undefined;
  /** Timeout of one model call attempt, in ms. [default: 60,000] */
  timeoutMs?: number | undefined;
  /** Environment to read; defaults to process.env (tests pass their own). */
  env?: EnvSource | undefined;
}

export interface ModelSettings {
  baseURL: string;
  /** Never log or store this. */
  apiKey: string;
  model: string | undefined;
  embeddingModel: string | undefined;
  /** Where each value came from, for `inspect` and traces. */
  sources: { baseURL: SettingSource; apiKey: SettingSource; model: SettingSource; embeddingModel: SettingSource };
}

function pick(option: string | undefined, envName: string, env: EnvSource): { value: string | undefined; source: SettingSource } {
  const explicit = option?.trim();
  if (explicit) return { value: explicit, source: 'option' };
  const fromEnv = readEnv(envName, env);
  if (fromEnv) return { value: fromEnv, source: 'env' };
  return { value: undefined, source: 'unset' };
}

/** Resolves base URL, API key and model ids: option, then environment, then default. */
export function resolveModelSettings(input: ModelConnectionOptions = {}): ModelSettings {
  const env = input.env ?? process.env;
  const base = pick(input.baseURL, 'OPENAI_BASE_URL', env);
  const key = pick(input.apiKey, 'OPENAI_API_KEY', env);
  const model = pick(input.model, 'LATTICE_MODEL', env);
  const embeddingModel = pick(input.embeddingModel, 'LATTICE_EMBEDDING_MODEL', env);

  const baseURL = normalizeBaseURL(base.value ?? DEFAULT_BASE_URL, base.source);
  if (key.value === undefined && isOfficialOpenAI(baseURL)) {
    throw new LatticeError('CONFIG_MISSING', `No API key for the model server at ${baseURL}.`, {
      hint: 'Set OPENAI_API_KEY, or point OPENAI_BASE_URL at a local OpenAI-compatible server.',
    });
  }
  return {
    baseURL,
    apiKey: key.value ?? NO_API_KEY,
    model: model.value,
    embeddingModel: embeddingModel.value,
    sources: {
      baseURL: base.value === undefined ? 'default' : base.source,
      apiKey: key.value === undefined ? 'default' : key.source,
      model: model.source,
      embeddingModel: embeddingModel.source,
    },
  };
}

/** The chat model, or CONFIG_MISSING naming --model / LATTICE_MODEL. */
export function requireChatModel(settings: Pick<ModelSettings, 'model'>): string {
  if (settings.model) return settings.model;
  throw new LatticeError('CONFIG_MISSING', 'No chat model was given for the OpenAI-compatible provider.', {
    hint: 'Pass --model <id> or set LATTICE_MODEL.',
  });
}

/** The embedding model, or CONFIG_MISSING naming --embedding-model / LATTICE_EMBEDDING_MODEL. */
export function requireEmbeddingModel(settings: Pick<ModelSettings, 'embeddingModel'>): string {
  if (settings.embeddingModel) return settings.embeddingModel;
  throw new LatticeError('CONFIG_MISSING', 'No embedding model was given for the OpenAI-compatible provider.', {
    hint: 'Pass --embedding-model <id> or set LATTICE_EMBEDDING_MODEL.',
  });
}

/** Validates an http(s) URL and drops a trailing slash; rejects anything else with CONFIG_INVALID. */
export function normalizeBaseURL(value: string, source: SettingSource = 'option'): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new LatticeError('CONFIG_INVALID', `Model server URL "${safeURL(value)}" is not a valid URL.`, {
      hint: source === 'env' ? 'Fix OPENAI_BASE_URL, e.g. http://127.0.0.1:8080/v1.' : 'Pass a URL such as http://127.0.0.1:8080/v1.',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new LatticeError('CONFIG_INVALID', `Model server URL "${safeURL(value)}" must use http or https.`, {
      hint: 'Use a URL such as http://127.0.0.1:8080/v1.',
    });
  }
  return value.trim().replace(/\/+$/, '');
}

/** A URL with any user:password part masked, safe to print. */
export function safeURL(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1***@');
}

function isOfficialOpenAI(baseURL: string): boolean {
  try {
    return new URL(baseURL).hostname === 'api.openai.com';
  } catch {
    return false;
  }
}
