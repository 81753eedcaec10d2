/**
 * The local embedder's truncated SVD (src/core/math/truncated-svd.ts) side by side with
 * ml-matrix, which is already installed (a dependency of ml-kmeans), on SciFact's TF-IDF matrix:
 * wall time, singular values and the agreement of the two subspaces (mean cosine of the principal
 * angles between the top-k right singular vectors; 1 is the same subspace).
 * - exact: our Gram-matrix eigenproblem against ml-matrix's dense SVD of the same (densified)
 *   matrix, on the first --exact-texts texts (ml-matrix has no sparse matrices, so A is dense).
 * - randomized: the same Halko et al. algorithm, same Gaussian test matrix and sparse products,
 *   with ml-matrix doing the dense work (Householder QR for re-orthonormalisation, SVD for the
 *   Rayleigh-Ritz step, mmul for the rotation), against ours, on --texts texts. ml-matrix has no
 *   randomized SVD of its own, and a dense SVD of the whole matrix is out of reach
 *   (the script prints the size it would be).
 * The default size keeps the run to a few minutes (ml-matrix's dense steps dominate it).
 * Run: npx tsc -p . && node dist/scripts/bench-svd.js [--texts 1500] [--exact-texts 300] [--dimensions 256] [--json docs/benchmarks/svd.json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Matrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';
import { createRng, fitTfIdf, gaussian, truncatedSvd, type TruncatedSvd } from '../src/eval/index.js';
import { datasetsDir, repoRoot } from './synthetic-corpus.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  strict: true,
  options: {
    texts: { type: 'string', default: '1500' },
    'exact-texts': { type: 'string', default: '300' },
    dimensions: { type: 'string', default: '256' },
    json: { type: 'string', default: path.join(repoRoot, 'docs/benchmarks/svd.json') },
  },
});
const whole = (name: string, text: string): number => {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 2) throw new Error(`--${name} must be a whole number >= 2, got ${text}`);
  return v;
};
const textCount = whole('texts', values.texts);
const exactCount = whole('exact-texts', values['exact-texts']);
const dimensions = whole('dimensions', values.dimensions);
// The local embedder's defaults (src/core/providers/local-embedder.ts).
const OVERSAMPLING = 10;
const POWER_ITERATIONS = 2;
const SEED = 0;

const corpus = fs
  .readFileSync(path.join(datasetsDir, 'scifact', 'corpus.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as { title?: string; text?: string })
  .map((d) => `${d.title ?? ''}\n${d.text ?? ''}`);

type Csr = ReturnType<typeof fitTfIdf>['matrix'];
/** A truncated SVD; ml-matrix's singular values are kept in double precision (ours are stored as float32). */
type Decomposition = Omit<TruncatedSvd, 'singularValues'> & { singularValues: Float32Array | Float64Array };

function toMatrix(data: Float64Array, rows: number, cols: number): Matrix {
  return Matrix.from1DArray(rows, cols, data);
}

function toArray(m: Matrix): Float64Array {
  return Float64Array.from(m.to1DArray());
}

/** The randomized SVD of truncated-svd.ts with ml-matrix for every dense step; σ^0 scaling (plain vectors). */
function mlMatrixRandomized(A: Csr, At: Csr, target: number, nonEmptyRows: number): Decomposition {
  const N = A.rows;
  const V = A.cols;
  let l = Math.min(target + OVERSAMPLING, V, nonEmptyRows);
  const rng = createRng(SEED);
  let X: Float64Array = new Float64Array(V * l);
  for (let i = 0; i < X.length; i++) X[i] = gaussian(rng);
  for (let it = 0; it < POWER_ITERATIONS; it++) {
    const Y = new Float64Array(N * l);
    A.multiplyDense(X, l, Y);
    const Z = new Float64Array(V * l);
    At.multiplyDense(Y, l, Z);
    const Q = new QrDecomposition(toMatrix(Z, V, l)).orthogonalMatrix;
    X = toArray(Q);
    l = Q.columns;
  }
  const Y = new Float64Array(N * l);
  A.multiplyDense(X, l, Y);
  const svd = new SingularValueDecomposition(toMatrix(Y, N, l), { computeLeftSingularVectors: false, autoTranspose: true });
  const sigma = svd.diagonal;
  let k = 0;
  while (k < target && sigma[k]! > 1e-4 * sigma[0]!) k++;
  const W = svd.rightSingularVectors.subMatrix(0, l - 1, 0, k - 1);
  const vectors = Float32Array.from(toMatrix(X, V, l).mmul(W).to1DArray());
  return { vectors, singularValues: Float64Array.from(sigma.slice(0, k)), k };
}

