/**
 * Shared numeric kernels of the clustering step: input checks, squared distances to a
 * flat centroid buffer, centroid means and seed mixing.
 * Why here: k-means, the balanced assignment and the tree splitters all run the same
 * inner loops; keeping them in one place keeps them fast (flat Float64Array centroids,
 * unrolled dot products) and identical.
 * Invariant: pure functions of their arguments; nothing here draws random numbers.
 * Used by: kmeans.ts, balanced-kmeans.ts, balanced-partition.ts, top-down-split.ts.
 */
import { LatticeError } from '../../src/core/errors.js';
import { normalize } from '../../src/core/math/vector.js';

/**
 * Checks that every vector has the same length and only finite values; returns that length
 * (0 for an empty list). Throws MODEL_BAD_OUTPUT, since vectors come from an embedder.
 */
export function validateVectors(vectors: readonly Float32Array[]): number {
  if (!Array.isArray(vectors)) {
    throw new LatticeError('CONFIG_INVALID', `Expected an array of Float32Array vectors, got ${typeof vectors}.`, {
      hint: 'Pass one Float32Array embedding per item.',
    });
  }
  if (vectors.length === 0) return 0;
  const first = vectors[0];
  if (!(first instanceof Float32Array)) {
    throw new LatticeError('CONFIG_INVALID', 'Vector 0 is not a Float32Array.', {
      hint: 'Pass one Float32Array embedding per item.',
    });
  }
  const d = first.length;
  if (d === 0) {
    throw new LatticeError('MODEL_BAD_OUTPUT', 'Vector 0 has 0 dimensions.', {
      hint: 'Check the embedder: every embedding needs at least one dimension.',
    });
  }
  for (let i = 0; i < vectors.length; i++) {
    const v = vectors[i];
    if (!(v instanceof Float32Array)) {
      throw new LatticeError('CONFIG_INVALID', `Vector ${i} is not a Float32Array.`, {
        hint: 'Pass one Float32Array embedding per item.',
      });
    }
    if (v.length !== d) {
      throw new LatticeError('MODEL_BAD_OUTPUT', `Vector ${i} has ${v.length} dimensions but vector 0 has ${d}.`, {
        hint: 'Embed every item with the same embedder so all vectors have one length.',
        details: { index: i, dimensions: v.length, expected: d },
      });
    }
    for (let j = 0; j < d; j++) {
      if (!Number.isFinite(v[j])) {
        throw new LatticeError('MODEL_BAD_OUTPUT', `Vector ${i} holds a non-finite value (${v[j]}) at dimension ${j}.`, {
          hint: 'Check the embedder output; NaN or Infinity cannot be clustered.',
          details: { index: i, dimension: j },
        });
      }
    }
  }
  return d;
}

/** Dot product of a point with the centroid stored at `offset` of a flat buffer. */
export function dotAt(x: Float32Array, buf: Float64Array, offset: number, d: number): number {
  // Four accumulators let the engine pipeline the multiply-adds; this loop dominates clustering time.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  const end = d - 3;
  for (; j < end; j += 4) {
    s0 += x[j] * buf[offset + j];
    s1 += x[j + 1] * buf[offset + j + 1];
    s2 += x[j + 2] * buf[offset + j + 2];
    s3 += x[j + 3] * buf[offset + j + 3];
  }
  for (; j < d; j++) s0 += x[j] * buf[offset + j];
  return s0 + s1 + s2 + s3;
}

/** Dot product of two equally long float vectors (same unrolling as dotAt). */
export function dot32(a: Float32Array, b: Float32Array, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  const end = d - 3;
  for (; j < end; j += 4) {
    s0 += a[j] * b[j];
    s1 += a[j + 1] * b[j + 1];
    s2 += a[j + 2] * b[j + 2];
    s3 += a[j + 3] * b[j + 3];
  }
  for (; j < d; j++) s0 += a[j] * b[j];
  return s0 + s1 + s2 + s3;
}

/** Squared Euclidean norm of every point. */
export function squaredNorms(points: readonly Float32Array[], d: number): Float64Array {
  const out = new Float64Array(points.length);
  for (let i = 0; i < points.length; i++) out[i] = dot32(points[i], points[i], d);
  return out;
}

/** Squared norm of each of the k centroids in a flat k·d buffer. */
export function centroidNorms(centroids: Float64Array, k: number, d: number): Float64Array {
  const out = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    const off = c * d;
    for (let j = 0; j < d; j++) s += centroids[off + j] * centroids[off + j];
    out[c] = s;
  }
  return out;
}

/**
 * Fills `out` (n·k, row-major by point) with the dot product of every point with every
 * centroid of a flat k·d buffer.
 */
