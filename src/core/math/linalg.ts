/**
 * Dense linear algebra on row-major Float64Array matrices, sized for the randomized SVD:
 * tall-skinny matrices (rows >> cols, cols a few hundred) and small square ones.
 * Decides: products as dot products in 2 × 4 register blocks (Gram matrices over 64-row
 * tiles), the fastest shape for V8; orthonormalisation by Cholesky QR with an eigendecomposition
 * fallback for rank-deficient input; the symmetric eigenproblem by Householder
 * tridiagonalisation and implicit QL (EISPACK tred2/tql2).
 * Invariant: no randomness; the same input gives bit-identical output.
 * Used by: providers/local-embedder.ts (randomized truncated SVD, Halko et al. 2011).
 */

/** Rows of X copied per Gram tile; 64 rows of a few hundred columns stay in L2. */
const TILE = 64;

function padTo4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * XᵀX for a rows × cols row-major X, as a full (symmetric) cols × cols matrix.
 * Why tiles: rows are copied 64 at a time into a column-major tile, then every pair of columns
 * is a dot product over the tile computed in 2 × 4 register blocks, the fastest form V8 runs.
 */
export function gram(x: Float64Array, rows: number, cols: number): Float64Array {
  const cp = padTo4(cols);
  const tile = new Float64Array(cp * TILE);
  const gp = new Float64Array(cp * cp);
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const tn = Math.min(TILE, rows - r0);
    if (tn < TILE) tile.fill(0);
    for (let t = 0; t < tn; t++) {
      const o = (r0 + t) * cols;
      for (let i = 0; i < cols; i++) tile[i * TILE + t] = x[o + i]!;
    }
    for (let i = 0; i < cp; i += 2) {
      const u0 = i * TILE;
      const u1 = u0 + TILE;
      // Blocks start at the 4-aligned column holding i, so every (i, j >= i) pair is covered.
      for (let j = i & ~3; j < cp; j += 4) {
        const w0 = j * TILE;
        const w1 = w0 + TILE;
        const w2 = w1 + TILE;
        const w3 = w2 + TILE;
        let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
        for (let t = 0; t < TILE; t++) {
          const a = tile[u0 + t]!;
          const b = tile[u1 + t]!;
          const c0 = tile[w0 + t]!;
          const c1 = tile[w1 + t]!;
          const c2 = tile[w2 + t]!;
          const c3 = tile[w3 + t]!;
          s00 += a * c0; s01 += a * c1; s02 += a * c2; s03 += a * c3;
          s10 += b * c0; s11 += b * c1; s12 += b * c2; s13 += b * c3;
        }
        const g0 = i * cp + j;
        const g1 = g0 + cp;
        gp[g0] += s00; gp[g0 + 1] += s01; gp[g0 + 2] += s02; gp[g0 + 3] += s03;
        gp[g1] += s10; gp[g1 + 1] += s11; gp[g1 + 2] += s12; gp[g1 + 3] += s13;
      }
    }
  }
  const g = new Float64Array(cols * cols);
  for (let i = 0; i < cols; i++) {
    for (let j = i; j < cols; j++) {
      const v = gp[i * cp + j]!;
      g[i * cols + j] = v;
      g[j * cols + i] = v;
    }
  }
  return g;
}

/**
 * Cholesky factor R (upper triangular, G = RᵀR) of a symmetric positive definite n × n G,
 * or null when G is not numerically positive definite (a pivot <= tol * max diagonal).
 */
export function cholesky(g: Float64Array, n: number, tol = 1e-12): Float64Array | null {
  const r = new Float64Array(n * n);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, g[i * n + i]!);
  if (!(maxDiag > 0)) return null;
  for (let j = 0; j < n; j++) {
    let s = g[j * n + j]!;
    for (let k = 0; k < j; k++) s -= r[k * n + j]! * r[k * n + j]!;
    if (!(s > tol * maxDiag)) return null;
    const d = Math.sqrt(s);
    r[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let t = g[j * n + i]!;
      for (let k = 0; k < j; k++) t -= r[k * n + j]! * r[k * n + i]!;
      r[j * n + i] = t / d;
    }
  }
  return r;
}

/** Inverse of an upper-triangular n × n matrix (upper triangular too). */
export function invertUpper(r: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  for (let j = n - 1; j >= 0; j--) {
    const d = r[j * n + j]!;
    inv[j * n + j] = 1 / d;
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let k = i + 1; k <= j; k++) s += r[i * n + k]! * inv[k * n + j]!;
      inv[i * n + j] = -s / r[i * n + i]!;
    }
  }
  return inv;
}

/**
 * Core of the dense products: rows at offsets x0, x1 of X (length `inner`) times M, where `mt`
 * holds M transposed and padded to a multiple of 4 rows; results go to o0 / o1 (length >= cols
 * rounded up to 4). With `upper`, M is upper triangular, so column j only needs k <= j.
 */
