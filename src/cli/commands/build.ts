/**
 * `lattice build <input> -o index.db`: turns a corpus into an index (see indexer/build.ts).
 * Draws progress on stderr, prints the build summary (or the dry-run estimate) on stdout,
 * and lists skipped documents and warnings. Ctrl-C stops cleanly; re-running resumes.
 */
import { setMaxListeners } from 'node:events';
import type { Argv } from 'yargs';
import type { CliIO, CommandModule } from '../command.js';
import { createProgress } from '../progress.js';
import { fanOutRows, formatInt, keyValues } from '../output.js';

interface BuildArgs {
  input: string;
  output: string;
  strategy: 'bottom-up' | 'top-down';
  branching: number;
  embedder: 'local' | 'openai' | 'transformers';
  'embedding-model'?: string;
  dimensions: number;
  summarizer: 'extractive' | 'llm';
  model?: string;
  provider?: 'openai' | 'llama-cpp';
  'base-url'?: string;
  concurrency: number;
  'summary-words': number;
  keywords: number;
  'chunk-size': number;
  'chunk-overlap': number;
  'id-field'?: string;
  'title-field'?: string;
  'text-field'?: string;
  'skip-bad': boolean;
  'max-document-chars': number;
  seed: number;
  force: boolean;
  'dry-run': boolean;
  json: boolean;
  quiet: boolean;
}

