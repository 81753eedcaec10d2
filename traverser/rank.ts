/**
 * Final document ranking of a search: one entry per document, at its best node.
 * Why explicit keys: ties are common (scores are multiples of 0.01 mixed at alpha = 0.5), so the
 * order must not depend on insertion order (digest §6, pitfall 11): scored before never-scored,
 * then score descending, then preorder ascending. A chunked document ranks by its best chunk.
 * Invariant: pure; used by traverser/search.ts before fusion and hit assembly.
 */
import { firstPerDocument } from '../src/core/util/first-per-document.js';

export interface RankCandidate {
  docId: string;
  nodeId: number;
  preorder: number;
  /** Final score (for never-scored leaves: the parent's share alone, used only among themselves). */
  score: number;
  /** false for a leaf that was reached but never got a usable score: it ranks after every scored one. */
  scored: boolean;
}

export type RankedDocument = RankCandidate;

/** Compares two candidates in ranking order. */
export function compareRank(a: RankCandidate, b: RankCandidate): number {
  if (a.scored !== b.scored) return a.scored ? -1 : 1;
  return b.score - a.score || a.preorder - b.preorder;
}

/** Sorts candidates into the final order and keeps each document's best candidate only. */
export function rankDocuments(candidates: readonly RankCandidate[]): RankedDocument[] {
  return firstPerDocument([...candidates].sort(compareRank));
}
