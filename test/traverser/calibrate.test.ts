import { describe, expect, it } from 'vitest';
import { calibrate } from '../../traverser/calibrate.js';
import type { Observation } from '../../traverser/calibrate.js';
import { createRng, gaussian } from '../../src/core/math/random.js';
import { DEFAULT_OFFSET_RIDGE } from '../../traverser/calibrate.js';

/** Spearman rank correlation (no ties expected in these synthetic values). */
function spearman(x: number[], y: number[]): number {
  const ranks = (v: number[]) => {
    const order = v.map((value, i) => ({ value, i })).sort((a, b) => a.value - b.value);
    const r = new Array<number>(v.length);
    order.forEach((o, k) => (r[o.i] = k));
    return r;
  };
  const rx = ranks(x);
  const ry = ranks(y);
  const n = x.length;
  let d2 = 0;
  for (let i = 0; i < n; i++) d2 += (rx[i]! - ry[i]!) ** 2;
  return 1 - (6 * d2) / (n * (n * n - 1));
}

/** Slates of random nodes with per-slate scale, offset and noise; every slate shares nodes with others. */
function synthetic(seed: string) {
  const rng = createRng(seed);
  const nodes = 80;
  const truth = Array.from({ length: nodes }, () => rng());
  const observations: Observation[] = [];
  const slates = 24;
  for (let slate = 0; slate < slates; slate++) {
    const scale = 0.6 + 0.8 * rng();
    const offset = -0.35 + 0.7 * rng();
    const members = new Set<number>();
    while (members.size < 12) members.add(Math.floor(rng() * nodes));
    for (const v of members) {
      const score = Math.min(1, Math.max(0, scale * truth[v]! + offset + 0.03 * gaussian(rng)));
      observations.push({ nodeId: v, slate, score });
    }
  }
  return { truth, observations };
}

function meanRaw(observations: Observation[]): Map<number, number> {
  const sum = new Map<number, [number, number]>();
  for (const o of observations) {
    const acc = sum.get(o.nodeId) ?? [0, 0];
    sum.set(o.nodeId, [acc[0] + o.score, acc[1] + 1]);
  }
  return new Map([...sum].map(([id, [s, c]]) => [id, s / c]));
}

/** Pairs more than `gap` apart in `a` whose order differs in `b`. */
function flips(a: Map<number, number>, b: Map<number, number>, gap: number): number {
  const ids = [...a.keys()];
  let count = 0;
  for (const x of ids) {
    for (const y of ids) {
      if (a.get(x)! - a.get(y)! > gap && b.get(x)! <= b.get(y)!) count++;
    }
  }
  return count;
}

/**
 * A judge like the simulated one: latents mostly low with a relevant minority; every slate draws a
 * scale a ~ U(0.5, 1.5) and an offset b ~ U(-0.15, 0.15); score = clip(a·θ + b + N(0, 0.03), 0, 1).
 */
function scaledJudge(seed: string) {
  const rng = createRng(seed);
  const nodes = 80;
  const truth = Array.from({ length: nodes }, () => (rng() < 0.3 ? 0.6 + 0.4 * rng() : 0.3 * rng()));
  const scales: number[] = [];
  const observations: Observation[] = [];
  for (let slate = 0; slate < 24; slate++) {
    const scale = 0.5 + rng();
    const offset = 0.3 * rng() - 0.15;
    scales.push(scale);
    const members = new Set<number>();
    while (members.size < 12) members.add(Math.floor(rng() * nodes));
    for (const v of members) {
      observations.push({ nodeId: v, slate, score: Math.min(1, Math.max(0, scale * truth[v]! + offset + 0.03 * gaussian(rng))) });
    }
  }
  return { truth, scales, observations };
}

