/**
 * The quality benchmark behind BENCHMARKS.md, on the test judgments of SciFact, NPL, Cranfield and CISI:
 * flat BM25 and dense; the tree in local mode (lexical judge), alone and fused; the tree with the
 * simulated judge (defaults, from the root, reference settings) and its ablations; flat BM25 reranked by the same
 * judge at equal calls; curves against calls and noise; sweeps over offset spread and miss probability;
 * and the lexical judge on SciFact train, the queries its settings were chosen on.
 * This script only runs: it writes the raw figures to docs/benchmarks/quality.json, then
 * scripts/render-quality.ts turns them into BENCHMARKS.md and the charts (`--no-render` skips that).
 * Run: npx tsc -p . && node dist/scripts/bench-quality.js [--datasets scifact,npl,cranfield,cisi]
 *      [--json docs/benchmarks/quality.json] [--work .tmp/bench-quality] [--reuse] [--limit N] [--train scifact]
 *      [--no-render] [--out BENCHMARKS.md] [--images docs/benchmarks]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  buildIndex,
  DEFAULT_BUILD_OPTIONS,
  DEFAULT_SEARCH_OPTIONS,
  DEFAULT_SEED_WITH,
  DEFAULT_FUSION,
  LexicalJudge,
  openIndex,
  type IndexSearchOptions,
  type Judge,
  type LatticeIndex,
} from '../src/index.js';
import {
  BM25_DEFAULTS,
  Bm25Index,
  bm25System,
  cost,
  DEFAULT_SIMULATED_JUDGE_PARAMS,
  denseSystem,
  evaluateSystem,
  FLAT_DEPTH,
  LEXICAL_JUDGE_DENSITY,
  loadEvalDataset,
  median,
  metric,
  rerankSystem,
  simulatedJudgeFor,
  treeSystem,
  type EvalDataset,
  type SimulatedJudgeParams,
  type SystemReport,
} from '../src/eval/index.js';
import { figuresOf, type DatasetResult, type QualityRun, type RootSlateSpread, type SystemRow, type TrainResult } from './quality-results.js';
import { renderQuality } from './render-quality.js';
import { datasetsDir, repoRoot } from './synthetic-corpus.js';

/**
 * The search defaults (measured on SciFact train): seeded with BM25's top 20 (DEFAULT_SEED_WITH), alpha 0.7,
 * per-slate scale and offset calibration, 5 anchors per inner slate, leaves ranked by calibrated score.
 */
const DEFAULTS: IndexSearchOptions = Object.freeze({});
/** The defaults without seeding: the search starts at the root, as in the paper. */
const FROM_ROOT: IndexSearchOptions = Object.freeze({ seedWith: false });
/**
 * The paper and reference code's settings: from the root, alpha 0.5, leaves ranked by path relevance,
 * offset-only calibration, one anchor (the parent) per inner slate.
 */
const REFERENCE: IndexSearchOptions = Object.freeze({ seedWith: false, alpha: 0.5, finalScore: 'path', calibration: 'offset', innerAnchors: 1 });

const CALL_BUDGETS = [5, 10, 20, 40, 80];
const NOISE_LEVELS = [0, 0.5, 1, 1.5, 2];
const OFFSET_SPREADS = [0, 7.5, 15, 30, 50];
const MISS_PROBABILITIES = [0, 0.1, 0.2, 0.4];
const BEAMS = [1, 2, 4];
/** Equal-call budget of the beam ablation (the default search spends 40: 1 + 19 × 2, plus the seed slate). */
const BEAM_CALLS = 40;

interface Args {
  datasets: string[];
  json: string;
  work: string;
  reuse: boolean;
  limit?: number;
  /** Dataset whose train split gets the lexical-judge tuning run; '' for none. */
  train: string;
  render: boolean;
  out: string;
  images: string;
}

