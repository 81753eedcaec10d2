/**
 * Turns slate-relative judge scores into one latent relevance per node, comparable across a query.
 * Model 'joint' (default): score(v, i) ≈ a_i·θ_v + b_i, a scale a_i and an offset b_i per slate,
 * because a judge (an LLM, or the simulated judge with s ~ U(0.6, 1.2)) stretches some slates as well
 * as shifting them: a relevant node scores 60 in one slate and 100 in another. Model 'offset' is
 * LATTICE's MSE calibration with the slope fixed at 1 (score ≈ θ_v + b_i); 'none' is the ablation.
 * Weights w = max(0.1, σ(score − 0.5)) as the reference. Ridges fix the gauge: a_i toward 1, b_i
 * toward 0, θ_v (weakly) toward the node's mean raw score, so a slate sharing no node keeps a = 1, b = 0.
 * Fit: alternating exact weighted least squares (θ and b jointly given a, by one slates×slates Cholesky
 * solve with θ eliminated; then each a_i by a 2×2 ridge regression), a few sweeps, a_i kept >= minScale.
 * Invariant: deterministic, never calls a model. Used by traverser/search.ts after each iteration.
 */

/** One judge score of one node in one slate; `score` is on 0..1. Order matters only for method 'none'. */
export interface Observation {
  nodeId: number;
  slate: number;
  score: number;
}

export type CalibrationMethod = 'joint' | 'offset' | 'none';

export interface CalibrationOptions {
  /**
   * 'joint': per-slate scale and offset (default); 'offset': per-slate offset, slope 1 (the reference
   * model); 'none' (ablation): each node's last raw score. Defaults to 'joint'.
   */
  method?: CalibrationMethod;
  /** Ridge pulling each latent toward the node's mean raw score. Defaults to 0.01. */
  latentRidge?: number;
  /** Ridge pulling each slate offset toward 0. Defaults to DEFAULT_OFFSET_RIDGE[method] (joint 1, offset 0.01). */
  offsetRidge?: number;
  /** Ridge pulling each slate scale toward 1 ('joint' only). Defaults to DEFAULT_SCALE_RIDGE (1). */
  scaleRidge?: number;
  /** 'reference' weights w = max(0.1, σ(s − 0.5)); 'uniform' weighs every score 1. Defaults to 'reference'. */
  weighting?: 'reference' | 'uniform';
  /** Alternations of the 'joint' fit (each ends with an exact θ, b solve). Defaults to 4. */
  sweeps?: number;
  /** Starting scale per slate id (e.g. the previous fit's `scales`), for a warm start. Defaults to 1 for every slate. */
  initialScales?: ReadonlyMap<number, number>;
  /** Smallest scale a slate may take ('joint'), so a slate never reverses or flattens the order. Defaults to 0.2. */
  minScale?: number;
}

export interface CalibrationFit {
  /** Calibrated latent per observed node on 0..1: max(0, θ) / max(1, max over nodes of θ). */
  latents: Map<number, number>;
  /** θ per node before clipping and scaling (on the judge's 0..1 scale of a slate with a = 1, b = 0). */
  fitted: Map<number, number>;
  /** Fitted offset per slate id. */
  offsets: Map<number, number>;
  /** Fitted scale per slate id (1 for every slate with 'offset' and 'none'). */
  scales: Map<number, number>;
}

/** Offset ridge by method. 'offset' keeps the 0.01 it was published with, so old figures reproduce. */
export const DEFAULT_OFFSET_RIDGE: Readonly<Record<Exclude<CalibrationMethod, 'none'>, number>> = Object.freeze({ joint: 1, offset: 0.01 });
/** Scale ridge of the 'joint' model. */
const DEFAULT_SCALE_RIDGE = 1;

