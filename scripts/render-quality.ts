/**
 * Renders BENCHMARKS.md and the SVG charts from the raw output of scripts/bench-quality.ts
 * (docs/benchmarks/quality.json). Runs nothing: every figure, setting and machine detail comes
 * from the JSON, and the findings' directions are computed, so the text stays true on a re-run.
 * Run: npx tsc -p . && node dist/scripts/render-quality.js [--json docs/benchmarks/quality.json]
 *      [--out BENCHMARKS.md] [--images docs/benchmarks]
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { cost, markdownTable, metric, ms, svgLineChart, type LineSeries } from '../src/eval/index.js';
import { renderFindings } from './quality-findings.js';
import {
  get,
  GOAL_DATASETS,
  label,
  pct,
  PUBLISHED_BM25_SCIFACT,
  rel,
  show,
  type DatasetResult,
  type QualityRun,
  type SystemFigures,
  type SystemRow,
} from './quality-results.js';
import { repoRoot } from './synthetic-corpus.js';
import { retrievalCaption, retrievalTable, type Results as RealLlmResults } from './real-llm-report.js';

function mainTable(results: DatasetResult[]): string {
  const headers = ['system', ...results.flatMap((r) => [`${show(r.name)} nDCG@10`, 'R@100', 'calls/q'])];
  const rows = results[0]!.main.map((m) => [label(m), ...results.map((r) => get(r, m.key)).flatMap((s) => [metric(s.ndcg10), metric(s.recall100), cost(s.calls)])]);
  return markdownTable(headers, rows);
}

function detailTable(rows: SystemRow[]): string {
  const headers = ['system', 'nDCG@10', 'R@10', 'R@100', 'MRR@10', 'calls/q', 'slate', 'tokens/q', 'engine ms median', 'p95'];
  return markdownTable(
    headers,
    rows.map((m) => [
      label(m),
      metric(m.report.ndcg10),
      metric(m.report.recall10),
      metric(m.report.recall100),
      metric(m.report.mrr10),
      cost(m.report.calls),
      m.report.slateSize ? m.report.slateSize.toFixed(1) : '–',
      cost(m.report.tokens),
      ms(m.report.engineMs.median),
      ms(m.report.engineMs.p95),
    ]),
  );
}

export interface Goal {
  text: string;
  met: boolean;
  detail: string;
}

export function goals(results: DatasetResult[]): Goal[] {
  const named = results.filter((r) => GOAL_DATASETS.includes(r.name));
  const out: Goal[] = [];
  const scifact = results.find((r) => r.name === 'scifact');
  if (scifact) {
    const n = get(scifact, 'bm25').ndcg10;
    out.push({
      text: `BM25 flat on SciFact in the published range (nDCG@10 ${PUBLISHED_BM25_SCIFACT.low}-${PUBLISHED_BM25_SCIFACT.high})`,
      met: n >= PUBLISHED_BM25_SCIFACT.low && n <= PUBLISHED_BM25_SCIFACT.high,
      detail: `nDCG@10 ${metric(n)}`,
    });
  }
  const ratio = (r: DatasetResult, key: string) => get(r, key).ndcg10 / get(r, 'bm25').ndcg10;
  out.push({
    text: 'Local mode, tree alone (defaults, seeded): nDCG@10 >= 0.95 × BM25 flat on each dataset',
    met: named.every((r) => ratio(r, 'lex-rec') >= 0.95),
    detail: named.map((r) => `${show(r.name)} ${ratio(r, 'lex-rec').toFixed(3)}`).join(', '),
  });
  out.push({
    text: 'Local mode, tree alone from the root: nDCG@10 >= 0.95 × BM25 flat',
    met: named.every((r) => ratio(r, 'lex-root') >= 0.95),
    detail: named.map((r) => `${show(r.name)} ${ratio(r, 'lex-root').toFixed(3)}`).join(', '),
  });
  const calGain = (r: DatasetResult, on: string, off: string) => rel(get(r, on).ndcg10, get(r, off).ndcg10);
  out.push({
    text: 'Simulated judge, defaults: calibration on vs off >= +5% nDCG@10',
    met: named.every((r) => calGain(r, 'sim-rec', 'abl-cal-off') >= 0.05),
    detail: named.map((r) => `${show(r.name)} ${pct(calGain(r, 'sim-rec', 'abl-cal-off'))}`).join(', '),
  });
  out.push({
    text: 'Simulated judge, from the root: calibration on vs off >= +5% nDCG@10',
    met: named.every((r) => calGain(r, 'sim-root', 'root-cal-off') >= 0.05),
    detail: named.map((r) => `${show(r.name)} ${pct(calGain(r, 'sim-root', 'root-cal-off'))}`).join(', '),
  });
  const beats = (r: DatasetResult, tree: string, flat: string) => get(r, tree).ndcg10 > get(r, flat).ndcg10 && get(r, tree).recall100 > get(r, flat).recall100;
  const versus = (r: DatasetResult, tree: string, flat: string) =>
    `${show(r.name)} nDCG ${metric(get(r, tree).ndcg10)} vs ${metric(get(r, flat).ndcg10)}, R@100 ${metric(get(r, tree).recall100)} vs ${metric(get(r, flat).recall100)}`;
  out.push({
    text: 'Equal judge calls, tree (defaults) beats flat rerank on nDCG@10 and Recall@100',
    met: named.every((r) => beats(r, 'sim-rec', 'rerank-rec')),
    detail: named.map((r) => versus(r, 'sim-rec', 'rerank-rec')).join('; '),
  });
  out.push({
    text: 'Equal judge calls, tree from the root beats flat rerank on nDCG@10 and Recall@100',
    met: named.every((r) => beats(r, 'sim-root', 'rerank-root')),
    detail: named.map((r) => versus(r, 'sim-root', 'rerank-root')).join('; '),
  });
  const perCall = named.map((r) => {
    const s = get(r, 'sim-rec');
    return { name: r.name, median: s.engineMs.median, p95: s.engineMs.p95, perCall: s.engineMs.median / Math.max(1, s.calls) };
  });
  out.push({
    text: "Engine time per query negligible beside the judge's (well under 1 ms per judge call)",
    met: perCall.every((p) => p.perCall < 1),
    detail: perCall.map((p) => `${show(p.name)} median ${ms(p.median)} ms (p95 ${ms(p.p95)}), ${p.perCall.toFixed(2)} ms per call`).join('; '),
  });
  return out;
}

const COLORS: Record<string, string> = { scifact: '#1f77b4', npl: '#d62728', cranfield: '#2ca02c', cisi: '#9467bd' };

function writeCharts(run: QualityRun, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const shown = run.results.filter((x) => GOAL_DATASETS.includes(x.name));
  const chart = (file: string, title: string, xLabel: string, yLabel: string, series: LineSeries[], xLog: boolean) =>
    fs.writeFileSync(path.join(dir, file), svgLineChart({ title, xLabel, yLabel, series, xLog }));
  const curve = (
    file: string,
    title: string,
    xLabel: string,
    pick: (r: DatasetResult) => { x: number; tree: SystemFigures; rerank: SystemFigures }[],
    metricOf: (s: SystemFigures) => number,
    yLabel: string,
    xLog: boolean,
  ) => {
    const series: LineSeries[] = [];
    for (const r of shown) {
      const color = COLORS[r.name];
      const points = pick(r);
      series.push({ label: `${show(r.name)} tree (defaults)`, points: points.map((p) => ({ x: p.x, y: metricOf(p.tree) })), ...(color ? { color } : {}) });
      series.push({ label: `${show(r.name)} flat rerank`, points: points.map((p) => ({ x: p.x, y: metricOf(p.rerank) })), dashed: true, ...(color ? { color } : {}) });
    }
    chart(file, title, xLabel, yLabel, series, xLog);
  };
  const byCalls = (r: DatasetResult) => r.calls.map((c) => ({ x: c.budget, tree: c.tree, rerank: c.rerank }));
  const byNoise = (r: DatasetResult) => r.noise.map((c) => ({ x: c.level, tree: c.tree, rerank: c.rerank }));
  const j = run.settings.simulatedJudge;
  const noiseAxis = `noise level (× default sd ${j.leafNoise} leaves / ${j.innerNoise} inner)`;
  curve('ndcg-vs-calls.svg', 'nDCG@10 vs judge calls per query (simulated judge)', 'judge calls per query (budget)', byCalls, (s) => s.ndcg10, 'nDCG@10', true);
  curve('recall-vs-calls.svg', 'Recall@100 vs judge calls per query (simulated judge)', 'judge calls per query (budget)', byCalls, (s) => s.recall100, 'Recall@100', true);
  curve('ndcg-vs-noise.svg', 'nDCG@10 vs judge noise (simulated judge)', noiseAxis, byNoise, (s) => s.ndcg10, 'nDCG@10', false);
  curve('recall-vs-noise.svg', 'Recall@100 vs judge noise (simulated judge)', noiseAxis, byNoise, (s) => s.recall100, 'Recall@100', false);
  // The from-root search on the call curve, to show what seeding buys.
  const rootSeries: LineSeries[] = [];
  for (const r of shown) {
    const color = COLORS[r.name];
    rootSeries.push({ label: `${show(r.name)} defaults (seeded)`, points: r.calls.map((c) => ({ x: c.budget, y: c.tree.ndcg10 })), ...(color ? { color } : {}) });
    rootSeries.push({ label: `${show(r.name)} from the root`, points: r.calls.map((c) => ({ x: c.budget, y: c.root.ndcg10 })), dashed: true, ...(color ? { color } : {}) });
  }
  chart('ndcg-vs-calls-root.svg', 'nDCG@10 vs calls: seeded vs from the root', 'judge calls per query (budget)', 'nDCG@10', rootSeries, true);
}

function report(run: QualityRun, jsonRel: string, imagesRel: string, imagesDir: { abs: string; rel: string }): string {
  const { results, settings } = run;
  const s = settings.search;
  const p = settings.simulatedJudge;
  const b = settings.build;
  const lines: string[] = [];
  const push = (...text: string[]) => lines.push(...text);
  push('# Benchmarks: retrieval quality', '');
  push(
    `Every figure below comes from one run of \`scripts/bench-quality.ts\`, which writes its raw output to \`${jsonRel}\`; \`scripts/render-quality.ts\` renders this page and the charts from that file alone, so any figure can be checked there. The raw output of every other benchmark the README quotes lives beside it in \`docs/benchmarks/\` (one JSON file per script). Test judgments only (\`qrels/test.tsv\`); every search setting was chosen on SciFact **train** queries${run.train ? ' (the lexical judge there is reported at the end)' : ''}.`,
    '',
  );
  push('Reproduce:', '', '```sh', 'npx tsc -p .');
  push(`node dist/scripts/bench-quality.js --datasets ${run.args.datasets.join(',')}   # runs, writes ${jsonRel}, then renders`);
  push(`node dist/scripts/render-quality.js   # renders again from ${jsonRel}`);
  push('# one dataset, one configuration, from the CLI:');
  push('node bin/lattice.js build ../shared/datasets/scifact -o scifact.db');
  push('node bin/lattice.js eval scifact.db --dataset ../shared/datasets/scifact --judge simulated --baseline all');
  push('node bin/lattice.js eval scifact.db --dataset ../shared/datasets/scifact --judge lexical --seeds 0   # from the root');
  push('```', '');
  push(
    `${run.source ? `Measured at commit \`${run.source.commit.slice(0, 7)}\`${run.source.dirty ? ' (with uncommitted changes)' : ''}. ` : ''}Machine: ${run.machine.cores} cores, Node ${run.machine.node}${run.machine.loadAverage ? ` (load average ${run.machine.loadAverage.map((x) => x.toFixed(1)).join(' / ')} over 1 / 5 / 15 minutes at the end: timings scale with it)` : ''}; the whole run took ${(run.totalSeconds / 60).toFixed(1)} minutes (index builds included). Seeds: simulated judge seed ${String(p.seed)}, search seed ${String(s['seed'])}, build seed ${b.seed} (defaults); all queries of every test split are used${run.args.limit ? ` (limited to the first ${run.args.limit})` : ''}.`,
    '',
  );
  push('## Goals', '');
  push(markdownTable(['goal', 'met?', 'figures'], goals(results).map((x) => [x.text, x.met ? 'yes' : '**no**', x.detail]), ['left', 'left', 'left']), '');
  push('## Setup', '');
  push(
    markdownTable(
      ['dataset', 'documents', 'test queries', 'skipped (no judgments)', 'relevant pairs', 'tree nodes', 'depth', 'clusters per level', 'fan-out mean (min-max)', 'build s'],
      results.map((r) => [
        show(r.name),
        r.build.documents.toLocaleString('en-US'),
        String(r.dataset.queries),
        String(r.dataset.skippedUnjudged),
        r.dataset.relevantPairs.toLocaleString('en-US'),
        r.build.nodes.toLocaleString('en-US'),
        String(r.build.depth),
        r.build.clustersPerLevel.join(' → '),
        `${r.build.fanOut.mean.toFixed(1)} (${r.build.fanOut.min}-${r.build.fanOut.max})`,
        r.build.reused ? 'reused' : r.build.seconds.toFixed(1),
      ]),
    ),
    '',
  );
  const depth = settings.flatDepth.toLocaleString('en-US');
  push(
    `- Indexes: \`buildIndex\` defaults (bottom-up, branching ${b.branching}, local LSA embedder with ${b.dimensions} dimensions, extractive summaries plus a keyword profile of up to ${b.keywords.toLocaleString('en-US')} terms per cluster; empty documents skipped). "Clusters per level" counts the cluster nodes from the root's children down.`,
  );
  push(
    `- BM25 flat: Lucene-style BM25, k1 = ${settings.bm25.k1}, b = ${settings.bm25.b}, over title + text analysed like Lucene's EnglishAnalyzer (standard tokenizer, possessives, lower case, 33 stop words, Porter stemmer); top ${depth}.`,
  );
  push(`- Dense flat: the index's own embedder (local LSA) with cosine HNSW (hnswlib-node), top ${depth}.`);
  push(
    `- Tree search, **defaults**: \`DEFAULT_SEARCH_OPTIONS\` (beam ${String(s['beamSize'])}, ${String(s['iterations'])} iterations, ${String(s['calibrationNodes'])} calibration leaves per leaf slate, ${String(s['innerAnchors'])} anchors per inner slate, ${String(s['calibration'])} calibration (per-slate scale and offset), alpha ${String(s['alpha'])}, ${String(s['frontierScores'])} frontier, final score ${String(s['finalScore'])}) seeded with ${settings.seedWith.retriever.toUpperCase()}'s top ${settings.seedWith.count} (one extra slate at iteration 0; their ancestors join the frontier)${settings.fusion ? `, then the tree's first ${settings.fusion.head} documents followed by ${settings.fusion.retriever.toUpperCase()}'s top ${settings.fusion.depth} (the default ${settings.fusion.method} fusion)` : ', then the default fusion (`DEFAULT_FUSION`) of the measured commit'}; top 100 returned. **From the root**: the same without seeds. **Reference settings**: from the root, alpha 0.5, leaves ranked by path relevance, offset-only calibration, one anchor per inner slate (the paper and its reference code).`,
  );
  push(
    `- Lexical judge: BM25-style scoring of each candidate against corpus statistics; an inner node scores by the mean of the presence of the query terms in its summary and keyword profile and their density (the share of its documents holding each, d / (d + ${settings.lexicalDensity.c})). Rows marked "presence alone" drop the density score.`,
  );
  push(
    `- Simulated judge (\`src/eval/simulated-judge.ts\`): relevance = grade / top grade of the collection for a leaf, the maximum below for an inner node, missed (taken as 0) with probability ${p.missProbability} once per query and inner node; per slate s ~ U(${p.scaleMin}, ${p.scaleMax}), o ~ U(-${p.offsetSpread}, ${p.offsetSpread}); score = clip(100·(s·rel + noise) + o, 0, 100), noise ~ N(0, ${p.leafNoise}) on leaves, N(0, ${p.innerNoise}) on inner nodes. Draws are seeded by (seed, query, slate), so results do not depend on query order. Tokens are what an LLM judge would read and write for the same slates (about 4 characters a token), an estimate.`,
  );
  push(
    "- Flat rerank: BM25 top hits judged by the same judge in slates of the tree's mean slate size, the first two hits repeated in every later slate as anchors, all scores calibrated jointly with the engine's own calibration; same number of calls per query as the tree search it is compared with; unjudged hits follow in BM25 order.",
  );
  push('- Metrics: trec_eval conventions (graded gains as in the qrels, ideal DCG over all judged relevant documents, ties broken by document id in descending order); means over all judged test queries.', '');
  push('## Main table', '', mainTable(results), '');
  push('Rows marked ↳ vary the row above. "Fused" is reciprocal-rank fusion of the tree ranking with BM25 flat (weight 1, k = 60); the tree alone is the row above it.', '');
  for (const r of results) push(`### ${show(r.name)}: every figure`, '', detailTable(r.main), '');
  push('## Judge calls and noise', '');
  push(`Flat rerank uses slates of the default tree search's mean size (${results.map((r) => `${show(r.name)} ${r.rerankSlate}`).join(', ')}).`, '');
  push(`![nDCG@10 vs calls](${imagesRel}/ndcg-vs-calls.svg)`, `![Recall@100 vs calls](${imagesRel}/recall-vs-calls.svg)`, '');
  push(`![seeded vs from the root](${imagesRel}/ndcg-vs-calls-root.svg)`, '');
  push(
    markdownTable(
      ['dataset', 'calls budget', 'tree nDCG@10', 'tree R@100', 'from root nDCG@10', 'from root R@100', 'rerank nDCG@10', 'rerank R@100', 'tree calls used'],
      results.flatMap((r) =>
        r.calls.map((c) => [
          show(r.name),
          String(c.budget),
          metric(c.tree.ndcg10),
          metric(c.tree.recall100),
          metric(c.root.ndcg10),
          metric(c.root.recall100),
          metric(c.rerank.ndcg10),
          metric(c.rerank.recall100),
          cost(c.tree.calls),
        ]),
      ),
    ),
    '',
  );
  push(`![nDCG@10 vs noise](${imagesRel}/ndcg-vs-noise.svg)`, `![Recall@100 vs noise](${imagesRel}/recall-vs-noise.svg)`, '');
  push(
    markdownTable(
      ['dataset', 'noise ×', 'tree nDCG@10', 'tree R@100', 'from root nDCG@10', 'from root R@100', 'rerank nDCG@10', 'rerank R@100'],
      results.flatMap((r) =>
        r.noise.map((c) => [
          show(r.name),
          String(c.level),
          metric(c.tree.ndcg10),
          metric(c.tree.recall100),
          metric(c.root.ndcg10),
          metric(c.root.recall100),
          metric(c.rerank.ndcg10),
          metric(c.rerank.recall100),
        ]),
      ),
    ),
    '',
  );
  push('## Sweeps: offset spread and miss probability', '');
  push(`nDCG@10 (calibration gain in brackets: calibrated vs raw scores, relative). The default spread is ${p.offsetSpread} points.`, '');
  push(
    markdownTable(
      ['dataset', 'offset spread', 'defaults', 'defaults, calibration off', 'from root', 'root, calibration off', 'flat rerank'],
      results.flatMap((r) =>
        r.offsets.map((o) => [
          show(r.name),
          String(o.spread),
          `${metric(o.rec.ndcg10)} (${pct(rel(o.rec.ndcg10, o.recOff.ndcg10))})`,
          metric(o.recOff.ndcg10),
          `${metric(o.root.ndcg10)} (${pct(rel(o.root.ndcg10, o.rootOff.ndcg10))})`,
          metric(o.rootOff.ndcg10),
          metric(o.rerank.ndcg10),
        ]),
      ),
    ),
    '',
  );
  push(`nDCG@10 / Recall@100 by miss probability of inner nodes (default ${p.missProbability}):`, '');
  push(
    markdownTable(
      ['dataset', 'miss probability', 'defaults', 'from root', 'flat rerank'],
      results.flatMap((r) =>
        r.misses.map((m) => [
          show(r.name),
          String(m.p),
          `${metric(m.rec.ndcg10)} / ${metric(m.rec.recall100)}`,
          `${metric(m.root.ndcg10)} / ${metric(m.root.recall100)}`,
          `${metric(m.rerank.ndcg10)} / ${metric(m.rerank.recall100)}`,
        ]),
      ),
    ),
    '',
  );
  if (run.train) {
    const t = run.train;
    push(`## Tuning queries: the lexical judge on ${show(t.name)} ${t.split}`, '');
    push(
      `The lexical judge's settings were chosen on these ${t.queries} ${t.split} queries. "Extractive summaries alone" is a second index of the same corpus built with \`keywords: ${t.summariesOnlyBuild.keywords}\` (no keyword profiles, so no density either; built in ${t.summariesOnlyBuild.reused ? 'an earlier run' : `${t.summariesOnlyBuild.seconds.toFixed(1)} s`}).`,
      '',
    );
    push(detailTable(t.rows), '');
  }
  push(renderFindings(run), '');
  push(...otherReports(imagesDir));
  return `${lines.join('\n')}\n`;
}

/** Benchmarks that render their own page into docs/benchmarks/ (other scripts), linked when present. */
const OTHER_REPORTS = [
  { heading: 'Real models', file: 'real-models.md', script: 'scripts/bench-real-models.ts', what: 'Real neural embedders, the embedding judge, BM25 and hybrid retrieval' },
  { heading: 'Real LLM', file: 'real-llm.md', script: 'scripts/bench-real-llm.ts', what: 'A small local chat model as judge and summariser' },
];

