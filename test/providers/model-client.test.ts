import { describe, expect, it } from 'vitest';
import { ModelClient, estimateTokens, type ChatJsonRequest, type Validation } from '../../src/core/providers/model-client.js';
import { MemoryResponseCache } from '../../src/core/providers/response-cache.js';
import { rejection, useOpenAITestServer } from '../helpers/server-lifecycle.js';
import { hashedEmbedding, startOpenAITestServer } from '../helpers/openai-test-server.js';

interface Pair {
  name: string;
  count: number;
}

const PAIR_SCHEMA = {
  type: 'object',
  properties: { name: { type: 'string' }, count: { type: 'integer' } },
  required: ['name', 'count'],
  additionalProperties: false,
};

function validatePair(value: unknown): Validation<Pair> {
  const v = value as Partial<Pair> | null;
  if (!v || typeof v !== 'object') return { ok: false, error: 'not an object' };
  if (typeof v.name !== 'string' || v.name.length === 0) return { ok: false, error: 'name must be a non-empty string' };
  if (typeof v.count !== 'number' || !Number.isInteger(v.count)) return { ok: false, error: 'count must be an integer' };
  return { ok: true, value: { name: v.name, count: v.count } };
}

function pairRequest(content = 'Name a thing and count it.', extra: Partial<ChatJsonRequest<Pair>> = {}): ChatJsonRequest<Pair> {
  return {
    model: 'test-chat',
    messages: [
      { role: 'system', content: 'You answer in JSON.' },
      { role: 'user', content },
    ],
    schemaName: 'pair',
    schema: PAIR_SCHEMA,
    validate: validatePair,
    temperature: 0,
    ...extra,
  };
}


const server = useOpenAITestServer({}, () => {
  server.config.rejectResponseFormats.clear();
  server.config.reportUsage = true;
});

function client(extra: ConstructorParameters<typeof ModelClient>[0] = {}): ModelClient {
  return new ModelClient({ baseURL: server.baseURL, apiKey: 'sk-test-key-0001', backoffBaseMs: 5, ...extra });
}