/** Fits latents to all observations of one query; see the module comment for the models and defaults. */
export function calibrate(observations: readonly Observation[], options: CalibrationOptions = {}): CalibrationFit {
  const method = options.method ?? 'joint';
  if (method === 'none') return lastScores(observations);
  const affine = method === 'joint';
  const lambdaTheta = options.latentRidge ?? 0.01;
  const lambdaB = options.offsetRidge ?? DEFAULT_OFFSET_RIDGE[method];
  const lambdaA = options.scaleRidge ?? DEFAULT_SCALE_RIDGE;
  const minScale = options.minScale ?? 0.2;
  const sweeps = affine ? Math.max(1, Math.floor(options.sweeps ?? 4)) : 1;
  const uniform = options.weighting === 'uniform';

  const nodeIndex = new Map<number, number>();
  const slateIndex = new Map<number, number>();
  const nodeIds: number[] = [];
  const slateIds: number[] = [];
  const n = observations.length;
  const obsNode = new Int32Array(n);
  const obsSlate = new Int32Array(n);
  const s = new Float64Array(n);
  const w = new Float64Array(n);
  for (let o = 0; o < n; o++) {
    const ob = observations[o]!;
    let v = nodeIndex.get(ob.nodeId);
    if (v === undefined) {
      v = nodeIds.length;
      nodeIndex.set(ob.nodeId, v);
      nodeIds.push(ob.nodeId);
    }
    let i = slateIndex.get(ob.slate);
    if (i === undefined) {
      i = slateIds.length;
      slateIndex.set(ob.slate, i);
      slateIds.push(ob.slate);
    }
    obsNode[o] = v;
    obsSlate[o] = i;
    s[o] = ob.score;
    w[o] = uniform ? 1 : Math.max(0.1, 1 / (1 + Math.exp(-(ob.score - 0.5))));
  }
  const N = nodeIds.length;
  const S = slateIds.length;
  if (N === 0) return { latents: new Map(), fitted: new Map(), offsets: new Map(), scales: new Map() };

  const byNode = groupBy(obsNode, N);
  const mean = new Float64Array(N);
  for (let v = 0; v < N; v++) {
    let sum = 0;
    for (let k = byNode.start[v]!; k < byNode.start[v + 1]!; k++) sum += s[byNode.items[k]!]!;
    mean[v] = sum / (byNode.start[v + 1]! - byNode.start[v]!);
  }
  const a = new Float64Array(S).fill(1);
  if (affine && options.initialScales) {
    for (let i = 0; i < S; i++) {
      const start = options.initialScales.get(slateIds[i]!);
      if (start !== undefined && Number.isFinite(start)) a[i] = Math.max(minScale, start);
    }
  }
  const b = new Float64Array(S);
  const theta = new Float64Array(N);
  const problem: Problem = { N, S, obsSlate, s, w, byNode, mean, lambdaTheta, lambdaB };

  solveLatentsAndOffsets(problem, a, b, theta);
  if (affine) {
    const bySlate = groupBy(obsSlate, S);
    for (let sweep = 1; sweep < sweeps; sweep++) {
      fitScales(bySlate, obsNode, s, w, theta, a, lambdaA, lambdaB, minScale);
      solveLatentsAndOffsets(problem, a, b, theta);
    }
  }

  const fitted = new Map<number, number>();
  let top = 1;
  for (let v = 0; v < N; v++) {
    fitted.set(nodeIds[v]!, theta[v]!);
    if (theta[v]! > top) top = theta[v]!;
  }
  const latents = new Map<number, number>();
  for (const [id, value] of fitted) latents.set(id, Math.max(0, value) / top);
  const offsets = new Map<number, number>();
  const scales = new Map<number, number>();
  for (let i = 0; i < S; i++) {
    offsets.set(slateIds[i]!, b[i]!);
    scales.set(slateIds[i]!, a[i]!);
  }
  return { latents, fitted, offsets, scales };
}

/** Observation indices grouped by a key (CSR layout): items[start[k] .. start[k + 1]) belong to key k. */
interface Groups {
  start: Int32Array;
  items: Int32Array;
}

function groupBy(keyOf: Int32Array, keys: number): Groups {
  const start = new Int32Array(keys + 1);
  for (let o = 0; o < keyOf.length; o++) start[keyOf[o]! + 1]!++;
  for (let k = 0; k < keys; k++) start[k + 1]! += start[k]!;
  const items = new Int32Array(keyOf.length);
  const fill = start.slice(0, keys);
  for (let o = 0; o < keyOf.length; o++) items[fill[keyOf[o]!]!++] = o;
  return { start, items };
}

interface Problem {
  N: number;
  S: number;
  obsSlate: Int32Array;
  s: Float64Array;
  w: Float64Array;
  byNode: Groups;
  mean: Float64Array;
  lambdaTheta: number;
  lambdaB: number;
}

/**
 * Given the scales, the exact minimiser over θ and b of
 * Σ w (a_i θ_v + b_i − s)² + λb Σ b_i² + λθ Σ (θ_v − mean_v)².
 * θ_v = C_v − Σ_o (w a_i / D_v) b_i is eliminated, leaving an S×S positive definite system for b.
 */
