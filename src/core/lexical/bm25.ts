/**
 * In-memory BM25 inverted index for flat lexical retrieval, the baseline every tree
 * search is compared against, and the corpus statistics the lexical judge scores with.
 * Scoring is Lucene's BM25Similarity without its lossy length encoding:
 *   score(q, d) = sum over query terms t of qtf(t) * idf(t) * tf / (tf + k1 * (1 - b + b * dl / avgdl)),
 *   idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)), dl = number of analysed tokens (text/tokenize.ts).
 * Defaults k1 = 0.9, b = 0.4 (Pyserini's). Postings are CSR typed arrays (term -> docs, tfs),
 * so 100k documents fit in tens of megabytes. Ties rank by document id ascending.
 * Why in-house: it fixes Lucene's scoring exactly (the baselines we compare against) and stores
 * its postings in the index file. scripts/bench-bm25.ts holds it against wink-bm25-text-search
 * on SciFact with the same analysis: the rankings agree and this index builds and searches faster.
 * Invariant: ranking is a pure function of (documents in order, params, query).
 */
import { blobCorruption, packBlob, unpackBlob } from '../util/binary-blob.js';
import { GrowableU32 } from '../util/growable-u32.js';
import { LatticeError } from '../errors.js';
import { TermCounter } from '../text/term-counter.js';
import { tokenize } from '../text/tokenize.js';

export interface Bm25Params {
  /** Term-frequency saturation; default 0.9. */
  k1?: number;
  /** Length normalisation strength in [0, 1]; default 0.4. */
  b?: number;
}

export interface Bm25Hit {
  id: string;
  score: number;
}

export interface Bm25SearchOptions {
  /** Document ids that must not be returned. */
  exclude?: ReadonlySet<string>;
}

/** Corpus-level statistics, enough to score any text against a query as if it were in the corpus. */
export interface Bm25Stats {
  /** Number of documents (N). */
  readonly documentCount: number;
  /** Mean analysed length in tokens (avgdl); 0 when every document is empty. */
  readonly averageDocumentLength: number;
  readonly k1: number;
  readonly b: number;
  /** Analysed term -> number of documents containing it (df). */
  readonly documentFrequency: ReadonlyMap<string, number>;
}

export const BM25_DEFAULTS = Object.freeze({ k1: 0.9, b: 0.4 });

function resolveParams(params: Bm25Params | undefined): { k1: number; b: number } {
  const k1 = params?.k1 ?? BM25_DEFAULTS.k1;
  const b = params?.b ?? BM25_DEFAULTS.b;
  if (!Number.isFinite(k1) || k1 < 0) {
    throw new LatticeError('CONFIG_INVALID', `BM25 k1 must be a finite number >= 0, got ${String(k1)}`, {
      hint: 'Use k1 between 0.5 and 2 (default 0.9).',
    });
  }
  if (!Number.isFinite(b) || b < 0 || b > 1) {
    throw new LatticeError('CONFIG_INVALID', `BM25 b must be in [0, 1], got ${String(b)}`, {
      hint: 'Use b between 0 and 1 (default 0.4).',
    });
  }
  return { k1, b };
}

/** Lucene's BM25 idf: ln(1 + (N - df + 0.5) / (df + 0.5)); always > 0. */
export function bm25Idf(documentCount: number, df: number): number {
  return Math.log(1 + (documentCount - df + 0.5) / (df + 0.5));
}

const MAGIC = 'LTBM25';
const FORMAT_VERSION = 1;
const corrupt = blobCorruption('BM25 index');

