/**
 * k-means over Float32Array embeddings: greedy k-means++ seeding, Lloyd iterations with an
 * early stop, optional fitting on a seeded sample for large n, and empty-cluster repair.
 * Why our own: ml-kmeans copies every vector into number[][] and has no sampling, which is
 * slow at 100k×256; this one runs on the typed arrays directly. `engine: 'ml-kmeans'`
 * switches to the library (same seeding scheme) for comparison or as a fallback.
 * Invariant: deterministic for a given seed; centroids returned are the means of their
 * final members (or unit-length means for `metric: 'cosine'`).
 * Used by: balanced-kmeans.ts (both tree-building strategies).
 */
import { kmeans as mlKMeans } from 'ml-kmeans';
import { LatticeError } from '../../src/core/errors.js';
import { createRng, type Rng } from '../../src/core/math/random.js';
import {
  centroidNorms,
  checkSeed,
  crossDots,
  distanceMatrix,
  dot32,
  dotAt,
  mixSeed,
  normalizeRows,
  splitRows,
  squaredNorms,
  unitCopy,
  updateMeans,
  validateVectors,
} from './geometry.js';

/** Which k-means implementation fits the centroids. */
export type KMeansEngine = 'own' | 'ml-kmeans';
/** `euclidean`: plain k-means. `cosine`: spherical k-means (points and centroids scaled to unit length). */
export type KMeansMetric = 'euclidean' | 'cosine';

export interface KMeansOptions {
  /** Number of clusters; clamped to the number of points. */
  k: number;
  /** Seed of the k-means++ draws and of the sample. */
  seed: number;
  /** Cap on Lloyd iterations. Defaults to 100 (as ml-kmeans). */
  maxIterations?: number;
  /** Stop when an iteration lowers the objective by less than this fraction. Defaults to 1e-4. */
  tolerance?: number;
  /** Defaults to 'euclidean'. */
  metric?: KMeansMetric;
  /** When n exceeds this, fit on a seeded sample of this size, then refine on all points. Defaults to no sampling. */
  sampleSize?: number;
  /** Full-data Lloyd iterations after a sampled fit (0 = none). Defaults to 3. */
  refineIterations?: number;
  /** Implementation that fits the centroids. Defaults to 'own'. */
  engine?: KMeansEngine;
}

export interface KMeansResult {
  /** Cluster of each point, in [0, k). */
  assignments: Int32Array;
  /** One centroid per cluster. A cluster is empty only when there are fewer distinct points than k. */
  centroids: Float32Array[];
  /** Sum of squared Euclidean distances from each (normalised, for cosine) point to its centroid. */
  inertia: number;
  /** Lloyd iterations run (sample and refinement iterations added up). */
  iterations: number;
}

export const DEFAULT_KMEANS_OPTIONS = Object.freeze({
  maxIterations: 100,
  tolerance: 1e-4,
  metric: 'euclidean' as KMeansMetric,
  sampleSize: Number.POSITIVE_INFINITY,
  refineIterations: 3,
  engine: 'own' as KMeansEngine,
});

function checkOptions(options: KMeansOptions): void {
  const { k, seed } = options;
  if (!Number.isInteger(k) || k < 1) {
    throw new LatticeError('CONFIG_INVALID', `k-means needs a whole number of clusters k ≥ 1, got ${String(k)}.`, {
      hint: 'Pass k as a positive integer.',
    });
  }
  checkSeed(seed);
  const engine = options.engine ?? 'own';
  if (engine !== 'own' && engine !== 'ml-kmeans') {
    throw new LatticeError('CONFIG_INVALID', `Unknown k-means engine '${String(engine)}'.`, {
      hint: "Use 'own' or 'ml-kmeans'.",
    });
  }
  const metric = options.metric ?? 'euclidean';
  if (metric !== 'euclidean' && metric !== 'cosine') {
    throw new LatticeError('CONFIG_INVALID', `Unknown k-means metric '${String(metric)}'.`, {
      hint: "Use 'euclidean' or 'cosine'.",
    });
  }
  for (const key of ['maxIterations', 'refineIterations'] as const) {
    const v = options[key];
    const least = key === 'maxIterations' ? 1 : 0;
    if (v !== undefined && (!Number.isInteger(v) || v < least)) {
      throw new LatticeError('CONFIG_INVALID', `k-means ${key} must be a whole number ≥ ${least}, got ${String(v)}.`, {
        hint: `Pass ${key} as a whole number or leave it unset.`,
      });
    }
  }
  const s = options.sampleSize;
  if (s !== undefined && !(s >= 1)) {
    throw new LatticeError('CONFIG_INVALID', `k-means sampleSize must be ≥ 1, got ${String(s)}.`, {
      hint: 'Leave sampleSize unset to fit on every point.',
    });
  }
  const t = options.tolerance;
  if (t !== undefined && !(t >= 0)) {
    throw new LatticeError('CONFIG_INVALID', `k-means tolerance must be ≥ 0, got ${String(t)}.`, {
      hint: 'Use a small fraction such as 1e-4.',
    });
  }
}

