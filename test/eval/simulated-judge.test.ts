import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/math/random.js';
import { MemoryTree } from '../../src/core/tree.js';
import type { JudgeCandidate, TreeNode } from '../../src/core/types.js';
import { isLatticeError } from '../../src/core/errors.js';
import { DEFAULT_SIMULATED_JUDGE_PARAMS, SimulatedJudge, simulateSlate } from '../../src/eval/simulated-judge.js';

function node(id: number, parentId: number | null, kind: TreeNode['kind'], docId: string | null, numChildren: number, depth: number): TreeNode {
  return {
    id,
    parentId,
    depth,
    position: id,
    kind,
    docId,
    chunkIndex: null,
    charStart: null,
    charEnd: null,
    title: docId ?? `cluster ${id}`,
    text: docId ? `text of ${docId}` : `summary ${id}`,
    numDocuments: 0,
    numChildren,
    preorder: id,
    contentHash: String(id),
  };
}

// root(0) -> A(1) -> {d1(3), d2(4)};  root -> B(2) -> {d3(5), d4(6)}
const tree = new MemoryTree([
  node(0, null, 'cluster', null, 2, 0),
  node(1, 0, 'cluster', null, 2, 1),
  node(2, 0, 'cluster', null, 2, 1),
  node(3, 1, 'document', 'd1', 0, 2),
  node(4, 1, 'document', 'd2', 0, 2),
  node(5, 2, 'document', 'd3', 0, 2),
  node(6, 2, 'document', 'd4', 0, 2),
]);

const leaf = (nodeId: number, docId: string): JudgeCandidate => ({ nodeId, kind: 'leaf', title: docId, text: `text of ${docId}`, docId });
const inner = (nodeId: number): JudgeCandidate => ({ nodeId, kind: 'inner', title: `cluster ${nodeId}`, text: `summary ${nodeId}` });

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};

describe('simulateSlate', () => {
  it('draws scale, offset and noise with the default parameters over many slates', () => {
    const rng = createRng('stats');
    const scales: number[] = [];
    const offsets: number[] = [];
    const leafNoise: number[] = [];
    const innerNoise: number[] = [];
    for (let i = 0; i < 6000; i++) {
      const slate = simulateSlate([1, 0, 0.5, 1], ['leaf', 'leaf', 'inner', 'inner'], DEFAULT_SIMULATED_JUDGE_PARAMS, rng);
      scales.push(slate.scale);
      offsets.push(slate.offset);
      leafNoise.push(slate.noise[0]!, slate.noise[1]!);
      innerNoise.push(slate.noise[2]!, slate.noise[3]!);
      // The score formula, clip(100·(s·rel + noise) + o, 0, 100).
      slate.relevance.forEach((rel, j) => {
        const raw = 100 * (slate.scale * rel + slate.noise[j]!) + slate.offset;
        expect(slate.unclipped[j]).toBeCloseTo(raw, 9);
        expect(slate.scores[j]).toBeCloseTo(Math.min(100, Math.max(0, raw)), 9);
      });
    }
    // U(0.6, 1.2): mean 0.9, sd 0.6/sqrt(12) = 0.1732, bounds respected.
    expect(mean(scales)).toBeCloseTo(0.9, 2);
    expect(sd(scales)).toBeCloseTo(0.6 / Math.sqrt(12), 2);
    expect(Math.min(...scales)).toBeGreaterThanOrEqual(0.6);
    expect(Math.max(...scales)).toBeLessThan(1.2);
    // U(-15, 15): mean 0, sd 30/sqrt(12) = 8.66.
    expect(Math.abs(mean(offsets))).toBeLessThan(0.4);
    expect(sd(offsets)).toBeGreaterThan(8.4);
    expect(sd(offsets)).toBeLessThan(8.9);
    expect(Math.min(...offsets)).toBeGreaterThanOrEqual(-15);
    expect(Math.max(...offsets)).toBeLessThan(15);
    // N(0, 0.15) on leaves, N(0, 0.25) on inner nodes.
    expect(Math.abs(mean(leafNoise))).toBeLessThan(0.006);
    expect(sd(leafNoise)).toBeGreaterThan(0.145);
    expect(sd(leafNoise)).toBeLessThan(0.155);
    expect(Math.abs(mean(innerNoise))).toBeLessThan(0.01);
    expect(sd(innerNoise)).toBeGreaterThan(0.242);
    expect(sd(innerNoise)).toBeLessThan(0.258);
  });

  it('follows non-default parameters', () => {
    const rng = createRng(3);
    const params = { scaleMin: 1, scaleMax: 1, offsetSpread: 0, leafNoise: 0, innerNoise: 0.5 };
    const noise: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const slate = simulateSlate([0.4, 0.5], ['leaf', 'inner'], params, rng);
      expect(slate.scale).toBe(1);
      expect(slate.offset).toBe(0);
      expect(slate.scores[0]).toBeCloseTo(40, 9);
      noise.push(slate.noise[1]!);
    }
    expect(sd(noise)).toBeGreaterThan(0.48);
    expect(sd(noise)).toBeLessThan(0.52);
  });
});

