import { describe, expect, it } from 'vitest';
import { balancedKMeans, constrainedAssign } from '../../../indexer/cluster/balanced-kmeans.js';
import { kmeans } from '../../../indexer/cluster/kmeans.js';
import { createRng } from '../../../src/core/math/random.js';
import { blobs, noise } from './synthetic.js';

function sizesOf(assign: Int32Array, k: number): number[] {
  const sizes = new Array<number>(k).fill(0);
  for (const c of assign) sizes[c]++;
  return sizes;
}

describe('constrainedAssign', () => {
  it('respects lower and upper bounds on random cost tables', () => {
    const rng = createRng('tables');
    for (let trial = 0; trial < 40; trial++) {
      const k = 2 + Math.floor(rng() * 9);
      const n = k + Math.floor(rng() * 120);
      const lo = Math.floor((n / k) * rng());
      const hi = Math.ceil(n / k) + Math.floor(rng() * 5);
      // Skewed costs: most points prefer cluster 0, which forces both repairs.
      const table = Float64Array.from({ length: n * k }, (_, idx) => rng() + (idx % k === 0 ? -1 : 0));
      const assign = constrainedAssign(table, n, k, lo, hi);
      const sizes = sizesOf(assign, k);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(n);
      for (const s of sizes) {
        expect(s).toBeGreaterThanOrEqual(lo);
        expect(s).toBeLessThanOrEqual(hi);
      }
    }
  });

  it('gives every point its nearest cluster when the bounds do not bind', () => {
    const rng = createRng('free');
    const n = 50;
    const k = 4;
    const table = Float64Array.from({ length: n * k }, () => rng());
    const assign = constrainedAssign(table, n, k, 0, n);
    for (let i = 0; i < n; i++) {
      const row = Array.from(table.subarray(i * k, i * k + k));
      expect(assign[i]).toBe(row.indexOf(Math.min(...row)));
    }
  });
});

describe('balancedKMeans', () => {
  it('keeps exact capacities (n = k·maxSize) and still separates clean blobs', () => {
    const { vectors, labels } = blobs(Array(10).fill(10), 16, 0.1, 3);
    const result = balancedKMeans(vectors, { k: 10, minSize: 10, maxSize: 10, seed: 1 });
    expect(Array.from(result.sizes)).toEqual(Array(10).fill(10));
    const byCluster = new Map<number, Set<number>>();
    result.assignments.forEach((c, i) => byCluster.set(c, (byCluster.get(c) ?? new Set()).add(labels[i])));
    for (const set of byCluster.values()) expect(set.size).toBe(1);
  });

  it('costs little more than unconstrained k-means when the bounds are loose', () => {
    const { vectors } = blobs([120, 80, 100, 100], 16, 0.7, 8);
    const free = kmeans(vectors, { k: 4, seed: 2 });
    const bounded = balancedKMeans(vectors, { k: 4, minSize: 60, maxSize: 140, seed: 2 });
    expect(bounded.cost).toBeLessThan(free.inertia * 1.05);
    for (const s of bounded.sizes) {
      expect(s).toBeGreaterThanOrEqual(60);
      expect(s).toBeLessThanOrEqual(140);
    }
  });

  it('forces balance onto one dominant blob', () => {
    const { vectors } = blobs([300, 10, 10], 8, 0.2, 5);
    const result = balancedKMeans(vectors, { k: 4, minSize: 60, maxSize: 100, seed: 3 });
    for (const s of result.sizes) {
      expect(s).toBeGreaterThanOrEqual(60);
      expect(s).toBeLessThanOrEqual(100);
    }
  });

  it('relaxes infeasible bounds to the nearest feasible pair', () => {
    const vectors = noise(25, 4, 6);
    const result = balancedKMeans(vectors, { k: 3, minSize: 10, maxSize: 5, seed: 1 });
    expect(result.sizes.reduce((a, b) => a + b, 0)).toBe(25);
    for (const s of result.sizes) {
      expect(s).toBeGreaterThanOrEqual(8);
      expect(s).toBeLessThanOrEqual(10);
    }
  });

  it('splits all-identical points into bounded clusters', () => {
    const same = Array.from({ length: 37 }, () => Float32Array.of(1, 1, 1, 1));
    const result = balancedKMeans(same, { k: 4, minSize: 8, maxSize: 10, seed: 1 });
    for (const s of result.sizes) {
      expect(s).toBeGreaterThanOrEqual(8);
      expect(s).toBeLessThanOrEqual(10);
    }
    expect(result.cost).toBe(0);
  });
});
