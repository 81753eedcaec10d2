/**
 * Keyword profiles of the clusters: the terms that carry the most BM25 weight in the documents
 * under each cluster, stored with the node and shown after its summary, so whoever decides
 * whether to descend (the lexical judge, an LLM, a person) sees the vocabulary of the whole
 * subtree, not only the few sentences a summary quotes.
 * Weight of a term in a subtree: the sum over its documents of the term's BM25 weight there,
 * idf · tf / (tf + k1·(1 − b + b·dl/avgdl)), with the corpus statistics of the index's BM25, so a
 * profile speaks the lexical judge's language. The top `maxKeywords` terms by that mass are kept
 * (small clusters keep all their terms) and listed most distinctive first: by mass times the
 * share of the parent's mass that falls in this child (a c-TF-IDF-like contrast with siblings;
 * the root, which has no siblings, by mass times idf).
 * Terms are shown in their most frequent surface form ("cells", not "cell"), which the analyser
 * maps back to the same stem. Invariant: a pure function of the tree and the statistics;
 * ties break by term order. Used by indexer/build.ts after the tree is complete.
 */
import { bm25Idf, bm25Text, type Bm25Stats } from '../src/core/lexical/bm25.js';
import { porterStem } from '../src/core/text/porter-stemmer.js';
import { tokenize } from '../src/core/text/tokenize.js';
import { DEFAULT_BUILD_OPTIONS } from './build-options.js';
import type { DraftNode } from './draft-tree.js';

export interface KeywordProfileOptions {
  /** Corpus statistics of the index's BM25 (documentCount, averageDocumentLength, df, k1, b). */
  stats: Bm25Stats;
  /** Most keywords per cluster. Defaults to DEFAULT_BUILD_OPTIONS.keywords; 0 stores none. */
  maxKeywords?: number;
}

/** A subtree's term masses: parallel arrays of term ids, summed weights and documents holding the term. */
interface Mass {
  ids: Int32Array;
  weights: Float64Array;
  docs: Float64Array;
}

/** The chosen terms of one cluster and, for each, how many documents under it contain the term. */
interface Chosen {
  ids: Int32Array;
  docs: Int32Array;
}

const EMPTY_MASS: Mass = { ids: new Int32Array(0), weights: new Float64Array(0), docs: new Float64Array(0) };

/**
 * Sets `keywords` and `keywordDocs` (documents under the cluster containing each keyword) on every
 * cluster of the tree under `root` (documents and chunks keep null). With maxKeywords 0 every
 * cluster gets empty lists.
 */
export function keywordProfiles(root: DraftNode, options: KeywordProfileOptions): void {
  const max = options.maxKeywords ?? DEFAULT_BUILD_OPTIONS.keywords;
  if (max <= 0) {
    forEachCluster(root, (c) => {
      c.keywords = [];
      c.keywordDocs = [];
    });
    return;
  }
  new ProfileBuilder(options.stats, max).run(root);
}

function forEachCluster(root: DraftNode, fn: (node: DraftNode) => void): void {
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.kind === 'cluster') fn(node);
    for (const child of node.children) stack.push(child);
  }
}

class ProfileBuilder {
  /** Stem → term id, in the statistics' own order (deterministic for a corpus). */
  private readonly termIds = new Map<string, number>();
  private readonly stems: string[] = [];
  private readonly idf: Float64Array;
  /** Whether a term may be shown: at least two characters, at least one letter (drops "12", "x"). */
  private readonly showable: Uint8Array;
  /** Dense accumulator over term ids and the list of ids it holds, reused by every aggregation. */
  private readonly acc: Float64Array;
  private readonly accDocs: Float64Array;
  private readonly touched: Int32Array;
  private readonly mark: Uint8Array;
  /** Lower-cased surface word → [term id, occurrences], for display. */
  private readonly surfaces = new Map<string, [number, number]>();
  /** Surface word → term id (or -1 when it stems to nothing the index knows). */
  private readonly stemOf = new Map<string, number>();
  /** Chosen term ids per cluster, turned into words once every surface has been counted. */
  private readonly chosen = new Map<DraftNode, Chosen>();
  private readonly k1: number;
  private readonly b: number;
  private readonly avgdl: number;

  constructor(
    stats: Bm25Stats,
    private readonly max: number,
  ) {
    const N = stats.documentCount;
    for (const stem of stats.documentFrequency.keys()) {
      this.termIds.set(stem, this.stems.length);
      this.stems.push(stem);
    }
    const v = this.stems.length;
    this.idf = new Float64Array(v);
    this.showable = new Uint8Array(v);
    this.stems.forEach((stem, i) => {
      this.idf[i] = bm25Idf(N, Math.min(stats.documentFrequency.get(stem) ?? 0, N));
      this.showable[i] = stem.length >= 2 && /\p{L}/u.test(stem) ? 1 : 0;
    });
    this.acc = new Float64Array(v);
    this.accDocs = new Float64Array(v);
    this.touched = new Int32Array(v);
    this.mark = new Uint8Array(v);
    this.k1 = stats.k1;
    this.b = stats.b;
    this.avgdl = stats.averageDocumentLength;
  }

