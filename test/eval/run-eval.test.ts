import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex } from '../../indexer/build.js';
import { openIndex, type LatticeIndex } from '../../src/api/lattice-index.js';
import { loadEvalDataset } from '../../src/eval/dataset.js';
import {
  bm25System,
  evaluateSystem,
  rerankSystem,
  runEval,
  simulatedJudgeFor,
  timeStats,
  treeSystem,
  type EvalSystem,
} from '../../src/eval/run-eval.js';
import { renderEvalReport } from '../../src/eval/render-report.js';
import { isLatticeError } from '../../src/core/errors.js';
import { runLattice } from '../helpers/run-lattice.js';

const sample = path.resolve(__dirname, '../../data/scifact-sample');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-eval-'));
const indexFile = path.join(work, 'sample.db');
const datasetDir = path.join(work, 'dataset');
let index: LatticeIndex;

/** A system that returns fixed results and records which queries it ran. */
function fixedSystem(results: Record<string, { docId: string; score: number }[]>, seen: string[] = []): EvalSystem {
  return {
    name: 'fixed',
    description: 'fixed results',
    run: async (query) => {
      seen.push(query.id);
      return { results: results[query.id] ?? [], calls: 2, inputTokens: 30, outputTokens: 10, judgedItems: 8, engineMs: Number(query.id), totalMs: 1 };
    },
  };
}

function writeDataset(dir: string, queries: { _id: string; text: string }[], qrels: string[]): void {
  fs.mkdirSync(path.join(dir, 'qrels'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'queries.jsonl'), queries.map((q) => JSON.stringify(q)).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'qrels', 'test.tsv'), ['query-id\tcorpus-id\tscore', ...qrels].join('\n') + '\n');
}

