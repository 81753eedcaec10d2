import { describe, expect, it } from 'vitest';
import { search } from '../../traverser/search.js';
import { fuseAppend } from '../../traverser/fuse.js';
import { createRng, gaussian } from '../../src/core/math/random.js';
import type { Judge, JudgeRequest, JudgeResult } from '../../src/core/types.js';
import type { MemoryTree } from '../../src/core/tree.js';
import { fullTree, ScriptedJudge, targetScore } from './helpers.js';

/** Deterministic pseudo-scores per (node, slate size), standing in for a noisy model. */
function noisyScore(seed: string) {
  return (candidate: { nodeId: number }, request: { candidates: unknown[] }) =>
    Math.round(createRng(`${seed}:${candidate.nodeId}:${request.candidates.length}`)() * 100);
}

/**
 * A judge with graded targets that stretches and shifts every slate: per slate (drawn from its node
 * ids) a scale in [0.2, 1.8] and an offset in [-10, 10] points, plus N(0, 4) points of noise.
 * An inner node scores the best grade below it.
 */
class StretchingJudge implements Judge {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'test';
  readonly modelId = 'stretching';
  constructor(
    private readonly tree: MemoryTree,
    private readonly grades: ReadonlyMap<string, number>,
  ) {}
  private relevance(nodeId: number): number {
    return Math.max(0, ...this.tree.documentsUnder(nodeId).map((doc) => this.grades.get(doc) ?? 0)) / 4;
  }
  async doJudge(request: JudgeRequest): Promise<JudgeResult> {
    const rng = createRng(`${request.queryId}:${request.candidates.map((c) => c.nodeId).join(',')}`);
    const scale = 0.2 + 1.6 * rng();
    const offset = 20 * rng() - 10;
    return {
      scores: request.candidates.map((c) => Math.min(100, Math.max(0, 100 * scale * this.relevance(c.nodeId) + offset + 4 * gaussian(rng)))),
    };
  }
}

/** nDCG@10 with graded gains, ideal over every graded document. */
function ndcg10(ranking: readonly string[], grades: ReadonlyMap<string, number>): number {
  const dcg = ranking.slice(0, 10).reduce((acc, doc, i) => acc + (2 ** (grades.get(doc) ?? 0) - 1) / Math.log2(i + 2), 0);
  const ideal = [...grades.values()]
    .sort((a, b) => b - a)
    .slice(0, 10)
    .reduce((acc, g, i) => acc + (2 ** g - 1) / Math.log2(i + 2), 0);
  return dcg / ideal;
}

describe('inner-slate anchors', () => {
  const tree = fullTree(4, 4);
  const innerSlates = (result: Awaited<ReturnType<typeof search>>) =>
    result.trace.slates.filter((s) => s.parentId !== null && s.parentId !== tree.root().id && s.candidates.some((c) => tree.node(c.id).numChildren > 0 && c.role === 'child'));

  it('adds up to innerAnchors scored inner nodes at depths 1..parent depth, each once, all judged before', async () => {
    const result = await search(tree, new ScriptedJudge(noisyScore('anchors')), 'q', { iterations: 12, innerAnchors: 4 });
    const slates = innerSlates(result);
    expect(slates.length).toBeGreaterThan(5);
    let full = 0;
    for (const slate of slates) {
      const parentDepth = tree.node(slate.parentId!).depth;
      const judgedBefore = new Set(result.trace.slates.filter((s) => s.iteration < slate.iteration).flatMap((s) => s.candidates.map((c) => c.id)));
      const anchors = slate.candidates.filter((c) => c.role === 'anchor');
      expect(anchors.length).toBeGreaterThanOrEqual(1);
      expect(anchors.length).toBeLessThanOrEqual(4);
      if (anchors.length === 4) full++;
      expect(new Set(slate.candidates.map((c) => c.id)).size).toBe(slate.candidates.length);
      for (const anchor of anchors) {
        const node = tree.node(anchor.id);
        expect(node.numChildren).toBeGreaterThan(0);
        expect(node.depth).toBeGreaterThanOrEqual(1);
        expect(node.depth).toBeLessThanOrEqual(parentDepth);
        expect(judgedBefore.has(anchor.id)).toBe(true);
      }
    }
    expect(full).toBeGreaterThan(0);
  });

  it('innerAnchors 1 keeps the reference node alone; 0 sends inner slates without anchors', async () => {
    const one = await search(tree, new ScriptedJudge(noisyScore('one')), 'q', { iterations: 10, innerAnchors: 1 });
    for (const slate of innerSlates(one)) expect(slate.candidates.filter((c) => c.role === 'anchor')).toHaveLength(1);
    const none = await search(tree, new ScriptedJudge(noisyScore('one')), 'q', { iterations: 10, innerAnchors: 0 });
    expect(innerSlates(none).length).toBeGreaterThan(3);
    for (const slate of innerSlates(none)) expect(slate.candidates.some((c) => c.role === 'anchor')).toBe(false);
    // Leaf slates still take calibration leaves.
    const leafSlates = none.trace.slates.filter((s) => s.candidates.every((c) => tree.node(c.id).numChildren === 0) && s.parentId !== null);
    expect(leafSlates.slice(1).some((s) => s.candidates.some((c) => c.role === 'calibration' || c.role === 'anchor'))).toBe(true);
  });
});

