import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { describe, expect, it } from 'vitest';
import { isLatticeError, type LatticeError } from '../../src/core/errors.js';
import { isRetryableModelError, redact, retryAfterMs, toModelError } from '../../src/core/providers/model-errors.js';
import {
  DEFAULT_BASE_URL,
  NO_API_KEY,
  readEnv,
  requireChatModel,
  requireEmbeddingModel,
  resolveModelSettings,
  safeURL,
} from '../../src/core/providers/model-settings.js';
import { MemoryResponseCache, canonicalJson, responseCacheKey } from '../../src/core/providers/response-cache.js';

function apiError(status: number, message = 'boom', headers: Record<string, string> = {}, code?: string): APIError {
  return APIError.generate(status, { error: { message, ...(code ? { code } : {}) } }, undefined, new Headers(headers));
}

const context = { baseURL: 'http://127.0.0.1:9/v1', model: 'm', operation: 'chat' as const, apiKey: 'sk-live-1234567890' };

function mapped(error: unknown): LatticeError {
  const result = toModelError(error, context);
  if (!isLatticeError(result)) throw new Error('expected a LatticeError');
  return result;
}

describe('retryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('reads retry-after-ms first, then retry-after seconds or date', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after': '0.5' }), now)).toBe(500);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(now + 4000).toUTCString() }), now)).toBe(4000);
  });
  it('ignores negative, unparsable and over-60-second values', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '61' }), now)).toBeUndefined();
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '-5' }), now)).toBeUndefined();
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(now + 120_000).toUTCString() }), now)).toBeUndefined();
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
  it('falls back from a bad retry-after-ms to retry-after', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': 'x', 'retry-after': '1' }), now)).toBe(1000);
  });
  it('clamps a past HTTP date to zero', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(now - 5000).toUTCString() }), now)).toBe(0);
  });
});

describe('toModelError', () => {
  const cases: [APIError, string, boolean][] = [
    [apiError(400), 'MODEL_BAD_REQUEST', false],
    [apiError(401), 'MODEL_AUTH_FAILED', false],
    [apiError(403), 'MODEL_AUTH_FAILED', false],
    [apiError(404), 'MODEL_NOT_FOUND', false],
    [apiError(408), 'MODEL_TIMEOUT', true],
    [apiError(409), 'MODEL_SERVER_ERROR', true],
    [apiError(422), 'MODEL_BAD_REQUEST', false],
    [apiError(429), 'MODEL_RATE_LIMITED', true],
    [apiError(500), 'MODEL_SERVER_ERROR', true],
    [apiError(503), 'MODEL_SERVER_ERROR', true],
  ];
  for (const [error, code, retryable] of cases) {
    it(`maps HTTP ${error.status} to ${code}`, () => {
      const result = mapped(error);
      expect(result.code).toBe(code);
      expect(result.retryable).toBe(retryable);
      expect(isRetryableModelError(error)).toBe(retryable);
      expect(result.details).toMatchObject({ status: error.status, model: 'm' });
    });
  }

  it('maps connection failures and timeouts', () => {
    expect(mapped(new APIConnectionError({ message: 'Connection error.' })).code).toBe('MODEL_UNREACHABLE');
    expect(mapped(new APIConnectionTimeoutError()).code).toBe('MODEL_TIMEOUT');
    expect(isRetryableModelError(new APIConnectionError({ message: 'x' }))).toBe(true);
  });

  it('treats an exhausted quota as not worth retrying', () => {
    const quota = apiError(429, 'You exceeded your current quota', {}, 'insufficient_quota');
    expect(isRetryableModelError(quota)).toBe(false);
    expect(mapped(quota).hint).toMatch(/quota/);
  });

  it('leaves aborts and non-openai errors alone', () => {
    const abort = new APIUserAbortError();
    expect(toModelError(abort, context)).toBe(abort);
    const bug = new TypeError('not a model problem');
    expect(toModelError(bug, context)).toBe(bug);
  });

  it('scrubs the API key and the userinfo of the base URL', () => {
    const error = toModelError(apiError(500, 'key sk-live-1234567890 rejected'), { ...context, baseURL: 'http://user:pw@host:1/v1' }) as LatticeError;
    const text = JSON.stringify(error.toJSON());
    expect(text).not.toContain('sk-live-1234567890');
    expect(text).not.toContain('user:pw');
    expect(text).toContain('***');
  });

  it('cuts long server messages to a short excerpt', () => {
    const error = mapped(apiError(500, 'x'.repeat(5000)));
    expect(String(error.details?.['serverMessage']).length).toBeLessThanOrEqual(301);
  });
});

describe('redact / safeURL', () => {
  it('replaces every occurrence of each secret', () => {
    expect(redact('a SECRET1 b SECRET1', ['SECRET1'])).toBe('a *** b ***');
    expect(redact('short key', ['key'])).toBe('short key');
    expect(safeURL('https://me:pass@example.com/v1')).toBe('https://***@example.com/v1');
    expect(safeURL('http://127.0.0.1:8080/v1')).toBe('http://127.0.0.1:8080/v1');
  });
});

