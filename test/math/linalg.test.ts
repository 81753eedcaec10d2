import { describe, expect, it } from 'vitest';
import {
  cholesky,
  gram,
  invertUpper,
  multiply,
  multiplyInPlace,
  orthonormalizeColumns,
  symmetricEigen,
} from '../../src/core/math/linalg.js';
import { CsrMatrix } from '../../src/core/math/sparse.js';
import { createRng, gaussian } from '../../src/core/math/random.js';

function randomMatrix(rows: number, cols: number, seed: string): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: rows * cols }, () => gaussian(rng));
}

function naiveProduct(a: Float64Array, rows: number, inner: number, b: Float64Array, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let k = 0; k < inner; k++) s += a[i * inner + k]! * b[k * cols + j]!;
      out[i * cols + j] = s;
    }
  return out;
}

function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j]!;
  return t;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('dense products', () => {
  it('gram matches XᵀX for shapes that are not multiples of the block sizes', () => {
    for (const [rows, cols] of [[1, 1], [7, 3], [65, 9], [130, 13]] as const) {
      const x = randomMatrix(rows, cols, `g${rows}`);
      const expected = naiveProduct(transpose(x, rows, cols), cols, rows, x, cols);
      expect(maxAbsDiff(gram(x, rows, cols), expected)).toBeLessThan(1e-10);
    }
  });

  it('multiply and multiplyInPlace match the naive product (odd rows, ragged columns, triangular)', () => {
    const x = randomMatrix(11, 6, 'x');
    const m = randomMatrix(6, 5, 'm');
    expect(maxAbsDiff(multiply(x, 11, 6, m, 5), naiveProduct(x, 11, 6, m, 5))).toBeLessThan(1e-12);
    const sq = randomMatrix(6, 6, 'sq');
    for (let i = 0; i < 6; i++) for (let j = 0; j < i; j++) sq[i * 6 + j] = 0;
    const inPlace = x.slice();
    multiplyInPlace(inPlace, 11, sq, 6, true);
    expect(maxAbsDiff(inPlace, naiveProduct(x, 11, 6, sq, 6))).toBeLessThan(1e-12);
  });

  it('cholesky and invertUpper factor an SPD matrix; a singular one gives null', () => {
    const x = randomMatrix(20, 5, 'spd');
    const g = gram(x, 20, 5);
    const r = cholesky(g, 5)!;
    expect(maxAbsDiff(naiveProduct(transpose(r, 5, 5), 5, 5, r, 5), g)).toBeLessThan(1e-10);
    const eye = naiveProduct(r, 5, 5, invertUpper(r, 5), 5);
    expect(maxAbsDiff(eye, Float64Array.from({ length: 25 }, (_, i) => (i % 6 === 0 ? 1 : 0)))).toBeLessThan(1e-12);
    expect(cholesky(new Float64Array([1, 1, 1, 1]), 2)).toBeNull();
  });
});

describe('symmetricEigen', () => {
  it('diagonalises a symmetric matrix: A V = V Λ, V orthonormal, values descending', () => {
    const n = 12;
    const x = randomMatrix(30, n, 'eig');
    const a = gram(x, 30, n);
    const { values, vectors } = symmetricEigen(a, n);
    for (let i = 1; i < n; i++) expect(values[i - 1]!).toBeGreaterThanOrEqual(values[i]!);
    const av = naiveProduct(a, n, n, vectors, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(av[i * n + j]).toBeCloseTo(vectors[i * n + j]! * values[j]!, 8);
    expect(maxAbsDiff(gram(vectors, n, n), Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)))).toBeLessThan(1e-12);
  });

  it('knows a 2 × 2 case by hand', () => {
    const { values } = symmetricEigen(new Float64Array([2, 1, 1, 2]), 2);
    expect(values[0]).toBeCloseTo(3, 12);
    expect(values[1]).toBeCloseTo(1, 12);
  });
});

