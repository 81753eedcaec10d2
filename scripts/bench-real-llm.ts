/**
 * The real-LLM benchmark: a GGUF model in the process (default SmolLM2-135M-Instruct, fetched by
 * `npm run models -- --with-llm`) as the judge, on SciFact test queries. Three sections:
 * - parse: the share of first answers (and answers after the client's one repair) that parse and
 *   validate, for the default prompt and the small-model prompt, with and without a grammar, on
 *   slates of BM25's top hits;
 * - tokens: input tokens per judge call and per query on the default settings (chars / 4, as a
 *   server bill would be estimated) against cheaper candidate texts, over the slates that searches
 *   of the sample index really make (no model needed);
 * - retrieval: BM25 flat; the tree with the LLM judge under a budget of calls, seeded and from the
 *   root; BM25's top 20 reranked by the same judge at the tree's calls: nDCG@10, calls, tokens,
 *   seconds per call and per query, and the share of slates whose answer failed (fallback).
 * Writes docs/benchmarks/real-llm.json and renders docs/benchmarks/real-llm.md from it.
 * Run: npx tsc -p . && node dist/scripts/bench-real-llm.js [--queries 30] [--parse-slates 8] [--sections parse,tokens,retrieval]
 * (sections can run apart and be combined: --merge a.json,b.json keeps their sections; --render-only re-renders).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildIndex, openIndex, LlmJudge, type Judge, type JudgeCandidate, type JudgeRequest, type JudgeResult, type LatticeIndex } from '../src/index.js';
import {
  JUDGE_ANSWER,
  LlamaCppChat,
  ModelClient,
  bm25System,
  clusterText,
  compactJudgeMessages,
  evaluateSystem,
  loadEvalDataset,
  rerankSystem,
  slateAnswerSchema,
  splitClusterText,
  treeSystem,
  validateJudgeAnswer,
  type EvalDataset,
  type SystemReport,
} from '../src/eval/index.js';
import { datasetsDir, repoRoot } from './synthetic-corpus.js';
import { renderRealLlm, type ParseRow, type RetrievalRow, type Results, type TokenRow } from './real-llm-report.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: path.join(repoRoot, 'models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf') },
    queries: { type: 'string', default: '30' },
    'parse-slates': { type: 'string', default: '8' },
    'parse-slate-size': { type: 'string', default: '8' },
    'default-prompt-slates': { type: 'string', default: '4' },
    budget: { type: 'string', default: '20' },
    'token-queries': { type: 'string', default: '20' },
    sections: { type: 'string', default: 'parse,tokens,retrieval' },
    index: { type: 'string', default: path.join(repoRoot, '.cache/real-llm/scifact.db') },
    'sample-index': { type: 'string', default: path.join(repoRoot, '.cache/real-llm/sample.db') },
    json: { type: 'string', default: path.join(repoRoot, 'docs/benchmarks/real-llm.json') },
    markdown: { type: 'string', default: path.join(repoRoot, 'docs/benchmarks/real-llm.md') },
    'render-only': { type: 'boolean', default: false },
    /** Comma-separated JSON files of earlier runs whose sections this run keeps (sections run here win). */
    merge: { type: 'string', default: '' },
  },
});

const sections = new Set(String(args.sections).split(','));
const modelPath = path.resolve(String(args.model));

