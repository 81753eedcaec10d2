/**
 * The model client's view of the persistent cache: the keys of chat and embedding calls, and
 * what is stored under them. Why chat answers are stored as the parsed JSON and validated again
 * on a hit: a validator may change (a new bound, a new field), and a stale answer must then be
 * asked for again rather than trusted. Embedding batches store one entry per text, with the
 * batch's input tokens shared out in proportion to text length, so cached costs add up.
 * Invariant: only answers that parsed and validated are stored.
 */
import type { Usage } from '../types.js';
import { responseCacheKey, type ResponseCache } from './response-cache.js';
import { safeValidate, type ChatMessage, type StructuredMode, type Validation } from './structured-output.js';

/** What identifies a chat answer (the prompt as the caller gave it, before any schema note). */
export interface ChatCallKey {
  model: string;
  messages: ChatMessage[];
  schemaName: string;
  schema: Record<string, unknown>;
  temperature?: number | undefined;
  maxTokens?: number | undefined;
}

export class ModelCallCache {
  constructor(
    private readonly cache: ResponseCache,
    /** Provider kind recorded in every key. */
    private readonly provider: string,
  ) {}

  /** A validated cached answer under any of `modes`, tried in order. */
  lookupChat<T>(call: ChatCallKey, modes: readonly StructuredMode[], validate: (value: unknown) => Validation<T>): { value: T; mode: StructuredMode } | undefined {
    for (const mode of modes) {
      const entry = this.cache.get(this.chatKey(call, mode));
      if (!entry || entry.kind !== 'chat') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(entry.response);
      } catch {
        continue;
      }
      const verdict = safeValidate(validate, parsed);
      if (verdict.ok) return { value: verdict.value, mode };
    }
    return undefined;
  }

  /** Stores the parsed answer (not the validator's output: a hit is validated again). */
  storeChat(call: ChatCallKey, mode: StructuredMode, raw: unknown, usage: Usage): void {
    const text = JSON.stringify(raw);
    if (text === undefined) return;
    this.cache.set(this.chatKey(call, mode), {
      kind: 'chat',
      model: call.model,
      response: text,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
    });
  }

  lookupEmbedding(model: string, text: string, dimensions: number | undefined): Float32Array | undefined {
    const entry = this.cache.get(this.embeddingKey(model, text, dimensions));
    if (!entry || entry.kind !== 'embedding') return undefined;
    try {
      const values = JSON.parse(entry.response) as unknown;
      if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) return undefined;
      if (dimensions !== undefined && values.length !== dimensions) return undefined;
      return Float32Array.from(values as number[]);
    } catch {
      return undefined;
    }
  }

  /** Stores one batch's vectors, one entry per text, the batch's input tokens shared by text length. */
  storeEmbeddings(model: string, dimensions: number | undefined, texts: readonly string[], vectors: readonly Float32Array[], inputTokens: number): void {
    const shares = apportion(inputTokens, texts.map((t) => Math.max(1, t.length)));
    texts.forEach((text, k) => {
      this.cache.set(this.embeddingKey(model, text, dimensions), {
        kind: 'embedding',
        model,
        response: JSON.stringify(Array.from(vectors[k]!)),
        inputTokens: shares[k]!,
        outputTokens: 0,
      });
    });
  }

  private chatKey(call: ChatCallKey, mode: StructuredMode): string {
    return responseCacheKey({
      provider: this.provider,
      kind: 'chat',
      model: call.model,
      params: {
        messages: call.messages.map((m) => ({ role: m.role, content: m.content })),
        schemaName: call.schemaName,
        schema: call.schema,
        temperature: call.temperature,
        maxTokens: call.maxTokens,
        mode,
      },
    });
  }

  private embeddingKey(model: string, text: string, dimensions: number | undefined): string {
    return responseCacheKey({ provider: this.provider, kind: 'embedding', model, params: { input: text, dimensions } });
  }
}

/** Splits `total` into integer shares proportional to `weights`, summing exactly to `total`. */
export function apportion(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const shares = weights.map((w) => Math.floor((total * w) / sum));
  let left = total - shares.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0; i = (i + 1) % shares.length, left--) shares[i] = (shares[i] ?? 0) + 1;
  return shares;
}
