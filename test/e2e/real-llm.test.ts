/**
 * End to end on a real model: SmolLM2-135M-Instruct (GGUF, models/, fetched by
 * `npm run models -- --with-llm` or `--for-tests`; a missing file fails with the fetch step's
 * message, never a skip) runs in the process through node-llama-cpp as the summariser of a
 * 30-document build and as the judge of queries, with no server. What is asserted is what the
 * model really did: non-empty summaries that differ per cluster, slates judged by the model (or a
 * fallback count that is reported and bounded), scores in range, calls and tokens in the trace,
 * a cached re-build with no new calls, a killed build that resumes without repeating a saved
 * call, and the `openai` client path meeting the same model behind an HTTP endpoint on 127.0.0.1.
 * Cost: about a dozen short model calls on 2 CPU cores.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildIndex, type BuildReport as BuildResult } from '../../indexer/build.js';
import { openIndex, type LatticeIndex } from '../../src/api/lattice-index.js';
import { cleanEnv, sampleCorpus, spawnCli, waitFor } from '../../scripts/reliability/harness.js';
import { requireModel } from '../helpers/models.js';
import { runLattice } from '../helpers/run-lattice.js';
import { startLlamaEndpoint, type LlamaEndpoint } from './llama-openai-endpoint.js';

const QUERY = 'statins and head and neck cancer cells';
// Short summaries and slates keep the whole file to a few minutes on 2 cores.
const SUMMARY_WORDS = 40;
const MAX_SLATE = '8';

let dir: string;
let corpus: string;
let file: string;
let gguf: string;
let first: BuildResult;
let index: LatticeIndex;

function built(result: Awaited<ReturnType<typeof buildIndex>>): BuildResult {
  if (result.kind === 'dry-run') throw new Error('expected a real build');
  return result;
}

function cachedChatAnswers(db: string): number {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return (conn.prepare("SELECT count(*) AS n FROM model_cache WHERE kind = 'chat'").get() as { n: number }).n;
  } finally {
    conn.close();
  }
}

beforeAll(async () => {
  gguf = requireModel('smollm2-135m-instruct', 'SmolLM2-135M-Instruct.Q4_1.gguf');
  // No server settings: a .gguf model must need none.
  vi.stubEnv('OPENAI_API_KEY', '');
  vi.stubEnv('OPENAI_BASE_URL', '');
  vi.stubEnv('LATTICE_MODEL', '');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-real-llm-'));
  corpus = sampleCorpus(dir, 30);
  file = path.join(dir, 'llm.db');
  first = built(await buildIndex({ input: corpus, output: file, summarizer: 'llm', model: gguf, concurrency: 2, summaryWords: SUMMARY_WORDS }));
  index = openIndex(file, { model: gguf, concurrency: 2 });
}, 240_000);

afterAll(() => {
  index?.close();
  vi.unstubAllEnvs();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('a build with --summarizer llm on a GGUF model in the process', () => {
  it('records the llama-cpp provider and counts its calls and tokens', () => {
    expect(first.summarizer).toEqual({ provider: 'llama-cpp', modelId: 'SmolLM2-135M-Instruct.Q4_1.gguf' });
    expect(first.usage.calls).toBeGreaterThanOrEqual(first.clusters);
    expect(first.usage.inputTokens).toBeGreaterThan(100 * first.usage.calls);
    expect(first.usage.outputTokens).toBeGreaterThan(5 * first.usage.calls);
  });

  it('writes a non-empty title and summary for every cluster, different from cluster to cluster', () => {
    const clusters: { title: string; summary: string }[] = [];
    const visit = (id: number): void => {
      const node = index.node(id);
      if (node.kind !== 'cluster') return;
      clusters.push({ title: node.title, summary: index.clusterSummary(id).summary });
      for (const child of index.children(id)) visit(child.id);
    };
    visit(index.root().id);
    expect(clusters.length).toBe(first.clusters);
    for (const c of clusters) {
      expect(c.title.trim().length).toBeGreaterThan(0);
      expect(c.summary.trim().split(/\s+/).length).toBeGreaterThanOrEqual(3);
    }
    expect(new Set(clusters.map((c) => c.summary)).size).toBe(clusters.length);
  });

  it('builds again from its cache with no new model call', async () => {
    const again = built(await buildIndex({ input: corpus, output: file, summarizer: 'llm', model: gguf, concurrency: 2, summaryWords: SUMMARY_WORDS, force: true }));
    expect(again.usage.calls).toBe(0);
    expect(again.usage.cachedCalls).toBe(first.usage.calls);
  }, 120_000);
});

describe('a query with --judge llm on the same model', () => {
  it('scores a slate in range through the grammar, or reports the fallback', async () => {
    const judge = await index.judge('llm');
    expect(judge.provider).toBe('llama-cpp');
    const candidates = index.bm25Search(QUERY, 6).map((hit) => {
      const node = index.documentNode(hit.docId)!;
      return { nodeId: node.id, kind: 'leaf' as const, title: node.title, text: node.text, docId: hit.docId };
    });
    const result = await judge.doJudge({ query: QUERY, candidates });
    expect(result.scores).toHaveLength(candidates.length);
    for (const s of result.scores) {
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(100);
    }
    // The grammar fixes the ids, so the model's answer validates unless a score is out of range.
    expect(result.degraded?.candidates ?? 0).toBeLessThanOrEqual(candidates.length);
    expect(result.usage?.calls).toBeGreaterThanOrEqual(1);
    expect(result.usage?.inputTokens).toBeGreaterThan(100);
  }, 120_000);

  it('runs from the CLI with --trace: every slate judged by the model or counted as a fallback, calls and tokens shown', async () => {
    const json = await runLattice(['query', file, QUERY, '--judge', 'llm', '--model', gguf, '--budget-calls', '4', '--max-slate', MAX_SLATE, '--json'], { env: cleanEnv() });
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout) as {
      hits: unknown[];
      usage: { calls: number; inputTokens: number; outputTokens: number };
      trace: { judge: { provider: string }; judgeCalls: number; fallbackCalls: number; tokens: { input: number; output: number }; slates: { status: string; judgedBy?: string; degraded?: { code: string; candidates: number }; candidates: { score: number | null }[] }[] };
    };
    const trace = result.trace;
    expect(trace.judge.provider).toBe('llama-cpp');
    expect(trace.judgeCalls).toBeGreaterThanOrEqual(1);
    expect(trace.judgeCalls).toBeLessThanOrEqual(4);
    expect(result.usage.calls).toBeGreaterThanOrEqual(trace.judgeCalls);
    expect(trace.tokens.input).toBeGreaterThan(100 * trace.judgeCalls);
    expect(trace.tokens.output).toBeGreaterThan(0);
    expect(result.hits.length).toBeGreaterThan(0);
    let candidates = 0;
    let fallback = 0;
    for (const slate of trace.slates) {
      candidates += slate.candidates.length;
      if (slate.judgedBy === 'fallback') fallback += slate.candidates.length;
      else if (slate.degraded) fallback += slate.degraded.candidates;
      for (const c of slate.candidates) {
        expect(c.score).not.toBeNull();
        expect(c.score!).toBeGreaterThanOrEqual(0);
        expect(c.score!).toBeLessThanOrEqual(1);
      }
    }
    // With the ids fixed by the grammar, at most a quarter of the candidates may fall back.
    expect(fallback).toBeLessThanOrEqual(candidates / 4);

    const text = await runLattice(['query', file, QUERY, '--judge', 'llm', '--model', gguf, '--budget-calls', '2', '--max-slate', MAX_SLATE, '--trace'], { env: cleanEnv() });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/\d+ judge calls/);
    expect(text.stdout).toMatch(/[\d,]+ tokens/);
  }, 420_000);
});

describe('a build killed mid-way on the real model', () => {
  it('resumes and repeats no call whose answer was saved', async () => {
    const killed = path.join(dir, 'killed.db');
    const args = ['build', corpus, '-o', killed, '--summarizer', 'llm', '--model', gguf, '--concurrency', '2', '--summary-words', String(SUMMARY_WORDS), '--json'];
    const run = spawnCli(args, { env: cleanEnv() });
    const saved = await waitFor(() => fs.existsSync(killed) && safeCount(killed) >= 1, 180_000, 50);
    run.child.kill('SIGKILL');
    await run.done;
    expect(saved).toBe(true);
    const before = cachedChatAnswers(killed);
    expect(before).toBeGreaterThanOrEqual(1);
    expect(before).toBeLessThan(first.usage.calls);

    const resumed = await spawnCli(args, { env: cleanEnv() }).done;
    expect(resumed.code).toBe(0);
    const report = JSON.parse(resumed.stdout) as BuildResult;
    // Every answer saved before the kill is reused; only the rest is asked again, once each.
    expect(report.usage.cachedCalls).toBe(before);
    expect(report.usage.calls + report.usage.cachedCalls).toBe(first.usage.calls);
  }, 300_000);
});

function safeCount(db: string): number {
  try {
    return cachedChatAnswers(db);
  } catch {
    return 0;
  }
}

describe('the openai client path against the same model', () => {
  let endpoint: LlamaEndpoint;
  beforeAll(async () => {
    endpoint = await startLlamaEndpoint(gguf);
  });
  afterAll(async () => {
    await endpoint?.close();
  });

  it('sends json_schema requests, parses the real answers, and degrades a bad one with its reason', async () => {
    // The default prompt is long for a CPU model: a generous per-call limit, and no retry of a slow answer.
    const served = openIndex(file, { model: 'smollm2-135m-instruct', baseURL: endpoint.baseURL, concurrency: 2, timeoutMs: 600_000, maxRetries: 0 });
    try {
      const result = await served.search(QUERY, { judge: 'llm', budget: { calls: 2 }, maxSlateSize: 6 });
      expect(endpoint.requests.length).toBeGreaterThanOrEqual(1);
      const body = endpoint.requests[0]!;
      expect(body['model']).toBe('smollm2-135m-instruct');
      expect((body['response_format'] as { type: string }).type).toBe('json_schema');
      expect(result.trace.judge.provider).toBe('openai');
      expect(result.trace.judgeCalls).toBeGreaterThanOrEqual(1);
      // Usage comes from the endpoint's tokenizer counts, not the 4-characters estimate.
      expect(result.usage.inputTokens).toBeGreaterThan(100);
      for (const slate of result.trace.slates) {
        expect(['ok', 'degraded']).toContain(slate.status);
        if (slate.status === 'degraded') expect(slate.degraded?.code).toMatch(/^MODEL_/);
        for (const c of slate.candidates) expect(c.score).not.toBeNull();
      }
    } finally {
      served.close();
    }
  }, 240_000);
});
