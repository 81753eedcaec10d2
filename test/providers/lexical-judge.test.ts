import { describe, expect, it } from 'vitest';
import { LexicalJudge } from '../../src/core/providers/lexical-judge.js';
import { Bm25Index } from '../../src/core/lexical/bm25.js';
import { isLatticeError } from '../../src/core/errors.js';
import type { JudgeCandidate } from '../../src/core/types.js';

const corpus = [
  { id: '1', text: 'Vitamin D supplementation reduces fracture risk in elderly women' },
  { id: '2', text: 'Deep learning models for protein structure prediction' },
  { id: '3', text: 'Statin therapy lowers cholesterol and cardiovascular events' },
  { id: '4', text: 'Vitamin C and the common cold: a randomized trial' },
  { id: '5', text: 'Ocean acidification effects on coral reefs' },
];
const stats = Bm25Index.build(corpus).stats();

function leaf(nodeId: number, title: string, text: string): JudgeCandidate {
  return { nodeId, kind: 'leaf', title, text };
}

describe('LexicalJudge', () => {
  const judge = new LexicalJudge(stats);

  it('ranks the relevant candidate first, with scores in [0, 100] and no usage', async () => {
    const result = await judge.doJudge({
      query: 'does vitamin D reduce fractures?',
      candidates: [
        leaf(1, 'Coral reefs', 'Ocean acidification effects on coral reefs'),
        leaf(2, 'Vitamin D trial', 'Vitamin D supplementation reduces fracture risk in elderly women'),
        leaf(3, 'Vitamin C', 'Vitamin C and the common cold'),
      ],
    });
    expect(result.scores).toHaveLength(3);
    for (const s of result.scores) expect(s >= 0 && s <= 100).toBe(true);
    expect(result.scores[1]!).toBeGreaterThan(result.scores[2]!);
    expect(result.scores[2]!).toBeGreaterThan(result.scores[0]!);
    expect(result.scores[0]).toBe(0);
    expect(result.usage?.calls).toBe(0);
    expect(judge.provider).toBe('lexical');
    expect(judge.modelId).toBe('bm25');
  });

  it('scores a candidate the same in every slate', async () => {
    const target = leaf(7, '', 'statin therapy and cholesterol');
    const a = await judge.doJudge({ query: 'statin cholesterol', candidates: [target, leaf(8, '', 'statin')] });
    const b = await judge.doJudge({ query: 'statin cholesterol', candidates: [leaf(9, '', 'coral'), target] });
    expect(a.scores[0]).toBe(b.scores[1]);
  });

  it('gives 0 to empty candidates and to queries without indexable words', async () => {
    const r = await judge.doJudge({ query: 'vitamin', candidates: [leaf(1, '', ''), leaf(2, 'Vitamin', '')] });
    expect(r.scores[0]).toBe(0);
    expect(r.scores[1]!).toBeGreaterThan(0);
    const s = await judge.doJudge({ query: 'the of and', candidates: [leaf(1, '', 'vitamin')] });
    expect(s.scores).toEqual([0]);
    expect((await judge.doJudge({ query: 'x', candidates: [] })).scores).toEqual([]);
  });

  it('scores inner nodes by the query terms their profile holds, whatever its length', async () => {
    const inner = (nodeId: number, text: string): JudgeCandidate => ({ nodeId, kind: 'inner', title: '', text });
    const filler = Array.from({ length: 300 }, (_, i) => `term${i}`).join(', ');
    const short = 'Keywords: statin, cholesterol.';
    const long = `Keywords: statin, cholesterol, ${filler}.`;
    const r = await judge.doJudge({
      query: 'statin cholesterol',
      candidates: [inner(1, short), inner(2, long), leaf(3, '', short), leaf(4, '', long), inner(5, 'Keywords: statin.')],
    });
    // BM25's length normalisation would make the larger subtree lose; inner nodes have none.
    expect(r.scores[1]).toBeCloseTo(r.scores[0]!, 10);
    expect(r.scores[3]!).toBeLessThan(r.scores[2]! - 10);
    // Covering more of the query's idf mass still scores higher.
    expect(r.scores[0]!).toBeGreaterThan(r.scores[4]! + 10);
    // Repetition counts little: a term is in the subtree or not.
    const rep = await judge.doJudge({ query: 'statin', candidates: [inner(1, 'statin'), inner(2, 'statin statin statin statin')] });
    expect(rep.scores[1]! / rep.scores[0]!).toBeLessThan(1.2);
    // With BM25's own parameters for inner nodes, the long profile loses again.
    const plain = new LexicalJudge(stats, { inner: { k1: 0.9, b: 0.4 } });
    const p = await plain.doJudge({ query: 'statin cholesterol', candidates: [inner(1, short), inner(2, long)] });
    expect(p.scores[1]!).toBeLessThan(p.scores[0]! - 10);
    expect(() => new LexicalJudge(stats, { inner: { b: 2 } })).toThrow();
    expect(() => new LexicalJudge(stats, { inner: { k1: -1 } })).toThrow();
  });

  it('scores inner nodes the same from its cache of analysed texts, past its size too', async () => {
    const fresh = new LexicalJudge(stats);
    const inner = (i: number): JudgeCandidate => ({
      nodeId: i,
      kind: 'inner',
      title: `cluster ${i}`,
      text: `Vitamin trials ${i}.\n\nKeywords: vitamin, fracture, ${'cold, '.repeat(i % 7)}coral${i}.`,
    });
    const slate = { query: 'vitamin D fractures and the cold', candidates: Array.from({ length: 1100 }, (_, i) => inner(i)) };
    const first = (await fresh.doJudge(slate)).scores;
    const again = (await fresh.doJudge(slate)).scores;
    const other = (await new LexicalJudge(stats).doJudge({ ...slate, candidates: slate.candidates.slice().reverse() })).scores.reverse();
    expect(again).toEqual(first);
    expect(other).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
  });

  it('adds term density to inner nodes when profiles are known, which separates clusters that all hold the query terms', async () => {
    const text = 'Covers: vitamins.\n\nKeywords: vitamin, fracture, cold.';
    const inner = (nodeId: number): JudgeCandidate => ({ nodeId, kind: 'inner', title: '', text });
    const density: Record<number, number[]> = { 1: [0.9, 0.6, 0.1], 2: [0.05, 0.02, 0.9] };
    const profiles = (id: number) => (density[id] ? { terms: ['vitamin', 'fracture', 'cold'], density: density[id]! } : undefined);
    const request = { query: 'vitamin D fracture', candidates: [inner(1), inner(2), inner(3)] };
    const presenceOnly = (await new LexicalJudge(stats).doJudge(request)).scores;
    expect(presenceOnly[0]).toBe(presenceOnly[1]);
    const mixed = (await new LexicalJudge(stats, { profiles }).doJudge(request)).scores;
    expect(mixed[0]!).toBeGreaterThan(mixed[1]!);
    // A node without a profile scores by presence alone.
    expect(mixed[2]).toBe(presenceOnly[2]);
    // Leaves are never affected.
    const leaves = { query: request.query, candidates: [leaf(1, 'Vitamin D', 'Vitamin D supplementation reduces fracture risk')] };
    expect((await new LexicalJudge(stats, { profiles }).doJudge(leaves)).scores).toEqual((await new LexicalJudge(stats).doJudge(leaves)).scores);
  });

  it('squashes monotonically: 0 -> 0, pivot -> 100 (1 + c) / 2, full match -> 100', () => {
    const mass = 10;
    expect(judge.squash(0, mass)).toBe(0);
    expect(judge.squash(4, mass)).toBeCloseTo(70, 10);
    expect(judge.squash(10, mass)).toBeCloseTo(100, 10);
    expect(judge.squash(50, mass)).toBe(100);
    let prev = -1;
    for (let s = 0; s <= 10; s += 0.5) {
      const v = judge.squash(s, mass);
      expect(v).toBeGreaterThan(prev);
      prev = v;
    }
  });

  it('rejects a bad pivot, missing statistics and malformed requests', async () => {
    expect(() => new LexicalJudge(stats, { pivot: 0 })).toThrow();
    expect(() => new LexicalJudge(undefined as never)).toThrow();
    let caught: unknown;
    try {
      new LexicalJudge(stats, { pivot: -1 });
    } catch (error) {
      caught = error;
    }
    expect(isLatticeError(caught, 'CONFIG_INVALID')).toBe(true);
    await expect(judge.doJudge({ query: 'x', candidates: null as never })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
