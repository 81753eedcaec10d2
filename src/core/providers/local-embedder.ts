/**
 * A local embedder that needs no model weights: latent semantic analysis (LSA), i.e. TF-IDF
 * over the tokenizer's terms followed by a truncated SVD fitted on the corpus itself.
 * Pieces: the TF-IDF matrix (text/tf-idf.ts), the truncated SVD (math/truncated-svd.ts: exact
 * for small corpora, else randomized after Halko, Martinsson & Tropp 2011) and the stored form
 * (lsa-model.ts); this module picks the defaults, projects texts and embeds them.
 * Embedding = L2-normalised (tf-idf row · V_k · Σ_k^-sigmaPower); a text with no known term
 * gets the embedding of the corpus' mean TF-IDF row (a documented fallback, never NaN or zero).
 * Invariant: deterministic for a given seed; serialize/deserialize round-trips bit-exactly.
 * Used by: the indexer (clustering, summaries) and query embedding when no model server is set.
 */
import { LatticeError } from '../errors.js';
import { svdSteps, truncatedSvd } from '../math/truncated-svd.js';
import { fitTfIdf, tfIdfWeight } from '../text/tf-idf.js';
import { tokenize } from '../text/tokenize.js';
import type { EmbedRequest, EmbedResult, Embedder } from '../types.js';
import { deserializeLsaModel, serializeLsaModel, type LsaModel } from './lsa-model.js';

export interface LocalEmbedderFitOptions {
  /** Target vector length; default 256. Fewer when the corpus or vocabulary is smaller. */
  dimensions?: number;
  /** Vocabulary cap (most document-frequent terms kept); default 50,000. */
  maxFeatures?: number;
  /**
   * Minimum document frequency of a term; default 2 for corpora of 20,000+ texts, else 1
   * (in smaller corpora rare terms carry the match: +0.03 nDCG@10 on SciFact train queries).
   */
  minDf?: number;
  /** Seed of the Gaussian test matrix; default 0. */
  seed?: number | string;
  /** Extra random directions beyond `dimensions` (Halko's p); default 10. */
  oversampling?: number;
  /** Power iterations (applications of AᵀA, each re-orthonormalised); default 2. */
  powerIterations?: number;
  /**
   * Exponent of the singular-value scaling applied to the projection: 0 keeps the plain
   * projection onto V_k, 1 divides by σ (classic LSA folding-in, document-space coordinates).
   * Default 1: on SciFact train queries (cosine nearest neighbours, nDCG@10) 0 gave 0.526, 0.5 gave 0.550,
   * 1 gave 0.552, 1.5 gave 0.551.
   */
  sigmaPower?: number;
  /**
   * 'exact' (the document-side eigenproblem, O(N³)) or 'randomized' (Halko et al.); 'auto' picks
   * exact up to 800 texts, where it is also the faster. Default 'auto'.
   */
  svd?: 'auto' | 'exact' | 'randomized';
  /** Called as work advances: tokenised texts, then one unit per SVD step. */
  onProgress?: (done: number, total: number) => void;
}

const DEFAULTS = Object.freeze({
  dimensions: 256,
  maxFeatures: 50_000,
  seed: 0,
  oversampling: 10,
  powerIterations: 2,
  sigmaPower: 1,
});

/** Corpus size from which terms must occur in two texts by default. */
const MIN_DF_2_CORPUS = 20_000;

function invalid(name: string, value: unknown, expected: string, hint: string): LatticeError {
  return new LatticeError('CONFIG_INVALID', `local embedder option ${name} must be ${expected}, got ${String(value)}`, {
    hint,
  });
}

function intOption(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw invalid(name, value, `a whole number in [${min}, ${max}]`, `Omit ${name} to use the default (${fallback}).`);
  }
  return v;
}

/** Term ids (ascending) and counts of the documents a model was fitted on. */
interface TermRows {
  rowPtr: Uint32Array;
  ids: Uint32Array;
  tfs: Uint32Array;
}

export class LocalEmbedder implements Embedder {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'local';
  readonly modelId: string;
  readonly dimensions: number;
  readonly maxBatchSize = 4096;

  private readonly model: LsaModel;
  private readonly termIndex: Map<string, number>;
  // Scratch for embedding one text: tf per term id and the ids touched.
  private readonly tfScratch: Uint32Array;
  private touched: Uint32Array;

  private constructor(model: LsaModel) {
    this.model = model;
    this.dimensions = model.dimensions;
    this.modelId = `lsa-${model.dimensions}`;
    this.termIndex = new Map();
    for (let t = 0; t < model.vocabulary.length; t++) this.termIndex.set(model.vocabulary[t]!, t);
    this.tfScratch = new Uint32Array(model.vocabulary.length);
    this.touched = new Uint32Array(64);
  }