export const buildCommand: CommandModule<BuildArgs> = {
  command: 'build <input>',
  describe: 'Build an index from a corpus (JSONL file, BEIR folder, or folder of .txt/.md files)',
  builder: (y: Argv) =>
    y
      .positional('input', { type: 'string', demandOption: true, describe: 'Corpus: a .jsonl file, a BEIR folder (corpus.jsonl), or a folder of .txt/.md files' })
      .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'Index file to write (SQLite)' })
      .option('strategy', { choices: ['bottom-up', 'top-down'] as const, default: 'bottom-up' as const, describe: 'How the tree is grown' })
      .option('branching', { alias: 'M', type: 'number', default: 10, describe: 'Maximum children per node' })
      .option('embedder', { choices: ['local', 'openai', 'transformers'] as const, default: 'local' as const, describe: 'local: TF-IDF + SVD fitted on the corpus (no model)' })
      .option('embedding-model', { type: 'string', describe: 'Embedding model id (openai) or local model folder (transformers); env LATTICE_EMBEDDING_MODEL' })
      .option('dimensions', { type: 'number', default: 256, describe: 'Dimensions of the local embedder' })
      .option('summarizer', { choices: ['extractive', 'llm'] as const, default: 'extractive' as const, describe: 'extractive: no model; llm: an OpenAI-compatible chat model' })
      .option('model', { type: 'string', describe: 'Chat model for --summarizer llm: a server model id, or a .gguf file run in the process; env LATTICE_MODEL' })
      .option('provider', { choices: ['openai', 'llama-cpp'] as const, describe: 'Where chat calls go (default: llama-cpp for a .gguf model, else openai)' })
      .option('base-url', { type: 'string', describe: 'OpenAI-compatible server URL; env OPENAI_BASE_URL (key: env OPENAI_API_KEY)' })
      .option('concurrency', { type: 'number', default: 4, describe: 'Model calls in flight at once' })
      .option('summary-words', { type: 'number', default: 100, describe: 'Length budget of a cluster summary, in words' })
      .option('keywords', { type: 'number', default: 1000, describe: "Most terms in a cluster's keyword profile (shown after its summary); 0 for none" })
      .option('chunk-size', { type: 'number', default: 4000, describe: 'Documents longer than this (characters) are split into chunks' })
      .option('chunk-overlap', { type: 'number', default: 200, describe: 'Characters shared by consecutive chunks' })
      .option('id-field', { type: 'string', describe: 'JSONL field holding the id (default _id, then id)' })
      .option('title-field', { type: 'string', describe: 'JSONL field holding the title (default title)' })
      .option('text-field', { type: 'string', describe: 'JSONL field holding the text (default text, then contents)' })
      .option('skip-bad', { type: 'boolean', default: false, describe: 'Skip bad documents and list them, instead of failing' })
      .option('max-document-chars', { type: 'number', default: 1_000_000, describe: 'Longer documents are bad input' })
      .option('seed', { type: 'number', default: 42, describe: 'Seed of every random choice (same seed, same tree)' })
      .option('force', { type: 'boolean', default: false, describe: 'Rebuild an existing index (cached model answers are reused)' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Count the model calls and tokens a build needs, without calling anything' })
      .example('$0 build data/scifact-sample -o sample.db', 'Local mode: no model needed')
      .example('$0 build docs/ -o docs.db --summarizer llm --model gpt-4o-mini', 'LLM summaries via OPENAI_BASE_URL')
      .example('$0 build docs/ -o docs.db --summarizer llm --model models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf', 'LLM summaries in the process, no server')
      .example('$0 build corpus.jsonl -o big.db --dry-run --summarizer llm --model m', 'Estimate the cost first') as unknown as Argv<BuildArgs>,
  handler: async (args: BuildArgs, io: CliIO) => {
    const { buildIndex, formatIssues } = await import('../../index.js');
    const progress = createProgress(io, { quiet: args.quiet || args.json });
    const controller = new AbortController();
    // Every call in flight or waiting for a slot listens to this signal (bounded by the
    // concurrency, not a leak), so Node's warning at 10 listeners would only be noise on stderr.
    setMaxListeners(Math.max(10, args.concurrency * 4), controller.signal);
    const release = io.trapInterrupt?.(() => controller.abort(new Error('interrupted')));
    try {
      const result = await buildIndex({
        input: args.input,
        output: args.output,
        strategy: args.strategy,
        branching: args.branching,
        embedder: args.embedder,
        embeddingModel: args['embedding-model'],
        dimensions: args.dimensions,
        summarizer: args.summarizer,
        model: args.model,
        provider: args.provider,
        baseURL: args['base-url'],
        concurrency: args.concurrency,
        summaryWords: args['summary-words'],
        keywords: args.keywords,
        chunkSize: args['chunk-size'],
        chunkOverlap: args['chunk-overlap'],
        fields: { id: args['id-field'], title: args['title-field'], text: args['text-field'] },
        skipBad: args['skip-bad'],
        maxDocumentChars: args['max-document-chars'],
        seed: args.seed,
        force: args.force,
        dryRun: args['dry-run'],
        onProgress: (e) => progress.update(e),
        signal: controller.signal,
      });
      progress.done();
      if (result.issues.length > 0 && !args.json) {
        io.stderr(`${formatIssues(result.issues, { limit: 20 })}\n`);
      }
      if (args.json) {
        io.stdout(`${JSON.stringify(result, null, 2)}\n`);
        return 0;
      }
      if (result.kind === 'dry-run') {
        io.stdout(
          `Dry run: nothing was called or written.\n${keyValues([
            ['documents', `${formatInt(result.documents)} (${formatInt(result.chunks)} chunks)`],
            ['strategy', `${result.strategy}, at most ${result.branching} children per node`],
            ['clusters per level', result.levels.join(', ') + ' (leaves up, estimated)'],
            ['summary calls', `${formatInt(result.summaryCalls)}${result.summarizerIsModel ? '' : ' (extractive: no model calls)'}`],
            ['summary tokens', `~${formatInt(result.estimatedInputTokens)} in, ~${formatInt(result.estimatedOutputTokens)} out (estimated at 4 chars/token)`],
            ['embedding calls', result.embeddingCalls > 0 ? `${formatInt(result.embeddingCalls)} (~${formatInt(result.embeddingTokens)} tokens)` : '0 (local)'],
          ])}\n`,
        );
        return 0;
      }
      const u = result.usage;
      io.stdout(
        `${keyValues([
          ['documents', `${formatInt(result.documents)}${result.chunks > 0 ? ` (${formatInt(result.chunks)} chunks)` : ''}`],
          ['nodes', `${formatInt(result.nodes)} (${formatInt(result.clusters)} clusters)`],
          ['depth', String(result.depth)],
          ...fanOutRows(result.fanOut, result.chunksPerDocument),
          ['strategy', `${result.strategy}, M = ${result.branching}`],
          ['embedder', `${result.embedder.provider}/${result.embedder.modelId}`],
          ['summarizer', `${result.summarizer.provider}/${result.summarizer.modelId}`],
          ['model calls', `${formatInt(u.calls)} (${formatInt(u.cachedCalls)} answered from cache)`],
          ['tokens', `${formatInt(u.inputTokens)} in, ${formatInt(u.outputTokens)} out`],
          ['seconds', result.seconds.toFixed(1)],
        ])}\n${result.resumed ? 'Resumed an interrupted build.\n' : ''}Index written to ${result.output}\n`,
      );
      return 0;
    } catch (error) {
      progress.done();
      if (controller.signal.aborted) {
        io.stderr(`Interrupted. Run the same command again to resume; finished model calls are kept in ${args.output}.\n`);
        return 130;
      }
      throw error;
    } finally {
      release?.();
    }
  },
};
