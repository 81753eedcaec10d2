/**
 * An in-process chat model that ModelClient can call instead of an OpenAI-compatible server.
 * Why a seam here: the client owns what every model call shares (concurrency slots, the answer
 * cache, structured-output repair, token totals), so a local backend only turns one request into
 * one completion and inherits the rest unchanged.
 * Invariant: a backend reports usage from its own tokenizer and maps its faults to MODEL_* codes.
 * Used by: model-client.ts; implemented by llama-cpp-chat.ts.
 */
import type { ChatMessage, Completion, StructuredMode } from './structured-output.js';

/** One chat request as the client hands it to a backend (after the schema note, before parsing). */
export interface ChatBackendRequest {
  model: string;
  messages: ChatMessage[];
  /** 'json_schema': constrain the answer to `schema`; 'json_object': to any JSON; 'plain': unconstrained. */
  mode: StructuredMode;
  schemaName: string;
  schema: Record<string, unknown>;
  temperature?: number | undefined;
  maxTokens?: number | undefined;
}

export interface ChatBackend {
  /** Provider kind recorded in cache keys and traces, e.g. `llama-cpp`. */
  readonly provider: string;
  /** Where the model lives, for messages (never a secret). */
  readonly location: string;
  complete(request: ChatBackendRequest, signal: AbortSignal | undefined): Promise<Completion>;
  /** Frees the model and its context; later calls load it again. */
  close(): Promise<void>;
}
