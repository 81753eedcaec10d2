/**
 * Measures the search engine's own cost per query and per iteration, with the judge taken out:
 * synthetic in-memory trees of 10k and 100k documents (branching 10) and a judge that answers
 * instantly with deterministic pseudo-scores (high along one target document's path, noise elsewhere).
 * Prints median and p95 of engine time (elapsed minus time awaiting the judge). Target: < 10 ms per
 * iteration at 100k documents.
 * Writes the figures to docs/benchmarks/query.json (--json).
 * Run: npx tsc -p . && node dist/scripts/bench-query.js [--queries 40] [--json FILE]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MemoryTree, search, type Judge, type JudgeRequest, type JudgeResult, type SearchOptions, type TreeNode } from '../src/index.js';
import { median, nearestRankQuantile, sortedCopy } from '../src/eval/index.js';
import { repoRoot } from './synthetic-corpus.js';

interface Synthetic {
  tree: MemoryTree;
  /** Preorder span [start, end) of each node's subtree, by node id. */
  span: Map<number, [number, number]>;
  docIds: string[];
  preorderOf: Map<string, number>;
}

const WORDS = ['protein', 'cell', 'gene', 'signal', 'immune', 'tumour', 'drug', 'trial', 'brain', 'virus', 'enzyme', 'receptor'];

/** A complete tree with `branching` children per cluster and `levels` cluster levels above the documents. */
function syntheticTree(branching: number, levels: number): Synthetic {
  const nodes: TreeNode[] = [];
  const span = new Map<number, [number, number]>();
  const docIds: string[] = [];
  const preorderOf = new Map<string, number>();
  let preorder = 0;
  let docCount = 0;
  const visit = (parentId: number | null, depth: number, position: number): number => {
    const id = preorder + 1;
    const start = preorder++;
    const leaf = depth === levels;
    const word = WORDS[(id * 7 + depth) % WORDS.length]!;
    const node: TreeNode = {
      id,
      parentId,
      depth,
      position,
      kind: leaf ? 'document' : 'cluster',
      docId: null,
      chunkIndex: null,
      charStart: null,
      charEnd: null,
      title: leaf ? `Document ${docCount}` : `Cluster ${id}: ${word}`,
      text: '',
      numDocuments: 0,
      numChildren: leaf ? 0 : branching,
      preorder: start,
      contentHash: '',
    };
    nodes.push(node);
    if (leaf) {
      const docId = `doc-${docCount++}`;
      node.docId = docId;
      node.numDocuments = 1;
      node.text = `${docId} reports on ${word} ${WORDS[id % WORDS.length]} interactions. `.repeat(4);
      docIds.push(docId);
      preorderOf.set(docId, start);
    } else {
      for (let i = 0; i < branching; i++) visit(id, depth + 1, i);
      node.numDocuments = Math.pow(branching, levels - depth);
      node.text = `Summary of cluster ${id}: studies on ${word}, ${WORDS[(id + 3) % WORDS.length]} and related mechanisms.`;
    }
    span.set(id, [start, preorder]);
    return id;
  };
  visit(null, 0, 0);
  return { tree: new MemoryTree(nodes), span, docIds, preorderOf };
}

/** 32-bit integer hash to [0, 1): cheap deterministic noise. */
function noise(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 4294967296;
}

/** Scores 70..95 on the target's path and for the target, 0..40 elsewhere; answers without waiting. */
class InstantJudge implements Judge {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'bench';
  readonly modelId = 'instant';
  constructor(
    private readonly data: Synthetic,
    private readonly targets: Map<string, number>,
  ) {}
  doJudge(request: JudgeRequest): Promise<JudgeResult> {
    const target = this.targets.get(request.queryId ?? '') ?? 0;
    const salt = request.query.length * 131 + target;
    const scores = request.candidates.map((candidate) => {
      const [start, end] = this.data.span.get(candidate.nodeId)!;
      const r = noise(candidate.nodeId, salt);
      return target >= start && target < end ? 70 + Math.round(25 * r) : Math.round(40 * r);
    });
    return Promise.resolve({ scores, usage: { calls: 1, inputTokens: 40 * request.candidates.length, outputTokens: 5 } });
  }
}

