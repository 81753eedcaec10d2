import { describe, expect, it } from 'vitest';
import { search } from '../../traverser/search.js';
import { DEFAULT_SEARCH_OPTIONS } from '../../traverser/types.js';
import type { SearchResult } from '../../traverser/types.js';
import { isLatticeError } from '../../src/core/errors.js';
import { createRng } from '../../src/core/math/random.js';
import { buildTree, fullTree, ScriptedJudge, targetScore } from './helpers.js';
import type { MemoryTree } from '../../src/core/tree.js';

// root ─ C1 ─ C11 {a b c}
//      │    └ C12 {d e}
//      ├ C2 ─ C21 {f g}
//      │    └ C22 {h i}
//      └ C3 {j k}
const T1 = buildTree({
  children: [
    { title: 'C1', children: [{ title: 'C11', children: ['a', 'b', 'c'] }, { title: 'C12', children: ['d', 'e'] }] },
    { title: 'C2', children: [{ title: 'C21', children: ['f', 'g'] }, { title: 'C22', children: ['h', 'i'] }] },
    { title: 'C3', children: ['j', 'k'] },
  ],
});

function byTitle(tree: MemoryTree, title: string): number {
  const stack = [tree.root()];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.title === title) return node.id;
    stack.push(...tree.children(node.id));
  }
  throw new Error(`no node ${title}`);
}

/** Everything of a result except timings, for determinism checks. */
function stable(result: SearchResult) {
  return {
    hits: result.hits,
    stopReason: result.stopReason,
    slates: result.trace.slates.map(({ latencyMs: _l, ...rest }) => rest),
    iterations: result.trace.iterations.map(({ engineMs: _e, judgeMs: _j, ...rest }) => rest),
    latents: result.trace.latents,
  };
}

/** Deterministic pseudo-scores per (node, slate position), standing in for a noisy model. */
function noisyScore(seed: string) {
  return (candidate: { nodeId: number }, request: { candidates: unknown[] }) => {
    const rng = createRng(`${seed}:${candidate.nodeId}:${request.candidates.length}`);
    return Math.round(rng() * 100);
  };
}

