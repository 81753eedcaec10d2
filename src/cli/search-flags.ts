/**
 * The tree-search flags `lattice query` and `lattice eval` share, and their mapping onto
 * `index.search` options. Why one module: both commands must offer the same knobs with the
 * same names, help and validation, and a new search option is then added in one place.
 * Defaults are not repeated here: an absent flag leaves the option unset, so DEFAULT_SEARCH_OPTIONS
 * and DEFAULT_SEED_WITH decide, and the help quotes them from there.
 */
import type { Argv } from 'yargs';
import { DEFAULT_SEARCH_OPTIONS as D, DEFAULT_SEED_WITH, LatticeError, type IndexSearchOptions } from '../index.js';

export interface SearchFlags {
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
  fusion?: 'bm25' | 'dense' | 'none';
  'fusion-head'?: number;
  'fusion-weight'?: number;
  'fusion-method'?: 'rrf' | 'append';
  'fusion-min-score'?: number;
  'seed-with'?: 'bm25' | 'dense' | 'none';
  seeds?: number;
  seed?: number;
}

/** Adds the shared search flags to a command's builder. */
export function withSearchFlags(y: Argv): Argv {
  return y
    .option('beam', { alias: 'B', type: 'number', describe: `Frontier nodes expanded per iteration (default ${D.beamSize})` })
    .option('iterations', { alias: 'N', type: 'number', describe: `Maximum iterations (default ${D.iterations})` })
    .option('budget-calls', { type: 'number', describe: 'Judge calls per query at most (then the best ranking so far is returned)' })
    .option('alpha', { type: 'number', describe: `Weight of the parent's path relevance (default ${D.alpha})` })
    .option('calibration-nodes', { type: 'number', describe: `Calibration leaves per leaf slate (default ${D.calibrationNodes})` })
    .option('max-slate', { type: 'number', describe: `Most children shown in one slate (default ${D.maxSlateSize})` })
    .option('prune-threshold', { type: 'number', describe: `Do not expand nodes scored below this, 0..1 (default ${D.pruneThreshold})` })
    .option('frontier-scores', { choices: ['calibrated', 'raw'] as const, describe: 'Order the frontier by calibrated (paper, default) or raw (reference code) scores' })
    .option('final-score', { choices: ['path', 'latent'] as const, describe: 'Leaf score: calibrated score alone (default) or path-weighted (reference)' })
    .option('calibration', { choices: ['joint', 'offset', 'none'] as const, describe: 'Per-slate scale and offset (default), offset only (reference model), or raw scores (ablation)' })
    .option('inner-anchors', { type: 'number', describe: `Anchors re-judged in every inner slate (default ${D.innerAnchors})` })
    .option('fusion', {
      choices: ['bm25', 'dense', 'none'] as const,
      describe: "Fuse the tree ranking with a flat ranking (default: the tree's first 20, then BM25); none: the tree's alone",
    })
    .option('fusion-head', { type: 'number', describe: 'With append: tree results before the flat ones, at most (default 20 under the default fusion)' })
    .option('fusion-weight', { type: 'number', describe: 'Weight of the flat list in rrf fusion (default 1)' })
    .option('fusion-method', { choices: ['rrf', 'append'] as const, describe: 'rrf (default): reciprocal rank; append: flat results fill the tail' })
    .option('fusion-min-score', { type: 'number', describe: 'With append: tree results scored below this go after the flat ones' })
    .option('seed-with', {
      choices: ['bm25', 'dense', 'none'] as const,
      describe: `Seed the search with top flat hits (default ${DEFAULT_SEED_WITH.retriever}); none searches from the root`,
    })
    .option('seeds', { type: 'number', describe: `Seed documents (default ${DEFAULT_SEED_WITH.count}); 0 searches from the root alone` })
    .option('seed', { type: 'number', describe: 'Seed of the calibration-leaf draws' });
}

/** The search options the shared flags ask for; flags left out stay unset. */
export function searchOptionsFrom(args: SearchFlags): IndexSearchOptions {
  return {
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
    ...(args.fusion ? { fusion: args.fusion === 'none' ? false : args.fusion } : {}),
    ...(args['fusion-head'] !== undefined ? { fusionHead: args['fusion-head'] } : {}),
    ...(args['fusion-weight'] !== undefined ? { fusionWeight: args['fusion-weight'] } : {}),
    ...(args['fusion-method'] ? { fusionMethod: args['fusion-method'] } : {}),
    ...(args['fusion-min-score'] !== undefined ? { fusionMinScore: args['fusion-min-score'] } : {}),
    ...seedOption(args['seed-with'], args.seeds),
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
  };
}

/** `--seed-with` and `--seeds` as a `seedWith` option; neither given leaves the default. */
export function seedOption(
  retriever: 'bm25' | 'dense' | 'none' | undefined,
  count: number | undefined,
): { seedWith?: { retriever: 'bm25' | 'dense'; count: number } | false } {
  if (count !== undefined && !(Number.isInteger(count) && count >= 0)) {
    throw new LatticeError('CONFIG_INVALID', `Invalid --seeds ${String(count)}.`, { hint: 'Use a whole number >= 0 (0 searches from the root alone).' });
  }
  if (retriever === 'none' || count === 0) return { seedWith: false };
  if (retriever === undefined && count === undefined) return {};
  return { seedWith: { retriever: retriever ?? DEFAULT_SEED_WITH.retriever, count: count ?? DEFAULT_SEED_WITH.count } };
}
