/**
 * The one door to model servers: every chat and embedding call of lattice goes through a
 * ModelClient. It ties together the transport (concurrency limit and retries,
 * model-transport.ts), structured output (mode fallback, parsing and validation,
 * structured-output.ts) and the persistent cache (model-call-cache.ts), and keeps the token
 * accounting and the embedding batches. It drives the real `openai` client with its own
 * retries switched off (maxRetries: 0) so that retries share our concurrency slots.
 * Invariants: at no moment are more than `concurrency` requests in flight (a slot is
 * released while a retry waits); only answers that parsed and validated are cached; a
 * failure is always a LatticeError with a MODEL_* code (aborts rethrow the signal's reason).
 * Used by: openai-embedder.ts, llm-summarizer.ts, llm-judge.ts, and the build/query pipelines.
 */
import OpenAI from 'openai';
import { LatticeError } from '../errors.js';
import { emptyUsage, addUsage, type Usage } from '../types.js';
import { redact } from './model-errors.js';
import { DEFAULT_MODEL_CONNECTION, NO_API_KEY, resolveModelSettings, safeURL, type EnvSource } from './model-settings.js';
import { runPool } from '../util/run-pool.js';
import type { ResponseCache } from './response-cache.js';
import type { ChatBackend } from './chat-backend.js';
import { ModelCallCache } from './model-call-cache.js';
import { ModelTransport, type RetryEvent } from './model-transport.js';
import {
  StructuredModes,
  badRequestText,
  clip,
  expectedJson,
  interpret,
  isFormatRejection,
  repairMessages,
  responseFormat,
  withSchemaNote,
  type ChatMessage,
  type Completion,
  type StructuredMode,
  type Validation,
} from './structured-output.js';

export { STRUCTURED_MODES, type ChatMessage, type StructuredMode, type Validation } from './structured-output.js';
export type { RetryEvent } from './model-transport.js';

export interface ChatJsonRequest<T> {
  model: string;
  messages: ChatMessage[];
  /** Name for `response_format.json_schema.name`: letters, digits, `_` and `-`, at most 64. */
  schemaName: string;
  /** JSON Schema of the answer; keep it strict-mode friendly (all properties required, no extras). */
  schema: Record<string, unknown>;
  validate: (value: unknown) => Validation<T>;
  /** Sampling temperature; omitted from the request when undefined. */
  temperature?: number | undefined;
  /** Cap on answer tokens; omitted when undefined. */
  maxTokens?: number | undefined;
  abortSignal?: AbortSignal | undefined;
}

export interface ChatJsonResult<T> {
  value: T;
  /** What this call cost (both attempts when repaired); also added to `client.usage`. */
  usage: Usage;
  cached: boolean;
  /** Mode that produced the answer. */
  mode: StructuredMode;
  /** True when the first answer was unusable and the repair answer was used. */
  repaired: boolean;
}

export interface EmbedTextsRequest {
  model: string;
  input: string[];
  /** Requested vector length (`dimensions` parameter; only some models accept it). */
  dimensions?: number | undefined;
  /** Texts per HTTP request. Default 64. */
  batchSize?: number | undefined;
  abortSignal?: AbortSignal | undefined;
}

export interface EmbedTextsResult {
  /** One vector per input, in input order. */
  embeddings: Float32Array[];
  usage: Usage;
}

export interface ModelClientOptions {
  /** [default: OPENAI_BASE_URL, else https://api.openai.com/v1] */
  baseURL?: string | undefined;
  /** [default: OPENAI_API_KEY] */
  apiKey?: string | undefined;
  /** Environment for the defaults above (tests pass their own). */
  env?: EnvSource | undefined;
  /** Provider kind recorded in cache keys. Default `openai`. */
  provider?: string | undefined;
  /** Requests in flight at once, retries included. Default 4 (DEFAULT_MODEL_CONNECTION). */
  concurrency?: number | undefined;
  /**
   * Retries after the first attempt, for retryable failures. Default 2 (DEFAULT_MODEL_CONNECTION). A refused connection
   * (nothing listening) gets at most one retry, so a missing server is reported quickly.
   */
  maxRetries?: number | undefined;
  /** Per-attempt timeout in ms, until the response headers arrive. Default 60,000 (DEFAULT_MODEL_CONNECTION). */
  timeoutMs?: number | undefined;
  /** First backoff delay in ms; doubles each retry. Default 500. */
  backoffBaseMs?: number | undefined;
  /** Backoff cap in ms. Default 8,000. */
  backoffMaxMs?: number | undefined;
  /** Server-requested delays above this (ms) are ignored in favour of backoff. Default 60,000. */
  maxRetryAfterMs?: number | undefined;
  /** Persistent answer cache; none by default. */
  cache?: ResponseCache | undefined;
  /** Skip discovery and start with this structured-output mode. */
  structuredMode?: StructuredMode | undefined;
  /** Sleep used between retries (tests shrink or record delays). */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  /** Source of jitter in [0, 1). Default Math.random. */
  random?: (() => number) | undefined;
  onRetry?: ((event: RetryEvent) => void) | undefined;
  /** fetch implementation handed to the openai client (tests, proxies). */
  fetch?: typeof globalThis.fetch | undefined;
  /** An in-process chat model (llama-cpp-chat.ts) answering chat calls instead of a server; no URL or key is resolved. */
  backend?: ChatBackend | undefined;
}

