/**
 * Compressed sparse row (CSR) matrices with Float32 values, and their products with dense
 * row-major Float64 blocks: the work-horse of the randomized SVD over TF-IDF matrices.
 * Why a transposed copy: Aᵀ·Y as a gather over A's columns (CSC) is as cache-friendly as
 * A·X and needs no scatter, at the cost of one more nnz-sized pair of arrays.
 * Invariant: column indices within a row are strictly increasing.
 */

export class CsrMatrix {
  constructor(
    readonly rows: number,
    readonly cols: number,
    /** Row r's entries are [rowPtr[r], rowPtr[r + 1]). */
    readonly rowPtr: Uint32Array,
    readonly colIdx: Uint32Array,
    readonly values: Float32Array,
  ) {
    if (rowPtr.length !== rows + 1) throw new RangeError(`rowPtr has ${rowPtr.length} entries for ${rows} rows`);
    if (colIdx.length !== values.length) throw new RangeError('colIdx and values differ in length');
  }

  get nnz(): number {
    return this.values.length;
  }

  /** The transpose, as a new CSR matrix (a counting sort by column, so rows stay sorted). */
  transpose(): CsrMatrix {
    const { rows, cols, rowPtr, colIdx, values } = this;
    const ptr = new Uint32Array(cols + 1);
    for (let p = 0; p < colIdx.length; p++) ptr[colIdx[p]! + 1]++;
    for (let c = 0; c < cols; c++) ptr[c + 1] += ptr[c]!;
    const cursor = ptr.slice(0, cols);
    const idx = new Uint32Array(colIdx.length);
    const val = new Float32Array(colIdx.length);
    for (let r = 0; r < rows; r++) {
      for (let p = rowPtr[r]!; p < rowPtr[r + 1]!; p++) {
        const dst = cursor[colIdx[p]!]!++;
        idx[dst] = r;
        val[dst] = values[p]!;
      }
    }
    return new CsrMatrix(cols, rows, ptr, idx, val);
  }

  /**
   * out (rows × width) = this · x, where x is cols × width, both row-major Float64.
   * Four nonzeros are folded per pass over an output row, which quarters the output traffic.
   */
  multiplyDense(x: Float64Array, width: number, out: Float64Array = new Float64Array(this.rows * width)): Float64Array {
    const { rows, rowPtr, colIdx, values } = this;
    const acc = new Float64Array(width);
    for (let r = 0; r < rows; r++) {
      acc.fill(0);
      let p = rowPtr[r]!;
      const end = rowPtr[r + 1]!;
      for (; p + 3 < end; p += 4) {
        const o1 = colIdx[p]! * width;
        const o2 = colIdx[p + 1]! * width;
        const o3 = colIdx[p + 2]! * width;
        const o4 = colIdx[p + 3]! * width;
        const v1 = values[p]!;
        const v2 = values[p + 1]!;
        const v3 = values[p + 2]!;
        const v4 = values[p + 3]!;
        for (let j = 0; j < width; j++) {
          acc[j] += v1 * x[o1 + j]! + v2 * x[o2 + j]! + v3 * x[o3 + j]! + v4 * x[o4 + j]!;
        }
      }
      for (; p < end; p++) {
        const o = colIdx[p]! * width;
        const v = values[p]!;
        for (let j = 0; j < width; j++) acc[j] += v * x[o + j]!;
      }
      out.set(acc, r * width);
    }
    return out;
  }
}
