import { describe, expect, it } from 'vitest';
import { groupCount, resolveGroupBounds } from '../../../indexer/cluster/balanced-partition.js';
import { levelSizes, nextLevelSize, rootChildren } from '../../../indexer/cluster/level-sizes.js';

/** What the builder did before the planner: fill·M per group at every level. */
function fillEveryLevel(n: number, m: number): number[] {
  const bounds = resolveGroupBounds({ maxSize: m });
  const out: number[] = [];
  for (let items = n; items > m; ) out.push((items = groupCount(items, bounds)));
  return out;
}

/** Fewest cluster levels (root included) any tree with at most m children per node needs. */
function minimalDepth(n: number, m: number): number {
  let depth = 1;
  for (let capacity = m; capacity < n; capacity *= m) depth++;
  return depth;
}

describe('levelSizes', () => {
  it('gives the root the fan-out where filling every level left it 2 children (M = 10)', () => {
    const bounds = resolveGroupBounds({ maxSize: 10 });
    // SciFact: 5,183 documents used to give 648 → 81 → 11 → 2.
    expect(fillEveryLevel(5183, 10)).toEqual([648, 81, 11, 2]);
    expect(levelSizes(5183, bounds)).toEqual([648, 81, 10]);
    // NPL, Cranfield, CISI sizes.
    expect(levelSizes(11426, bounds)).toEqual([1429, 179, 32, 6]);
    expect(levelSizes(1398, bounds)).toEqual([175, 31, 6]);
    expect(levelSizes(1460, bounds)).toEqual([183, 32, 6]);
    expect(levelSizes(100_000, bounds)).toEqual([12500, 1563, 196, 34, 6]);
  });

  it('makes ≤ M² items the root children directly, about √n of them', () => {
    const bounds = resolveGroupBounds({ maxSize: 10 });
    expect(levelSizes(10, bounds)).toEqual([]);
    expect(levelSizes(11, bounds)).toEqual([2]);
    expect(levelSizes(30, bounds)).toEqual([5]);
    expect(levelSizes(81, bounds)).toEqual([10]);
    expect(levelSizes(100, bounds)).toEqual([10]);
    // Just above M²: the top three levels share the slack instead of a 3-child root (14 → 3).
    expect(fillEveryLevel(105, 10)).toEqual([14, 2]);
    expect(levelSizes(105, bounds)).toEqual([22, 5]);
  });

  it('keeps every level feasible, shrinking and at most one level deeper than full nodes would need', () => {
    for (const m of [2, 3, 4, 5, 8, 10, 16, 32, 64]) {
      const bounds = resolveGroupBounds({ maxSize: m });
      for (let n = m + 1; n <= 60_000; n += n < 1200 ? 1 : 997) {
        const levels = levelSizes(n, bounds);
        let below = n;
        for (const count of levels) {
          expect(count).toBeLessThan(below);
          expect(count * m).toBeGreaterThanOrEqual(below);
          expect(count * bounds.minSize).toBeLessThanOrEqual(below);
          below = count;
        }
        expect(below).toBeLessThanOrEqual(m);
        expect(below).toBeGreaterThanOrEqual(2);
        // Small M keeps room for k-means (fill·M per group), which costs levels; from M = 5 up at most one.
        if (m >= 5) expect(levels.length + 1).toBeLessThanOrEqual(minimalDepth(n, m) + 1);
      }
    }
  });

  it('never leaves a near-empty top: the root has at least 5 children for n > 25 (M = 10)', () => {
    const bounds = resolveGroupBounds({ maxSize: 10 });
    let least = Infinity;
    for (let n = 26; n <= 200_000; n += n < 5000 ? 1 : 113) {
      const levels = levelSizes(n, bounds);
      least = Math.min(least, levels[levels.length - 1]!);
    }
    expect(least).toBe(5);
    // The old rule went as low as 2.
    expect(Math.min(...[1100, 5183, 101, 801].map((n) => fillEveryLevel(n, 10).at(-1)!))).toBe(2);
  });

  it('rootChildren and nextLevelSize respect tight bounds', () => {
    const tight = resolveGroupBounds({ maxSize: 10, minSize: 9 });
    // 19 items in groups of 9..10 admit only 2 groups, whatever √19 says.
    expect(rootChildren(19, tight)).toBe(2);
    expect(nextLevelSize(19, tight)).toBe(2);
    const loose = resolveGroupBounds({ maxSize: 10, minSize: 1 });
    expect(rootChildren(50, loose)).toBe(7);
  });
});
