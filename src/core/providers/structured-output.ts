/**
 * Structured output for chat models: which `response_format` to ask for, the schema note for
 * servers that do not enforce it, and reading an answer (lenient JSON parse, then the caller's
 * validator). Why a fallback chain: OpenAI-compatible servers differ; json_schema is best, some
 * accept only json_object, some neither, and what a server refused once is not asked again.
 * Invariant: a validator that throws or returns garbage yields a rejection, never an exception.
 * Used by: model-client.ts (chatJson).
 */
import { isLatticeError } from '../errors.js';
import type { Usage } from '../types.js';
import { parseJsonLenient } from './json-repair.js';

/** How structured output is requested, best first. */
export type StructuredMode = 'json_schema' | 'json_object' | 'plain';
export const STRUCTURED_MODES: readonly StructuredMode[] = ['json_schema', 'json_object', 'plain'];

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A validator's verdict. `partial` lets a caller salvage the usable part of a rejected answer. */
export type Validation<T> = { ok: true; value: T } | { ok: false; error: string; partial?: unknown };

/** One chat completion as the client reads it. */
export interface Completion {
  content: string;
  finishReason: string | undefined;
  refusal: string | undefined;
  usage: Usage;
}

/** An accepted answer: the validator's value and the parsed JSON it accepted (what the cache stores). */
export type Interpretation<T> = { ok: true; value: T; raw: unknown } | { ok: false; error: string; partial?: unknown };

/** Longest earlier answer quoted back in a repair request, in characters. */
const REPAIR_ECHO_CHARS = 4000;

/** The structured-output modes a server has accepted and refused, over the life of one client. */
export class StructuredModes {
  private preferred: StructuredMode | undefined;
  private readonly rejected = new Set<StructuredMode>();

  constructor(start?: StructuredMode) {
    this.preferred = start;
  }

  /** The mode that last worked (undefined before the first answer). */
  get last(): StructuredMode | undefined {
    return this.preferred;
  }

  /** The mode to ask for next: the one that last worked, else the best not refused. */
  current(): StructuredMode {
    if (this.preferred && !this.rejected.has(this.preferred)) return this.preferred;
    return STRUCTURED_MODES.find((m) => !this.rejected.has(m)) ?? 'plain';
  }

  /** Every mode, the current one first (for cache lookups). */
  lookupOrder(): StructuredMode[] {
    const current = this.current();
    return [current, ...STRUCTURED_MODES.filter((m) => m !== current)];
  }

  accepted(mode: StructuredMode): void {
    this.preferred = mode;
  }

  refused(mode: StructuredMode): void {
    this.rejected.add(mode);
    if (this.preferred === mode) this.preferred = undefined;
  }
}

/** What JSON value the schema's top level is, so the lenient parser can look for it. */
export function expectedJson(schema: Record<string, unknown>): 'object' | 'array' | 'any' {
  return schema['type'] === 'object' ? 'object' : schema['type'] === 'array' ? 'array' : 'any';
}

/** The `response_format` request member for a mode (none for plain prompts). */
export function responseFormat(mode: StructuredMode, schemaName: string, schema: Record<string, unknown>): Record<string, unknown> | undefined {
  if (mode === 'json_schema') return { type: 'json_schema', json_schema: { name: schemaName, schema, strict: true } };
  if (mode === 'json_object') return { type: 'json_object' };
  return undefined;
}

/** The schema instruction for modes where the server does not enforce the schema itself. */
export function withSchemaNote(messages: ChatMessage[], schema: Record<string, unknown>, mode: StructuredMode): ChatMessage[] {
  if (mode === 'json_schema') return messages;
  const note =
    `Respond with a single JSON object that conforms to this JSON Schema:\n${JSON.stringify(schema)}` +
    (mode === 'plain' ? '\nOutput only the JSON object: no prose before or after it, no code fences.' : '');
  const first = messages[0];
  if (first && first.role === 'system') {
    return [{ role: 'system', content: `${first.content}\n\n${note}` }, ...messages.slice(1)];
  }
  return [{ role: 'system', content: note }, ...messages];
}

/** The conversation asking once for a corrected answer: the first answer quoted back with what was wrong. */
export function repairMessages(messages: ChatMessage[], answer: string, error: string): ChatMessage[] {
  return [
    ...messages,
    { role: 'assistant', content: clip(answer, REPAIR_ECHO_CHARS) },
    {
      role: 'user',
      content:
        `Your previous answer could not be used: ${clip(error, 500)}\n` +
        'Answer the original request again with one corrected JSON object that follows the schema exactly, and nothing else.',
    },
  ];
}

/** Parses and validates one answer; on success `raw` is the parsed JSON the validator accepted. */
export function interpret<T>(completion: Completion, validate: (value: unknown) => Validation<T>, expect: 'object' | 'array' | 'any'): Interpretation<T> {
  if (completion.refusal !== undefined) return { ok: false, error: `the model refused: ${clip(completion.refusal, 200)}` };
  const cutNote = completion.finishReason === 'length' ? ' (the answer was cut off at the token limit)' : '';
  if (completion.content.trim().length === 0) return { ok: false, error: `empty answer${cutNote}` };
  const parsed = parseJsonLenient(completion.content, { expect });
  if (!parsed.ok) return { ok: false, error: `answer is not JSON: ${parsed.error}${cutNote}` };
  const verdict = safeValidate(validate, parsed.value);
  if (verdict.ok) return { ok: true, value: verdict.value, raw: parsed.value };
  return cutNote ? { ...verdict, error: `${verdict.error}${cutNote}` } : verdict;
}

/** Runs a validator, turning a throw or a malformed verdict into a rejection. */
export function safeValidate<T>(validate: (value: unknown) => Validation<T>, value: unknown): Validation<T> {
  try {
    const verdict = validate(value);
    if (verdict && typeof verdict === 'object' && (verdict.ok === true || verdict.ok === false)) return verdict;
    return { ok: false, error: 'validator returned no verdict' };
  } catch (error) {
    return { ok: false, error: `validator failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** True when the server refused our response_format (so a weaker mode may work). */
export function isFormatRejection(error: unknown): boolean {
  const said = badRequestText(error);
  return said !== undefined && /response_format|json_schema|json_object|structured output|not supported|unsupported/i.test(said);
}

/** The server's text of a MODEL_BAD_REQUEST (400/422), else undefined. */
export function badRequestText(error: unknown): string | undefined {
  if (!isLatticeError(error, 'MODEL_BAD_REQUEST')) return undefined;
  const message = error.details?.['serverMessage'];
  return typeof message === 'string' ? message : '';
}

/** `text` cut to `max` characters, with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
