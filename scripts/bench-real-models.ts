/**
 * The "Real models" benchmark: real neural embedders (the ONNX models that `npm run models` fetches)
 * against BM25 and the local LSA embedder, on the test judgments of SciFact, NPL, Cranfield and CISI.
 * Per collection it builds one index with the local embedder and one per real embedder (timing each
 * build and the embedding stage), then runs: flat BM25, flat dense (LSA and each real embedder),
 * BM25 + dense hybrid (RRF); the tree on the real embeddings with the lexical and the embedding judge,
 * seeded (the default) and from the root, seeded and filled by dense instead of BM25, without the flat
 * tail, with calibration on and off; and flat BM25 and flat dense
 * reranked by the embedding judge at the calls the seeded tree spent on each query.
 * It writes the raw figures to docs/benchmarks/real-models.json and renders docs/benchmarks/real-models.md
 * (BENCHMARKS.md's "Real models" section is that file).
 * Run: npx tsc -p . && node dist/scripts/bench-real-models.js [--datasets scifact,npl,cranfield,cisi]
 *      [--models all-MiniLM-L6-v2] [--work .tmp/bench-real] [--reuse] [--limit N]
 *      [--render-only]   (re-render docs/benchmarks/real-models.md from the JSON, running nothing)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildIndex, openIndex, type BuildOptions, type IndexSearchOptions, type LatticeIndex, type ProgressEvent } from '../src/index.js';
import {
  bm25System,
  denseSystem,
  evaluateSystem,
  hybridSystem,
  loadEvalDataset,
  markdownTable,
  metric,
  rerankSystem,
  treeSystem,
  type EvalDataset,
  type EvalSystem,
  type SystemReport,
} from '../src/eval/index.js';
import { datasetsDir, repoRoot } from './synthetic-corpus.js';

const { values: args } = parseArgs({
  options: {
    datasets: { type: 'string', default: 'scifact,npl,cranfield,cisi' },
    models: { type: 'string', default: 'all-MiniLM-L6-v2' },
    work: { type: 'string', default: path.join(repoRoot, '.tmp', 'bench-real') },
    json: { type: 'string', default: path.join(repoRoot, 'docs', 'benchmarks', 'real-models.json') },
    out: { type: 'string', default: path.join(repoRoot, 'docs', 'benchmarks', 'real-models.md') },
    reuse: { type: 'boolean', default: false },
    limit: { type: 'string' },
    'render-only': { type: 'boolean', default: false },
  },
});

interface BuildFigures {
  embedder: string;
  documents: number;
  texts: number;
  buildSeconds: number;
  embedSeconds: number;
  textsPerSecond: number;
}

/** What the report keeps of a system's evaluation, plus the index it ran on. */
type SystemFigures = Pick<SystemReport, 'name' | 'description' | 'queries' | 'ndcg10' | 'recall10' | 'recall100' | 'mrr10' | 'calls'> & {
  index: string;
  engineMsMedian: number;
};

interface DatasetFigures {
  dataset: string;
  queries: number;
  builds: BuildFigures[];
  systems: SystemFigures[];
}

interface RealModelsRun {
  generatedAt: string;
  machine: { cpus: number; cpuModel: string; node: string; loadAverage?: { start: number; end: number } };
  command: string;
  models: string[];
  datasets: DatasetFigures[];
}

/** Builds (or reuses) one index and times the build and its embedding stage from the progress events. */
async function buildTimed(dataset: string, file: string, embedder: 'local' | { model: string }): Promise<BuildFigures> {
  const label = embedder === 'local' ? 'local (LSA)' : path.basename(embedder.model);
  const stampFile = `${file}.build.json`;
  if (args.reuse && fs.existsSync(file) && fs.existsSync(stampFile)) return JSON.parse(fs.readFileSync(stampFile, 'utf8')) as BuildFigures;
  let embedStart: number | undefined;
  let embedEnd: number | undefined;
  let texts = 0;
  const onProgress = (event: ProgressEvent): void => {
    if (event.stage !== 'embed' && event.stage !== 'fit-embedder') return;
    embedStart ??= performance.now();
    embedEnd = performance.now();
    if (event.stage === 'embed') texts = Math.max(texts, event.total);
  };
  const options: BuildOptions = {
    input: path.join(datasetsDir, dataset),
    output: file,
    force: true,
    skipBad: true,
    onProgress,
    ...(embedder === 'local' ? {} : { embedder: 'transformers' as const, embeddingModel: embedder.model }),
  };
  const report = await buildIndex(options);
  if (report.kind === 'dry-run') throw new Error('unexpected dry run');
  const embedSeconds = embedStart !== undefined && embedEnd !== undefined ? (embedEnd - embedStart) / 1000 : 0;
  const figures: BuildFigures = {
    embedder: label,
    documents: report.documents,
    texts,
    buildSeconds: report.seconds,
    embedSeconds,
    textsPerSecond: embedSeconds > 0 ? texts / embedSeconds : 0,
  };
  fs.writeFileSync(stampFile, JSON.stringify(figures));
  return figures;
}