function rowPairTimes(
  x: Float64Array,
  x0: number,
  x1: number,
  inner: number,
  mt: Float64Array,
  cols: number,
  upper: boolean,
  o0: Float64Array,
  o1: Float64Array,
): void {
  for (let j = 0; j < cols; j += 4) {
    const m0 = j * inner;
    const m1 = m0 + inner;
    const m2 = m1 + inner;
    const m3 = m2 + inner;
    const kEnd = upper ? Math.min(inner, j + 4) : inner;
    let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
    for (let k = 0; k < kEnd; k++) {
      const a = x[x0 + k]!;
      const b = x[x1 + k]!;
      const c0 = mt[m0 + k]!;
      const c1 = mt[m1 + k]!;
      const c2 = mt[m2 + k]!;
      const c3 = mt[m3 + k]!;
      s00 += a * c0; s01 += a * c1; s02 += a * c2; s03 += a * c3;
      s10 += b * c0; s11 += b * c1; s12 += b * c2; s13 += b * c3;
    }
    o0[j] = s00; o0[j + 1] = s01; o0[j + 2] = s02; o0[j + 3] = s03;
    o1[j] = s10; o1[j + 1] = s11; o1[j + 2] = s12; o1[j + 3] = s13;
  }
}

/** M (inner × cols) transposed into cp × inner, cp = cols rounded up to 4, padding rows zero. */
function transposePadded(m: Float64Array, inner: number, cols: number): Float64Array {
  const cp = padTo4(cols);
  const mt = new Float64Array(cp * inner);
  for (let k = 0; k < inner; k++) for (let j = 0; j < cols; j++) mt[j * inner + k] = m[k * cols + j]!;
  return mt;
}

/**
 * out = X · M for a rows × inner row-major X and an inner × cols M; `upper` skips the
 * zero lower triangle of M (k > j) when M is upper triangular. `out` may not alias X.
 */
export function multiply(
  x: Float64Array,
  rows: number,
  inner: number,
  m: Float64Array,
  cols: number,
  out: Float64Array = new Float64Array(rows * cols),
  upper = false,
): Float64Array {
  const mt = transposePadded(m, inner, cols);
  const cp = padTo4(cols);
  const o0 = new Float64Array(cp);
  const o1 = new Float64Array(cp);
  for (let r = 0; r < rows; r += 2) {
    // An odd last row is paired with itself; its second result is discarded.
    const r1 = r + 1 < rows ? r + 1 : r;
    rowPairTimes(x, r * inner, r1 * inner, inner, mt, cols, upper, o0, o1);
    out.set(o0.subarray(0, cols), r * cols);
    if (r1 !== r) out.set(o1.subarray(0, cols), r1 * cols);
  }
  return out;
}

/** Overwrites X (rows × n) with X · M for a square n × n M (upper triangular when `upper`). */
export function multiplyInPlace(x: Float64Array, rows: number, m: Float64Array, n: number, upper = false): void {
  const mt = transposePadded(m, n, n);
  const cp = padTo4(n);
  const o0 = new Float64Array(cp);
  const o1 = new Float64Array(cp);
  for (let r = 0; r < rows; r += 2) {
    const r1 = r + 1 < rows ? r + 1 : r;
    rowPairTimes(x, r * n, r1 * n, n, mt, n, upper, o0, o1);
    x.set(o0.subarray(0, n), r * n);
    if (r1 !== r) x.set(o1.subarray(0, n), r1 * n);
  }
}

export interface SymmetricEigen {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** n × n row-major; column j is the unit eigenvector of values[j]. */
  vectors: Float64Array;
}

/**
 * Eigendecomposition of a symmetric n × n matrix: Householder reduction to tridiagonal form,
 * then the implicit QL algorithm (tred2 / tql2 of EISPACK, as in JAMA). O(n³), accurate to
 * machine precision; the input is not modified. Eigenvector signs are fixed so each vector's
 * largest-magnitude component is positive. Throws a RangeError on non-finite input.
 */
export function symmetricEigen(input: Float64Array, n: number): SymmetricEigen {
  if (input.length !== n * n) throw new RangeError(`expected ${n * n} entries, got ${input.length}`);
  for (let i = 0; i < input.length; i++) {
    if (!Number.isFinite(input[i]!)) throw new RangeError('symmetricEigen: matrix has a non-finite entry');
  }
  if (n === 0) return { values: new Float64Array(0), vectors: new Float64Array(0) };
  // v is row-major: v[i * n + j] = V[i][j].
  const v = Float64Array.from(input);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tred2(v, d, e, n);
  // tql2 rotates columns of V; work on the transpose so each rotation touches two contiguous rows.
  const vt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vt[j * n + i] = v[i * n + j]!;
  tql2(vt, d, e, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j]! - d[i]! || i - j);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let col = 0; col < n; col++) {
    const src = order[col]!;
    values[col] = d[src]!;
    const row = src * n;
    let big = 0;
    for (let k = 0; k < n; k++) if (Math.abs(vt[row + k]!) > Math.abs(big)) big = vt[row + k]!;
    const sign = big < 0 ? -1 : 1;
    for (let k = 0; k < n; k++) vectors[k * n + col] = sign * vt[row + k]!;
  }
  return { values, vectors };
}