async function ensureIndex(file: string, input: string): Promise<void> {
  if (fs.existsSync(file)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  process.stderr.write(`building ${file} from ${input} (local mode)\n`);
  await buildIndex({ input, output: file });
}

function leafCandidate(index: LatticeIndex, docId: string): JudgeCandidate | undefined {
  const node = index.documentNode(docId);
  return node ? { nodeId: node.id, kind: 'leaf', title: node.title, text: node.text, docId } : undefined;
}

// ---------------------------------------------------------------------------
// Parse rates
// ---------------------------------------------------------------------------

async function parseRates(dataset: EvalDataset, index: LatticeIndex, onRow: (rows: ParseRow[]) => void): Promise<ParseRow[]> {
  const slates = Number(args['parse-slates']);
  const size = Number(args['parse-slate-size']);
  // The default prompt as first measured, at 1,500-character candidates (the default then): they
  // need the model's whole 8k context.
  const chat = new LlamaCppChat({ modelPath, sequences: 4, contextSize: 8192, timeoutMs: 1_800_000 });
  const standard = new LlmJudge({ client: new ModelClient({ backend: chat }), model: 'x', fallback: index.lexicalJudge(), maxCandidateChars: 1500 });
  const work = dataset.queries.slice(0, slates).map((q) => ({
    query: q.text,
    candidates: index.bm25Search(q.text, size).map((h) => leafCandidate(index, h.docId)!).filter(Boolean),
  }));
  // The default prompt costs about four times the tokens per call (and its answers run to the token cap): fewer of its slates.
  const defaultSlates = Math.min(work.length, Number(args['default-prompt-slates']));
  const configs = [
    { prompt: 'small-model', grammar: 'slate schema (ids fixed)', mode: 'json_schema' as const, compact: true, slateGrammar: true, slates: work.length },
    { prompt: 'small-model', grammar: 'answer schema', mode: 'json_schema' as const, compact: true, slateGrammar: false, slates: work.length },
    { prompt: 'small-model', grammar: 'none', mode: 'plain' as const, compact: true, slateGrammar: false, slates: work.length },
    { prompt: 'default', grammar: 'answer schema', mode: 'json_schema' as const, compact: false, slateGrammar: false, slates: defaultSlates },
    { prompt: 'default', grammar: 'none', mode: 'plain' as const, compact: false, slateGrammar: false, slates: defaultSlates },
  ];
  const rows: ParseRow[] = [];
  for (const config of configs) {
    // A fresh client per configuration: no cache, the mode pinned, no transport retries.
    const client = new ModelClient({ backend: chat, structuredMode: config.mode, concurrency: 4, maxRetries: 0 });
    let first = 0;
    let repaired = 0;
    let calls = 0;
    const started = performance.now();
    const slice = work.slice(0, config.slates);
    await Promise.all(
      slice.map(async ({ query, candidates }) => {
        const n = candidates.length;
        try {
          const result = await client.chatJson({
            model: path.basename(modelPath),
            messages: config.compact ? compactJudgeMessages(query, candidates) : standard.buildMessages(query, candidates),
            schemaName: JUDGE_ANSWER.name,
            schema: config.slateGrammar ? slateAnswerSchema(n) : JUDGE_ANSWER.jsonSchema,
            validate: (value) => validateJudgeAnswer(value, n),
            temperature: 0,
            maxTokens: 256 + 64 * n,
          });
          if (result.repaired) repaired++;
          else first++;
        } catch (error) {
          if ((error as { code?: string }).code !== 'MODEL_BAD_OUTPUT') throw error;
        }
      }),
    );
    calls = client.usage.calls;
    const seconds = (performance.now() - started) / 1000;
    rows.push({
      prompt: config.prompt,
      grammar: config.grammar,
      slates: slice.length,
      firstValid: first / slice.length,
      afterRepair: (first + repaired) / slice.length,
      inputTokensPerCall: client.usage.inputTokens / Math.max(1, calls),
      outputTokensPerCall: client.usage.outputTokens / Math.max(1, calls),
      // Four calls run at once: wall time per call, what a user waits per slate on average.
      secondsPerCall: (seconds * Math.min(4, slice.length)) / Math.max(1, calls),
    });
    process.stderr.write(`parse: ${config.prompt} / ${config.grammar}: ${first}+${repaired} of ${slice.length}\n`);
    // Each configuration is saved as it finishes, so a long run can be stopped without losing the rest.
    onRow(rows);
  }
  await chat.close();
  return rows;
}

// ---------------------------------------------------------------------------
// Tokens per judge call (no model)
// ---------------------------------------------------------------------------

/** Scores with the lexical judge and keeps every slate it was shown. */
class RecordingJudge implements Judge {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'recording';
  readonly modelId = 'lexical';
  readonly slates: { query: string; candidates: JudgeCandidate[] }[] = [];
  constructor(private readonly inner: Judge) {}
  doJudge(request: JudgeRequest): Promise<JudgeResult> {
    this.slates.push({ query: request.query, candidates: request.candidates });
    return this.inner.doJudge(request);
  }
}

function chars(messages: { content: string }[]): number {
  return messages.reduce((sum, m) => sum + m.content.length, 0);
}

async function tokensPerCall(): Promise<NonNullable<Results['tokens']>> {
  const file = String(args['sample-index']);
  await ensureIndex(file, path.join(repoRoot, 'data/scifact-sample'));
  const index = openIndex(file);
  const sample = loadEvalDataset(path.join(repoRoot, 'data/scifact-sample'), { split: 'train', limit: Number(args['token-queries']) });
  const recorder = new RecordingJudge(index.lexicalJudge());
  for (const q of sample.queries) await index.search(q.text, { judge: recorder });
  const client = new ModelClient({ baseURL: 'http://127.0.0.1:9/v1' });
  const settings = [
    { setting: 'default prompt, 1,500-char candidates (the default before)', build: new LlmJudge({ client, model: 'm', fallback: recorder, maxCandidateChars: 1500 }) },
    { setting: 'default prompt, 800-char candidates (default)', build: new LlmJudge({ client, model: 'm', fallback: recorder }) },
    { setting: 'default prompt, 400-char candidates', build: new LlmJudge({ client, model: 'm', fallback: recorder, maxCandidateChars: 400 }) },
    { setting: 'default prompt, 800-char candidates, clusters: summary + 20 keywords', build: new LlmJudge({ client, model: 'm', fallback: recorder, maxCandidateChars: 800 }), fewerKeywords: 20 },
    { setting: 'small-model prompt, 240-char candidates (llama-cpp)', build: null },
  ];
  // The keywords setting keeps a cluster's whole summary and only its most distinctive keywords.
  const trim = (c: JudgeCandidate, keep: number | undefined): JudgeCandidate => {
    if (keep === undefined || c.kind !== 'inner') return c;
    const { summary, keywords } = splitClusterText(c.text);
    return { ...c, text: clusterText(summary, keywords.slice(0, keep)) };
  };
  const rows: TokenRow[] = [];
  for (const s of settings) {
    let total = 0;
    let candidateChars = 0;
    let candidates = 0;
    for (const recorded of recorder.slates) {
      const slate = { query: recorded.query, candidates: recorded.candidates.map((c) => trim(c, 'fewerKeywords' in s ? s.fewerKeywords : undefined)) };
      const messages = s.build ? s.build.buildMessages(slate.query, slate.candidates) : compactJudgeMessages(slate.query, slate.candidates);
      const all = chars(messages);
      const without = chars(s.build ? s.build.buildMessages(slate.query, slate.candidates.map((c) => ({ ...c, text: '', title: '' }))) : compactJudgeMessages(slate.query, slate.candidates.map((c) => ({ ...c, text: '', title: '' }))));
      total += all;
      candidateChars += all - without;
      candidates += slate.candidates.length;
    }
    const calls = recorder.slates.length;
    rows.push({
      setting: s.setting,
      calls,
      candidatesPerCall: candidates / calls,
      inputTokensPerCall: total / 4 / calls,
      candidateShare: candidateChars / total,
      inputTokensPerQuery: total / 4 / sample.queries.length,
    });
  }
  await index.close();
  return { index: 'data/scifact-sample (local build, defaults)', queries: sample.queries.length, rows };
}

// ---------------------------------------------------------------------------
// Retrieval
// ---------------------------------------------------------------------------

/** Times and counts the LLM judge's slates: fallbacks after a bad answer are parse failures. */
class CountingJudge implements Judge {
  readonly specificationVersion = 'v1' as const;
  readonly provider: string;
  readonly modelId: string;
  calls = 0;
  badOutput = 0;
  fallbackCandidates = 0;
  ms = 0;
  constructor(private readonly inner: Judge) {
    this.provider = inner.provider;
    this.modelId = inner.modelId;
  }
  async doJudge(request: JudgeRequest): Promise<JudgeResult> {
    const started = performance.now();
    const result = await this.inner.doJudge(request);
    this.ms += performance.now() - started;
    this.calls++;
    if (result.degraded) {
      if (result.degraded.code === 'MODEL_BAD_OUTPUT') this.badOutput++;
      this.fallbackCandidates += result.degraded.candidates;
    }
    return result;
  }
  reset(): void {
    this.calls = this.badOutput = this.fallbackCandidates = this.ms = 0;
  }
}

function row(report: SystemReport, judge: CountingJudge | undefined): RetrievalRow {
  const totalSeconds = report.perQuery.length > 0 ? (report.totalMs.mean * report.queries) / 1000 : 0;
  return {
    system: report.name,
    queries: report.queries,
    ndcg10: report.ndcg10,
    callsPerQuery: report.calls,
    inputTokensPerQuery: report.inputTokens,
    outputTokensPerQuery: report.outputTokens,
    secondsPerCall: judge && judge.calls > 0 ? judge.ms / 1000 / judge.calls : 0,
    secondsPerQuery: totalSeconds / Math.max(1, report.queries),
    parseFailureRate: judge && judge.calls > 0 ? judge.badOutput / judge.calls : 0,
    fallbackCandidates: judge ? judge.fallbackCandidates / Math.max(1, report.queries) : 0,
  };
}

async function retrieval(dataset: EvalDataset): Promise<NonNullable<Results['retrieval']>> {
  const budget = Number(args.budget);
  const index = openIndex(String(args.index), { model: modelPath, concurrency: 4 });
  const judge = new CountingJudge(await index.judge('llm'));
  const rows: RetrievalRow[] = [];
  rows.push(row(await evaluateSystem(bm25System(index), dataset), undefined));

  const seeded = await evaluateSystem(treeSystem(index, { name: `tree, LLM judge, ${budget} calls, seeded`, judge, search: { budget: { calls: budget } } }), dataset, { onProgress: progress('seeded') });
  rows.push(row(seeded, judge));
  judge.reset();
  const root = await evaluateSystem(treeSystem(index, { name: `tree, LLM judge, ${budget} calls, from the root`, judge, search: { budget: { calls: budget }, seedWith: false } }), dataset, { onProgress: progress('root') });
  rows.push(row(root, judge));
  judge.reset();
  const callsOf = new Map(seeded.perQuery.map((q) => [q.id, q.calls]));
  const rerank = await evaluateSystem(
    rerankSystem(index, {
      name: 'BM25 top 20 reranked by the LLM judge, the seeded tree\'s calls',
      judge,
      calls: (id) => callsOf.get(id) ?? budget,
      slateSize: Math.max(2, Math.round(seeded.slateSize || 10)),
      depth: 20,
    }),
    dataset,
    { onProgress: progress('rerank') },
  );
  rows.push(row(rerank, judge));
  await index.close();
  return { index: 'SciFact corpus (5,183 abstracts; local build, defaults)', budget, rows };
}

function progress(label: string) {
  return (e: { done?: number; total?: number }): void => {
    if (e.done !== undefined) process.stderr.write(`\r${label}: ${e.done}/${e.total ?? '?'}   `);
  };
}

function save(results: Results): void {
  const jsonFile = String(args.json);
  fs.mkdirSync(path.dirname(jsonFile), { recursive: true });
  fs.writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
}

async function main(): Promise<void> {
  const jsonFile = String(args.json);
  let results: Results;
  if (args['render-only']) {
    results = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as Results;
  } else {
    const earlier = [jsonFile, ...String(args.merge).split(',').filter(Boolean)].filter((f) => fs.existsSync(f));
    const previous: Partial<Results> = Object.assign({}, ...earlier.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as Results));
    results = {
      ...previous,
      model: path.basename(modelPath),
      // Timings depend on what else runs: the load at the start of each run is recorded with it.
      machine: [previous.machine, `${sections.size === 3 ? 'all sections' : [...sections].join(' + ')}: ${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} cores, load average ${os.loadavg()[0]!.toFixed(1)} at the start`]
        .filter(Boolean)
        .join('; '),
      measuredAt: new Date().toISOString().slice(0, 10),
    };
    const scifact = path.join(datasetsDir, 'scifact');
    const dataset = loadEvalDataset(scifact, { split: 'test', limit: Number(args.queries) });
    if (sections.has('tokens')) results.tokens = await tokensPerCall();
    if (sections.has('parse') || sections.has('retrieval')) await ensureIndex(String(args.index), scifact);
    if (sections.has('parse')) {
      const index = openIndex(String(args.index));
      results.parse = await parseRates(dataset, index, (rows) => save({ ...results, parse: rows }));
      await index.close();
    }
    if (sections.has('retrieval')) results.retrieval = await retrieval(dataset);
    save(results);
  }
  const page = renderRealLlm(results, { parseSlateSize: Number(args['parse-slate-size']), queries: Number(args.queries) });
  fs.writeFileSync(String(args.markdown), page);
  process.stdout.write(page);
}

await main();
