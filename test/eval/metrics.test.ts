import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  evaluateRankings,
  loadQrels,
  loadQueries,
  mrrAtK,
  ndcgAtK,
  precisionAtK,
  recallAtK,
} from '../../src/eval/metrics.js';
import { isLatticeError } from '../../src/core/errors.js';

// d1 judged non-relevant, d2 grade 2, d3 grade 1, d4 grade 3 (never retrieved below).
const graded = new Map([
  ['d1', 0],
  ['d2', 2],
  ['d3', 1],
  ['d4', 3],
]);

describe('ndcgAtK', () => {
  it('uses linear graded gains and a log2(rank + 1) discount', () => {
    // DCG = 0/1 + 2/log2(3) + 1/log2(4) = 1.76186; IDCG@3 = 3 + 2/log2(3) + 1/2 = 4.76186.
    expect(ndcgAtK(['d1', 'd2', 'd3'], graded, 3)).toBeCloseTo(0.369994, 6);
  });

  it('scores a ranking shorter than k against the ideal over all judged relevant docs', () => {
    // DCG = 2; IDCG@10 = 3 + 2/log2(3) + 1/2.
    expect(ndcgAtK(['d2'], graded, 10)).toBeCloseTo(0.420004, 6);
    expect(ndcgAtK(['d4'], graded, 10)).toBeCloseTo(0.630006, 6);
  });

  it('is 1 for the ideal ranking, 0 for no relevant hits and for queries with nothing relevant', () => {
    expect(ndcgAtK(['d4', 'd2', 'd3'], graded, 10)).toBeCloseTo(1, 12);
    expect(ndcgAtK(['x', 'd1'], graded, 10)).toBe(0);
    expect(ndcgAtK([], graded, 10)).toBe(0);
    expect(ndcgAtK(['a'], new Map([['a', 0]]), 10)).toBe(0);
  });

  it('binary qrels: one relevant at rank 2 of 2 relevant docs', () => {
    const qrels = new Map([
      ['a', 1],
      ['b', 1],
    ]);
    // DCG = 1/log2(3); IDCG = 1 + 1/log2(3).
    expect(ndcgAtK(['x', 'a'], qrels, 10)).toBeCloseTo(0.386853, 6);
  });

  it('cuts at k and counts a repeated document once', () => {
    expect(ndcgAtK(['d1', 'd4'], graded, 1)).toBe(0);
    const once = ndcgAtK(['d4'], graded, 10);
    expect(ndcgAtK(['d4', 'd4'], graded, 10)).toBeCloseTo(once, 12);
  });

  it('rejects a bad cutoff with CONFIG_INVALID', () => {
    try {
      ndcgAtK(['a'], graded, 0);
      expect.unreachable();
    } catch (error) {
      expect(isLatticeError(error, 'CONFIG_INVALID')).toBe(true);
    }
  });
});

describe('recall, precision, MRR', () => {
  it('count grade > 0 as relevant', () => {
    expect(recallAtK(['d1', 'd2', 'd3'], graded, 3)).toBeCloseTo(2 / 3, 12);
    expect(precisionAtK(['d1', 'd2', 'd3'], graded, 3)).toBeCloseTo(2 / 3, 12);
    expect(mrrAtK(['d1', 'd2', 'd3'], graded, 3)).toBeCloseTo(1 / 2, 12);
  });

  it('handle short rankings as trec_eval does (P@k divides by k)', () => {
    expect(precisionAtK(['d2'], graded, 10)).toBeCloseTo(0.1, 12);
    expect(recallAtK(['d2'], graded, 10)).toBeCloseTo(1 / 3, 12);
    expect(mrrAtK(['x', 'y'], graded, 10)).toBe(0);
    expect(mrrAtK(['x', 'y', 'd3'], graded, 2)).toBe(0);
    expect(recallAtK(['a'], new Map([['a', 0]]), 5)).toBe(0);
  });
});

describe('evaluateRankings', () => {
  it('averages over the queries in the qrels only; a missing ranking scores 0', () => {
    const qrels = new Map([
      ['q1', new Map([['a', 1]])],
      ['q2', new Map([['b', 1]])],
    ]);
    const rankings = new Map<string, string[]>([
      ['q1', ['a']],
      ['q3', ['b']],
    ]);
    const m = evaluateRankings(rankings, qrels, 10);
    expect(m.queries).toBe(2);
    expect(m.ndcg).toBeCloseTo(0.5, 12);
    expect(m.mrr).toBeCloseTo(0.5, 12);
    expect(m.recall).toBeCloseTo(0.5, 12);
    expect(m.precision).toBeCloseTo(0.05, 12);
    expect(m.perQueryNdcg.get('q2')).toBe(0);
  });
});

describe('loaders', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lattice-metrics-'));

  it('reads BEIR qrels with a header and graded scores', () => {
    const file = path.join(dir, 'test.tsv');
    writeFileSync(file, 'query-id\tcorpus-id\tscore\n1\tA\t2\n1\tB\t0\n2\tC\t1\n\n');
    const qrels = loadQrels(file);
    expect([...qrels.keys()]).toEqual(['1', '2']);
    expect(qrels.get('1')).toEqual(new Map([['A', 2], ['B', 0]]));
  });

  it('reports a malformed qrels row with file:line', () => {
    const file = path.join(dir, 'bad.tsv');
    writeFileSync(file, 'query-id\tcorpus-id\tscore\n1\tA\n');
    try {
      loadQrels(file);
      expect.unreachable();
    } catch (error) {
      expect(isLatticeError(error, 'EVAL_DATASET')).toBe(true);
      expect((error as Error).message).toContain('bad.tsv:2');
    }
  });

  it('reads queries.jsonl in order and rejects missing files and bad lines', () => {
    const file = path.join(dir, 'queries.jsonl');
    writeFileSync(file, '{"_id": "7", "text": "first"}\n{"_id": 3, "text": "second", "metadata": {}}\n');
    expect([...loadQueries(file).entries()]).toEqual([
      ['7', 'first'],
      ['3', 'second'],
    ]);
    const bad = path.join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"_id": "1"}\n');
    expect(() => loadQueries(bad)).toThrow(/bad\.jsonl:1/);
    expect(() => loadQueries(path.join(dir, 'missing.jsonl'))).toThrow(/missing\.jsonl/);
  });
});