describe('model settings', () => {
  it('reads the environment trimmed, with empty meaning unset', () => {
    expect(readEnv('X', { X: '  value \n' })).toBe('value');
    expect(readEnv('X', { X: '   ' })).toBeUndefined();
    expect(readEnv('X', {})).toBeUndefined();
  });

  it('prefers options, then environment, then defaults', () => {
    const env = { OPENAI_BASE_URL: 'http://env-host:1/v1/', OPENAI_API_KEY: 'env-key', LATTICE_MODEL: 'env-model', LATTICE_EMBEDDING_MODEL: ' ' };
    const fromEnv = resolveModelSettings({ env });
    expect(fromEnv).toMatchObject({ baseURL: 'http://env-host:1/v1', apiKey: 'env-key', model: 'env-model', embeddingModel: undefined });
    expect(fromEnv.sources).toEqual({ baseURL: 'env', apiKey: 'env', model: 'env', embeddingModel: 'unset' });

    const explicit = resolveModelSettings({ env, baseURL: 'http://opt:2/v1', apiKey: 'opt-key', model: 'opt-model', embeddingModel: 'opt-emb' });
    expect(explicit).toMatchObject({ baseURL: 'http://opt:2/v1', apiKey: 'opt-key', model: 'opt-model', embeddingModel: 'opt-emb' });
    expect(explicit.sources.model).toBe('option');
  });

  it('sends a placeholder key to local servers but demands one for api.openai.com', () => {
    expect(resolveModelSettings({ env: { OPENAI_BASE_URL: 'http://127.0.0.1:8080/v1' } }).apiKey).toBe(NO_API_KEY);
    try {
      resolveModelSettings({ env: {} });
      expect.unreachable();
    } catch (error) {
      expect(isLatticeError(error, 'CONFIG_MISSING')).toBe(true);
      expect((error as LatticeError).hint).toContain('OPENAI_API_KEY');
    }
    expect(resolveModelSettings({ env: { OPENAI_API_KEY: 'k' } }).baseURL).toBe(DEFAULT_BASE_URL);
  });

  it('rejects malformed base URLs with CONFIG_INVALID naming the variable', () => {
    for (const bad of ['not a url', 'ftp://host/v1']) {
      try {
        resolveModelSettings({ env: { OPENAI_BASE_URL: bad, OPENAI_API_KEY: 'k' } });
        expect.unreachable();
      } catch (error) {
        expect(isLatticeError(error, 'CONFIG_INVALID')).toBe(true);
      }
    }
    try {
      resolveModelSettings({ env: { OPENAI_BASE_URL: 'nope', OPENAI_API_KEY: 'k' } });
    } catch (error) {
      expect((error as LatticeError).hint).toContain('OPENAI_BASE_URL');
    }
  });

  it('requires model ids only where they are needed', () => {
    expect(requireChatModel({ model: 'x' })).toBe('x');
    expect(() => requireChatModel({ model: undefined })).toThrow(/chat model/);
    expect(() => requireEmbeddingModel({ embeddingModel: undefined })).toThrow(/embedding model/);
  });
});

describe('response cache keys', () => {
  it('do not depend on object key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 2 }] } })).toBe('{"a":{"c":[3,{"e":2,"f":1}],"d":2},"b":1}');
    const one = responseCacheKey({ provider: 'openai', kind: 'chat', model: 'm', params: { x: 1, y: 2 } });
    const two = responseCacheKey({ provider: 'openai', kind: 'chat', model: 'm', params: { y: 2, x: 1 } });
    expect(one).toBe(two);
    expect(one).toMatch(/^[0-9a-f]{64}$/);
  });

  it('change with provider, kind, model and parameters', () => {
    const base = { provider: 'openai', kind: 'chat' as const, model: 'm', params: { x: 1 } };
    const key = responseCacheKey(base);
    expect(responseCacheKey({ ...base, provider: 'other' })).not.toBe(key);
    expect(responseCacheKey({ ...base, kind: 'embedding' })).not.toBe(key);
    expect(responseCacheKey({ ...base, model: 'n' })).not.toBe(key);
    expect(responseCacheKey({ ...base, params: { x: 2 } })).not.toBe(key);
  });

  it('memory cache returns copies and evicts the oldest beyond maxEntries', () => {
    const cache = new MemoryResponseCache({ maxEntries: 2 });
    const entry = { kind: 'chat' as const, model: 'm', response: '{}', inputTokens: 1, outputTokens: 2 };
    cache.set('a', entry);
    cache.get('a')!.response = 'changed';
    expect(cache.get('a')!.response).toBe('{}');
    cache.set('b', entry);
    cache.set('c', entry);
    expect(cache.keys()).toEqual(['b', 'c']);
    expect(cache.get('a')).toBeUndefined();
  });
});
