/**
 * Turns slate-relative judge scores into one latent relevance per node, comparable across a query.
 * Model (LATTICE's MSE calibration, arXiv 2510.13217): score(v, i) ≈ a·θ_v + b_i, one offset b_i per
 * slate, weights w = max(0.1, σ(score − 0.5)). With per-slate offsets only, a global slope a is a pure
 * gauge of the latent scale (a·θ is what the data identify; the reference pins it by weight decay),
 * so a is fixed at 1 and the latents stay on the judge's 0..1 scale. The fit is then one exact weighted
 * least-squares solve: θ is eliminated and the slates×slates system for b is solved by Cholesky,
 * instead of the reference's 200 Adam steps.
 * Gauge: small ridges pull b toward 0 and θ toward the node's mean raw score, so a block of slates
 * that shares no node with the rest reproduces its raw scores instead of floating.
 * Invariant: deterministic, never calls a model. Used by traverser/search.ts after each iteration.
 */

/** One judge score of one node in one slate; `score` is on 0..1. Order matters only for method 'none'. */
export interface Observation {
  nodeId: number;
  slate: number;
  score: number;
}

export interface CalibrationOptions {
  /** 'joint' fits the model; 'none' (ablation) returns each node's last raw score. Defaults to 'joint'. */
  method?: 'joint' | 'none';
  /** Ridge pulling each latent toward the node's mean raw score. Defaults to 0.01. */
  latentRidge?: number;
  /** Ridge pulling each slate offset toward 0. Defaults to 0.01. */
  offsetRidge?: number;
  /** 'reference' weights w = max(0.1, σ(s − 0.5)); 'uniform' weighs every score 1. Defaults to 'reference'. */
  weighting?: 'reference' | 'uniform';
}

export interface CalibrationFit {
  /** Calibrated latent per observed node on 0..1: max(0, θ) / max(1, max over nodes of θ). */
  latents: Map<number, number>;
  /** θ per node before clipping and scaling (the fitted score on the judge's 0..1 scale). */
  fitted: Map<number, number>;
  /** Fitted offset per slate id. */
  offsets: Map<number, number>;
}

/** Fits latents to all observations of one query; see the module comment for the model and defaults. */
export function calibrate(observations: readonly Observation[], options: CalibrationOptions = {}): CalibrationFit {
  if ((options.method ?? 'joint') === 'none') return lastScores(observations);
  const lambdaTheta = options.latentRidge ?? 0.01;
  const lambdaB = options.offsetRidge ?? 0.01;
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
  if (N === 0) return { latents: new Map(), fitted: new Map(), offsets: new Map() };

  // Observations grouped by node (CSR layout), and per-node sums that do not depend on a.
  const start = new Int32Array(N + 1);
  for (let o = 0; o < n; o++) start[obsNode[o]! + 1]!++;
  for (let v = 0; v < N; v++) start[v + 1]! += start[v]!;
  const byNode = new Int32Array(n);
  const fill = start.slice(0, N);
  for (let o = 0; o < n; o++) byNode[fill[obsNode[o]!]!++] = o;
  const W = new Float64Array(N);
  const WS = new Float64Array(N);
  const mean = new Float64Array(N);
  for (let v = 0; v < N; v++) {
    let sw = 0;
    let sws = 0;
    let ss = 0;
    for (let k = start[v]!; k < start[v + 1]!; k++) {
      const o = byNode[k]!;
      sw += w[o]!;
      sws += w[o]! * s[o]!;
      ss += s[o]!;
    }
    W[v] = sw;
    WS[v] = sws;
    mean[v] = ss / (start[v + 1]! - start[v]!);
  }

  // Eliminating θ_v = (Σ_i w(s − b_i) + λθ·mean_v) / D_v leaves M·b = rhs over slates only.
  const M = new Float64Array(S * S);
  const rhs = new Float64Array(S);
  for (let i = 0; i < S; i++) M[i * S + i] = lambdaB;
  for (let v = 0; v < N; v++) {
    const D = W[v]! + lambdaTheta;
    const c = (WS[v]! + lambdaTheta * mean[v]!) / D;
    for (let k = start[v]!; k < start[v + 1]!; k++) {
      const o = byNode[k]!;
      const i = obsSlate[o]!;
      M[i * S + i]! += w[o]!;
      rhs[i]! += w[o]! * (s[o]! - c);
      const f = w[o]! / D;
      for (let k2 = start[v]!; k2 < start[v + 1]!; k2++) {
        const o2 = byNode[k2]!;
        M[i * S + obsSlate[o2]!]! -= f * w[o2]!;
      }
    }
  }
  const b = new Float64Array(S);
  choleskySolve(M, rhs, S, b);

  const fitted = new Map<number, number>();
  let top = 1;
  for (let v = 0; v < N; v++) {
    let acc = 0;
    for (let k = start[v]!; k < start[v + 1]!; k++) {
      const o = byNode[k]!;
      acc += w[o]! * (s[o]! - b[obsSlate[o]!]!);
    }
    const value = (acc + lambdaTheta * mean[v]!) / (W[v]! + lambdaTheta);
    fitted.set(nodeIds[v]!, value);
    if (value > top) top = value;
  }
  const latents = new Map<number, number>();
  for (const [id, value] of fitted) latents.set(id, Math.max(0, value) / top);
  const offsets = new Map<number, number>();
  for (let i = 0; i < S; i++) offsets.set(slateIds[i]!, b[i]!);
  return { latents, fitted, offsets };
}

/** The 'none' ablation: a node's latent is the last score it received (paper: ĉ_v = last s_v). */
function lastScores(observations: readonly Observation[]): CalibrationFit {
  const latents = new Map<number, number>();
  for (const ob of observations) latents.set(ob.nodeId, Math.min(1, Math.max(0, ob.score)));
  const offsets = new Map<number, number>();
  for (const ob of observations) offsets.set(ob.slate, 0);
  return { latents, fitted: new Map(latents), offsets };
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