describe('chatJson: structured output', () => {
  it('asks for json_schema first and returns the validated value', async () => {
    const c = client();
    server.script({ type: 'content', content: '{"name": "apple", "count": 3}' });
    const result = await c.chatJson(pairRequest());
    expect(result).toMatchObject({ value: { name: 'apple', count: 3 }, cached: false, mode: 'json_schema', repaired: false });
    expect(server.requests).toHaveLength(1);
    const body = server.requests[0]!.body;
    expect(body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'pair', schema: PAIR_SCHEMA, strict: true } });
    expect(body.temperature).toBe(0);
    expect(server.requests[0]!.authorization).toBe('Bearer sk-test-key-0001');
  });

  it('falls back json_schema → json_object → plain and remembers what works', async () => {
    server.config.rejectResponseFormats.add('json_schema');
    server.config.rejectResponseFormats.add('json_object');
    const c = client();
    const first = await c.chatJson(pairRequest());
    expect(first.mode).toBe('plain');
    expect(validatePair(first.value).ok).toBe(true);
    expect(server.requests.map((r) => r.responseFormat)).toEqual(['json_schema', 'json_object', 'none']);
    // Without response_format the schema must travel in the prompt.
    const system = server.requests[2]!.body.messages[0].content as string;
    expect(system).toContain('You answer in JSON.');
    expect(system).toContain(JSON.stringify(PAIR_SCHEMA));
    expect(system).toMatch(/no prose/);
    expect(c.structuredMode).toBe('plain');

    await c.chatJson(pairRequest('Another question.'));
    expect(server.requests.map((r) => r.responseFormat)).toEqual(['json_schema', 'json_object', 'none', 'none']);
  });

  it('stops at json_object when only json_schema is refused', async () => {
    server.config.rejectResponseFormats.add('json_schema');
    const c = client();
    const result = await c.chatJson(pairRequest());
    expect(result.mode).toBe('json_object');
    expect(server.requests.map((r) => r.responseFormat)).toEqual(['json_schema', 'json_object']);
    expect(server.requests[1]!.body.messages[0].content).toContain('JSON Schema');
  });

  it('does not treat an unrelated 400 as a format problem', async () => {
    const c = client();
    server.script({ type: 'status', status: 400, message: 'messages[1] is too long' });
    const error = await rejection(c.chatJson(pairRequest()));
    expect(error.code).toBe('MODEL_BAD_REQUEST');
    expect(error.retryable).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it('repairs a bad first answer with one follow-up that quotes it and the error', async () => {
    const c = client();
    server.script({ type: 'content', content: 'Sure! name=apple count=three' }, { type: 'content', content: '{"name": "apple", "count": 3}' });
    const result = await c.chatJson(pairRequest());
    expect(result).toMatchObject({ value: { name: 'apple', count: 3 }, repaired: true });
    expect(server.requests).toHaveLength(2);
    const messages = server.requests[1]!.body.messages as { role: string; content: string }[];
    expect(messages.at(-2)).toEqual({ role: 'assistant', content: 'Sure! name=apple count=three' });
    expect(messages.at(-1)!.role).toBe('user');
    expect(messages.at(-1)!.content).toMatch(/could not be used: answer is not JSON/);
  });

  it('repairs a validation failure and reports the validator error', async () => {
    const c = client();
    server.script({ type: 'content', content: '{"name": "", "count": 2}' }, { type: 'content', content: '{"name": "pear", "count": 2}' });
    const result = await c.chatJson(pairRequest());
    expect(result.value).toEqual({ name: 'pear', count: 2 });
    expect(server.requests[1]!.body.messages.at(-1).content).toContain('name must be a non-empty string');
  });

  it('accepts lenient JSON (fences, prose, trailing commas) without a repair call', async () => {
    const c = client();
    server.script({ type: 'content', content: 'Here it is:\n```json\n{"name": "fig", "count": 7,}\n```' });
    const result = await c.chatJson(pairRequest());
    expect(result).toMatchObject({ value: { name: 'fig', count: 7 }, repaired: false });
    expect(server.requests).toHaveLength(1);
  });

  const badAnswers: [string, { content: string | null; finishReason?: string }][] = [
    ['null content', { content: null }],
    ['empty content', { content: '' }],
    ['prose', { content: 'I am sorry, I cannot produce JSON today.' }],
    ['truncated JSON', { content: '{"name": "appl', finishReason: 'length' }],
    ['wrong shape', { content: '[1, 2, 3]' }],
    ['thousands of tokens of garbage', { content: '{ [ lorem ipsum '.repeat(8000) }],
  ];
  for (const [label, reply] of badAnswers) {
    it(`ends in MODEL_BAD_OUTPUT after two bad answers (${label})`, async () => {
      const cache = new MemoryResponseCache();
      const c = client({ cache });
      server.script({ type: 'content', ...reply }, { type: 'content', ...reply });
      const error = await rejection(c.chatJson(pairRequest()));
      expect(error.code).toBe('MODEL_BAD_OUTPUT');
      expect(error.retryable).toBe(false);
      expect(error.details?.['errors']).toHaveLength(2);
      expect(String(error.details?.['answerExcerpt'] ?? '').length).toBeLessThanOrEqual(201);
      expect(server.requests).toHaveLength(2);
      expect(cache.size).toBe(0);
      expect(c.usage.calls).toBe(2);
    });
  }

  it('recovers a truncated answer whose cut falls inside the last string', async () => {
    const c = client();
    server.script({ type: 'content', content: '{"count": 4, "name": "a long name that was cu', finishReason: 'length' });
    const result = await c.chatJson(pairRequest());
    expect(result.value).toEqual({ count: 4, name: 'a long name that was cu' });
    expect(server.requests).toHaveLength(1);
  });

  it('treats a throwing validator as a bad answer, not a crash', async () => {
    const c = client();
    const error = await rejection(
      c.chatJson(pairRequest('x', { validate: () => { throw new Error('boom'); } })),
    );
    expect(error.code).toBe('MODEL_BAD_OUTPUT');
    expect(String((error.details?.['errors'] as string[])[0])).toContain('validator failed: boom');
  });

  it('passes the partial of a rejected answer to the caller', async () => {
    const c = client();
    const validate = (value: unknown): Validation<Pair> => ({ ok: false, error: 'never good', partial: { seen: value } });
    const error = await rejection(c.chatJson(pairRequest('x', { validate })));
    expect(error.details?.['partial']).toEqual({ seen: { name: 'text', count: 0 } });
  });

  it('switches to max_completion_tokens when the server rejects max_tokens', async () => {
    const c = client();
    server.script({ type: 'status', status: 400, message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead." });
    const result = await c.chatJson(pairRequest('x', { maxTokens: 50 }));
    expect(result.value).toEqual({ name: 'text', count: 0 });
    expect(server.requests[0]!.body.max_tokens).toBe(50);
    expect(server.requests[1]!.body.max_completion_tokens).toBe(50);
    expect(server.requests[1]!.body.max_tokens).toBeUndefined();
  });

  it('rejects a bad schema name before any request', async () => {
    const error = await rejection(client().chatJson(pairRequest('x', { schemaName: 'has spaces' })));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(server.requests).toHaveLength(0);
  });
});

describe('chatJson: cache', () => {
  it('answers a repeated request from the cache without a server call', async () => {
    const cache = new MemoryResponseCache();
    const c = client({ cache });
    const first = await c.chatJson(pairRequest());
    const second = await c.chatJson(pairRequest());
    expect(second).toMatchObject({ value: first.value, cached: true });
    expect(server.requests).toHaveLength(1);
    expect(c.usage).toMatchObject({ calls: 1, cachedCalls: 1 });
    expect(second.usage).toEqual({ calls: 0, inputTokens: 0, outputTokens: 0, cachedCalls: 1 });
  });

  it('keys ignore the base URL and the API key, but not the model, messages or temperature', async () => {
    const cache = new MemoryResponseCache();
    await client({ cache }).chatJson(pairRequest());
    const other = await startOpenAITestServer();
    try {
      const moved = new ModelClient({ baseURL: other.baseURL, apiKey: 'sk-a-completely-different-key', cache });
      expect((await moved.chatJson(pairRequest())).cached).toBe(true);
      expect(other.requests).toHaveLength(0);

      expect((await moved.chatJson(pairRequest('Name a thing and count it.', { temperature: 0.7 }))).cached).toBe(false);
      expect((await moved.chatJson(pairRequest('A different question.'))).cached).toBe(false);
      expect((await moved.chatJson(pairRequest('Name a thing and count it.', { model: 'other-chat' }))).cached).toBe(false);
      expect(other.requests).toHaveLength(3);
    } finally {
      await other.close();
    }
  });

  it('finds an answer cached under another structured-output mode', async () => {
    const cache = new MemoryResponseCache();
    server.config.rejectResponseFormats.add('json_schema');
    await client({ cache }).chatJson(pairRequest());
    const calls = server.requests.length;
    const fresh = client({ cache });
    const again = await fresh.chatJson(pairRequest());
    expect(again).toMatchObject({ cached: true, mode: 'json_object' });
    expect(server.requests.length).toBe(calls);
  });

  it('caches the repaired answer under the original request', async () => {
    const cache = new MemoryResponseCache();
    server.script({ type: 'content', content: 'nope' });
    await client({ cache }).chatJson(pairRequest());
    expect(server.requests).toHaveLength(2);
    const again = await client({ cache }).chatJson(pairRequest());
    expect(again.cached).toBe(true);
    expect(server.requests).toHaveLength(2);
  });

  it('ignores a cached entry that no longer validates', async () => {
    const cache = new MemoryResponseCache();
    await client({ cache }).chatJson(pairRequest());
    const key = cache.keys()[0]!;
    cache.set(key, { ...cache.get(key)!, response: '{"name": "", "count": 1}' });
    const again = await client({ cache }).chatJson(pairRequest());
    expect(again.cached).toBe(false);
    expect(server.requests).toHaveLength(2);
  });
});

describe('token accounting', () => {
  it('sums the server-reported usage over calls and repairs', async () => {
    const c = client();
    server.script(
      { type: 'content', content: 'bad', usage: { prompt_tokens: 100, completion_tokens: 7 } },
      { type: 'content', content: '{"name": "a", "count": 1}', usage: { prompt_tokens: 130, completion_tokens: 9 } },
      { type: 'content', content: '{"name": "b", "count": 2}', usage: { prompt_tokens: 40, completion_tokens: 5 } },
    );
    const first = await c.chatJson(pairRequest());
    expect(first.usage).toEqual({ calls: 2, inputTokens: 230, outputTokens: 16, cachedCalls: 0 });
    await c.chatJson(pairRequest('second'));
    expect(c.usage).toEqual({ calls: 3, inputTokens: 270, outputTokens: 21, cachedCalls: 0 });
  });

  it('estimates about four characters per token when the server reports none', async () => {
    server.config.reportUsage = false;
    const c = client();
    const answer = '{"name": "estimate", "count": 12}';
    server.script({ type: 'content', content: answer });
    const request = pairRequest('x'.repeat(400));
    const result = await c.chatJson(request);
    const sent = (server.requests[0]!.body.messages as { content: string }[]).map((m) => m.content).join('\n');
    expect(result.usage.inputTokens).toBe(estimateTokens(sent));
    expect(result.usage.inputTokens).toBeGreaterThanOrEqual(100);
    expect(result.usage.outputTokens).toBe(Math.ceil(answer.length / 4));
  });
});

describe('embed', () => {
  it('returns vectors in input order, de-duplicating texts and batching', async () => {
    const c = client();
    const texts = ['alpha beta', 'gamma delta', 'alpha beta', 'epsilon', 'zeta eta', 'theta', 'iota kappa', 'lambda'];
    const result = await c.embed({ model: 'test-embedding', input: texts, batchSize: 3 });
    expect(result.embeddings).toHaveLength(texts.length);
    texts.forEach((t, i) => expect(Array.from(result.embeddings[i]!)).toEqual(Array.from(hashedEmbedding(t, 64))));
    const sizes = server.requests.map((r) => (r.body.input as string[]).length).sort();
    expect(sizes).toEqual([1, 3, 3]);
    expect(server.requests.every((r) => r.body.encoding_format === 'float')).toBe(true);
    expect(result.usage.calls).toBe(3);
    // Distinct copies: changing one duplicate leaves the other alone.
    result.embeddings[0]![0] = 42;
    expect(result.embeddings[2]![0]).not.toBe(42);
  });

  it('caches per text, so a second call sends only new texts', async () => {
    const cache = new MemoryResponseCache();
    const c = client({ cache });
    await c.embed({ model: 'test-embedding', input: ['one', 'two'] });
    const second = await client({ cache, apiKey: 'sk-other-key-9999' }).embed({ model: 'test-embedding', input: ['two', 'three', 'one'] });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.body.input).toEqual(['three']);
    expect(second.usage).toMatchObject({ calls: 1, cachedCalls: 2 });
    expect(Array.from(second.embeddings[0]!)).toEqual(Array.from(hashedEmbedding('two', 64)));
    const tokens = cache.keys().map((k) => cache.get(k)!.inputTokens);
    expect(tokens.every((t) => t >= 0)).toBe(true);
  });

  it('sends empty texts as a space, which servers accept', async () => {
    const result = await client().embed({ model: 'test-embedding', input: ['', 'word'] });
    expect(result.embeddings).toHaveLength(2);
    expect(server.requests[0]!.body.input).toEqual([' ', 'word']);
  });

  it('rejects malformed embedding answers with MODEL_BAD_OUTPUT', async () => {
    const c = client();
    server.script({ type: 'transform', transform: (body) => ({ ...body, data: body.data.slice(1) }) });
    expect((await rejection(c.embed({ model: 'test-embedding', input: ['a', 'b'] }))).code).toBe('MODEL_BAD_OUTPUT');
    server.script({ type: 'transform', transform: (body) => ({ ...body, data: body.data.map((d: { embedding: number[] }, i: number) => ({ ...d, embedding: i === 0 ? d.embedding : d.embedding.slice(1) })) }) });
    expect((await rejection(c.embed({ model: 'test-embedding', input: ['c', 'd'] }))).code).toBe('MODEL_BAD_OUTPUT');
    server.script({ type: 'body', body: { object: 'list', data: [{ index: 0, embedding: ['x'] }] } });
    expect((await rejection(c.embed({ model: 'test-embedding', input: ['e'] }))).code).toBe('MODEL_BAD_OUTPUT');
  });

  it('reorders answers by their index field', async () => {
    const c = client();
    server.script({ type: 'transform', transform: (body) => ({ ...body, data: [...body.data].reverse() }) });
    const result = await c.embed({ model: 'test-embedding', input: ['first text', 'second text'] });
    expect(Array.from(result.embeddings[0]!)).toEqual(Array.from(hashedEmbedding('first text', 64)));
  });
});
