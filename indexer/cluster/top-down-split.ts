/**
 * The top-down strategy's tree shape: recursively splits the item set with capacity-
 * constrained k-means until every group has at most M items (LATTICE, arXiv 2510.13217).
 * Fan-out: a set of n ≤ M² items is cut into max(√n, n / (0.8·M)) leaf groups (2..M of them, each
 * of ceil(M/3)..M items when n allows; the same rule as the bottom-up root, level-sizes.ts); a larger set is cut into M children whose sizes stay
 * within ±40 % of n/M and never exceed M^(D−1), where D = ceil(log_M n). So depth stays at
 * ceil(log_M n) and no node has a single child.
 * Invariant: every index is in exactly one leaf; inner nodes have 2..M children ordered by
 * smallest member; leaf members ascend; deterministic for a seed.
 * Used by: indexer/build.ts, which writes summaries from the leaves up.
 */
import { LatticeError } from '../../src/core/errors.js';
import { balancedKMeansUnchecked } from './balanced-kmeans.js';
import { resolveGroupBounds } from './balanced-partition.js';
import { rootChildren } from './level-sizes.js';
import { checkSeed, mixSeed, unitCopy, validateVectors } from './geometry.js';
import type { KMeansEngine, KMeansMetric } from './kmeans.js';

/** A group of item indices (ascending), at most maxChildren of them. */
export interface ClusterLeaf {
  members: number[];
}

/** An inner node with 2..maxChildren children. */
export interface ClusterBranch {
  children: ClusterTree[];
}

export type ClusterTree = ClusterLeaf | ClusterBranch;

export interface TopDownOptions {
  /** Branching factor M: most children per inner node and most members per leaf; at least 2. */
  maxChildren: number;
  seed: number;
  /** Engine fitting the starting centroids. Defaults to 'own'. */
  kmeans?: KMeansEngine;
  /** 'cosine' clusters the unit-length vectors. Defaults to 'euclidean'. */
  metric?: KMeansMetric;
}

/** Relative deviation from n/M allowed for a child's size above the last level. */
const SIZE_SLACK = 0.4;
/** Preferred leaf size as a fraction of M. */
const LEAF_FILL = 0.8;

/** True when the node is a leaf group. */
export function isClusterLeaf(node: ClusterTree): node is ClusterLeaf {
  return 'members' in node;
}

/**
 * Splits the indices of `vectors` into a tree of groups. n = 0 gives `{ members: [] }`,
 * n ≤ maxChildren a single leaf. Throws CONFIG_INVALID for maxChildren < 2 or a bad seed.
 */
export function splitTopDown(vectors: readonly Float32Array[], options: TopDownOptions): ClusterTree {
  const m = options.maxChildren;
  if (!Number.isInteger(m) || m < 2) {
    throw new LatticeError('CONFIG_INVALID', `Top-down split needs maxChildren to be a whole number ≥ 2, got ${String(m)}.`, {
      hint: 'Set the branching factor (--branching) to 2 or more; 10 is the default.',
    });
  }
  checkSeed(options.seed);
  validateVectors(vectors);
  const points = options.metric === 'cosine' ? vectors.map(unitCopy) : vectors;
  const all = Array.from({ length: vectors.length }, (_, i) => i);
  return split(points, all, m, options.seed, options.kmeans ?? 'own');
}

function split(points: readonly Float32Array[], indices: number[], m: number, seed: number, engine: KMeansEngine): ClusterTree {
  const n = indices.length;
  if (n <= m) return { members: indices.slice().sort((a, b) => a - b) };
  const sub = indices.map((i) => points[i]);

  let k: number;
  let lo: number;
  let hi: number;
  if (n <= m * m) {
    k = leafGroupCount(n, m);
    lo = Math.min(Math.ceil(m / 3), Math.floor(n / k));
    hi = m;
  } else {
    // Smallest D with m^D ≥ n; children must fit in a subtree of depth D − 1.
    let capacity = m;
    while (capacity * m < n) capacity *= m;
    k = m;
    const avg = n / k;
    lo = Math.max(1, Math.floor(avg * (1 - SIZE_SLACK)));
    hi = Math.max(Math.ceil(avg), Math.min(capacity, Math.ceil(avg * (1 + SIZE_SLACK))));
  }
  const { assignments } = balancedKMeansUnchecked(sub, { k, minSize: lo, maxSize: hi, seed, kmeans: engine });
  const groups: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < n; i++) groups[assignments[i]].push(indices[i]);
  const nonEmpty = groups.filter((g) => g.length > 0);
  for (const g of nonEmpty) g.sort((a, b) => a - b);
  nonEmpty.sort((a, b) => a[0] - b[0]);
  return { children: nonEmpty.map((g, j) => split(points, g, m, mixSeed(seed, j + 1), engine)) };
}

/** Leaf groups a set of n items (m < n ≤ m²) is cut into: the bottom-up root rule at LEAF_FILL, at least 2. */
export function leafGroupCount(n: number, m: number): number {
  return Math.max(2, rootChildren(n, resolveGroupBounds({ maxSize: m, fill: LEAF_FILL })));
}
