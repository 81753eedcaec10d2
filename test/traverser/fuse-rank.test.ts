import { describe, expect, it } from 'vitest';
import { fuseRrf } from '../../traverser/fuse.js';
import { rankDocuments } from '../../traverser/rank.js';

describe('fuseRrf', () => {
  it('adds 1/(k + rank) from each list', () => {
    const fused = fuseRrf(['a', 'b', 'c'], [
      { docId: 'c', score: 9 },
      { docId: 'd', score: 5 },
      { docId: 'a', score: 1 },
    ], { k: 60 });
    const score = Object.fromEntries(fused.map((f) => [f.docId, f.score]));
    expect(score.a).toBeCloseTo(1 / 61 + 1 / 63, 12);
    expect(score.b).toBeCloseTo(1 / 62, 12);
    expect(score.c).toBeCloseTo(1 / 63 + 1 / 61, 12);
    expect(score.d).toBeCloseTo(1 / 62, 12);
    // a and c tie on score: the better tree rank wins; b and d tie: b has a tree rank.
    expect(fused.map((f) => f.docId)).toEqual(['a', 'c', 'b', 'd']);
  });

  it('weights the flat list and ranks by score, keeping the first of duplicates', () => {
    const fused = fuseRrf(['a'], [
      { docId: 'b', score: 0.1 },
      { docId: 'b', score: 0.9 },
      { docId: 'c', score: 0.5 },
    ], { weight: 2, k: 1 });
    const byId = Object.fromEntries(fused.map((f) => [f.docId, f]));
    expect(byId.b!.flatRank).toBe(1);
    expect(byId.b!.score).toBeCloseTo(2 / 2, 12);
    expect(byId.c!.score).toBeCloseTo(2 / 3, 12);
    expect(byId.a!.score).toBeCloseTo(1 / 2, 12);
    expect(fused.map((f) => f.docId)).toEqual(['b', 'c', 'a']);
  });
});

describe('rankDocuments', () => {
  it('orders scored before unscored, score desc, preorder asc, one entry per document', () => {
    const ranked = rankDocuments([
      { docId: 'x', nodeId: 1, preorder: 9, score: 0.5, scored: true },
      { docId: 'y', nodeId: 2, preorder: 3, score: 0.5, scored: true },
      { docId: 'z', nodeId: 3, preorder: 1, score: 0.9, scored: false },
      { docId: 'x', nodeId: 4, preorder: 10, score: 0.7, scored: true },
      { docId: 'w', nodeId: 5, preorder: 0, score: 0.2, scored: true },
    ]);
    expect(ranked.map((r) => [r.docId, r.nodeId])).toEqual([
      ['x', 4],
      ['y', 2],
      ['w', 5],
      ['z', 3],
    ]);
  });
});