function figuresOf(report: SystemReport, index: string): SystemFigures {
  return {
    name: report.name,
    index,
    description: report.description,
    queries: report.queries,
    ndcg10: report.ndcg10,
    recall10: report.recall10,
    recall100: report.recall100,
    mrr10: report.mrr10,
    calls: report.calls,
    engineMsMedian: report.engineMs.median,
  };
}

async function runDataset(dataset: string, models: string[]): Promise<DatasetFigures> {
  const data: EvalDataset = loadEvalDataset(path.join(datasetsDir, dataset), {
    split: 'test',
    ...(args.limit ? { limit: Number(args.limit) } : {}),
  });
  fs.mkdirSync(args.work, { recursive: true });
  const builds: BuildFigures[] = [];
  const systems: SystemFigures[] = [];
  const run = async (index: LatticeIndex, label: string, system: EvalSystem): Promise<SystemReport> => {
    process.stderr.write(`  ${dataset} ${label} ${system.name} ...`);
    const report = await evaluateSystem(system, data);
    process.stderr.write(` nDCG@10 ${report.ndcg10.toFixed(4)} R@100 ${report.recall100.toFixed(4)}\n`);
    systems.push(figuresOf(report, label));
    return report;
  };

  const localFile = path.join(args.work, `${dataset}-local.db`);
  builds.push(await buildTimed(dataset, localFile, 'local'));
  const local = openIndex(localFile);
  try {
    await run(local, 'local (LSA)', bm25System(local));
    await run(local, 'local (LSA)', denseSystem(local));
  } finally {
    local.close();
  }

  for (const model of models) {
    const folder = path.join(repoRoot, 'models', model);
    const file = path.join(args.work, `${dataset}-${model}.db`);
    builds.push(await buildTimed(dataset, file, { model: folder }));
    const index = openIndex(file, { embeddingModel: folder });
    try {
      await run(index, model, denseSystem(index));
      await run(index, model, hybridSystem(index));
      const tree = (name: string, judge: 'lexical' | 'embedding', search: IndexSearchOptions, description: string): EvalSystem =>
        treeSystem(index, { name, judge, search, description });
      await run(index, model, tree('tree lexical', 'lexical', {}, 'tree, lexical judge, seeded (defaults)'));
      await run(index, model, tree('tree lexical root', 'lexical', { seedWith: false }, 'tree, lexical judge, from the root'));
      const seeded = await run(index, model, tree('tree embedding', 'embedding', {}, 'tree, embedding judge, seeded (defaults)'));
      await run(index, model, tree('tree embedding root', 'embedding', { seedWith: false }, 'tree, embedding judge, from the root'));
      await run(
        index,
        model,
        tree('tree embedding, dense seeds and tail', 'embedding', { seedWith: { retriever: 'dense', count: 20 }, fusion: 'dense', fusionMethod: 'append', fusionHead: 20 }, 'tree, embedding judge, seeded by dense top 20, dense fills the tail'),
      );
      await run(index, model, tree('tree embedding, tree only', 'embedding', { fusion: false }, 'tree, embedding judge, seeded, no flat tail (fusion none)'));
      await run(index, model, tree('tree embedding, no calibration', 'embedding', { calibration: 'none' }, 'tree, embedding judge, seeded, raw scores'));
      await run(
        index,
        model,
        tree('tree embedding root, no calibration', 'embedding', { seedWith: false, calibration: 'none' }, 'tree, embedding judge, from the root, raw scores'),
      );
      const callsOf = new Map(seeded.perQuery.map((q) => [q.id, q.calls]));
      const slateSize = Math.max(2, Math.round(seeded.slateSize));
      const judge = await index.judge('embedding');
      for (const flat of ['bm25', 'dense'] as const) {
        await run(
          index,
          model,
          rerankSystem(index, {
            name: `${flat} + embedding rerank`,
            description: `flat ${flat} reranked by the embedding judge at the seeded tree's calls, slates of ${slateSize}`,
            judge,
            flat,
            calls: (id) => callsOf.get(id) ?? 0,
            slateSize,
          }),
        );
      }
    } finally {
      index.close();
    }
  }
  return { dataset, queries: data.queries.length, builds, systems };
}

