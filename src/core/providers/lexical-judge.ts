/**
 * A judge without a model: BM25 of the query against each candidate's title and text,
 * with corpus-level statistics, squashed to [0, 100]. It is the cheap baseline judge and
 * the fallback when a model answer cannot be used.
 * Why this scale: raw BM25 grows with query length, so it is first divided by the query's
 * idf mass M(q) = sum of qtf · idf over query terms (the score a document matching every term
 * infinitely often would approach), giving r in [0, 1); then score = 100 · (1 + c) · r / (r + c),
 * with c = 0.4, the median r of judged-relevant documents for SciFact train queries
 * (a typical relevant document lands near 70, an unrelated one near 0, r = 1 at 100).
 * Inner nodes are scored with b = 0 and k1 = 0.3: their text is a summary plus a keyword profile
 * of the subtree (IndexStore.toNode), whose length grows with the subtree's vocabulary, not with
 * verbosity, and in which a term counts by being there, not by repetition. So an inner node scores
 * about the share of the query's idf mass its subtree covers. On SciFact train from the root this
 * kept nDCG@10 at 0.685 under the search defaults of the time (alpha 0.5) and raised it from 0.61
 * to 0.66 under alpha 0.7 with 5 inner anchors, where BM25's own k1 and b made large subtrees lose
 * for being large.
 * Presence alone saturates where every top-level cluster holds every query term (short queries of
 * common words: on NPL the root's children all scored 0.84-0.93). When the index knows how many
 * documents under a cluster contain each keyword (`profiles`), an inner node's score is the mean of
 * the presence score and a density score: the same squash of Σ w_q · d_q / (d_q + 0.03) over the
 * query mass, d_q being the share of the cluster's documents containing term q. On SciFact train
 * (the tuning set) the mix ties presence alone (from the root 0.664 vs 0.665 nDCG@10, seeded 0.694
 * vs 0.694; density alone 0.655 at best); it is the default because it does not saturate.
 * Invariant: a fixed function of (query, candidate kind and text, its profile, corpus statistics):
 * the same candidate scores the same in every slate. Makes no calls; usage is zero.
 */
import { LatticeError } from '../errors.js';
import { analyseText, bm25Idf, queryTermWeights, scoreAnalysed, scoreTextsWeighted, type AnalysedText, type Bm25Stats } from '../lexical/bm25.js';
import { tokenize } from '../text/tokenize.js';
import type { Judge, JudgeRequest, JudgeResult, KeywordProfile } from '../types.js';

export interface LexicalJudgeOptions {
  /** Normalised BM25 score r that maps to 100 · (1 + c) / 2 (about 70 for the default 0.4). */
  pivot?: number;
  /** BM25 saturation and length normalisation for inner nodes. Defaults to LEXICAL_JUDGE_INNER ({ k1: 0.3, b: 0 }). */
  inner?: { k1?: number; b?: number };
  /**
   * A cluster's keyword profile by node id (LatticeIndex passes its store's), which adds the density
   * score to inner nodes; without it, or for a node without a profile, inner nodes score by presence.
   */
  profiles?: (nodeId: number) => KeywordProfile | undefined;
}

export const LEXICAL_JUDGE_PIVOT = 0.4;
/**
 * Analysed texts kept per judge. Inner nodes (summary plus a keyword profile of up to 1,000
 * terms) are judged again and again across slates and queries, and analysing one costs far more
 * than scoring it; leaves are cheap and seldom repeat, so only inner texts are kept. About
 * 50 kB each at 1,000 keywords, so the cache stays under about 50 MB.
 */
const ANALYSED_CACHE_SIZE = 1024;
/** How inner nodes (summaries and keyword profiles, not documents) are scored; see the module comment. */
export const LEXICAL_JUDGE_INNER = Object.freeze({ k1: 0.3, b: 0 });
/** Density at which a term counts half (d / (d + c)), and the density score's weight in the mix. */
export const LEXICAL_JUDGE_DENSITY = Object.freeze({ c: 0.03, weight: 0.5 });

/** An inner node as the judge reads it: its analysed text and, when known, stem -> document share. */
interface AnalysedInner {
  /** The text analysed (a custom tree may reuse a node id for another text). */
  source: string;
  text: AnalysedText;
  density: Map<string, number> | undefined;
}

/** Scores slates by BM25 against corpus statistics; provider `lexical`, model `bm25`. */
export class LexicalJudge implements Judge {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'lexical';
  readonly modelId = 'bm25';

  private readonly stats: Bm25Stats;
  /** The same statistics with the inner-node k1 and b. */
  private readonly innerStats: Bm25Stats;
  private readonly pivot: number;
  private readonly profiles: ((nodeId: number) => KeywordProfile | undefined) | undefined;
  /** Inner node id -> analysed form, least recently used first. */
  private readonly analysed = new Map<number, AnalysedInner>();

