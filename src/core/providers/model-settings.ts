/**
 * Where model calls go and with which credentials: each setting is the explicit option,
 * else its environment variable (OPENAI_BASE_URL, OPENAI_API_KEY, LATTICE_MODEL,
 * LATTICE_EMBEDDING_MODEL), else a default or a CONFIG_MISSING error naming the fix.
 * Why one place: the CLI, the library and the tests must agree on precedence, and the
 * environment is read through one helper that trims and treats empty as unset.
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

export interface ModelSettingsInput {
  /** [default: OPENAI_BASE_URL, else https://api.openai.com/v1] */
  baseURL?: string | undefined;
  /** [default: OPENAI_API_KEY; when unset a placeholder is sent, which local servers ignore] */
  apiKey?: string | undefined;
  /** Chat model for summaries and judging. [default: LATTICE_MODEL] */
  model?: string | undefined;
  /** Embedding model. [default: LATTICE_EMBEDDING_MODEL] */
  embeddingModel?: string | undefined;
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
export function resolveModelSettings(input: ModelSettingsInput = {}): ModelSettings {
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
