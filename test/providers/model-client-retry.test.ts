import { describe, expect, it } from 'vitest';
import { ModelClient, type ModelClientOptions, type RetryEvent } from '../../src/core/providers/model-client.js';
import { rejection, useOpenAITestServer } from '../helpers/server-lifecycle.js';
import { startOpenAITestServer } from '../helpers/openai-test-server.js';

const SECRET = 'sk-secret-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123';


const server = useOpenAITestServer({}, () => {
  server.config.delayMs = 0;
  server.config.apiKey = undefined;
});

/** A client whose retry waits are recorded instead of slept. */
function recordingClient(extra: ModelClientOptions = {}): { client: ModelClient; delays: number[] } {
  const delays: number[] = [];
  const client = new ModelClient({
    baseURL: server.baseURL,
    apiKey: SECRET,
    // Room for four retries, which these scripts use (the default, DEFAULT_MODEL_CONNECTION, is 2).
    maxRetries: 4,
    random: () => 0,
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...extra,
  });
  return { client, delays };
}

const embedOnce = (client: ModelClient, text = 'some text'): Promise<unknown> => client.embed({ model: 'test-embedding', input: [text] });

describe('retry loop', () => {
  it('honours Retry-After (seconds) with a real wait', async () => {
    const client = new ModelClient({ baseURL: server.baseURL, apiKey: SECRET, backoffBaseMs: 5_000 });
    server.script({ type: 'status', status: 429, retryAfter: 0.3 });
    const started = Date.now();
    await embedOnce(client);
    const [first, second] = server.requests;
    const waited = second!.receivedAt - first!.finishedAt!;
    expect(waited).toBeGreaterThanOrEqual(270);
    // Far below the 5 s backoff: the header, not the backoff, set the delay.
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(client.usage.calls).toBe(1);
  });

  it('prefers retry-after-ms over retry-after', async () => {
    const { client, delays } = recordingClient();
    server.script({ type: 'status', status: 503, retryAfterMs: 150, retryAfter: 30 });
    await embedOnce(client);
    expect(delays).toEqual([150]);
  });

  it('reads Retry-After as an HTTP date', async () => {
    const { client, delays } = recordingClient();
    server.script({ type: 'status', status: 429, retryAfter: new Date(Date.now() + 3_000).toUTCString() });
    await embedOnce(client);
    expect(delays).toHaveLength(1);
    expect(delays[0]!).toBeGreaterThan(1_000);
    expect(delays[0]!).toBeLessThanOrEqual(3_000);
  });

  it('ignores a Retry-After beyond 60 s and backs off instead', async () => {
    const { client, delays } = recordingClient({ backoffBaseMs: 100 });
    server.script({ type: 'status', status: 429, retryAfter: 3600 });
    await embedOnce(client);
    expect(delays).toEqual([100]);
  });

  it('backs off exponentially, capped, with up to 25 % jitter', async () => {
    const { client, delays } = recordingClient({ backoffBaseMs: 100, backoffMaxMs: 300 });
    server.script(...[500, 502, 503, 504].map((status) => ({ type: 'status' as const, status })));
    await embedOnce(client);
    expect(delays).toEqual([100, 200, 300, 300]);

    const jittered = recordingClient({ backoffBaseMs: 100, random: () => 0.999 });
    server.script({ type: 'status', status: 500 });
    await embedOnce(jittered.client, 'other');
    expect(jittered.delays[0]!).toBeGreaterThanOrEqual(75);
    expect(jittered.delays[0]!).toBeLessThan(76);
  });

  it('gives up after maxRetries with a retryable coded error', async () => {
    const { client } = recordingClient({ maxRetries: 2 });
    server.script(...Array.from({ length: 5 }, () => ({ type: 'status' as const, status: 500, message: 'upstream exploded' })));
    const error = await rejection(embedOnce(client));
    expect(error.code).toBe('MODEL_SERVER_ERROR');
    expect(error.retryable).toBe(true);
    expect(error.details).toMatchObject({ attempts: 3, status: 500, serverMessage: 'upstream exploded' });
    expect(server.requests).toHaveLength(3);
  });

  it('retries 408, 409, 429 and 5xx', async () => {
    const { client } = recordingClient();
    server.script(...[408, 409, 429, 500].map((status) => ({ type: 'status' as const, status })));
    await embedOnce(client);
    expect(server.requests.map((r) => r.outcome)).toEqual([408, 409, 429, 500, 200]);
  });

  const noRetry: [number, string][] = [
    [400, 'MODEL_BAD_REQUEST'],
    [401, 'MODEL_AUTH_FAILED'],
    [403, 'MODEL_AUTH_FAILED'],
    [404, 'MODEL_NOT_FOUND'],
    [422, 'MODEL_BAD_REQUEST'],
  ];
  for (const [status, code] of noRetry) {
    it(`never retries ${status} (${code})`, async () => {
      const { client, delays } = recordingClient();
      server.script({ type: 'status', status });
      const error = await rejection(embedOnce(client));
      expect(error.code).toBe(code);
      expect(error.retryable).toBe(false);
      expect(server.requests).toHaveLength(1);
      expect(delays).toEqual([]);
    });
  }

  it('names the fix in hints', async () => {
    const { client } = recordingClient();
    server.script({ type: 'status', status: 401 });
    expect((await rejection(embedOnce(client))).hint).toContain('OPENAI_API_KEY');
    server.script({ type: 'status', status: 404 });
    const missing = await rejection(embedOnce(client, 'x'));
    expect(missing.hint).toContain('--model');
    expect(missing.message).toContain('"test-embedding"');
  });

  it('obeys x-should-retry, except for statuses that are never retried', async () => {
    const { client } = recordingClient();
    server.script({ type: 'status', status: 500, shouldRetry: false });
    expect((await rejection(embedOnce(client, 'a'))).code).toBe('MODEL_SERVER_ERROR');
    expect(server.requests).toHaveLength(1);

    server.reset();
    server.script({ type: 'status', status: 422, shouldRetry: true });
    await embedOnce(client, 'b');
    expect(server.requests).toHaveLength(2);

    server.reset();
    server.script({ type: 'status', status: 400, shouldRetry: true });
    expect((await rejection(embedOnce(client, 'c'))).code).toBe('MODEL_BAD_REQUEST');
    expect(server.requests).toHaveLength(1);
  });

  it('retries connection resets', async () => {
    const { client, delays } = recordingClient();
    server.script({ type: 'reset' }, { type: 'reset' });
    await embedOnce(client);
    expect(server.requests.map((r) => r.outcome)).toEqual(['reset', 'reset', 200]);
    expect(delays).toHaveLength(2);
  });

  it('times out a hanging request and retries it, then reports MODEL_TIMEOUT', async () => {
    const { client } = recordingClient({ timeoutMs: 200, maxRetries: 1 });
    server.script({ type: 'hang' }, { type: 'hang' });
    const started = Date.now();
    const error = await rejection(embedOnce(client));
    expect(error.code).toBe('MODEL_TIMEOUT');
    expect(error.retryable).toBe(true);
    expect(server.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('recovers when only the first attempt hangs', async () => {
    const { client } = recordingClient({ timeoutMs: 200 });
    server.script({ type: 'hang' });
    await embedOnce(client);
    expect(server.requests.map((r) => r.outcome)).toEqual(['hang', 200]);
  });

  it('reports each retry through onRetry', async () => {
    const events: RetryEvent[] = [];
    const { client } = recordingClient({ backoffBaseMs: 10, onRetry: (e) => events.push(e) });
    server.script({ type: 'status', status: 429, retryAfterMs: 5 }, { type: 'status', status: 500 });
    await embedOnce(client);
    expect(events).toEqual([
      { operation: 'embedding', model: 'test-embedding', attempt: 1, delayMs: 5, code: 'MODEL_RATE_LIMITED' },
      { operation: 'embedding', model: 'test-embedding', attempt: 2, delayMs: 20, code: 'MODEL_SERVER_ERROR' },
    ]);
  });

  it('rejects with the abort reason when aborted during a retry wait', async () => {
    const client = new ModelClient({ baseURL: server.baseURL, apiKey: SECRET, backoffBaseMs: 10_000 });
    server.script({ type: 'status', status: 500 });
    const controller = new AbortController();
    const pending = client.embed({ model: 'test-embedding', input: ['x'], abortSignal: controller.signal });
    setTimeout(() => controller.abort(new Error('user stopped')), 100);
    const started = Date.now();
    await expect(pending).rejects.toThrow('user stopped');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(server.requests).toHaveLength(1);
  });
});

describe('unreachable server', () => {
  it('fails with MODEL_UNREACHABLE within about a second, even with default retries', async () => {
    const gone = await startOpenAITestServer();
    const url = gone.baseURL;
    await gone.close();
    const client = new ModelClient({ baseURL: url, apiKey: SECRET });
    const started = Date.now();
    const error = await rejection(embedOnce(client));
    expect(error.code).toBe('MODEL_UNREACHABLE');
    expect(error.retryable).toBe(true);
    expect(error.hint).toContain('OPENAI_BASE_URL');
    expect(error.hint).toContain(url);
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});

describe('concurrency limit', () => {
  it('never has more than `concurrency` requests in flight, retries included', async () => {
    server.config.delayMs = 30;
    let n = 0;
    server.onRequest = () => (n++ % 2 === 0 ? { type: 'status', status: 429, retryAfterMs: 5 } : undefined);
    const client = new ModelClient({ baseURL: server.baseURL, apiKey: SECRET, concurrency: 3, maxRetries: 4, backoffBaseMs: 5 });
    let peakSeen = 0;
    const watch = setInterval(() => (peakSeen = Math.max(peakSeen, client.inFlight)), 2);
    const calls = Array.from({ length: 12 }, (_, i) => client.embed({ model: 'test-embedding', input: [`text number ${i}`] }));
    const results = await Promise.all(calls);
    clearInterval(watch);
    expect(results).toHaveLength(12);
    expect(server.stats.maxInFlight).toBe(3);
    expect(peakSeen).toBeLessThanOrEqual(3);
    expect(server.stats.successes).toBe(12);
    expect(server.repeatedSuccesses()).toEqual([]);
    expect(server.requests.length).toBeGreaterThanOrEqual(18);
  });

  it('applies to chat calls as well', async () => {
    server.config.delayMs = 20;
    const client = new ModelClient({ baseURL: server.baseURL, apiKey: SECRET, concurrency: 2, maxRetries: 4 });
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        client.chatJson({
          model: 'test-chat',
          messages: [{ role: 'user', content: `question ${i}` }],
          schemaName: 'x',
          schema: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false },
          validate: (value) => ({ ok: true, value }),
        }),
      ),
    );
    expect(server.stats.maxInFlight).toBe(2);
  });
});

describe('secrets', () => {
  it('never puts the API key in an error, even when the server echoes it', async () => {
    server.config.apiKey = 'the-right-key';
    const { client } = recordingClient();
    const error = await rejection(embedOnce(client));
    expect(error.code).toBe('MODEL_AUTH_FAILED');
    // The server really did echo it; the client scrubbed it.
    expect(JSON.stringify(error.toJSON())).toContain('***');
    for (const text of [error.message, error.hint ?? '', JSON.stringify(error.toJSON()), String(error.stack)]) {
      expect(text).not.toContain(SECRET);
    }
  });

  it('scrubs the key from every kind of failure', async () => {
    const { client } = recordingClient({ maxRetries: 0 });
    const failures = [
      { type: 'status' as const, status: 500, message: `internal error for key ${SECRET}` },
      { type: 'status' as const, status: 400, message: `bad request from ${SECRET}` },
      { type: 'status' as const, status: 429, message: `slow down ${SECRET}` },
    ];
    for (const failure of failures) {
      server.script(failure);
      const error = await rejection(embedOnce(client, failure.message));
      expect(JSON.stringify(error.toJSON()) + error.message + (error.hint ?? '')).not.toContain(SECRET);
    }
    server.script({ type: 'content', content: `no json, just ${SECRET}` }, { type: 'content', content: `still ${SECRET}` });
    const bad = await rejection(
      client.chatJson({
        model: 'test-chat',
        messages: [{ role: 'user', content: 'q' }],
        schemaName: 'x',
        schema: { type: 'object' },
        validate: () => ({ ok: false, error: 'nope' }),
      }),
    );
    expect(bad.code).toBe('MODEL_BAD_OUTPUT');
    expect(JSON.stringify(bad.toJSON())).not.toContain(SECRET);
  });

  it('keeps prompts out of error messages', async () => {
    const { client } = recordingClient({ maxRetries: 0 });
    const prompt = 'A very specific private prompt text that must not leak';
    server.script({ type: 'status', status: 500 }, { type: 'status', status: 500 });
    const error = await rejection(
      client.chatJson({
        model: 'test-chat',
        messages: [{ role: 'user', content: prompt }],
        schemaName: 'x',
        schema: { type: 'object' },
        validate: (value) => ({ ok: true, value }),
      }),
    );
    expect(error.code).toBe('MODEL_SERVER_ERROR');
    expect(JSON.stringify(error.toJSON())).not.toContain(prompt);
  });
});
