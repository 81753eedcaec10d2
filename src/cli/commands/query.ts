/**
 * `lattice query index.db "question"`: searches an index and prints ranked documents with
 * the path the search took; --trace shows the search step by step, --json the whole result.
 * Without a question, reads one query a line from stdin (a batch, with a progress bar; with
 * --json, one JSON document a line).
 */
import type { Argv } from 'yargs';
import { LatticeError } from '../../errors.js';
import type { CommandModule } from '../main.js';
import type { CliIO } from '../io.js';
import { createProgress } from '../progress.js';
import { renderHits, renderTrace } from '../render-search.js';

interface QueryArgs {
  index: string;
  question?: string;
  judge: 'lexical' | 'llm';
  model?: string;
  'base-url'?: string;
  beam?: number;
  iterations?: number;
  'budget-calls'?: number;
  'budget-tokens'?: number;
  k: number;
  alpha?: number;
  'calibration-nodes'?: number;
  'max-slate'?: number;
  'prune-threshold'?: number;
  'frontier-scores'?: 'calibrated' | 'raw';
  'final-score'?: 'path' | 'latent';
  calibration?: 'joint' | 'offset' | 'none';
  'inner-anchors'?: number;
  exclude?: string[];
  fusion?: 'bm25' | 'dense';
  'fusion-method'?: 'rrf' | 'append';
  'fusion-min-score'?: number;
  'seed-with'?: 'bm25' | 'dense' | 'none';
  seeds?: number;
  seed?: number;
  trace: boolean;
  'save-trace': boolean;
  json: boolean;
  quiet: boolean;
}

