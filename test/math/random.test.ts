import { describe, expect, it } from 'vitest';
import { createRng, gaussian, randomInt, shuffle } from '../../src/core/math/random.js';

describe('createRng', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(sa);
    expect(createRng('42')()).toBe(createRng(42)());
    expect(createRng('alpha')()).not.toBe(createRng('beta')());
  });

  it('is uniform on [0, 1)', () => {
    const rng = createRng('uniform');
    const bins = new Array<number>(10).fill(0);
    const n = 100_000;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const x = rng();
      expect(x >= 0 && x < 1).toBe(true);
      bins[Math.floor(x * 10)]!++;
      sum += x;
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    // Chi-square with 9 degrees of freedom: 27.9 is the 0.001 critical value.
    const chi = bins.reduce((s, o) => s + (o - n / 10) ** 2 / (n / 10), 0);
    expect(chi).toBeLessThan(27.9);
  });

  it('rejects non-finite numeric seeds', () => {
    expect(() => createRng(Number.NaN)).toThrow(RangeError);
  });
});

describe('gaussian', () => {
  it('has mean 0 and variance 1', () => {
    const rng = createRng(7);
    const n = 50_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const g = gaussian(rng);
      s += g;
      s2 += g * g;
    }
    expect(s / n).toBeCloseTo(0, 1);
    expect(s2 / n).toBeCloseTo(1, 1);
  });
});

describe('randomInt and shuffle', () => {
  it('stay in range and permute', () => {
    const rng = createRng(1);
    for (let i = 0; i < 1000; i++) {
      const v = randomInt(rng, 7);
      expect(Number.isInteger(v) && v >= 0 && v < 7).toBe(true);
    }
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = shuffle(createRng(2), items.slice());
    expect(shuffled).not.toEqual(items);
    expect(shuffled.slice().sort((a, b) => a - b)).toEqual(items);
    expect(shuffle(createRng(2), items.slice())).toEqual(shuffled);
  });
});
