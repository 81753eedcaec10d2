import { describe, expect, it } from 'vitest';
import { leafScore, pathRelevance } from '../../traverser/path-relevance.js';
import type { PathNode } from '../../traverser/path-relevance.js';
import { isLatticeError } from '../../src/core/errors.js';

// root(1) -> A(2, 0.8) -> A1(4, 0.6)
//         -> B(3, 0.05) -> B1(5, 0.9)
const tree: PathNode[] = [
  { id: 1, parentId: null, score: null },
  { id: 2, parentId: 1, score: 0.8 },
  { id: 3, parentId: 1, score: 0.05 },
  { id: 4, parentId: 2, score: 0.6 },
  { id: 5, parentId: 3, score: 0.9 },
];

describe('pathRelevance', () => {
  it('paper convention: alpha weighs the parent, no cutoff', () => {
    const { p } = pathRelevance(tree, { alpha: 0.5, mode: 'calibrated', enabled: true });
    expect(p.get(1)).toBe(1);
    expect(p.get(2)).toBeCloseTo(0.9, 12);
    expect(p.get(4)).toBeCloseTo(0.75, 12);
    expect(p.get(3)).toBeCloseTo(0.525, 12);
    expect(p.get(5)).toBeCloseTo(0.7125, 12);
  });

  it('reference convention: the chain is cut at scores <= 0.09', () => {
    const { p } = pathRelevance(tree, { alpha: 0.5, mode: 'raw', enabled: true });
    expect(p.get(2)).toBeCloseTo(0.9, 12);
    expect(p.get(4)).toBeCloseTo(0.75, 12);
    expect(p.get(3)).toBeCloseTo(0.05, 12);
    expect(p.get(5)).toBeCloseTo(0.475, 12);
  });

  it('alpha is the weight on the parent (rcf = 1 - alpha), not on the node', () => {
    const { p } = pathRelevance(tree, { alpha: 0.25, mode: 'calibrated', enabled: true });
    expect(p.get(2)).toBeCloseTo(0.75 * 0.8 + 0.25 * 1, 12);
    expect(p.get(4)).toBeCloseTo(0.75 * 0.6 + 0.25 * 0.85, 12);
    const raw = pathRelevance(tree, { alpha: 0.25, mode: 'raw', enabled: true }).p;
    // run.sh's rcf = 0.75 is alpha = 0.25: p = 0.75 * s + 0.25 * p(parent).
    expect(raw.get(4)).toBeCloseTo(0.6625, 12);
  });

  it('disabled path relevance is the own score only (the paper ablation alpha = 0)', () => {
    for (const mode of ['calibrated', 'raw'] as const) {
      const { p } = pathRelevance(tree, { alpha: 0.5, mode, enabled: false });
      expect(p.get(4)).toBe(0.6);
      expect(p.get(5)).toBe(0.9);
      expect(p.get(1)).toBe(1);
    }
    const zero = pathRelevance(tree, { alpha: 0, mode: 'calibrated', enabled: true }).p;
    expect(zero.get(5)).toBeCloseTo(0.9, 12);
  });

  it('never-scored nodes borrow their best scored descendant, or 0', () => {
    const nodes: PathNode[] = [
      { id: 1, parentId: null, score: null },
      { id: 2, parentId: 1, score: null },
      { id: 3, parentId: 2, score: null },
      { id: 4, parentId: 3, score: 0.7 },
      { id: 5, parentId: 3, score: 0.4 },
      { id: 6, parentId: 1, score: null },
    ];
    const { p, own } = pathRelevance(nodes, { alpha: 0.5, mode: 'calibrated', enabled: true });
    expect(own.get(2)).toBe(0.7);
    expect(own.get(3)).toBe(0.7);
    expect(own.get(6)).toBe(0);
    expect(p.get(2)).toBeCloseTo(0.85, 12);
    expect(p.get(3)).toBeCloseTo(0.775, 12);
    expect(p.get(6)).toBeCloseTo(0.5, 12);
  });

  it('rejects a child listed before its parent', () => {
    try {
      pathRelevance([{ id: 1, parentId: null, score: null }, { id: 3, parentId: 2, score: 0.1 }, { id: 2, parentId: 1, score: 0.1 }], {
        alpha: 0.5,
        mode: 'raw',
        enabled: true,
      });
      expect.unreachable();
    } catch (e) {
      expect(isLatticeError(e, 'CONFIG_INVALID')).toBe(true);
    }
  });
});

describe('leafScore', () => {
  it('mixes the parent path relevance and the leaf latent like the reference', () => {
    expect(leafScore(0.9, 0, { alpha: 0.5, enabled: true, finalScore: 'path' })).toBeCloseTo(0.45, 12);
    expect(leafScore(0.9, 0.4, { alpha: 0.25, enabled: true, finalScore: 'path' })).toBeCloseTo(0.225 + 0.3, 12);
    expect(leafScore(0.9, 0.4, { alpha: 0.5, enabled: true, finalScore: 'latent' })).toBe(0.4);
    expect(leafScore(0.9, 0.4, { alpha: 0.5, enabled: false, finalScore: 'path' })).toBe(0.4);
  });
});