function readArgs(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      datasets: { type: 'string', default: 'scifact,npl,cranfield,cisi' },
      json: { type: 'string', default: path.join(repoRoot, 'docs/benchmarks/quality.json') },
      work: { type: 'string', default: path.join(repoRoot, '.tmp/bench-quality') },
      reuse: { type: 'boolean', default: false },
      limit: { type: 'string' },
      train: { type: 'string', default: 'scifact' },
      'no-render': { type: 'boolean', default: false },
      out: { type: 'string', default: path.join(repoRoot, 'BENCHMARKS.md') },
      images: { type: 'string', default: path.join(repoRoot, 'docs/benchmarks') },
    },
  });
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new Error(`--limit must be a positive integer, got ${values.limit}`);
  return {
    datasets: values.datasets.split(',').map((s) => s.trim()).filter(Boolean),
    json: path.resolve(values.json),
    work: path.resolve(values.work),
    reuse: values.reuse,
    ...(limit === undefined ? {} : { limit }),
    train: values.train.trim(),
    render: !values['no-render'],
    out: path.resolve(values.out),
    images: path.resolve(values.images),
  };
}

const log = (text: string) => process.stderr.write(`${text}\n`);

async function ensureIndex(file: string, input: string, reuse: boolean, keywords?: number): Promise<{ seconds: number; reused: boolean }> {
  const started = performance.now();
  if (reuse && fs.existsSync(file)) return { seconds: 0, reused: true };
  await buildIndex({
    input,
    output: file,
    force: true,
    // Cranfield has two empty documents; they are skipped and listed, as a user would.
    skipBad: true,
    ...(keywords === undefined ? {} : { keywords }),
  });
  return { seconds: (performance.now() - started) / 1000, reused: false };
}

/** Cluster nodes per level below the root, walking the tree the search walks. */
function clustersPerLevel(index: LatticeIndex): number[] {
  const counts: number[] = [];
  let level = index.children(index.root().id).filter((n) => n.kind === 'cluster');
  while (level.length > 0) {
    counts.push(level.length);
    level = level.flatMap((n) => index.children(n.id)).filter((n) => n.kind === 'cluster');
  }
  return counts;
}

/**
 * The lexical judge without keyword counts: inner nodes score by presence of the query terms
 * alone, as before density scoring. Same corpus statistics as the index's own lexical judge.
 */
function presenceJudge(index: LatticeIndex): LexicalJudge {
  const blob = index.sqliteStore().getBlob('bm25');
  if (!blob) throw new Error(`${index.file} has no stored BM25 statistics; rebuild it with --force`);
  return new LexicalJudge(Bm25Index.deserialize(blob).stats());
}

/** How far apart a judge puts the root's children, per query: the lowest and highest score, as medians. */
async function rootSlateSpread(index: LatticeIndex, dataset: EvalDataset): Promise<RootSlateSpread> {
  const candidates = index.children(index.root().id).map((n) => ({
    nodeId: n.id,
    kind: n.kind === 'cluster' ? ('inner' as const) : ('leaf' as const),
    title: n.title,
    text: n.text,
  }));
  const spread = async (judge: Judge) => {
    const lows: number[] = [];
    const highs: number[] = [];
    for (const q of dataset.queries) {
      const { scores } = await judge.doJudge({ query: q.text, queryId: q.id, candidates });
      lows.push(Math.min(...scores));
      highs.push(Math.max(...scores));
    }
    return { low: median(lows), high: median(highs) };
  };
  return { presence: await spread(presenceJudge(index)), mixed: await spread(index.lexicalJudge()) };
}

function scaledNoise(level: number): SimulatedJudgeParams {
  return { leafNoise: DEFAULT_SIMULATED_JUDGE_PARAMS.leafNoise * level, innerNoise: DEFAULT_SIMULATED_JUDGE_PARAMS.innerNoise * level };
}

