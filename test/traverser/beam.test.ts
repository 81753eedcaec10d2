import { describe, expect, it } from 'vitest';
import { compareFrontier, referenceNode, selectBeam, topEntries } from '../../traverser/beam.js';
import type { FrontierEntry } from '../../traverser/beam.js';
import { createRng } from '../../src/core/math/random.js';

const e = (id: number, p: number, preorder: number, own = p): FrontierEntry => ({ id, p, preorder, own });

describe('beam selection', () => {
  it('takes the best B by path relevance, ties to the lower preorder', () => {
    const frontier = [e(1, 0.5, 9), e(2, 0.7, 5), e(3, 0.7, 2), e(4, 0.6, 1), e(5, 0.2, 0)];
    const { beam, top } = selectBeam(frontier, 2, 0, 4);
    expect(beam.map((x) => x.id)).toEqual([3, 2]);
    expect(top.map((x) => x.id)).toEqual([3, 2, 4, 1]);
  });

  it('partial selection agrees with a full sort', () => {
    const rng = createRng('beam');
    const entries = Array.from({ length: 300 }, (_, i) => e(i, Math.round(rng() * 20) / 20, Math.floor(rng() * 1000)));
    const sorted = [...entries].sort(compareFrontier);
    for (const k of [1, 2, 7, 50]) expect(topEntries(entries, k)).toEqual(sorted.slice(0, k));
  });

  it('skips pruned nodes and returns an empty beam for an empty frontier', () => {
    const frontier = [e(1, 0.9, 0, 0.02), e(2, 0.5, 1, 0.4)];
    expect(selectBeam(frontier, 2, 0.05).beam.map((x) => x.id)).toEqual([2]);
    expect(selectBeam(frontier, 2, 0).beam.map((x) => x.id)).toEqual([1, 2]);
    expect(selectBeam([], 2).beam).toEqual([]);
  });

  it('picks the reference node at the given depth', () => {
    const nodes = [
      { ...e(1, 0.9, 3), depth: 1 },
      { ...e(2, 0.95, 4), depth: 2 },
      { ...e(3, 0.9, 1), depth: 1 },
    ];
    expect(referenceNode(nodes, 1)?.id).toBe(3);
    expect(referenceNode(nodes, 2)?.id).toBe(2);
    expect(referenceNode(nodes, 3)).toBeNull();
  });
});