function otherReports(imagesDir: { abs: string; rel: string }): string[] {
  const lines: string[] = [];
  for (const r of OTHER_REPORTS) {
    if (!fs.existsSync(path.join(imagesDir.abs, r.file))) continue;
    lines.push(`## ${r.heading}`, '', `${r.what}: [${imagesDir.rel}/${r.file}](${imagesDir.rel}/${r.file}), written with its raw figures beside it by \`${r.script}\`.`, '');
    const raw = path.join(imagesDir.abs, r.file.replace(/\.md$/, '.json'));
    if (r.file === 'real-llm.md' && fs.existsSync(raw)) {
      const llm = JSON.parse(fs.readFileSync(raw, 'utf8')) as RealLlmResults;
      if (llm.retrieval) lines.push(`${llm.model}, measured ${llm.measuredAt}. ${retrievalCaption(llm.retrieval)} A model this small is a weak judge: the table shows that the whole path works and what a query costs, not quality (compare the rerank row with BM25's own order of the same documents).`, '', retrievalTable(llm.retrieval), '');
    }
  }
  return lines;
}

export interface RenderOptions {
  json: string;
  out: string;
  images: string;
}

/** The text of BENCHMARKS.md for `run`, with links relative to where `options.out` will be written. */
export function qualityReport(run: QualityRun, options: RenderOptions): string {
  const base = path.dirname(options.out);
  const relative = (to: string) => path.relative(base, to).split(path.sep).join('/') || '.';
  return report(run, relative(options.json), relative(options.images), { abs: options.images, rel: relative(options.images) });
}

/** Reads the run's JSON and writes the report and the charts. */
export function renderQuality(options: RenderOptions): void {
  const run = JSON.parse(fs.readFileSync(options.json, 'utf8')) as QualityRun;
  writeCharts(run, options.images);
  fs.writeFileSync(options.out, qualityReport(run, options));
  process.stderr.write(`wrote ${path.relative(process.cwd(), options.out)} and the charts in ${path.relative(process.cwd(), options.images) || '.'}/\n`);
  for (const g of goals(run.results)) process.stderr.write(`  ${g.met ? 'MET   ' : 'MISSED'} ${g.text}: ${g.detail}\n`);
}

function main(): void {
  const { values } = parseArgs({
    strict: true,
    options: {
      json: { type: 'string', default: path.join(repoRoot, 'docs/benchmarks/quality.json') },
      out: { type: 'string', default: path.join(repoRoot, 'BENCHMARKS.md') },
      images: { type: 'string', default: path.join(repoRoot, 'docs/benchmarks') },
    },
  });
  renderQuality({ json: path.resolve(values.json), out: path.resolve(values.out), images: path.resolve(values.images) });
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main();
