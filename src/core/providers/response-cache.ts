/**
 * The persistent model-call cache: its interface, its key and an in-memory implementation.
 * Why: a resumed build must not pay twice for an answer, and an evaluation re-run should
 * cost nothing. The key is a SHA-256 of what changes the answer (provider kind, model id,
 * messages, schema, temperature, mode, embedding input) and never of where or how we
 * connect (base URL, API key), so moving a server or rotating a key keeps the cache warm.
 * Invariant: only validated answers are stored (the model client enforces this).
 * Used by: model-call-cache.ts (the model client's keys and entries); the SQLite store implements the same `ResponseCache`.
 */
import { createHash } from 'node:crypto';

/** One cached answer. `response` is JSON text of the validated value (chat) or the vector (embedding). */
export interface CachedResponse {
  kind: 'chat' | 'embedding';
  model: string;
  response: string;
  inputTokens: number;
  outputTokens: number;
}

/** Synchronous key-value store for model answers; keys come from `responseCacheKey`. */
export interface ResponseCache {
  get(key: string): CachedResponse | undefined;
  set(key: string, value: CachedResponse): void;
}

/** Bumped when the key layout changes, so old entries are simply never hit again. */
export const CACHE_KEY_VERSION = 1;

export interface CacheKeyParts {
  /** Provider kind, e.g. `openai`. */
  provider: string;
  kind: 'chat' | 'embedding';
  /** Model id as sent to the server. */
  model: string;
  /** Everything else that changes the answer (messages, schema, temperature, mode, input...). */
  params: unknown;
}

/** Hex SHA-256 of the canonical JSON of `parts` (object keys sorted, so key order never matters). */
export function responseCacheKey(parts: CacheKeyParts): string {
  const canonical = canonicalJson({ v: CACHE_KEY_VERSION, ...parts });
  return createHash('sha256').update(canonical).digest('hex');
}

/** JSON with object keys sorted recursively; `undefined` members are dropped as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = sortKeys(member);
    }
    return out;
  }
  return value;
}

export interface MemoryResponseCacheOptions {
  /** Oldest entries are evicted beyond this many. Default: unbounded. */
  maxEntries?: number;
}

/** A `ResponseCache` held in a Map: for tests, one-off queries and libraries without an index file. */
export class MemoryResponseCache implements ResponseCache {
  private readonly entries = new Map<string, CachedResponse>();
  private readonly maxEntries: number;
  /** Lookups that found an entry / found none, for tests and diagnostics. */
  hits = 0;
  misses = 0;

  constructor(options: MemoryResponseCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? Number.POSITIVE_INFINITY;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CachedResponse | undefined {
    const found = this.entries.get(key);
    if (found) this.hits++;
    else this.misses++;
    // Copies keep callers from mutating what a later hit returns.
    return found ? { ...found } : undefined;
  }

  set(key: string, value: CachedResponse): void {
    this.entries.delete(key);
    this.entries.set(key, { ...value });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  clear(): void {
    this.entries.clear();
  }
}
