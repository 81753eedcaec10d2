/**
 * Engine time per query and per iteration on real SQLite indexes (10k and 100k documents by
 * default, built in local mode from scripts/synthetic-corpus.ts), with a judge that answers
 * instantly: scores come from a hash of (query, node), so the search walks realistic shapes
 * while the judge costs nothing. The engine's own time is everything but the judge: slate
 * building, SQLite reads, calibration, path relevance, the frontier and the final ranking.
 * Target (issue 4): under 10 ms per iteration at 100k documents (1 % of a 1 s model round trip).
 *
 * Writes the figures to docs/benchmarks/query-index.json (--json).
 *
 * Usage: npx tsc -p . && node dist/scripts/bench-query-index.js [--sizes 10000,100000] [--queries 100] [--keep DIR] [--json FILE]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildIndex, openIndex, type Judge, type JudgeRequest, type JudgeResult } from '../src/index.js';
import { median, nearestRankQuantile, sortedCopy } from '../src/eval/index.js';
import { datasetsDir, repoRoot, writeCorpus } from './synthetic-corpus.js';

/** Deterministic pseudo-scores in [0, 100], skewed low like a real judge's. */
const instantJudge: Judge = {
  specificationVersion: 'v1',
  provider: 'bench',
  modelId: 'instant',
  async doJudge(request: JudgeRequest): Promise<JudgeResult> {
    return {
      scores: request.candidates.map((c) => {
        let h = 2166136261;
        const key = `${request.query}\u0000${c.nodeId}`;
        for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619) >>> 0;
        const u = h / 4294967296;
        return Math.round(100 * u * u);
      }),
    };
  },
};

/** Median and nearest-rank quantile, the conventions every benchmark here reports. */
function percentile(values: number[], p: number): number {
  return p === 0.5 ? median(values) : nearestRankQuantile(sortedCopy(values), p);
}

interface Spread {
  median: number;
  p95: number;
}

const spread = (values: number[]): Spread => ({ median: percentile(values, 0.5), p95: percentile(values, 0.95) });

async function main(): Promise<void> {
  const { values } = parseArgs({
    strict: true,
    options: {
      sizes: { type: 'string', default: '10000,100000' },
      queries: { type: 'string', default: '100' },
      keep: { type: 'string', default: '' },
      json: { type: 'string', default: path.join(repoRoot, 'docs/benchmarks/query-index.json') },
    },
  });
  const sizes = values.sizes.split(',').map(Number);
  const queryCount = Number(values.queries);
  if (!sizes.every((n) => Number.isInteger(n) && n > 0) || !(Number.isInteger(queryCount) && queryCount > 0)) {
    throw new Error(`--sizes and --queries need positive whole numbers, got ${values.sizes} and ${values.queries}`);
  }
  const keep = values.keep;
  const rows: { documents: number; perQueryMs: Spread; perIterationMs: Spread; judgeMsMedian: number }[] = [];
  const work = keep || fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-bench-query-'));
  fs.mkdirSync(work, { recursive: true });
  const queries = fs
    .readFileSync(path.join(datasetsDir, 'scifact', 'queries.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(0, queryCount)
    .map((l) => (JSON.parse(l) as { text: string }).text);

  console.log(`bench-query-index: ${queries.length} queries, instant judge, default search options (beam 2, 20 iterations)`);
  for (const n of sizes) {
    const file = path.join(work, `index-${n}.db`);
    if (!fs.existsSync(file)) {
      const corpus = path.join(work, `corpus-${n}.jsonl`);
      writeCorpus(corpus, n);
      process.stdout.write(`  building ${n} documents... `);
      const started = performance.now();
      await buildIndex({ input: corpus, output: file });
      process.stdout.write(`${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    }
    const index = openIndex(file);
    const perQuery: number[] = [];
    const perIteration: number[] = [];
    const judgeMs: number[] = [];
    // One warm-up query: the first search pays for opening statements and loading statistics.
    await index.search(queries[0]!, { judge: instantJudge });
    for (const q of queries) {
      const r = await index.search(q, { judge: instantJudge });
      perQuery.push(r.engineMs);
      judgeMs.push(r.elapsedMs - r.engineMs);
      for (const it of r.trace.iterations) perIteration.push(it.engineMs);
    }
    index.close();
    const fmt = (v: number) => v.toFixed(2).padStart(7);
    rows.push({ documents: n, perQueryMs: spread(perQuery), perIterationMs: spread(perIteration), judgeMsMedian: percentile(judgeMs, 0.5) });
    console.log(
      `  ${String(n).padStart(7)} docs  per query: median ${fmt(percentile(perQuery, 0.5))} ms  p95 ${fmt(percentile(perQuery, 0.95))} ms` +
        `   per iteration: median ${fmt(percentile(perIteration, 0.5))} ms  p95 ${fmt(percentile(perIteration, 0.95))} ms` +
        `   (time inside the instant judge: median ${fmt(percentile(judgeMs, 0.5))} ms per query)`,
    );
  }
  if (!keep) fs.rmSync(work, { recursive: true, force: true });
  const json = path.resolve(values.json);
  fs.mkdirSync(path.dirname(json), { recursive: true });
  const machine = { cores: os.cpus().length, node: process.version, loadAverage: os.loadavg() };
  fs.writeFileSync(json, `${JSON.stringify({ generatedBy: 'scripts/bench-query-index.ts', machine, settings: { sizes, queries: queries.length }, rows }, null, 1)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), json)}`);
}

await main();
