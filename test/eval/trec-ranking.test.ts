import { describe, expect, it } from 'vitest';
import { trecRanking } from '../../src/eval/trec-ranking.js';

describe('trecRanking', () => {
  it('breaks ties by document id in descending string order, as trec_eval does', () => {
    const results = [
      { docId: 'a', score: 3 },
      { docId: 'b', score: 2 },
      { docId: 'd', score: 2 },
      { docId: 'c', score: 2 },
      { docId: '10', score: 1 },
      { docId: '9', score: 1 },
    ];
    // String order, not numeric: "9" > "10".
    expect(trecRanking(results)).toEqual(['a', 'd', 'c', 'b', '9', '10']);
  });

  it('keeps the given order of unequal scores, even when not sorted', () => {
    const results = [
      { docId: 'x', score: 0.2 },
      { docId: 'y', score: 0.9 },
      { docId: 'z', score: 0.9 },
    ];
    expect(trecRanking(results)).toEqual(['x', 'z', 'y']);
  });

  it('keeps the first copy of a repeated document', () => {
    expect(trecRanking([{ docId: 'a', score: 1 }, { docId: 'b', score: 0.5 }, { docId: 'a', score: 0.4 }])).toEqual(['a', 'b']);
    expect(trecRanking([])).toEqual([]);
  });
});