export const queryCommand: CommandModule<QueryArgs> = {
  command: 'query <index> [question]',
  describe: 'Search an index; without a question, read one query a line from stdin',
  builder: (y: Argv) =>
    y
      .positional('index', { type: 'string', demandOption: true, describe: 'Index file written by lattice build' })
      .positional('question', { type: 'string', describe: 'What to search for' })
      .option('judge', { choices: ['lexical', 'llm'] as const, default: 'lexical' as const, describe: 'Who scores slates: lexical (BM25, no model) or an LLM' })
      .option('model', { type: 'string', describe: 'Chat model for --judge llm; env LATTICE_MODEL' })
      .option('base-url', { type: 'string', describe: 'OpenAI-compatible server URL; env OPENAI_BASE_URL (key: env OPENAI_API_KEY)' })
      .option('beam', { alias: 'B', type: 'number', describe: 'Frontier nodes expanded per iteration (default 2)' })
      .option('iterations', { alias: 'N', type: 'number', describe: 'Maximum iterations (default 20)' })
      .option('budget-calls', { type: 'number', describe: 'Stop after this many judge calls' })
      .option('budget-tokens', { type: 'number', describe: 'Stop after this many judge tokens' })
      .option('k', { alias: 'top-k', type: 'number', default: 10, describe: 'Documents to return' })
      .option('alpha', { type: 'number', describe: "Weight of the parent's path relevance (default 0.7)" })
      .option('calibration-nodes', { type: 'number', describe: 'Calibration leaves per leaf slate (default 10)' })
      .option('max-slate', { type: 'number', describe: 'Most children shown in one slate (default 40)' })
      .option('prune-threshold', { type: 'number', describe: 'Do not expand nodes scored below this (0..1)' })
      .option('frontier-scores', { choices: ['calibrated', 'raw'] as const, describe: 'Order the frontier by calibrated (paper) or raw (reference code) scores' })
      .option('final-score', { choices: ['path', 'latent'] as const, describe: 'Leaf score: calibrated score alone (default) or path-weighted (reference)' })
      .option('calibration', { choices: ['joint', 'offset', 'none'] as const, describe: 'Per-slate scale and offset (default), offset only (reference model), or raw scores' })
      .option('inner-anchors', { type: 'number', describe: 'Anchors re-judged in every inner slate (default 5)' })
      .option('exclude', { type: 'string', array: true, describe: 'Document ids never to return' })
      .option('fusion', { choices: ['bm25', 'dense'] as const, describe: 'Fuse the tree ranking with a flat ranking' })
      .option('fusion-method', { choices: ['rrf', 'append'] as const, describe: 'rrf (default): reciprocal rank; append: flat results fill the tail' })
      .option('fusion-min-score', { type: 'number', describe: 'With append: tree results scored below this go after the flat ones' })
      .option('seed-with', { choices: ['bm25', 'dense', 'none'] as const, describe: 'Seed the search with top flat hits (default bm25); none searches from the root' })
      .option('seeds', { type: 'number', describe: 'Seed documents (default 20); 0 searches from the root alone' })
      .option('seed', { type: 'number', describe: 'Seed of the calibration-leaf draws' })
      .option('trace', { type: 'boolean', default: false, describe: 'Print the search step by step' })
      .option('save-trace', { type: 'boolean', default: false, describe: 'Store the search in the index (see lattice inspect --traces)' })
      .example('$0 query sample.db "vitamin D and bone fractures"', 'Local mode, lexical judge')
      .example('$0 query sample.db "vitamin D and bone fractures" --seeds 0', 'From the root alone, without BM25 seeds')
      .example('$0 query sample.db "..." --judge llm --model gpt-4o-mini --trace', 'LLM judge, step by step')
      .example('cat questions.txt | $0 query sample.db --json > results.jsonl', 'A batch from stdin') as unknown as Argv<QueryArgs>,
  handler: async (args: QueryArgs, io: CliIO) => {
    const { openIndex } = await import('../../api/lattice-index.js');
    const index = openIndex(args.index, {
      judge: args.judge,
      ...(args.model ? { model: args.model } : {}),
      ...(args['base-url'] ? { baseURL: args['base-url'] } : {}),
    });
    try {
      const options = {
        topK: args.k,
        ...(args.beam !== undefined ? { beamSize: args.beam } : {}),
        ...(args.iterations !== undefined ? { iterations: args.iterations } : {}),
        ...(args.alpha !== undefined ? { alpha: args.alpha } : {}),
        ...(args['calibration-nodes'] !== undefined ? { calibrationNodes: args['calibration-nodes'] } : {}),
        ...(args['max-slate'] !== undefined ? { maxSlateSize: args['max-slate'] } : {}),
        ...(args['prune-threshold'] !== undefined ? { pruneThreshold: args['prune-threshold'] } : {}),
        ...(args['frontier-scores'] ? { frontierScores: args['frontier-scores'] } : {}),
        ...(args.seed !== undefined ? { seed: args.seed } : {}),
        ...(args['final-score'] ? { finalScore: args['final-score'] } : {}),
        ...(args.calibration ? { calibration: args.calibration } : {}),
        ...(args['inner-anchors'] !== undefined ? { innerAnchors: args['inner-anchors'] } : {}),
        ...(args.exclude ? { excludeIds: args.exclude.map(String) } : {}),
        ...(args.fusion ? { fusion: args.fusion } : {}),
        ...(args['fusion-method'] ? { fusionMethod: args['fusion-method'] } : {}),
        ...(args['fusion-min-score'] !== undefined ? { fusionMinScore: args['fusion-min-score'] } : {}),
        ...seedOption(args['seed-with'], args.seeds),
        budget: {
          ...(args['budget-calls'] !== undefined ? { calls: args['budget-calls'] } : {}),
          ...(args['budget-tokens'] !== undefined ? { tokens: args['budget-tokens'] } : {}),
        },
        saveTrace: args['save-trace'],
      };
      const render = { width: 100, node: (id: number) => safeNode(index, id) };

      if (args.question !== undefined) {
        const result = await index.search(args.question, options);
        if (args.json) io.stdout(`${JSON.stringify({ query: args.question, ...result }, null, 2)}\n`);
        else {
          if (args.trace) io.stdout(renderTrace(result, render));
          io.stdout(renderHits(args.question, result, render));
          if (result.traceId !== undefined) io.stdout(`  trace saved as #${result.traceId}\n`);
        }
        return 0;
      }

      if (!io.readStdin) {
        throw new LatticeError('CONFIG_MISSING', 'No question given.', {
          hint: 'Pass the question after the index path, or pipe one query a line on stdin.',
        });
      }
      const queries: string[] = [];
      for await (const line of io.readStdin()) if (line.trim()) queries.push(line.trim());
      const progress = createProgress(io, { quiet: args.quiet });
      let done = 0;
      for (const query of queries) {
        const result = await index.search(query, options);
        done++;
        progress.update({ stage: 'search', done, total: queries.length });
        if (args.json) io.stdout(`${JSON.stringify({ query, ...result })}\n`);
        else {
          if (args.trace) io.stdout(renderTrace(result, render));
          io.stdout(`${renderHits(query, result, render)}\n`);
        }
      }
      progress.done();
      return 0;
    } finally {
      index.close();
    }
  },
};

/**
 * The index-level seeding for --seed-with / --seeds: nothing given keeps the index default
 * (DEFAULT_SEED_WITH, the top 20 BM25 hits); 'none' or 0 seeds searches from the root alone.
 */
export function seedOption(retriever: 'bm25' | 'dense' | 'none' | undefined, count: number | undefined): { seedWith?: { retriever: 'bm25' | 'dense'; count: number } | false } {
  if (count !== undefined && !(Number.isInteger(count) && count >= 0)) {
    throw new LatticeError('CONFIG_INVALID', `Invalid --seeds ${String(count)}.`, { hint: 'Use a whole number >= 0 (0 searches from the root alone).' });
  }
  if (retriever === 'none' || count === 0) return { seedWith: false };
  if (retriever === undefined && count === undefined) return {};
  return { seedWith: { retriever: retriever ?? 'bm25', count: count ?? 20 } };
}

function safeNode(index: { node(id: number): import('../../types.js').TreeNode }, id: number) {
  try {
    return index.node(id);
  } catch {
    return undefined;
  }
}