/** ml-matrix's dense SVD of A (densified): right singular vectors and values, top `target`. */
function mlMatrixDense(A: Csr, target: number): Decomposition {
  const dense = new Matrix(A.rows, A.cols);
  for (let r = 0; r < A.rows; r++) for (let p = A.rowPtr[r]!; p < A.rowPtr[r + 1]!; p++) dense.set(r, A.colIdx[p]!, A.values[p]!);
  const svd = new SingularValueDecomposition(dense, { computeLeftSingularVectors: false, autoTranspose: true });
  const sigma = svd.diagonal;
  let k = 0;
  while (k < target && sigma[k]! > 1e-4 * sigma[0]!) k++;
  const vectors = Float32Array.from(svd.rightSingularVectors.subMatrix(0, A.cols - 1, 0, k - 1).to1DArray());
  return { vectors, singularValues: Float64Array.from(sigma.slice(0, k)), k };
}

/** Largest relative difference of the singular values, and the mean cosine of the principal angles between the subspaces. */
function agreement(a: Decomposition, b: Decomposition, V: number): { k: number; maxSigmaRelDiff: number; subspaceCosine: number; top10Cosine: number } {
  const k = Math.min(a.k, b.k);
  let maxSigmaRelDiff = 0;
  for (let j = 0; j < k; j++) maxSigmaRelDiff = Math.max(maxSigmaRelDiff, Math.abs(a.singularValues[j]! - b.singularValues[j]!) / a.singularValues[j]!);
  const cosines = (kk: number): number => {
    const unit = (s: Decomposition): Matrix => {
      const m = new Matrix(V, kk);
      for (let j = 0; j < kk; j++) {
        let ss = 0;
        for (let t = 0; t < V; t++) ss += s.vectors[t * s.k + j]! ** 2;
        const inv = 1 / Math.sqrt(ss);
        for (let t = 0; t < V; t++) m.set(t, j, s.vectors[t * s.k + j]! * inv);
      }
      return m;
    };
    const cross = unit(a).transpose().mmul(unit(b));
    const angles = new SingularValueDecomposition(cross, { computeLeftSingularVectors: false, computeRightSingularVectors: false }).diagonal;
    return angles.reduce((s, c) => s + Math.min(1, c), 0) / kk;
  };
  return { k, maxSigmaRelDiff, subspaceCosine: cosines(k), top10Cosine: cosines(Math.min(10, k)) };
}

function timed<T>(fn: () => T): { seconds: number; value: T } {
  const t0 = performance.now();
  const value = fn();
  return { seconds: (performance.now() - t0) / 1000, value };
}

function compare(name: 'exact' | 'randomized', count: number) {
  const tfidf = fitTfIdf(corpus.slice(0, count), { maxFeatures: 50_000, minDf: 1 });
  const A = tfidf.matrix;
  const At = A.transpose();
  const target = Math.min(dimensions, A.cols, tfidf.nonEmptyRows);
  const options = { target, oversampling: OVERSAMPLING, powerIterations: POWER_ITERATIONS, seed: SEED, scaleExponent: 0, nonEmptyRows: tfidf.nonEmptyRows };
  const own = timed(() => truncatedSvd(A, At, { ...options, method: name }));
  const ml = timed(() => (name === 'exact' ? mlMatrixDense(A, target) : mlMatrixRandomized(A, At, target, tfidf.nonEmptyRows)));
  const agree = agreement(own.value, ml.value, A.cols);
  const row = { method: name, texts: count, terms: A.cols, nnz: A.nnz, target, ownSeconds: own.seconds, mlMatrixSeconds: ml.seconds, ...agree };
  console.log(
    `${name.padEnd(10)} ${count} texts × ${A.cols} terms, k ${agree.k}: ours ${own.seconds.toFixed(2)} s, ml-matrix ${ml.seconds.toFixed(2)} s ` +
      `(${(ml.seconds / own.seconds).toFixed(1)}×); σ max relative difference ${agree.maxSigmaRelDiff.toExponential(2)}; ` +
      `subspace cosine ${agree.subspaceCosine.toFixed(6)} (top 10: ${agree.top10Cosine.toFixed(6)})`,
  );
  return { row, dense: { rows: A.rows, cols: A.cols } };
}

const exact = compare('exact', exactCount);
const randomized = compare('randomized', textCount);
const denseGiB = (randomized.dense.rows * randomized.dense.cols * 8) / 2 ** 30;
console.log(`a dense ml-matrix SVD of the whole ${randomized.dense.rows} × ${randomized.dense.cols} matrix would first need ${denseGiB.toFixed(1)} GiB for A alone`);
const report = {
  generatedBy: 'scripts/bench-svd.ts',
  machine: { cores: os.cpus().length, node: process.version },
  settings: { texts: textCount, exactTexts: exactCount, dimensions, oversampling: OVERSAMPLING, powerIterations: POWER_ITERATIONS, seed: SEED },
  rows: [exact.row, randomized.row],
  denseMatrixGiB: denseGiB,
};
fs.mkdirSync(path.dirname(values.json), { recursive: true });
fs.writeFileSync(values.json, `${JSON.stringify(report, null, 1)}\n`);
console.log(`wrote ${path.relative(process.cwd(), values.json)}`);