describe('orthonormalizeColumns', () => {
  it('returns orthonormal columns spanning the input', () => {
    const x = randomMatrix(200, 10, 'orth');
    const q = x.slice();
    expect(orthonormalizeColumns(q, 200, 10)).toBe(10);
    const eye = Float64Array.from({ length: 100 }, (_, i) => (i % 11 === 0 ? 1 : 0));
    expect(maxAbsDiff(gram(q, 200, 10), eye)).toBeLessThan(1e-12);
    // Same span: projecting x onto span(q) reproduces x.
    const coef = naiveProduct(transpose(q, 200, 10), 10, 200, x, 10);
    expect(maxAbsDiff(naiveProduct(q, 200, 10, coef, 10), x)).toBeLessThan(1e-9);
  });

  it('handles rank-deficient input by reporting the rank', () => {
    const base = randomMatrix(50, 3, 'rank');
    const x = new Float64Array(50 * 5);
    for (let r = 0; r < 50; r++) {
      for (let j = 0; j < 3; j++) x[r * 5 + j] = base[r * 3 + j]!;
      x[r * 5 + 3] = base[r * 3]! + base[r * 3 + 1]!;
      x[r * 5 + 4] = 2 * base[r * 3 + 2]!;
    }
    const rank = orthonormalizeColumns(x, 50, 5);
    expect(rank).toBe(3);
    const packed = new Float64Array(50 * 3);
    for (let r = 0; r < 50; r++) for (let j = 0; j < 3; j++) packed[r * 3 + j] = x[r * 5 + j]!;
    const eye = Float64Array.from({ length: 9 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    expect(maxAbsDiff(gram(packed, 50, 3), eye)).toBeLessThan(1e-8);
    for (let r = 0; r < 50; r++) expect(x[r * 5 + 4]).toBe(0);
  });
});

describe('CsrMatrix', () => {
  it('multiplies with dense blocks and transposes', () => {
    // [[1, 0, 2], [0, 0, 0], [0, 3, 4]] with six nonzeros in row 3 to exercise the unrolled path.
    const a = new CsrMatrix(
      4,
      6,
      Uint32Array.from([0, 2, 2, 4, 10]),
      Uint32Array.from([0, 2, 1, 2, 0, 1, 2, 3, 4, 5]),
      Float32Array.from([1, 2, 3, 4, 1, 2, 3, 4, 5, 6]),
    );
    const dense = new Float64Array(4 * 6);
    for (let r = 0; r < 4; r++)
      for (let p = a.rowPtr[r]!; p < a.rowPtr[r + 1]!; p++) dense[r * 6 + a.colIdx[p]!] = a.values[p]!;
    const x = randomMatrix(6, 3, 'csr');
    expect(maxAbsDiff(a.multiplyDense(x, 3), naiveProduct(dense, 4, 6, x, 3))).toBeLessThan(1e-12);
    const at = a.transpose();
    expect(at.rows).toBe(6);
    const y = randomMatrix(4, 2, 'csrT');
    expect(maxAbsDiff(at.multiplyDense(y, 2), naiveProduct(transpose(dense, 4, 6), 6, 4, y, 2))).toBeLessThan(1e-12);
    expect(Array.from(at.colIdx.subarray(at.rowPtr[2]!, at.rowPtr[3]!))).toEqual([0, 2, 3]);
  });
});

describe('symmetricEigen edge cases', () => {
  it('handles repeated eigenvalues, diagonal, zero and 1 × 1 matrices', () => {
    const eye = symmetricEigen(Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), 3);
    expect(Array.from(eye.values)).toEqual([1, 1, 1]);
    const diag = symmetricEigen(Float64Array.from([1, 0, 0, 0, 5, 0, 0, 0, -2]), 3);
    expect(Array.from(diag.values)).toEqual([5, 1, -2]);
    expect(diag.vectors[1 * 3 + 0]).toBeCloseTo(1, 12);
    const zero = symmetricEigen(new Float64Array(4), 2);
    expect(Array.from(zero.values)).toEqual([0, 0]);
    expect(Array.from(symmetricEigen(Float64Array.from([7]), 1).values)).toEqual([7]);
  });

  it('is accurate on a larger random matrix and rejects non-finite input', () => {
    const n = 60;
    const x = randomMatrix(n, n, 'big');
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = x[i * n + j]! + x[j * n + i]!;
    const { values, vectors } = symmetricEigen(a, n);
    const av = naiveProduct(a, n, n, vectors, n);
    let err = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) err = Math.max(err, Math.abs(av[i * n + j]! - vectors[i * n + j]! * values[j]!));
    expect(err).toBeLessThan(1e-10);
    let trace = 0;
    for (let i = 0; i < n; i++) trace += a[i * n + i]!;
    expect(values.reduce((s, v) => s + v, 0)).toBeCloseTo(trace, 9);
    expect(() => symmetricEigen(Float64Array.from([1, Number.NaN, Number.NaN, 1]), 2)).toThrow(RangeError);
  });
});
