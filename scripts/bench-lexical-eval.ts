/**
 * Times one whole CLI command, as a user runs it: `lattice eval <scifact index> --dataset scifact
 * --judge lexical --seeds 0 --limit 100` (the lexical judge from the root on 100 SciFact test
 * queries), --runs times, each in a fresh process, so start-up, opening the index and loading
 * the BM25 statistics are included. Reports the median wall time and the nDCG@10 the command printed.
 * The index is built with the defaults unless --index names an existing one.
 * Writes the figures to docs/benchmarks/lexical-eval.json (--json).
 * Run: npx tsc -p . && node dist/scripts/bench-lexical-eval.js [--index FILE] [--queries 100] [--runs 3] [--json FILE]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildIndex } from '../src/index.js';
import { median } from '../src/eval/index.js';
import { datasetsDir, repoRoot } from './synthetic-corpus.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    strict: true,
    options: {
      index: { type: 'string' },
      queries: { type: 'string', default: '100' },
      runs: { type: 'string', default: '3' },
      json: { type: 'string', default: path.join(repoRoot, 'docs/benchmarks/lexical-eval.json') },
    },
  });
  const queries = Number(values.queries);
  const runs = Number(values.runs);
  if (!(Number.isInteger(queries) && queries > 0) || !(Number.isInteger(runs) && runs > 0)) {
    throw new Error(`--queries and --runs need positive whole numbers, got ${values.queries} and ${values.runs}`);
  }
  const dataset = path.join(datasetsDir, 'scifact');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-bench-lexical-'));
  try {
    const index = values.index ? path.resolve(values.index) : path.join(work, 'scifact.db');
    if (!values.index) {
      process.stderr.write('building the SciFact index with the defaults...\n');
      await buildIndex({ input: dataset, output: index });
    }
    const command = ['eval', index, '--dataset', dataset, '--judge', 'lexical', '--seeds', '0', '--limit', String(queries), '--json'];
    const seconds: number[] = [];
    let ndcg10 = Number.NaN;
    for (let r = 0; r < runs; r++) {
      const started = performance.now();
      const run = spawnSync(process.execPath, [path.join(repoRoot, 'bin/lattice.js'), ...command], { encoding: 'utf8', maxBuffer: 1 << 26 });
      seconds.push((performance.now() - started) / 1000);
      if (run.status !== 0) throw new Error(`lattice ${command.join(' ')} exited ${String(run.status)}:\n${run.stderr}`);
      ndcg10 = treeNdcg(JSON.parse(run.stdout) as unknown);
      process.stderr.write(`  run ${r + 1}: ${seconds[r]!.toFixed(2)} s\n`);
    }
    const result = {
      generatedBy: 'scripts/bench-lexical-eval.ts',
      machine: { cores: os.cpus().length, node: process.version, loadAverage: os.loadavg() },
      command: `lattice ${command.join(' ').replace(index, '<scifact index>').replace(dataset, '<datasets>/scifact')}`,
      queries,
      runs: seconds,
      medianSeconds: median(seconds),
      ndcg10,
    };
    console.log(`${result.command}: median ${result.medianSeconds.toFixed(2)} s over ${runs} runs (${seconds.map((s) => s.toFixed(2)).join(', ')}), nDCG@10 ${ndcg10.toFixed(4)}`);
    const json = path.resolve(values.json);
    fs.mkdirSync(path.dirname(json), { recursive: true });
    fs.writeFileSync(json, `${JSON.stringify(result, null, 1)}\n`);
    console.log(`wrote ${path.relative(process.cwd(), json)}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The tree system's nDCG@10 from `lattice eval --json` (the first system of the report). */
function treeNdcg(report: unknown): number {
  const systems = (report as { systems?: { ndcg10?: unknown }[] }).systems;
  const value = systems?.[0]?.ndcg10;
  if (typeof value !== 'number') throw new Error('lattice eval --json printed no systems[0].ndcg10; has its report shape changed?');
  return value;
}

await main();
