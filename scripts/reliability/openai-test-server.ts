/**
 * A small OpenAI-compatible HTTP server for tests: /v1/chat/completions, /v1/embeddings and
 * /v1/models on 127.0.0.1 at a random port. By default it answers deterministically
 * (bag-of-words embeddings; judge scores from query/candidate word overlap; summaries from
 * frequent words; any other JSON request gets a value built from its schema). Tests script
 * faults per request (statuses with Retry-After, resets, hangs, bad content) and read
 * counters: requests, successes per request hash, and the peak number in flight.
 * A test double only: it lives in scripts/reliability/ (shared by the tests and scripts/bench-faults.ts)
 * and is never imported by src/, indexer/ or traverser/.
 *
 * Usage:
 *   const server = await startOpenAITestServer();
 *   const client = new ModelClient({ baseURL: server.baseURL, apiKey: 'test' });
 *   server.script({ type: 'status', status: 429, retryAfter: 0.2 });  // next request fails
 *   ...
 *   expect(server.repeatedSuccesses()).toEqual([]);
 *   await server.close();
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = 'chat' | 'embeddings' | 'models' | 'other';

/** One scripted reply. `route` limits which requests may consume it (default: any chat or embeddings request). */
export type ScriptedReply = (
  /** An HTTP error with an OpenAI-style error body. */
  | {
      type: 'status';
      status: number;
      /** `Retry-After` header: seconds (number) or any string (e.g. an HTTP date). */
      retryAfter?: number | string;
      /** `retry-after-ms` header. */
      retryAfterMs?: number;
      /** `x-should-retry` header. */
      shouldRetry?: boolean;
      message?: string;
      code?: string;
    }
  /** Destroy the socket without answering (the client sees a connection reset). */
  | { type: 'reset' }
  /** Never answer; the request stays open until the client gives up or the server closes. */
  | { type: 'hang' }
  /** Wait, then answer normally (or with `then`). */
  | { type: 'delay'; ms: number; then?: ScriptedReply }
  /** A 200 chat answer with this exact content (null allowed). */
  | { type: 'content'; content: string | null; finishReason?: string; usage?: { prompt_tokens: number; completion_tokens: number } | null }
  /**
   * A 200 answer derived from the default one: the default JSON value (chat) or response
   * body (embeddings) is passed in; return a value (sent as JSON) or a string (sent as raw content).
   */
  | { type: 'transform'; transform: (answer: any, request: RecordedRequest) => unknown }
  /** A 200 answer with this exact JSON body (for malformed embedding responses). */
  | { type: 'body'; body: unknown }
) & { route?: 'chat' | 'embeddings' | 'any' };

export interface RecordedRequest {
  /** 0-based arrival order. */
  seq: number;
  route: Route;
  method: string;
  path: string;
  /** Parsed JSON body (undefined when absent or not JSON). */
  body: any;
  /** SHA-256 of path + canonical body: equal for retries of the same request. */
  hash: string;
  authorization: string | undefined;
  /** `response_format.type` of a chat request, or `'none'`. */
  responseFormat: string;
  receivedAt: number;
  finishedAt: number | undefined;
  /** HTTP status sent, or `reset` / `hang` / `aborted`. */
  outcome: number | 'reset' | 'hang' | 'aborted' | undefined;
}

export interface TestServerOptions {
  /** Vector length of default embeddings when the request has no `dimensions`. Default 64. */
  embeddingDimensions?: number;
  /** When set, requests without `Authorization: Bearer <apiKey>` get 401 (whose message echoes the key sent, like a careless server). */
  apiKey?: string;
  /** When set, other model names get 404 model_not_found. */
  models?: string[];
  /** Delay before every answer, in ms (lets concurrency build up). Default 0. */
  delayMs?: number;
  /** Include `usage` in answers. Default true. */
  reportUsage?: boolean;
  /** response_format types answered with 400 "not supported". Default none. */
  rejectResponseFormats?: ('json_schema' | 'json_object')[];
}

export interface OpenAITestServer {
  /** e.g. http://127.0.0.1:40123/v1 */
  readonly baseURL: string;
  readonly port: number;
  /** Live configuration; tests may change it between calls. */
  readonly config: Required<Omit<TestServerOptions, 'apiKey' | 'models' | 'rejectResponseFormats'>> & {
    apiKey: string | undefined;
    models: string[] | undefined;
    rejectResponseFormats: Set<string>;
  };
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Counters since start or the last reset(). */
  readonly stats: { requests: number; chat: number; embeddings: number; successes: number; inFlight: number; maxInFlight: number };
  /** Queues replies for the next matching requests, in order. */
  script(...replies: ScriptedReply[]): void;
  /** Replies still queued. */
  pendingScript(): number;
  /** Called for requests the queue did not answer; return a reply, or undefined for the default. */
  onRequest: ((request: RecordedRequest) => ScriptedReply | undefined) | undefined;
  /**
   * Called once a successful answer has been handed to the socket (counted in successCounts), before
   * the client can have read it: a kill from here lands between an answer's arrival and its cache write.
   */
  onAnswered: ((request: RecordedRequest) => void) | undefined;
  /** Successful (2xx) answers per request hash. */
  successCounts(): Map<string, number>;
  /** Hashes of requests answered successfully more than once (should be empty after a resume). */
  repeatedSuccesses(): string[];
  /** Clears the queue, the log, the counters, `onRequest` and `onAnswered` (configuration stays). */
  reset(): void;
  close(): Promise<void>;
}