const timed = async (label: string, run: () => Promise<SystemReport>): Promise<SystemReport> => {
  const t = performance.now();
  const report = await run();
  log(`  ${label.padEnd(58)} nDCG@10 ${metric(report.ndcg10)}  R@100 ${metric(report.recall100)}  calls ${cost(report.calls)}  (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  return report;
};

async function runDataset(name: string, args: Args): Promise<DatasetResult> {
  const started = performance.now();
  log(`\n== ${name}: index`);
  const file = path.join(args.work, `${name}.db`);
  const built = await ensureIndex(file, path.join(datasetsDir, name), args.reuse);
  const dataset = loadEvalDataset(path.join(datasetsDir, name), { split: 'test', ...(args.limit ? { limit: args.limit } : {}) });
  const index = openIndex(file);
  try {
    const stats = index.stats();
    const build = { ...built, documents: stats.documents, nodes: stats.nodes, depth: stats.depth, fanOut: stats.fanOut, clustersPerLevel: clustersPerLevel(index) };
    const main: SystemRow[] = [];
    const reports = new Map<string, SystemReport>();
    const add = async (key: string, label: string, run: () => Promise<SystemReport>) => {
      const report = await timed(label, run);
      reports.set(key, report);
      main.push({ key, label, report: figuresOf(report) });
    };
    const tree = (judge: Parameters<typeof treeSystem>[1]['judge'], search: IndexSearchOptions, label: string) =>
      evaluateSystem(treeSystem(index, { name: label, judge, search }), dataset);
    const sim = (params: SimulatedJudgeParams = {}) => simulatedJudgeFor(index, dataset.qrels, params);
    const rerankAt = (judge: ReturnType<typeof sim>, of: SystemReport, slateSize: number, label: string) => {
      const calls = new Map(of.perQuery.map((q) => [q.id, q.calls]));
      return evaluateSystem(rerankSystem(index, { name: label, judge, calls: (id) => calls.get(id) ?? 0, slateSize }), dataset);
    };

    log(`== ${name}: ${dataset.queries.length} test queries`);
    // 1. Flat baselines.
    await add('bm25', 'BM25 flat', () => evaluateSystem(bm25System(index), dataset));
    await add('dense', 'dense flat (local LSA embedder)', () => evaluateSystem(denseSystem(index), dataset));
    // 2. Local mode: lexical judge, alone and fused with BM25 (reciprocal rank), and by presence alone.
    const lexical = index.lexicalJudge();
    const presence = presenceJudge(index);
    await add('lex-root', 'tree, lexical judge, from the root', () => tree(lexical, FROM_ROOT, 'lex-root'));
    await add('lex-root-fused', '  same, fused with BM25 flat (RRF)', () => tree(lexical, { ...FROM_ROOT, fusion: 'bm25' }, 'lex-root-fused'));
    await add('lex-root-presence', '  same, inner nodes by term presence alone (no density)', () => tree(presence, FROM_ROOT, 'lex-root-presence'));
    await add('lex-rec', 'tree, lexical judge, defaults (seeded)', () => tree(lexical, DEFAULTS, 'lex-rec'));
    await add('lex-rec-fused', '  same, fused with BM25 flat (RRF)', () => tree(lexical, { ...DEFAULTS, fusion: 'bm25' }, 'lex-rec-fused'));
    await add('lex-rec-presence', '  same, inner nodes by term presence alone (no density)', () => tree(presence, DEFAULTS, 'lex-rec-presence'));
    // 3. Simulated judge, full LATTICE.
    const judge = sim();
    await add('sim-ref', 'LATTICE, simulated judge, reference settings (paper)', () => tree(judge, REFERENCE, 'sim-ref'));
    await add('sim-root', 'LATTICE, simulated judge, from the root', () => tree(judge, FROM_ROOT, 'sim-root'));
    await add('sim-rec', 'LATTICE, simulated judge, defaults (seeded)', () => tree(judge, DEFAULTS, 'sim-rec'));
    await add('sim-rec-fused', '  same, fused with BM25 flat (RRF)', () => tree(judge, { ...DEFAULTS, fusion: 'bm25' }, 'sim-rec-fused'));
    await add('sim-rec-append', '  same, BM25 flat fills the tail (append, min score 0.2)', () =>
      tree(judge, { ...DEFAULTS, fusion: 'bm25', fusionMethod: 'append', fusionMinScore: 0.2 }, 'sim-rec-append'),
    );
    const rec = reports.get('sim-rec')!;
    const root = reports.get('sim-root')!;
    // 4. Ablations with the same judge.
    await add('abl-cal-off', '  defaults, calibration off (raw scores)', () => tree(judge, { ...DEFAULTS, calibration: 'none' }, 'abl-cal-off'));
    await add('abl-cal-offset', '  defaults, offset-only calibration (reference model)', () =>
      tree(judge, { ...DEFAULTS, calibration: 'offset' }, 'abl-cal-offset'),
    );
    await add('abl-anchors-1', '  defaults, one anchor per inner slate', () => tree(judge, { ...DEFAULTS, innerAnchors: 1 }, 'abl-anchors-1'));
    await add('abl-path-off', '  defaults, path relevance off', () => tree(judge, { ...DEFAULTS, pathRelevance: false }, 'abl-path-off'));
    await add('abl-raw-frontier', '  defaults, raw-score frontier (reference code)', () =>
      tree(judge, { ...DEFAULTS, frontierScores: 'raw' }, 'abl-raw-frontier'),
    );
    for (const beam of BEAMS) {
      await add(`abl-beam-${beam}`, `  defaults, beam ${beam} (${BEAM_CALLS} calls)`, () =>
        tree(judge, { ...DEFAULTS, beamSize: beam, iterations: 500, budget: { calls: BEAM_CALLS } }, `abl-beam-${beam}`),
      );
    }
    await add('root-cal-off', '  from the root, calibration off', () => tree(judge, { ...FROM_ROOT, calibration: 'none' }, 'root-cal-off'));
    await add('root-path-off', '  from the root, path relevance off', () => tree(judge, { ...FROM_ROOT, pathRelevance: false }, 'root-path-off'));
    // 5. Flat BM25 reranked by the same judge, slates of the tree's mean size, the tree's calls per query.
    const rerankSlate = Math.max(2, Math.round(rec.slateSize));
    await add('rerank-rec', `BM25 flat reranked by the simulated judge, at the defaults' calls`, () => rerankAt(judge, rec, rerankSlate, 'rerank-rec'));
    await add('rerank-root', `BM25 flat reranked by the simulated judge, at from-root's calls`, () =>
      rerankAt(judge, root, Math.max(2, Math.round(root.slateSize)), 'rerank-root'),
    );

    // 6. Curves: judge calls per query, and noise level.
    const calls: DatasetResult['calls'] = [];
    for (const budget of CALL_BUDGETS) {
      const budgetOpts = { iterations: 500, budget: { calls: budget } };
      const t = await timed(`calls ${budget}: defaults`, () => tree(judge, { ...DEFAULTS, ...budgetOpts }, `calls-${budget}`));
      const r = await timed(`calls ${budget}: from the root`, () => tree(judge, { ...FROM_ROOT, ...budgetOpts }, `calls-root-${budget}`));
      const f = await timed(`calls ${budget}: flat rerank`, () =>
        evaluateSystem(rerankSystem(index, { name: `rerank-${budget}`, judge, calls: budget, slateSize: rerankSlate }), dataset),
      );
      calls.push({ budget, tree: figuresOf(t), root: figuresOf(r), rerank: figuresOf(f) });
    }
    const noise: DatasetResult['noise'] = [];
    for (const level of NOISE_LEVELS) {
      const noisy = sim(scaledNoise(level));
      const t = await timed(`noise x${level}: defaults`, () => tree(noisy, DEFAULTS, `noise-${level}`));
      const r = await timed(`noise x${level}: from the root`, () => tree(noisy, FROM_ROOT, `noise-root-${level}`));
      const f = await timed(`noise x${level}: flat rerank`, () => rerankAt(noisy, t, rerankSlate, `noise-rerank-${level}`));
      noise.push({ level, tree: figuresOf(t), root: figuresOf(r), rerank: figuresOf(f) });
    }
    // 7. Sweeps over the judge's offset spread and miss probability.
    const offsets: DatasetResult['offsets'] = [];
    for (const spread of OFFSET_SPREADS) {
      const j = sim({ offsetSpread: spread });
      const recJ = await timed(`offset ${spread}: defaults`, () => tree(j, DEFAULTS, `off-${spread}`));
      const recOff = await timed(`offset ${spread}: defaults, calibration off`, () => tree(j, { ...DEFAULTS, calibration: 'none' }, `off-nc-${spread}`));
      const rootJ = await timed(`offset ${spread}: from the root`, () => tree(j, FROM_ROOT, `off-root-${spread}`));
      const rootOff = await timed(`offset ${spread}: from the root, calibration off`, () =>
        tree(j, { ...FROM_ROOT, calibration: 'none' }, `off-root-nc-${spread}`),
      );
      const rr = await timed(`offset ${spread}: flat rerank`, () => rerankAt(j, recJ, rerankSlate, `off-rerank-${spread}`));
      offsets.push({ spread, rec: figuresOf(recJ), recOff: figuresOf(recOff), root: figuresOf(rootJ), rootOff: figuresOf(rootOff), rerank: figuresOf(rr) });
    }
    const misses: DatasetResult['misses'] = [];
    for (const p of MISS_PROBABILITIES) {
      const j = sim({ missProbability: p });
      const recJ = await timed(`miss ${p}: defaults`, () => tree(j, DEFAULTS, `miss-${p}`));
      const rootJ = await timed(`miss ${p}: from the root`, () => tree(j, FROM_ROOT, `miss-root-${p}`));
      const rr = await timed(`miss ${p}: flat rerank`, () => rerankAt(j, recJ, rerankSlate, `miss-rerank-${p}`));
      misses.push({ p, rec: figuresOf(recJ), root: figuresOf(rootJ), rerank: figuresOf(rr) });
    }
    const rootSlate = await rootSlateSpread(index, dataset);
    const summary = { queries: dataset.queries.length, skippedUnjudged: dataset.skippedUnjudged, relevantPairs: dataset.relevantPairs };
    return { name, dataset: summary, build, main, calls, noise, offsets, misses, rootSlate, rerankSlate, seconds: (performance.now() - started) / 1000 };
  } finally {
    index.close();
  }
}