  /** Number of terms in the vocabulary. */
  get vocabularySize(): number {
    return this.model.vocabulary.length;
  }

  /** Singular values of the fitted TF-IDF matrix, descending (a copy). */
  singularValues(): Float32Array {
    return this.model.singularValues.slice();
  }

  /**
   * Fits TF-IDF and a randomized truncated SVD on `texts`.
   * Throws INPUT_EMPTY when there are no texts or no text has an indexable term.
   */
  static fit(texts: readonly string[], options: LocalEmbedderFitOptions = {}): LocalEmbedder {
    return LocalEmbedder.fitModel(texts, options, false).embedder;
  }

  /** `fit`, plus the embeddings of the fitted texts (identical to `doEmbed` on them, without re-tokenising). */
  static fitEmbed(
    texts: readonly string[],
    options: LocalEmbedderFitOptions = {},
  ): { embedder: LocalEmbedder; embeddings: Float32Array[] } {
    const { embedder, rows } = LocalEmbedder.fitModel(texts, options, true);
    const embeddings: Float32Array[] = new Array(texts.length);
    for (let d = 0; d < texts.length; d++) {
      const from = rows.rowPtr[d]!;
      const to = rows.rowPtr[d + 1]!;
      embeddings[d] = embedder.project(rows.ids, rows.tfs, from, to);
    }
    return { embedder, embeddings };
  }


  /**
   * Embedding of the (ids, tfs)[from, to) term counts, ids ascending: Σ (1 + ln tf) · idf · P[t],
   * L2-normalised. The TF-IDF row is not normalised first: the final normalisation removes any scale.
   */
  private project(ids: Uint32Array, tfs: Uint32Array, from: number, to: number): Float32Array {
    const { idf, projection, dimensions: k, fallback } = this.model;
    if (to <= from) return fallback.slice();
    const acc = new Float64Array(k);
    for (let p = from; p < to; p++) {
      const t = ids[p]!;
      const w = tfIdfWeight(tfs[p]!, idf[t]!);
      const o = t * k;
      for (let j = 0; j < k; j++) acc[j] += w * projection[o + j]!;
    }
    let ss = 0;
    for (let j = 0; j < k; j++) ss += acc[j]! * acc[j]!;
    if (!(ss > 0) || !Number.isFinite(ss)) return fallback.slice();
    const inv = 1 / Math.sqrt(ss);
    const out = new Float32Array(k);
    for (let j = 0; j < k; j++) out[j] = acc[j]! * inv;
    return out;
  }

