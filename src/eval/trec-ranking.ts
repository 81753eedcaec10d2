/**
 * Turns a scored result list into the order trec_eval evaluates: score descending, ties broken by
 * document id in descending string order (trec_eval's comp_sim_docno, which pytrec_eval and BEIR
 * inherit). Why only among adjacent equal scores: a retriever may rank a document below a higher
 * score on purpose (the tree ranks never-scored leaves after scored ones); for a list already sorted
 * by score this is exactly trec_eval's sort, otherwise it keeps the engine's order.
 * A document listed twice keeps its first place. Invariant: pure; never reorders unequal scores.
 */
import { firstPerDocument } from '../core/util/first-per-document.js';

export interface ScoredDoc {
  docId: string;
  score: number;
}

/** Document ids in evaluation order (see the module comment for the tie rule). */
export function trecRanking(results: readonly ScoredDoc[]): string[] {
  const unique = firstPerDocument(results);
  const out: string[] = [];
  let at = 0;
  while (at < unique.length) {
    let end = at + 1;
    while (end < unique.length && unique[end]!.score === unique[at]!.score) end++;
    const group = unique.slice(at, end).map((entry) => entry.docId);
    if (group.length > 1) group.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
    out.push(...group);
    at = end;
  }
  return out;
}