/**
 * The lexical judge on the train split, where its settings were chosen: with keyword profiles and
 * density (the default), by presence alone, and on an index without profiles (summaries alone).
 */
async function runTrain(name: string, args: Args): Promise<TrainResult> {
  log(`\n== ${name} train: lexical judge`);
  const input = path.join(datasetsDir, name);
  const withProfiles = path.join(args.work, `${name}.db`);
  await ensureIndex(withProfiles, input, true);
  const noProfilesFile = path.join(args.work, `${name}-keywords-0.db`);
  const noProfilesBuild = await ensureIndex(noProfilesFile, input, args.reuse, 0);
  const dataset = loadEvalDataset(input, { split: 'train', ...(args.limit ? { limit: args.limit } : {}) });
  const index = openIndex(withProfiles);
  const bare = openIndex(noProfilesFile);
  try {
    const rows: SystemRow[] = [];
    const add = async (key: string, label: string, on: LatticeIndex, judge: Judge, search: IndexSearchOptions) => {
      const report = await timed(label, () => evaluateSystem(treeSystem(on, { name: key, judge, search }), dataset));
      rows.push({ key, label, report: figuresOf(report) });
    };
    for (const [where, search] of [
      ['root', FROM_ROOT],
      ['rec', DEFAULTS],
    ] as const) {
      const label = where === 'root' ? 'from the root' : 'defaults (seeded)';
      await add(`${where}-mixed`, `lexical judge, ${label}: presence and density (default)`, index, index.lexicalJudge(), search);
      await add(`${where}-presence`, `  presence alone`, index, presenceJudge(index), search);
      await add(`${where}-summaries`, `  extractive summaries alone (index without keyword profiles)`, bare, bare.lexicalJudge(), search);
    }
    return { name, split: 'train', queries: dataset.queries.length, summariesOnlyBuild: { ...noProfilesBuild, keywords: 0 }, rows };
  } finally {
    index.close();
    bare.close();
  }
}