  /** Embeds one text (tokenised like the corpus). */
  embedText(text: string): Float32Array {
    const tokens = tokenize(text);
    const scratch = this.tfScratch;
    if (this.touched.length < tokens.length) this.touched = new Uint32Array(Math.max(tokens.length, this.touched.length * 2));
    const touched = this.touched;
    let n = 0;
    for (const tok of tokens) {
      const t = this.termIndex.get(tok);
      if (t === undefined) continue;
      if (scratch[t] === 0) touched[n++] = t;
      scratch[t]++;
    }
    const ids = touched.subarray(0, n).sort();
    const tfs = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      tfs[i] = scratch[ids[i]!]!;
      scratch[ids[i]!] = 0;
    }
    return this.project(ids, tfs, 0, n);
  }

  async doEmbed(request: EmbedRequest): Promise<EmbedResult> {
    request.abortSignal?.throwIfAborted();
    if (!Array.isArray(request.values)) {
      throw new LatticeError('CONFIG_INVALID', 'doEmbed needs `values`, an array of strings', {
        hint: 'Call doEmbed({ values: ["some text"] }).',
      });
    }
    const embeddings: Float32Array[] = [];
    for (let i = 0; i < request.values.length; i++) {
      const value = request.values[i];
      if (typeof value !== 'string') {
        throw new LatticeError('CONFIG_INVALID', `doEmbed value #${i} is ${value === null ? 'null' : typeof value}, not a string`, {
          hint: 'Pass only strings to embed.',
        });
      }
      embeddings.push(this.embedText(value));
    }
    return { embeddings, usage: { calls: 0, inputTokens: 0, outputTokens: 0, cachedCalls: 0 } };
  }

  /** Binary form (see lsa-model.ts): magic, JSON header (with the vocabulary), then Float32 idf, projection, fallback, σ. */
  serialize(): Buffer {
    return serializeLsaModel(this.model);
  }

  /** Restores an embedder written by `serialize`; damaged input is an INDEX_CORRUPT error. */
  static deserialize(buf: Buffer | Uint8Array): LocalEmbedder {
    return new LocalEmbedder(deserializeLsaModel(buf));
  }

  private static fitModel(
    texts: readonly string[],
    options: LocalEmbedderFitOptions,
    keepRows: boolean,
  ): { embedder: LocalEmbedder; rows: TermRows } {
    if (!Array.isArray(texts)) {
      throw new LatticeError('INPUT_BAD_DOCUMENTS', 'the local embedder is fitted on an array of texts', {
        hint: 'Pass the document texts as an array of strings.',
      });
    }
    const N = texts.length;
    if (N === 0) {
      throw new LatticeError('INPUT_EMPTY', 'cannot fit the local embedder on zero texts', {
        hint: 'Give the build at least one document with words in it.',
      });
    }
    const dims = intOption('dimensions', options.dimensions, DEFAULTS.dimensions, 1, 4096);
    const maxFeatures = intOption('maxFeatures', options.maxFeatures, DEFAULTS.maxFeatures, 1, 10_000_000);
    const minDf = intOption('minDf', options.minDf, N >= MIN_DF_2_CORPUS ? 2 : 1, 1, Math.max(1, N));
    const oversampling = intOption('oversampling', options.oversampling, DEFAULTS.oversampling, 0, 1000);
    const powerIterations = intOption('powerIterations', options.powerIterations, DEFAULTS.powerIterations, 0, 20);
    const sigmaPower = options.sigmaPower ?? DEFAULTS.sigmaPower;
    if (!Number.isFinite(sigmaPower) || sigmaPower < 0 || sigmaPower > 2) {
      throw invalid('sigmaPower', options.sigmaPower, 'a number in [0, 2]', 'Use 0 (plain projection) or 1 (divide by σ).');
    }
    const seed = options.seed ?? DEFAULTS.seed;
    const progress = options.onProgress;
    // Tokenised texts, the transpose, the SVD's steps, the fallback.
    const totalWork = N + svdSteps(powerIterations) + 2;
    let svdDone = 0;
    const step = (): void => progress?.(N + ++svdDone, totalWork);

    // 1-3. The L2-normalised TF-IDF matrix A (N × V) over the kept vocabulary.
    const tfidf = fitTfIdf(texts, { maxFeatures, minDf, onTexts: progress && ((done) => progress(done, totalWork)) });
    const { vocabulary, idf, ids, tfs, matrix: A } = tfidf;
    const V = vocabulary.length;
    const At = A.transpose();
    step();

    // 4. Truncated SVD: exact for small corpora (the N × N document Gram matrix is cheaper than
    // randomized products that are dominated by V × l dense work even for 100 texts), else randomized.
    const svd = truncatedSvd(A, At, {
      target: Math.min(dims, V, tfidf.nonEmptyRows),
      method: options.svd ?? 'auto',
      oversampling,
      powerIterations,
      seed,
      scaleExponent: sigmaPower,
      nonEmptyRows: tfidf.nonEmptyRows,
      onStep: step,
    });
    const { vectors: projection, singularValues, k } = svd;

    // 5. Fallback for texts without known terms: the embedding of the corpus' mean TF-IDF row.
    const fallback = fallbackEmbedding(ids, A.values, A.nnz, V, projection, k);
    step();
    const embedder = new LocalEmbedder({ vocabulary, idf, projection, fallback, singularValues, dimensions: k, sigmaPower });
    const rows: TermRows = keepRows
      ? { rowPtr: tfidf.rowPtr, ids, tfs }
      : { rowPtr: new Uint32Array(0), ids: new Uint32Array(0), tfs: new Uint32Array(0) };
    return { embedder, rows };
  }
}

/** The embedding of the corpus' mean TF-IDF row: what a text with no known term embeds to. */
function fallbackEmbedding(ids: Uint32Array, values: Float32Array, nnz: number, V: number, projection: Float32Array, k: number): Float32Array {
  const meanRow = new Float64Array(V);
  for (let p = 0; p < nnz; p++) meanRow[ids[p]!] += values[p]!;
  const fb = new Float64Array(k);
  for (let t = 0; t < V; t++) {
    const w = meanRow[t]!;
    if (w === 0) continue;
    for (let j = 0; j < k; j++) fb[j] += w * projection[t * k + j]!;
  }
  let fbNorm = 0;
  for (let j = 0; j < k; j++) fbNorm += fb[j]! * fb[j]!;
  const fallback = new Float32Array(k);
  if (fbNorm > 0) for (let j = 0; j < k; j++) fallback[j] = fb[j]! / Math.sqrt(fbNorm);
  else fallback[0] = 1;
  return fallback;
}