describe('SimulatedJudge', () => {
  const qrels = new Map([
    ['q1', new Map([['d1', 2], ['d2', 0], ['d3', 1]])],
    ['q2', new Map([['d4', 1]])],
  ]);

  it('observed scores match the noise model (black box, many slates)', async () => {
    // Relevance 0.5 (grade 1 of top grade 2) keeps scores away from the clipping bounds.
    const judge = new SimulatedJudge({ qrels, tree });
    const withinSlate: number[] = [];
    const scores: number[] = [];
    for (let i = 0; i < 3000; i++) {
      // Distinct slates: the calibration partner differs by position in a long dummy list.
      const candidates = [leaf(5, 'd3'), leaf(5, 'd3'), { ...leaf(1000 + i, 'none') }];
      const { scores: s } = await judge.doJudge({ query: 'q', queryId: 'q1', candidates });
      scores.push(s[0]!);
      withinSlate.push(s[0]! - s[1]!);
    }
    // Mean 100·0.9·0.5 = 45; variance 50²·var(s) + 15² + 8.66² (scale, noise, offset).
    expect(mean(scores)).toBeGreaterThan(43.5);
    expect(mean(scores)).toBeLessThan(46.5);
    const expectedSd = Math.sqrt(50 ** 2 * 0.03 + 15 ** 2 + 75);
    expect(sd(scores)).toBeGreaterThan(expectedSd * 0.95);
    expect(sd(scores)).toBeLessThan(expectedSd * 1.05);
    // Two copies in one slate share s and o: their difference is pure noise, sd 15·sqrt(2).
    expect(sd(withinSlate)).toBeGreaterThan(15 * Math.SQRT2 * 0.95);
    expect(sd(withinSlate)).toBeLessThan(15 * Math.SQRT2 * 1.05);
  });

  it('uses grade / top grade for leaves and the maximum below for inner nodes', async () => {
    const judge = new SimulatedJudge({ qrels, tree, scaleMin: 1, scaleMax: 1, offsetSpread: 0, leafNoise: 0, innerNoise: 0, missProbability: 0 });
    const { scores } = await judge.doJudge({
      query: 'q',
      queryId: 'q1',
      candidates: [leaf(3, 'd1'), leaf(4, 'd2'), leaf(5, 'd3'), leaf(6, 'd4'), inner(1), inner(2), inner(0)],
    });
    expect(scores).toEqual([100, 0, 50, 0, 100, 50, 100]);
    expect(judge.params.topGrade).toBe(2);
  });

  it('misses relevant inner nodes with the given probability, once per query and node', async () => {
    const params = { scaleMin: 1, scaleMax: 1, offsetSpread: 0, leafNoise: 0, innerNoise: 0 };
    let missed = 0;
    const trials = 4000;
    const many = new Map<string, Map<string, number>>();
    for (let q = 0; q < trials; q++) many.set(`q${q}`, new Map([['d1', 1]]));
    const judge = new SimulatedJudge({ qrels: many, tree, ...params });
    for (let q = 0; q < trials; q++) {
      const first = await judge.doJudge({ query: 'x', queryId: `q${q}`, candidates: [inner(1), inner(2)] });
      const again = await judge.doJudge({ query: 'x', queryId: `q${q}`, candidates: [inner(2), inner(1), leaf(3, 'd1')] });
      // Same node, same query: the same miss decision in every slate; leaves are never missed.
      expect(again.scores[1]).toBe(first.scores[0]);
      expect(again.scores[2]).toBe(100);
      if (first.scores[0] === 0) missed++;
      else expect(first.scores[0]).toBe(100);
    }
    expect(missed / trials).toBeGreaterThan(0.18);
    expect(missed / trials).toBeLessThan(0.22);
    const never = new SimulatedJudge({ qrels: many, tree, ...params, missProbability: 0 });
    expect((await never.doJudge({ query: 'x', queryId: 'q1', candidates: [inner(1)] })).scores).toEqual([100]);
  });

  it('depends only on seed, query and slate, never on what was judged before', async () => {
    const slate = { query: 'q', queryId: 'q1', candidates: [leaf(3, 'd1'), leaf(5, 'd3'), inner(2)] };
    const a = new SimulatedJudge({ qrels, tree });
    const first = (await a.doJudge(slate)).scores;
    const b = new SimulatedJudge({ qrels, tree });
    await b.doJudge({ query: 'other', queryId: 'q2', candidates: [leaf(6, 'd4')] });
    await b.doJudge({ ...slate, candidates: [leaf(5, 'd3')] });
    expect((await b.doJudge(slate)).scores).toEqual(first);
    const reseeded = new SimulatedJudge({ qrels, tree, seed: 7 });
    expect((await reseeded.doJudge(slate)).scores).not.toEqual(first);
  });

  it('reports an estimate of the tokens an LLM judge would spend', async () => {
    const judge = new SimulatedJudge({ qrels, tree });
    const small = await judge.doJudge({ query: 'q', queryId: 'q1', candidates: [leaf(3, 'd1')] });
    const large = await judge.doJudge({ query: 'q', queryId: 'q1', candidates: [leaf(3, 'd1'), leaf(4, 'd2'), leaf(5, 'd3')] });
    expect(small.usage?.inputTokens).toBeGreaterThan(0);
    expect(large.usage!.inputTokens!).toBeGreaterThan(small.usage!.inputTokens!);
    expect(large.usage!.outputTokens).toBe(3 * small.usage!.outputTokens!);
  });

  it('rejects a missing query id, an unjudged query and bad parameters with codes', async () => {
    const judge = new SimulatedJudge({ qrels, tree });
    await expect(judge.doJudge({ query: 'q', candidates: [leaf(3, 'd1')] })).rejects.toSatisfy((e) => isLatticeError(e, 'CONFIG_MISSING'));
    await expect(judge.doJudge({ query: 'q', queryId: 'nope', candidates: [leaf(3, 'd1')] })).rejects.toSatisfy((e) =>
      isLatticeError(e, 'EVAL_DATASET'),
    );
    expect(() => new SimulatedJudge({ qrels, tree, missProbability: 1.5 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => new SimulatedJudge({ qrels, tree, scaleMin: 2, scaleMax: 1 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => new SimulatedJudge({ qrels, tree, leafNoise: -1 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
