/**
 * The llama-cpp chat provider as the provider factory sees it: which provider a model setting
 * selects, the one ModelClient that runs a GGUF file in the process, and the prompt settings the
 * LLM judge and summariser use with it.
 * Why: `--model path/to/model.gguf` alone must be enough (no server, no key), while a model id
 * that is not a file path keeps meaning an OpenAI-compatible server; `provider` overrides either way.
 * Invariant: nothing here loads node-llama-cpp; the client's backend loads it on the first call.
 * Used by: create-providers.ts.
 */
import { LatticeError } from '../errors.js';
import { LlamaCppChat, ggufModelId } from './llama-cpp-chat.js';
import { checkGgufFile, isGgufPath } from './llama-cpp-loader.js';
import { ModelClient, type RetryEvent } from './model-client.js';
import { readEnv, type EnvSource } from './model-settings.js';
import type { ResponseCache } from './response-cache.js';
import { compactJudgeMessages, compactSummaryMessages, slateAnswerSchema } from './small-model-prompts.js';

/** Where chat calls go: an OpenAI-compatible server, or a GGUF model in this process. */
export type ChatProviderName = 'openai' | 'llama-cpp';
export const CHAT_PROVIDERS: readonly ChatProviderName[] = ['openai', 'llama-cpp'];

/** The provider asked for, else llama-cpp when the model (option, else LATTICE_MODEL) is a .gguf path, else openai. */
export function chatProviderOf(settings: { provider?: string | undefined; model?: string | undefined; env?: EnvSource | undefined }): ChatProviderName {
  const named = settings.provider?.trim();
  if (named) {
    if ((CHAT_PROVIDERS as readonly string[]).includes(named)) return named as ChatProviderName;
    throw new LatticeError('CONFIG_INVALID', `Unknown provider "${named}".`, { hint: `Use --provider ${CHAT_PROVIDERS.join(' or ')}.` });
  }
  return isGgufPath(settings.model?.trim() || readEnv('LATTICE_MODEL', settings.env)) ? 'llama-cpp' : 'openai';
}

/** The GGUF file to run: the model option, else LATTICE_MODEL; CONFIG_MISSING names the flag, MODEL_NOT_FOUND the fetch step. */
export function llamaCppModelPath(settings: { model?: string | undefined; env?: EnvSource | undefined }): string {
  const path = settings.model?.trim() || readEnv('LATTICE_MODEL', settings.env);
  if (path) {
    checkGgufFile(path);
    return path;
  }
  throw new LatticeError('CONFIG_MISSING', 'The llama-cpp provider needs a GGUF model file.', {
    hint: 'Pass --model path/to/model.gguf (npm run models -- --with-llm fetches models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf).',
  });
}

/**
 * Per-call limit of an in-process call when none is given, in ms. The connection default (60 s) is
 * sized for a server; a model on the local CPU shares the machine with everything else, and a call
 * cut short is computation thrown away, never a lost connection, so waiting is the cheaper failure.
 * An explicit timeout (--timeout, `timeoutMs`) is the user's choice and is kept as given.
 */
export const LLAMA_CPP_DEFAULT_TIMEOUT_MS = 600_000;

export interface LlamaCppClientOptions {
  modelPath: string;
  /** Calls decoded together: the client's slots and the context's sequences. */
  concurrency: number;
  maxRetries: number;
  /** Per-call limit in ms. Default LLAMA_CPP_DEFAULT_TIMEOUT_MS. */
  timeoutMs?: number | undefined;
  cache?: ResponseCache | undefined;
  onRetry?: ((event: RetryEvent) => void) | undefined;
}

/** A ModelClient whose chat calls run on the GGUF model in this process (structured output through a grammar). */
export function createLlamaCppClient(options: LlamaCppClientOptions): ModelClient {
  const timeoutMs = options.timeoutMs ?? LLAMA_CPP_DEFAULT_TIMEOUT_MS;
  const backend = new LlamaCppChat({ modelPath: options.modelPath, sequences: options.concurrency, timeoutMs });
  return new ModelClient({
    backend,
    concurrency: options.concurrency,
    maxRetries: options.maxRetries,
    timeoutMs,
    cache: options.cache,
    onRetry: options.onRetry,
    structuredMode: 'json_schema',
  });
}

/** The model id recorded in cache keys and build parameters for a GGUF file (its file name). */
export function llamaCppModelId(modelPath: string): string {
  return ggufModelId(modelPath);
}

/** LlmJudge options for a small local model: the few-shot prompt with short excerpts, and a grammar that fixes the slate's ids. */
export function llamaCppJudgeOptions(): { provider: string; prompt: typeof compactJudgeMessages; schema: typeof slateAnswerSchema } {
  return { provider: 'llama-cpp', prompt: (query, candidates) => compactJudgeMessages(query, candidates), schema: slateAnswerSchema };
}

/** LlmSummarizer options for a small local model: the few-shot prompt with short child excerpts. */
export function llamaCppSummarizerOptions(): { provider: string; prompt: typeof compactSummaryMessages } {
  return { provider: 'llama-cpp', prompt: (request) => compactSummaryMessages(request) };
}
