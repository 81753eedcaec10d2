/**
 * Maps openai client failures to LatticeError codes, once, and decides which are worth a retry.
 * Why here: callers branch on codes (the judge degrades, the CLI prints a hint); they
 * never see openai's classes. Retry rules follow openai-node: 408/409/429/5xx, connection
 * errors and timeouts retry; 400/401/403/404 never do; `x-should-retry` may veto or allow
 * other statuses. Retry-After is honoured as `retry-after-ms`, then `retry-after`
 * (seconds or an HTTP date) when it lies within 0–60 s.
 * Invariant: messages and details never contain the API key (it is scrubbed even from
 * server-supplied text) or a prompt; server text is cut to a short excerpt.
 */
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from 'openai';
import { LatticeError, type LatticeErrorCode } from '../errors.js';
import { safeURL } from './model-settings.js';

export interface ModelErrorContext {
  baseURL: string;
  model: string;
  operation: 'chat' | 'embedding';
  /** Scrubbed from every message and detail. */
  apiKey?: string | undefined;
  /** Set on the final error after retries. */
  attempts?: number | undefined;
}

/** Statuses that are never retried whatever the server's headers say. */
const NEVER_RETRY = new Set([400, 401, 403, 404]);

/** True for openai's user-abort error (the caller's AbortSignal fired). */
export function isAbortError(error: unknown): boolean {
  return error instanceof APIUserAbortError || (error instanceof Error && error.name === 'AbortError');
}

/** Whether openai error `error` may succeed on retry (status rules plus `x-should-retry`). */
export function isRetryableModelError(error: unknown): boolean {
  if (isAbortError(error)) return false;
  if (error instanceof APIConnectionError) return true;
  if (error instanceof APIError) {
    const status = error.status;
    if (status === undefined) return true;
    if (NEVER_RETRY.has(status)) return false;
    const header = headerOf(error, 'x-should-retry');
    if (header === 'true') return true;
    if (header === 'false') return false;
    if (status === 429 && errorCodeOf(error) === 'insufficient_quota') return false;
    return status === 408 || status === 409 || status === 429 || status >= 500;
  }
  return false;
}

/**
 * Delay the server asked for, in ms: `retry-after-ms`, else `retry-after` as seconds or an
 * HTTP date. Undefined when absent, unparsable, negative or above `maxMs` (default 60 s).
 */
