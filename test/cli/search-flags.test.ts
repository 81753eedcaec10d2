import { describe, expect, it } from 'vitest';
import { isLatticeError } from '../../src/core/errors.js';
import { searchOptionsFrom, seedOption } from '../../src/cli/search-flags.js';

describe('shared search flags', () => {
  it('leaves every option unset when no flag is given, so the library defaults decide', () => {
    expect(searchOptionsFrom({})).toEqual({});
  });

  it('maps each flag onto its search option', () => {
    expect(
      searchOptionsFrom({
        beam: 3,
        iterations: 7,
        'budget-calls': 12,
        alpha: 0.5,
        'calibration-nodes': 4,
        'max-slate': 20,
        'prune-threshold': 0.1,
        'frontier-scores': 'raw',
        'final-score': 'path',
        calibration: 'offset',
        'inner-anchors': 1,
        fusion: 'dense',
        'fusion-weight': 0.5,
        'fusion-method': 'append',
        'fusion-min-score': 0.2,
        'seed-with': 'dense',
        seeds: 8,
        seed: 3,
      }),
    ).toEqual({
      beamSize: 3,
      iterations: 7,
      budget: { calls: 12 },
      alpha: 0.5,
      calibrationNodes: 4,
      maxSlateSize: 20,
      pruneThreshold: 0.1,
      frontierScores: 'raw',
      finalScore: 'path',
      calibration: 'offset',
      innerAnchors: 1,
      fusion: 'dense',
      fusionWeight: 0.5,
      fusionMethod: 'append',
      fusionMinScore: 0.2,
      seedWith: { retriever: 'dense', count: 8 },
      seed: 3,
    });
  });

  it('turns --seeds 0 or --seed-with none into a search from the root, and fills the other half of a seed flag', () => {
    expect(seedOption('none', undefined)).toEqual({ seedWith: false });
    expect(seedOption('bm25', 0)).toEqual({ seedWith: false });
    expect(seedOption(undefined, 5)).toEqual({ seedWith: { retriever: 'bm25', count: 5 } });
    expect(seedOption('dense', undefined)).toEqual({ seedWith: { retriever: 'dense', count: 20 } });
    for (const bad of [-1, 2.5, Number.NaN]) {
      try {
        seedOption(undefined, bad);
        expect.unreachable();
      } catch (error) {
        expect(isLatticeError(error, 'CONFIG_INVALID')).toBe(true);
      }
    }
  });
});
