/**
 * A Uint32 buffer that doubles when full: postings and term counts while a large corpus is
 * tokenised, where the final size is unknown until the last text and a number[] would box.
 * Used by: lexical/bm25.ts (postings, document lengths) and the local embedder's TF-IDF rows.
 */
export class GrowableU32 {
  data: Uint32Array;
  length = 0;

  /** `capacity` is the initial size (it doubles as needed); default 1,024. */
  constructor(capacity = 1024) {
    this.data = new Uint32Array(capacity);
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Uint32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  /** The filled prefix (a view, not a copy). */
  view(): Uint32Array {
    return this.data.subarray(0, this.length);
  }

  /** Drops the storage once its contents are copied elsewhere (large corpora: hundreds of MB). */
  release(): void {
    this.data = new Uint32Array(0);
    this.length = 0;
  }
}
