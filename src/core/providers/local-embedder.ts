/**
 * A local embedder that needs no model weights: latent semantic analysis (LSA), i.e. TF-IDF
 * over the tokenizer's terms followed by a truncated SVD fitted on the corpus itself.
 * Decides: sublinear tf (1 + ln tf), smoothed idf (ln((1 + N) / (1 + df)) + 1), vocabulary of
 * the most document-frequent terms (df >= minDf, at most maxFeatures), and a randomized SVD
 * (Halko, Martinsson & Tropp 2011: Gaussian test matrix, oversampling, power iterations with
 * re-orthonormalisation, Rayleigh-Ritz through a small symmetric eigenproblem).
 * Embedding = L2-normalised (tf-idf row · V_k · Σ_k^-sigmaPower); a text with no known term
 * gets the embedding of the corpus' mean TF-IDF row (a documented fallback, never NaN or zero).
 * Invariant: deterministic for a given seed; serialize/deserialize round-trips bit-exactly.
 * Used by: the indexer (clustering, summaries) and query embedding when no model server is set.
 */
import { blobCorruption, packBlob, unpackBlob } from '../util/binary-blob.js';
import { GrowableU32 } from '../util/growable-u32.js';
import { LatticeError } from '../errors.js';
import { gaussian, createRng } from '../math/random.js';
import { gram, multiply, orthonormalizeColumns, symmetricEigen } from '../math/linalg.js';
import { CsrMatrix } from '../math/sparse.js';
import { tokenize } from '../text/tokenize.js';
import type { EmbedRequest, EmbedResult, Embedder } from '../types.js';

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

