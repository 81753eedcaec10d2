import { describe, expect, it } from 'vitest';
import { isClusterLeaf, splitTopDown, type ClusterTree } from '../../../indexer/cluster/top-down-split.js';
import { isLatticeError } from '../../../src/core/errors.js';
import { blobs, coversExactlyOnce, groupsArePure, noise } from './synthetic.js';

interface Shape {
  leaves: number[][];
  fanouts: number[];
  depth: number;
}

function shapeOf(tree: ClusterTree): Shape {
  const shape: Shape = { leaves: [], fanouts: [], depth: 0 };
  const walk = (node: ClusterTree, depth: number): number => {
    if (isClusterLeaf(node)) {
      shape.leaves.push(node.members);
      shape.depth = Math.max(shape.depth, depth);
      return node.members.length === 0 ? Number.POSITIVE_INFINITY : node.members[0];
    }
    shape.fanouts.push(node.children.length);
    const firsts = node.children.map((c) => walk(c, depth + 1));
    for (let j = 1; j < firsts.length; j++) expect(firsts[j]).toBeGreaterThan(firsts[j - 1]);
    return firsts[0];
  };
  walk(tree, 0);
  return shape;
}

function depthBound(n: number, m: number): number {
  let d = 1;
  let cap = m;
  while (cap < n) {
    cap *= m;
    d++;
  }
  return d;
}

function expectValid(tree: ClusterTree, n: number, m: number): Shape {
  const shape = shapeOf(tree);
  expect(coversExactlyOnce(shape.leaves, n)).toBe(true);
  for (const leaf of shape.leaves) {
    expect(leaf.length).toBeLessThanOrEqual(m);
    if (n >= Math.ceil(m / 3)) expect(leaf.length).toBeGreaterThanOrEqual(Math.ceil(m / 3));
    for (let i = 1; i < leaf.length; i++) expect(leaf[i]).toBeGreaterThan(leaf[i - 1]);
  }
  for (const f of shape.fanouts) {
    expect(f).toBeGreaterThanOrEqual(2);
    expect(f).toBeLessThanOrEqual(m);
  }
  // Leaves sit one level below the deepest inner node: a tree over n items with M-way
  // nodes and M-item leaves needs ceil(log_M n) levels of nodes above the items.
  if (n > m) expect(shape.depth).toBeLessThanOrEqual(depthBound(n, m) - 1);
  return shape;
}

describe('splitTopDown', () => {
  it('builds valid, shallow trees for many n (M = 10)', () => {
    const all = noise(1500, 12, 1);
    for (const n of [11, 15, 37, 80, 99, 100, 101, 150, 333, 999, 1001, 1500]) {
      expectValid(splitTopDown(all.slice(0, n), { maxChildren: 10, seed: n }), n, 10);
    }
  });

  it('builds valid trees for other branching factors', () => {
    const all = noise(400, 8, 2);
    for (const m of [2, 3, 4, 7, 16]) {
      for (const n of [m + 1, m * m, m * m + 1, 400]) {
        expectValid(splitTopDown(all.slice(0, n), { maxChildren: m, seed: 3 }), n, m);
      }
    }
  });

  it('keeps child sizes balanced above the last level', () => {
    const vectors = noise(2000, 8, 3);
    const tree = splitTopDown(vectors, { maxChildren: 10, seed: 1 });
    if (isClusterLeaf(tree)) throw new Error('expected a branch');
    const sizes = tree.children.map((c) => shapeOf(c).leaves.reduce((s, l) => s + l.length, 0));
    expect(sizes).toHaveLength(10);
    for (const s of sizes) {
      expect(s).toBeGreaterThanOrEqual(120);
      expect(s).toBeLessThanOrEqual(280);
    }
  });

  it('recovers well-separated blobs as leaves', () => {
    const { vectors, labels } = blobs(Array(10).fill(10), 16, 0.1, 4);
    const tree = splitTopDown(vectors, { maxChildren: 10, seed: 2 });
    const shape = expectValid(tree, 100, 10);
    expect(shape.leaves).toHaveLength(10);
    expect(groupsArePure(shape.leaves, labels)).toBe(true);
  });

  it('groups blobs under the same branch across levels', () => {
    // 5 super-blobs of 4 tight sub-blobs each: the root's 5 children should be the super-blobs.
    const { vectors: centres } = blobs(Array(5).fill(1), 24, 0, 5, false);
    const vectors: Float32Array[] = [];
    const superLabel: number[] = [];
    const { vectors: offsets } = blobs(Array(20).fill(1), 24, 0, 6, false);
    const { vectors: jitter } = blobs([400], 24, 1, 7, false);
    for (let i = 0; i < 400; i++) {
      const sb = Math.floor(i / 80);
      const sub = Math.floor(i / 20);
      vectors.push(Float32Array.from(centres[sb], (c, j) => 10 * c + 2 * offsets[sub][j] + 0.1 * jitter[i][j]));
      superLabel.push(sb);
    }
    const tree = splitTopDown(vectors, { maxChildren: 5, seed: 1 });
    if (isClusterLeaf(tree)) throw new Error('expected a branch');
    const childLeaves = tree.children.map((c) => shapeOf(c).leaves.flat());
    expect(groupsArePure(childLeaves, superLabel)).toBe(true);
  });

  it('is deterministic for a seed and depends on it', () => {
    const vectors = noise(300, 8, 8);
    const a = splitTopDown(vectors, { maxChildren: 10, seed: 1 });
    expect(splitTopDown(vectors, { maxChildren: 10, seed: 1 })).toEqual(a);
    const others = [2, 3, 4].map((seed) => JSON.stringify(splitTopDown(vectors, { maxChildren: 10, seed })));
    expect(others.some((o) => o !== JSON.stringify(a))).toBe(true);
  });

  it('handles empty, tiny and degenerate inputs', () => {
    expect(splitTopDown([], { maxChildren: 10, seed: 1 })).toEqual({ members: [] });
    expect(splitTopDown([Float32Array.of(1)], { maxChildren: 10, seed: 1 })).toEqual({ members: [0] });
    expect(splitTopDown(noise(10, 3, 1), { maxChildren: 10, seed: 1 })).toEqual({ members: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
    const same = Array.from({ length: 250 }, () => Float32Array.of(0.1, 0.2, 0.3));
    expectValid(splitTopDown(same, { maxChildren: 10, seed: 1 }), 250, 10);
    const zeros = Array.from({ length: 45 }, () => new Float32Array(4));
    expectValid(splitTopDown(zeros, { maxChildren: 10, seed: 1, metric: 'cosine' }), 45, 10);
    expectValid(splitTopDown(noise(120, 6, 2), { maxChildren: 10, seed: 1, kmeans: 'ml-kmeans' }), 120, 10);
  });

  it('rejects bad options with CONFIG_INVALID', () => {
    const v = noise(20, 3, 1);
    for (const options of [{ maxChildren: 1, seed: 1 }, { maxChildren: 2.5, seed: 1 }, { maxChildren: 10, seed: Number.NaN }]) {
      let caught: unknown;
      try {
        splitTopDown(v, options);
      } catch (error) {
        caught = error;
      }
      expect(isLatticeError(caught, 'CONFIG_INVALID')).toBe(true);
    }
  });
});
