/**
 * The in-house BM25 (src/core/lexical/bm25.ts, Lucene's scoring) side by side with a well-kept
 * npm package, wink-bm25-text-search, on SciFact: build and query time, nDCG@10 on the test
 * queries, and how far the two rankings agree. Both engines get the same analysis (lattice's
 * tokenizer: Lucene's English stop words and the Porter stemmer) and the same k1 and b, so what
 * differs is the scoring arithmetic: exact term scores with ties by document id here, term
 * scores rounded to 4 decimals with ties in insertion order there (both use Lucene's idf).
 * Timings are medians of --runs builds and query passes; the tokenizer's word cache is warm
 * for both engines after the first run.
 * Also counts where the npm `stemmer` package stems differently from ours on all four corpora
 * (why src/core/text/porter-stemmer.ts stays in-house).
 * Run: npx tsc -p . && node dist/scripts/bench-bm25.js [--dataset scifact] [--runs 3] [--json docs/benchmarks/bm25.json]
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stemmer } from 'stemmer';
import { BM25_DEFAULTS, Bm25Index, evaluateRankings, loadQrels, loadQueries, median, porterStem, tokenize } from '../src/eval/index.js';
import { datasetsDir, repoRoot } from './synthetic-corpus.js';

/** The part of wink-bm25-text-search's engine this benchmark uses (the package ships no types). */
interface WinkEngine {
  defineConfig(config: { fldWeights: Record<string, number>; bm25Params: { k1: number; b: number; k: number } }): void;
  definePrepTasks(tasks: ((input: string) => string[])[]): void;
  addDoc(doc: Record<string, string>, id: string): void;
  consolidate(precision?: number): void;
  search(text: string, limit: number): [string, number][];
}
const winkBm25 = createRequire(import.meta.url)('wink-bm25-text-search') as () => WinkEngine;

interface Doc {
  id: string;
  text: string;
}

