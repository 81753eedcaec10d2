/**
 * Times the local (LSA) embedder: fit on 1k / 10k / 100k documents, then embedding every
 * document through doEmbed, each size in its own child process so peak RSS is per size.
 * Documents are SciFact and NPL texts repeated with seeded variation (words dropped, words
 * borrowed from another document), so vocabulary and lengths stay realistic.
 * Run: npx tsc -p . && node dist/scripts/bench-embedder.js [--sizes 1000,10000,100000] [--dimensions 256]
 *      [--datasets DIR] (default: ../shared/datasets beside the repository)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LocalEmbedder } from '../src/index.js';
import { createRng } from '../src/eval/index.js';
import { datasetsDir } from './synthetic-corpus.js';



function readTexts(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const row = JSON.parse(l) as { title?: string; text?: string };
      return `${row.title ?? ''} ${row.text ?? ''}`.trim();
    });
}

/** `size` documents drawn from the pool with seeded variation. */
function makeCorpus(pool: string[][], size: number, seed: string): string[] {
  const rng = createRng(seed);
  const out: string[] = new Array(size);
  for (let i = 0; i < size; i++) {
    const base = pool[i % pool.length]!;
    const donor = pool[Math.floor(rng() * pool.length)]!;
    const words: string[] = [];
    for (const w of base) if (rng() < 0.85) words.push(w);
    const borrow = Math.floor(base.length * 0.15);
    for (let b = 0; b < borrow && donor.length > 0; b++) {
      words.splice(Math.floor(rng() * (words.length + 1)), 0, donor[Math.floor(rng() * donor.length)]!);
    }
    out[i] = words.join(' ');
  }
  return out;
}

function child(size: number, dimensions: number, datasets: string): void {
  const pool = [
    ...readTexts(path.join(datasets, 'scifact', 'corpus.jsonl')),
    ...readTexts(path.join(datasets, 'npl', 'corpus.jsonl')),
  ].map((t) => t.split(/\s+/));
  const texts = makeCorpus(pool, size, `bench-${size}`);
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const embedder = LocalEmbedder.fit(texts, { dimensions, seed: 1 });
  const fitSeconds = (performance.now() - t0) / 1000;
  const fitCpu = process.cpuUsage(cpu0);
  const t1 = performance.now();
  let checksum = 0;
  void (async () => {
    for (let i = 0; i < texts.length; i += embedder.maxBatchSize) {
      const { embeddings } = await embedder.doEmbed({ values: texts.slice(i, i + embedder.maxBatchSize) });
      for (const e of embeddings) checksum += e[0]!;
    }
    const embedSeconds = (performance.now() - t1) / 1000;
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(
      JSON.stringify({
        documents: size,
        dimensions: embedder.dimensions,
        vocabulary: embedder.vocabularySize,
        fitSeconds: Number(fitSeconds.toFixed(2)),
        fitCpuSeconds: Number(((fitCpu.user + fitCpu.system) / 1e6).toFixed(2)),
        embedSeconds: Number(embedSeconds.toFixed(2)),
        peakRssMb: Math.round(peakRssMb),
        baseRssMb: Math.round(rssBefore / 1024 / 1024),
        checksum: Number(checksum.toFixed(6)),
      }) + '\n',
    );
  })();
}

function main(): void {
  const { values } = parseArgs({
    strict: true,
    options: {
      sizes: { type: 'string', default: '1000,10000,100000' },
      dimensions: { type: 'string', default: '256' },
      datasets: { type: 'string', default: datasetsDir },
      /** Internal: one size measured in a child process. */
      child: { type: 'string' },
    },
  });
  const dimensions = Number(values.dimensions);
  const datasets = path.resolve(values.datasets);
  if (values.child !== undefined) {
    child(Number(values.child), dimensions, datasets);
    return;
  }
  const sizes = values.sizes.split(',').map(Number);
  console.log(`local embedder (LSA, ${dimensions} dims): fit, then doEmbed of every document; one process per size`);
  // CPU seconds are shown beside wall time because the machine may be shared.
  console.log('documents  vocabulary  dims  fit s (cpu s)  embed s  peak RSS MB (base)');
  for (const size of sizes) {
    const run = spawnSync(
      process.execPath,
      [fileURLToPath(import.meta.url), '--child', String(size), '--dimensions', String(dimensions), '--datasets', datasets],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    if (run.status !== 0) {
      console.error(`size ${size} failed:\n${run.stderr}`);
      process.exitCode = 1;
      continue;
    }
    const r = JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, number>;
    console.log(
      `${String(r['documents']).padStart(9)}  ${String(r['vocabulary']).padStart(10)}  ${String(r['dimensions']).padStart(4)}  ` +
        `${r['fitSeconds']!.toFixed(2).padStart(5)} (${r['fitCpuSeconds']!.toFixed(2).padStart(5)})  ` +
        `${r['embedSeconds']!.toFixed(2).padStart(7)}  ` +
        `${String(r['peakRssMb']).padStart(11)} (${r['baseRssMb']})`,
    );
  }
}

main();