/**
 * Published SciFact test nDCG@10 of the models this benchmark runs, to check the dense figure against:
 * all-MiniLM-L6-v2 from MTEB's results repository (embeddings-benchmark/results,
 * results/sentence-transformers__all-MiniLM-L6-v2/8b3219a92973c328a8e22fadcfa821b5dc75636a/SciFact.json).
 */
const PUBLISHED_SCIFACT_NDCG10: Record<string, { value: number; source: string }> = {
  'all-MiniLM-L6-v2': {
    value: 0.64508,
    source: 'MTEB results (embeddings-benchmark/results, sentence-transformers__all-MiniLM-L6-v2 SciFact.json, mteb 1.12.75)',
  },
};

function render(result: RealModelsRun): string {
  const lines: string[] = [];
  lines.push('## Real models');
  lines.push('');
  lines.push(
    `Made by \`${result.command}\` on ${result.machine.cpus} cores (${result.machine.cpuModel}), Node ${result.machine.node}, ${result.generatedAt.slice(0, 10)}; raw figures in [docs/benchmarks/real-models.json](real-models.json). Test judgments only; embedders: ${result.models.join(', ')} (fetched by \`npm run models\`) against the local LSA embedder. The embedding judge scores a candidate by 100 · cosine(query, candidate vector) with the index's embedder, from the vectors the index stores (a document's text, a cluster's summary).`,
  );
  lines.push('');
  const scifact = result.datasets.find((d) => d.dataset === 'scifact');
  for (const model of result.models) {
    const published = PUBLISHED_SCIFACT_NDCG10[model];
    const dense = scifact?.systems.find((s) => s.index === model && s.name === 'dense');
    if (published && dense) {
      lines.push(
        `Check against the published figure: flat dense ${model} on SciFact test, nDCG@10 ${metric(dense.ndcg10)} here against ${published.value.toFixed(4)} published (${published.source}), a difference of ${(dense.ndcg10 - published.value >= 0 ? '+' : '')}${(dense.ndcg10 - published.value).toFixed(4)}.`,
      );
      lines.push('');
    }
  }
  lines.push('### Retrieval quality');
  lines.push('');
  const names = [...new Set(result.datasets.flatMap((d) => d.systems.map((s) => `${s.index} | ${s.name}`)))];
  const header = ['index', 'system', ...result.datasets.flatMap((d) => [`${d.dataset} nDCG@10`, 'R@100'])];
  const rows = names.map((key) => {
    const [index, name] = key.split(' | ') as [string, string];
    const cells = result.datasets.flatMap((d) => {
      const s = d.systems.find((x) => x.index === index && x.name === name);
      return s ? [metric(s.ndcg10), metric(s.recall100)] : ['', ''];
    });
    return [index, name, ...cells];
  });
  lines.push(markdownTable(header, rows));
  lines.push('');
  lines.push('### Where the tree wins and where it loses');
  lines.push('');
  lines.push(...findings(result));
  lines.push('');
  lines.push('### Judge calls and engine time per query (median ms)');
  lines.push('');
  const costRows = names
    .filter((key) => key.includes('tree') || key.includes('rerank'))
    .map((key) => {
      const [index, name] = key.split(' | ') as [string, string];
      return [
        index,
        name,
        ...result.datasets.flatMap((d) => {
          const s = d.systems.find((x) => x.index === index && x.name === name);
          return s ? [s.calls.toFixed(1), s.engineMsMedian.toFixed(1)] : ['', ''];
        }),
      ];
    });
  lines.push(markdownTable(['index', 'system', ...result.datasets.flatMap((d) => [`${d.dataset} calls`, 'ms'])], costRows));
  lines.push('');
  lines.push('### Build time and embedding throughput');
  lines.push('');
  const buildRows = result.datasets.flatMap((d) =>
    d.builds.map((b) => [d.dataset, b.embedder, String(b.documents), String(b.texts), b.buildSeconds.toFixed(1), b.embedSeconds.toFixed(1), b.textsPerSecond.toFixed(0)]),
  );
  lines.push(markdownTable(['dataset', 'embedder', 'documents', 'texts embedded', 'build s', 'embed s', 'texts/s'], buildRows));
  lines.push('');
  const load = result.machine.loadAverage;
  lines.push(
    load
      ? `Wall times scale with the machine's load: its 1-minute load average was ${load.start.toFixed(1)} at the start of this run and ${load.end.toFixed(1)} at the end, on ${result.machine.cpus} cores.`
      : 'This run did not record the machine\'s load; its wall times were taken while other jobs shared the machine, so read them as upper bounds.',
  );
  lines.push('');
  return lines.join('\n');
}

