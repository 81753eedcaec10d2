/**
 * Combines the tree ranking with a flat ranking. 'rrf': reciprocal-rank fusion (LATTICE++-style
 * ensembling; the paper's own fusion rule is unverified, so this is plain RRF):
 * fused(d) = 1 / (k + rank_tree(d)) + weight / (k + rank_flat(d)), ranks 1-based, a missing
 * list contributing 0. Ties: better tree rank, then better flat rank, then document id.
 * 'append': the judged tree ranking stays as it is and the flat list only fills the tail, so the
 * judge's order is never diluted (RRF lowers nDCG@10 when the judge beats the flat retriever) while
 * Recall@100 gets the flat retriever's documents the search never reached. With `head`, only the
 * tree's first `head` documents come first: past the first page, a document the search judged
 * weakly is worth less than a flat hit, so the flat list fills everything after it.
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
  for (const [docId, rank] of flatRanks(flat)) {
    const share = weight / (k + rank);
    const existing = byDoc.get(docId);
    if (existing) {
      existing.score += share;
      existing.flatRank = rank;
    } else {
      byDoc.set(docId, { docId, score: share, treeRank: null, flatRank: rank });
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

/**
 * Scored tree documents with a score of at least `minScore` (defaults to -Infinity: all of them) in
 * tree order, at most `head` of them (defaults to all), then the flat documents not among them in flat
 * order, then the remaining tree documents (`scored: false` ones among them). A document past the head
 * that the flat list also holds keeps its flat place when the head was cut by `head` (the cut is by
 * rank, so it says nothing against the document), and goes last when its own score sent it there.
 * Output scores decrease strictly: tree entries of the first group keep their score; the others get
 * scores below it.
 */
export function fuseAppend(
  tree: readonly { docId: string; score: number; scored?: boolean }[],
  flat: readonly { docId: string; score: number }[],
  options: { minScore?: number; head?: number } = {},
): FusedDocument[] {
  const minScore = options.minScore ?? Number.NEGATIVE_INFINITY;
  const headSize = options.head ?? Number.POSITIVE_INFINITY;
  const flatRank = flatRanks(flat);
  const seen = new Set<string>();
  const head: FusedDocument[] = [];
  const tail: FusedDocument[] = [];
  const cutByHead = new Map<string, FusedDocument>();
  tree.forEach((entry, i) => {
    if (seen.has(entry.docId)) return;
    seen.add(entry.docId);
    // The first time a document is seen is its tree rank.
    const doc = { docId: entry.docId, score: entry.score, treeRank: i + 1, flatRank: flatRank.get(entry.docId) ?? null };
    const qualifies = entry.scored !== false && entry.score >= minScore;
    if (qualifies && head.length < headSize) head.push(doc);
    else if (qualifies && doc.flatRank !== null) cutByHead.set(doc.docId, doc);
    else tail.push(doc);
  });
  const middle: FusedDocument[] = [];
  for (const [docId, rank] of flatRank) {
    const cut = cutByHead.get(docId);
    if (cut) middle.push(cut);
    else if (!seen.has(docId)) middle.push({ docId, score: 0, treeRank: null, flatRank: rank });
  }
  // Scores below the head's lowest, strictly decreasing, so a sort by score keeps this order.
  let floor = Math.min(0, ...head.map((doc) => doc.score));
  for (const group of [middle, tail]) {
    group.forEach((doc, i) => (doc.score = floor - (i + 1) / (group.length + 1)));
    floor -= 1;
  }
  return [...head, ...middle, ...tail];
}

/** 1-based rank of each flat document by score, best first; equal scores keep input order, duplicates their first entry. */
function flatRanks(flat: readonly { docId: string; score: number }[]): Map<string, number> {
  const order = flat.map((entry, i) => ({ ...entry, i })).sort((a, b) => b.score - a.score || a.i - b.i);
  const ranks = new Map<string, number>();
  for (const entry of order) if (!ranks.has(entry.docId)) ranks.set(entry.docId, ranks.size + 1);
  return ranks;
}
