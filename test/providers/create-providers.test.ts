import { describe, expect, it } from 'vitest';
import { createProviders } from '../../src/core/providers/create-providers.js';
import { DEFAULT_MODEL_CONNECTION } from '../../src/core/providers/model-settings.js';
import { DEFAULT_BUILD_OPTIONS } from '../../indexer/build-options.js';
import { LocalEmbedder } from '../../src/core/providers/local-embedder.js';
import { isLatticeError } from '../../src/core/errors.js';
import type { Judge } from '../../src/core/types.js';

const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
};

const lexical: Judge = { specificationVersion: 'v1', provider: 'lexical', modelId: 'bm25', doJudge: async () => ({ scores: [] }) } as unknown as Judge;

describe('createProviders', () => {
  it('has one set of connection defaults, shared by builds and queries', () => {
    expect(createProviders().connection).toEqual(DEFAULT_MODEL_CONNECTION);
    expect(DEFAULT_MODEL_CONNECTION).toEqual({ concurrency: 4, maxRetries: 2, timeoutMs: 60_000 });
    expect(DEFAULT_BUILD_OPTIONS.maxRetries).toBe(DEFAULT_MODEL_CONNECTION.maxRetries);
    expect(DEFAULT_BUILD_OPTIONS.timeoutMs).toBe(DEFAULT_MODEL_CONNECTION.timeoutMs);
    expect(createProviders({ maxRetries: 0, timeoutMs: 5 }).connection).toEqual({ concurrency: 4, maxRetries: 0, timeoutMs: 5 });
  });

  it('resolves option, then environment, then default, and hands the same limits to the shared client', () => {
    const env = { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', LATTICE_MODEL: 'env-chat' };
    const fromEnv = createProviders({ env, summarizer: 'llm', maxRetries: 1 });
    expect(fromEnv.modelSettings().model).toBe('env-chat');
    expect(fromEnv.summarizer().modelId).toBe('env-chat');
    const client = fromEnv.client();
    expect(client.maxRetries).toBe(1);
    expect(client.timeoutMs).toBe(DEFAULT_MODEL_CONNECTION.timeoutMs);
    expect(fromEnv.client()).toBe(client);
    expect(createProviders({ env, model: 'opt-chat' }).modelSettings().model).toBe('opt-chat');
  });

  it('needs no server, key or model name in local mode, and builds no client', async () => {
    const providers = createProviders({ env: {}, dimensions: 8 });
    providers.check();
    expect(providers.summarizer().provider).toBe('extractive');
    expect(providers.embedderInfo()).toEqual({ provider: 'local', modelId: 'lsa', dimensions: 8 });
    expect(providers.usedClient()).toBeUndefined();
  });

  it('fails fast with CONFIG_MISSING when a model provider lacks its model', () => {
    const env = { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' };
    expect(isLatticeError(thrown(() => createProviders({ env, summarizer: 'llm' }).check()), 'CONFIG_MISSING')).toBe(true);
    expect(isLatticeError(thrown(() => createProviders({ env, embedder: 'openai' }).check()), 'CONFIG_MISSING')).toBe(true);
    expect(isLatticeError(thrown(() => createProviders({ env, judge: 'llm' }).check()), 'CONFIG_MISSING')).toBe(true);
  });

  it('refuses unknown names with CONFIG_INVALID listing the choices', async () => {
    const error = await createProviders({ lexicalJudge: () => lexical }).judge('oracle' as never).catch((e: unknown) => e);
    expect(isLatticeError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as { hint: string }).hint).toBe('Use --judge lexical, llm, embedding.');
  });

  it("builds the 'llm' judge with the lexical fallback and the 'embedding' judge on the index's embedder, once each", async () => {
    const texts = ['folate lowers homocysteine', 'aspirin and platelets', 'homocysteine and vitamin b12', 'platelet aggregation'];
    const { embedder } = LocalEmbedder.fitEmbed(texts, { dimensions: 2, seed: 1 });
    const providers = createProviders({
      env: { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', LATTICE_MODEL: 'chat' },
      lexicalJudge: () => lexical,
      builtWith: { file: 'x.db', embedder: { provider: 'local', modelId: 'lsa', dimensions: 2 } },
      localEmbedderState: () => embedder.serialize(),
    });
    expect(await providers.judge()).toBe(lexical);
    const llm = await providers.judge('llm');
    expect(llm.modelId).toBe('chat');
    expect(await providers.judge('llm')).toBe(llm);
    const byEmbedding = await providers.judge('embedding');
    expect(byEmbedding.modelId).toBe(`local:${embedder.modelId}`);
    expect(await providers.judge('embedding')).toBe(byEmbedding);
    const scored = await byEmbedding.doJudge({ query: 'homocysteine', candidates: [{ nodeId: 1, title: '', text: texts[2]! }, { nodeId: 2, title: '', text: texts[1]! }] } as never);
    expect(scored.scores).toHaveLength(2);
  });

  it("uses the embedder an index records: a missing model name or an unknown provider is CONFIG_MISSING", async () => {
    const env = { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', LATTICE_EMBEDDING_MODEL: 'from-env' };
    const openai = createProviders({ env, builtWith: { file: 'a.db', embedder: { provider: 'openai', modelId: 'recorded-model', dimensions: null } } });
    expect((await openai.embedder()).modelId).toBe('recorded-model');
    const custom = createProviders({ builtWith: { file: 'b.db', embedder: { provider: 'my-embedder', modelId: 'x', dimensions: 4 } } });
    expect(isLatticeError(await custom.embedder().catch((e: unknown) => e), 'CONFIG_MISSING')).toBe(true);
    expect(isLatticeError(await custom.judge('embedding').catch((e: unknown) => e), 'CONFIG_MISSING')).toBe(true);
    const unbuilt = createProviders({ builtWith: { file: 'c.db', embedder: { provider: 'local', modelId: 'lsa', dimensions: 2 } } });
    expect(isLatticeError(await unbuilt.embedder().catch((e: unknown) => e), 'CONFIG_MISSING')).toBe(true);
  });
});