beforeAll(async () => {
  await buildIndex({ input: sample, output: indexFile });
  index = openIndex(indexFile);
  // The sample's 60 training claims; the first 40 get judgments in a "test" split, the rest do not.
  const queries = fs
    .readFileSync(path.join(sample, 'queries.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { _id: string; text: string });
  const judged = new Set(queries.slice(0, 40).map((q) => q._id));
  const rows = fs
    .readFileSync(path.join(sample, 'qrels', 'train.tsv'), 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line && judged.has(line.split('\t')[0]!));
  writeDataset(datasetDir, queries, [...rows, 'no-such-query\t123\t1']);
}, 60_000);

afterAll(() => {
  index?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('loadEvalDataset', () => {
  it('keeps judged queries in file order and counts the skipped ones', () => {
    const ds = loadEvalDataset(datasetDir);
    expect(ds.queries).toHaveLength(40);
    expect(ds.skippedUnjudged).toBe(20);
    expect(ds.skippedNoText).toBe(1);
    expect([...ds.qrels.keys()]).toEqual(ds.queries.map((q) => q.id));
    expect(loadEvalDataset(datasetDir, { limit: 5 }).queries).toHaveLength(5);
  });

  it('names the missing file or split with EVAL_DATASET', () => {
    for (const call of [() => loadEvalDataset(path.join(work, 'nope')), () => loadEvalDataset(datasetDir, { split: 'dev' })]) {
      try {
        call();
        expect.unreachable();
      } catch (error) {
        expect(isLatticeError(error, 'EVAL_DATASET')).toBe(true);
      }
    }
  });
});

describe('evaluateSystem', () => {
  it('scores hand-computed rankings with graded gains, trec tie-breaking and short lists', async () => {
    const dir = path.join(work, 'hand');
    writeDataset(
      dir,
      [
        { _id: '1', text: 'first' },
        { _id: '2', text: 'second' },
        { _id: '3', text: 'unjudged' },
      ],
      ['1\ta\t2', '1\tb\t1', '1\tc\t0', '2\tx\t1', '2\ty\t1', '2\tz\t1'],
    );
    const ds = loadEvalDataset(dir);
    const seen: string[] = [];
    const report = await evaluateSystem(
      fixedSystem(
        {
          // Tie at 0.5 between "b" and "c": trec_eval puts "c" first (descending id).
          '1': [
            { docId: 'q', score: 0.9 },
            { docId: 'b', score: 0.5 },
            { docId: 'c', score: 0.5 },
            { docId: 'a', score: 0.1 },
          ],
          // Fewer than 10 results, one relevant of three at rank 2.
          '2': [
            { docId: 'w', score: 2 },
            { docId: 'y', score: 1 },
          ],
        },
        seen,
      ),
      ds,
    );
    expect(seen).toEqual(['1', '2']);
    // Query 1: gains [0, 0, 1, 2] -> DCG = 1/log2(4) + 2/log2(5); IDCG = 2 + 1/log2(3).
    const ndcg1 = (1 / 2 + 2 / Math.log2(5)) / (2 + 1 / Math.log2(3));
    // Query 2: DCG = 1/log2(3); IDCG = 1 + 1/log2(3) + 1/2.
    const ndcg2 = 1 / Math.log2(3) / (1 + 1 / Math.log2(3) + 0.5);
    expect(report.perQuery[0]!.ndcg10).toBeCloseTo(ndcg1, 10);
    expect(report.perQuery[1]!.ndcg10).toBeCloseTo(ndcg2, 10);
    expect(report.ndcg10).toBeCloseTo((ndcg1 + ndcg2) / 2, 10);
    expect(report.recall10).toBeCloseTo((1 + 1 / 3) / 2, 10);
    expect(report.recall100).toBeCloseTo((1 + 1 / 3) / 2, 10);
    expect(report.mrr10).toBeCloseTo((1 / 3 + 1 / 2) / 2, 10);
    expect(report.calls).toBe(2);
    expect(report.tokens).toBe(40);
    expect(report.slateSize).toBe(4);
    expect(report.engineMs.median).toBe(1.5);
  });

  it('timeStats gives the median, nearest-rank p95 and mean', () => {
    const values = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(timeStats(values)).toEqual({ median: 10.5, p95: 19, mean: 10.5 });
    expect(timeStats([])).toEqual({ median: 0, p95: 0, mean: 0 });
  });
});

describe('systems on a built index', () => {
  it('BM25, the tree with the simulated judge and the equal-call rerank all run only judged queries', async () => {
    const ds = loadEvalDataset(datasetDir);
    const bm25 = await evaluateSystem(bm25System(index, 100), ds);
    expect(bm25.queries).toBe(40);
    expect(bm25.ndcg10).toBeGreaterThan(0.4);
    expect(bm25.calls).toBe(0);

    const judge = simulatedJudgeFor(index, ds.qrels);
    const tree = await evaluateSystem(treeSystem(index, { name: 'tree', judge, search: { iterations: 6 } }), ds);
    expect(tree.calls).toBeGreaterThan(1);
    // Six iterations of beam 2 (the first expands only the root), plus the default BM25 seed slate.
    expect(tree.calls).toBeLessThanOrEqual(12);
    expect(tree.tokens).toBeGreaterThan(0);
    expect(tree.slateSize).toBeGreaterThan(1);
    // The oracle-driven search must beat chance by far on the sample.
    expect(tree.ndcg10).toBeGreaterThan(0.3);

    const calls = new Map(tree.perQuery.map((q) => [q.id, q.calls]));
    const rerank = await evaluateSystem(
      rerankSystem(index, { name: 'rerank', judge, calls: (id) => calls.get(id)!, slateSize: Math.round(tree.slateSize) }),
      ds,
    );
    rerank.perQuery.forEach((q, i) => expect(q.calls).toBeLessThanOrEqual(tree.perQuery[i]!.calls));
    expect(rerank.ndcg10).toBeGreaterThan(bm25.ndcg10);
  }, 60_000);

  it('runEval gathers the tree and the baselines into one report', async () => {
    const report = await runEval({ index, dataset: datasetDir, judge: 'lexical', baselines: ['bm25', 'rerank'], limit: 10 });
    expect(report.systems.map((s) => s.name)).toEqual(['tree', 'bm25', 'bm25+rerank']);
    expect(report.dataset).toMatchObject({ name: 'dataset', split: 'test', queries: 10, skippedUnjudged: 20 });
    expect(report.judge).toMatchObject({ name: 'lexical', provider: 'lexical' });
    const text = renderEvalReport(report);
    expect(text).toMatch(/^dataset \(test\): 10 queries evaluated, 20 skipped/m);
    expect(text).toMatch(/^bm25\s+0\.\d{4}\s+0\.\d{4}/m);
  }, 60_000);
});

describe('lattice eval', () => {
  it('prints the metrics table and writes the JSON report', async () => {
    const out = path.join(work, 'report.json');
    const r = await runLattice(['eval', indexFile, '--dataset', datasetDir, '--judge', 'simulated', '--baseline', 'bm25', '--limit', '8', '-N', '5', '--out', out]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/nDCG@10\s+R@10\s+R@100\s+MRR@10\s+calls\/q\s+tokens\/q/);
    expect(r.stdout).toMatch(/^tree\s/m);
    expect(r.stdout).toMatch(/^bm25\s/m);
    expect(r.stderr).toMatch(/^eval\s+\[#+\]\s+8\/8\s+100%/m);
    const report = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(report.systems[0].perQuery).toHaveLength(8);
    expect(report.judge.params).toMatchObject({ offsetSpread: 15, missProbability: 0.2, leafNoise: 0.15, innerNoise: 0.25 });
  }, 60_000);

  it('passes every --sim-* flag to the simulated judge', async () => {
    const r = await runLattice([
      'eval', indexFile, '--dataset', datasetDir, '--judge', 'simulated', '--limit', '2', '-N', '3', '--json',
      '--sim-seed', '7', '--sim-scale-min', '0.5', '--sim-scale-max', '1.5', '--sim-offset', '3',
      '--sim-leaf-noise', '0.1', '--sim-inner-noise', '0.2', '--sim-miss', '0',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).judge.params).toMatchObject({
      seed: 7, scaleMin: 0.5, scaleMax: 1.5, offsetSpread: 3, leafNoise: 0.1, innerNoise: 0.2, missProbability: 0,
    });
  }, 60_000);

  it('--json prints one document; a bad dataset is an EVAL_DATASET error', async () => {
    const ok = await runLattice(['eval', indexFile, '--dataset', datasetDir, '--limit', '3', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).systems[0].queries).toBe(3);
    const bad = await runLattice(['eval', indexFile, '--dataset', path.join(work, 'missing')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error EVAL_DATASET:/m);
    expect(bad.stderr).toMatch(/^hint: /m);
  }, 60_000);
});
