/**
 * The model client's transport layer: a concurrency limit shared by every request and the retry
 * loop around each one. Why here and not in the `openai` client: its own retries are switched off
 * (maxRetries: 0) so that a retry waits without holding a slot, and every server fault is mapped to
 * a MODEL_* code in one place (model-errors.ts).
 * Invariants: at no moment are more than `concurrency` calls in flight; a slot is released while a
 * retry waits; aborts are never retried and rethrow the signal's reason; a refused connection
 * (nothing listening) gets at most one retry, so a missing server is reported quickly.
 */
import { APIError } from 'openai';
import { isLatticeError } from '../errors.js';
import { withCallSignal } from '../util/call-signal.js';
import { isAbortError, isNothingListening, isRetryableModelError, retryAfterMs, toModelError } from './model-errors.js';

/** Reported before each retry wait, for progress lines and traces. */
export interface RetryEvent {
  operation: 'chat' | 'embedding';
  model: string;
  /** 1-based number of the attempt that failed. */
  attempt: number;
  delayMs: number;
  code: string;
}

export interface ModelTransportOptions {
  /** Server and key, for error messages (the key only to redact it). */
  baseURL: string;
  apiKey: string;
  /** Requests in flight at once, retries included. */
  concurrency: number;
  /** Retries after the first attempt, for retryable failures. */
  maxRetries: number;
  /** First backoff delay in ms; doubles each retry. */
  backoffBaseMs: number;
  /** Backoff cap in ms. */
  backoffMaxMs: number;
  /** Server-requested delays above this (ms) are ignored in favour of backoff. */
  maxRetryAfterMs: number;
  /** Sleep used between retries; default a timer that an abort cuts short. */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  /** Source of jitter in [0, 1). Default Math.random. */
  random?: (() => number) | undefined;
  onRetry?: ((event: RetryEvent) => void) | undefined;
}

/** Counting semaphore with a FIFO queue; waiting is abortable. */
class Semaphore {
  private active = 0;
  private readonly waiting: { grant: () => void; fail: (reason: unknown) => void; signal: AbortSignal | undefined; onAbort: () => void }[] = [];

  constructor(private readonly limit: number) {}

  get inFlight(): number {
    return this.active;
  }

  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const entry = {
        grant: () => {
          signal?.removeEventListener('abort', entry.onAbort);
          resolve();
        },
        fail: reject,
        signal,
        onAbort: () => {
          const index = this.waiting.indexOf(entry);
          if (index >= 0) this.waiting.splice(index, 1);
          reject(abortReason(signal!));
        },
      };
      signal?.addEventListener('abort', entry.onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so `active` never dips and rises again.
    if (next) next.grant();
    else this.active--;
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs model requests under the concurrency limit, retrying retryable failures with backoff. */
export class ModelTransport {
  private readonly semaphore: Semaphore;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: ModelTransportOptions) {
    this.semaphore = new Semaphore(options.concurrency);
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
  }

  /** Requests currently holding a concurrency slot. */
  get inFlight(): number {
    return this.semaphore.inFlight;
  }

  /** Runs `call` under a concurrency slot, retrying retryable failures; failures come back as MODEL_* errors. */
  async call<R>(operation: 'chat' | 'embedding', model: string, signal: AbortSignal | undefined, call: (signal: AbortSignal | undefined) => Promise<R>): Promise<R> {
    const { baseURL, apiKey, maxRetries, maxRetryAfterMs, onRetry } = this.options;
    for (let attempt = 1; ; attempt++) {
      await this.semaphore.acquire(signal);
      let failure: unknown;
      try {
        return await withCallSignal(signal, call);
      } catch (error) {
        failure = error;
      } finally {
        this.semaphore.release();
      }
      if (signal?.aborted) throw abortReason(signal);
      if (isAbortError(failure)) throw failure;
      if (!(failure instanceof APIError)) throw failure;
      const context = { baseURL, model, operation, apiKey, attempts: attempt };
      const budget = isNothingListening(failure) ? Math.min(1, maxRetries) : maxRetries;
      if (!isRetryableModelError(failure) || attempt > budget) throw toModelError(failure, context);
      const delayMs = retryAfterMs(failure.headers as Headers | undefined, Date.now(), maxRetryAfterMs) ?? this.backoff(attempt);
      if (onRetry) {
        const mapped = toModelError(failure, context);
        onRetry({ operation, model, attempt, delayMs, code: isLatticeError(mapped) ? mapped.code : 'MODEL_SERVER_ERROR' });
      }
      await this.sleep(delayMs, signal);
    }
  }

  /** 0.5 s · 2ⁿ capped at 8 s (defaults), less up to 25 % jitter so clients do not retry in step. */
  private backoff(attempt: number): number {
    const raw = Math.min(this.options.backoffBaseMs * 2 ** (attempt - 1), this.options.backoffMaxMs);
    return raw * (1 - this.random() * 0.25);
  }
}
