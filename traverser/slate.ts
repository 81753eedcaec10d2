/**
 * Builds the slates the judge scores: a beam node's children (split when there are too many)
 * plus nodes from elsewhere that tie the slate's scores to the rest of the query.
 * Why anchors (digest §2, §4, pitfall 2): a slate's scores are relative; only nodes scored in
 * several slates let calibration put slates on one scale. A slate of leaves gets calibration
 * leaves (the best leaf so far plus a weighted draw, as the reference's mixture-threshold
 * sampling); any other slate, or a leaf slate before any leaf is known, gets the reference
 * node (the best scored node one level above the children) and, beyond the reference's single
 * anchor, the best scored inner nodes higher up (SearchOptions.innerAnchors): one anchor carries
 * 25 points of judge noise straight into the slate's fitted offset and scale; several average it out.
 * Invariant: deterministic for a given generator; no node appears twice in a slate.
 */
import { isLeaf } from '../src/core/tree.js';
import type { TreeNode } from '../src/core/types.js';
import type { Rng } from '../src/core/math/random.js';
import { interpolatedQuantile as quantile } from '../src/core/math/stats.js';
import type { CandidateRole } from './types.js';

export interface SlateCandidate {
  node: TreeNode;
  role: CandidateRole;
}

export interface Slate {
  iteration: number;
  /** The node whose children are judged; null for the seed slate. */
  parentId: number | null;
  /** Present when the children were split over several slates. */
  part?: { index: number; of: number };
  candidates: SlateCandidate[];
}

/** One part of a node's children, remembered so a failed part can be retried alone. */
export interface ChildPart {
  index: number;
  of: number;
  nodes: TreeNode[];
}

/** A scored leaf that may anchor leaf slates. */
export interface PoolLeaf {
  node: TreeNode;
  latent: number;
}

/** Calibration nodes shared by the leaf slates of one iteration. */
export interface CalibrationDraw {
  /** The best leaf by latent (ties: lower preorder), always shown; null when the pool is empty or K = 0. */
  anchor: TreeNode | null;
  /** Up to K − 1 more leaves, drawn without replacement. */
  drawn: TreeNode[];
}

/** Splits children (in position order) into ceil(n / maxSize) contiguous parts whose sizes differ by at most one. */
export function splitChildren(children: readonly TreeNode[], maxSize: number): ChildPart[] {
  if (children.length === 0) return [];
  const of = Math.ceil(children.length / maxSize);
  const base = Math.floor(children.length / of);
  const extra = children.length % of;
  const parts: ChildPart[] = [];
  let at = 0;
  for (let index = 0; index < of; index++) {
    const size = base + (index < extra ? 1 : 0);
    parts.push({ index, of, nodes: children.slice(at, at + size) });
    at += size;
  }
  return parts;
}

/**
 * Splits latents into "good" and "rest" like the reference: a two-component 1-D Gaussian mixture
 * (initialised at the 25th/75th percentiles, so deterministic), threshold at the lowest mixture
 * density between the two means on a 1,000-point grid. Falls back to the median when the mixture is
 * degenerate (fewer than 3 distinct values or coinciding means).
 */
export function calibrationThreshold(latents: readonly number[]): number {
  const xs = latents.map((v) => Math.max(-1, v)).sort((a, b) => a - b);
  if (xs.length === 0) return 0;
  const median = quantile(xs, 0.5);
  if (new Set(xs).size < 3) return median;
  let mu = [quantile(xs, 0.25), quantile(xs, 0.75)];
  if (mu[1]! - mu[0]! < 1e-9) return median;
  const mean = xs.reduce((acc, x) => acc + x, 0) / xs.length;
  const total = xs.reduce((acc, x) => acc + (x - mean) ** 2, 0) / xs.length;
  let variance = [Math.max(total, 1e-6), Math.max(total, 1e-6)];
  let weight = [0.5, 0.5];
  const resp = new Float64Array(xs.length);
  for (let step = 0; step < 100; step++) {
    // E-step with the normalising constants hoisted out of the loop.
    const c0 = weight[0]! / Math.sqrt(variance[0]!);
    const c1 = weight[1]! / Math.sqrt(variance[1]!);
    const k0 = -0.5 / variance[0]!;
    const k1 = -0.5 / variance[1]!;
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      const d0 = c0 * Math.exp(k0 * (x - mu[0]!) ** 2);
      const d1 = c1 * Math.exp(k1 * (x - mu[1]!) ** 2);
      resp[i] = d0 + d1 > 0 ? d1 / (d0 + d1) : 0.5;
    }
    let n1 = 0;
    let s1 = 0;
    let s0 = 0;
    for (let i = 0; i < xs.length; i++) {
      n1 += resp[i]!;
      s1 += resp[i]! * xs[i]!;
      s0 += (1 - resp[i]!) * xs[i]!;
    }
    const n0 = xs.length - n1;
    if (n0 < 1e-9 || n1 < 1e-9) return median;
    const next = [s0 / n0, s1 / n1];
    let v0 = 0;
    let v1 = 0;
    for (let i = 0; i < xs.length; i++) {
      v0 += (1 - resp[i]!) * (xs[i]! - next[0]!) ** 2;
      v1 += resp[i]! * (xs[i]! - next[1]!) ** 2;
    }
    const moved = Math.abs(next[0]! - mu[0]!) + Math.abs(next[1]! - mu[1]!);
    mu = next;
    variance = [Math.max(v0 / n0, 1e-6), Math.max(v1 / n1, 1e-6)];
    weight = [n0 / xs.length, n1 / xs.length];
    if (moved < 1e-7) break;
  }
  const lo = Math.min(mu[0]!, mu[1]!);
  const hi = Math.max(mu[0]!, mu[1]!);
  if (hi - lo < 1e-9) return median;
  let best = median;
  let bestDensity = Infinity;
  for (let g = 1; g < 1000; g++) {
    const x = lo + ((hi - lo) * g) / 1000;
    const density = weight[0]! * gaussian(x, mu[0]!, variance[0]!) + weight[1]! * gaussian(x, mu[1]!, variance[1]!);
    if (density < bestDensity) {
      bestDensity = density;
      best = x;
    }
  }
  return best;
}