/** The commit being measured, when the repository and git are there. */
function sourceOf(): { source?: QualityRun['source'] } {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
    return { source: { commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain', '--untracked-files=no') !== '' } };
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  const args = readArgs(process.argv.slice(2));
  for (const name of [...args.datasets, ...(args.train ? [args.train] : [])]) {
    if (!fs.existsSync(path.join(datasetsDir, name, 'corpus.jsonl'))) throw new Error(`no dataset "${name}" under ${datasetsDir}`);
  }
  if (args.train && !args.datasets.includes(args.train)) throw new Error(`--train ${args.train} needs ${args.train} among --datasets (it reuses that index)`);
  fs.mkdirSync(args.work, { recursive: true });
  const started = performance.now();
  const results: DatasetResult[] = [];
  for (const name of args.datasets) results.push(await runDataset(name, args));
  const train = args.train ? await runTrain(args.train, args) : undefined;
  const p = DEFAULT_SIMULATED_JUDGE_PARAMS;
  const run: QualityRun = {
    generatedBy: 'scripts/bench-quality.ts',
    ...sourceOf(),
    machine: { cores: os.cpus().length, node: process.version, loadAverage: os.loadavg() },
    totalSeconds: (performance.now() - started) / 1000,
    args: { datasets: args.datasets, ...(args.limit ? { limit: args.limit } : {}) },
    settings: {
      search: { ...DEFAULT_SEARCH_OPTIONS },
      seedWith: { ...DEFAULT_SEED_WITH },
      fusion: { ...DEFAULT_FUSION },
      simulatedJudge: {
        seed: p.seed,
        missProbability: p.missProbability,
        scaleMin: p.scaleMin,
        scaleMax: p.scaleMax,
        offsetSpread: p.offsetSpread,
        leafNoise: p.leafNoise,
        innerNoise: p.innerNoise,
      },
      build: {
        branching: DEFAULT_BUILD_OPTIONS.branching,
        dimensions: DEFAULT_BUILD_OPTIONS.dimensions,
        keywords: DEFAULT_BUILD_OPTIONS.keywords,
        seed: DEFAULT_BUILD_OPTIONS.seed,
      },
      bm25: { ...BM25_DEFAULTS },
      flatDepth: FLAT_DEPTH,
      lexicalDensity: { ...LEXICAL_JUDGE_DENSITY },
      callBudgets: CALL_BUDGETS,
      noiseLevels: NOISE_LEVELS,
      offsetSpreads: OFFSET_SPREADS,
      missProbabilities: MISS_PROBABILITIES,
      beams: BEAMS,
      beamCalls: BEAM_CALLS,
    },
    results,
    ...(train ? { train } : {}),
  };
  fs.mkdirSync(path.dirname(args.json), { recursive: true });
  fs.writeFileSync(args.json, `${JSON.stringify(run, null, 1)}\n`);
  log(`\nwrote ${path.relative(process.cwd(), args.json)} in ${(run.totalSeconds / 60).toFixed(1)} min`);
  if (args.render) renderQuality({ json: args.json, out: args.out, images: args.images });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