describe('search', () => {
  it('finds the target and returns hits with path, snippet and rank', async () => {
    const judge = new ScriptedJudge(targetScore(['g']));
    const result = await search(T1, judge, 'where is g');
    expect(result.hits[0]).toMatchObject({ docId: 'g', rank: 1, title: 'title g', snippet: 'text of g' });
    expect(result.hits[0]!.path.map((p) => p.title)).toEqual([T1.root().title, 'C2', 'C21', 'title g']);
    expect(result.hits[0]!.path.at(-1)).toMatchObject({ kind: 'document', id: result.hits[0]!.nodeId });
    expect(result.hits.map((h) => h.rank)).toEqual(result.hits.map((_, i) => i + 1));
    expect(new Set(result.hits.map((h) => h.docId)).size).toBe(result.hits.length);
    expect(result.trace.judgeCalls).toBe(judge.calls);
    expect(result.trace.judge).toEqual({ provider: 'test', modelId: 'scripted' });
    expect(JSON.parse(JSON.stringify(result.trace))).toEqual(result.trace);
  });

  it('expands the best B frontier nodes, ties to the lower preorder', async () => {
    const judge = new ScriptedJudge(targetScore(['g']));
    const result = await search(T1, judge, 'q', { iterations: 3 });
    const [first, second] = result.trace.iterations;
    expect(first!.beam).toEqual([T1.root().id]);
    // C2 (0.8) leads; C1 and C3 tie at 0.2 and C1 comes first in preorder (its id is higher).
    expect(second!.beam).toEqual([byTitle(T1, 'C2'), byTitle(T1, 'C1')]);
    expect(second!.frontier.map((f) => f.id)).toEqual([byTitle(T1, 'C2'), byTitle(T1, 'C1'), byTitle(T1, 'C3')]);
  });

  it('orders the raw frontier by the reference formula, including the 0.09 cutoff', async () => {
    const score = (c: { title: string; kind: string; docId?: string; text: string }) =>
      c.title === 'C3' ? 5 : targetScore(['g'])(c as never, undefined as never);
    const raw = await search(T1, new ScriptedJudge(score), 'q', { iterations: 3, frontierScores: 'raw', alpha: 0.5 });
    const frontier = new Map(raw.trace.iterations[2]!.frontier.map((f) => [f.id, f.p]));
    expect(frontier.get(byTitle(T1, 'C21'))).toBeCloseTo(0.85, 6);
    expect(frontier.get(byTitle(T1, 'C3'))).toBeCloseTo(0.05, 6);
    const calibrated = await search(T1, new ScriptedJudge(score), 'q', { iterations: 3, frontierScores: 'calibrated', alpha: 0.5 });
    const cal = new Map(calibrated.trace.iterations[2]!.frontier.map((f) => [f.id, f.p]));
    // The paper's convention has no cutoff: C3 keeps half of the root's relevance.
    expect(cal.get(byTitle(T1, 'C3'))).toBeGreaterThan(0.45);
    expect(calibrated.hits[0]!.docId).toBe('g');
    expect(raw.hits[0]!.docId).toBe('g');
  });

  it('stops on an empty frontier after judging every inner node once', async () => {
    const judge = new ScriptedJudge(targetScore(['a']));
    const result = await search(T1, judge, 'q', { iterations: 50 });
    expect(result.stopReason).toBe('frontier-empty');
    expect(result.budgetLimited).toBe(false);
    expect(judge.calls).toBe(8);
    expect(result.hits.length).toBe(10);
    const flat = buildTree({ children: ['a', 'b'] });
    const single = await search(flat, new ScriptedJudge(() => 50), 'q');
    expect(single.stopReason).toBe('frontier-empty');
    expect(single.trace.judgeCalls).toBe(1);
  });

  it('stops at the call budget with exact counts', async () => {
    const tree = fullTree(3, 3);
    for (const calls of [1, 4, 5]) {
      const judge = new ScriptedJudge(noisyScore('b'));
      const result = await search(tree, judge, 'q', { budget: { calls } });
      expect(judge.calls).toBe(calls);
      expect(result.trace.judgeCalls).toBe(calls);
      expect(result.stopReason).toBe('budget');
      expect(result.budgetLimited).toBe(true);
    }
    const judge = new ScriptedJudge(noisyScore('b'));
    const unlimited = await search(tree, judge, 'q', { iterations: 3 });
    expect(judge.calls).toBe(5);
    expect(unlimited).toMatchObject({ stopReason: 'iterations', budgetLimited: false });
  });

  it('stops at the token budget, checked before each wave', async () => {
    const tree = fullTree(3, 3);
    const usage = () => ({ usage: { calls: 1, inputTokens: 90, outputTokens: 10 } });
    const serial = new ScriptedJudge(noisyScore('t'), usage);
    const a = await search(tree, serial, 'q', { budget: { tokens: 150 }, concurrency: 1 });
    expect(serial.calls).toBe(2);
    expect(a).toMatchObject({ stopReason: 'budget', budgetLimited: true, usage: { inputTokens: 180, outputTokens: 20, calls: 2 } });
    const parallel = new ScriptedJudge(noisyScore('t'), usage);
    await search(tree, parallel, 'q', { budget: { tokens: 150 }, concurrency: 4 });
    expect(parallel.calls).toBe(3);
  });

  it('never shows or returns excluded documents, nor clusters holding only excluded ones', async () => {
    const judge = new ScriptedJudge(targetScore(['g', 'h']));
    const result = await search(T1, judge, 'q', { excludeIds: ['f', 'g', 'h'], iterations: 50 });
    const shown = judge.requests.flatMap((r) => r.candidates);
    expect(shown.some((c) => ['f', 'g', 'h'].includes(c.docId ?? ''))).toBe(false);
    expect(shown.some((c) => c.nodeId === byTitle(T1, 'C21'))).toBe(false);
    expect(shown.some((c) => c.nodeId === byTitle(T1, 'C22'))).toBe(true);
    expect(result.hits.map((h) => h.docId)).not.toContain('g');
    expect(result.hits.map((h) => h.docId)).toContain('i');
    expect(result.trace.options.excludeIds).toBe(3);
    const all = await search(T1, new ScriptedJudge(() => 50), 'q', { excludeIds: 'abcdefghijk'.split('') });
    expect(all).toMatchObject({ hits: [], stopReason: 'frontier-empty' });
  });

  it('drops frontier nodes scored below the prune threshold', async () => {
    const judge = new ScriptedJudge(targetScore(['g']));
    const result = await search(T1, judge, 'q', { pruneThreshold: 0.5, iterations: 50 });
    // Only the root, C2 and C21 score 0.8 on the way down; C1, C3 and C22 (0.2) are never expanded.
    expect(judge.calls).toBe(3);
    expect(result.stopReason).toBe('frontier-empty');
    expect(result.hits[0]!.docId).toBe('g');
  });

  it('splits a large child list into parts that share anchors and cost one call each', async () => {
    const tree = buildTree({ children: [{ children: ['z0', 'z1'] }, { children: Array.from({ length: 7 }, (_, i) => `x${i}`) }] });
    const judge = new ScriptedJudge((c) => (c.docId === 'x5' ? 90 : 40));
    const result = await search(tree, judge, 'q', { maxSlateSize: 3, iterations: 10 });
    const parts = result.trace.slates.filter((s) => s.part);
    expect(parts.map((s) => s.part)).toEqual([
      { index: 0, of: 3 },
      { index: 1, of: 3 },
      { index: 2, of: 3 },
    ]);
    expect(parts.map((s) => s.candidates.filter((c) => c.role === 'child').length)).toEqual([3, 2, 2]);
    expect(judge.calls).toBe(1 + 1 + 3);
    expect(result.hits[0]!.docId).toBe('x5');
    expect(result.hits).toHaveLength(9);
  });

  it('breaks ties by preorder', async () => {
    const tree = buildTree({ children: [{ children: ['a', 'b'] }, { children: ['c', 'd'] }] });
    const result = await search(tree, new ScriptedJudge(() => 50), 'q');
    expect(result.hits.map((h) => h.docId)).toEqual(['a', 'b', 'c', 'd']);
    expect(new Set(result.hits.map((h) => h.score)).size).toBe(1);
  });

  it('survives a throwing judge: failed slates are traced and retried up to the cap', async () => {
    const c2 = byTitle(T1, 'C21');
    const judge = new ScriptedJudge(targetScore(['g']), (request) =>
      request.candidates.some((c) => c.nodeId === c2) ? new Error('model down') : undefined,
    );
    const result = await search(T1, judge, 'q', { iterations: 50, maxSlateRetries: 2 });
    const failed = result.trace.slates.filter((s) => s.status === 'failed');
    expect(failed).toHaveLength(3);
    expect(failed.every((s) => s.parentId === byTitle(T1, 'C2') && s.error?.code === 'JUDGE_ERROR')).toBe(true);
    expect(result.stopReason).toBe('frontier-empty');
    expect(result.hits.map((h) => h.docId)).not.toContain('g');
    expect(result.hits.length).toBeGreaterThan(0);

    const fallback = new ScriptedJudge(() => 40);
    const rescued = await search(T1, new ScriptedJudge(targetScore(['g']), (r) => (r.candidates.some((c) => c.nodeId === c2) ? new Error('down') : undefined)), 'q', {
      iterations: 50,
      fallbackJudge: fallback,
    });
    const degraded = rescued.trace.slates.filter((s) => s.status === 'degraded');
    expect(degraded.length).toBeGreaterThan(0);
    expect(degraded.every((s) => s.judgedBy === 'fallback' && s.degraded?.code === 'JUDGE_ERROR')).toBe(true);
    expect(rescued.trace.fallbackCalls).toBe(fallback.calls);
    expect(rescued.hits.map((h) => h.docId)).toContain('g');
  });

  it('records NaN and wrong-length answers; an unscored leaf ranks below every scored one', async () => {
    const a = T1.documentNode('a')!.id;
    const judge = new ScriptedJudge(
      (c) => (c.nodeId === a ? Number.NaN : c.kind === 'leaf' ? 5 : 50),
    );
    const result = await search(T1, judge, 'q', { iterations: 50, topK: 20 });
    expect(result.hits.at(-1)!.docId).toBe('a');
    expect(result.hits).toHaveLength(11);
    expect(result.trace.slates.some((s) => s.status === 'degraded' && s.candidates.some((c) => c.id === a && c.score === null))).toBe(true);
    expect(result.trace.latents[String(a)]).toBeUndefined();

    const short = new ScriptedJudge(() => 50, (r, i) => (i === 0 ? { scores: r.candidates.slice(1).map(() => 50) } : undefined));
    const retried = await search(T1, short, 'q', { iterations: 50 });
    expect(retried.trace.slates[0]).toMatchObject({ status: 'failed', error: { code: 'MODEL_BAD_OUTPUT' } });
    expect(retried.trace.iterations[1]!.beam).toEqual([T1.root().id]);
    expect(retried.stopReason).toBe('frontier-empty');
  });

  it('is deterministic for a seed, and the seed drives the calibration draws', async () => {
    const tree = fullTree(5, 3);
    const options = { calibrationNodes: 3, iterations: 12, seed: 7, queryId: 'Q' };
    const one = await search(tree, new ScriptedJudge(noisyScore('d')), 'q', options);
    const two = await search(tree, new ScriptedJudge(noisyScore('d')), 'q', options);
    expect(stable(two)).toEqual(stable(one));
    const calibrationOf = (r: SearchResult) =>
      r.trace.slates.map((s) => s.candidates.filter((c) => c.role === 'calibration').map((c) => c.id));
    const other = await search(tree, new ScriptedJudge(noisyScore('d')), 'q', { ...options, seed: 8 });
    expect(calibrationOf(other)).not.toEqual(calibrationOf(one));
    const serial = await search(tree, new ScriptedJudge(noisyScore('d')), 'q', { ...options, concurrency: 1 });
    expect(stable(serial)).toEqual(stable(one));
  });

  it('connects every judged slate to the others through anchors', async () => {
    const tree = fullTree(4, 3);
    const result = await search(tree, new ScriptedJudge(noisyScore('c')), 'q', { iterations: 15 });
    const slates = result.trace.slates.filter((s) => s.status !== 'failed');
    expect(slates.length).toBeGreaterThan(20);
    const parent = slates.map((_, i) => i);
    const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
    const owner = new Map<number, number>();
    slates.forEach((s, i) => {
      for (const c of s.candidates) {
        const j = owner.get(c.id);
        if (j === undefined) owner.set(c.id, i);
        else parent[find(i)] = find(j);
      }
    });
    // The root slate is the only one without an anchor (nothing is scored before it).
    expect(new Set(slates.map((_, i) => find(i))).size).toBe(1);
    expect(slates.slice(1).every((s) => s.candidates.some((c) => c.role === 'anchor'))).toBe(true);
  });

  it('ranks a chunked document once, by its best chunk', async () => {
    const tree = buildTree({
      children: [{ children: [{ doc: 'a', chunks: 3 }, 'b'] }, { children: [{ doc: 'c', chunks: 2 }, 'd'] }],
    });
    const judge = new ScriptedJudge((c) => {
      if (c.title === 'title a #1') return 95;
      if (c.kind === 'leaf') return 30;
      return 70;
    });
    const result = await search(tree, judge, 'q', { iterations: 20 });
    const docs = result.hits.map((h) => h.docId);
    expect(new Set(docs).size).toBe(docs.length);
    expect(docs.sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(result.hits[0]).toMatchObject({ docId: 'a', title: 'title a #1', chunk: { index: 1, start: 100, end: 200 } });
    expect(result.hits[0]!.path.map((p) => p.kind)).toEqual(['cluster', 'cluster', 'document', 'chunk']);
  });

  it('fuses with a flat ranking by RRF', async () => {
    const judge = () => new ScriptedJudge(targetScore(['g']));
    const plain = await search(T1, judge(), 'q', { topK: 11, iterations: 50 });
    const treeRank = new Map(plain.hits.map((h) => [h.docId, h.rank]));
    const flat = [
      { docId: 'not-in-tree', score: 3 },
      { docId: 'j', score: 2 },
      { docId: 'g', score: 1 },
    ];
    const fused = await search(T1, judge(), 'q', { topK: 11, iterations: 50, flat: { results: flat, weight: 2 } });
    const score = new Map(fused.hits.map((h) => [h.docId, h.score]));
    expect(score.get('j')).toBeCloseTo(1 / (60 + treeRank.get('j')!) + 2 / 62, 12);
    expect(score.get('g')).toBeCloseTo(1 / (60 + treeRank.get('g')!) + 2 / 63, 12);
    expect(score.get('a')).toBeCloseTo(1 / (60 + treeRank.get('a')!), 12);
    expect(fused.hits.map((h) => h.docId)).not.toContain('not-in-tree');
    expect(fused.hits.slice(0, 2).map((h) => h.docId).sort()).toEqual(['g', 'j']);
    expect(fused.trace.options.flat).toEqual({ results: 3, weight: 2, method: 'rrf', k: 60 });
  });

  it('seeds: judges the seed documents at iteration 0 and puts their ancestors on the frontier', async () => {
    const judge = new ScriptedJudge(targetScore(['d']));
    const result = await search(T1, judge, 'q', { seeds: ['d', 'missing'], iterations: 2 });
    const seedSlate = result.trace.slates.find((s) => s.parentId === null)!;
    expect(seedSlate.iteration).toBe(0);
    expect(seedSlate.candidates).toEqual([{ id: T1.documentNode('d')!.id, role: 'seed', score: 0.9 }]);
    // C12 borrows d's 0.9 and ties with C1 (0.8 under the root): both are expanded next.
    expect([...result.trace.iterations[1]!.beam].sort()).toEqual([byTitle(T1, 'C1'), byTitle(T1, 'C12')].sort());
    expect(result.trace.options.seedsIgnored).toBe(1);
    expect(result.hits[0]!.docId).toBe('d');
    const unseeded = await search(T1, new ScriptedJudge(targetScore(['d'])), 'q', { iterations: 2 });
    expect(unseeded.trace.iterations[1]!.beam).not.toContain(byTitle(T1, 'C12'));
  });

  it('supports the ablations: no calibration and no path relevance', async () => {
    const result = await search(T1, new ScriptedJudge(targetScore(['g'])), 'q', {
      calibration: 'none',
      pathRelevance: false,
      iterations: 50,
    });
    expect(result.hits[0]).toMatchObject({ docId: 'g', score: 0.9 });
    expect(result.hits[1]!.score).toBeCloseTo(0.1, 12);
    const latentOnly = await search(T1, new ScriptedJudge(targetScore(['g'])), 'q', { finalScore: 'latent', iterations: 50 });
    expect(latentOnly.hits[0]!.docId).toBe('g');
  });

  it('stops on abort and returns the ranking so far', async () => {
    const controller = new AbortController();
    const judge = new ScriptedJudge(targetScore(['g']), (_r, i) => {
      if (i === 2) controller.abort();
      return undefined;
    });
    const result = await search(T1, judge, 'q', { abortSignal: controller.signal, iterations: 50 });
    expect(result.stopReason).toBe('aborted');
    expect(judge.calls).toBe(3);
    const before = new AbortController();
    before.abort();
    const none = await search(T1, new ScriptedJudge(() => 1), 'q', { abortSignal: before.signal });
    expect(none).toMatchObject({ stopReason: 'aborted', hits: [] });
  });

  it('reports engine time apart from judge time', async () => {
    const slow = new ScriptedJudge(() => 50);
    const original = slow.doJudge.bind(slow);
    slow.doJudge = async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return original(request);
    };
    const result = await search(buildTree({ children: ['a', 'b'] }), slow, 'q');
    expect(result.elapsedMs - result.engineMs).toBeGreaterThanOrEqual(25);
    expect(result.engineMs).toBeLessThan(result.elapsedMs);
  });

  it('rejects bad options and queries with CONFIG_INVALID', async () => {
    const judge = new ScriptedJudge(() => 50);
    const bad: [string, unknown][] = [
      ['', {}],
      ['q', { beamSize: 0 }],
      ['q', { alpha: 1.5 }],
      ['q', { frontierScores: 'paper' }],
      ['q', { beamsize: 2 }],
      ['q', { budget: { calls: -1 } }],
      ['q', { flat: { results: [{ docId: 'a', score: Number.NaN }] } }],
      ['q', { excludeIds: 'a' }],
      ['q', { calibration: 'affine' }],
      ['q', { innerAnchors: -1 }],
      ['q', { innerAnchors: 1.5 }],
      ['q', { calibrationRidges: { offset: 0 } }],
      ['q', { calibrationRidges: { slope: 1 } }],
      ['q', { calibrationRidges: null }],
      ['q', { flat: { results: [], method: 'interleave' } }],
      ['q', { flat: { results: [], method: 'append', minScore: Number.NaN } }],
    ];
    for (const [query, options] of bad) {
      await expect(search(T1, judge, query, options as never)).rejects.toSatisfy((e: unknown) => isLatticeError(e, 'CONFIG_INVALID'));
    }
    expect(judge.calls).toBe(0);
    await expect(search(T1, judge, 'q', { beamSize: undefined })).resolves.toBeDefined();
    expect(DEFAULT_SEARCH_OPTIONS).toMatchObject({
      beamSize: 2,
      iterations: 20,
      calibrationNodes: 10,
      alpha: 0.7,
      finalScore: 'latent',
      calibration: 'joint',
      innerAnchors: 5,
      topK: 10,
    });
  });
});