/** Sentences computed from the figures: the tree with the embedding judge (seeded) against each flat system. */
function findings(result: RealModelsRun): string[] {
  const out: string[] = [];
  const versus = (a: number, b: number): string => `${metric(a)} vs ${metric(b)} (${a > b ? 'wins' : a < b ? 'loses' : 'ties'})`;
  for (const model of result.models) {
    for (const d of result.datasets) {
      const get = (index: string, name: string) => d.systems.find((s) => s.index === index && s.name === name);
      const tree = get(model, 'tree embedding');
      const root = get(model, 'tree embedding root');
      const bm25 = get('local (LSA)', 'bm25');
      const dense = get(model, 'dense');
      const hybrid = get(model, 'hybrid');
      const rerank = get(model, 'bm25 + embedding rerank');
      if (!tree || !bm25 || !dense || !hybrid || !rerank || !root) continue;
      const best = [...d.systems].sort((a, b) => b.ndcg10 - a.ndcg10)[0]!;
      out.push(
        `- ${d.dataset} (${model}): nDCG@10 of the seeded tree with the embedding judge against flat BM25 ${versus(tree.ndcg10, bm25.ndcg10)}, flat dense ${versus(tree.ndcg10, dense.ndcg10)}, hybrid ${versus(tree.ndcg10, hybrid.ndcg10)}, BM25 reranked by the same judge at equal calls ${versus(tree.ndcg10, rerank.ndcg10)}; from the root ${metric(root.ndcg10)}. Recall@100 against BM25 ${versus(tree.recall100, bm25.recall100)}. Best here: ${best.name} on ${best.index} (${metric(best.ndcg10)}).`,
      );
    }
  }
  return out;
}

async function main(): Promise<void> {
  if (args['render-only']) {
    fs.writeFileSync(args.out, render(JSON.parse(fs.readFileSync(args.json, 'utf8')) as RealModelsRun));
    process.stderr.write(`wrote ${path.relative(repoRoot, args.out)}\n`);
    return;
  }
  const datasets = args.datasets.split(',').filter(Boolean);
  const models = args.models.split(',').filter(Boolean);
  for (const model of models) {
    if (!fs.existsSync(path.join(repoRoot, 'models', model, 'config.json'))) {
      throw new Error(`models/${model} is missing: run \`npm run models\` first.`);
    }
  }
  const result: RealModelsRun = {
    generatedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadAverage: { start: os.loadavg()[0]!, end: 0 } },
    command: `node dist/scripts/bench-real-models.js --datasets ${datasets.join(',')} --models ${models.join(',')}${args.limit ? ` --limit ${args.limit}` : ''}`,
    models,
    datasets: [],
  };
  for (const dataset of datasets) result.datasets.push(await runDataset(dataset, models));
  result.machine.loadAverage!.end = os.loadavg()[0]!;
  fs.mkdirSync(path.dirname(args.json), { recursive: true });
  fs.writeFileSync(args.json, `${JSON.stringify(result, null, 2)}\n`);
  fs.writeFileSync(args.out, render(result));
  process.stderr.write(`wrote ${path.relative(repoRoot, args.json)} and ${path.relative(repoRoot, args.out)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