/** Selects the k best (score desc, id asc) among `candidates` with a bounded binary heap. */
function topK(
  candidates: Uint32Array,
  count: number,
  scores: Float64Array,
  ids: readonly string[],
  k: number,
): number[] {
  // worse(a, b): a ranks below b.
  const worse = (a: number, b: number): boolean => {
    const sa = scores[a]!;
    const sb = scores[b]!;
    if (sa !== sb) return sa < sb;
    return ids[a]! > ids[b]!;
  };
  const heap: number[] = [];
  const siftUp = (i: number): void => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!worse(heap[i]!, heap[p]!)) break;
      const t = heap[i]!;
      heap[i] = heap[p]!;
      heap[p] = t;
      i = p;
    }
  };
  const siftDown = (i: number): void => {
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && worse(heap[l]!, heap[m]!)) m = l;
      if (r < n && worse(heap[r]!, heap[m]!)) m = r;
      if (m === i) break;
      const t = heap[i]!;
      heap[i] = heap[m]!;
      heap[m] = t;
      i = m;
    }
  };
  for (let c = 0; c < count; c++) {
    const d = candidates[c]!;
    if (heap.length < k) {
      heap.push(d);
      siftUp(heap.length - 1);
    } else if (worse(heap[0]!, d)) {
      heap[0] = d;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
}

/** The text an index's BM25 holds for a document: its title, then its text. */
export function bm25Text(doc: { title: string; text: string }): string {
  return doc.title ? `${doc.title} ${doc.text}` : doc.text;
}

export class Bm25Index {
  readonly k1: number;
  readonly b: number;
  private readonly ids: string[];
  private readonly terms: string[];
  private readonly termIds: Map<string, number>;
  private readonly docLengths: Uint32Array;
  /** CSR: postings of term t are [termOffsets[t], termOffsets[t + 1]). */
  private readonly termOffsets: Uint32Array;
  private readonly postingDocs: Uint32Array;
  private readonly postingTfs: Uint32Array;
  private readonly avgdl: number;
  /** k1 * (1 - b + b * dl / avgdl) per document, precomputed for the scoring loop. */
  private readonly lengthNorm: Float64Array;
  // Scratch reused across searches (search is synchronous, so never shared by two calls).
  private readonly acc: Float64Array;
  private readonly touchedMark: Uint32Array;
  private readonly touched: Uint32Array;
  private epoch = 0;
  private cachedStats: Bm25Stats | undefined;

  private constructor(
    params: { k1: number; b: number },
    ids: string[],
    terms: string[],
    docLengths: Uint32Array,
    termOffsets: Uint32Array,
    postingDocs: Uint32Array,
    postingTfs: Uint32Array,
  ) {
    this.k1 = params.k1;
    this.b = params.b;
    this.ids = ids;
    this.terms = terms;
    this.termIds = new Map();
    for (let t = 0; t < terms.length; t++) this.termIds.set(terms[t]!, t);
    this.docLengths = docLengths;
    this.termOffsets = termOffsets;
    this.postingDocs = postingDocs;
    this.postingTfs = postingTfs;
    const n = ids.length;
    let total = 0;
    for (let d = 0; d < n; d++) total += docLengths[d]!;
    this.avgdl = n > 0 ? total / n : 0;
    this.lengthNorm = new Float64Array(n);
    for (let d = 0; d < n; d++) {
      const rel = this.avgdl > 0 ? docLengths[d]! / this.avgdl : 1;
      this.lengthNorm[d] = this.k1 * (1 - this.b + this.b * rel);
    }
    this.acc = new Float64Array(n);
    this.touchedMark = new Uint32Array(n);
    this.touched = new Uint32Array(n);
  }

  /**
   * Indexes `docs` (analysed with `tokenize`, stemming and stop words on).
   * Params default to k1 = 0.9, b = 0.4. Duplicate ids are an INPUT_BAD_DOCUMENTS error.
   */
  static build(docs: Iterable<{ id: string; text: string }>, params?: Bm25Params): Bm25Index {
    const resolved = resolveParams(params);
    const ids: string[] = [];
    const seenIds = new Set<string>();
    const counter = new TermCounter();
    const lengths = new GrowableU32();
    // Postings accumulate as (term, doc, tf) triples in document order, then a counting sort groups them by term.
    const pTerm = new GrowableU32(1 << 16);
    const pDoc = new GrowableU32(1 << 16);
    const pTf = new GrowableU32(1 << 16);

    for (const doc of docs) {
      if (!doc || typeof doc.id !== 'string' || typeof doc.text !== 'string') {
        throw new LatticeError('INPUT_BAD_DOCUMENTS', `BM25 document #${ids.length} needs string "id" and "text"`, {
          hint: 'Pass objects shaped { id: string, text: string }.',
        });
      }
      if (seenIds.has(doc.id)) {
        throw new LatticeError('INPUT_BAD_DOCUMENTS', `duplicate document id "${doc.id}"`, {
          hint: 'Give every document a unique id.',
        });
      }
      seenIds.add(doc.id);
      const d = ids.length;
      ids.push(doc.id);
      const tokens = tokenize(doc.text);
      lengths.push(tokens.length);
      for (const t of counter.count(tokens)) {
        pTerm.push(t);
        pDoc.push(d);
        pTf.push(counter.tfOf(t));
      }
    }

    const terms = counter.terms;
    const V = terms.length;
    const P = pTerm.length;
    const termOffsets = new Uint32Array(V + 1);
    const tv = pTerm.view();
    for (let i = 0; i < P; i++) termOffsets[tv[i]! + 1]!++;
    for (let t = 0; t < V; t++) termOffsets[t + 1]! += termOffsets[t]!;
    const cursor = termOffsets.slice(0, V);
    const postingDocs = new Uint32Array(P);
    const postingTfs = new Uint32Array(P);
    const dv = pDoc.view();
    const fv = pTf.view();
    for (let i = 0; i < P; i++) {
      const pos = cursor[tv[i]!]!++;
      postingDocs[pos] = dv[i]!;
      postingTfs[pos] = fv[i]!;
    }
    return new Bm25Index(resolved, ids, terms, lengths.view().slice(), termOffsets, postingDocs, postingTfs);
  }

  /** Number of indexed documents. */
  get size(): number {
    return this.ids.length;
  }

  /**
   * The `k` best documents for `query`, score descending, ties by id ascending.
   * Documents sharing no term with the query are not returned, so fewer than `k` may come back.
   */
  search(query: string, k: number, options: Bm25SearchOptions = {}): Bm25Hit[] {
    if (!Number.isInteger(k) || k < 0) {
      throw new LatticeError('CONFIG_INVALID', `BM25 search k must be a whole number >= 0, got ${String(k)}`, {
        hint: 'Pass the number of hits wanted, e.g. 10.',
      });
    }
    if (k === 0 || this.ids.length === 0) return [];
    const qtf = new Map<number, number>();
    for (const tok of tokenize(query)) {
      const t = this.termIds.get(tok);
      if (t !== undefined) qtf.set(t, (qtf.get(t) ?? 0) + 1);
    }
    if (qtf.size === 0) return [];

    this.epoch++;
    if (this.epoch === 0xffffffff) {
      this.touchedMark.fill(0);
      this.epoch = 1;
    }
    const epoch = this.epoch;
    const acc = this.acc;
    const mark = this.touchedMark;
    const touched = this.touched;
    const norm = this.lengthNorm;
    const docs = this.postingDocs;
    const tfs = this.postingTfs;
    const N = this.ids.length;
    let count = 0;
    // Terms are summed in order of first appearance in the query, as scoreTexts does, so both
    // give bit-identical scores for the same text.
    for (const t of qtf.keys()) {
      const start = this.termOffsets[t]!;
      const end = this.termOffsets[t + 1]!;
      const weight = qtf.get(t)! * bm25Idf(N, end - start);
      for (let p = start; p < end; p++) {
        const d = docs[p]!;
        const tf = tfs[p]!;
        const s = (weight * tf) / (tf + norm[d]!);
        if (mark[d] !== epoch) {
          mark[d] = epoch;
          acc[d] = s;
          touched[count++] = d;
        } else {
          acc[d] = acc[d]! + s;
        }
      }
    }
    let candidates = touched;
    if (options.exclude && options.exclude.size > 0) {
      let kept = 0;
      for (let i = 0; i < count; i++) {
        const d = touched[i]!;
        if (!options.exclude.has(this.ids[d]!)) touched[kept++] = d;
      }
      count = kept;
      candidates = touched;
    }
    const best = topK(candidates, count, acc, this.ids, k);
    return best.map((d) => ({ id: this.ids[d]!, score: acc[d]! }));
  }

  /** Corpus statistics (N, avgdl, df per term, k1, b); built once and cached. */
  stats(): Bm25Stats {
    if (!this.cachedStats) {
      const df = new Map<string, number>();
      for (let t = 0; t < this.terms.length; t++) df.set(this.terms[t]!, this.termOffsets[t + 1]! - this.termOffsets[t]!);
      this.cachedStats = Object.freeze({
        documentCount: this.ids.length,
        averageDocumentLength: this.avgdl,
        k1: this.k1,
        b: this.b,
        documentFrequency: df,
      });
    }
    return this.cachedStats;
  }

  /** Document ids in index order. */
  documentIds(): readonly string[] {
    return this.ids;
  }

  /**
   * Binary form for storage (e.g. an SQLite blob): a magic tag, a JSON header with params,
   * ids and terms, then the typed arrays little-endian. `deserialize` restores an identical index.
   */
  serialize(): Buffer {
    return packBlob(
      MAGIC,
      {
        version: FORMAT_VERSION,
        k1: this.k1,
        b: this.b,
        documents: this.ids.length,
        terms: this.terms.length,
        postings: this.postingDocs.length,
        ids: this.ids,
        vocabulary: this.terms,
      },
      [this.docLengths, this.termOffsets, this.postingDocs, this.postingTfs],
    );
  }

  /** Restores an index written by `serialize`; damaged input is an INDEX_CORRUPT error. */
  static deserialize(buf: Buffer | Uint8Array): Bm25Index {
    const blob = unpackBlob<{
      version: number;
      k1: number;
      b: number;
      documents: number;
      terms: number;
      postings: number;
      ids: string[];
      vocabulary: string[];
    }>(buf, MAGIC, FORMAT_VERSION, 'BM25 index');
    const { header } = blob;
    const { documents: n, terms: v, postings: p } = header;
    if (!Array.isArray(header.ids) || !Array.isArray(header.vocabulary) || header.ids.length !== n || header.vocabulary.length !== v) {
      throw corrupt('id or vocabulary count disagrees with the header');
    }
    blob.expectValues(n + (v + 1) + 2 * p);
    const docLengths = blob.uint32(n);
    const termOffsets = blob.uint32(v + 1);
    const postingDocs = blob.uint32(p);
    const postingTfs = blob.uint32(p);
    if (termOffsets[0] !== 0 || termOffsets[v] !== p) throw corrupt('posting offsets do not span the postings');
    for (let t = 0; t < v; t++) if (termOffsets[t]! > termOffsets[t + 1]!) throw corrupt('posting offsets decrease');
    for (let i = 0; i < p; i++) if (postingDocs[i]! >= n) throw corrupt('a posting names a document out of range');
    return new Bm25Index(
      resolveParams({ k1: header.k1, b: header.b }),
      header.ids,
      header.vocabulary,
      docLengths,
      termOffsets,
      postingDocs,
      postingTfs,
    );
  }
}

/**
 * BM25 scores of arbitrary `texts` against `query`, using corpus-level `stats` (N, avgdl, df)
 * as if each text were a corpus document. Query terms unknown to the corpus get df = 0.
 * Used by the lexical judge to score summaries and leaves on one scale.
 */
export function scoreTexts(stats: Bm25Stats, query: string, texts: readonly string[]): number[] {
  return scoreTextsWeighted(stats, queryTermWeights(stats, query), texts);
}

/** Query term -> qtf · idf, in order of first appearance; the values sum to the query's idf mass. */
export function queryTermWeights(stats: Bm25Stats, query: string): Map<string, number> {
  const qtf = new Map<string, number>();
  for (const tok of tokenize(query)) qtf.set(tok, (qtf.get(tok) ?? 0) + 1);
  const N = stats.documentCount;
  const weights = new Map<string, number>();
  for (const [term, count] of qtf) weights.set(term, count * bm25Idf(N, Math.min(stats.documentFrequency.get(term) ?? 0, N)));
  return weights;
}

/** scoreTexts with the query already weighed (queryTermWeights); counts only the query's terms in each text. */
export function scoreTextsWeighted(stats: Bm25Stats, weights: ReadonlyMap<string, number>, texts: readonly string[]): number[] {
  const counts = new Map<string, number>();
  return texts.map((text) => {
    if (typeof text !== 'string' || weights.size === 0) return 0;
    const tokens = tokenize(text);
    counts.clear();
    for (const tok of tokens) if (weights.has(tok)) counts.set(tok, (counts.get(tok) ?? 0) + 1);
    return scoreAnalysed(stats, weights, { length: tokens.length, counts });
  });
}

/** The BM25 score of one analysed text (analyseText) for a weighed query (queryTermWeights). */
export function scoreAnalysed(stats: Bm25Stats, weights: ReadonlyMap<string, number>, text: AnalysedText): number {
  const avgdl = stats.averageDocumentLength;
  const rel = avgdl > 0 ? text.length / avgdl : 1;
  const norm = stats.k1 * (1 - stats.b + stats.b * rel);
  let score = 0;
  for (const [term, weight] of weights) {
    const f = text.counts.get(term);
    if (f !== undefined) score += (weight * f) / (f + norm);
  }
  return score;
}

/** A text as BM25 sees it: its analysed length and the count of each term. */
export interface AnalysedText {
  length: number;
  counts: Map<string, number>;
}

/** Analyses a text with the index's analyser (tokenize, stop words, Porter stems). */
export function analyseText(text: string): AnalysedText {
  const tokens = tokenize(text);
  const counts = new Map<string, number>();
  for (const tok of tokens) counts.set(tok, (counts.get(tok) ?? 0) + 1);
  return { length: tokens.length, counts };
}