describe('calibration models in the search', () => {
  it('under stretched and shifted slates, calibration ranks graded targets far better than raw scores', async () => {
    const tree = fullTree(6, 3);
    const docs = Array.from({ length: 216 }, (_, i) => `d${i}`);
    const totals = { joint: 0, offset: 0, none: 0 };
    const queries = 24;
    for (let q = 0; q < queries; q++) {
      const rng = createRng(`graded:${q}`);
      const grades = new Map<string, number>();
      // Targets cluster under one top-level branch (36 documents), as related documents do.
      const branch = Math.floor(rng() * 6) * 36;
      while (grades.size < 20) grades.set(docs[branch + Math.floor(rng() * 36)]!, 1 + Math.floor(rng() * 4));
      const judge = new StretchingJudge(tree, grades);
      for (const method of ['joint', 'offset', 'none'] as const) {
        const result = await search(tree, judge, `query ${q}`, { queryId: `q${q}`, calibration: method, topK: 10, iterations: 12 });
        totals[method] += ndcg10(result.hits.map((h) => h.docId), grades) / queries;
      }
    }
    // Both calibrated models put the graded targets in order (raw scores cannot); the joint model's
    // own advantage over the offset model is asserted on the fit itself (calibrate.test.ts).
    expect(totals.joint).toBeGreaterThan(totals.none + 0.1);
    expect(totals.offset).toBeGreaterThan(totals.none + 0.1);
    expect(totals.joint).toBeGreaterThan(totals.offset - 0.01);
  });

  it('records the model in the trace and still finds a clean target with every model', async () => {
    const tree = fullTree(4, 3);
    for (const method of ['joint', 'offset', 'none'] as const) {
      const result = await search(tree, new ScriptedJudge(targetScore(['d17'])), 'q', { calibration: method, iterations: 10 });
      expect(result.trace.options.calibration).toBe(method);
      expect(result.hits[0]!.docId).toBe('d17');
    }
    const ridged = await search(tree, new ScriptedJudge(targetScore(['d17'])), 'q', { calibrationRidges: { offset: 3, scale: 0.5 }, iterations: 10 });
    expect(ridged.trace.options.calibrationRidges).toEqual({ offset: 3, scale: 0.5 });
  });
});

describe('append fusion', () => {
  it('keeps the tree order, then fills with flat documents the tree lacks, in flat order', () => {
    const fused = fuseAppend(
      [
        { docId: 'a', score: 0.9 },
        { docId: 'b', score: 0.4 },
        { docId: 'c', score: 0.1 },
        { docId: 'u', score: 0.8, scored: false },
      ],
      [
        { docId: 'x', score: 5 },
        { docId: 'b', score: 9 },
        { docId: 'y', score: 7 },
        { docId: 'x', score: 1 },
      ],
    );
    expect(fused.map((f) => f.docId)).toEqual(['a', 'b', 'c', 'y', 'x', 'u']);
    expect(fused.map((f) => f.flatRank)).toEqual([null, 1, null, 2, 3, null]);
    for (let i = 1; i < fused.length; i++) expect(fused[i]!.score).toBeLessThan(fused[i - 1]!.score);
    expect(fused[0]!.score).toBe(0.9);
  });

  it('puts tree documents scored below minScore after the flat ones', () => {
    const fused = fuseAppend(
      [
        { docId: 'a', score: 0.9 },
        { docId: 'b', score: 0.15 },
      ],
      [{ docId: 'x', score: 1 }],
      { minScore: 0.2 },
    );
    expect(fused.map((f) => f.docId)).toEqual(['a', 'x', 'b']);
    expect(fused[1]!.score).toBeLessThan(0);
  });

  it('puts only the first `head` tree documents before the flat ones', () => {
    const tree = [
      { docId: 'a', score: 0.9 },
      { docId: 'b', score: 0.8 },
      { docId: 'c', score: 0.7 },
    ];
    const flat = [
      { docId: 'x', score: 2 },
      { docId: 'c', score: 1.5 },
      { docId: 'y', score: 1 },
    ];
    expect(fuseAppend(tree, flat, { head: 1 }).map((f) => f.docId)).toEqual(['a', 'x', 'c', 'y', 'b']);
    expect(fuseAppend(tree, flat, { head: 0 }).map((f) => f.docId)).toEqual(['x', 'c', 'y', 'a', 'b']);
    expect(fuseAppend(tree, flat, { head: 5 }).map((f) => f.docId)).toEqual(['a', 'b', 'c', 'x', 'y']);
  });

  it('in a search: judged hits first, then the flat list fills topK', async () => {
    const tree = fullTree(3, 2);
    const judge = () => new ScriptedJudge(targetScore(['d4']));
    const plain = await search(tree, judge(), 'q', { topK: 9, iterations: 2 });
    const flat = [
      { docId: 'd8', score: 3 },
      { docId: 'not-in-tree', score: 2.5 },
      { docId: 'd0', score: 2 },
    ];
    const fused = await search(tree, judge(), 'q', { topK: 9, iterations: 2, flat: { results: flat, method: 'append' } });
    const treeDocs = plain.hits.map((h) => h.docId);
    expect(treeDocs[0]).toBe('d4');
    const fill = flat.map((f) => f.docId).filter((d) => d !== 'not-in-tree' && !treeDocs.includes(d));
    expect(fill.length).toBeGreaterThan(0);
    expect(fused.hits.map((h) => h.docId)).toEqual([...treeDocs, ...fill].slice(0, 9));
    expect(fused.trace.options.flat).toMatchObject({ method: 'append', results: 3 });
    const strict = await search(tree, judge(), 'q', { topK: 9, iterations: 2, flat: { results: flat, method: 'append', minScore: 0.5 } });
    expect(strict.hits.map((h) => h.docId).slice(0, 1 + fill.length)).toEqual(['d4', ...fill]);
  });
});