/**
 * Clusters `vectors` into `options.k` groups. n = 0 gives empty results; k is clamped to n.
 * Throws CONFIG_INVALID for bad options and MODEL_BAD_OUTPUT for vectors of mixed length or non-finite values.
 */
export function kmeans(vectors: readonly Float32Array[], options: KMeansOptions): KMeansResult {
  checkOptions(options);
  const d = validateVectors(vectors);
  const n = vectors.length;
  if (n === 0) return { assignments: new Int32Array(0), centroids: [], inertia: 0, iterations: 0 };
  const k = Math.min(options.k, n);
  const metric = options.metric ?? DEFAULT_KMEANS_OPTIONS.metric;
  const points = metric === 'cosine' ? vectors.map(unitCopy) : vectors;
  return finish(points, fitCentroids(points, k, d, options), k, d, metric);
}

/**
 * Runs the configured engine and returns a flat k·d centroid buffer (not yet matched to a
 * final assignment). Exported for balanced-kmeans.ts, which continues from these centroids.
 */
export function fitCentroids(
  points: readonly Float32Array[],
  k: number,
  d: number,
  options: KMeansOptions,
): { centroids: Float64Array; iterations: number } {
  const engine = options.engine ?? DEFAULT_KMEANS_OPTIONS.engine;
  const metric = options.metric ?? DEFAULT_KMEANS_OPTIONS.metric;
  const maxIterations = options.maxIterations ?? DEFAULT_KMEANS_OPTIONS.maxIterations;
  const tolerance = options.tolerance ?? DEFAULT_KMEANS_OPTIONS.tolerance;
  const sampleSize = Math.max(k, Math.floor(options.sampleSize ?? DEFAULT_KMEANS_OPTIONS.sampleSize));
  const refine = options.refineIterations ?? DEFAULT_KMEANS_OPTIONS.refineIterations;
  const n = points.length;
  const rng = createRng(options.seed);

  const sampled = n > sampleSize;
  const fitPoints = sampled ? samplePoints(points, sampleSize, rng) : points;
  let centroids: Float64Array;
  let iterations: number;
  if (engine === 'ml-kmeans') {
    ({ centroids, iterations } = fitWithMlKMeans(fitPoints, k, d, maxIterations, options.seed, metric));
  } else {
    centroids = kmeansPlusPlus(fitPoints, k, d, rng);
    iterations = lloyd(fitPoints, centroids, k, d, maxIterations, tolerance, metric);
  }
  if (sampled && refine > 0) iterations += lloyd(points, centroids, k, d, refine, tolerance, metric);
  return { centroids, iterations };
}

/** A seeded sample without replacement (partial Fisher-Yates), kept in original order for locality. */
function samplePoints(points: readonly Float32Array[], size: number, rng: Rng): Float32Array[] {
  const n = points.length;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(rng() * (n - i));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  const chosen = idx.subarray(0, size).sort();
  return Array.from(chosen, (i) => points[i]);
}

/**
 * Greedy k-means++ (Arthur & Vassilvitskii 2007, with 2 + ln k candidate draws per centre as
 * scikit-learn and ml-kmeans do): the candidate that most lowers the potential wins. All
 * candidates of a round are measured against the points in one blocked pass.
 */