const STOPWORDS = new Set(
  'a an and are as at be but by for from has have in into is it its of on or that the their this to was were which with what how does do not can could will would should about over under than then there these those they we you your our i he she them his her been being also such may more most other some any all each per via'.split(' '),
);

/** Lower-cased content words (letters/digits, length ≥ 3, stopwords removed). */
export function contentWords(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((w) => w.length >= 3 && !STOPWORDS.has(w));
}

function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Deterministic bag-of-words embedding: each content word adds ±1 at a hashed position; unit length. */
export function hashedEmbedding(text: string, dimensions: number): Float32Array {
  const v = new Float32Array(dimensions);
  const words = contentWords(text);
  for (const w of words.length > 0 ? words : [text.trim() || '<empty>']) {
    const h = fnv1a(w);
    v[h % dimensions]! += (h >>> 31) === 1 ? 1 : -1;
    // A second position per word spreads collisions.
    const h2 = fnv1a(w, 0x9747b28c);
    v[h2 % dimensions]! += 0.5;
  }
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}

function canonical(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) out[k] = sort((v as Record<string, unknown>)[k]);
      return out;
    }
    return v;
  };
  return JSON.stringify(sort(value)) ?? '';
}

const tokens = (text: string): number => Math.ceil(text.length / 4);

function allMessageText(body: any): string[] {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  return messages.map((m: any) => (typeof m?.content === 'string' ? m.content : ''));
}

/** Default judge answer: score = share of the query's content words found in the candidate. */
function judgeAnswer(texts: string[]): unknown | undefined {
  const source = texts.find((t) => /<candidate id="\d+"/.test(t));
  if (!source) return undefined;
  const query = /<query>([\s\S]*?)<\/query>/.exec(source)?.[1] ?? '';
  const queryWords = [...new Set(contentWords(query))];
  const scores: { id: number; score: number; reason: string }[] = [];
  for (const match of source.matchAll(/<candidate id="(\d+)"[^>]*>([\s\S]*?)<\/candidate>/g)) {
    const words = new Set(contentWords(match[2]!));
    const shared = queryWords.filter((w) => words.has(w));
    const score = queryWords.length === 0 ? 0 : Math.round((100 * shared.length) / queryWords.length);
    scores.push({ id: Number(match[1]), score, reason: shared.length > 0 ? `mentions ${shared.slice(0, 4).join(', ')}` : 'no query words' });
  }
  return { scores };
}

/** Default summary answer: a title and summary from the children's most frequent words. */
function summaryAnswer(texts: string[]): unknown | undefined {
  const source = texts.find((t) => /<child index="\d+"/.test(t));
  if (!source) return undefined;
  const counts = new Map<string, number>();
  for (const match of source.matchAll(/<child index="\d+"[^>]*>([\s\S]*?)<\/child>/g)) {
    for (const w of contentWords(match[1]!.replace(/<[^>]*>/g, ' '))) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([w]) => w);
  // The prompt states several limits (title, summary); the summary's is the largest.
  const limits = [...texts.join('\n').matchAll(/at most (\d+) words/g)].map((m) => Number(m[1]));
  const maxWords = limits.length > 0 ? Math.max(...limits) : 60;
  const title = top.slice(0, 3).map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ') || 'Miscellaneous';
  const summary = `Documents about ${top.slice(0, Math.max(1, Math.min(top.length, maxWords - 3))).join(', ') || 'various topics'}.`;
  return { title, summary };
}

/** A value that satisfies a (simple) JSON Schema: the generic default for unknown prompts. */
function fromSchema(schema: any): unknown {
  if (!schema || typeof schema !== 'object') return {};
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(schema.properties ?? {})) out[k] = fromSchema(v);
      return out;
    }
    case 'array':
      return schema.minItems > 0 ? Array.from({ length: schema.minItems }, () => fromSchema(schema.items)) : [];
    case 'string':
      return 'text';
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return {};
  }
}

