import { describe, expect, it } from 'vitest';
import { flatRerank } from '../../src/eval/flat-rerank.js';
import { isLatticeError } from '../../src/core/errors.js';
import type { Judge, JudgeCandidate, JudgeRequest, JudgeResult } from '../../src/core/types.js';

/** A judge that scores by a hidden relevance per document plus an offset that grows with each slate. */
class DriftingJudge implements Judge {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'test';
  readonly modelId = 'drift';
  readonly slates: string[][] = [];
  constructor(private readonly relevance: Map<string, number>, private readonly drift: number) {}
  async doJudge(request: JudgeRequest): Promise<JudgeResult> {
    const offset = this.slates.length * this.drift;
    this.slates.push(request.candidates.map((c) => c.docId!));
    return {
      scores: request.candidates.map((c) => Math.min(100, Math.max(0, 100 * (this.relevance.get(c.docId!) ?? 0) + offset))),
      usage: { inputTokens: 10 * request.candidates.length, outputTokens: 2 },
    };
  }
}

const ids = Array.from({ length: 12 }, (_, i) => `d${String(i).padStart(2, '0')}`);
const candidates = ids.map((docId, i) => ({ docId, score: 100 - i }));
const candidate = (docId: string): JudgeCandidate => ({ nodeId: Number(docId.slice(1)), kind: 'leaf', title: docId, text: docId, docId });

describe('flatRerank', () => {
  it('plans slates as the top hits, then anchors plus the next unjudged hits, within the call budget', async () => {
    const judge = new DriftingJudge(new Map(), 0);
    const out = await flatRerank({ judge, query: 'q', queryId: 'q1', candidates, candidate, calls: 3, slateSize: 5, anchors: 2, concurrency: 1 });
    expect(judge.slates).toEqual([
      ['d00', 'd01', 'd02', 'd03', 'd04'],
      ['d05', 'd06', 'd07', 'd00', 'd01'],
      ['d08', 'd09', 'd10', 'd00', 'd01'],
    ]);
    expect(out.calls).toBe(3);
    expect(out.judged).toBe(11);
    expect(out.items).toBe(15);
    expect(out.usage.inputTokens).toBe(150);
    // Every candidate is returned once; the unjudged one comes last.
    expect(out.results.map((r) => r.docId).sort()).toEqual([...ids].sort());
    expect(out.results[out.results.length - 1]!.docId).toBe('d11');
  });

  it('stops early when the candidates run out and spends nothing with a zero budget', async () => {
    const judge = new DriftingJudge(new Map(), 0);
    const out = await flatRerank({ judge, query: 'q', candidates, candidate, calls: 50, slateSize: 8, anchors: 2 });
    expect(out.calls).toBe(2); // 8 + 6 new documents cover all 12
    const none = await flatRerank({ judge: new DriftingJudge(new Map(), 0), query: 'q', candidates, candidate, calls: 0, slateSize: 8 });
    expect(none.calls).toBe(0);
    expect(none.results.map((r) => r.docId)).toEqual(ids);
  });

  it('calibration undoes slate offsets that raw scores cannot', async () => {
    // d09 is the most relevant, but it sits in the third slate, whose offset is -40 points.
    const relevance = new Map([['d00', 0.6], ['d01', 0.5], ['d09', 0.8], ['d02', 0.45]]);
    // The offset-only model: these offsets (20-40 points on slates of 5) are larger than the joint
    // model's prior expects, which shrinks them on so few observations.
    const run = (calibration: 'offset' | 'none') =>
      flatRerank({ judge: new DriftingJudge(relevance, -20), query: 'q', candidates, candidate, calls: 3, slateSize: 5, anchors: 2, calibration, concurrency: 1 });
    const raw = await run('none');
    const joint = await run('offset');
    // Raw (last) scores: d02 45, d09 40, d00 20, d01 10.
    expect(raw.results.slice(0, 4).map((r) => r.docId)).toEqual(['d02', 'd09', 'd00', 'd01']);
    expect(joint.results.slice(0, 4).map((r) => r.docId)).toEqual(['d09', 'd00', 'd01', 'd02']);
  });

  it('rejects bad budgets, slate sizes and anchors with CONFIG_INVALID', async () => {
    const judge = new DriftingJudge(new Map(), 0);
    for (const bad of [{ calls: -1, slateSize: 5 }, { calls: 2, slateSize: 0 }, { calls: 2, slateSize: 3, anchors: 3 }]) {
      await expect(flatRerank({ judge, query: 'q', candidates, candidate, ...bad })).rejects.toSatisfy((e) => isLatticeError(e, 'CONFIG_INVALID'));
    }
  });
});