function kmeansPlusPlus(points: readonly Float32Array[], k: number, d: number, rng: Rng): Float64Array {
  const n = points.length;
  const centroids = new Float64Array(k * d);
  const xx = squaredNorms(points, d);
  const trials = 2 + Math.floor(Math.log(k));
  const closest = new Float64Array(n);
  const chosen = new Uint8Array(n);
  const candidates = new Float64Array(trials * d);
  const dots = new Float64Array(n * trials);
  const candIdx = new Int32Array(trials);

  const first = Math.floor(rng() * n);
  setCentroid(centroids, 0, points[first], d);
  chosen[first] = 1;
  const p0 = points[first];
  for (let i = 0; i < n; i++) closest[i] = sqDist(points[i], p0, xx[i], xx[first], d);

  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) total += closest[i];
    if (!(total > 0)) {
      // Every point sits on a centre already: no distinct point is left, so duplicate one deterministically.
      let pick = 0;
      while (pick < n - 1 && chosen[pick]) pick++;
      chosen[pick] = 1;
      setCentroid(centroids, c, points[pick], d);
      continue;
    }
    for (let t = 0; t < trials; t++) {
      candIdx[t] = drawProportional(closest, total, rng());
      setCentroid(candidates, t, points[candIdx[t]], d);
    }
    crossDots(points, candidates, trials, d, dots);
    let bestPot = Number.POSITIVE_INFINITY;
    let bestT = 0;
    for (let t = 0; t < trials; t++) {
      const ct = xx[candIdx[t]];
      let pot = 0;
      for (let i = 0; i < n; i++) {
        const v = xx[i] + ct - 2 * dots[i * trials + t];
        const dist = v > 0 ? v : 0;
        pot += dist < closest[i] ? dist : closest[i];
      }
      if (pot < bestPot) {
        bestPot = pot;
        bestT = t;
      }
    }
    const best = candIdx[bestT];
    const cb = xx[best];
    for (let i = 0; i < n; i++) {
      const v = xx[i] + cb - 2 * dots[i * trials + bestT];
      const dist = v > 0 ? v : 0;
      if (dist < closest[i]) closest[i] = dist;
    }
    closest[best] = 0;
    chosen[best] = 1;
    setCentroid(centroids, c, points[best], d);
  }
  return centroids;
}

function drawProportional(weights: Float64Array, total: number, u: number): number {
  const target = u * total;
  let acc = 0;
  let last = 0;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] <= 0) continue;
    acc += weights[i];
    last = i;
    if (acc > target) return i;
  }
  return last;
}

function sqDist(a: Float32Array, b: Float32Array, aa: number, bb: number, d: number): number {
  const v = aa + bb - 2 * dot32(a, b, d);
  return v > 0 ? v : 0;
}

function setCentroid(centroids: Float64Array, c: number, x: Float32Array, d: number): void {
  const off = c * d;
  for (let j = 0; j < d; j++) centroids[off + j] = x[j];
}

/**
 * Lloyd iterations on `points`, updating `centroids` in place. Stops when no point changes
 * cluster or the objective improves by less than `tolerance` (relative). Returns iterations run.
 */
function lloyd(
  points: readonly Float32Array[],
  centroids: Float64Array,
  k: number,
  d: number,
  maxIterations: number,
  tolerance: number,
  metric: KMeansMetric,
): number {
  const n = points.length;
  const xx = squaredNorms(points, d);
  const assign = new Int32Array(n).fill(-1);
  const dist = new Float64Array(n);
  let previous = Number.POSITIVE_INFINITY;
  let it = 0;
  while (it < maxIterations) {
    it++;
    const { changes, objective } = assignNearest(points, xx, centroids, k, d, assign, dist);
    if (changes === 0) break;
    const counts = updateMeans(points, assign, centroids, k, d);
    repairEmpty(points, assign, dist, counts, centroids, k, d);
    if (metric === 'cosine') normalizeRows(centroids, k, d);
    if (Number.isFinite(previous) && previous - objective <= tolerance * previous) break;
    previous = objective;
  }
  return it;
}

/** Points per block of the distance table, so memory stays at BLOCK·k numbers whatever n is. */
const BLOCK = 2048;

