/**
 * Per-call abort signals. Why: the openai client adds an abort listener to the signal of every
 * request and never removes it, so the one signal of a whole build (or of a long-lived caller)
 * would collect a listener per model call: memory that grows with the corpus, and Node's
 * MaxListenersExceededWarning on stderr. A per-call signal that follows the caller's is dropped
 * with its call. Used by ModelClient for every request it sends.
 */

/** Runs `fn` under a signal of its own that follows `signal`. */
export async function withCallSignal<T>(signal: AbortSignal | undefined, fn: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  if (!signal || signal.aborted) return fn(signal);
  const own = new AbortController();
  const forward = (): void => own.abort(signal.reason);
  signal.addEventListener('abort', forward, { once: true });
  try {
    return await fn(own.signal);
  } finally {
    signal.removeEventListener('abort', forward);
  }
}