  /** `stats` usually comes from `Bm25Index.stats()` over the indexed corpus. */
  constructor(stats: Bm25Stats, options: LexicalJudgeOptions = {}) {
    if (!stats || !Number.isFinite(stats.documentCount) || !(stats.documentFrequency instanceof Map)) {
      throw new LatticeError('CONFIG_INVALID', 'the lexical judge needs BM25 corpus statistics', {
        hint: 'Pass Bm25Index.stats() of the indexed corpus.',
      });
    }
    const pivot = options.pivot ?? LEXICAL_JUDGE_PIVOT;
    if (!Number.isFinite(pivot) || pivot <= 0) {
      throw new LatticeError('CONFIG_INVALID', `lexical judge pivot must be a number > 0, got ${String(options.pivot)}`, {
        hint: `Omit pivot to use the default (${LEXICAL_JUDGE_PIVOT}).`,
      });
    }
    const k1 = options.inner?.k1 ?? LEXICAL_JUDGE_INNER.k1;
    const b = options.inner?.b ?? LEXICAL_JUDGE_INNER.b;
    if (!Number.isFinite(k1) || k1 < 0 || !Number.isFinite(b) || b < 0 || b > 1) {
      throw new LatticeError('CONFIG_INVALID', `lexical judge inner-node BM25 needs k1 >= 0 and b in [0, 1], got k1 ${String(k1)}, b ${String(b)}`, {
        hint: `Omit inner to use the defaults (k1 ${LEXICAL_JUDGE_INNER.k1}, b ${LEXICAL_JUDGE_INNER.b}).`,
      });
    }
    this.stats = stats;
    this.innerStats = { ...stats, k1, b };
    this.pivot = pivot;
    this.profiles = options.profiles;
  }

  /** Maps a raw BM25 score for `query` to [0, 100] (exposed for traces and tests). */
  squash(rawScore: number, queryMass: number): number {
    if (!(rawScore > 0) || !(queryMass > 0)) return 0;
    const r = Math.min(rawScore / queryMass, 1);
    const c = this.pivot;
    return Math.min(100, (100 * (1 + c) * r) / (r + c));
  }

  /** The query's idf mass M(q): the supremum of its BM25 score over any text. */
  queryMass(query: string): number {
    const N = this.stats.documentCount;
    let mass = 0;
    for (const term of tokenize(query)) {
      mass += bm25Idf(N, Math.min(this.stats.documentFrequency.get(term) ?? 0, N));
    }
    return mass;
  }

  async doJudge(request: JudgeRequest): Promise<JudgeResult> {
    request.abortSignal?.throwIfAborted();
    if (typeof request.query !== 'string' || !Array.isArray(request.candidates)) {
      throw new LatticeError('CONFIG_INVALID', 'doJudge needs a string `query` and an array of `candidates`', {
        hint: 'Call doJudge({ query, candidates: [{ nodeId, kind, title, text }] }).',
      });
    }
    const texts = request.candidates.map((c) => [c?.title ?? '', c?.text ?? ''].filter((s) => s.length > 0).join(' '));
    const inner = request.candidates.map((c) => c?.kind === 'inner');
    const mass = this.queryMass(request.query);
    const scores = texts.map(() => 0);
    if (mass > 0) {
      // The query is weighed once per slate; idf does not depend on k1 and b, so inner nodes share it.
      const weights = queryTermWeights(this.stats, request.query);
      const leaves = texts.flatMap((_, i) => (inner[i] ? [] : [i]));
      const leafScores = scoreTextsWeighted(this.stats, weights, leaves.map((i) => texts[i]!));
      leaves.forEach((i, j) => (scores[i] = this.squash(leafScores[j]!, mass)));
      texts.forEach((text, i) => {
        if (!inner[i]) return;
        const node = this.analyseInner(request.candidates[i]!.nodeId, text);
        const presence = this.squash(scoreAnalysed(this.innerStats, weights, node.text), mass);
        if (!node.density) {
          scores[i] = presence;
          return;
        }
        let dense = 0;
        for (const [term, w] of weights) {
          const d = node.density.get(term) ?? 0;
          dense += (w * d) / (d + LEXICAL_JUDGE_DENSITY.c);
        }
        scores[i] = (1 - LEXICAL_JUDGE_DENSITY.weight) * presence + LEXICAL_JUDGE_DENSITY.weight * this.squash(dense, mass);
      });
    }
    return {
      scores,
      usage: { calls: 0, inputTokens: 0, outputTokens: 0, cachedCalls: 0 },
    };
  }

  private analyseInner(nodeId: number, text: string): AnalysedInner {
    let found = this.analysed.get(nodeId);
    if (found && found.source === text) {
      this.analysed.delete(nodeId);
    } else {
      if (found) this.analysed.delete(nodeId);
      found = { source: text, text: analyseText(text), density: this.densityOf(nodeId) };
      if (this.analysed.size >= ANALYSED_CACHE_SIZE) this.analysed.delete(this.analysed.keys().next().value!);
    }
    this.analysed.set(nodeId, found);
    return found;
  }

  /** Stem -> share of the cluster's documents containing it (the largest share among surface forms). */
  private densityOf(nodeId: number): Map<string, number> | undefined {
    const profile = this.profiles?.(nodeId);
    if (!profile || profile.terms.length === 0 || profile.terms.length !== profile.density.length) return undefined;
    const density = new Map<string, number>();
    profile.terms.forEach((term, i) => {
      const d = profile.density[i]!;
      if (!(d > 0)) return;
      for (const stem of tokenize(term)) density.set(stem, Math.max(density.get(stem) ?? 0, Math.min(1, d)));
    });
    return density;
  }
}
