/**
 * How many nodes each bottom-up level gets, so the top of the tree uses the fan-out.
 * Why: grouping every level at fill·M shrinks it by about 8 (M = 10), and whatever is left over
 * lands at the top: 5,183 documents gave 648 → 81 → 11 → 2, a root of 2 children and one level
 * too many for a judge to get wrong. Rule, for a level of n > M items:
 * - n ≤ M²: the next level is the root's children, so make them max(√n, n / (fill·M)) groups,
 *   within [ceil(n/M), min(M, n/minSize)] (81 items → 10 groups, 30 → 5, 11 → 2);
 * - the level after next would be the root's children: max(n / (fill·M), n^(2/3)) groups, so the
 *   top three levels share the slack evenly (105 items → 22 → 5 instead of 14 → 3);
 * - otherwise n / (fill·M) groups, as before (the lower levels keep k-means room to follow the data).
 * Invariant: every count is feasible for the bounds and smaller than n, so levels always shrink.
 * Used by: build-levels.ts (the bottom-up build), estimate-build.ts (dry run), top-down-split.ts.
 */
import { clampGroupCount, groupCount, type GroupBounds } from './balanced-partition.js';

/**
 * Node counts of the levels a bottom-up build makes above `n` leaves, leaves-up, root excluded
 * (the root is one more node over the last level). [] when n ≤ maxSize.
 */
export function levelSizes(n: number, bounds: GroupBounds): number[] {
  const out: number[] = [];
  let items = n;
  while (items > bounds.maxSize) {
    items = nextLevelSize(items, bounds);
    out.push(items);
  }
  return out;
}

/** Number of groups to make of a level of `n` items (n > maxSize); see the module comment. */
export function nextLevelSize(n: number, bounds: GroupBounds): number {
  const m = bounds.maxSize;
  if (n <= m * m) return rootChildren(n, bounds);
  let g = groupCount(n, bounds);
  if (g <= m * m) g = Math.max(g, Math.min(m * m, Math.round(Math.pow(n, 2 / 3))));
  return clampGroupCount(n, g, bounds);
}

/**
 * Children of a node over n items (maxSize < n ≤ maxSize²) whose children are groups of those
 * items: about √n of them (a balanced two-level split), more when groups would exceed fill·M.
 */
export function rootChildren(n: number, bounds: GroupBounds): number {
  const wanted = Math.max(Math.round(Math.sqrt(n)), Math.ceil(n / bounds.target - 1e-9));
  return clampGroupCount(n, Math.min(bounds.maxSize, wanted), bounds);
}