export function crossDots(
  points: readonly Float32Array[],
  centroids: Float64Array,
  k: number,
  d: number,
  out: Float64Array,
): Float64Array {
  // Register blocking, 2 points × 4 centroids: each load feeds several multiply-adds, which
  // doubles throughput over one dot product at a time (this loop is most of clustering time).
  const n = points.length;
  const k4 = k - (k % 4);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const x = points[i];
    const y = points[i + 1];
    const rx = i * k;
    const ry = rx + k;
    let c = 0;
    for (; c < k4; c += 4) {
      const o0 = c * d;
      const o1 = o0 + d;
      const o2 = o1 + d;
      const o3 = o2 + d;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let b0 = 0;
      let b1 = 0;
      let b2 = 0;
      let b3 = 0;
      for (let j = 0; j < d; j++) {
        const xj = x[j];
        const yj = y[j];
        const c0 = centroids[o0 + j];
        const c1 = centroids[o1 + j];
        const c2 = centroids[o2 + j];
        const c3 = centroids[o3 + j];
        a0 += xj * c0;
        a1 += xj * c1;
        a2 += xj * c2;
        a3 += xj * c3;
        b0 += yj * c0;
        b1 += yj * c1;
        b2 += yj * c2;
        b3 += yj * c3;
      }
      out[rx + c] = a0;
      out[rx + c + 1] = a1;
      out[rx + c + 2] = a2;
      out[rx + c + 3] = a3;
      out[ry + c] = b0;
      out[ry + c + 1] = b1;
      out[ry + c + 2] = b2;
      out[ry + c + 3] = b3;
    }
    for (; c < k; c++) {
      const o = c * d;
      let a = 0;
      let b = 0;
      for (let j = 0; j < d; j++) {
        const cj = centroids[o + j];
        a += x[j] * cj;
        b += y[j] * cj;
      }
      out[rx + c] = a;
      out[ry + c] = b;
    }
  }
  if (i < n) {
    const x = points[i];
    for (let c = 0; c < k; c++) out[i * k + c] = dotAt(x, centroids, c * d, d);
  }
  return out;
}

/**
 * Fills `out` (n·k, row-major by point) with squared Euclidean distances from every point
 * to every centroid, computed as |x|² − 2x·c + |c|² and clamped at 0 against rounding.
 */
export function distanceMatrix(
  points: readonly Float32Array[],
  xx: Float64Array,
  centroids: Float64Array,
  k: number,
  d: number,
  out: Float64Array = new Float64Array(points.length * k),
): Float64Array {
  const cc = centroidNorms(centroids, k, d);
  crossDots(points, centroids, k, d, out);
  for (let i = 0; i < points.length; i++) {
    const base = i * k;
    const xi = xx[i];
    for (let c = 0; c < k; c++) {
      const v = xi - 2 * out[base + c] + cc[c];
      out[base + c] = v > 0 ? v : 0;
    }
  }
  return out;
}

/**
 * Recomputes centroids (flat k·d) as the means of their members; a cluster with no member
 * keeps its previous centroid. Returns the member count of each cluster.
 */
export function updateMeans(
  points: readonly Float32Array[],
  assignments: Int32Array,
  centroids: Float64Array,
  k: number,
  d: number,
): Int32Array {
  const counts = new Int32Array(k);
  const sums = new Float64Array(k * d);
  for (let i = 0; i < points.length; i++) {
    const c = assignments[i];
    counts[c] += 1;
    const x = points[i];
    const off = c * d;
    for (let j = 0; j < d; j++) sums[off + j] += x[j];
  }
  for (let c = 0; c < k; c++) {
    const m = counts[c];
    if (m === 0) continue;
    const off = c * d;
    const inv = 1 / m;
    for (let j = 0; j < d; j++) centroids[off + j] = sums[off + j] * inv;
  }
  return counts;
}

/** Scales each centroid of a flat buffer to unit length (zero centroids stay zero). */
export function normalizeRows(centroids: Float64Array, k: number, d: number): void {
  for (let c = 0; c < k; c++) {
    const off = c * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += centroids[off + j] * centroids[off + j];
    if (s <= 0) continue;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < d; j++) centroids[off + j] *= inv;
  }
}

/** Sum of squared distances of every point to the mean of its cluster (the k-means objective). */
export function inertiaOf(points: readonly Float32Array[], assignments: ArrayLike<number>, k: number): number {
  if (points.length === 0) return 0;
  const d = points[0].length;
  const centroids = new Float64Array(k * d);
  const a = Int32Array.from(assignments);
  updateMeans(points, a, centroids, k, d);
  let total = 0;
  for (let i = 0; i < points.length; i++) {
    const x = points[i];
    const off = a[i] * d;
    for (let j = 0; j < d; j++) {
      const diff = x[j] - centroids[off + j];
      total += diff * diff;
    }
  }
  return total;
}

/** Derives a child seed from a parent seed and a salt, so sub-problems get independent streams. */
export function mixSeed(seed: number, salt: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul((salt >>> 0) + 0x7f4a7c15, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x45d9f3b);
  h ^= h >>> 13;
  return h >>> 0;
}

/** Converts a flat k·d centroid buffer into one Float32Array per centroid. */
export function splitRows(centroids: Float64Array, k: number, d: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let c = 0; c < k; c++) out.push(Float32Array.from(centroids.subarray(c * d, (c + 1) * d)));
  return out;
}

/** A unit-length copy of `v` (a zero vector stays zero), for cosine clustering. */
export function unitCopy(v: Float32Array): Float32Array {
  return normalize(Float32Array.from(v));
}

/** Throws CONFIG_INVALID unless `seed` is a finite number. */
export function checkSeed(seed: unknown): void {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new LatticeError('CONFIG_INVALID', `Clustering seed must be a finite number, got ${String(seed)}.`, {
      hint: 'Pass --seed with an integer, e.g. --seed 42.',
    });
  }
}

/**
 * Point indices ordered by regret, largest first: how much more a point pays for its second-best
 * choice than for its best (row i of `table` holds its `width` costs). Ties keep index order.
 * Greedy capacity-constrained assignment lets the points with most to lose choose first.
 */
export function regretOrder(table: ArrayLike<number>, n: number, width: number): Uint32Array {
  const regret = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let b1 = Number.POSITIVE_INFINITY;
    let b2 = Number.POSITIVE_INFINITY;
    const base = i * width;
    for (let j = 0; j < width; j++) {
      const v = table[base + j]!;
      if (v < b1) {
        b2 = b1;
        b1 = v;
      } else if (v < b2) b2 = v;
    }
    regret[i] = b2 - b1;
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => regret[b]! - regret[a]! || a - b);
  return order;
}
