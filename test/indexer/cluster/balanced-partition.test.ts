import { describe, expect, it } from 'vitest';
import { groupCount, partitionBalanced, resolveGroupBounds } from '../../../indexer/cluster/balanced-partition.js';
import { blobs, coversExactlyOnce, expectCode, groupsArePure, noise } from './synthetic.js';

function expectValid(groups: number[][], n: number, minSize: number, maxSize: number): void {
  expect(coversExactlyOnce(groups, n)).toBe(true);
  for (const g of groups) {
    expect(g.length).toBeLessThanOrEqual(maxSize);
    if (n >= minSize) expect(g.length).toBeGreaterThanOrEqual(minSize);
    for (let i = 1; i < g.length; i++) expect(g[i]).toBeGreaterThan(g[i - 1]);
  }
  for (let j = 1; j < groups.length; j++) expect(groups[j][0]).toBeGreaterThan(groups[j - 1][0]);
}

describe('partitionBalanced', () => {
  it('covers every index once with sizes in [ceil(M/3), M] for many n (M = 10)', () => {
    const all = noise(520, 12, 1);
    for (const n of [11, 12, 17, 19, 23, 31, 40, 57, 99, 100, 101, 163, 250, 377, 520]) {
      const groups = partitionBalanced(all.slice(0, n), { maxSize: 10, seed: n });
      expectValid(groups, n, 4, 10);
      expect(groups.length).toBeLessThan(n);
    }
  });

  it('holds the bounds for other branching factors and explicit minimum sizes', () => {
    const all = noise(300, 8, 2);
    for (const [maxSize, minSize] of [[2, 1], [3, 1], [3, 2], [5, 2], [16, 6], [32, 11], [7, 4]] as const) {
      for (const n of [maxSize + 1, 2 * maxSize + 1, 97, 300]) {
        const groups = partitionBalanced(all.slice(0, n), { maxSize, minSize, seed: 7 });
        expectValid(groups, n, minSize, maxSize);
      }
    }
  });

  it('uses the hierarchical path for many groups and still holds the bounds', () => {
    const vectors = noise(3000, 16, 3);
    const groups = partitionBalanced(vectors, { maxSize: 10, seed: 11 });
    expectValid(groups, 3000, 4, 10);
    // About n / (0.8·M) groups.
    expect(groups.length).toBeGreaterThanOrEqual(300);
    expect(groups.length).toBeLessThanOrEqual(500);
  });

  it('recovers well-separated blobs of the preferred size', () => {
    const { vectors, labels } = blobs(Array(20).fill(8), 16, 0.1, 4);
    const groups = partitionBalanced(vectors, { maxSize: 10, seed: 5 });
    expectValid(groups, 160, 4, 10);
    expect(groupsArePure(groups, labels)).toBe(true);
    expect(groups).toHaveLength(20);
  });

  it('keeps blobs together through the hierarchical path', () => {
    const { vectors, labels } = blobs(Array(60).fill(8), 32, 0.1, 12);
    const groups = partitionBalanced(vectors, { maxSize: 10, seed: 6 });
    expectValid(groups, 480, 4, 10);
    const pure = groups.filter((g) => g.every((i) => labels[i] === labels[g[0]])).length;
    expect(pure / groups.length).toBeGreaterThan(0.9);
  });

  it('is deterministic for a seed and depends on it', () => {
    const vectors = noise(400, 8, 4);
    const a = partitionBalanced(vectors, { maxSize: 10, seed: 1 });
    expect(partitionBalanced(vectors, { maxSize: 10, seed: 1 })).toEqual(a);
    const others = [2, 3, 4].map((seed) => JSON.stringify(partitionBalanced(vectors, { maxSize: 10, seed })));
    expect(others.some((o) => o !== JSON.stringify(a))).toBe(true);
  });

  it('handles empty, tiny and degenerate inputs', () => {
    expect(partitionBalanced([], { maxSize: 10, seed: 1 })).toEqual([]);
    expect(partitionBalanced([Float32Array.of(1, 0)], { maxSize: 10, seed: 1 })).toEqual([[0]]);
    expect(partitionBalanced(noise(10, 4, 1), { maxSize: 10, seed: 1 })).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
    const same = Array.from({ length: 95 }, () => Float32Array.of(0.6, 0.8));
    expectValid(partitionBalanced(same, { maxSize: 10, seed: 1 }), 95, 4, 10);
    const zeros = Array.from({ length: 33 }, () => new Float32Array(5));
    expectValid(partitionBalanced(zeros, { maxSize: 10, seed: 1, metric: 'cosine' }), 33, 4, 10);
    const dup = [...Array(20).fill(Float32Array.of(1, 0)), ...Array(3).fill(Float32Array.of(0, 1))];
    expectValid(partitionBalanced(dup, { maxSize: 10, seed: 1 }), 23, 4, 10);
  });

  it('runs with the ml-kmeans engine and the cosine metric', () => {
    const { vectors, labels } = blobs(Array(6).fill(9), 8, 0.1, 9, false);
    const groups = partitionBalanced(vectors, { maxSize: 10, seed: 2, kmeans: 'ml-kmeans', metric: 'cosine' });
    expectValid(groups, 54, 4, 10);
    expect(groupsArePure(groups, labels)).toBe(true);
  });

  it('partitions 5000 points quickly', () => {
    const vectors = noise(5000, 64, 10);
    const start = Date.now();
    const groups = partitionBalanced(vectors, { maxSize: 10, seed: 3 });
    expectValid(groups, 5000, 4, 10);
    expect(Date.now() - start).toBeLessThan(20_000);
  });

  it('rejects bad options with CONFIG_INVALID', () => {
    const v = noise(20, 3, 1);
    expectCode(() => partitionBalanced(v, { maxSize: 1, seed: 1 }), 'CONFIG_INVALID');
    expectCode(() => partitionBalanced(v, { maxSize: 10.5, seed: 1 }), 'CONFIG_INVALID');
    expectCode(() => partitionBalanced(v, { maxSize: 10, minSize: 11, seed: 1 }), 'CONFIG_INVALID');
    expectCode(() => partitionBalanced(v, { maxSize: 10, minSize: 0, seed: 1 }), 'CONFIG_INVALID');
    expectCode(() => partitionBalanced(v, { maxSize: 10, seed: Number.POSITIVE_INFINITY }), 'CONFIG_INVALID');
    expectCode(() => partitionBalanced(v, { maxSize: 10, seed: 1, fill: 0 }), 'CONFIG_INVALID');
  });
});

