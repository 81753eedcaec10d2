import { describe, expect, it } from 'vitest';
import { resolveGroupBounds } from '../../../indexer/cluster/balanced-partition.js';
import { groupBottomUp } from '../../../indexer/cluster/build-levels.js';
import { rootChildren } from '../../../indexer/cluster/level-sizes.js';
import { isLatticeError } from '../../../src/core/errors.js';
import { coversExactlyOnce, noise } from './synthetic.js';

function meanOf(vectors: readonly Float32Array[], members: number[]): Float32Array {
  const out = new Float32Array(vectors[0].length);
  for (const i of members) for (let j = 0; j < out.length; j++) out[j] += vectors[i][j] / members.length;
  return out;
}

describe('groupBottomUp', () => {
  it('partitions each level into the next until at most maxSize nodes remain', async () => {
    const leaves = noise(1234, 16, 1);
    const calls: { level: number; groups: number }[] = [];
    let current: Float32Array[] = leaves;
    const levels = await groupBottomUp(leaves, {
      maxSize: 10,
      seed: 7,
      embedGroups: async (groups, level) => {
        calls.push({ level, groups: groups.length });
        const below = current;
        current = groups.map((g) => meanOf(below, g));
        return current;
      },
    });
    expect(levels.length).toBeGreaterThanOrEqual(3);
    let count = leaves.length;
    levels.forEach((groups, l) => {
      expect(coversExactlyOnce(groups, count)).toBe(true);
      for (const g of groups) {
        expect(g.length).toBeLessThanOrEqual(10);
        expect(g.length).toBeGreaterThanOrEqual(4);
      }
      expect(calls[l]).toEqual({ level: l + 1, groups: groups.length });
      count = groups.length;
    });
    expect(count).toBeLessThanOrEqual(10);
    expect(levels[levels.length - 2].length).toBeGreaterThan(10);
  });

  it('gives the root a real fan-out: the top level follows the planner, not fill·M', async () => {
    const bounds = resolveGroupBounds({ maxSize: 10 });
    for (const n of [90, 700]) {
      const leaves = noise(n, 8, n);
      let current: Float32Array[] = leaves;
      const levels = await groupBottomUp(leaves, {
        maxSize: 10,
        seed: 5,
        embedGroups: async (groups) => {
          const below = current;
          current = groups.map((g) => meanOf(below, g));
          return current;
        },
      });
      const top = levels[levels.length - 1]!;
      const below = levels.length > 1 ? levels[levels.length - 2]!.length : n;
      expect(top.length).toBe(rootChildren(below, bounds));
      expect(top.length).toBeGreaterThanOrEqual(5);
      expect(top.length).toBeLessThanOrEqual(10);
    }
  });

  it('is deterministic for a seed', async () => {
    const leaves = noise(300, 8, 2);
    const run = () =>
      groupBottomUp(leaves, {
        maxSize: 6,
        seed: 3,
        embedGroups: async (groups) => groups.map((g) => Float32Array.of(g[0], g.length)),
      });
    expect(await run()).toEqual(await run());
  });

  it('returns no levels when the leaves already fit under one root', async () => {
    let called = false;
    const levels = await groupBottomUp(noise(10, 4, 1), {
      maxSize: 10,
      seed: 1,
      embedGroups: async () => {
        called = true;
        return [];
      },
    });
    expect(levels).toEqual([]);
    expect(called).toBe(false);
  });

  it('rejects a callback that returns the wrong number of embeddings', async () => {
    const promise = groupBottomUp(noise(50, 4, 1), {
      maxSize: 10,
      seed: 1,
      embedGroups: async (groups) => groups.slice(1).map(() => new Float32Array(4)),
    });
    await expect(promise).rejects.toSatisfy((e: unknown) => isLatticeError(e, 'MODEL_BAD_OUTPUT'));
  });

  it('stops when aborted and rejects bad options', async () => {
    const controller = new AbortController();
    const promise = groupBottomUp(noise(200, 4, 1), {
      maxSize: 5,
      seed: 1,
      abortSignal: controller.signal,
      embedGroups: async (groups) => {
        controller.abort(new Error('stop'));
        return groups.map(() => new Float32Array(4));
      },
    });
    await expect(promise).rejects.toThrow('stop');
    await expect(
      groupBottomUp(noise(20, 4, 1), { maxSize: 1, seed: 1, embedGroups: async () => [] }),
    ).rejects.toSatisfy((e: unknown) => isLatticeError(e, 'CONFIG_INVALID'));
  });
});