  run(root: DraftNode): void {
    const mass = this.visit(root);
    if (root.kind === 'cluster') this.chosen.set(root, this.choose(mass, null));
    const words = this.displayWords();
    for (const [node, { ids, docs }] of this.chosen) {
      node.keywords = Array.from(ids, (id) => words[id]!);
      node.keywordDocs = Array.from(docs);
    }
  }

  /** Term masses of the subtree of `node`; records the chosen keywords of its cluster children. */
  private visit(node: DraftNode): Mass {
    if (node.kind === 'document') return this.documentMass(node);
    if (node.kind === 'chunk') return EMPTY_MASS;
    // Trees are O(log n) deep by construction (both strategies), so recursion is safe.
    const parts = node.children.map((child) => this.visit(child));
    let count = 0;
    for (const part of parts) {
      for (let i = 0; i < part.ids.length; i++) {
        const t = part.ids[i]!;
        if (!this.mark[t]) {
          this.mark[t] = 1;
          this.touched[count++] = t;
        }
        this.acc[t] = this.acc[t]! + part.weights[i]!;
        this.accDocs[t] = this.accDocs[t]! + part.docs[i]!;
      }
    }
    // Children are chosen now, while the accumulator holds this node's masses (their contrast).
    node.children.forEach((child, i) => {
      if (child.kind === 'cluster') this.chosen.set(child, this.choose(parts[i]!, this.acc));
    });
    const ids = this.touched.slice(0, count);
    ids.sort();
    const weights = new Float64Array(count);
    const docs = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const t = ids[i]!;
      weights[i] = this.acc[t]!;
      docs[i] = this.accDocs[t]!;
      this.acc[t] = 0;
      this.accDocs[t] = 0;
      this.mark[t] = 0;
    }
    return { ids, weights, docs };
  }

  private documentMass(node: DraftNode): Mass {
    const doc = node.doc;
    if (!doc) return EMPTY_MASS;
    const text = bm25Text(doc);
    const tf = new Map<number, number>();
    let length = 0;
    for (const word of tokenize(text, { stem: false })) {
      let id = this.stemOf.get(word);
      if (id === undefined) {
        const stem = porterStem(word);
        id = stem ? this.termIds.get(stem) ?? -1 : -1;
        this.stemOf.set(word, id);
      }
      if (id < 0) continue;
      length++;
      tf.set(id, (tf.get(id) ?? 0) + 1);
      const seen = this.surfaces.get(word);
      if (seen) seen[1]++;
      else this.surfaces.set(word, [id, 1]);
    }
    const norm = this.k1 * (1 - this.b + (this.avgdl > 0 ? (this.b * length) / this.avgdl : this.b));
    const ids = Int32Array.from(tf.keys()).sort();
    const weights = new Float64Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const f = tf.get(ids[i]!)!;
      weights[i] = (this.idf[ids[i]!]! * f) / (f + norm);
    }
    return { ids, weights, docs: new Float64Array(ids.length).fill(1) };
  }

  /**
   * The top `max` showable terms of `mass` by weight, ordered by weight × share of the parent's
   * weight (`parent` is the dense parent accumulator; null for the root: weight × idf).
   */
  private choose(mass: Mass, parent: Float64Array | null): Chosen {
    const order: number[] = [];
    for (let i = 0; i < mass.ids.length; i++) if (this.showable[mass.ids[i]!]) order.push(i);
    let kept = order;
    if (order.length > this.max) {
      // Threshold by a native numeric sort, then settle ties at the threshold by term id.
      const sorted = Float64Array.from(order, (i) => mass.weights[i]!).sort();
      const cut = sorted[sorted.length - this.max]!;
      const above = order.filter((i) => mass.weights[i]! > cut);
      const at = order.filter((i) => mass.weights[i]! === cut);
      kept = above.concat(at.slice(0, this.max - above.length));
    }
    const key = new Float64Array(mass.ids.length);
    for (const i of kept) {
      const w = mass.weights[i]!;
      if (!parent) key[i] = w * this.idf[mass.ids[i]!]!;
      else {
        const whole = parent[mass.ids[i]!]!;
        key[i] = whole > 0 ? (w * w) / whole : 0;
      }
    }
    kept.sort((x, y) => key[y]! - key[x]! || mass.ids[x]! - mass.ids[y]!);
    return { ids: Int32Array.from(kept, (i) => mass.ids[i]!), docs: Int32Array.from(kept, (i) => mass.docs[i]!) };
  }

  /** Display word per term id: its most frequent surface form (ties: the alphabetically first). */
  private displayWords(): string[] {
    const words = this.stems.slice();
    const best = new Float64Array(this.stems.length);
    for (const [word, [id, count]] of this.surfaces) {
      if (count > best[id]! || (count === best[id]! && word < words[id]!)) {
        best[id] = count;
        words[id] = word;
      }
    }
    return words;
  }
}