/** Share of the truth's variance a fit leaves unexplained (1 − r²): gauge-free, 0 is perfect. */
function unexplained(truth: readonly number[], fitted: Map<number, number>): number {
  const ids = [...fitted.keys()];
  const x = ids.map((id) => truth[id]!);
  const y = ids.map((id) => fitted.get(id)!);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return 1 - (sxy * sxy) / (sxx * syy);
}

describe('calibrate (joint: per-slate scale and offset)', () => {
  it('recovers known latents under per-slate scale and offset better than the offset model and raw scores', () => {
    for (const seed of ['s1', 's2', 's3', 's4']) {
      const { truth, observations } = scaledJudge(seed);
      const raw = unexplained(truth, meanRaw(observations));
      const offsetModel = unexplained(truth, calibrate(observations, { method: 'offset' }).fitted);
      // Same offset prior as the joint default, so only the scale model differs.
      const offsetRidged = unexplained(truth, calibrate(observations, { method: 'offset', offsetRidge: DEFAULT_OFFSET_RIDGE.joint }).fitted);
      const joint = unexplained(truth, calibrate(observations).fitted);
      expect(offsetModel).toBeLessThan(0.8 * raw);
      expect(joint).toBeLessThan(0.9 * offsetModel);
      expect(joint).toBeLessThan(0.85 * offsetRidged);
      // One sweep never updates the scales: it is the offset model with the joint ridges.
      const oneSweep = unexplained(truth, calibrate(observations, { sweeps: 1 }).fitted);
      expect(oneSweep).toBeCloseTo(offsetRidged, 9);
    }
  });

  it('estimates the slate scales (rank agreement with the true ones)', () => {
    const { scales, observations } = scaledJudge('scales');
    const fit = calibrate(observations);
    const fitted = scales.map((_, slate) => fit.scales.get(slate)!);
    expect(spearman(scales, fitted)).toBeGreaterThan(0.6);
    expect(calibrate(observations, { method: 'offset' }).scales.get(0)).toBe(1);
  });

  it('absorbs an affine distortion of one slate; the offset model cannot', () => {
    // Shrinking a slate also shrinks its residuals, so even the exact model moves a little; the
    // offset model has to explain the distortion with the latents of that slate's nodes.
    const drift = (a: Map<number, number>, b: Map<number, number>) => {
      const deltas = [...a].map(([id, value]) => b.get(id)! - value);
      const common = deltas.reduce((x, y) => x + y, 0) / deltas.length;
      return Math.max(...deltas.map((d) => Math.abs(d - common)));
    };
    const tiny = { weighting: 'uniform' as const, latentRidge: 1e-4, offsetRidge: 1e-4, scaleRidge: 1e-4, sweeps: 30 };
    const offsetTiny = { method: 'offset' as const, weighting: 'uniform' as const, latentRidge: 1e-4, offsetRidge: 1e-4 };
    for (const seed of ['affine-a', 'affine-b', 'affine-c', 'affine-d']) {
      const { observations } = synthetic(seed);
      const distorted = observations.map((o) => (o.slate === 5 ? { ...o, score: 0.5 * o.score + 0.1 } : o));
      const base = calibrate(observations, tiny);
      const moved = calibrate(distorted, tiny);
      const offsetBase = calibrate(observations, offsetTiny);
      const offsetMoved = calibrate(distorted, offsetTiny);
      expect(moved.scales.get(5)! / base.scales.get(5)!).toBeCloseTo(0.5, 1);
      expect(drift(base.fitted, moved.fitted)).toBeLessThan(0.7 * drift(offsetBase.fitted, offsetMoved.fitted));
      expect(flips(base.fitted, moved.fitted, 0.03)).toBeLessThanOrEqual(flips(offsetBase.fitted, offsetMoved.fitted, 0.03));
    }
  });

  it('keeps a slate that shares no node at a = 1, b = 0 and its raw scores', () => {
    const { observations } = scaledJudge('iso');
    const isolated: Observation[] = [
      { nodeId: 1001, slate: 99, score: 0.9 },
      { nodeId: 1002, slate: 99, score: 0.2 },
      { nodeId: 1003, slate: 99, score: 0.55 },
    ];
    const fit = calibrate([...observations, ...isolated]);
    expect(fit.scales.get(99)).toBeCloseTo(1, 9);
    expect(fit.offsets.get(99)).toBeCloseTo(0, 9);
    for (const o of isolated) expect(fit.fitted.get(o.nodeId)!).toBeCloseTo(o.score, 6);
  });

  it('never lets a slate reverse the order: a slate scored against the others keeps a >= minScale', () => {
    const { observations } = scaledJudge('reverse');
    const reversed = observations.map((o) => (o.slate === 3 ? { ...o, score: 1 - o.score } : o));
    for (const minScale of [0.2, 0.5]) {
      const fit = calibrate(reversed, { minScale, scaleRidge: 1e-3, offsetRidge: 1e-3 });
      expect(fit.scales.get(3)).toBeCloseTo(minScale, 9);
      for (const value of fit.fitted.values()) expect(Number.isFinite(value)).toBe(true);
    }
  });

  it('converges in a few sweeps and a warm start lands on the same fit', () => {
    const { observations } = scaledJudge('warm');
    const cold = calibrate(observations);
    const converged = calibrate(observations, { sweeps: 200 });
    for (const [id, value] of converged.fitted) expect(Math.abs(cold.fitted.get(id)! - value)).toBeLessThan(2e-3);
    const firstHalf = observations.filter((o) => o.slate < 12);
    const warm = calibrate(observations, { initialScales: calibrate(firstHalf).scales });
    for (const [id, value] of converged.fitted) expect(Math.abs(warm.fitted.get(id)! - value)).toBeLessThan(2e-3);
  });
});