/** Fitted state, as stored by `serialize`. */
interface LsaModel {
  vocabulary: string[];
  idf: Float32Array;
  /** vocabulary.length × dimensions, row-major. */
  projection: Float32Array;
  /** Embedding used for texts without any known term. */
  fallback: Float32Array;
  singularValues: Float32Array;
  dimensions: number;
  sigmaPower: number;
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
const MAGIC = 'LTLSA1';
const FORMAT_VERSION = 1;

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

/** Sorts parallel (ids, tfs)[from, to) by id ascending; rows are short, so insertion sort. */
function sortPairs(ids: Uint32Array, tfs: Uint32Array, from: number, to: number): void {
  for (let i = from + 1; i < to; i++) {
    const id = ids[i]!;
    const tf = tfs[i]!;
    let j = i - 1;
    while (j >= from && ids[j]! > id) {
      ids[j + 1] = ids[j]!;
      tfs[j + 1] = tfs[j]!;
      j--;
    }
    ids[j + 1] = id;
    tfs[j + 1] = tf;
  }
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
      const w = (1 + Math.log(tfs[p]!)) * idf[t]!;
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

  /** Binary form: magic, JSON header (with the vocabulary), then Float32 idf, projection, fallback, σ. */
  serialize(): Buffer {
    const m = this.model;
    return packBlob(
      MAGIC,
      { version: FORMAT_VERSION, dimensions: m.dimensions, sigmaPower: m.sigmaPower, vocabulary: m.vocabulary },
      [m.idf, m.projection, m.fallback, m.singularValues],
    );
  }

  /** Restores an embedder written by `serialize`; damaged input is an INDEX_CORRUPT error. */
  static deserialize(buf: Buffer | Uint8Array): LocalEmbedder {
    const blob = unpackBlob<{ version: number; dimensions: number; sigmaPower: number; vocabulary: string[] }>(
      buf,
      MAGIC,
      FORMAT_VERSION,
      'local embedder',
    );
    const { header } = blob;
    const corrupt = blobCorruption('local embedder');
    const k = header.dimensions;
    const v = Array.isArray(header.vocabulary) ? header.vocabulary.length : -1;
    if (!Number.isInteger(k) || k < 1 || v < 1) throw corrupt('bad dimensions or vocabulary');
    blob.expectValues(v + v * k + k + k);
    const read = (len: number): Float32Array => blob.float32(len);
    const idf = read(v);
    const projection = read(v * k);
    const fallback = read(k);
    const singularValues = read(k);
    return new LocalEmbedder({
      vocabulary: header.vocabulary,
      idf,
      projection,
      fallback,
      singularValues,
      dimensions: k,
      sigmaPower: header.sigmaPower,
    });
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
    // transpose, 2 products per power iteration, Rayleigh-Ritz product and eigen, projection, fallback.
    const svdSteps = 2 * powerIterations + 5;
    const totalWork = N + svdSteps;
    let svdDone = 0;
    const step = (): void => progress?.(N + ++svdDone, totalWork);

    // 1. Tokenise once; keep each text's distinct terms (provisional ids) with counts.
    const provisional = new Map<string, number>();
    const terms: string[] = [];
    let df = new Uint32Array(1024);
    let tfScratch = new Uint32Array(1024);
    let lastDoc = new Int32Array(1024).fill(-1);
    const rowPtr = new Uint32Array(N + 1);
    const pairIds = new GrowableU32(1 << 16);
    const pairTfs = new GrowableU32(1 << 16);
    const unique: number[] = [];
    for (let d = 0; d < N; d++) {
      const text = texts[d];
      if (typeof text !== 'string') {
        throw new LatticeError('INPUT_BAD_DOCUMENTS', `text #${d} given to the local embedder is ${typeof text}, not a string`, {
          hint: 'Pass the document texts as strings.',
        });
      }
      unique.length = 0;
      for (const tok of tokenize(text)) {
        let t = provisional.get(tok);
        if (t === undefined) {
          t = terms.length;
          provisional.set(tok, t);
          terms.push(tok);
          if (t >= df.length) {
            const grow = <T extends Uint32Array | Int32Array>(a: T, fill: number): T => {
              const b = new (a.constructor as new (n: number) => T)(a.length * 2);
              b.fill(fill);
              b.set(a);
              return b;
            };
            df = grow(df, 0);
            tfScratch = grow(tfScratch, 0);
            lastDoc = grow(lastDoc, -1);
          }
        }
        if (lastDoc[t] !== d) {
          lastDoc[t] = d;
          tfScratch[t] = 0;
          df[t]++;
          unique.push(t);
        }
        tfScratch[t]++;
      }
      for (const t of unique) {
        pairIds.push(t);
        pairTfs.push(tfScratch[t]!);
      }
      rowPtr[d + 1] = pairIds.length;
      if (progress && (d % 512 === 511 || d === N - 1)) progress(d + 1, totalWork);
    }
    lastDoc = new Int32Array(0);
    tfScratch = new Uint32Array(0);

    // 2. Vocabulary: df >= minDf, most frequent first (ties by term), at most maxFeatures.
    const candidates: number[] = [];
    for (let t = 0; t < terms.length; t++) if (df[t]! >= minDf) candidates.push(t);
    if (candidates.length === 0) {
      throw new LatticeError(
        'INPUT_EMPTY',
        terms.length === 0
          ? `none of the ${N} texts has an indexable word (all empty, punctuation or stop words)`
          : `no word occurs in at least ${minDf} of the ${N} texts`,
        { hint: 'Add documents with real text, or lower minDf.' },
      );
    }
    candidates.sort((a, b) => df[b]! - df[a]! || (terms[a]! < terms[b]! ? -1 : terms[a]! > terms[b]! ? 1 : 0));
    if (candidates.length > maxFeatures) candidates.length = maxFeatures;
    const V = candidates.length;
    const remap = new Int32Array(terms.length).fill(-1);
    const vocabulary: string[] = new Array(V);
    const idf = new Float32Array(V);
    for (let i = 0; i < V; i++) {
      const t = candidates[i]!;
      remap[t] = i;
      vocabulary[i] = terms[t]!;
      idf[i] = Math.log((1 + N) / (1 + df[t]!)) + 1;
    }
    provisional.clear();

    // 3. Rows in the final vocabulary (ids ascending), and the L2-normalised TF-IDF matrix A (N × V).
    const ids = new Uint32Array(pairIds.length);
    const tfs = new Uint32Array(pairIds.length);
    const finalPtr = new Uint32Array(N + 1);
    let nnz = 0;
    for (let d = 0; d < N; d++) {
      const start = nnz;
      for (let p = rowPtr[d]!; p < rowPtr[d + 1]!; p++) {
        const t = remap[pairIds.data[p]!]!;
        if (t < 0) continue;
        ids[nnz] = t;
        tfs[nnz] = pairTfs.data[p]!;
        nnz++;
      }
      sortPairs(ids, tfs, start, nnz);
      finalPtr[d + 1] = nnz;
    }
    pairIds.release();
    pairTfs.release();
    const values = new Float32Array(nnz);
    let nonEmptyRows = 0;
    for (let d = 0; d < N; d++) {
      const from = finalPtr[d]!;
      const to = finalPtr[d + 1]!;
      if (to > from) nonEmptyRows++;
      let ss = 0;
      for (let p = from; p < to; p++) {
        const w = (1 + Math.log(tfs[p]!)) * idf[ids[p]!]!;
        ss += w * w;
      }
      const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
      for (let p = from; p < to; p++) values[p] = (1 + Math.log(tfs[p]!)) * idf[ids[p]!]! * inv;
    }
    const A = new CsrMatrix(N, V, finalPtr, ids.subarray(0, nnz), values);
    const At = A.transpose();
    step();

    const target = Math.min(dims, V, nonEmptyRows);
    const svd = options.svd ?? 'auto';
    let fit: { projection: Float32Array; singularValues: Float32Array; k: number };
    if (svd === 'exact' || (svd === 'auto' && N <= EXACT_SVD_MAX_TEXTS)) {
      // 4'. Small corpora: the exact SVD from the N × N document Gram matrix A·Aᵀ is cheaper than
      // the randomized one, whose cost is dominated by V × l dense products even for 100 texts.
      fit = exactProjection(A, At, N, V, target, sigmaPower);
      for (let s2 = 1; s2 < svdSteps; s2++) step();
    } else {
      // 4. Randomized SVD on the V side: X spans (AᵀA)^q Ω, re-orthonormalised after every application.
      let l = Math.min(target + oversampling, V, nonEmptyRows);
      const rng = createRng(seed);
      let X: Float64Array = new Float64Array(V * l);
      for (let i = 0; i < X.length; i++) X[i] = gaussian(rng);
      if (powerIterations === 0) {
        // Rayleigh-Ritz needs an orthonormal basis; with power iterations the loop provides it.
        ({ data: X, cols: l } = compactColumns(X, V, l, orthonormalizeColumns(X, V, l)));
      }
      let Y: Float64Array = new Float64Array(N * l);
      let Z: Float64Array = new Float64Array(V * l);
      for (let it = 0; it < powerIterations; it++) {
        A.multiplyDense(X, l, Y);
        step();
        At.multiplyDense(Y, l, Z);
        step();
        const rank = orthonormalizeColumns(Z, V, l);
        const packed = compactColumns(Z, V, l, rank);
        [X, Z] = [packed.data, X];
        if (packed.cols !== l) {
          l = packed.cols;
          Y = new Float64Array(N * l);
          Z = new Float64Array(V * l);
        }
      }
      // Rayleigh-Ritz: eigenpairs of (AX)ᵀ(AX) give σ² and the rotation of X onto right singular vectors.
      Z = new Float64Array(0);
      A.multiplyDense(X, l, Y);
      step();
      const { values: lambda, vectors: W } = symmetricEigen(gram(Y, N, l), l);
      Y = new Float64Array(0);
      step();
      const k = rankCutoff(lambda, target, N);
      const singularValues = new Float32Array(k);
      const Wk = new Float64Array(l * k);
      for (let j = 0; j < k; j++) {
        const sigma = Math.sqrt(lambda[j]!);
        singularValues[j] = sigma;
        const scale = sigmaPower === 0 ? 1 : Math.pow(sigma, -sigmaPower);
        for (let i = 0; i < l; i++) Wk[i * k + j] = W[i * l + j]! * scale;
      }
      const projection = Float32Array.from(multiply(X, V, l, Wk, k));
      step();
      fit = { projection, singularValues, k };
      // The fallback below counts as the last step.
      step();
    }

    // 5. Fallback for texts without known terms: the embedding of the corpus' mean TF-IDF row.
    const { projection, singularValues, k } = fit;
    const fallback = fallbackEmbedding(ids, values, nnz, V, projection, k);
    const embedder = new LocalEmbedder({ vocabulary, idf, projection, fallback, singularValues, dimensions: k, sigmaPower });
    const rows: TermRows = keepRows
      ? { rowPtr: finalPtr, ids, tfs }
      : { rowPtr: new Uint32Array(0), ids: new Uint32Array(0), tfs: new Uint32Array(0) };
    return { embedder, rows };
  }
}

/** Keeps the first `keep` of `cols` columns of a rows × cols row-major matrix (a new array when keep < cols). */
function compactColumns(x: Float64Array, rows: number, cols: number, keep: number): { data: Float64Array; cols: number } {
  if (keep === cols) return { data: x, cols };
  const out = new Float64Array(rows * keep);
  for (let r = 0; r < rows; r++) for (let j = 0; j < keep; j++) out[r * keep + j] = x[r * cols + j]!;
  return { data: out, cols: keep };
}

/** Corpora up to this many texts get an exact SVD (an N × N eigenproblem, O(N³)) instead of the randomized one. */
const EXACT_SVD_MAX_TEXTS = 800;

/**
 * How many leading directions (eigenvalues σ², descending) to keep, at most `target`. Directions
 * beyond the matrix's rank come back with σ near rounding level (~1e-8 σ1); those under 1e-4 σ1
 * are dropped too, as dividing by σ would let their noise dominate embeddings.
 */
function rankCutoff(lambda: ArrayLike<number>, target: number, N: number): number {
  const sigmaTop = Math.sqrt(Math.max(lambda[0] ?? 0, 0));
  let k = 0;
  while (k < target && lambda[k]! > 0 && Math.sqrt(lambda[k]!) > 1e-4 * sigmaTop) k++;
  if (k === 0) {
    throw new LatticeError('INPUT_EMPTY', `the TF-IDF matrix of the ${N} texts has rank 0`, { hint: 'Add documents with real text.' });
  }
  return k;
}

/**
 * Exact truncated SVD through the document side: A·Aᵀ = U Λ Uᵀ, so the right singular vectors
 * are V_j = Aᵀ u_j / σ_j. Returns the projection (V × k, row-major) scaled by σ^−sigmaPower.
 */
function exactProjection(
  A: CsrMatrix,
  At: CsrMatrix,
  N: number,
  V: number,
  target: number,
  sigmaPower: number,
): { projection: Float32Array; singularValues: Float32Array; k: number } {
  const G = new Float64Array(N * N);
  for (let d = 0; d < N; d++) {
    for (let p = A.rowPtr[d]!; p < A.rowPtr[d + 1]!; p++) {
      const t = A.colIdx[p]!;
      const a = A.values[p]!;
      for (let q = At.rowPtr[t]!; q < At.rowPtr[t + 1]!; q++) G[d * N + At.colIdx[q]!] += a * At.values[q]!;
    }
  }
  const { values: lambda, vectors: U } = symmetricEigen(G, N);
  const k = rankCutoff(lambda, target, N);
  const singularValues = new Float32Array(k);
  const scale = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const sigma = Math.sqrt(lambda[j]!);
    singularValues[j] = sigma;
    scale[j] = (1 / sigma) * (sigmaPower === 0 ? 1 : Math.pow(sigma, -sigmaPower));
  }
  const projection = new Float32Array(V * k);
  const row = new Float64Array(k);
  for (let t = 0; t < V; t++) {
    row.fill(0);
    for (let q = At.rowPtr[t]!; q < At.rowPtr[t + 1]!; q++) {
      const d = At.colIdx[q]!;
      const a = At.values[q]!;
      const o = d * N;
      for (let j = 0; j < k; j++) row[j] += a * U[o + j]!;
    }
    for (let j = 0; j < k; j++) projection[t * k + j] = row[j]! * scale[j]!;
  }
  return { projection, singularValues, k };
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