function assignNearest(
  points: readonly Float32Array[],
  xx: Float64Array,
  centroids: Float64Array,
  k: number,
  d: number,
  assign: Int32Array,
  dist: Float64Array,
): { changes: number; objective: number } {
  const n = points.length;
  const table = new Float64Array(Math.min(n, BLOCK) * k);
  let changes = 0;
  let objective = 0;
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    distanceMatrix(points.slice(start, end), xx.subarray(start, end), centroids, k, d, table);
    for (let i = start; i < end; i++) {
      const base = (i - start) * k;
      let best = 0;
      let bestDist = table[base];
      for (let c = 1; c < k; c++) {
        if (table[base + c] < bestDist) {
          bestDist = table[base + c];
          best = c;
        }
      }
      dist[i] = bestDist;
      objective += bestDist;
      if (assign[i] !== best) {
        assign[i] = best;
        changes++;
      }
    }
  }
  return { changes, objective };
}

/**
 * Reseeds each empty cluster at the point farthest from its own centroid (taken from a
 * cluster that keeps at least one member), so k clusters stay in use when the data allow.
 * `dist` holds each point's squared distance to its centroid. Exported for tests.
 */
export function repairEmpty(
  points: readonly Float32Array[],
  assign: Int32Array,
  dist: Float64Array,
  counts: Int32Array,
  centroids: Float64Array,
  k: number,
  d: number,
): void {
  for (let c = 0; c < k; c++) {
    if (counts[c] !== 0) continue;
    let far = -1;
    let farDist = 0;
    for (let i = 0; i < points.length; i++) {
      if (dist[i] > farDist && counts[assign[i]] > 1) {
        farDist = dist[i];
        far = i;
      }
    }
    if (far < 0) return; // Fewer distinct points than clusters: nothing to split off.
    counts[assign[far]] -= 1;
    assign[far] = c;
    counts[c] = 1;
    dist[far] = 0;
    setCentroid(centroids, c, points[far], d);
  }
}

function fitWithMlKMeans(
  points: readonly Float32Array[],
  k: number,
  d: number,
  maxIterations: number,
  seed: number,
  metric: KMeansMetric,
): { centroids: Float64Array; iterations: number } {
  const data = points.map((p) => Array.from(p));
  let result: { centroids: number[][]; iterations: number };
  try {
    result = mlKMeans(data, k, { seed: mixSeed(seed, 0x6d6c), maxIterations, initialization: 'kmeans++' });
  } catch (cause) {
    throw new LatticeError('CONFIG_INVALID', `ml-kmeans failed on ${points.length} points with k = ${k}.`, {
      hint: "Use the built-in engine (kmeans: 'own'), which handles duplicate and degenerate points.",
      cause,
    });
  }
  const centroids = new Float64Array(k * d);
  for (let c = 0; c < k; c++) {
    const row = result.centroids[c];
    for (let j = 0; j < d; j++) {
      const v = row?.[j];
      // ml-kmeans turns a cluster of all-identical points into NaN seeds; fall back to a data point.
      centroids[c * d + j] = v !== undefined && Number.isFinite(v) ? v : points[c % points.length][j];
    }
  }
  if (metric === 'cosine') normalizeRows(centroids, k, d);
  return { centroids, iterations: result.iterations };
}

/** Final assignment against the fitted centroids, then centroids recomputed as their members' means. */
function finish(
  points: readonly Float32Array[],
  fit: { centroids: Float64Array; iterations: number },
  k: number,
  d: number,
  metric: KMeansMetric,
): KMeansResult {
  const n = points.length;
  const { centroids } = fit;
  const assignments = new Int32Array(n).fill(-1);
  const xx = squaredNorms(points, d);
  assignNearest(points, xx, centroids, k, d, assignments, new Float64Array(n));
  updateMeans(points, assignments, centroids, k, d);
  if (metric === 'cosine') normalizeRows(centroids, k, d);
  const inertia = objectiveOf(points, xx, centroids, k, d, assignments);
  return { assignments, centroids: splitRows(centroids, k, d), inertia, iterations: fit.iterations };
}

function objectiveOf(
  points: readonly Float32Array[],
  xx: Float64Array,
  centroids: Float64Array,
  k: number,
  d: number,
  assignments: Int32Array,
): number {
  const cc = centroidNorms(centroids, k, d);
  let total = 0;
  for (let i = 0; i < points.length; i++) {
    const c = assignments[i];
    const v = xx[i] - 2 * dotAt(points[i], centroids, c * d, d) + cc[c];
    total += v > 0 ? v : 0;
  }
  return total;
}
