/**
 * Global refinement of a fine partition built by recursive splitting. Divisive splits cut
 * through natural groups at every part boundary (SciFact, 5,183 LSA vectors, M = 10: k-means
 * cost 3,616 recursive vs 3,206 for one flat balanced k-means, 3,393 after this step). Each
 * point gets candidate groups from a beam search down the split tree (so parts next to its own
 * are searched too); then capacity-constrained Lloyd passes restricted to those candidates
 * move points across part boundaries (greedy by regret, overflow and lower-bound repair, moves).
 * Invariant: bounds [minSize, maxSize] that held on entry still hold; a pass is kept only if it
 * lowers the k-means objective; deterministic.
 * Used by: balanced-partition.ts after its hierarchical path.
 */
import { centroidNorms, crossDots, dotAt, regretOrder, squaredNorms, updateMeans } from './geometry.js';

/** The recursive split that produced the groups: inner parts, and leaves that are groups. */
export interface PartTree {
  /** Point indices under this node. */
  members: number[];
  children: PartTree[];
  /** Group index for a leaf group, −1 for an inner part. */
  group: number;
}

export interface RefineOptions {
  minSize: number;
  maxSize: number;
  /** Candidate groups per point, nearest first, row-major (n · width). */
  candidates: Int32Array;
  width: number;
  /**
   * How many of each row the passes weigh (the point's own group is always added); the rest
   * only serve as places to go when all of those are full. Defaults to min(8, width).
   */
  primary?: number;
}

/** Constrained passes at most. */
const PASSES = 8;
/** Relative cost improvement below which passes stop. */
const TOLERANCE = 1e-4;

/**
 * Improves `assignments` (k groups, sizes within the bounds) in place and returns it.
 * Points must be validated vectors of one length.
 */
export function refinePartition(
  points: readonly Float32Array[],
  assignments: Int32Array,
  k: number,
  options: RefineOptions,
): Int32Array {
  const n = points.length;
  if (n === 0 || k < 2) return assignments;
  const d = points[0].length;
  const lo = options.minSize;
  const hi = options.maxSize;
  const xx = squaredNorms(points, d);
  let centroids = new Float64Array(k * d);
  let before = objective(xx, centroids, updateMeans(points, assignments, centroids, k, d), k, d);
  const given = Math.min(options.primary ?? 8, options.width);
  const width = given + 1;
  const cand = new Int32Array(n * width);
  const cost = new Float64Array(n * width);

  for (let pass = 0; pass < PASSES; pass++) {
    const cc = centroidNorms(centroids, k, d);
    const current = centroids;
    const distance = (i: number, c: number): number => {
      const v = xx[i] - 2 * dotAt(points[i], current, c * d, d) + cc[c];
      return v > 0 ? v : 0;
    };
    for (let i = 0; i < n; i++) {
      const a = assignments[i];
      const base = i * width;
      cand[base] = a;
      cost[base] = distance(i, a);
      for (let j = 0; j < given; j++) {
        const c = options.candidates[i * options.width + j];
        cand[base + 1 + j] = c;
        cost[base + 1 + j] = c === a ? cost[base] : distance(i, c);
      }
    }
    const next = sparseAssign(cand, cost, n, width, k, lo, hi, options.candidates, options.width, distance);
    let changed = 0;
    for (let i = 0; i < n; i++) if (next[i] !== assignments[i]) changed++;
    if (changed === 0) break;
    // Judge by the k-means objective after the centroid update, the quantity the passes lower.
    const means = new Float64Array(k * d);
    const after = objective(xx, means, updateMeans(points, next, means, k, d), k, d);
    if (!(after < before)) break;
    assignments.set(next);
    centroids = means;
    const gain = before - after;
    if (gain <= TOLERANCE * before) break;
    before = after;
  }
  return assignments;
}

/** Sum of squared distances to the group means: Σ|x|² − Σ_groups |S|·|mean|². */
function objective(xx: Float64Array, means: Float64Array, counts: Int32Array, k: number, d: number): number {
  const mm = centroidNorms(means, k, d);
  let total = 0;
  for (let i = 0; i < xx.length; i++) total += xx[i];
  for (let c = 0; c < k; c++) total -= counts[c] * mm[c];
  return total;
}

/**
 * Capacity-constrained assignment where point i may only join the groups in its candidate row
 * (plus fallbacks when every candidate is full or a group stays under the lower bound).
 * Returns each point's group.
 */