const { values } = parseArgs({
  args: process.argv.slice(2),
  strict: true,
  options: {
    dataset: { type: 'string', default: 'scifact' },
    runs: { type: 'string', default: '3' },
    json: { type: 'string', default: path.join(repoRoot, 'docs/benchmarks/bm25.json') },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number >= 1, got ${values.runs}`);
const dir = path.join(datasetsDir, values.dataset);

function readJsonl(file: string): Record<string, unknown>[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const text = (d: Record<string, unknown>): string => {
  const title = typeof d['title'] === 'string' ? d['title'] : '';
  const body = typeof d['text'] === 'string' ? d['text'] : '';
  return title ? `${title} ${body}` : body;
};
const docs: Doc[] = readJsonl(path.join(dir, 'corpus.jsonl')).map((d) => ({ id: String(d['_id']), text: text(d) }));
const queries = loadQueries(path.join(dir, 'queries.jsonl'));
const qrels = loadQrels(path.join(dir, 'qrels', 'test.tsv'));
const queryIds = [...qrels.keys()].filter((q) => queries.has(q));
const K = 10;

/** Median wall time of `runs` calls, in ms, and the last call's result. */
function timed<T>(fn: () => T): { ms: number; value: T } {
  const times: number[] = [];
  let value: T | undefined;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    value = fn();
    times.push(performance.now() - t0);
  }
  return { ms: median(times), value: value! };
}

const own = timed(() => Bm25Index.build(docs));
const wink = timed(() => {
  const engine = winkBm25();
  engine.defineConfig({ fldWeights: { body: 1 }, bm25Params: { k1: BM25_DEFAULTS.k1, b: BM25_DEFAULTS.b, k: 1 } });
  engine.definePrepTasks([(input) => tokenize(input)]);
  for (const d of docs) engine.addDoc({ body: d.text }, d.id);
  engine.consolidate();
  return engine;
});

const ownSearch = timed(() => new Map(queryIds.map((q) => [q, own.value.search(queries.get(q)!, K).map((h) => h.id)])));
const winkSearch = timed(() => new Map(queryIds.map((q) => [q, wink.value.search(queries.get(q)!, K).map(([id]) => id)])));

const ownMetrics = evaluateRankings(ownSearch.value, qrels, K);
const winkMetrics = evaluateRankings(winkSearch.value, qrels, K);
let overlap = 0;
let sameOrder = 0;
let sameTop1 = 0;
for (const q of queryIds) {
  const a = ownSearch.value.get(q)!;
  const b = winkSearch.value.get(q)!;
  const inB = new Set(b);
  overlap += a.filter((id) => inB.has(id)).length / Math.max(1, Math.min(K, a.length, b.length));
  if (a.length === b.length && a.every((id, i) => id === b[i])) sameOrder++;
  if (a[0] === b[0]) sameTop1++;
}
const agreement = { queries: queryIds.length, meanOverlapAt10: overlap / queryIds.length, identicalTop10: sameOrder, identicalTop1: sameTop1 };

// Stemmer: distinct words (and their occurrences) the two stemmers stem differently, per corpus.
const stemming = ['scifact', 'npl', 'cranfield', 'cisi'].flatMap((name) => {
  const corpusFile = path.join(datasetsDir, name, 'corpus.jsonl');
  if (!fs.existsSync(corpusFile)) return [];
  const counts = new Map<string, number>();
  for (const file of [corpusFile, path.join(datasetsDir, name, 'queries.jsonl')]) {
    for (const d of readJsonl(file)) for (const w of tokenize(text(d), { stem: false })) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  const words = [...counts.keys()];
  const differ = words.filter((w) => porterStem(w) !== stemmer(w));
  const ownMs = timed(() => words.forEach((w) => porterStem(w))).ms;
  const libMs = timed(() => words.forEach((w) => stemmer(w))).ms;
  return [
    {
      corpus: name,
      distinctWords: words.length,
      occurrences: [...counts.values()].reduce((a, b) => a + b, 0),
      differ: differ.map((w) => ({ word: w, own: porterStem(w), stemmer: stemmer(w), occurrences: counts.get(w)! })),
      ownMs,
      stemmerMs: libMs,
    },
  ];
});

const f4 = (x: number): string => x.toFixed(4);
const ms = (x: number): string => `${x.toFixed(0)} ms`;
console.log(`BM25 on ${values.dataset}: ${docs.length} documents, ${queryIds.length} test queries, k1 ${BM25_DEFAULTS.k1}, b ${BM25_DEFAULTS.b}, median of ${runs} runs`);
console.log(`  lattice  build ${ms(own.ms)}, ${queryIds.length} queries ${ms(ownSearch.ms)}, nDCG@10 ${f4(ownMetrics.ndcg)}, R@10 ${f4(ownMetrics.recall)}`);
console.log(`  wink     build ${ms(wink.ms)}, ${queryIds.length} queries ${ms(winkSearch.ms)}, nDCG@10 ${f4(winkMetrics.ndcg)}, R@10 ${f4(winkMetrics.recall)}`);
console.log(
  `  agreement: mean top-10 overlap ${f4(agreement.meanOverlapAt10)}, identical top-10 ${agreement.identicalTop10}/${agreement.queries}, ` +
    `identical top-1 ${agreement.identicalTop1}/${agreement.queries}`,
);
for (const s of stemming) {
  const shown = s.differ.map((d) => `${d.word}: ${d.own} vs ${d.stemmer} (${d.occurrences}×)`).join(', ') || 'none';
  console.log(`stemmer on ${s.corpus}: ${s.distinctWords} distinct words, ${s.differ.length} stemmed differently (${shown}); own ${ms(s.ownMs)}, stemmer ${ms(s.stemmerMs)}`);
}

const report = {
  generatedBy: 'scripts/bench-bm25.ts',
  machine: { cores: os.cpus().length, node: process.version },
  settings: { dataset: values.dataset, runs, k: K, k1: BM25_DEFAULTS.k1, b: BM25_DEFAULTS.b },
  documents: docs.length,
  lattice: { buildMs: own.ms, queriesMs: ownSearch.ms, ndcgAt10: ownMetrics.ndcg, recallAt10: ownMetrics.recall, mrrAt10: ownMetrics.mrr },
  wink: { package: 'wink-bm25-text-search', buildMs: wink.ms, queriesMs: winkSearch.ms, ndcgAt10: winkMetrics.ndcg, recallAt10: winkMetrics.recall, mrrAt10: winkMetrics.mrr },
  agreement,
  stemming,
};
fs.mkdirSync(path.dirname(values.json), { recursive: true });
fs.writeFileSync(values.json, `${JSON.stringify(report, null, 1)}\n`);
console.log(`wrote ${path.relative(process.cwd(), values.json)}`);
