import { describe, expect, it } from 'vitest';
import { observationsOf, scoreSlate, validateJudgeResult } from '../../traverser/score.js';
import type { Slate } from '../../traverser/slate.js';
import { LatticeError } from '../../src/core/errors.js';
import { buildTree, ScriptedJudge } from './helpers.js';

const tree = buildTree({ children: [{ children: ['a', 'b'] }, 'c'] });
const root = tree.root();
const [cluster, c] = tree.children(root.id);
const slate: Slate = {
  iteration: 0,
  parentId: root.id,
  candidates: [
    { node: cluster!, role: 'child' },
    { node: c!, role: 'child' },
    { node: tree.documentNode('a')!, role: 'anchor' },
  ],
};
const context = (judge: ScriptedJudge, fallbackJudge?: ScriptedJudge) => ({
  judge,
  query: 'q',
  queryId: 'Q1',
  ...(fallbackJudge ? { fallbackJudge } : {}),
});

describe('validateJudgeResult', () => {
  it('clamps, scales and flags bad entries', () => {
    const v = validateJudgeResult({ scores: [150, -3, Number.NaN, 40], reasons: ['x', 7] }, 4);
    expect(v).toMatchObject({ ok: true, scores: [1, 0, null, 0.4], invalid: 1, clamped: 2, reasons: ['x', undefined, undefined, undefined] });
    expect(validateJudgeResult({ scores: [1, 2] }, 3)).toMatchObject({ ok: false, code: 'MODEL_BAD_OUTPUT' });
    expect(validateJudgeResult({}, 1)).toMatchObject({ ok: false });
    expect(validateJudgeResult(null, 1)).toMatchObject({ ok: false });
    expect(validateJudgeResult({ scores: ['7', null] }, 2)).toMatchObject({ ok: false });
  });
});

describe('scoreSlate', () => {
  it('sends kinds, texts, doc ids and the query id, and returns scores on 0..1', async () => {
    const judge = new ScriptedJudge((cand) => (cand.kind === 'inner' ? 70 : 30), () => ({
      usage: { calls: 1, inputTokens: 100, outputTokens: 10 },
    }));
    const out = await scoreSlate(slate, context(judge));
    expect(out).toMatchObject({ status: 'ok', scores: [0.7, 0.3, 0.3], judgedBy: 'primary', fallbackCalled: false });
    expect(out.usage).toMatchObject({ calls: 1, inputTokens: 100, outputTokens: 10 });
    const request = judge.requests[0]!;
    expect(request.queryId).toBe('Q1');
    expect(request.candidates.map((x) => [x.kind, x.docId])).toEqual([['inner', undefined], ['leaf', 'c'], ['leaf', 'a']]);
  });

  it('degrades to the fallback judge when the judge throws', async () => {
    const judge = new ScriptedJudge(() => 50, () => new LatticeError('MODEL_TIMEOUT', 'timed out'));
    const fallback = new ScriptedJudge(() => 20);
    const out = await scoreSlate(slate, context(judge, fallback));
    expect(out.status).toBe('degraded');
    expect(out.judgedBy).toBe('fallback');
    expect(out.scores).toEqual([0.2, 0.2, 0.2]);
    expect(out.degraded).toMatchObject({ code: 'MODEL_TIMEOUT', candidates: 3 });
    expect(fallback.calls).toBe(1);
  });

  it('fails without a fallback, never rejecting', async () => {
    const judge = new ScriptedJudge(() => 50, () => new Error('boom'));
    const out = await scoreSlate(slate, context(judge));
    expect(out.status).toBe('failed');
    expect(out.scores).toEqual([null, null, null]);
    expect(out.error?.code).toBe('JUDGE_ERROR');
    expect(out.error?.message).toContain('boom');
  });

  it('treats a wrong-length answer as a failure and NaN entries as unscored', async () => {
    const short = new ScriptedJudge(() => 50, () => ({ scores: [10, 20] }));
    expect((await scoreSlate(slate, context(short))).status).toBe('failed');
    const fallback = new ScriptedJudge(() => 60);
    const rescued = await scoreSlate(slate, context(short, fallback));
    expect(rescued).toMatchObject({ status: 'degraded', judgedBy: 'fallback', scores: [0.6, 0.6, 0.6] });
    const nan = new ScriptedJudge(() => 50, () => ({ scores: [Number.NaN, 20, 30] }));
    const partial = await scoreSlate(slate, context(nan));
    expect(partial).toMatchObject({ status: 'degraded', scores: [null, 0.2, 0.3] });
    expect(partial.degraded?.candidates).toBe(1);
    const allNan = new ScriptedJudge(() => Number.NaN);
    expect((await scoreSlate(slate, context(allNan))).status).toBe('failed');
  });

  it("passes the judge's own degraded report through", async () => {
    const judge = new ScriptedJudge(() => 50, () => ({ degraded: { code: 'MODEL_BAD_OUTPUT', message: 'lexical fallback', candidates: 2 } }));
    const out = await scoreSlate(slate, context(judge));
    expect(out.status).toBe('degraded');
    expect(out.degraded?.message).toBe('lexical fallback');
  });

  it('records one observation per usable score', () => {
    expect(observationsOf(slate, [0.5, null, 0.1], 7)).toEqual([
      { nodeId: cluster!.id, slate: 7, score: 0.5 },
      { nodeId: tree.documentNode('a')!.id, slate: 7, score: 0.1 },
    ]);
  });
});
