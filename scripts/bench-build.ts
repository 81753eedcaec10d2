/**
 * Build benchmark: local-mode indexes (LSA embedder, balanced k-means, extractive summaries)
 * of 1k, 10k and 100k documents, each built in a fresh child process so its peak RSS is its own.
 * Corpora come from scripts/synthetic-corpus.ts (real collections first, then varied copies). Prints seconds, peak RSS, documents/second and the growth
 * exponent between sizes (1.0 is linear; n log n from 10k to 100k is about 1.1).
 *
 * Usage: npx tsc -p . && node dist/scripts/bench-build.js [--sizes 1000,10000,100000] [--strategy bottom-up] [--runs 1]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, median, writeCorpus } from './synthetic-corpus.js';

function child(): void {
  // Runs one build in this process and prints its figures as one JSON line.
  const [, , , input, output, strategy] = process.argv;
  void (async () => {
    const { buildIndex } = await import('../indexer/build.js');
    const started = performance.now();
    const report = await buildIndex({ input: input!, output: output!, strategy: strategy as 'bottom-up' | 'top-down', force: true });
    const seconds = (performance.now() - started) / 1000;
    const maxRssMb = process.resourceUsage().maxRSS / 1024;
    const r = report as { documents: number; nodes: number; depth: number };
    process.stdout.write(`${JSON.stringify({ seconds, maxRssMb, documents: r.documents, nodes: r.nodes, depth: r.depth })}\n`);
  })();
}

function parent(): void {
  const sizes = arg('sizes', '1000,10000,100000').split(',').map(Number);
  const strategy = arg('strategy', 'bottom-up');
  const runs = Number(arg('runs', '1'));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-bench-build-'));
  const rows: { n: number; seconds: number; rss: number; nodes: number; depth: number }[] = [];
  console.log(`bench-build: strategy ${strategy}, ${runs} run(s) per size, node ${process.version}, ${os.cpus().length} cores`);
  for (const n of sizes) {
    const corpus = path.join(work, `corpus-${n}.jsonl`);
    writeCorpus(corpus, n);
    const results: { seconds: number; maxRssMb: number; nodes: number; depth: number }[] = [];
    for (let r = 0; r < runs; r++) {
      const out = path.join(work, `index-${n}.db`);
      const res = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', corpus, out, strategy], { encoding: 'utf8', maxBuffer: 1 << 26 });
      if (res.status !== 0) {
        console.error(res.stderr);
        process.exit(1);
      }
      results.push(JSON.parse(res.stdout.trim().split('\n').pop()!));
      for (const f of fs.readdirSync(work)) if (f.startsWith(`index-${n}.db`)) fs.rmSync(path.join(work, f));
    }
    const seconds = median(results.map((x) => x.seconds));
    const rss = median(results.map((x) => x.maxRssMb));
    rows.push({ n, seconds, rss, nodes: results[0]!.nodes, depth: results[0]!.depth });
    console.log(`  ${String(n).padStart(7)} docs  ${seconds.toFixed(1).padStart(6)} s  ${rss.toFixed(0).padStart(5)} MB peak RSS  ${Math.round(n / seconds).toString().padStart(6)} docs/s  (${results[0]!.nodes} nodes, depth ${results[0]!.depth})`);
  }
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1]!;
    const b = rows[i]!;
    const exponent = Math.log(b.seconds / a.seconds) / Math.log(b.n / a.n);
    const nlogn = Math.log((b.n * Math.log(b.n)) / (a.n * Math.log(a.n))) / Math.log(b.n / a.n);
    console.log(`  growth ${a.n} → ${b.n}: time ∝ n^${exponent.toFixed(2)} (n log n would be n^${nlogn.toFixed(2)})`);
  }
  fs.rmSync(work, { recursive: true, force: true });
}

if (process.argv[2] === '--child') child();
else parent();
