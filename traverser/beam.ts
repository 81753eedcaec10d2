/**
 * Chooses which frontier nodes to expand next: the best B by path relevance, over the whole
 * frontier at any depth (global best-first, as the reference), and the reference node that
 * anchors a slate one level above its candidates.
 * Ties (common: scores are multiples of 0.01) go to the lower preorder index, never to insertion
 * order (digest pitfall 11). Pruned nodes (own score below the threshold) are skipped.
 * Invariant: pure and O(frontier × k); used by traverser/search.ts once per iteration.
 */

export interface FrontierEntry {
  id: number;
  /** Path relevance used for ordering. */
  p: number;
  /** The node's own score (for pruning). */
  own: number;
  preorder: number;
}

/** Frontier order: path relevance descending, then preorder ascending. */
export function compareFrontier(a: FrontierEntry, b: FrontierEntry): number {
  return b.p - a.p || a.preorder - b.preorder;
}

/** The best `k` entries in frontier order, by partial insertion (k is small). */
export function topEntries<T extends FrontierEntry>(entries: Iterable<T>, k: number): T[] {
  const best: T[] = [];
  if (k <= 0) return best;
  for (const entry of entries) {
    if (best.length === k && compareFrontier(entry, best[k - 1]!) >= 0) continue;
    let at = best.length;
    while (at > 0 && compareFrontier(entry, best[at - 1]!) < 0) at--;
    best.splice(at, 0, entry);
    if (best.length > k) best.pop();
  }
  return best;
}

/**
 * The beam: the best `beamSize` frontier entries whose own score is at least `pruneThreshold`
 * (0 disables pruning), plus the best `traceSize` eligible entries for the trace.
 */
export function selectBeam<T extends FrontierEntry>(
  frontier: Iterable<T>,
  beamSize: number,
  pruneThreshold = 0,
  traceSize = 0,
): { beam: T[]; top: T[] } {
  const eligible = pruneThreshold > 0 ? filter(frontier, (entry) => entry.own >= pruneThreshold) : frontier;
  const top = topEntries(eligible, Math.max(beamSize, traceSize));
  return { beam: top.slice(0, beamSize), top: top.slice(0, traceSize) };
}

/** The reference node for a slate below depth `depth`: the best candidate at that depth, or null. */
export function referenceNode<T extends FrontierEntry & { depth: number }>(candidates: Iterable<T>, depth: number): T | null {
  let best: T | null = null;
  for (const candidate of candidates) {
    if (candidate.depth !== depth) continue;
    if (best === null || compareFrontier(candidate, best) < 0) best = candidate;
  }
  return best;
}

function* filter<T>(items: Iterable<T>, keep: (item: T) => boolean): Iterable<T> {
  for (const item of items) if (keep(item)) yield item;
}
