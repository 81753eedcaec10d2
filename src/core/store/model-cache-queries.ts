/**
 * The `model_cache` table: the persistent ResponseCache behind the model client. Each answer
 * commits on its own (outside any build transaction), so a build killed a moment later keeps
 * every paid call. A forced rebuild keeps this table.
 */
import type { CachedResponse } from '../providers/response-cache.js';
import { TableQueries } from './statements.js';

interface CacheRow {
  kind: 'chat' | 'embedding';
  model: string;
  response: string;
  input_tokens: number;
  output_tokens: number;
}

export class ModelCacheQueries extends TableQueries {
  get(key: string): CachedResponse | undefined {
    const row = this.stmt(`SELECT kind, model, response, input_tokens, output_tokens FROM model_cache WHERE key = ?`).get(key) as
      | CacheRow
      | undefined;
    if (!row) return undefined;
    return { kind: row.kind, model: row.model, response: row.response, inputTokens: row.input_tokens, outputTokens: row.output_tokens };
  }

  /** Keeps the first answer stored under a key (a repeated write is harmless). */
  set(key: string, value: CachedResponse): void {
    this.stmt(
      `INSERT INTO model_cache (key, kind, model, response, input_tokens, output_tokens, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(key) DO NOTHING`,
    ).run(key, value.kind, value.model, value.response, value.inputTokens, value.outputTokens, new Date().toISOString());
  }

  size(): number {
    return (this.stmt(`SELECT count(*) AS n FROM model_cache`).get() as { n: number }).n;
  }
}