function sparseAssign(
  cand: Int32Array,
  cost: Float64Array,
  n: number,
  width: number,
  k: number,
  lo: number,
  hi: number,
  extra: Int32Array,
  extraWidth: number,
  distance: (i: number, c: number) => number,
): Int32Array {
  const assign = new Int32Array(n).fill(-1);
  const own = new Float64Array(n);
  const sizes = new Int32Array(k);
  const place = (i: number, c: number, v: number): void => {
    assign[i] = c;
    own[i] = v;
    sizes[c] += 1;
  };

  // 1. Greedy by regret: points that lose most by missing their best candidate choose first,
  // first under an even cap so sizes start balanced, then under the upper bound.
  const order = regretOrder(cost, n, width);
  const evenCap = Math.min(hi, Math.max(lo, Math.ceil(n / k)));
  let left: ArrayLike<number> = order;
  for (const cap of [evenCap, hi]) {
    const pending = left;
    const unplaced: number[] = [];
    for (let p = 0; p < pending.length; p++) {
      const i = pending[p];
      let best = -1;
      let bestCost = Number.POSITIVE_INFINITY;
      for (let j = 0; j < width; j++) {
        const c = cand[i * width + j];
        const v = cost[i * width + j];
        if (sizes[c] < cap && v < bestCost) {
          best = c;
          bestCost = v;
        }
      }
      if (best >= 0) place(i, best, bestCost);
      else unplaced.push(i);
    }
    left = unplaced;
  }
  // Every candidate full: the nearest group with room among the point's extended candidates,
  // else among all groups (rare).
  for (let p = 0; p < left.length; p++) {
    const i = left[p];
    let best = -1;
    let bestCost = Number.POSITIVE_INFINITY;
    for (let j = 0; j < extraWidth; j++) {
      const c = extra[i * extraWidth + j];
      if (sizes[c] >= hi) continue;
      const v = distance(i, c);
      if (v < bestCost) {
        best = c;
        bestCost = v;
      }
    }
    if (best < 0) {
      for (let c = 0; c < k; c++) {
        if (sizes[c] >= hi) continue;
        const v = distance(i, c);
        if (v < bestCost) {
          best = c;
          bestCost = v;
        }
      }
    }
    place(i, best, bestCost);
  }

  // 2. Groups under the lower bound take the cheapest points that list them as a candidate,
  // then (rarely needed) any point from a group above the bound.
  const offers = new Map<number, { i: number; extra: number }[]>();
  for (let c = 0; c < k; c++) if (sizes[c] < lo) offers.set(c, []);
  if (offers.size > 0) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < width; j++) {
        const c = cand[i * width + j];
        const list = offers.get(c);
        if (list && assign[i] !== c) list.push({ i, extra: cost[i * width + j] - own[i] });
      }
    }
  }
  for (const [c, list] of offers) {
    takeOffers(c, list);
    if (sizes[c] >= lo) continue;
    const any: { i: number; extra: number }[] = [];
    for (let i = 0; i < n; i++) if (assign[i] !== c) any.push({ i, extra: distance(i, c) - own[i] });
    takeOffers(c, any);
  }

  function takeOffers(c: number, offers: { i: number; extra: number }[]): void {
    offers.sort((a, b) => a.extra - b.extra || a.i - b.i);
    for (const { i } of offers) {
      if (sizes[c] >= lo) return;
      const from = assign[i];
      if (sizes[from] <= lo) continue;
      sizes[from] -= 1;
      place(i, c, distance(i, c));
    }
  }

  // 3. Single moves to a candidate with room that lowers the cost.
  for (let round = 0; round < 2; round++) {
    let moved = 0;
    for (let i = 0; i < n; i++) {
      const from = assign[i];
      if (sizes[from] <= lo) continue;
      let best = from;
      let bestCost = own[i];
      for (let j = 0; j < width; j++) {
        const c = cand[i * width + j];
        if (c === from || sizes[c] >= hi) continue;
        if (cost[i * width + j] < bestCost) {
          best = c;
          bestCost = cost[i * width + j];
        }
      }
      if (best !== from) {
        sizes[from] -= 1;
        place(i, best, bestCost);
        moved++;
      }
    }
    if (moved === 0) break;
  }
  return assign;
}

/**
 * Candidate groups of every point (n · width, nearest first): a beam search down the split
 * tree keeps the `beam` nearest parts at each level and collects the groups met on the way,
 * so groups just across a part boundary are found. Costs about n · d · (beam · fan-out · depth).
 */
