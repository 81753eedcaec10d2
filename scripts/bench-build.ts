/**
 * Build benchmark: local-mode indexes (LSA embedder, balanced k-means, extractive summaries)
 * of 1k, 10k and 100k documents, each built in a fresh child process so its peak RSS is its own.
 * Corpora come from scripts/synthetic-corpus.ts (real collections first, then varied copies). Prints seconds, peak RSS, documents/second and the growth
 * exponent between sizes (1.0 is linear; n log n from 10k to 100k is about 1.1).
 *
 * Writes the figures to docs/benchmarks/build.json (--json).
 *
 * Usage: npx tsc -p . && node dist/scripts/bench-build.js [--sizes 1000,10000,100000] [--strategy bottom-up] [--runs 1] [--json FILE]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from '../src/eval/index.js';
import { repoRoot, writeCorpus } from './synthetic-corpus.js';

/** Runs one build in this process and prints its figures as one JSON line. */
function child(input: string, output: string, strategy: string): void {
  void (async () => {
    const { buildIndex } = await import('../src/index.js');
    const started = performance.now();
    const report = await buildIndex({ input, output, strategy: strategy as 'bottom-up' | 'top-down', force: true });
    const seconds = (performance.now() - started) / 1000;
    // CPU seconds (user + system, the whole process) stay meaningful when the machine is shared.
    const cpu = process.cpuUsage();
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const maxRssMb = process.resourceUsage().maxRSS / 1024;
    const r = report as { documents: number; nodes: number; depth: number };
    process.stdout.write(`${JSON.stringify({ seconds, cpuSeconds, maxRssMb, documents: r.documents, nodes: r.nodes, depth: r.depth })}\n`);
  })();
}

const { values, positionals } = parseArgs({
  strict: true,
  allowPositionals: true,
  options: {
    sizes: { type: 'string', default: '1000,10000,100000' },
    strategy: { type: 'string', default: 'bottom-up' },
    runs: { type: 'string', default: '1' },
    json: { type: 'string', default: path.join(repoRoot, 'docs/benchmarks/build.json') },
    /** Internal: the parent starts one child per build, `--child <corpus> <index> <strategy>`. */
    child: { type: 'boolean', default: false },
  },
});

function parent(): void {
  const sizes = values.sizes.split(',').map(Number);
  const strategy = values.strategy;
  const runs = Number(values.runs);
  if (!sizes.every((n) => Number.isInteger(n) && n > 0) || !(Number.isInteger(runs) && runs > 0)) {
    throw new Error(`--sizes needs positive whole numbers and --runs a positive whole number, got ${values.sizes} and ${values.runs}`);
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-bench-build-'));
  const rows: { n: number; seconds: number; cpuSeconds: number; rss: number; nodes: number; depth: number; runs: { seconds: number; cpuSeconds: number; maxRssMb: number }[] }[] = [];
  const loadBefore = os.loadavg();
  console.log(`bench-build: strategy ${strategy}, ${runs} run(s) per size, node ${process.version}, ${os.cpus().length} cores`);
  for (const n of sizes) {
    const corpus = path.join(work, `corpus-${n}.jsonl`);
    writeCorpus(corpus, n);
    const results: { seconds: number; cpuSeconds: number; maxRssMb: number; nodes: number; depth: number }[] = [];
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
    const cpuSeconds = median(results.map((x) => x.cpuSeconds));
    const rss = median(results.map((x) => x.maxRssMb));
    rows.push({ n, seconds, cpuSeconds, rss, nodes: results[0]!.nodes, depth: results[0]!.depth, runs: results.map((x) => ({ seconds: x.seconds, cpuSeconds: x.cpuSeconds, maxRssMb: x.maxRssMb })) });
    console.log(`  ${String(n).padStart(7)} docs  ${seconds.toFixed(1).padStart(6)} s (${cpuSeconds.toFixed(1)} s cpu)  ${rss.toFixed(0).padStart(5)} MB peak RSS  ${Math.round(n / seconds).toString().padStart(6)} docs/s  (${results[0]!.nodes} nodes, depth ${results[0]!.depth})`);
  }
  const growth: { from: number; to: number; exponent: number; nLogN: number }[] = [];
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1]!;
    const b = rows[i]!;
    const exponent = Math.log(b.seconds / a.seconds) / Math.log(b.n / a.n);
    const nlogn = Math.log((b.n * Math.log(b.n)) / (a.n * Math.log(a.n))) / Math.log(b.n / a.n);
    growth.push({ from: a.n, to: b.n, exponent, nLogN: nlogn });
    console.log(`  growth ${a.n} → ${b.n}: time ∝ n^${exponent.toFixed(2)} (n log n would be n^${nlogn.toFixed(2)})`);
  }
  fs.rmSync(work, { recursive: true, force: true });
  const json = path.resolve(values.json);
  fs.mkdirSync(path.dirname(json), { recursive: true });
  // The load average says how shared the machine was while the wall times were taken.
  const machine = { cores: os.cpus().length, node: process.version, loadAverage: { before: loadBefore, after: os.loadavg() } };
  fs.writeFileSync(json, `${JSON.stringify({ generatedBy: 'scripts/bench-build.ts', machine, settings: { sizes, strategy, runs }, rows, growth }, null, 1)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), json)}`);
}

if (values.child) {
  const [input, output, strategy] = positionals;
  if (!input || !output || !strategy) throw new Error('--child needs <corpus> <index> <strategy>');
  child(input, output, strategy);
} else parent();
