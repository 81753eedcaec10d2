/**
 * Seeded synthetic embeddings for the clustering tests: Gaussian blobs with known labels
 * (far apart or overlapping) and structureless noise; and the assertion the option checks share.
 */
import { expect } from 'vitest';
import { isLatticeError } from '../../../src/core/errors.js';
import { createRng, gaussian } from '../../../src/core/math/random.js';

/** Asserts that `fn` throws a LatticeError with `code`. */
export function expectCode(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(isLatticeError(caught)).toBe(true);
  expect((caught as { code: string }).code).toBe(code);
}

export interface Blobs {
  vectors: Float32Array[];
  labels: number[];
}

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let j = 0; j < v.length; j++) v[j] *= inv;
  return v;
}

/**
 * `sizes[b]` points around blob b's centre. `spread` is the noise norm relative to the
 * centres' unit length (0.1: well separated; 1: heavily overlapping). Points are shuffled so
 * labels are not contiguous; with `normalize` they are scaled to unit length.
 */
export function blobs(sizes: number[], dims: number, spread: number, seed: number, normalize = true): Blobs {
  const rng = createRng(seed);
  const centres = sizes.map(() => unit(Float32Array.from({ length: dims }, () => gaussian(rng))));
  const sigma = spread / Math.sqrt(dims);
  const items: { v: Float32Array; label: number }[] = [];
  sizes.forEach((size, b) => {
    for (let i = 0; i < size; i++) {
      const v = new Float32Array(dims);
      for (let j = 0; j < dims; j++) v[j] = centres[b][j] + sigma * gaussian(rng);
      items.push({ v: normalize ? unit(v) : v, label: b });
    }
  });
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return { vectors: items.map((x) => x.v), labels: items.map((x) => x.label) };
}

/** n structureless Gaussian points (unit length when `normalize`). */
export function noise(n: number, dims: number, seed: number, normalize = true): Float32Array[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const v = Float32Array.from({ length: dims }, () => gaussian(rng));
    return normalize ? unit(v) : v;
  });
}

/** True when every group holds members of a single label. */
export function groupsArePure(groups: number[][], labels: number[]): boolean {
  return groups.every((g) => g.every((i) => labels[i] === labels[g[0]]));
}

/** Every index in [0, n) appears exactly once across the groups. */
export function coversExactlyOnce(groups: number[][], n: number): boolean {
  const seen = new Uint8Array(n);
  let count = 0;
  for (const g of groups) {
    for (const i of g) {
      if (!Number.isInteger(i) || i < 0 || i >= n || seen[i]) return false;
      seen[i] = 1;
      count++;
    }
  }
  return count === n;
}
