/**
 * The TF-IDF matrix of a corpus, as the local (LSA) embedder fits it: sublinear tf (1 + ln tf),
 * smoothed idf (ln((1 + N) / (1 + df)) + 1), a vocabulary of the most document-frequent terms
 * (df >= minDf, at most maxFeatures, ties by term), and rows L2-normalised.
 * Why one pass: each text is tokenised once into (term, count) pairs under provisional ids (TermCounter), kept
 * in growable typed arrays, then remapped to the final vocabulary; a large corpus never holds
 * its token lists or a dense matrix in memory.
 * Invariant: deterministic; row term ids ascending. Used by: providers/local-embedder.ts.
 */
import { LatticeError } from '../errors.js';
import { CsrMatrix } from '../math/sparse.js';
import { GrowableU32 } from '../util/growable-u32.js';
import { TermCounter } from './term-counter.js';
import { tokenize } from './tokenize.js';

export interface TfIdfOptions {
  /** Vocabulary cap: the most document-frequent terms are kept. */
  maxFeatures: number;
  /** Minimum document frequency of a kept term. */
  minDf: number;
  /** Called with the number of texts tokenised so far (every 512 texts and at the end). */
  onTexts?: ((done: number) => void) | undefined;
}

export interface TfIdfMatrix {
  vocabulary: string[];
  /** Per vocabulary term, the smoothed idf. */
  idf: Float32Array;
  /** Text d's terms are [rowPtr[d], rowPtr[d + 1]) of `ids` (ascending) and `tfs` (raw counts). */
  rowPtr: Uint32Array;
  ids: Uint32Array;
  tfs: Uint32Array;
  /** N × V, the L2-normalised weights of the same entries. */
  matrix: CsrMatrix;
  /** Texts with at least one vocabulary term. */
  nonEmptyRows: number;
}

/** The sublinear TF-IDF weight of a term counted `tf` times. */
export function tfIdfWeight(tf: number, idf: number): number {
  return (1 + Math.log(tf)) * idf;
}

/**
 * Tokenises `texts` and builds their TF-IDF matrix. Throws INPUT_BAD_DOCUMENTS for a non-string
 * text and INPUT_EMPTY when no term reaches `minDf`.
 */
export function fitTfIdf(texts: readonly string[], options: TfIdfOptions): TfIdfMatrix {
  const N = texts.length;
  const { maxFeatures, minDf, onTexts } = options;

  // 1. Tokenise once; keep each text's distinct terms (provisional ids) with counts.
  const counter = new TermCounter();
  const rowPtr = new Uint32Array(N + 1);
  const pairIds = new GrowableU32(1 << 16);
  const pairTfs = new GrowableU32(1 << 16);
  for (let d = 0; d < N; d++) {
    const text = texts[d];
    if (typeof text !== 'string') {
      throw new LatticeError('INPUT_BAD_DOCUMENTS', `text #${d} given to the local embedder is ${typeof text}, not a string`, {
        hint: 'Pass the document texts as strings.',
      });
    }
    for (const t of counter.count(tokenize(text))) {
      pairIds.push(t);
      pairTfs.push(counter.tfOf(t));
    }
    rowPtr[d + 1] = pairIds.length;
    if (onTexts && (d % 512 === 511 || d === N - 1)) onTexts(d + 1);
  }
  const terms = counter.terms;
  const df = (t: number): number => counter.df(t);

  // 2. Vocabulary: df >= minDf, most frequent first (ties by term), at most maxFeatures.
  const candidates: number[] = [];
  for (let t = 0; t < terms.length; t++) if (df(t) >= minDf) candidates.push(t);
  if (candidates.length === 0) {
    throw new LatticeError(
      'INPUT_EMPTY',
      terms.length === 0
        ? `none of the ${N} texts has an indexable word (all empty, punctuation or stop words)`
        : `no word occurs in at least ${minDf} of the ${N} texts`,
      { hint: 'Add documents with real text, or lower minDf.' },
    );
  }
  candidates.sort((a, b) => df(b) - df(a) || (terms[a]! < terms[b]! ? -1 : terms[a]! > terms[b]! ? 1 : 0));
  if (candidates.length > maxFeatures) candidates.length = maxFeatures;
  const V = candidates.length;
  const remap = new Int32Array(terms.length).fill(-1);
  const vocabulary: string[] = new Array(V);
  const idf = new Float32Array(V);
  for (let i = 0; i < V; i++) {
    const t = candidates[i]!;
    remap[t] = i;
    vocabulary[i] = terms[t]!;
    idf[i] = Math.log((1 + N) / (1 + df(t))) + 1;
  }

  counter.forgetLookup();

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
      const w = tfIdfWeight(tfs[p]!, idf[ids[p]!]!);
      ss += w * w;
    }
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let p = from; p < to; p++) values[p] = tfIdfWeight(tfs[p]!, idf[ids[p]!]!) * inv;
  }
  const matrix = new CsrMatrix(N, V, finalPtr, ids.subarray(0, nnz), values);
  return { vocabulary, idf, rowPtr: finalPtr, ids, tfs, matrix, nonEmptyRows };
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
