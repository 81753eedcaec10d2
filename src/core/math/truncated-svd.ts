/**
 * Truncated SVD of a sparse matrix A (N × V), as the local LSA embedder needs it: the top k
 * right singular vectors, each scaled by σ^−p, and the singular values.
 * Decides: an exact SVD through the N × N document Gram matrix A·Aᵀ for small N (cheaper than
 * any randomized scheme there), else the randomized range finder of Halko, Martinsson & Tropp
 * (2011): Gaussian test matrix, oversampling, power iterations (AᵀA) re-orthonormalised after
 * every application, then Rayleigh-Ritz through a small symmetric eigenproblem.
 * Why in-house rather than ml-matrix: ml-matrix has no sparse matrices and no randomized SVD;
 * only its dense kernels (QR, SVD, products) could serve. Side by side on SciFact's TF-IDF
 * matrix they give the same singular values and subspace but run an order of magnitude slower,
 * for both the exact and the randomized path (scripts/bench-svd.ts prints the times and the
 * agreement; docs/benchmarks/svd.json holds them).
 * Invariant: deterministic for a given seed; directions below 1e-4 σ1 are dropped.
 */
import { LatticeError } from '../errors.js';
import { gram, multiply, orthonormalizeColumns, symmetricEigen } from './linalg.js';
import { createRng, gaussian } from './random.js';
import type { CsrMatrix } from './sparse.js';

/** Corpora up to this many rows get an exact SVD (an N × N eigenproblem, O(N³)) under method 'auto'. */
export const EXACT_SVD_MAX_ROWS = 800;

export interface TruncatedSvdOptions {
  /** Directions wanted; fewer come back when the matrix has a lower numerical rank. */
  target: number;
  /** 'exact', 'randomized', or 'auto' (exact up to EXACT_SVD_MAX_ROWS rows). */
  method: 'auto' | 'exact' | 'randomized';
  /** Extra random directions beyond `target` (Halko's p). */
  oversampling: number;
  /** Applications of AᵀA, each re-orthonormalised (Halko's q). */
  powerIterations: number;
  /** Seed of the Gaussian test matrix. */
  seed: number | string;
  /** Exponent p of the σ^−p scaling of the returned vectors: 0 plain, 1 LSA folding-in. */
  scaleExponent: number;
  /** Rows of A with at least one entry (bounds the rank). */
  nonEmptyRows: number;
  /** Called 2 · powerIterations + 3 times as the work advances, whichever method runs. */
  onStep?: (() => void) | undefined;
}

export interface TruncatedSvd {
  /** V × k, row-major: right singular vector j in column j, scaled by σ_j^−scaleExponent. */
  vectors: Float32Array;
  /** σ_1 ≥ … ≥ σ_k. */
  singularValues: Float32Array;
  k: number;
}

/** The number of onStep calls truncatedSvd makes. */
export function svdSteps(powerIterations: number): number {
  return 2 * powerIterations + 3;
}

/** Top-k right singular vectors and values of A; `At` is A's transpose. */
export function truncatedSvd(A: CsrMatrix, At: CsrMatrix, options: TruncatedSvdOptions): TruncatedSvd {
  const N = A.rows;
  const { method, onStep } = options;
  if (method === 'exact' || (method === 'auto' && N <= EXACT_SVD_MAX_ROWS)) {
    const fit = exactSvd(A, At, options.target, options.scaleExponent);
    for (let s = 0; s < svdSteps(options.powerIterations); s++) onStep?.();
    return fit;
  }
  return randomizedSvd(A, At, options);
}

function randomizedSvd(A: CsrMatrix, At: CsrMatrix, options: TruncatedSvdOptions): TruncatedSvd {
  const N = A.rows;
  const V = A.cols;
  const { target, oversampling, powerIterations, seed, scaleExponent, nonEmptyRows } = options;
  const step = (): void => options.onStep?.();
  // X spans (AᵀA)^q Ω, re-orthonormalised after every application.
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
    const scale = scaleExponent === 0 ? 1 : Math.pow(sigma, -scaleExponent);
    for (let i = 0; i < l; i++) Wk[i * k + j] = W[i * l + j]! * scale;
  }
  const vectors = Float32Array.from(multiply(X, V, l, Wk, k));
  step();
  return { vectors, singularValues, k };
}

/** Keeps the first `keep` of `cols` columns of a rows × cols row-major matrix (a new array when keep < cols). */
function compactColumns(x: Float64Array, rows: number, cols: number, keep: number): { data: Float64Array; cols: number } {
  if (keep === cols) return { data: x, cols };
  const out = new Float64Array(rows * keep);
  for (let r = 0; r < rows; r++) for (let j = 0; j < keep; j++) out[r * keep + j] = x[r * cols + j]!;
  return { data: out, cols: keep };
}

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
 * are V_j = Aᵀ u_j / σ_j; returned scaled by σ^−scaleExponent.
 */
function exactSvd(A: CsrMatrix, At: CsrMatrix, target: number, scaleExponent: number): TruncatedSvd {
  const N = A.rows;
  const V = A.cols;
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
    scale[j] = (1 / sigma) * (scaleExponent === 0 ? 1 : Math.pow(sigma, -scaleExponent));
  }
  const vectors = new Float32Array(V * k);
  const row = new Float64Array(k);
  for (let t = 0; t < V; t++) {
    row.fill(0);
    for (let q = At.rowPtr[t]!; q < At.rowPtr[t + 1]!; q++) {
      const d = At.colIdx[q]!;
      const a = At.values[q]!;
      const o = d * N;
      for (let j = 0; j < k; j++) row[j] += a * U[o + j]!;
    }
    for (let j = 0; j < k; j++) vectors[t * k + j] = row[j]! * scale[j]!;
  }
  return { vectors, singularValues, k };
}
