/**
 * `lattice eval index.db --dataset <BEIR dir>`: runs every judged query of a split through the tree
 * search (lexical, LLM or simulated judge) and optional baselines, and prints nDCG@10, Recall@10,
 * Recall@100, MRR@10, judge calls and tokens per query and engine time per query.
 * Thin wiring over src/eval/run-eval.ts; --json prints the whole report, --out also writes it.
 */
import { writeFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { LatticeError } from '../../errors.js';
import type { CommandModule } from '../main.js';
import type { CliIO } from '../io.js';
import { createProgress } from '../progress.js';

interface EvalArgs {
  index: string;
  dataset: string;
  split: string;
  judge: 'lexical' | 'llm' | 'simulated';
  baseline?: string[];
  limit?: number;
  model?: string;
  'base-url'?: string;
  beam?: number;
  iterations?: number;
  'budget-calls'?: number;
  alpha?: number;
  'calibration-nodes'?: number;
  'max-slate'?: number;
  'prune-threshold'?: number;
  'frontier-scores'?: 'calibrated' | 'raw';
  'final-score'?: 'path' | 'latent';
  calibration?: 'joint' | 'offset' | 'none';
  'inner-anchors'?: number;
  'fusion-method'?: 'rrf' | 'append';
  'fusion-min-score'?: number;
  'path-relevance': boolean;
  fusion?: 'bm25' | 'dense';
  'fusion-weight'?: number;
  'seed-with'?: 'bm25' | 'dense' | 'none';
  seeds?: number;
  seed?: number;
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

export const evalCommand: CommandModule<EvalArgs> = {
  command: 'eval <index>',
  describe: 'Evaluate an index on a BEIR dataset (nDCG@10, recall, cost) against baselines',
  builder: (y: Argv) =>
    y
      .positional('index', { type: 'string', demandOption: true, describe: 'Index built from the dataset corpus' })
      .option('dataset', { type: 'string', demandOption: true, describe: 'BEIR folder: queries.jsonl and qrels/<split>.tsv' })
      .option('split', { type: 'string', default: 'test', describe: 'Qrels split to evaluate' })
      .option('judge', {
        choices: ['lexical', 'llm', 'simulated'] as const,
        default: 'lexical' as const,
        describe: 'Judge of the tree search; simulated = noisy oracle from the qrels (see BENCHMARKS.md)',
      })
      .option('baseline', { type: 'string', array: true, choices: BASELINES, describe: 'Also run bm25, dense, rerank (BM25 reranked by the judge at equal calls) or all' })
      .option('limit', { type: 'number', describe: 'Evaluate only the first N judged queries' })
      .option('model', { type: 'string', describe: 'Chat model for --judge llm; env LATTICE_MODEL' })
      .option('base-url', { type: 'string', describe: 'OpenAI-compatible server URL; env OPENAI_BASE_URL' })
      .option('beam', { alias: 'B', type: 'number', describe: 'Frontier nodes expanded per iteration (default 2)' })
      .option('iterations', { alias: 'N', type: 'number', describe: 'Maximum iterations (default 20)' })
      .option('budget-calls', { type: 'number', describe: 'Judge calls per query at most' })
      .option('alpha', { type: 'number', describe: "Weight of the parent's path relevance (default 0.7)" })
      .option('calibration-nodes', { type: 'number', describe: 'Calibration leaves per leaf slate (default 10)' })
      .option('max-slate', { type: 'number', describe: 'Most children shown in one slate (default 40)' })
      .option('prune-threshold', { type: 'number', describe: 'Do not expand nodes scored below this (0..1)' })
      .option('frontier-scores', { choices: ['calibrated', 'raw'] as const, describe: 'Frontier order from calibrated or raw scores' })
      .option('final-score', { choices: ['path', 'latent'] as const, describe: 'Leaf score: calibrated score alone (default) or path-weighted (reference)' })
      .option('calibration', { choices: ['joint', 'offset', 'none'] as const, describe: 'Per-slate scale and offset (default), offset only (reference model), or raw scores (ablation)' })
      .option('inner-anchors', { type: 'number', describe: 'Anchors re-judged in every inner slate (default 5)' })
      .option('path-relevance', { type: 'boolean', default: true, describe: 'Use path relevance (--no-path-relevance for the ablation)' })
      .option('fusion', { choices: ['bm25', 'dense'] as const, describe: 'Fuse the tree ranking with a flat ranking (reciprocal rank)' })
      .option('fusion-weight', { type: 'number', describe: 'Weight of the flat list in fusion (default 1)' })
      .option('fusion-method', { choices: ['rrf', 'append'] as const, describe: 'rrf (default): reciprocal rank; append: flat results fill the tail' })
      .option('fusion-min-score', { type: 'number', describe: 'With append: tree results scored below this go after the flat ones' })
      .option('seed-with', { choices: ['bm25', 'dense', 'none'] as const, describe: 'Seed the search with top flat hits (default bm25); none searches from the root' })
      .option('seeds', { type: 'number', describe: 'Seed documents (default 20); 0 searches from the root alone' })
      .option('seed', { type: 'number', describe: 'Seed of the calibration-leaf draws' })
      .option('sim-seed', { type: 'number', describe: 'Simulated judge: seed (default 0)' })
      .option('sim-scale-min', { type: 'number', describe: 'Simulated judge: slate scale lower bound (default 0.6)' })
      .option('sim-scale-max', { type: 'number', describe: 'Simulated judge: slate scale upper bound (default 1.2)' })
      .option('sim-offset', { type: 'number', describe: 'Simulated judge: slate offset spread in points (default 15)' })
      .option('sim-leaf-noise', { type: 'number', describe: 'Simulated judge: leaf noise sd (default 0.15)' })
      .option('sim-inner-noise', { type: 'number', describe: 'Simulated judge: inner-node noise sd (default 0.25)' })
      .option('sim-miss', { type: 'number', describe: 'Simulated judge: miss probability of inner nodes (default 0.2)' })
      .option('rerank-slate', { type: 'number', describe: "Rerank baseline: documents per slate (default: the tree's mean)" })
      .option('rerank-anchors', { type: 'number', describe: 'Rerank baseline: anchors repeated in every slate (default 2)' })
      .option('concurrency', { type: 'number', describe: 'Queries in flight (default 1; 4 with --judge llm)' })
      .option('out', { type: 'string', describe: 'Also write the full report (per-query figures included) as JSON' })
      .example('$0 eval scifact.db --dataset ../datasets/scifact --baseline all', 'Local mode against BM25 and dense')
      .example('$0 eval scifact.db --dataset ../datasets/scifact --judge simulated --baseline rerank', 'Simulated judge vs flat rerank')
      .example('$0 eval scifact.db --dataset ../datasets/scifact --judge simulated --seeds 0', 'From the root alone (no BM25 seeds)')
      .example('$0 eval scifact.db --dataset ../datasets/scifact --split train --json > train.json', 'Tune on train') as unknown as Argv<EvalArgs>,
  handler: async (args: EvalArgs, io: CliIO) => {
    const { runEval } = await import('../../eval/run-eval.js');
    const { renderEvalReport } = await import('../../eval/render-report.js');
    const baselines = new Set<'bm25' | 'dense' | 'rerank'>();
    for (const b of args.baseline ?? []) {
      if (b === 'all') {
        baselines.add('bm25');
        baselines.add('dense');
        if (args.judge !== 'llm') baselines.add('rerank');
      } else baselines.add(b as 'bm25' | 'dense' | 'rerank');
    }
    const { seedOption } = await import('./query.js');
    const search = {
      ...(args.beam !== undefined ? { beamSize: args.beam } : {}),
      ...(args.iterations !== undefined ? { iterations: args.iterations } : {}),
      ...(args['budget-calls'] !== undefined ? { budget: { calls: args['budget-calls'] } } : {}),
      ...(args.alpha !== undefined ? { alpha: args.alpha } : {}),
      ...(args['calibration-nodes'] !== undefined ? { calibrationNodes: args['calibration-nodes'] } : {}),
      ...(args['max-slate'] !== undefined ? { maxSlateSize: args['max-slate'] } : {}),
      ...(args['prune-threshold'] !== undefined ? { pruneThreshold: args['prune-threshold'] } : {}),
      ...(args['frontier-scores'] ? { frontierScores: args['frontier-scores'] } : {}),
      ...(args['final-score'] ? { finalScore: args['final-score'] } : {}),
      ...(args.calibration ? { calibration: args.calibration } : {}),
      ...(args['inner-anchors'] !== undefined ? { innerAnchors: args['inner-anchors'] } : {}),
      ...(args['path-relevance'] === false ? { pathRelevance: false } : {}),
      ...(args.fusion ? { fusion: args.fusion } : {}),
      ...(args['fusion-weight'] !== undefined ? { fusionWeight: args['fusion-weight'] } : {}),
      ...(args['fusion-method'] ? { fusionMethod: args['fusion-method'] } : {}),
      ...(args['fusion-min-score'] !== undefined ? { fusionMinScore: args['fusion-min-score'] } : {}),
      ...seedOption(args['seed-with'], args.seeds),
      ...(args.seed !== undefined ? { seed: args.seed } : {}),
    };
    const simulated = {
      ...(args['sim-seed'] !== undefined ? { seed: args['sim-seed'] } : {}),
      ...(args['sim-scale-min'] !== undefined ? { scaleMin: args['sim-scale-min'] } : {}),
      ...(args['sim-scale-max'] !== undefined ? { scaleMax: args['sim-scale-max'] } : {}),
      ...(args['sim-offset'] !== undefined ? { offsetSpread: args['sim-offset'] } : {}),
      ...(args['sim-leaf-noise'] !== undefined ? { leafNoise: args['sim-leaf-noise'] } : {}),
      ...(args['sim-inner-noise'] !== undefined ? { innerNoise: args['sim-inner-noise'] } : {}),
      ...(args['sim-miss'] !== undefined ? { missProbability: args['sim-miss'] } : {}),
    };
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
        model: { ...(args.model ? { model: args.model } : {}), ...(args['base-url'] ? { baseURL: args['base-url'] } : {}) },
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
