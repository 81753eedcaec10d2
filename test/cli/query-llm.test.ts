import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex } from '../../indexer/build.js';
import { startOpenAITestServer, type OpenAITestServer } from '../helpers/openai-test-server.js';
import { runLattice } from '../helpers/run-lattice.js';

const sample = path.resolve(__dirname, '../../data/scifact-sample');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-query-llm-'));
const indexFile = path.join(work, 'sample.db');
let server: OpenAITestServer;

describe('lattice query --judge llm against an OpenAI-compatible server', () => {
  beforeAll(async () => {
    server = await startOpenAITestServer();
    await buildIndex({ input: sample, output: indexFile });
  });
  afterAll(async () => {
    await server.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('navigates the tree with the model and reports its calls and tokens', async () => {
    server.reset();
    const r = await runLattice(['query', indexFile, 'A deficiency of folate increases blood levels of homocysteine.', '--judge', 'llm', '--model', 'test-chat', '--base-url', server.baseURL, '--json', '-k', '5']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.trace.judge).toEqual({ provider: 'openai', modelId: 'test-chat' });
    expect(result.trace.judgeCalls).toBe(server.stats.chat);
    expect(result.trace.fallbackCalls).toBe(0);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.hits).toHaveLength(5);
    expect(result.hits.map((h: { docId: string }) => h.docId)).toContain('11705328');
    // Every prompt quoted the candidates as data.
    expect(server.requests.every((q) => JSON.stringify(q.body).includes('<candidate id=\\"0\\"'))).toBe(true);
  });

  it('degrades to the lexical judge when the model answers garbage, and says so', async () => {
    server.reset();
    server.onRequest = (request) => (request.route === 'chat' ? { type: 'content', content: 'I cannot help with that.' } : undefined);
    const r = await runLattice(['query', indexFile, 'homocysteine folate', '--judge', 'llm', '--model', 'test-chat', '--base-url', server.baseURL, '-k', '3', '--iterations', '4']);
    server.onRequest = undefined;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\s+1\. /m);
    expect(r.stdout).toMatch(/slate\(s\) degraded or failed/);
    const json = await runLattice(['query', indexFile, 'homocysteine folate', '--judge', 'llm', '--model', 'test-chat', '--base-url', server.baseURL, '--json', '-k', '3', '--iterations', '2']);
    const result = JSON.parse(json.stdout);
    expect(result.trace.slates.some((s: { status: string }) => s.status === 'ok')).toBe(true);
  });

  it('never throws when the server is down: every slate falls back and the trace records it', async () => {
    const r = await runLattice(['query', indexFile, 'homocysteine folate', '--judge', 'llm', '--model', 'test-chat', '--base-url', 'http://127.0.0.1:9/v1', '--json', '-k', '3', '--iterations', '3']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.hits.length).toBe(3);
    // The LLM judge scored every slate with its lexical fallback; each slate says why.
    const slates = result.trace.slates as { status: string; degraded?: { code: string } }[];
    expect(slates.length).toBeGreaterThan(0);
    for (const slate of slates) {
      expect(slate.status).toBe('degraded');
      expect(slate.degraded?.code).toBe('MODEL_UNREACHABLE');
    }
  });
});