/** Median and nearest-rank quantile, the conventions every benchmark here reports. */
function quantile(values: number[], q: number): number {
  return q === 0.5 ? median(values) : nearestRankQuantile(sortedCopy(values), q);
}

interface BenchRow {
  documents: number;
  label: string;
  perQueryMs: { median: number; p95: number };
  perIterationMs: { median: number; p95: number };
  callsPerQuery: number;
  targetInTop10: number;
  queries: number;
}

async function bench(documents: number, label: string, data: Synthetic, queries: number, options: Partial<SearchOptions>): Promise<BenchRow> {
  const targets = new Map<string, number>();
  for (let q = 0; q < queries; q++) {
    const docId = data.docIds[Math.floor(noise(q, 17) * data.docIds.length)]!;
    targets.set(`q${q}`, data.preorderOf.get(docId)!);
  }
  const judge = new InstantJudge(data, targets);
  // Warm-up queries so the measurements do not pay for JIT compilation.
  for (let w = 0; w < 5; w++) await search(data.tree, judge, `warm up ${w}`, { ...options, queryId: `q${w % queries}` });
  const perQuery: number[] = [];
  const perIteration: number[] = [];
  const calls: number[] = [];
  let found = 0;
  for (let q = 0; q < queries; q++) {
    const queryId = `q${q}`;
    const result = await search(data.tree, judge, `synthetic query ${q}`, { ...options, queryId });
    perQuery.push(result.engineMs);
    for (const iteration of result.trace.iterations) perIteration.push(iteration.engineMs);
    calls.push(result.trace.judgeCalls);
    const target = targets.get(queryId)!;
    if (result.hits.some((hit) => data.span.get(hit.nodeId)![0] === target)) found++;
  }
  const fmt = (x: number) => x.toFixed(2).padStart(7);
  console.log(
    `${label.padEnd(34)} per query ms: median ${fmt(quantile(perQuery, 0.5))} p95 ${fmt(quantile(perQuery, 0.95))}` +
      ` | per iteration ms: median ${fmt(quantile(perIteration, 0.5))} p95 ${fmt(quantile(perIteration, 0.95))}` +
      ` | calls/query ${quantile(calls, 0.5)} | target in top-10 ${found}/${queries}`,
  );
  return {
    documents,
    label,
    perQueryMs: { median: quantile(perQuery, 0.5), p95: quantile(perQuery, 0.95) },
    perIterationMs: { median: quantile(perIteration, 0.5), p95: quantile(perIteration, 0.95) },
    callsPerQuery: quantile(calls, 0.5),
    targetInTop10: found,
    queries,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    strict: true,
    options: {
      queries: { type: 'string', default: '40' },
      json: { type: 'string', default: path.join(repoRoot, 'docs/benchmarks/query.json') },
    },
  });
  const queries = Number(values.queries);
  if (!Number.isInteger(queries) || queries < 1) {
    console.error(`--queries must be a positive integer, got ${values.queries}`);
    process.exitCode = 2;
    return;
  }
  const rows: BenchRow[] = [];
  for (const [docs, levels] of [
    [10_000, 4],
    [100_000, 5],
  ] as const) {
    const built = performance.now();
    const data = syntheticTree(10, levels);
    console.log(`\n${docs} documents, ${data.tree.size()} nodes (built in ${(performance.now() - built).toFixed(0)} ms), ${queries} queries`);
    rows.push(await bench(docs, 'defaults (calibrated frontier)', data, queries, {}));
    rows.push(await bench(docs, 'raw frontier', data, queries, { frontierScores: 'raw' }));
    rows.push(await bench(docs, 'beam 4, 30 iterations', data, queries, { beamSize: 4, iterations: 30 }));
    const excluded = data.docIds.filter((_, i) => i % 10 === 3);
    rows.push(await bench(docs, `excludeIds (${excluded.length})`, data, queries, { excludeIds: excluded }));
  }
  const json = path.resolve(values.json);
  fs.mkdirSync(path.dirname(json), { recursive: true });
  const machine = { cores: os.cpus().length, node: process.version, loadAverage: os.loadavg() };
  fs.writeFileSync(json, `${JSON.stringify({ generatedBy: 'scripts/bench-query.ts', machine, settings: { queries, branching: 10 }, rows }, null, 1)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), json)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