describe('calibrate', () => {
  it('offset model: recovers latents better than raw scores across slates with large offsets', () => {
    for (const seed of ['a', 'b', 'c']) {
      const { truth, observations } = synthetic(seed);
      const fit = calibrate(observations, { method: 'offset' });
      const raw = meanRaw(observations);
      const ids = [...raw.keys()];
      const t = ids.map((id) => truth[id]!);
      const calibrated = spearman(t, ids.map((id) => fit.fitted.get(id)!));
      const baseline = spearman(t, ids.map((id) => raw.get(id)!));
      expect(calibrated).toBeGreaterThan(baseline + 0.05);
      expect(calibrated).toBeGreaterThan(0.85);
    }
  });

  it('recovers a known offset exactly from a shared node', () => {
    const observations: Observation[] = [
      { nodeId: 1, slate: 0, score: 0.8 },
      { nodeId: 2, slate: 0, score: 0.4 },
      { nodeId: 1, slate: 1, score: 0.5 },
      { nodeId: 3, slate: 1, score: 0.6 },
    ];
    const fit = calibrate(observations, { method: 'offset', latentRidge: 1e-6, offsetRidge: 1e-6 });
    expect(fit.offsets.get(0)! - fit.offsets.get(1)!).toBeCloseTo(0.3, 4);
    // Node 3 beats node 1 in slate 1 by 0.1, so after calibration it sits 0.1 above node 1's 0.8-slate level.
    expect(fit.fitted.get(3)! - fit.fitted.get(1)!).toBeCloseTo(0.1, 4);
    expect(fit.fitted.get(1)! - fit.fitted.get(2)!).toBeCloseTo(0.4, 4);
  });

  it('offset model fixes the gauge: a constant added to one slate does not change the ranking', () => {
    const { observations } = synthetic('gauge');
    const shiftedObs = observations.map((o) => (o.slate === 5 ? { ...o, score: o.score + 0.25 } : o));
    const order = (m: Map<number, number>) => [...m].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([id]) => id);
    // Uniform weights: the shift is absorbed by the slate's offset, up to the tiny ridges, so no pair of
    // nodes further apart than the ridges' reach changes order.
    const base = calibrate(observations, { method: 'offset', weighting: 'uniform' });
    const shifted = calibrate(shiftedObs, { method: 'offset', weighting: 'uniform' });
    expect(flips(base.fitted, shifted.fitted, 0.005)).toBe(0);
    expect(shifted.offsets.get(5)! - base.offsets.get(5)!).toBeCloseTo(0.25, 1);
    // Up to a common shift of the whole block (the ridges' choice of gauge), nodes do not move.
    const deltas = [...base.fitted].map(([id, value]) => shifted.fitted.get(id)! - value);
    const common = deltas.reduce((x, y) => x + y, 0) / deltas.length;
    for (const d of deltas) expect(Math.abs(d - common)).toBeLessThan(0.005);
    // Reference weights depend on the score itself, so the fit moves slightly, but not the ranking's substance.
    const refBase = calibrate(observations, { method: 'offset' });
    const refShifted = calibrate(shiftedObs, { method: 'offset' });
    for (const [id, value] of refBase.fitted) expect(Math.abs(refShifted.fitted.get(id)! - value)).toBeLessThan(0.03);
    // Without calibration the same shift reorders nodes.
    const raw = meanRaw(observations);
    const rawShifted = meanRaw(shiftedObs);
    expect(order(rawShifted)).not.toEqual(order(raw));
    expect(flips(raw, rawShifted, 0.005)).toBeGreaterThan(20);
  });

  it('keeps an isolated slate at its raw scores instead of letting it float', () => {
    const { observations } = synthetic('iso');
    const isolated: Observation[] = [
      { nodeId: 1001, slate: 99, score: 0.9 },
      { nodeId: 1002, slate: 99, score: 0.2 },
      { nodeId: 1003, slate: 99, score: 0.55 },
    ];
    const alone = calibrate(observations);
    const fit = calibrate([...observations, ...isolated]);
    expect(Math.abs(fit.offsets.get(99)!)).toBeLessThan(1e-6);
    for (const o of isolated) expect(fit.fitted.get(o.nodeId)!).toBeCloseTo(o.score, 6);
    for (const [id, value] of alone.fitted) expect(Math.abs(fit.fitted.get(id)! - value)).toBeLessThan(1e-3);
  });

  it('outputs latents on 0..1 and survives contradictory slates', () => {
    const { observations } = synthetic('scale');
    const fit = calibrate(observations);
    for (const value of fit.latents.values()) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    }
    expect(Math.max(...fit.latents.values())).toBeGreaterThan(0.8);
    const weird = calibrate([
      { nodeId: 1, slate: 0, score: 0 },
      { nodeId: 2, slate: 0, score: 1 },
      { nodeId: 1, slate: 1, score: 1 },
      { nodeId: 2, slate: 1, score: 0 },
    ]);
    expect([...weird.latents.values()].every(Number.isFinite)).toBe(true);
    expect(weird.latents.get(1)).toBeCloseTo(weird.latents.get(2)!, 6);
  });

  it('is deterministic and independent of observation order within the data', () => {
    const { observations } = synthetic('det');
    const a = calibrate(observations);
    const b = calibrate([...observations].reverse());
    for (const [id, value] of a.fitted) expect(b.fitted.get(id)!).toBeCloseTo(value, 9);
    expect([...calibrate(observations).fitted]).toEqual([...a.fitted]);
  });

  it("method 'none' returns each node's last raw score", () => {
    const fit = calibrate(
      [
        { nodeId: 1, slate: 0, score: 0.2 },
        { nodeId: 1, slate: 1, score: 0.7 },
        { nodeId: 2, slate: 1, score: 0.4 },
      ],
      { method: 'none' },
    );
    expect(fit.latents.get(1)).toBe(0.7);
    expect(fit.latents.get(2)).toBe(0.4);
  });

  it('returns nothing for no observations', () => {
    expect(calibrate([]).latents.size).toBe(0);
  });
});
