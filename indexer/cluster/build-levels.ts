/**
 * The bottom-up strategy's loop: partition the current level into balanced groups, let the
 * caller turn each group into a node and embed it (indexer/build.ts summarises and embeds
 * there), and repeat on those embeddings until at most `maxSize` nodes remain; those become
 * the root's children. Each level's group count comes from level-sizes.ts, which keeps the
 * lower levels at fill·M and spreads the leftover over the top so the root gets a real fan-out.
 * Why a callback: clustering stays pure and model-free; the caller owns summaries, models and
 * persistence, and may resume or abort between levels.
 * Invariant: each level has strictly fewer nodes than the one below (groups hold ≥ 2 items on
 * average), so the loop ends after O(log n) levels; level seeds derive from the build seed.
 * Used by: indexer/build.ts.
 */
import { LatticeError } from '../../src/core/errors.js';
import { partitionBalanced, resolveGroupBounds, type PartitionOptions } from './balanced-partition.js';
import { checkSeed, mixSeed } from './geometry.js';
import { nextLevelSize } from './level-sizes.js';

export interface BottomUpOptions extends Omit<PartitionOptions, 'groups'> {
  /**
   * Called once per level with that level's groups (indices into the level's items); must
   * resolve to one embedding per group, in group order. `level` is 1 for the groups of leaves.
   */
  embedGroups: (groups: number[][], level: number) => Promise<Float32Array[]>;
  /** Checked before each level; once aborted, the promise rejects with the signal's reason. */
  abortSignal?: AbortSignal;
}

/**
 * Builds the grouping levels above `leaves`. `levels[l]` partitions the items of level l (level
 * 0 = leaves) into the nodes of level l + 1. Returns [] when leaves.length ≤ maxSize.
 */
export async function groupBottomUp(leaves: readonly Float32Array[], options: BottomUpOptions): Promise<number[][][]> {
  const bounds = resolveGroupBounds(options);
  checkSeed(options.seed);
  if (typeof options.embedGroups !== 'function') {
    throw new LatticeError('CONFIG_INVALID', 'groupBottomUp needs an embedGroups callback.', {
      hint: 'Pass embedGroups: (groups, level) => Promise<Float32Array[]>.',
    });
  }
  const levels: number[][][] = [];
  let items: readonly Float32Array[] = leaves;
  while (items.length > options.maxSize) {
    options.abortSignal?.throwIfAborted();
    const level = levels.length + 1;
    const groups = partitionBalanced(items, { ...options, seed: mixSeed(options.seed, level), groups: nextLevelSize(items.length, bounds) });
    if (groups.length >= items.length) {
      // partitionBalanced never does this for maxSize ≥ 2; guard against an endless loop anyway.
      throw new LatticeError('CONFIG_INVALID', `Level ${level} did not shrink: ${items.length} items gave ${groups.length} groups.`, {
        hint: 'Use a branching factor of 2 or more.',
      });
    }
    levels.push(groups);
    const embeddings = await options.embedGroups(groups, level);
    if (!Array.isArray(embeddings) || embeddings.length !== groups.length) {
      throw new LatticeError(
        'MODEL_BAD_OUTPUT',
        `embedGroups returned ${Array.isArray(embeddings) ? embeddings.length : typeof embeddings} embeddings for ${groups.length} groups at level ${level}.`,
        { hint: 'Return exactly one Float32Array per group, in group order.' },
      );
    }
    items = embeddings;
  }
  return levels;
}
