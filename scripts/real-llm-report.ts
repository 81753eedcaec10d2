/**
 * The report of scripts/bench-real-llm.ts: its raw figures' types and docs/benchmarks/real-llm.md,
 * apart from the benchmark so that render-quality.ts can show the retrieval table in BENCHMARKS.md.
 */
import { markdownTable } from '../src/eval/index.js';

export interface ParseRow {
  prompt: string;
  grammar: string;
  slates: number;
  firstValid: number;
  afterRepair: number;
  inputTokensPerCall: number;
  outputTokensPerCall: number;
  secondsPerCall: number;
}

export interface TokenRow {
  setting: string;
  calls: number;
  candidatesPerCall: number;
  inputTokensPerCall: number;
  candidateShare: number;
  inputTokensPerQuery: number;
}

export interface RetrievalRow {
  system: string;
  queries: number;
  ndcg10: number;
  callsPerQuery: number;
  inputTokensPerQuery: number;
  outputTokensPerQuery: number;
  secondsPerCall: number;
  secondsPerQuery: number;
  parseFailureRate: number;
  fallbackCandidates: number;
}

export interface Results {
  model: string;
  machine: string;
  measuredAt: string;
  parse?: ParseRow[];
  tokens?: { index: string; queries: number; rows: TokenRow[] };
  retrieval?: { index: string; budget: number; rows: RetrievalRow[] };
}

const pct = (x: number): string => `${(100 * x).toFixed(0)} %`;
const int = (x: number): string => Math.round(x).toLocaleString('en-US');

/** docs/benchmarks/real-llm.md for `results`. */
export function renderRealLlm(results: Results, options: { parseSlateSize: number; queries: number }): string {
  const out: string[] = [
    '# Real LLM: a GGUF model in the process',
    '',
    `Model: ${results.model}, run by node-llama-cpp on the CPU, measured ${results.measuredAt} (${results.machine}; seconds grow with the load, since every call is CPU-bound). Rendered by \`node dist/scripts/bench-real-llm.js\` from docs/benchmarks/real-llm.json.`,
    '',
    'A 135M-parameter model is a weak judge: these figures show that the whole path works (grammar-constrained answers, cache, budgets, fallback) and what a query costs in calls, tokens and seconds, not that such a model ranks well. Compare the rerank row with BM25\'s own order of the same documents: a judge with no relevance signal loses most of it.',
  ];
  if (results.parse) {
    out.push('', '## Answers that parse and validate', '', `Slates of BM25's top ${options.parseSlateSize} SciFact test hits, one judge call each (the default prompt at 1,500-character candidates, its default when measured); "first" counts first answers, "after repair" adds the client's one repair request.`, '');
    out.push(
      markdownTable(
        ['prompt', 'grammar', 'slates', 'first', 'after repair', 'in tokens/call', 'out tokens/call', 's/call'],
        results.parse.map((r) => [r.prompt, r.grammar, String(r.slates), pct(r.firstValid), pct(r.afterRepair), int(r.inputTokensPerCall), int(r.outputTokensPerCall), r.secondsPerCall.toFixed(1)]),
      ),
    );
  }
  if (results.tokens) {
    out.push('', '## Input tokens per judge call', '', `The slates of ${results.tokens.queries} searches of ${results.tokens.index} (lexical judge, default search settings), priced as the LLM judge would send them (characters / 4).`, '');
    out.push(
      markdownTable(
        ['setting', 'calls', 'candidates/call', 'in tokens/call', 'candidate text share', 'in tokens/query'],
        results.tokens.rows.map((r) => [r.setting, String(r.calls), r.candidatesPerCall.toFixed(1), int(r.inputTokensPerCall), pct(r.candidateShare), int(r.inputTokensPerQuery)]),
      ),
    );
  }
  if (results.retrieval) {
    out.push('', '## Retrieval on SciFact test queries', '', retrievalCaption(results.retrieval), '', retrievalTable(results.retrieval));
  }
  out.push('', `Reproduce: \`npm run models -- --with-llm && npx tsc -p . && node dist/scripts/bench-real-llm.js --queries ${results.retrieval?.rows[0]?.queries ?? options.queries}\``, '');
  return out.join('\n');
}

/** What the retrieval table measures. */
export function retrievalCaption(retrieval: NonNullable<Results['retrieval']>): string {
  return `${retrieval.index}; LLM judge budget ${retrieval.budget} calls per query. Parse failures are slates whose answer stayed unusable after the repair (their candidates went to the lexical fallback).`;
}

/** The retrieval table (also shown in BENCHMARKS.md by render-quality.ts). */
export function retrievalTable(retrieval: NonNullable<Results['retrieval']>): string {
  return markdownTable(
    ['system', 'queries', 'nDCG@10', 'calls/query', 'in tokens/query', 'out tokens/query', 's/call', 's/query', 'parse failures', 'fallback candidates/query'],
    retrieval.rows.map((r) => [
      r.system,
      String(r.queries),
      r.ndcg10.toFixed(3),
      r.callsPerQuery.toFixed(1),
      int(r.inputTokensPerQuery),
      int(r.outputTokensPerQuery),
      r.callsPerQuery > 0 ? r.secondsPerCall.toFixed(1) : '–',
      r.secondsPerQuery.toFixed(1),
      r.callsPerQuery > 0 ? pct(r.parseFailureRate) : '–',
      r.callsPerQuery > 0 ? r.fallbackCandidates.toFixed(1) : '–',
    ]),
  );
}
