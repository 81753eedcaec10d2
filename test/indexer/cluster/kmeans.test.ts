import { describe, expect, it } from 'vitest';
import { kmeans, repairEmpty } from '../../../indexer/cluster/kmeans.js';
import { inertiaOf } from '../../../indexer/cluster/geometry.js';
import { blobs, expectCode, groupsArePure, noise } from './synthetic.js';

function groupsOf(assignments: Int32Array, k: number): number[][] {
  const out: number[][] = Array.from({ length: k }, () => []);
  assignments.forEach((c, i) => out[c].push(i));
  return out;
}

describe('kmeans', () => {
  it('recovers well-separated blobs exactly', () => {
    const { vectors, labels } = blobs([30, 25, 40, 20, 35], 16, 0.1, 11);
    const result = kmeans(vectors, { k: 5, seed: 1 });
    const groups = groupsOf(result.assignments, 5);
    expect(groups.every((g) => g.length > 0)).toBe(true);
    expect(groupsArePure(groups, labels)).toBe(true);
    expect(result.iterations).toBeGreaterThan(0);
  });

  it('returns centroids that are the means of their members and the matching inertia', () => {
    const vectors = noise(200, 8, 5, false);
    const result = kmeans(vectors, { k: 4, seed: 3 });
    expect(result.centroids).toHaveLength(4);
    for (let c = 0; c < 4; c++) {
      const members = vectors.filter((_, i) => result.assignments[i] === c);
      const mean = new Float64Array(8);
      for (const v of members) for (let j = 0; j < 8; j++) mean[j] += v[j] / members.length;
      for (let j = 0; j < 8; j++) expect(result.centroids[c][j]).toBeCloseTo(mean[j], 5);
    }
    expect(result.inertia).toBeCloseTo(inertiaOf(vectors, result.assignments, 4), 3);
  });

  it('is deterministic for a seed and depends on it', () => {
    const vectors = noise(300, 12, 9);
    const a = kmeans(vectors, { k: 6, seed: 42 });
    const b = kmeans(vectors, { k: 6, seed: 42 });
    expect(Array.from(a.assignments)).toEqual(Array.from(b.assignments));
    expect(a.inertia).toBe(b.inertia);
    const others = [1, 2, 3, 4].map((seed) => Array.from(kmeans(vectors, { k: 6, seed }).assignments));
    expect(others.some((o) => o.join() !== Array.from(a.assignments).join())).toBe(true);
  });

  it('lowers the objective compared with a single iteration', () => {
    const vectors = noise(400, 16, 21);
    const one = kmeans(vectors, { k: 8, seed: 5, maxIterations: 1 });
    const many = kmeans(vectors, { k: 8, seed: 5 });
    expect(many.inertia).toBeLessThan(one.inertia);
    expect(one.iterations).toBe(1);
  });

  it('fits on a sample for large n and stays close to the full fit', () => {
    const { vectors } = blobs(Array(8).fill(250), 24, 0.6, 17);
    const full = kmeans(vectors, { k: 8, seed: 2 });
    const sampled = kmeans(vectors, { k: 8, seed: 2, sampleSize: 300 });
    expect(sampled.assignments).toHaveLength(2000);
    expect(sampled.inertia).toBeLessThan(full.inertia * 1.05);
  });

  it('keeps unit-length centroids with the cosine metric and handles zero vectors', () => {
    const vectors = [...noise(60, 6, 8, false), new Float32Array(6), new Float32Array(6)];
    const result = kmeans(vectors, { k: 3, seed: 4, metric: 'cosine' });
    for (const c of result.centroids) {
      const norm = Math.hypot(...c);
      expect(norm).toBeCloseTo(1, 5);
    }
    expect(Number.isFinite(result.inertia)).toBe(true);
  });

  it('uses all k clusters when there are k distinct points', () => {
    // Two far groups plus three stragglers: k = 5 needs every straggler to get its own cluster.
    const vectors: Float32Array[] = [];
    for (let i = 0; i < 50; i++) vectors.push(Float32Array.of(0, 0));
    for (let i = 0; i < 50; i++) vectors.push(Float32Array.of(10, 10));
    vectors.push(Float32Array.of(-20, 0), Float32Array.of(0, 30), Float32Array.of(40, -5));
    for (let seed = 1; seed <= 5; seed++) {
      const result = kmeans(vectors, { k: 5, seed });
      const sizes = groupsOf(result.assignments, 5).map((g) => g.length);
      expect(sizes.every((s) => s > 0)).toBe(true);
      expect(result.inertia).toBeCloseTo(0, 6);
    }
  });

  it('reseeds an empty cluster at the point farthest from its centroid', () => {
    const points = [Float32Array.of(0, 0), Float32Array.of(1, 0), Float32Array.of(9, 0), Float32Array.of(20, 0)];
    const assign = Int32Array.of(0, 0, 1, 1);
    const dist = Float64Array.of(0.25, 0.25, 30.25, 30.25 + 1e-9);
    const counts = Int32Array.of(2, 2, 0);
    const centroids = Float64Array.of(0.5, 0, 14.5, 0, 0, 0);
    repairEmpty(points, assign, dist, counts, centroids, 3, 2);
    expect(Array.from(assign)).toEqual([0, 0, 1, 2]);
    expect(Array.from(counts)).toEqual([2, 1, 1]);
    expect(Array.from(centroids.subarray(4))).toEqual([20, 0]);
    // A cluster that would lose its only member is not a donor.
    const lonely = Int32Array.of(1, 0, 0);
    const a2 = Int32Array.of(0);
    repairEmpty([Float32Array.of(5, 5)], a2, Float64Array.of(3), lonely, new Float64Array(6), 3, 2);
    expect(Array.from(a2)).toEqual([0]);
  });

  it('handles n = 0, n = 1, k > n, all-identical points and duplicates without looping', () => {
    expect(kmeans([], { k: 3, seed: 1 })).toEqual({ assignments: new Int32Array(0), centroids: [], inertia: 0, iterations: 0 });
    const one = kmeans([Float32Array.of(1, 2)], { k: 4, seed: 1 });
    expect(Array.from(one.assignments)).toEqual([0]);
    expect(one.centroids).toHaveLength(1);
    const same = Array.from({ length: 40 }, () => Float32Array.of(0.5, 0.5, 0.5));
    const r = kmeans(same, { k: 4, seed: 9 });
    expect(r.inertia).toBe(0);
    expect(r.centroids).toHaveLength(4);
    expect(r.iterations).toBeLessThanOrEqual(100);
    const dup = [...Array(10).fill(Float32Array.of(1, 0)), ...Array(10).fill(Float32Array.of(0, 1))];
    const rd = kmeans(dup, { k: 3, seed: 2 });
    expect(rd.inertia).toBe(0);
  });

  it('runs the ml-kmeans engine behind the same interface', () => {
    const { vectors, labels } = blobs([20, 20, 20], 8, 0.1, 4);
    const result = kmeans(vectors, { k: 3, seed: 7, engine: 'ml-kmeans' });
    expect(groupsArePure(groupsOf(result.assignments, 3), labels)).toBe(true);
  });

  it('rejects bad options and bad vectors with error codes', () => {
    const ok = noise(5, 3, 1);
    expectCode(() => kmeans(ok, { k: 0, seed: 1 }), 'CONFIG_INVALID');
    expectCode(() => kmeans(ok, { k: 2.5, seed: 1 }), 'CONFIG_INVALID');
    expectCode(() => kmeans(ok, { k: 2, seed: Number.NaN }), 'CONFIG_INVALID');
    expectCode(() => kmeans(ok, { k: 2, seed: 1, engine: 'other' as never }), 'CONFIG_INVALID');
    expectCode(() => kmeans(ok, { k: 2, seed: 1, maxIterations: 0 }), 'CONFIG_INVALID');
    expectCode(() => kmeans([...ok, new Float32Array(4)], { k: 2, seed: 1 }), 'MODEL_BAD_OUTPUT');
    expectCode(() => kmeans([...ok, Float32Array.of(1, Number.NaN, 0)], { k: 2, seed: 1 }), 'MODEL_BAD_OUTPUT');
    expectCode(() => kmeans([[1, 2, 3] as unknown as Float32Array], { k: 1, seed: 1 }), 'CONFIG_INVALID');
  });
});
