import { describe, expect, it } from 'vitest';
import { isLatticeError } from '../../src/core/errors.js';
import { ModelClient } from '../../src/core/providers/model-client.js';
import { OpenAIEmbedder } from '../../src/core/providers/openai-embedder.js';
import { MemoryResponseCache } from '../../src/core/providers/response-cache.js';
import { useOpenAITestServer } from '../helpers/server-lifecycle.js';
import { hashedEmbedding, startOpenAITestServer } from '../helpers/openai-test-server.js';

const server = useOpenAITestServer({}, () => {
  server.config.models = undefined;
});

function client(extra: ConstructorParameters<typeof ModelClient>[0] = {}): ModelClient {
  return new ModelClient({ baseURL: server.baseURL, apiKey: 'k', backoffBaseMs: 1, ...extra });
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return isLatticeError(error) ? error.code : `not a LatticeError: ${String(error)}`;
  }
}

describe('OpenAIEmbedder', () => {
  it('batches to maxBatchSize, keeps input order and learns the dimensions', async () => {
    const embedder = new OpenAIEmbedder({ client: client(), model: 'test-embedding', maxBatchSize: 4 });
    expect(embedder).toMatchObject({ provider: 'openai', modelId: 'test-embedding', maxBatchSize: 4, dimensions: 0 });
    const texts = Array.from({ length: 10 }, (_, i) => `document number ${i} about topic ${i % 3}`);
    const result = await embedder.doEmbed({ values: texts });
    expect(result.embeddings).toHaveLength(10);
    texts.forEach((t, i) => expect(Array.from(result.embeddings[i]!)).toEqual(Array.from(hashedEmbedding(t, 64))));
    expect(server.requests.map((r) => (r.body.input as string[]).length).sort()).toEqual([2, 4, 4]);
    expect(embedder.dimensions).toBe(64);
    expect(result.usage).toMatchObject({ calls: 3 });
    expect(result.usage!.inputTokens).toBeGreaterThan(0);
  });

  it('probes the dimensions once', async () => {
    const embedder = new OpenAIEmbedder({ client: client(), model: 'test-embedding' });
    expect(await embedder.probe()).toBe(64);
    expect(await embedder.probe()).toBe(64);
    expect(server.requests).toHaveLength(1);
  });

  it('sends dimensions only when asked, and checks every answer against them', async () => {
    const asked = new OpenAIEmbedder({ client: client(), model: 'test-embedding', dimensions: 16, requestDimensions: true });
    const result = await asked.doEmbed({ values: ['short vectors'] });
    expect(server.requests[0]!.body.dimensions).toBe(16);
    expect(result.embeddings[0]).toHaveLength(16);

    const declared = new OpenAIEmbedder({ client: client(), model: 'test-embedding', dimensions: 16 });
    expect(await codeOf(declared.doEmbed({ values: ['other text'] }))).toBe('MODEL_BAD_OUTPUT');
    expect(server.requests[1]!.body.dimensions).toBeUndefined();
  });

  it('rejects a server that changes vector length between calls', async () => {
    const embedder = new OpenAIEmbedder({ client: client(), model: 'test-embedding' });
    await embedder.doEmbed({ values: ['first'] });
    server.config.embeddingDimensions = 32;
    try {
      expect(await codeOf(embedder.doEmbed({ values: ['second'] }))).toBe('MODEL_BAD_OUTPUT');
    } finally {
      server.config.embeddingDimensions = 64;
    }
  });

  it('re-embeds nothing already cached, across embedder instances', async () => {
    const cache = new MemoryResponseCache();
    const texts = ['alpha', 'beta', 'gamma'];
    await new OpenAIEmbedder({ client: client({ cache }), model: 'test-embedding' }).doEmbed({ values: texts });
    const again = await new OpenAIEmbedder({ client: client({ cache }), model: 'test-embedding' }).doEmbed({ values: [...texts, 'delta'] });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.body.input).toEqual(['delta']);
    expect(again.usage).toMatchObject({ calls: 1, cachedCalls: 3 });
    expect(server.repeatedSuccesses()).toEqual([]);
  });

  it('gives near vectors to similar texts (test server property the build tests rely on)', async () => {
    const embedder = new OpenAIEmbedder({ client: client(), model: 'test-embedding' });
    const [a, b, c] = (await embedder.doEmbed({ values: ['wing flutter at supersonic speed', 'supersonic wing flutter tests', 'protein folding in yeast cells'] })).embeddings;
    expect(cosine(a!, b!)).toBeGreaterThan(0.4);
    expect(cosine(a!, b!)).toBeGreaterThan(cosine(a!, c!) + 0.3);
  });

  it('answers an empty request without a call', async () => {
    const embedder = new OpenAIEmbedder({ client: client(), model: 'test-embedding' });
    expect((await embedder.doEmbed({ values: [] })).embeddings).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it('reports an unknown model as MODEL_NOT_FOUND', async () => {
    server.config.models = ['real-embedding'];
    const embedder = new OpenAIEmbedder({ client: client(), model: 'no-such-model' });
    expect(await codeOf(embedder.doEmbed({ values: ['x'] }))).toBe('MODEL_NOT_FOUND');
    expect(server.requests).toHaveLength(1);
  });

  it('reports a missing server as MODEL_UNREACHABLE quickly with default retry settings', async () => {
    const gone = await startOpenAITestServer();
    await gone.close();
    const embedder = new OpenAIEmbedder({ client: new ModelClient({ baseURL: gone.baseURL, apiKey: 'k' }), model: 'test-embedding' });
    const started = Date.now();
    expect(await codeOf(embedder.doEmbed({ values: ['x'] }))).toBe('MODEL_UNREACHABLE');
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('validates its options', () => {
    const c = client();
    expect(() => new OpenAIEmbedder({ client: c, model: '' })).toThrow(/embedding model/);
    for (const bad of [{ maxBatchSize: 0 }, { maxBatchSize: 2.5 }, { dimensions: -1 }]) {
      try {
        new OpenAIEmbedder({ client: c, model: 'm', ...bad });
        expect.unreachable();
      } catch (error) {
        expect(isLatticeError(error, 'CONFIG_INVALID')).toBe(true);
      }
    }
  });
});
