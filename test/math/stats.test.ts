import { describe, expect, it } from 'vitest';
import { interpolatedQuantile, median, nearestRankQuantile, sortedCopy } from '../../src/core/math/stats.js';

describe('order statistics', () => {
  it('median: the middle value, or the mean of the middle two; the input is left as it was', () => {
    const values = [5, 1, 4, 2];
    expect(median(values)).toBe(3);
    expect(values).toEqual([5, 1, 4, 2]);
    expect(median([7, 3, 9])).toBe(7);
    expect(median([])).toBeNaN();
  });

  it('interpolatedQuantile interpolates between the closest ranks (type 7)', () => {
    const s = sortedCopy([40, 10, 30, 20]);
    expect(interpolatedQuantile(s, 0)).toBe(10);
    expect(interpolatedQuantile(s, 1)).toBe(40);
    expect(interpolatedQuantile(s, 0.5)).toBe(25);
    expect(interpolatedQuantile(s, 0.25)).toBeCloseTo(17.5, 12);
  });

  it('nearestRankQuantile returns a value of the list: the smallest with a share q at or below it', () => {
    const s = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(nearestRankQuantile(s, 0.95)).toBe(19);
    expect(nearestRankQuantile(s, 0.5)).toBe(10);
    expect(nearestRankQuantile(s, 0)).toBe(1);
    expect(nearestRankQuantile(s, 1)).toBe(20);
    expect(nearestRankQuantile([], 0.5)).toBeNaN();
  });
});
