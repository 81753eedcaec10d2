/**
 * Throughput of the transformers embedder by batch size: SciFact abstracts (title + text, as a
 * build embeds them, cut at the model's 256 word pieces) through TransformersEmbedder.doEmbed.
 * CPU seconds are printed beside wall time because the machine may be shared: documents per CPU
 * second is the figure that does not depend on what else runs, documents per second is what this
 * run saw on this machine. Each batch size runs in its own child process, so peak RSS is its own.
 * Run: npx tsc -p . && node dist/scripts/bench-transformers-embedder.js [--model models/all-MiniLM-L6-v2]
 *      [--dataset ../shared/datasets/scifact] [--docs 256] [--batches 1,8,16,32,64] [--json FILE]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TransformersEmbedder } from '../src/index.js';
import { repoRoot } from './synthetic-corpus.js';


const root = repoRoot;

function readTexts(file: string, count: number): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(0, count)
    .map((l) => {
      const row = JSON.parse(l) as { title?: string; text?: string };
      return row.title && row.text ? `${row.title}\n\n${row.text}` : (row.title ?? row.text ?? '');
    });
}

interface Row {
  batch: number;
  documents: number;
  wallSeconds: number;
  cpuSeconds: number;
  docsPerSecond: number;
  docsPerCpuSecond: number;
  truncatedShare: number;
  peakRssMb: number;
}

async function measure(modelPath: string, texts: string[], batch: number): Promise<Row> {
  const embedder = await TransformersEmbedder.load({ modelPath, maxBatchSize: batch });
  // One pass first: the runtime allocates its buffers on the first shapes it sees.
  await embedder.doEmbed({ values: texts.slice(0, batch) });
  const truncatedBefore = embedder.truncatedTexts;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await embedder.doEmbed({ values: texts });
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    batch,
    documents: texts.length,
    wallSeconds: Number(wallSeconds.toFixed(2)),
    cpuSeconds: Number(cpuSeconds.toFixed(2)),
    docsPerSecond: Number((texts.length / wallSeconds).toFixed(1)),
    docsPerCpuSecond: Number((texts.length / cpuSeconds).toFixed(1)),
    truncatedShare: Number(((embedder.truncatedTexts - truncatedBefore) / texts.length).toFixed(3)),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    strict: true,
    options: {
      model: { type: 'string', default: path.join(root, 'models', 'all-MiniLM-L6-v2') },
      dataset: { type: 'string', default: path.resolve(root, '../shared/datasets/scifact') },
      docs: { type: 'string', default: '256' },
      batches: { type: 'string', default: '1,8,16,32,64' },
      json: { type: 'string' },
      /** Internal: one batch size measured in a child process. */
      child: { type: 'string' },
    },
  });
  const texts = readTexts(path.join(values.dataset, 'corpus.jsonl'), Number(values.docs));
  if (values.child !== undefined) {
    process.stdout.write(`${JSON.stringify(await measure(values.model, texts, Number(values.child)))}\n`);
    return;
  }
  const machine = { cpus: os.cpus().length, loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))) };
  console.log(`transformers embedder, ${path.basename(values.model)}: ${texts.length} SciFact abstracts per batch size, one process each`);
  console.log(`${machine.cpus} CPUs, load average at start ${machine.loadAverage.join(' ')} (wall figures depend on it; CPU figures do not)`);
  console.log('batch  docs/s  docs/CPU s  wall s  CPU s  truncated  peak RSS MB');
  const rows: Row[] = [];
  for (const batch of values.batches.split(',').map(Number)) {
    const run = spawnSync(
      process.execPath,
      [fileURLToPath(import.meta.url), '--child', String(batch), '--model', values.model, '--dataset', values.dataset, '--docs', values.docs],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    if (run.status !== 0) {
      console.error(`batch ${batch} failed:\n${run.stderr}`);
      process.exitCode = 1;
      continue;
    }
    const r = JSON.parse(run.stdout.trim().split('\n').pop()!) as Row;
    rows.push(r);
    console.log(
      `${String(r.batch).padStart(5)}  ${r.docsPerSecond.toFixed(1).padStart(6)}  ${r.docsPerCpuSecond.toFixed(1).padStart(10)}  ` +
        `${r.wallSeconds.toFixed(1).padStart(6)}  ${r.cpuSeconds.toFixed(1).padStart(5)}  ${(r.truncatedShare * 100).toFixed(0).padStart(8)}%  ${String(r.peakRssMb).padStart(11)}`,
    );
  }
  if (values.json) writeFileSync(values.json, `${JSON.stringify({ model: path.basename(values.model), documents: texts.length, machine, rows }, null, 2)}\n`);
}

await main();