/** Householder tridiagonalisation; on return d is the diagonal, e the subdiagonal, v the transform. */
function tred2(v: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = v[(n - 1) * n + j]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = v[(i - 1) * n + j]!;
        v[i * n + j] = 0;
        v[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] = d[k]! / scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        v[j * n + i] = f;
        g = e[j]! + v[j * n + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += v[k * n + j]! * d[k]!;
          e[k] = e[k]! + v[k * n + j]! * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] = e[j]! / h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] = e[j]! - hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        for (let k = j; k <= i - 1; k++) v[k * n + j] = v[k * n + j]! - (f * e[k]! + g * d[k]!);
        d[j] = v[(i - 1) * n + j]!;
        v[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    v[(n - 1) * n + i] = v[i * n + i]!;
    v[i * n + i] = 1;
    const h = d[i + 1]!;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = v[k * n + i + 1]! / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += v[k * n + i + 1]! * v[k * n + j]!;
        for (let k = 0; k <= i; k++) v[k * n + j] = v[k * n + j]! - g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) v[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = v[(n - 1) * n + j]!;
    v[(n - 1) * n + j] = 0;
  }
  v[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** Implicit QL on the tridiagonal (d, e); vt holds Vᵀ (row i = column i of V) and is rotated in place. */
function tql2(vt: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n && Math.abs(e[m]!) > eps * tst1) m++;
    if (m === n) m = n - 1;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 100) throw new RangeError('symmetricEigen: QL iteration did not converge');
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i] = d[i]! - h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          const ri = i * n;
          const rj = ri + n;
          for (let k = 0; k < n; k++) {
            const hk = vt[rj + k]!;
            const vk = vt[ri + k]!;
            vt[rj + k] = s * vk + c * hk;
            vt[ri + k] = c * vk - s * hk;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}

/**
 * Orthonormalises the columns of a rows × cols row-major X in place (Cholesky QR, a second pass when X is ill-conditioned).
 * When X is numerically rank deficient, falls back to X · P · Λ^-1/2 from the eigendecomposition
 * of XᵀX, keeping only directions with eigenvalue > 1e-10 · the largest; the returned count
 * says how many leading columns are valid (the rest are zeroed).
 */
export function orthonormalizeColumns(x: Float64Array, rows: number, cols: number): number {
  for (let pass = 0; pass < 2; pass++) {
    const r = cholesky(gram(x, rows, cols), cols);
    if (!r) return eigenOrthonormalize(x, rows, cols);
    multiplyInPlace(x, rows, invertUpper(r, cols), cols, true);
    // One pass leaves an orthogonality error of about eps · cond(X)²; the ratio of R's extreme
    // diagonal entries estimates cond(X). Below 1e3 the error is under 1e-10: stop there.
    let hi = 0;
    let lo = Infinity;
    for (let i = 0; i < cols; i++) {
      const d = r[i * cols + i]!;
      hi = Math.max(hi, d);
      lo = Math.min(lo, d);
    }
    if (hi / lo < 1e3) break;
  }
  return cols;
}

function eigenOrthonormalize(x: Float64Array, rows: number, cols: number): number {
  const { values, vectors } = symmetricEigen(gram(x, rows, cols), cols);
  const top = values[0] ?? 0;
  let rank = 0;
  while (rank < cols && values[rank]! > 1e-10 * top && values[rank]! > 0) rank++;
  const m = new Float64Array(cols * cols);
  for (let k = 0; k < cols; k++) {
    for (let j = 0; j < rank; j++) m[k * cols + j] = vectors[k * cols + j]! / Math.sqrt(values[j]!);
  }
  multiplyInPlace(x, rows, m, cols);
  // One Cholesky pass cleans up the rounding of the eigen route when the kept block is well conditioned.
  if (rank > 0) {
    const packed = new Float64Array(rows * rank);
    for (let r = 0; r < rows; r++) for (let j = 0; j < rank; j++) packed[r * rank + j] = x[r * cols + j]!;
    const rf = cholesky(gram(packed, rows, rank), rank);
    if (rf) {
      multiplyInPlace(packed, rows, invertUpper(rf, rank), rank, true);
      for (let r = 0; r < rows; r++) for (let j = 0; j < rank; j++) x[r * cols + j] = packed[r * rank + j]!;
    }
  }
  return rank;
}
