import { describe, expect, it } from 'vitest';
import { Bm25Index, bm25Idf, scoreTexts } from '../../src/core/lexical/bm25.js';
import { isLatticeError } from '../../src/core/errors.js';
import { createRng } from '../../src/core/math/random.js';

const tiny = [
  { id: 'A', text: 'apple banana' },
  { id: 'B', text: 'apple apple cherry' },
  { id: 'C', text: 'durian' },
];

function expectCode(fn: () => unknown, code: Parameters<typeof isLatticeError>[1]): void {
  try {
    fn();
  } catch (error) {
    expect(isLatticeError(error, code)).toBe(true);
    return;
  }
  throw new Error(`expected a LatticeError ${String(code)}`);
}

describe('Bm25Index', () => {
  it('computes Lucene BM25 scores (k1 0.9, b 0.4) by hand', () => {
    const index = Bm25Index.build(tiny);
    // N = 3, avgdl = 2, df(apple) = 2, idf = ln(1.6).
    // A: tf 1, dl 2 -> ln(1.6) * 1 / (1 + 0.9);  B: tf 2, dl 3 -> ln(1.6) * 2 / (2 + 0.9 * 1.2).
    const hits = index.search('apples', 10);
    expect(hits.map((h) => h.id)).toEqual(['B', 'A']);
    expect(hits[0]!.score).toBeCloseTo(0.305197, 6);
    expect(hits[1]!.score).toBeCloseTo(0.24737, 5);
    expect(bm25Idf(3, 2)).toBeCloseTo(Math.log(1.6), 12);
  });

  it('sums over query terms and counts repeated query terms', () => {
    const index = Bm25Index.build(tiny);
    const single = index.search('cherry', 10)[0]!.score;
    const both = index.search('cherry apple', 10).find((h) => h.id === 'B')!.score;
    expect(both).toBeCloseTo(single + index.search('apple', 10)[0]!.score, 12);
    expect(index.search('cherry cherry', 10)[0]!.score).toBeCloseTo(2 * single, 12);
  });

  it('honours k1 and b', () => {
    const index = Bm25Index.build(tiny, { k1: 1.2, b: 0.75 });
    const idf = Math.log(1.6);
    const normB = 1.2 * (1 - 0.75 + 0.75 * 1.5);
    expect(index.search('apple', 1)[0]!.score).toBeCloseTo((idf * 2) / (2 + normB), 12);
  });

  it('breaks ties by id ascending and respects k and exclude', () => {
    const index = Bm25Index.build([
      { id: 'z', text: 'same words here' },
      { id: 'a', text: 'same words here' },
      { id: 'm', text: 'same words here' },
      { id: 'q', text: 'other text' },
    ]);
    expect(index.search('words', 10).map((h) => h.id)).toEqual(['a', 'm', 'z']);
    expect(index.search('words', 2).map((h) => h.id)).toEqual(['a', 'm']);
    expect(index.search('words', 10, { exclude: new Set(['a']) }).map((h) => h.id)).toEqual(['m', 'z']);
    expect(index.search('words', 0)).toEqual([]);
    expect(index.search('the of and', 5)).toEqual([]);
    expect(index.search('unknownterm', 5)).toEqual([]);
  });

  it('matches scoreTexts exactly on a random corpus (brute force top-k)', () => {
    const rng = createRng('bm25-brute');
    const words = Array.from({ length: 40 }, (_, i) => `w${i}x`);
    const docs = Array.from({ length: 300 }, (_, i) => ({
      id: `d${String(i).padStart(3, '0')}`,
      text: Array.from({ length: 1 + Math.floor(rng() * 30) }, () => words[Math.floor(rng() * rng() * 40)]).join(' '),
    }));
    const index = Bm25Index.build(docs);
    const stats = index.stats();
    for (let q = 0; q < 20; q++) {
      const query = Array.from({ length: 1 + Math.floor(rng() * 4) }, () => words[Math.floor(rng() * 40)]).join(' ');
      const brute = scoreTexts(stats, query, docs.map((d) => d.text))
        .map((score, i) => ({ id: docs[i]!.id, score }))
        .filter((h) => h.score > 0)
        .sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : 1))
        .slice(0, 15);
      const hits = index.search(query, 15);
      expect(hits.map((h) => h.id)).toEqual(brute.map((h) => h.id));
      expect(hits.map((h) => h.score)).toEqual(brute.map((h) => h.score));
    }
  });

  it('exposes corpus statistics', () => {
    const stats = Bm25Index.build(tiny).stats();
    expect(stats.documentCount).toBe(3);
    expect(stats.averageDocumentLength).toBe(2);
    expect(stats.documentFrequency.get('appl')).toBe(2);
    expect(stats.documentFrequency.get('durian')).toBe(1);
    expect(stats.k1).toBe(0.9);
    expect(stats.b).toBe(0.4);
  });

  it('round-trips through serialize/deserialize with identical results', () => {
    const index = Bm25Index.build(tiny);
    const copy = Bm25Index.deserialize(index.serialize());
    expect(copy.search('apple cherry durian', 10)).toEqual(index.search('apple cherry durian', 10));
    expect(copy.serialize().equals(index.serialize())).toBe(true);
    // A Uint8Array view at an odd offset (as a database driver may return) also works.
    const raw = index.serialize();
    const shifted = new Uint8Array(raw.length + 1);
    shifted.set(raw, 1);
    expect(Bm25Index.deserialize(shifted.subarray(1)).search('apple', 3)).toEqual(index.search('apple', 3));
  });

  it('rejects damaged data with INDEX_CORRUPT', () => {
    const raw = Bm25Index.build(tiny).serialize();
    expectCode(() => Bm25Index.deserialize(Buffer.from('nonsense')), 'INDEX_CORRUPT');
    expectCode(() => Bm25Index.deserialize(raw.subarray(0, raw.length - 4)), 'INDEX_CORRUPT');
  });

  it('handles empty corpora and empty documents', () => {
    const empty = Bm25Index.build([]);
    expect(empty.search('anything', 5)).toEqual([]);
    const blanks = Bm25Index.build([
      { id: 'e', text: '' },
      { id: 's', text: 'the and of' },
    ]);
    expect(blanks.stats().averageDocumentLength).toBe(0);
    expect(blanks.search('anything', 5)).toEqual([]);
    expect(Bm25Index.deserialize(empty.serialize()).size).toBe(0);
  });

  it('rejects bad input with clear codes', () => {
    expectCode(() => Bm25Index.build([{ id: 'x', text: 'a' }, { id: 'x', text: 'b' }]), 'INPUT_BAD_DOCUMENTS');
    expectCode(() => Bm25Index.build(tiny, { k1: -1 }), 'CONFIG_INVALID');
    expectCode(() => Bm25Index.build(tiny, { b: 2 }), 'CONFIG_INVALID');
    expectCode(() => Bm25Index.build(tiny).search('apple', -1), 'CONFIG_INVALID');
    expectCode(() => Bm25Index.build([{ id: 'x' } as unknown as { id: string; text: string }]), 'INPUT_BAD_DOCUMENTS');
  });
});

describe('scoreTexts', () => {
  it('scores outside texts with corpus statistics', () => {
    const stats = Bm25Index.build(tiny).stats();
    // "cherry" has df 1 in N = 3: idf = ln(1 + 2.5 / 1.5); text length 1 -> norm 0.9 * (0.6 + 0.4 * 0.5).
    const [withCherry, without, empty] = scoreTexts(stats, 'cherry', ['cherries', 'banana split', '']);
    expect(withCherry).toBeCloseTo(0.57025, 5);
    expect(without).toBe(0);
    expect(empty).toBe(0);
  });

  it('gives unseen query terms the largest idf', () => {
    const stats = Bm25Index.build(tiny).stats();
    const [rare] = scoreTexts(stats, 'zebra', ['zebra']);
    const [common] = scoreTexts(stats, 'apple', ['apple']);
    expect(rare!).toBeGreaterThan(common!);
  });
});
