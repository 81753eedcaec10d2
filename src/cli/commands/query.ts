/**
 * `lattice query index.db "question"`: searches an index and prints ranked documents with
 * the path the search took; --trace shows the search step by step, --json the whole result.
 * Without a question, reads one query a line from stdin (a batch, with a progress bar; with
 * --json, one JSON document a line).
 */
import type { Argv } from 'yargs';
import { LatticeError, type TreeNode } from '../../index.js';
import type { CliIO, CommandModule } from '../command.js';
import { createProgress } from '../progress.js';
import { renderHits, renderTrace } from '../render-search.js';
import { searchOptionsFrom, withSearchFlags, type SearchFlags } from '../search-flags.js';

interface QueryArgs extends SearchFlags {
  index: string;
  question?: string;
  judge: 'lexical' | 'llm' | 'embedding';
  model?: string;
  provider?: 'openai' | 'llama-cpp';
  'base-url'?: string;
  'embedding-model'?: string;
  'judge-model'?: string;
  'budget-tokens'?: number;
  k: number;
  exclude?: string[];
  trace: boolean;
  'save-trace': boolean;
  json: boolean;
  quiet: boolean;
}

export const queryCommand: CommandModule<QueryArgs> = {
  command: 'query <index> [question]',
  describe: 'Search an index; without a question, read one query a line from stdin',
  builder: (y: Argv) =>
    withSearchFlags(
      y
        .positional('index', { type: 'string', demandOption: true, describe: 'Index file written by lattice build' })
        .positional('question', { type: 'string', describe: 'What to search for' })
        .option('judge', {
          choices: ['lexical', 'llm', 'embedding'] as const,
          default: 'lexical' as const,
          describe: "Who scores slates: lexical (BM25, no model), an LLM, or embedding (cosine with the index's embedder)",
        })
        .option('model', { type: 'string', describe: 'Chat model for --judge llm: a server model id, or a .gguf file run in the process; env LATTICE_MODEL' })
        .option('provider', { choices: ['openai', 'llama-cpp'] as const, describe: 'Where chat calls go (default: llama-cpp for a .gguf model, else openai)' })
        .option('base-url', { type: 'string', describe: 'OpenAI-compatible server URL; env OPENAI_BASE_URL (key: env OPENAI_API_KEY)' })
        .option('embedding-model', { type: 'string', describe: "Embedder of dense search and --judge embedding when not the folder or model the index records" })
          .option('judge-model', { type: 'string', describe: "--judge embedding with this model folder instead of the index's embedder (embeds candidate texts)" }),
    )
      .option('budget-tokens', { type: 'number', describe: 'Stop after this many judge tokens' })
      .option('k', { alias: 'top-k', type: 'number', default: 10, describe: 'Documents to return' })
      .option('exclude', { type: 'string', array: true, describe: 'Document ids never to return' })
      .option('trace', { type: 'boolean', default: false, describe: 'Print the search step by step' })
      .option('save-trace', { type: 'boolean', default: false, describe: 'Store the search in the index (see lattice inspect --traces)' })
      .example('$0 query sample.db "vitamin D and bone fractures"', 'Local mode, lexical judge')
      .example('$0 query sample.db "vitamin D and bone fractures" --seeds 0', 'From the root alone, without BM25 seeds')
      .example('$0 query sample.db "..." --judge llm --model gpt-4o-mini --trace', 'LLM judge, step by step')
      .example('cat questions.txt | $0 query sample.db --json > results.jsonl', 'A batch from stdin') as unknown as Argv<QueryArgs>,
  handler: async (args: QueryArgs, io: CliIO) => {
    const { openIndex } = await import('../../index.js');
    const index = openIndex(args.index, {
      judge: args.judge,
      model: args.model,
      provider: args.provider,
      baseURL: args['base-url'],
      embeddingModel: args['embedding-model'],
      judgeModel: args['judge-model'],
      env: io.env,
    });
    try {
      const shared = searchOptionsFrom(args);
      const options = {
        ...shared,
        topK: args.k,
        ...(args.exclude ? { excludeIds: args.exclude.map(String) } : {}),
        budget: {
          ...shared.budget,
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
      await index.close();
    }
  },
};

function safeNode(index: { node(id: number): TreeNode }, id: number) {
  try {
    return index.node(id);
  } catch {
    return undefined;
  }
}
