/**
 * Dense vector primitives over Float32Array (embeddings) and Float64Array (solvers).
 * Why plain loops: they are what V8 optimises best for typed arrays; no allocation
 * happens except in the explicitly copying helpers.
 * Invariant: vectors of different lengths are a programming error and throw a RangeError.
 * Used by: embedders, clustering, the traverser's similarity checks.
 */

export type Vector = Float32Array | Float64Array;

function sameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) {
    throw new RangeError(`vector lengths differ: ${a.length} vs ${b.length}`);
  }
}

/** Inner product of two equal-length vectors. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  sameLength(a, b);
  let s = 0;
  const n = a.length;
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}

/** Euclidean (L2) norm. */
export function norm(a: ArrayLike<number>): number {
  let s = 0;
  const n = a.length;
  for (let i = 0; i < n; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

/**
 * Scales `a` in place to unit L2 norm and returns it. A zero vector is left as zeros
 * (never NaN); callers that need to know check `norm` first.
 */
export function normalize<T extends Vector>(a: T): T {
  const n = norm(a);
  if (n > 0 && Number.isFinite(n)) {
    const inv = 1 / n;
    for (let i = 0; i < a.length; i++) a[i] = a[i]! * inv;
  }
  return a;
}

/** Cosine similarity in [-1, 1]; 0 when either vector is zero. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  sameLength(a, b);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  const n = a.length;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  if (aa === 0 || bb === 0) return 0;
  return ab / Math.sqrt(aa * bb);
}

/** `y += alpha * x`, in place. */
export function axpy(alpha: number, x: ArrayLike<number>, y: Vector): void {
  sameLength(x, y);
  for (let i = 0; i < y.length; i++) y[i] = y[i]! + alpha * x[i]!;
}

/** Squared Euclidean distance. */
export function squaredDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  sameLength(a, b);
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s;
}

/** Component-wise mean of equal-length vectors, as a new Float32Array. Throws on an empty list. */
export function mean(vectors: readonly ArrayLike<number>[]): Float32Array {
  const first = vectors[0];
  if (!first) throw new RangeError('mean of zero vectors is undefined');
  const out = new Float64Array(first.length);
  for (const v of vectors) {
    sameLength(v, out);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! + v[i]!;
  }
  const res = new Float32Array(first.length);
  for (let i = 0; i < out.length; i++) res[i] = out[i]! / vectors.length;
  return res;
}
