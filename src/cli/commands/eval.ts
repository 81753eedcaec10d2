/**
 * `lattice eval index.db --dataset <BEIR dir>`: runs every judged query of a split through the tree
 * search (lexical, LLM or simulated judge) and optional baselines, and prints nDCG@10, Recall@10,
 * Recall@100, MRR@10, judge calls and tokens per query and engine time per query.
 * Thin wiring over src/eval/run-eval.ts; --json prints the whole report, --out also writes it.
 */
import { writeFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { LatticeError } from '../../index.js';
import type { CliIO, CommandModule } from '../command.js';
import { DEFAULT_SIMULATED_JUDGE_PARAMS, type SimulatedJudgeParams } from '../../eval/index.js';
import { createProgress } from '../progress.js';
import { searchOptionsFrom, withSearchFlags, type SearchFlags } from '../search-flags.js';

interface EvalArgs extends SearchFlags {
  index: string;
  dataset: string;
  split: string;
  judge: 'lexical' | 'llm' | 'embedding' | 'simulated';
  baseline?: string[];
  limit?: number;
  model?: string;
  'base-url'?: string;
  'embedding-model'?: string;
  'judge-model'?: string;
  'path-relevance': boolean;
  'sim-seed'?: number;
  'sim-scale-min'?: number;
  'sim-scale-max'?: number;
  'sim-offset'?: number;
  'sim-leaf-noise'?: number;
  'sim-inner-noise'?: number;
  'sim-miss'?: number;
  'rerank-slate'?: number;
  'rerank-anchors'?: number;
  concurrency?: number;
  out?: string;
  json: boolean;
  quiet: boolean;
}

const BASELINES = ['bm25', 'dense', 'rerank', 'all'] as const;

/** The simulated judge's flags: flag, parameter, and what it sets (defaults quoted from DEFAULT_SIMULATED_JUDGE_PARAMS). */
const SIM_FLAGS = [
  ['sim-seed', 'seed', 'seed'],
  ['sim-scale-min', 'scaleMin', 'slate scale lower bound'],
  ['sim-scale-max', 'scaleMax', 'slate scale upper bound'],
  ['sim-offset', 'offsetSpread', 'slate offset spread in points'],
  ['sim-leaf-noise', 'leafNoise', 'leaf noise sd'],
  ['sim-inner-noise', 'innerNoise', 'inner-node noise sd'],
  ['sim-miss', 'missProbability', 'miss probability of inner nodes'],
] as const;

function withSimulatedJudgeFlags(y: Argv): Argv {
  for (const [flag, param, what] of SIM_FLAGS) {
    y = y.option(flag, { type: 'number', describe: `Simulated judge: ${what} (default ${String(DEFAULT_SIMULATED_JUDGE_PARAMS[param])})` });
  }
  return y;
}

export const evalCommand: CommandModule<EvalArgs> = {
  command: 'eval <index>',
  describe: 'Evaluate an index on a BEIR dataset (nDCG@10, recall, cost) against baselines',
  builder: (y: Argv) =>
    withSimulatedJudgeFlags(
      withSearchFlags(
        y
          .positional('index', { type: 'string', demandOption: true, describe: 'Index built from the dataset corpus' })
          .option('dataset', { type: 'string', demandOption: true, describe: 'BEIR folder: queries.jsonl and qrels/<split>.tsv' })
          .option('split', { type: 'string', default: 'test', describe: 'Qrels split to evaluate' })
          .option('judge', {
            choices: ['lexical', 'llm', 'embedding', 'simulated'] as const,
            default: 'lexical' as const,
            describe: 'Judge of the tree search; simulated = noisy oracle from the qrels (see BENCHMARKS.md)',
          })
          .option('baseline', { type: 'string', array: true, choices: BASELINES, describe: 'Also run bm25, dense, rerank (BM25 reranked by the judge at equal calls) or all' })
          .option('limit', { type: 'number', describe: 'Evaluate only the first N judged queries' })
          .option('model', { type: 'string', describe: 'Chat model for --judge llm; env LATTICE_MODEL' })
          .option('base-url', { type: 'string', describe: 'OpenAI-compatible server URL; env OPENAI_BASE_URL' })
          .option('embedding-model', { type: 'string', describe: "Embedder of dense search and --judge embedding when not the folder or model the index records" })
          .option('judge-model', { type: 'string', describe: "--judge embedding with this model folder instead of the index's embedder (embeds candidate texts)" }),
      ),
    )
      .option('path-relevance', { type: 'boolean', default: true, describe: 'Use path relevance (--no-path-relevance for the ablation)' })
      .option('rerank-slate', { type: 'number', describe: "Rerank baseline: documents per slate (default: the tree's mean)" })
      .option('rerank-anchors', { type: 'number', describe: 'Rerank baseline: anchors repeated in every slate (default 2)' })
      .option('concurrency', { type: 'number', describe: 'Queries in flight (default 1; 4 with --judge llm)' })
      .option('out', { type: 'string', describe: 'Also write the full report (per-query figures included) as JSON' })
      .example('$0 eval scifact.db --dataset ../datasets/scifact --baseline all', 'Local mode against BM25 and dense')
      .example('$0 eval scifact.db --dataset ../datasets/scifact --judge simulated --baseline rerank', 'Simulated judge vs flat rerank')
      .example('$0 eval scifact.db --dataset ../datasets/scifact --judge simulated --seeds 0', 'From the root alone (no BM25 seeds)')
      .example('$0 eval scifact.db --dataset ../datasets/scifact --split train --json > train.json', 'Tune on train') as unknown as Argv<EvalArgs>,
  handler: async (args: EvalArgs, io: CliIO) => {
    const { runEval, renderEvalReport } = await import('../../eval/index.js');
    const baselines = new Set<'bm25' | 'dense' | 'rerank'>();
    for (const b of args.baseline ?? []) {
      if (b === 'all') {
        baselines.add('bm25');
        baselines.add('dense');
        if (args.judge !== 'llm') baselines.add('rerank');
      } else baselines.add(b as 'bm25' | 'dense' | 'rerank');
    }
    const search = {
      ...searchOptionsFrom(args),
      ...(args['path-relevance'] === false ? { pathRelevance: false } : {}),
    };
    const simulated: SimulatedJudgeParams = {};
    for (const [flag, param] of SIM_FLAGS) {
      const value = args[flag];
      if (value !== undefined) (simulated as Record<string, number>)[param] = value;
    }
    const progress = createProgress(io, { quiet: args.quiet || args.json });
    const controller = new AbortController();
    const release = io.trapInterrupt?.(() => controller.abort(new Error('interrupted')));
    try {
      const report = await runEval({
        index: args.index,
        dataset: args.dataset,
        split: args.split,
        ...(args.limit !== undefined ? { limit: args.limit } : {}),
        judge: args.judge,
        search,
        simulated,
        model: { model: args.model, baseURL: args['base-url'], embeddingModel: args['embedding-model'], judgeModel: args['judge-model'], env: io.env },
        baselines: [...baselines],
        rerank: {
          ...(args['rerank-slate'] !== undefined ? { slateSize: args['rerank-slate'] } : {}),
          ...(args['rerank-anchors'] !== undefined ? { anchors: args['rerank-anchors'] } : {}),
        },
        ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
        onProgress: (event) => progress.update(event),
        signal: controller.signal,
      });
      progress.done();
      if (args.out) writeReport(args.out, report);
      if (args.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      else {
        io.stdout(renderEvalReport(report));
        if (args.out) io.stdout(`\nreport written to ${args.out}\n`);
      }
      return 0;
    } finally {
      progress.done();
      release?.();
    }
  },
};

function writeReport(file: string, report: unknown): void {
  try {
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  } catch (error) {
    throw new LatticeError('CONFIG_INVALID', `Cannot write the report to "${file}": ${(error as Error).message}`, {
      hint: 'Pass --out with a path in a writable folder.',
      cause: error,
    });
  }
}