/**
 * Rough token count when a server reports no usage: about four characters per token for
 * English text, the rule of thumb OpenAI documents. Good enough for cost reports, not billing.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function positiveInt(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new LatticeError('CONFIG_INVALID', `Model client option ${name} must be an integer ≥ ${min}, got ${String(value)}.`, {
      hint: `Pass a whole number of at least ${min} for ${name}.`,
    });
  }
  return value;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) {
    throw new LatticeError('CONFIG_INVALID', `Model client option ${name} must be a number ≥ 0, got ${String(value)}.`, {
      hint: `Pass a non-negative number of milliseconds for ${name}.`,
    });
  }
  return value;
}

/** One OpenAI-compatible server, shared by every model call of a build or a query session. */
export class ModelClient {
  readonly baseURL: string;
  readonly provider: string;
  /** Running totals over the life of the client. */
  readonly usage: Usage = emptyUsage();
  readonly cache: ResponseCache | undefined;
  readonly concurrency: number;
  readonly maxRetries: number;
  readonly timeoutMs: number;

  private readonly openai: OpenAI;
  private readonly apiKey: string;
  private readonly transport: ModelTransport;
  private readonly calls: ModelCallCache | undefined;
  private readonly modes: StructuredModes;
  private readonly backend: ChatBackend | undefined;
  private useMaxCompletionTokens = false;
  private omitTemperature = false;

