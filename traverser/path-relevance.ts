/**
 * Path relevance: how promising a node is given its own score and the chain of ancestors above it.
 * Two conventions (digest §5): 'calibrated' is the paper's p(v) = (1 − α)·ŝ_v + α·p(parent) over
 * calibrated scores; 'raw' is the reference code's p(v) = (1 − α)·s_v + α·p(parent) over the raw
 * score from the expanding slate, with p(v) = s_v when s_v <= 0.09 (its rcf is 1 − α).
 * p(root) = 1. Disabled path relevance (ablation, the paper's α = 0) gives p(v) = own score.
 * A node never scored itself (a seeded ancestor, or a child whose score was invalid) borrows the
 * best score of a scored descendant, or 0 without one.
 * Invariant: pure; parents come before children in the input. Used by traverser/search.ts.
 */
import { LatticeError } from '../src/core/errors.js';

/** Below this raw score the reference cuts the chain: p(v) = s_v. */
export const RAW_CHAIN_CUTOFF = 0.09;

export interface PathNode {
  id: number;
  /** null for the root. */
  parentId: number | null;
  /** Own score on 0..1 (raw or calibrated, per the mode), or null when never scored. */
  score: number | null;
}

export interface PathRelevanceOptions {
  /** Weight on the parent's path relevance (paper convention); the reference's rcf = 1 − alpha. */
  alpha: number;
  mode: 'calibrated' | 'raw';
  /** false: p(v) = own score (ablation). */
  enabled: boolean;
}

export interface PathRelevance {
  /** Path relevance per node id. */
  p: Map<number, number>;
  /** The own score that entered p, after borrowing for never-scored nodes. */
  own: Map<number, number>;
}

/** Path relevance for every node of `nodes` (parents listed before their children). */
export function pathRelevance(nodes: readonly PathNode[], options: PathRelevanceOptions): PathRelevance {
  const own = new Map<number, number>();
  const borrowed = new Map<number, number>();
  const index = new Map<number, number>();
  nodes.forEach((node, i) => index.set(node.id, i));
  // Children come after parents, so a reverse pass sees every descendant before its ancestor.
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    const value = node.score ?? borrowed.get(node.id);
    if (node.parentId === null || value === undefined) continue;
    const parent = nodes[index.get(node.parentId) ?? -1];
    if (parent && parent.score === null) borrowed.set(parent.id, Math.max(borrowed.get(parent.id) ?? 0, value));
  }
  const p = new Map<number, number>();
  const { alpha, mode, enabled } = options;
  for (const node of nodes) {
    if (node.parentId === null) {
      p.set(node.id, 1);
      own.set(node.id, 1);
      continue;
    }
    const parentP = p.get(node.parentId);
    if (parentP === undefined) {
      throw new LatticeError('CONFIG_INVALID', `Node ${node.id} is listed before its parent ${node.parentId}.`, {
        hint: 'List path-relevance nodes parents first (creation order).',
      });
    }
    const s = node.score ?? borrowed.get(node.id) ?? 0;
    own.set(node.id, s);
    if (!enabled) p.set(node.id, s);
    else if (mode === 'raw' && s <= RAW_CHAIN_CUTOFF) p.set(node.id, s);
    else p.set(node.id, (1 - alpha) * s + alpha * parentP);
  }
  return { p, own };
}

/**
 * Final score of a leaf: alpha·p(parent) + (1 − alpha)·latent (reference: (1 − rcf)·p(parent) + rcf·ĉ),
 * or the latent alone for finalScore 'latent' or disabled path relevance. No 0.09 cutoff, as in the reference.
 */
export function leafScore(
  parentP: number,
  latent: number,
  options: { alpha: number; enabled: boolean; finalScore: 'path' | 'latent' },
): number {
  if (!options.enabled || options.finalScore === 'latent') return latent;
  return options.alpha * parentP + (1 - options.alpha) * latent;
}