export function treeCandidates(points: readonly Float32Array[], tree: PartTree, width: number, beam: number): Int32Array {
  const n = points.length;
  const d = points[0].length;
  // Flatten the tree: node v has children childList[childStart[v] .. childStart[v + 1]).
  const nodes: PartTree[] = [];
  const queue: PartTree[] = [tree];
  while (queue.length > 0) {
    const node = queue.shift()!;
    nodes.push(node);
    for (const c of node.children) queue.push(c);
  }
  const m = nodes.length;
  const childStart = new Int32Array(m + 1);
  const childList = new Int32Array(m - 1);
  const groupOf = new Int32Array(m);
  // Breadth-first order numbers children consecutively, after their parent.
  let nextId = 1;
  for (let v = 0; v < m; v++) {
    childStart[v] = nextId - 1;
    for (let j = 0; j < nodes[v].children.length; j++) childList[nextId - 1 + j] = nextId + j;
    nextId += nodes[v].children.length;
    groupOf[v] = nodes[v].group;
  }
  childStart[m] = m - 1;
  const centroids = new Float64Array(m * d);
  for (let v = 0; v < m; v++) {
    const off = v * d;
    const members = nodes[v].members;
    for (const i of members) {
      const x = points[i];
      for (let j = 0; j < d; j++) centroids[off + j] += x[j];
    }
    const inv = members.length > 0 ? 1 / members.length : 0;
    for (let j = 0; j < d; j++) centroids[off + j] *= inv;
  }
  const cc = centroidNorms(centroids, m, d);

  // Level-synchronous beam: every inner node measures all points that hold it in their beam at
  // once (blocked dot products; a node's children have consecutive ids, so their centroids are
  // one contiguous slice). Each point keeps a sorted top-`width` of groups and a top-`beam` of
  // inner nodes for the next round.
  const bestGroup = new Int32Array(n * width).fill(-1);
  const bestGroupDist = new Float64Array(n * width).fill(Number.POSITIVE_INFINITY);
  let frontier = new Int32Array(n * beam).fill(-1);
  let nextFrontier = new Int32Array(n * beam);
  const nextDist = new Float64Array(n * beam);
  for (let i = 0; i < n; i++) frontier[i * beam] = 0;
  const holders: number[][] = Array.from({ length: m }, () => []);
  let active = true;
  while (active) {
    active = false;
    for (const list of holders) list.length = 0;
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < beam; t++) {
        const v = frontier[i * beam + t];
        if (v >= 0) holders[v].push(i);
      }
    }
    nextFrontier.fill(-1);
    nextDist.fill(Number.POSITIVE_INFINITY);
    for (let v = 0; v < m; v++) {
      const who = holders[v];
      if (who.length === 0) continue;
      const first = childList[childStart[v]];
      const count = childStart[v + 1] - childStart[v];
      if (count === 0) continue;
      const block = centroids.subarray(first * d, (first + count) * d);
      const dots = crossDots(
        who.map((i) => points[i]),
        block,
        count,
        d,
        new Float64Array(who.length * count),
      );
      for (let w = 0; w < who.length; w++) {
        const i = who[w];
        for (let e = 0; e < count; e++) {
          const c = first + e;
          const dist = cc[c] - 2 * dots[w * count + e];
          if (groupOf[c] >= 0) insertTop(bestGroup, bestGroupDist, i * width, width, groupOf[c], dist);
          else {
            insertTop(nextFrontier, nextDist, i * beam, beam, c, dist);
            active = true;
          }
        }
      }
    }
    const swap = frontier;
    frontier = nextFrontier;
    nextFrontier = swap;
  }
  // Points that met fewer than `width` groups repeat their last one (harmless duplicates).
  for (let i = 0; i < n; i++) {
    for (let j = 1; j < width; j++) {
      if (bestGroup[i * width + j] < 0) bestGroup[i * width + j] = bestGroup[i * width + j - 1];
    }
  }
  return bestGroup;
}

/** Inserts (id, dist) into the ascending top list at ids/dists[base .. base + size), ties by id. */
function insertTop(ids: Int32Array, dists: Float64Array, base: number, size: number, id: number, dist: number): void {
  const last = base + size - 1;
  if (dist > dists[last] || (dist === dists[last] && ids[last] >= 0 && id > ids[last])) return;
  let p = last;
  while (p > base && (dists[p - 1] > dist || (dists[p - 1] === dist && ids[p - 1] > id))) {
    dists[p] = dists[p - 1];
    ids[p] = ids[p - 1];
    p--;
  }
  dists[p] = dist;
  ids[p] = id;
}