describe('partitionBalanced with a group count', () => {
  it('makes the groups asked for, within the bounds, on both paths', () => {
    const all = noise(700, 12, 9);
    const direct = partitionBalanced(all.slice(0, 81), { maxSize: 10, seed: 1, groups: 10 });
    expectValid(direct, 81, 4, 10);
    expect(direct).toHaveLength(10);
    // Without the count, fill·M gives ceil(81/8) = 11 groups.
    expect(partitionBalanced(all.slice(0, 81), { maxSize: 10, seed: 1 })).toHaveLength(11);
    // The recursive path spreads the count over its parts (rounding up per part).
    const recursive = partitionBalanced(all, { maxSize: 10, seed: 2, groups: 100 });
    expectValid(recursive, 700, 4, 10);
    expect(recursive.length).toBeGreaterThanOrEqual(100);
    expect(recursive.length).toBeLessThanOrEqual(110);
    // Infeasible counts are clamped: 81 items make at most 20 groups of at least 4.
    const clamped = partitionBalanced(all.slice(0, 81), { maxSize: 10, seed: 1, groups: 30 });
    expectValid(clamped, 81, 4, 10);
    expect(clamped.length).toBeLessThanOrEqual(20);
    expect(clamped.length).toBeGreaterThanOrEqual(16);
    expectCode(() => partitionBalanced(all.slice(0, 81), { maxSize: 10, seed: 1, groups: 0 }), 'CONFIG_INVALID');
    expectCode(() => partitionBalanced(all.slice(0, 81), { maxSize: 10, seed: 1, groups: 2.5 }), 'CONFIG_INVALID');
  });
});

describe('groupCount', () => {
  it('aims at fill·M per group within the feasible range', () => {
    const bounds = resolveGroupBounds({ maxSize: 10 });
    expect(bounds).toEqual({ minSize: 4, maxSize: 10, target: 8 });
    expect(groupCount(80, bounds)).toBe(10);
    expect(groupCount(11, bounds)).toBe(2);
    expect(groupCount(13, bounds)).toBe(2);
    // Tight bounds: [9, 10] with 19 items admits only 2 groups.
    expect(groupCount(19, resolveGroupBounds({ maxSize: 10, minSize: 9 }))).toBe(2);
  });
});
