/**
 * Measures the search engine's own cost per query and per iteration, with the judge taken out:
 * synthetic in-memory trees of 10k and 100k documents (branching 10) and a judge that answers
 * instantly with deterministic pseudo-scores (high along one target document's path, noise elsewhere).
 * Prints median and p95 of engine time (elapsed minus time awaiting the judge). Target: < 10 ms per
 * iteration at 100k documents.
 * Run: npx tsc -p . && node dist/scripts/bench-query.js [--queries 40]
 */
import { MemoryTree } from '../src/core/tree.js';
import type { Judge, JudgeRequest, JudgeResult, TreeNode } from '../src/core/types.js';
import { search } from '../traverser/search.js';
import type { SearchOptions } from '../traverser/types.js';

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

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[at]!;
}

async function bench(label: string, data: Synthetic, queries: number, options: Partial<SearchOptions>): Promise<void> {
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
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--queries');
  const queries = at >= 0 ? Number(args[at + 1]) : 40;
  if (!Number.isInteger(queries) || queries < 1) {
    console.error(`--queries must be a positive integer, got ${args[at + 1]}`);
    process.exitCode = 2;
    return;
  }
  for (const [docs, levels] of [
    [10_000, 4],
    [100_000, 5],
  ] as const) {
    const built = performance.now();
    const data = syntheticTree(10, levels);
    console.log(`\n${docs} documents, ${data.tree.size()} nodes (built in ${(performance.now() - built).toFixed(0)} ms), ${queries} queries`);
    await bench('defaults (calibrated frontier)', data, queries, {});
    await bench('raw frontier', data, queries, { frontierScores: 'raw' });
    await bench('beam 4, 30 iterations', data, queries, { beamSize: 4, iterations: 30 });
    const excluded = data.docIds.filter((_, i) => i % 10 === 3);
    await bench(`excludeIds (${excluded.length})`, data, queries, { excludeIds: excluded });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
