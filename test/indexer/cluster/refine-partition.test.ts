import { describe, expect, it } from 'vitest';
import { refinePartition, treeCandidates, type PartTree } from '../../../indexer/cluster/refine-partition.js';
import { partitionBalanced } from '../../../indexer/cluster/balanced-partition.js';
import { inertiaOf } from '../../../indexer/cluster/geometry.js';
import { createRng } from '../../../src/core/math/random.js';
import { blobs, noise } from './synthetic.js';

function assignmentsOf(groups: number[][], n: number): Int32Array {
  const a = new Int32Array(n);
  groups.forEach((g, gi) => g.forEach((i) => (a[i] = gi)));
  return a;
}

/** A two-level tree over consecutive groups of `size` points, `perPart` groups per part. */
function chunkTree(n: number, size: number, perPart: number): { tree: PartTree; groups: number[][] } {
  const groups: number[][] = [];
  for (let s = 0; s < n; s += size) groups.push(Array.from({ length: Math.min(size, n - s) }, (_, j) => s + j));
  const parts: PartTree[] = [];
  for (let p = 0; p < groups.length; p += perPart) {
    const kids = groups.slice(p, p + perPart).map((members, j) => ({ members, children: [], group: p + j }));
    parts.push({ members: kids.flatMap((c) => c.members), children: kids, group: -1 });
  }
  return { tree: { members: Array.from({ length: n }, (_, i) => i), children: parts, group: -1 }, groups };
}

describe('treeCandidates', () => {
  it('finds the exact nearest groups when the beam covers every part', () => {
    const points = noise(120, 6, 1, false);
    const { tree, groups } = chunkTree(120, 10, 4);
    const cand = treeCandidates(points, tree, 5, 100);
    const means = groups.map((g) => {
      const m = new Float64Array(6);
      for (const i of g) for (let j = 0; j < 6; j++) m[j] += points[i][j] / g.length;
      return m;
    });
    for (let i = 0; i < 120; i++) {
      const dist = means.map((m) => m.reduce((s, v, j) => s + (points[i][j] - v) ** 2, 0));
      const order = dist.map((_, g) => g).sort((a, b) => dist[a] - dist[b] || a - b);
      expect(Array.from(cand.subarray(i * 5, i * 5 + 5))).toEqual(order.slice(0, 5));
    }
  });

  it('searches only the nearest parts with a narrow beam', () => {
    const points = noise(120, 6, 2, false);
    const { tree } = chunkTree(120, 10, 4);
    const cand = treeCandidates(points, tree, 4, 1);
    for (let i = 0; i < 120; i++) {
      const row = Array.from(cand.subarray(i * 4, i * 4 + 4));
      // One part holds groups 4p..4p+3: all candidates come from the same part.
      expect(new Set(row.map((g) => Math.floor(g / 4))).size).toBe(1);
    }
  });
});

describe('refinePartition', () => {
  it('moves points across part boundaries and lowers the cost', () => {
    // Blobs cut in half by a bad initial partition (consecutive indices after shuffling).
    const { vectors } = blobs(Array(12).fill(8), 16, 0.2, 3);
    const n = vectors.length;
    const { tree, groups } = chunkTree(n, 8, 4);
    const assignments = assignmentsOf(groups, n);
    const before = inertiaOf(vectors, assignments, groups.length);
    const cand = treeCandidates(vectors, tree, 12, 3);
    refinePartition(vectors, assignments, groups.length, { minSize: 4, maxSize: 10, candidates: cand, width: 12 });
    const after = inertiaOf(vectors, assignments, groups.length);
    expect(after).toBeLessThan(before * 0.8);
    const sizes = new Array<number>(groups.length).fill(0);
    for (const a of assignments) sizes[a]++;
    for (const s of sizes) {
      expect(s).toBeGreaterThanOrEqual(4);
      expect(s).toBeLessThanOrEqual(10);
    }
  });

  it('keeps the bounds and never raises the cost with poor random candidates', () => {
    const rng = createRng('refine');
    for (let trial = 0; trial < 8; trial++) {
      const n = 150 + Math.floor(rng() * 100);
      const vectors = noise(n, 8, trial + 10, false);
      const k = Math.ceil(n / 8);
      const groups: number[][] = Array.from({ length: k }, () => []);
      for (let i = 0; i < n; i++) groups[i % k].push(i);
      const assignments = assignmentsOf(groups, n);
      const before = inertiaOf(vectors, assignments, k);
      const width = 3;
      const cand = Int32Array.from({ length: n * width }, () => Math.floor(rng() * k));
      refinePartition(vectors, assignments, k, { minSize: 4, maxSize: 10, candidates: cand, width });
      const sizes = new Array<number>(k).fill(0);
      for (const a of assignments) sizes[a]++;
      for (const s of sizes) {
        expect(s).toBeGreaterThanOrEqual(4);
        expect(s).toBeLessThanOrEqual(10);
      }
      expect(inertiaOf(vectors, assignments, k)).toBeLessThanOrEqual(before + 1e-9);
    }
  });

  it('makes the hierarchical partition cheaper than without it', () => {
    const { vectors } = blobs(Array(120).fill(9), 24, 0.5, 21);
    const n = vectors.length;
    const plain = partitionBalanced(vectors, { maxSize: 10, seed: 4, refine: false });
    const refined = partitionBalanced(vectors, { maxSize: 10, seed: 4 });
    const cost = (groups: number[][]): number => inertiaOf(vectors, assignmentsOf(groups, n), groups.length);
    expect(cost(refined)).toBeLessThan(cost(plain));
    for (const g of refined) {
      expect(g.length).toBeGreaterThanOrEqual(4);
      expect(g.length).toBeLessThanOrEqual(10);
    }
  });
});
