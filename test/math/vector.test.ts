import { describe, expect, it } from 'vitest';
import { axpy, cosine, dot, mean, norm, normalize, squaredDistance } from '../../src/core/math/vector.js';

describe('vector ops', () => {
  it('compute dot, norm and cosine', () => {
    const a = Float32Array.from([3, 4]);
    const b = Float32Array.from([4, 3]);
    expect(dot(a, b)).toBe(24);
    expect(norm(a)).toBe(5);
    expect(cosine(a, b)).toBeCloseTo(24 / 25, 6);
    expect(cosine(a, new Float32Array(2))).toBe(0);
    expect(squaredDistance(a, b)).toBe(2);
  });

  it('normalize works in place and leaves zero vectors as zeros', () => {
    const a = Float32Array.from([3, 4]);
    expect(normalize(a)).toBe(a);
    expect(Array.from(a)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    const z = new Float32Array(3);
    normalize(z);
    expect(Array.from(z)).toEqual([0, 0, 0]);
  });

  it('axpy and mean', () => {
    const y = Float64Array.from([1, 1]);
    axpy(2, [1, 2], y);
    expect(Array.from(y)).toEqual([3, 5]);
    expect(Array.from(mean([[1, 2], [3, 4]]))).toEqual([2, 3]);
    expect(() => mean([])).toThrow(RangeError);
  });

  it('throws on length mismatch', () => {
    expect(() => dot([1, 2], [1])).toThrow(RangeError);
    expect(() => cosine([1, 2], [1])).toThrow(RangeError);
  });
});
