/**
 * Nearest same-level clusters, so a summary can say what sets a cluster apart from its
 * neighbours (the extractive summariser down-weights terms they share).
 * Why HNSW: the first bottom-up level of a 100k-document corpus has ~12k clusters; an exact
 * all-pairs scan is ~10¹⁰ multiply-adds, an HNSW graph answers the same in about a second.
 * Small levels use the exact scan. Deterministic: fixed graph seed, single-threaded inserts.
 */
import hnswlib from 'hnswlib-node';

const EXACT_LIMIT = 600;

/** For each vector, the indices of its `k` nearest other vectors by cosine, nearest first. */
export function nearestNeighbours(vectors: readonly Float32Array[], k: number, seed: number): number[][] {
  const n = vectors.length;
  if (n <= 1 || k <= 0) return vectors.map(() => []);
  const want = Math.min(k, n - 1);
  if (n <= EXACT_LIMIT) return exactNeighbours(vectors, want);
  const dims = vectors[0]!.length;
  const index = new hnswlib.HierarchicalNSW('cosine', dims);
  index.initIndex(n, 16, 100, seed >>> 0);
  for (let i = 0; i < n; i++) index.addPoint(Array.from(vectors[i]!), i);
  index.setEf(Math.max(50, want * 4));
  return vectors.map((v, i) => {
    const { neighbors } = index.searchKnn(Array.from(v), want + 1);
    return neighbors.filter((j) => j !== i).slice(0, want);
  });
}

function exactNeighbours(vectors: readonly Float32Array[], k: number): number[][] {
  const n = vectors.length;
  return vectors.map((a, i) => {
    const scored: { j: number; s: number }[] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const b = vectors[j]!;
      let dot = 0;
      for (let d = 0; d < a.length; d++) dot += a[d]! * b[d]!;
      scored.push({ j, s: dot });
    }
    scored.sort((x, y) => y.s - x.s || x.j - y.j);
    return scored.slice(0, k).map((x) => x.j);
  });
}
