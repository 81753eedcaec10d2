/**
 * Reciprocal-rank fusion of the tree ranking with a flat ranking (LATTICE++-style ensembling;
 * the paper's own fusion rule is unverified, so this is plain RRF).
 * fused(d) = 1 / (k + rank_tree(d)) + weight / (k + rank_flat(d)), ranks 1-based, a missing
 * list contributing 0. Ties: better tree rank, then better flat rank, then document id.
 * Invariant: pure; used by traverser/search.ts when `flat` is given.
 */

export interface FusedDocument {
  docId: string;
  score: number;
  /** 1-based ranks in each list, null when absent from it. */
  treeRank: number | null;
  flatRank: number | null;
}

/** RRF of `tree` (document ids, best first) and `flat` (scored ids); weight defaults to 1, k to 60. */
export function fuseRrf(
  tree: readonly string[],
  flat: readonly { docId: string; score: number }[],
  options: { weight?: number; k?: number } = {},
): FusedDocument[] {
  const weight = options.weight ?? 1;
  const k = options.k ?? 60;
  const byDoc = new Map<string, FusedDocument>();
  tree.forEach((docId, i) => {
    if (!byDoc.has(docId)) byDoc.set(docId, { docId, score: 1 / (k + i + 1), treeRank: i + 1, flatRank: null });
  });
  // Stable sort: equal flat scores keep their input order.
  const flatOrder = flat.map((entry, i) => ({ ...entry, i })).sort((a, b) => b.score - a.score || a.i - b.i);
  let rank = 0;
  const seenFlat = new Set<string>();
  for (const entry of flatOrder) {
    if (seenFlat.has(entry.docId)) continue;
    seenFlat.add(entry.docId);
    rank++;
    const share = weight / (k + rank);
    const existing = byDoc.get(entry.docId);
    if (existing) {
      existing.score += share;
      existing.flatRank = rank;
    } else {
      byDoc.set(entry.docId, { docId: entry.docId, score: share, treeRank: null, flatRank: rank });
    }
  }
  const orNone = (rank: number | null): number => rank ?? Number.POSITIVE_INFINITY;
  return [...byDoc.values()].sort(
    (a, b) =>
      b.score - a.score ||
      orNone(a.treeRank) - orNone(b.treeRank) ||
      orNone(a.flatRank) - orNone(b.flatRank) ||
      (a.docId < b.docId ? -1 : a.docId > b.docId ? 1 : 0),
  );
}
