import { describe, expect, it } from 'vitest';
import { TermCounter } from '../../src/core/text/term-counter.js';

describe('TermCounter', () => {
  it('gives ids in order of first appearance, distinct ids per text with their counts, and document frequencies', () => {
    const counter = new TermCounter();
    expect([...counter.count(['b', 'a', 'b', 'c'])]).toEqual([0, 1, 2]);
    expect([0, 1, 2].map((t) => counter.tfOf(t))).toEqual([2, 1, 1]);
    expect([...counter.count(['c', 'd', 'c', 'c'])]).toEqual([2, 3]);
    expect([counter.tfOf(2), counter.tfOf(3)]).toEqual([3, 1]);
    expect(counter.terms).toEqual(['b', 'a', 'c', 'd']);
    expect([0, 1, 2, 3].map((t) => counter.df(t))).toEqual([1, 1, 2, 1]);
    expect([...counter.count([])]).toEqual([]);
  });

  it('keeps counting past its initial capacity', () => {
    const counter = new TermCounter();
    const words = Array.from({ length: 5000 }, (_, i) => `w${i}`);
    expect(counter.count([...words, 'w4999']).length).toBe(5000);
    expect(counter.tfOf(4999)).toBe(2);
    expect(counter.count(['w4999', 'new']).map((t) => counter.df(t))).toEqual([2, 1]);
    counter.forgetLookup();
    expect(counter.terms[5000]).toBe('new');
  });
});