function schemaOf(body: any, texts: string[]): unknown {
  if (body?.response_format?.type === 'json_schema') return body.response_format.json_schema?.schema;
  // The model client's note for json_object / plain modes carries the schema as JSON.
  for (const t of texts) {
    const m = /conforms to this JSON Schema:\n(\{.*\})/.exec(t);
    if (m) {
      try {
        return JSON.parse(m[1]!);
      } catch {
        // fall through to an empty object
      }
    }
  }
  return { type: 'object', properties: {} };
}

/** The default chat answer value for a request body. */
export function defaultChatValue(body: any): unknown {
  const texts = allMessageText(body);
  return judgeAnswer(texts) ?? summaryAnswer(texts) ?? fromSchema(schemaOf(body, texts));
}

/** Starts a server on 127.0.0.1 at a random free port. */
export async function startOpenAITestServer(options: TestServerOptions = {}): Promise<OpenAITestServer> {
  const config = {
    embeddingDimensions: options.embeddingDimensions ?? 64,
    delayMs: options.delayMs ?? 0,
    reportUsage: options.reportUsage ?? true,
    apiKey: options.apiKey,
    models: options.models,
    rejectResponseFormats: new Set<string>(options.rejectResponseFormats ?? []),
  };
  const requests: RecordedRequest[] = [];
  const stats = { requests: 0, chat: 0, embeddings: 0, successes: 0, inFlight: 0, maxInFlight: 0 };
  const queue: ScriptedReply[] = [];
  const successes = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let seq = 0;

  const api: OpenAITestServer = {
    baseURL: '',
    port: 0,
    config,
    requests,
    stats,
    onRequest: undefined,
    onAnswered: undefined,
    script: (...replies) => void queue.push(...replies),
    pendingScript: () => queue.length,
    successCounts: () => new Map(successes),
    repeatedSuccesses: () => [...successes.entries()].filter(([, n]) => n > 1).map(([h]) => h),
    reset: () => {
      queue.length = 0;
      requests.length = 0;
      successes.clear();
      api.onRequest = undefined;
      api.onAnswered = undefined;
      Object.assign(stats, { requests: 0, chat: 0, embeddings: 0, successes: 0, maxInFlight: stats.inFlight });
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const takeScripted = (route: Route): ScriptedReply | undefined => {
    const index = queue.findIndex((r) => (r.route ?? 'any') === 'any' ? route === 'chat' || route === 'embeddings' : r.route === route);
    return index < 0 ? undefined : queue.splice(index, 1)[0];
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: any;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      const path = (req.url ?? '/').split('?')[0]!;
      const route: Route = path.endsWith('/chat/completions') ? 'chat' : path.endsWith('/embeddings') ? 'embeddings' : path.endsWith('/models') ? 'models' : 'other';
      const record: RecordedRequest = {
        seq: seq++,
        route,
        method: req.method ?? 'GET',
        path,
        body,
        hash: createHash('sha256').update(`${path}\n${canonical(body)}`).digest('hex'),
        authorization: req.headers.authorization,
        responseFormat: route === 'chat' ? String(body?.response_format?.type ?? 'none') : 'none',
        receivedAt: Date.now(),
        finishedAt: undefined,
        outcome: undefined,
      };
      requests.push(record);
      stats.requests++;
      if (route === 'chat') stats.chat++;
      if (route === 'embeddings') stats.embeddings++;
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      let done = false;
      const finish = (outcome: RecordedRequest['outcome']): void => {
        if (done) return;
        done = true;
        stats.inFlight--;
        record.finishedAt = Date.now();
        record.outcome = record.outcome === 'hang' ? 'hang' : outcome;
      };
      res.on('close', () => finish(res.writableFinished ? res.statusCode : 'aborted'));

      const send = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
        if (done || res.destroyed) return;
        const text = JSON.stringify(payload);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
        res.end(text, () => {
          const ok = status >= 200 && status < 300;
          if (ok) {
            stats.successes++;
            successes.set(record.hash, (successes.get(record.hash) ?? 0) + 1);
          }
          finish(status);
          if (ok) api.onAnswered?.(record);
        });
      };
      const later = (ms: number, fn: () => void): void => {
        if (ms <= 0) return fn();
        const t = setTimeout(() => {
          timers.delete(t);
          fn();
        }, ms);
        timers.add(t);
      };

      const reply = (scripted: ScriptedReply | undefined): void => {
        if (done) return;
        if (scripted?.type === 'reset') {
          finish('reset');
          req.socket.destroy();
          return;
        }
        if (scripted?.type === 'hang') {
          record.outcome = 'hang';
          return;
        }
        if (scripted?.type === 'delay') {
          later(scripted.ms, () => reply(scripted.then));
          return;
        }
        if (scripted?.type === 'status') {
          const headers: Record<string, string> = {};
          if (scripted.retryAfter !== undefined) headers['retry-after'] = String(scripted.retryAfter);
          if (scripted.retryAfterMs !== undefined) headers['retry-after-ms'] = String(scripted.retryAfterMs);
          if (scripted.shouldRetry !== undefined) headers['x-should-retry'] = String(scripted.shouldRetry);
          send(scripted.status, { error: { message: scripted.message ?? `scripted ${scripted.status}`, type: 'test_error', param: null, code: scripted.code ?? null } }, headers);
          return;
        }
        if (scripted?.type === 'body') {
          send(200, scripted.body);
          return;
        }
        answer(scripted);
      };

      const answer = (scripted: ScriptedReply | undefined): void => {
        if (route === 'models') {
          send(200, { object: 'list', data: (config.models ?? ['test-chat', 'test-embedding']).map((id) => ({ id, object: 'model', created: 0, owned_by: 'test' })) });
          return;
        }
        if (route === 'other' || req.method !== 'POST') {
          send(404, { error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error', param: null, code: null } });
          return;
        }
        if (body === undefined || typeof body !== 'object') {
          send(400, { error: { message: 'body is not JSON', type: 'invalid_request_error', param: null, code: null } });
          return;
        }
        if (config.models && !config.models.includes(String(body.model))) {
          send(404, { error: { message: `The model \`${String(body.model)}\` does not exist`, type: 'invalid_request_error', param: 'model', code: 'model_not_found' } });
          return;
        }
        if (route === 'embeddings') return answerEmbeddings(scripted);
        return answerChat(scripted);
      };

      const answerEmbeddings = (scripted: ScriptedReply | undefined): void => {
        const inputs: string[] = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')];
        if (inputs.some((t) => t.length === 0)) {
          send(400, { error: { message: "'$.input' is invalid: empty string", type: 'invalid_request_error', param: 'input', code: null } });
          return;
        }
        const dims = typeof body.dimensions === 'number' ? body.dimensions : config.embeddingDimensions;
        const base64 = body.encoding_format === 'base64';
        let payload: any = {
          object: 'list',
          model: body.model,
          data: inputs.map((text, index) => {
            const v = hashedEmbedding(text, dims);
            return { object: 'embedding', index, embedding: base64 ? Buffer.from(v.buffer).toString('base64') : Array.from(v) };
          }),
          ...(config.reportUsage ? { usage: { prompt_tokens: inputs.reduce((s, t) => s + tokens(t), 0), total_tokens: inputs.reduce((s, t) => s + tokens(t), 0) } } : {}),
        };
        if (scripted?.type === 'transform') payload = scripted.transform(payload, record);
        send(200, payload);
      };

      const answerChat = (scripted: ScriptedReply | undefined): void => {
        const format = body.response_format?.type;
        if (typeof format === 'string' && config.rejectResponseFormats.has(format)) {
          send(400, { error: { message: `response_format type '${format}' is not supported by this server`, type: 'invalid_request_error', param: 'response_format', code: null } });
          return;
        }
        let content: string | null;
        let finishReason = 'stop';
        let usage: { prompt_tokens: number; completion_tokens: number } | null | undefined;
        if (scripted?.type === 'content') {
          content = scripted.content;
          finishReason = scripted.finishReason ?? 'stop';
          usage = scripted.usage;
        } else {
          const value = defaultChatValue(body);
          const changed = scripted?.type === 'transform' ? scripted.transform(value, record) : value;
          content = typeof changed === 'string' ? changed : JSON.stringify(changed);
        }
        const promptTokens = tokens(allMessageText(body).join('\n'));
        const usageBlock = usage === null || !config.reportUsage
          ? {}
          : { usage: { ...(usage ?? { prompt_tokens: promptTokens, completion_tokens: tokens(content ?? '') }), total_tokens: (usage?.prompt_tokens ?? promptTokens) + (usage?.completion_tokens ?? tokens(content ?? '')) } };
        send(200, {
          id: `chatcmpl-test-${record.seq}`,
          object: 'chat.completion',
          created: Math.floor(record.receivedAt / 1000),
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: finishReason, logprobs: null }],
          ...usageBlock,
        });
      };

      // Authentication comes before any scripted reply, as on a real server.
      if (config.apiKey !== undefined && req.headers.authorization !== `Bearer ${config.apiKey}`) {
        const sent = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
        send(401, { error: { message: `Incorrect API key provided: ${sent}. You can find your API key at https://example.invalid/keys.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
        return;
      }
      const scripted = takeScripted(route) ?? api.onRequest?.(record);
      const start = (): void => reply(scripted);
      later(config.delayMs, start);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  Object.assign(api, { port, baseURL: `http://127.0.0.1:${port}/v1` });
  return api;
}
