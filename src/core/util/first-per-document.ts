/**
 * Keeps the first entry of each document id, in input order. Why one helper: a ranking
 * (the tree's, trec_eval's, a rerank's candidate list) may name a document more than once
 * (several chunks, or a caller's duplicates), and each of them keeps its best, first place.
 */

/** Entries whose document id was not seen earlier in `entries`. */
export function firstPerDocument<T extends { docId: string }>(entries: Iterable<T>): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const entry of entries) {
    if (seen.has(entry.docId)) continue;
    seen.add(entry.docId);
    out.push(entry);
  }
  return out;
}