/**
 * Picks the calibration leaves of one iteration from the scored leaves: the best one as anchor, then
 * K − 1 more drawn without replacement with weight 16^latent above the mixture threshold and 1e-4 below
 * (reference). With at most K leaves in the pool, all are taken.
 */
export function drawCalibrationLeaves(pool: readonly PoolLeaf[], k: number, rng: Rng): CalibrationDraw {
  if (k <= 0 || pool.length === 0) return { anchor: null, drawn: [] };
  const sorted = [...pool].sort((x, y) => y.latent - x.latent || x.node.preorder - y.node.preorder);
  const anchor = sorted[0]!.node;
  const rest = sorted.slice(1);
  if (rest.length <= k - 1) return { anchor, drawn: rest.map((leaf) => leaf.node) };
  const threshold = calibrationThreshold(sorted.map((leaf) => leaf.latent));
  const weights = rest.map((leaf) => (leaf.latent > threshold ? 16 ** leaf.latent : 1e-4));
  const drawn: TreeNode[] = [];
  let total = weights.reduce((acc, x) => acc + x, 0);
  for (let pick = 0; pick < k - 1; pick++) {
    let target = rng() * total;
    let chosen = -1;
    for (let i = 0; i < rest.length; i++) {
      if (weights[i] === 0) continue;
      chosen = i;
      target -= weights[i]!;
      if (target < 0) break;
    }
    if (chosen < 0) break;
    drawn.push(rest[chosen]!.node);
    total -= weights[chosen]!;
    weights[chosen] = 0;
  }
  return { anchor, drawn };
}

export interface BuildSlatesInput {
  iteration: number;
  parent: TreeNode;
  /** The parent's children parts still to be judged (all of them on a first expansion). */
  parts: readonly ChildPart[];
  /** This iteration's calibration leaves (used only by slates whose children are all leaves). */
  calibration: CalibrationDraw;
  /** Best scored node at the parent's depth; null at the root. */
  reference: TreeNode | null;
  /** More anchors for slates that are not all leaves, after the reference node (see SearchOptions.innerAnchors). Defaults to none. */
  innerAnchors?: readonly TreeNode[];
}

/**
 * One slate per pending part: the children in tree order, then the anchors. Leaf slates take the
 * calibration leaves (anchor first, the drawn ones by preorder), or the reference node while no leaf
 * has been scored; other slates take the reference node, then `innerAnchors`. Nodes already in the
 * slate are skipped.
 */
export function buildSlates(input: BuildSlatesInput): Slate[] {
  const slates: Slate[] = [];
  for (const part of input.parts) {
    const candidates: SlateCandidate[] = part.nodes.map((node) => ({ node, role: 'child' }));
    const present = new Set(part.nodes.map((node) => node.id));
    const extras: SlateCandidate[] = [];
    const allLeaves = part.nodes.every(isLeaf);
    if (allLeaves && input.calibration.anchor) {
      const drawn = [...input.calibration.drawn].sort((x, y) => x.preorder - y.preorder);
      extras.push({ node: input.calibration.anchor, role: 'anchor' });
      for (const node of drawn) extras.push({ node, role: 'calibration' });
    } else {
      if (input.reference) extras.push({ node: input.reference, role: 'anchor' });
      if (!allLeaves) for (const node of input.innerAnchors ?? []) extras.push({ node, role: 'anchor' });
    }
    for (const extra of extras) {
      if (present.has(extra.node.id)) continue;
      present.add(extra.node.id);
      candidates.push(extra);
    }
    slates.push({
      iteration: input.iteration,
      parentId: input.parent.id,
      ...(part.of > 1 ? { part: { index: part.index, of: part.of } } : {}),
      candidates,
    });
  }
  return slates;
}

/** The seed slate: documents proposed by a flat retriever, judged once at iteration 0. */
export function buildSeedSlate(iteration: number, nodes: readonly TreeNode[]): Slate {
  return { iteration, parentId: null, candidates: nodes.map((node) => ({ node, role: 'seed' as const })) };
}

function gaussian(x: number, mu: number, variance: number): number {
  return Math.exp(-((x - mu) ** 2) / (2 * variance)) / Math.sqrt(2 * Math.PI * variance);
}