  constructor(options: ModelClientOptions = {}) {
    this.backend = options.backend;
    const settings = this.backend
      ? { baseURL: `in-process:${this.backend.location}`, apiKey: NO_API_KEY }
      : resolveModelSettings({ baseURL: options.baseURL, apiKey: options.apiKey, env: options.env });
    this.baseURL = settings.baseURL;
    this.apiKey = settings.apiKey;
    this.provider = options.provider ?? this.backend?.provider ?? 'openai';
    this.concurrency = positiveInt('concurrency', options.concurrency, DEFAULT_MODEL_CONNECTION.concurrency);
    this.maxRetries = positiveInt('maxRetries', options.maxRetries, DEFAULT_MODEL_CONNECTION.maxRetries, 0);
    this.timeoutMs = positiveInt('timeoutMs', options.timeoutMs, DEFAULT_MODEL_CONNECTION.timeoutMs);
    this.transport = new ModelTransport({
      baseURL: this.baseURL,
      apiKey: this.apiKey,
      concurrency: this.concurrency,
      maxRetries: this.maxRetries,
      backoffBaseMs: nonNegative('backoffBaseMs', options.backoffBaseMs, 500),
      backoffMaxMs: nonNegative('backoffMaxMs', options.backoffMaxMs, 8_000),
      maxRetryAfterMs: nonNegative('maxRetryAfterMs', options.maxRetryAfterMs, 60_000),
      sleep: options.sleep,
      random: options.random,
      onRetry: options.onRetry,
    });
    this.cache = options.cache;
    this.calls = options.cache ? new ModelCallCache(options.cache, this.provider) : undefined;
    this.modes = new StructuredModes(options.structuredMode);
    this.openai = new OpenAI({
      baseURL: this.baseURL,
      apiKey: this.apiKey,
      maxRetries: 0,
      timeout: this.timeoutMs,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  /** The structured-output mode that last worked (undefined before the first chat call). */
  get structuredMode(): StructuredMode | undefined {
    return this.modes.last;
  }

  /**
   * Frees what the client holds: an in-process model and its context (an HTTP client holds
   * nothing to free). The client stays usable; a later call loads the model again.
   */
  async close(): Promise<void> {
    await this.backend?.close();
  }

  /** Requests currently holding a concurrency slot. */
  get inFlight(): number {
    return this.transport.inFlight;
  }

  /**
   * Asks for a JSON answer, parses it leniently and validates it. Tries json_schema, then
   * json_object, then a plain prompt (remembering what the server accepts); a bad answer is
   * repaired once, then MODEL_BAD_OUTPUT (details.partial holds the validator's partial).
   */
  async chatJson<T>(request: ChatJsonRequest<T>): Promise<ChatJsonResult<T>> {
    checkChatRequest(request);
    const callUsage = emptyUsage();

    const cached = this.calls?.lookupChat(request, this.modes.lookupOrder(), request.validate);
    if (cached) {
      callUsage.cachedCalls = 1;
      addUsage(this.usage, callUsage);
      return { value: cached.value, usage: callUsage, cached: true, mode: cached.mode, repaired: false };
    }

    const expect = expectedJson(request.schema);
    const errors: string[] = [];
    let partial: unknown;
    let lastAnswer = '';
    const rejected = (verdict: { error: string; partial?: unknown }, answer: string): void => {
      errors.push(verdict.error);
      if (verdict.partial !== undefined) partial = verdict.partial;
      lastAnswer = answer;
    };

    for (;;) {
      const mode = this.modes.current();
      const messages = withSchemaNote(request.messages, request.schema, mode);
      let first: Completion;
      try {
        first = await this.complete(request, mode, messages);
      } catch (error) {
        if (mode !== 'plain' && isFormatRejection(error)) {
          this.modes.refused(mode);
          continue;
        }
        throw error;
      }
      this.modes.accepted(mode);
      addUsage(callUsage, first.usage);

      const verdict = interpret(first, request.validate, expect);
      if (verdict.ok) return this.finishChat(request, mode, verdict, callUsage, false);
      rejected(verdict, first.content);

      let second: Completion;
      try {
        second = await this.complete(request, mode, repairMessages(messages, first.content, verdict.error));
      } catch (error) {
        addUsage(this.usage, callUsage);
        throw error;
      }
      addUsage(callUsage, second.usage);
      const again = interpret(second, request.validate, expect);
      if (again.ok) return this.finishChat(request, mode, again, callUsage, true);
      rejected(again, second.content);
      break;
    }

    addUsage(this.usage, callUsage);
    const mode = this.modes.last ?? 'plain';
    // Parse errors can quote the answer, and an answer can echo anything: scrub and cut them.
    const shown = errors.map((e) => clip(redact(e, [this.apiKey]), 500));
    throw new LatticeError('MODEL_BAD_OUTPUT', `The chat model "${request.model}" gave no usable ${request.schemaName} answer after a repair attempt: ${shown[shown.length - 1] ?? 'unknown problem'}.`, {
      hint: 'Use a stronger model, or one that supports JSON output (response_format).',
      details: {
        model: request.model,
        schemaName: request.schemaName,
        mode,
        errors: shown,
        answerExcerpt: clip(redact(lastAnswer, [this.apiKey]), 200),
        usage: callUsage,
        ...(partial !== undefined ? { partial } : {}),
      },
      retryable: false,
    });
  }

  /**
   * Embeds texts in input order. Each text is looked up in the cache first; the rest are
   * de-duplicated and sent in batches of `batchSize` (default 64), in parallel up to the
   * concurrency limit. Empty texts are sent as a single space (servers reject "").
   */
  async embed(request: EmbedTextsRequest): Promise<EmbedTextsResult> {
    if (!request.model) {
      throw new LatticeError('CONFIG_MISSING', 'No embedding model was given.', { hint: 'Pass --embedding-model <id> or set LATTICE_EMBEDDING_MODEL.' });
    }
    if (!Array.isArray(request.input)) {
      throw new LatticeError('CONFIG_INVALID', 'Embedding input must be an array of strings.', { hint: 'Pass input: string[].' });
    }
    const batchSize = positiveInt('batchSize', request.batchSize, 64);
    const callUsage = emptyUsage();
    const out: (Float32Array | undefined)[] = new Array(request.input.length);
    const cachedVectors = new Map<string, Float32Array>();
    const pending = new Map<string, number[]>();

    request.input.forEach((text, index) => {
      if (typeof text !== 'string') {
        throw new LatticeError('CONFIG_INVALID', `Embedding input ${index} is not a string.`, { hint: 'Pass an array of strings.' });
      }
      const known = cachedVectors.get(text);
      if (known) {
        // Copies, so a caller normalising one vector in place cannot change another.
        out[index] = known.slice();
        return;
      }
      const waiting = pending.get(text);
      if (waiting) {
        waiting.push(index);
        return;
      }
      const hit = this.calls?.lookupEmbedding(request.model, text, request.dimensions);
      if (hit) {
        cachedVectors.set(text, hit);
        out[index] = hit;
        // Each distinct text served from the cache counts as one cached call.
        callUsage.cachedCalls++;
        return;
      }
      pending.set(text, [index]);
    });

    const texts = [...pending.keys()];
    const batches: string[][] = [];
    for (let i = 0; i < texts.length; i += batchSize) batches.push(texts.slice(i, i + batchSize));
    try {
      // Every batch is started (the semaphore queues them); on a failure the rest still finish,
      // so answers already paid for reach the cache before the error surfaces.
      const results: Awaited<ReturnType<typeof this.embedBatch>>[] = new Array(batches.length);
      await runPool(batches, batches.length, async (batch, b) => {
        results[b] = await this.embedBatch(request, batch);
      });
      results.forEach((result, b) => {
        addUsage(callUsage, result.usage);
        batches[b]!.forEach((text, k) => {
          pending.get(text)!.forEach((index, n) => {
            out[index] = n === 0 ? result.vectors[k]! : result.vectors[k]!.slice();
          });
        });
      });
    } finally {
      addUsage(this.usage, callUsage);
    }
    return { embeddings: out as Float32Array[], usage: callUsage };
  }

  // -------------------------------------------------------------------------

  /** Records usage and caches the parsed answer. */
  private finishChat<T>(request: ChatJsonRequest<T>, mode: StructuredMode, verdict: { value: T; raw: unknown }, usage: Usage, repaired: boolean): ChatJsonResult<T> {
    addUsage(this.usage, usage);
    this.calls?.storeChat(request, mode, verdict.raw, usage);
    return { value: verdict.value, usage, cached: false, mode, repaired };
  }

  private async complete<T>(request: ChatJsonRequest<T>, mode: StructuredMode, messages: ChatMessage[]): Promise<Completion> {
    const backend = this.backend;
    if (backend) {
      const { model, schemaName, schema, temperature, maxTokens } = request;
      return this.transport.call('chat', model, request.abortSignal, (signal) =>
        backend.complete({ model, messages, mode, schemaName, schema, temperature, maxTokens }, signal),
      );
    }
    for (;;) {
      const body: Record<string, unknown> = { model: request.model, messages };
      if (request.temperature !== undefined && !this.omitTemperature) body['temperature'] = request.temperature;
      if (request.maxTokens !== undefined) body[this.useMaxCompletionTokens ? 'max_completion_tokens' : 'max_tokens'] = request.maxTokens;
      const format = responseFormat(mode, request.schemaName, request.schema);
      if (format) body['response_format'] = format;
      let completion: OpenAI.Chat.Completions.ChatCompletion;
      try {
        completion = await this.transport.call('chat', request.model, request.abortSignal, (signal) =>
          this.openai.chat.completions.create(body as unknown as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming, signal ? { signal } : {}),
        );
      } catch (error) {
        // Some servers (and OpenAI's reasoning models) refuse these parameters; adapt once.
        const said = badRequestText(error);
        if (said !== undefined && request.maxTokens !== undefined && !this.useMaxCompletionTokens && /max_tokens/.test(said)) {
          this.useMaxCompletionTokens = true;
          continue;
        }
        if (said !== undefined && request.temperature !== undefined && !this.omitTemperature && /temperature/.test(said)) {
          this.omitTemperature = true;
          continue;
        }
        throw error;
      }
      const choice = Array.isArray(completion?.choices) ? completion.choices[0] : undefined;
      const message = choice?.message as { content?: unknown; refusal?: unknown } | undefined;
      const content = typeof message?.content === 'string' ? message.content : '';
      const refusal = typeof message?.refusal === 'string' && message.refusal.length > 0 ? message.refusal : undefined;
      const reported = completion?.usage;
      // Servers that report no usage get an estimate (≈4 characters per token).
      const inputTokens = typeof reported?.prompt_tokens === 'number' ? reported.prompt_tokens : estimateTokens(messages.map((m) => m.content).join('\n'));
      const outputTokens = typeof reported?.completion_tokens === 'number' ? reported.completion_tokens : estimateTokens(content);
      return {
        content,
        finishReason: typeof choice?.finish_reason === 'string' ? choice.finish_reason : undefined,
        refusal,
        usage: { calls: 1, inputTokens, outputTokens, cachedCalls: 0 },
      };
    }
  }

  private async embedBatch(request: EmbedTextsRequest, batch: string[]): Promise<{ vectors: Float32Array[]; usage: Usage }> {
    const body: Record<string, unknown> = {
      model: request.model,
      input: batch.map((t) => (t.length === 0 ? ' ' : t)),
      // Explicit floats: many compatible servers do not implement base64.
      encoding_format: 'float',
    };
    if (request.dimensions !== undefined) body['dimensions'] = request.dimensions;
    const response = await this.transport.call('embedding', request.model, request.abortSignal, (signal) =>
      this.openai.embeddings.create(body as unknown as OpenAI.Embeddings.EmbeddingCreateParams, signal ? { signal } : {}),
    );
    const vectors = this.checkEmbeddings(request, batch.length, response);
    const reported = response?.usage;
    const inputTokens = typeof reported?.prompt_tokens === 'number' ? reported.prompt_tokens : estimateTokens(batch.join(' '));
    this.calls?.storeEmbeddings(request.model, request.dimensions, batch, vectors, inputTokens);
    return { vectors, usage: { calls: 1, inputTokens, outputTokens: 0, cachedCalls: 0 } };
  }

  private checkEmbeddings(request: EmbedTextsRequest, expected: number, response: unknown): Float32Array[] {
    const bad = (why: string): LatticeError =>
      new LatticeError('MODEL_BAD_OUTPUT', `The embedding model "${request.model}" at ${safeURL(this.baseURL)} returned an unusable answer: ${why}.`, {
        hint: 'Check that --embedding-model names an embedding model on this server.',
        details: { model: request.model, baseURL: safeURL(this.baseURL), expected },
      });
    const data = (response as { data?: unknown } | undefined)?.data;
    if (!Array.isArray(data)) throw bad('no data array');
    if (data.length !== expected) throw bad(`${data.length} vectors for ${expected} inputs`);
    const slots: (Float32Array | undefined)[] = new Array(expected);
    data.forEach((item: unknown, position: number) => {
      const record = item as { index?: unknown; embedding?: unknown };
      const index = typeof record?.index === 'number' ? record.index : position;
      if (!Number.isInteger(index) || index < 0 || index >= expected || slots[index] !== undefined) throw bad(`bad or repeated index ${String(record?.index)}`);
      const embedding = record?.embedding;
      let vector: Float32Array;
      if (embedding instanceof Float32Array) vector = embedding;
      else if (Array.isArray(embedding) && embedding.every((v) => typeof v === 'number')) vector = Float32Array.from(embedding as number[]);
      else throw bad(`vector ${index} is not a list of numbers`);
      if (vector.length === 0) throw bad(`vector ${index} is empty`);
      for (const v of vector) if (!Number.isFinite(v)) throw bad(`vector ${index} holds a non-finite number`);
      slots[index] = vector;
    });
    const dims = slots[0]!.length;
    if (slots.some((v) => v!.length !== dims)) throw bad('vectors of different lengths');
    if (request.dimensions !== undefined && dims !== request.dimensions) throw bad(`vectors of length ${dims}, expected ${request.dimensions}`);
    return slots as Float32Array[];
  }
}

function checkChatRequest<T>(request: ChatJsonRequest<T>): void {
  if (!request.model) {
    throw new LatticeError('CONFIG_MISSING', 'No chat model was given.', { hint: 'Pass --model <id> or set LATTICE_MODEL.' });
  }
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(request.schemaName)) {
    throw new LatticeError('CONFIG_INVALID', `Schema name "${request.schemaName}" must be 1-64 letters, digits, "_" or "-".`, {
      hint: 'Rename the schema passed to chatJson.',
    });
  }
  if (!Array.isArray(request.messages) || request.messages.length === 0) {
    throw new LatticeError('CONFIG_INVALID', 'chatJson needs at least one message.', { hint: 'Pass the prompt as messages.' });
  }
}
