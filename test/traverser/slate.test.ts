import { describe, expect, it } from 'vitest';
import {
  buildSlates,
  calibrationThreshold,
  drawCalibrationLeaves,
  splitChildren,
} from '../../traverser/slate.js';
import type { PoolLeaf } from '../../traverser/slate.js';
import { createRng } from '../../src/core/math/random.js';
import { buildTree } from './helpers.js';

const tree = buildTree({
  children: [
    { children: ['a', 'b', 'c'] },
    { children: ['d', 'e', { children: ['f'] }] },
    { children: Array.from({ length: 7 }, (_, i) => `x${i}`) },
  ],
});
const root = tree.root();
const [leafCluster, mixedCluster, bigCluster] = tree.children(root.id);
const leaf = (docId: string) => tree.documentNode(docId)!;

describe('splitChildren', () => {
  it('splits into near-equal contiguous parts', () => {
    const kids = tree.children(bigCluster!.id);
    const parts = splitChildren(kids, 3);
    expect(parts.map((p) => p.nodes.length)).toEqual([3, 2, 2]);
    expect(parts.flatMap((p) => p.nodes.map((n) => n.id))).toEqual(kids.map((n) => n.id));
    expect(parts.every((p) => p.of === 3)).toBe(true);
    expect(splitChildren(kids, 40)).toHaveLength(1);
    expect(splitChildren([], 5)).toEqual([]);
  });
});

describe('buildSlates', () => {
  const pool = { anchor: leaf('x0'), drawn: [leaf('x3'), leaf('x1')] };
  it('appends calibration leaves (anchor first, then by preorder) to leaf slates', () => {
    const [slate] = buildSlates({
      iteration: 3,
      parent: leafCluster!,
      parts: splitChildren(tree.children(leafCluster!.id), 40),
      calibration: pool,
      reference: mixedCluster!,
    });
    expect(slate!.candidates.map((c) => [c.node.docId, c.role])).toEqual([
      ['a', 'child'],
      ['b', 'child'],
      ['c', 'child'],
      ['x0', 'anchor'],
      ['x1', 'calibration'],
      ['x3', 'calibration'],
    ]);
    expect(slate!.part).toBeUndefined();
  });

  it('appends the reference node to inner or mixed slates', () => {
    const [slate] = buildSlates({
      iteration: 1,
      parent: mixedCluster!,
      parts: splitChildren(tree.children(mixedCluster!.id), 40),
      calibration: pool,
      reference: leafCluster!,
    });
    expect(slate!.candidates.map((c) => c.role)).toEqual(['child', 'child', 'child', 'anchor']);
    expect(slate!.candidates[3]!.node.id).toBe(leafCluster!.id);
  });

  it('anchors a leaf slate with the reference node while no leaf is known', () => {
    const [slate] = buildSlates({
      iteration: 1,
      parent: leafCluster!,
      parts: splitChildren(tree.children(leafCluster!.id), 40),
      calibration: { anchor: null, drawn: [] },
      reference: mixedCluster!,
    });
    expect(slate!.candidates.at(-1)).toMatchObject({ role: 'anchor', node: { id: mixedCluster!.id } });
  });

  it('gives every part of a split node the same anchors and skips duplicates', () => {
    const slates = buildSlates({
      iteration: 2,
      parent: bigCluster!,
      parts: splitChildren(tree.children(bigCluster!.id), 4),
      calibration: pool,
      reference: null,
    });
    expect(slates.map((s) => s.part)).toEqual([
      { index: 0, of: 2 },
      { index: 1, of: 2 },
    ]);
    // x0, x1 and x3 are children of the first part, so they are not repeated as calibration nodes.
    expect(slates[0]!.candidates.map((c) => c.role)).toEqual(['child', 'child', 'child', 'child']);
    expect(slates[1]!.candidates.map((c) => c.node.docId)).toEqual(['x4', 'x5', 'x6', 'x0', 'x1', 'x3']);
  });
});

describe('calibration leaves', () => {
  const pool: PoolLeaf[] = ['a', 'b', 'c', 'd', 'e', 'x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6'].map((docId, i) => ({
    node: leaf(docId),
    latent: i < 4 ? 0.8 + i * 0.03 : 0.05 + i * 0.01,
  }));

  it('always keeps the best leaf as anchor and draws K - 1 more, deterministically', () => {
    const first = drawCalibrationLeaves(pool, 5, createRng('q:1'));
    const again = drawCalibrationLeaves(pool, 5, createRng('q:1'));
    expect(first.anchor?.docId).toBe('d');
    expect(first.drawn).toHaveLength(4);
    expect(again.drawn.map((n) => n.id)).toEqual(first.drawn.map((n) => n.id));
    expect(new Set(first.drawn.map((n) => n.id)).size).toBe(4);
    expect(first.drawn.some((n) => n.id === first.anchor!.id)).toBe(false);
  });

  it('favours leaves above the mixture threshold', () => {
    let high = 0;
    for (let s = 0; s < 50; s++) {
      const { drawn } = drawCalibrationLeaves(pool, 4, createRng(`s${s}`));
      high += drawn.filter((n) => ['a', 'b', 'c'].includes(n.docId!)).length;
    }
    // 3 draws per run out of 3 high and 8 low leaves: uniform sampling would give about 3·3/11 per run.
    expect(high / 50).toBeGreaterThan(2.5);
  });

  it('takes the whole pool when it is small, and nothing for K = 0', () => {
    expect(drawCalibrationLeaves(pool.slice(0, 3), 10, createRng(1)).drawn).toHaveLength(2);
    expect(drawCalibrationLeaves(pool, 0, createRng(1))).toEqual({ anchor: null, drawn: [] });
    expect(drawCalibrationLeaves([], 10, createRng(1))).toEqual({ anchor: null, drawn: [] });
  });

  it('places the threshold between two clusters and falls back to the median', () => {
    const t = calibrationThreshold([0.05, 0.1, 0.08, 0.12, 0.07, 0.8, 0.85, 0.9]);
    expect(t).toBeGreaterThan(0.15);
    expect(t).toBeLessThan(0.75);
    expect(calibrationThreshold([0.2, 0.2, 0.6])).toBe(0.2);
    expect(calibrationThreshold([])).toBe(0);
  });
});
