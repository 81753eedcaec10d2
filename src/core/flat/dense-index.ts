/**
 * Flat dense retrieval over the documents' stored embeddings, through an HNSW graph
 * (hnswlib-node, cosine). Used for the dense baseline, fusion and seeding.
 * Why built on first use: queries that never ask for it pay nothing, and the graph is
 * a pure function of the stored embeddings (fixed seed, single-threaded inserts), so it
 * is the same graph every time. ef is set well above k for near-exact recall.
 */
import hnswlib from 'hnswlib-node';
import { LatticeError } from '../errors.js';
import type { IndexStore } from '../store/index-store.js';

export interface DenseHit {
  docId: string;
  score: number;
}

export class DenseIndex {
  private readonly index: hnswlib.HierarchicalNSW;
  private readonly docIds: string[];
  readonly dimensions: number;

  private constructor(index: hnswlib.HierarchicalNSW, docIds: string[], dimensions: number) {
    this.index = index;
    this.docIds = docIds;
    this.dimensions = dimensions;
  }

  /** Builds the graph from document-node embeddings (chunked documents carry their chunks' mean). */
  static fromStore(store: IndexStore): DenseIndex {
    const vectors: Float32Array[] = [];
    const ids: string[] = [];
    for (const row of store.iterateEmbeddings('document')) {
      if (row.docId === null) continue;
      vectors.push(row.embedding);
      ids.push(row.docId);
    }
    return DenseIndex.build(ids, vectors);
  }

  static build(docIds: string[], vectors: Float32Array[]): DenseIndex {
    if (vectors.length === 0) {
      throw new LatticeError('INDEX_CORRUPT', 'The index stores no document embeddings, so dense search is unavailable.', {
        hint: 'Rebuild the index with `lattice build ... --force`.',
      });
    }
    const dims = vectors[0]!.length;
    const index = new hnswlib.HierarchicalNSW('cosine', dims);
    index.initIndex(vectors.length, 16, 200, 100);
    vectors.forEach((v, i) => index.addPoint(Array.from(v), i));
    return new DenseIndex(index, docIds, dims);
  }

  /** The k nearest documents to `vector` by cosine similarity, best first (ties by id). */
  search(vector: Float32Array, k: number, exclude?: ReadonlySet<string>): DenseHit[] {
    if (vector.length !== this.dimensions) {
      throw new LatticeError('CONFIG_INVALID', `Query vector has ${vector.length} dimensions; the index has ${this.dimensions}.`, {
        hint: 'Embed queries with the embedder the index was built with.',
      });
    }
    const n = this.docIds.length;
    const excluded = exclude && exclude.size > 0 ? exclude : undefined;
    const want = Math.min(n, k + (excluded ? excluded.size : 0));
    if (want <= 0) return [];
    this.index.setEf(Math.max(want, Math.min(n, Math.max(200, want * 2))));
    const filter = excluded ? (label: number) => !excluded.has(this.docIds[label]!) : undefined;
    const { neighbors, distances } = this.index.searchKnn(Array.from(vector), Math.min(want, n), filter);
    const hits = neighbors.map((label, i) => ({ docId: this.docIds[label]!, score: 1 - distances[i]! }));
    hits.sort((a, b) => b.score - a.score || (a.docId < b.docId ? -1 : a.docId > b.docId ? 1 : 0));
    return hits.slice(0, k);
  }
}