function solveLatentsAndOffsets(p: Problem, a: Float64Array, b: Float64Array, theta: Float64Array): void {
  const { N, S, obsSlate, s, w, byNode, mean, lambdaTheta, lambdaB } = p;
  const { start, items } = byNode;
  const M = new Float64Array(S * S);
  const rhs = new Float64Array(S);
  for (let i = 0; i < S; i++) M[i * S + i] = lambdaB;
  const D = new Float64Array(N);
  const C = new Float64Array(N);
  for (let v = 0; v < N; v++) {
    let d = lambdaTheta;
    let c = lambdaTheta * mean[v]!;
    for (let k = start[v]!; k < start[v + 1]!; k++) {
      const o = items[k]!;
      const ai = a[obsSlate[o]!]!;
      d += w[o]! * ai * ai;
      c += w[o]! * ai * s[o]!;
    }
    D[v] = d;
    C[v] = c / d;
    for (let k = start[v]!; k < start[v + 1]!; k++) {
      const o = items[k]!;
      const i = obsSlate[o]!;
      const ai = a[i]!;
      M[i * S + i]! += w[o]!;
      rhs[i]! += w[o]! * (s[o]! - ai * C[v]!);
      const f = (w[o]! * ai) / d;
      for (let k2 = start[v]!; k2 < start[v + 1]!; k2++) {
        const o2 = items[k2]!;
        const i2 = obsSlate[o2]!;
        M[i * S + i2]! -= f * w[o2]! * a[i2]!;
      }
    }
  }
  choleskySolve(M, rhs, S, b);
  for (let v = 0; v < N; v++) {
    let acc = C[v]!;
    for (let k = start[v]!; k < start[v + 1]!; k++) {
      const o = items[k]!;
      const i = obsSlate[o]!;
      acc -= (w[o]! * a[i]! * b[i]!) / D[v]!;
    }
    theta[v] = acc;
  }
}

/**
 * Given θ, each slate's (a_i, b_i) by ridge regression of its scores on θ (a toward 1, b toward 0);
 * only a_i is kept (b is re-solved jointly with θ next). A slate whose θ barely vary keeps a ≈ 1.
 */
function fitScales(
  bySlate: Groups,
  obsNode: Int32Array,
  s: Float64Array,
  w: Float64Array,
  theta: Float64Array,
  a: Float64Array,
  lambdaA: number,
  lambdaB: number,
  minScale: number,
): void {
  const { start, items } = bySlate;
  for (let i = 0; i < a.length; i++) {
    let s1 = lambdaB;
    let st = 0;
    let stt = lambdaA;
    let ss = 0;
    let sts = lambdaA;
    for (let k = start[i]!; k < start[i + 1]!; k++) {
      const o = items[k]!;
      const t = theta[obsNode[o]!]!;
      s1 += w[o]!;
      st += w[o]! * t;
      stt += w[o]! * t * t;
      ss += w[o]! * s[o]!;
      sts += w[o]! * t * s[o]!;
    }
    const det = stt * s1 - st * st;
    const next = det > 1e-12 ? (sts * s1 - st * ss) / det : 1;
    a[i] = Number.isFinite(next) ? Math.max(minScale, next) : 1;
  }
}

/** The 'none' ablation: a node's latent is the last score it received (paper: ĉ_v = last s_v). */
function lastScores(observations: readonly Observation[]): CalibrationFit {
  const latents = new Map<number, number>();
  for (const ob of observations) latents.set(ob.nodeId, Math.min(1, Math.max(0, ob.score)));
  const offsets = new Map<number, number>();
  const scales = new Map<number, number>();
  for (const ob of observations) {
    offsets.set(ob.slate, 0);
    scales.set(ob.slate, 1);
  }
  return { latents, fitted: new Map(latents), offsets, scales };
}

/**
 * Solves M·x = rhs in place for a symmetric positive definite M (row-major, size n×n).
 * The ridges make M positive definite; a pivot that still comes out tiny (rounding) is floored
 * so the solve degrades gracefully instead of producing NaN.
 */
function choleskySolve(M: Float64Array, rhs: Float64Array, n: number, x: Float64Array): void {
  for (let j = 0; j < n; j++) {
    let d = M[j * n + j]!;
    for (let k = 0; k < j; k++) d -= M[j * n + k]! * M[j * n + k]!;
    const pivot = Math.sqrt(Math.max(d, 1e-12));
    M[j * n + j] = pivot;
    for (let i = j + 1; i < n; i++) {
      let v = M[i * n + j]!;
      for (let k = 0; k < j; k++) v -= M[i * n + k]! * M[j * n + k]!;
      M[i * n + j] = v / pivot;
    }
  }
  for (let i = 0; i < n; i++) {
    let v = rhs[i]!;
    for (let k = 0; k < i; k++) v -= M[i * n + k]! * x[k]!;
    x[i] = v / M[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let v = x[i]!;
    for (let k = i + 1; k < n; k++) v -= M[k * n + i]! * x[k]!;
    x[i] = v / M[i * n + i]!;
  }
}