export function retryAfterMs(headers: Headers | undefined, now: number = Date.now(), maxMs = 60_000): number | undefined {
  if (!headers) return undefined;
  const accept = (ms: number): number | undefined => (Number.isFinite(ms) && ms >= 0 && ms <= maxMs ? ms : undefined);
  const msHeader = headers.get('retry-after-ms');
  if (msHeader !== null && msHeader.trim() !== '') {
    const ms = accept(Number(msHeader.trim()));
    if (ms !== undefined) return ms;
  }
  const header = headers.get('retry-after');
  if (header === null || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return accept(Number(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return accept(Math.max(0, date - now));
}

/** Replaces every occurrence of the secrets in `text` with `***`. */
export function redact(text: string, secrets: (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    // Very short "keys" (placeholders) would mangle ordinary words; real keys are long.
    if (secret && secret.length >= 6) out = out.split(secret).join('***');
  }
  return out;
}

/** A short, secret-free excerpt of a server-supplied message. */
function excerpt(text: string | undefined, apiKey: string | undefined, max = 300): string | undefined {
  if (!text) return undefined;
  const clean = redact(text, [apiKey]).replace(/\s+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/**
 * True when nothing is listening (connection refused, unknown host): such failures get one
 * quick retry, not the full backoff, so a missing server is reported within about a second.
 */
export function isNothingListening(error: unknown): boolean {
  if (!(error instanceof APIConnectionError) || error instanceof APIConnectionTimeoutError) return false;
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function headerOf(error: APIError, name: string): string | null {
  const headers = error.headers as Headers | undefined;
  return headers && typeof headers.get === 'function' ? headers.get(name) : null;
}

function errorCodeOf(error: APIError): string | undefined {
  return typeof error.code === 'string' ? error.code : undefined;
}

/**
 * Converts an openai error (or a connection failure) into a LatticeError with a code, a hint
 * and `retryable`. Aborts and non-openai errors are returned untouched.
 */
export function toModelError(error: unknown, context: ModelErrorContext): unknown {
  if (isAbortError(error)) return error;
  if (!(error instanceof APIError)) return error;
  const where = safeURL(context.baseURL);
  const what = context.operation === 'chat' ? 'chat model' : 'embedding model';
  const retryable = isRetryableModelError(error);
  const attempts = context.attempts;
  const after = attempts !== undefined && attempts > 1 ? ` after ${attempts} attempts` : '';
  const baseDetails: Record<string, unknown> = {
    baseURL: where,
    model: context.model,
    operation: context.operation,
    ...(attempts !== undefined ? { attempts } : {}),
  };

  if (error instanceof APIConnectionTimeoutError) {
    return new LatticeError('MODEL_TIMEOUT', `The model server at ${where} did not answer in time${after}.`, {
      hint: 'Raise the model timeout (timeoutMs) or use a faster model or server.',
      details: baseDetails,
      retryable: true,
    });
  }
  if (error instanceof APIConnectionError) {
    const cause = excerpt(causeMessage(error), context.apiKey);
    return new LatticeError('MODEL_UNREACHABLE', `Could not connect to the model server at ${where}${after}.`, {
      hint: `Is a server listening at OPENAI_BASE_URL (now ${where})?`,
      details: { ...baseDetails, ...(cause ? { cause } : {}) },
      retryable: true,
    });
  }

  const status = error.status;
  const serverMessage = excerpt(serverText(error), context.apiKey);
  const details: Record<string, unknown> = {
    ...baseDetails,
    status,
    ...(error.requestID ? { requestId: error.requestID } : {}),
    ...(errorCodeOf(error) ? { serverCode: errorCodeOf(error) } : {}),
    ...(serverMessage ? { serverMessage } : {}),
  };
  const said = serverMessage ? `: ${serverMessage}` : '.';
  const make = (code: LatticeErrorCode, message: string, hint: string): LatticeError =>
    new LatticeError(code, message, { hint, details, retryable });

  if (status === 401 || status === 403) {
    return make('MODEL_AUTH_FAILED', `The model server at ${where} refused the credentials (HTTP ${status})${said}`,
      'Set OPENAI_API_KEY to a key this server accepts.');
  }
  if (status === 404) {
    return make('MODEL_NOT_FOUND', `The model server at ${where} has no ${what} "${context.model}" (HTTP 404)${said}`,
      'Check --model / LATTICE_MODEL (or --embedding-model), and that OPENAI_BASE_URL ends in /v1.');
  }
  if (status === 429) {
    const quota = errorCodeOf(error) === 'insufficient_quota';
    return make('MODEL_RATE_LIMITED', `The model server at ${where} rate-limited the ${what} "${context.model}"${after}${said}`,
      quota ? 'The account is out of quota; add credit or use another key.' : 'Lower the model concurrency, or wait and run again; finished calls are cached.');
  }
  if (status === 408) {
    return make('MODEL_TIMEOUT', `The model server at ${where} timed out the request${after}${said}`,
      'Retry later, or use a faster model or server.');
  }
  if (status !== undefined && (status >= 500 || status === 409)) {
    return make('MODEL_SERVER_ERROR', `The model server at ${where} failed with HTTP ${status}${after}${said}`,
      'Retry later; finished calls are cached, so a re-run resumes where this one stopped.');
  }
  return make('MODEL_BAD_REQUEST', `The model server at ${where} rejected the request to ${what} "${context.model}" (HTTP ${status ?? '?'})${said}`,
    'Check that the model supports this kind of request and that OPENAI_BASE_URL points at an OpenAI-compatible API.');
}

function serverText(error: APIError): string | undefined {
  const body = error.error as { message?: unknown } | undefined;
  if (body && typeof body === 'object' && typeof body.message === 'string') return body.message;
  return error.message;
}

function causeMessage(error: APIConnectionError): string | undefined {
  const cause = (error as { cause?: unknown }).cause;
  const nested = cause instanceof Error ? (cause as { cause?: unknown }).cause : undefined;
  const parts = [error.message, cause instanceof Error ? cause.message : undefined, nested instanceof Error ? nested.message : undefined];
  return parts
    .filter((p): p is string => typeof p === 'string' && p.length > 0)
    .map((p) => p.replace(/\.$/, ''))
    .join(': ');
}
