/**
 * Asks the judge to score one slate and turns its answer into observations the calibration can use.
 * Why it never throws: at query time a judge failure must degrade the search, not end it (STYLE:
 * "a model failure after retries degrades the search and is recorded in the trace"). A judge that
 * throws or answers unusably (not an array, wrong length, no finite score) hands the slate to the
 * fallback judge when there is one; otherwise the slate is reported failed and the caller retries it.
 * Single non-finite entries are dropped (that node stays unscored); scores are clamped to 0..100.
 * Invariant: scores leave this module on 0..1, aligned with the slate's candidates.
 */
import { isLatticeError } from '../src/core/errors.js';
import { addUsage, emptyUsage } from '../src/core/types.js';
import type { Judge, JudgeCandidate, JudgeRequest, Usage } from '../src/core/types.js';
import { isLeaf } from '../src/core/tree.js';
import type { Observation } from './calibrate.js';
import type { Slate } from './slate.js';

export interface ScoreContext {
  judge: Judge;
  fallbackJudge?: Judge;
  query: string;
  queryId?: string;
  abortSignal?: AbortSignal;
}

export interface SlateScores {
  status: 'ok' | 'degraded' | 'failed';
  /** Per candidate, on 0..1; null when no usable score came back for it. All null when failed. */
  scores: (number | null)[];
  reasons: (string | undefined)[];
  judgedBy?: 'primary' | 'fallback';
  latencyMs: number;
  usage: Usage;
  fallbackCalled: boolean;
  degraded?: { code: string; message: string; candidates: number };
  error?: { code: string; message: string };
  /** The abort signal fired while judging; the scores are not to be used. */
  aborted: boolean;
}

type Validation =
  | { ok: true; scores: (number | null)[]; reasons: (string | undefined)[]; invalid: number; clamped: number }
  | { ok: false; code: string; message: string };

const MAX_REASON_CHARS = 300;

/** Checks a judge answer for `n` candidates: scores clamped to 0..100 and divided by 100, non-finite entries null. */
export function validateJudgeResult(result: unknown, n: number): Validation {
  const scores = (result as { scores?: unknown } | null | undefined)?.scores;
  if (!Array.isArray(scores)) {
    return { ok: false, code: 'MODEL_BAD_OUTPUT', message: 'Judge answer has no scores array.' };
  }
  if (scores.length !== n) {
    return { ok: false, code: 'MODEL_BAD_OUTPUT', message: `Judge returned ${scores.length} scores for ${n} candidates.` };
  }
  let invalid = 0;
  let clamped = 0;
  const out: (number | null)[] = scores.map((value: unknown) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      invalid++;
      return null;
    }
    const bounded = Math.min(100, Math.max(0, value));
    if (bounded !== value) clamped++;
    return bounded / 100;
  });
  if (n > 0 && invalid === n) {
    return { ok: false, code: 'MODEL_BAD_OUTPUT', message: `Judge returned no finite score for ${n} candidates.` };
  }
  const rawReasons = (result as { reasons?: unknown }).reasons;
  const reasons: (string | undefined)[] = [];
  for (let i = 0; i < n; i++) {
    const reason = Array.isArray(rawReasons) ? rawReasons[i] : undefined;
    reasons.push(typeof reason === 'string' && reason.length > 0 ? reason.slice(0, MAX_REASON_CHARS) : undefined);
  }
  return { ok: true, scores: out, reasons, invalid, clamped };
}

/** The judge's view of a slate: positions, kinds, titles and texts (document ids for leaves). */
export function judgeRequest(slate: Slate, context: ScoreContext): JudgeRequest {
  const candidates: JudgeCandidate[] = slate.candidates.map(({ node }) => {
    const leaf = isLeaf(node);
    return {
      nodeId: node.id,
      kind: leaf ? 'leaf' : 'inner',
      title: node.title,
      text: node.text,
      ...(node.docId !== null && leaf ? { docId: node.docId } : {}),
    };
  });
  return {
    query: context.query,
    ...(context.queryId !== undefined ? { queryId: context.queryId } : {}),
    candidates,
    ...(context.abortSignal ? { abortSignal: context.abortSignal } : {}),
  };
}

/** Scores one slate with the judge (and the fallback judge on failure); resolves, never rejects. */
export async function scoreSlate(slate: Slate, context: ScoreContext): Promise<SlateScores> {
  const n = slate.candidates.length;
  const request = judgeRequest(slate, context);
  const usage = emptyUsage();
  const started = performance.now();
  const failed = (error: { code: string; message: string }, fallbackCalled: boolean, aborted = false): SlateScores => ({
    status: 'failed',
    scores: new Array<number | null>(n).fill(null),
    reasons: new Array<string | undefined>(n).fill(undefined),
    latencyMs: performance.now() - started,
    usage,
    fallbackCalled,
    error,
    aborted,
  });

  const primary = await attempt(context.judge, request, n, usage);
  if (context.abortSignal?.aborted) return failed({ code: 'SEARCH_ABORTED', message: 'Search aborted while judging.' }, false, true);
  if (primary.ok) {
    const degraded =
      primary.judgeDegraded ??
      (primary.invalid > 0 || primary.clamped > 0
        ? {
            code: 'MODEL_BAD_OUTPUT',
            message: [
              primary.invalid > 0 ? `${primary.invalid} non-finite score(s) dropped` : '',
              primary.clamped > 0 ? `${primary.clamped} score(s) clamped to 0..100` : '',
            ]
              .filter(Boolean)
              .join('; '),
            candidates: primary.invalid + primary.clamped,
          }
        : undefined);
    return {
      status: degraded ? 'degraded' : 'ok',
      scores: primary.scores,
      reasons: primary.reasons,
      judgedBy: 'primary',
      latencyMs: performance.now() - started,
      usage,
      fallbackCalled: false,
      ...(degraded ? { degraded } : {}),
      aborted: false,
    };
  }
  if (!context.fallbackJudge) return failed({ code: primary.code, message: primary.message }, false);

  const backup = await attempt(context.fallbackJudge, request, n, usage);
  if (context.abortSignal?.aborted) return failed({ code: 'SEARCH_ABORTED', message: 'Search aborted while judging.' }, true, true);
  if (!backup.ok) {
    return failed(
      { code: primary.code, message: `${primary.message} Fallback judge failed too: ${backup.message}` },
      true,
    );
  }
  const fallbackName = `${context.fallbackJudge.provider}/${context.fallbackJudge.modelId}`;
  return {
    status: 'degraded',
    scores: backup.scores,
    reasons: backup.reasons,
    judgedBy: 'fallback',
    latencyMs: performance.now() - started,
    usage,
    fallbackCalled: true,
    degraded: { code: primary.code, message: `${primary.message} Scored by fallback judge ${fallbackName}.`, candidates: n },
    aborted: false,
  };
}

/** Observations of a judged slate: one per candidate with a usable score. */
export function observationsOf(slate: Slate, scores: readonly (number | null)[], slateId: number): Observation[] {
  const out: Observation[] = [];
  slate.candidates.forEach((candidate, i) => {
    const score = scores[i];
    if (score !== null && score !== undefined) out.push({ nodeId: candidate.node.id, slate: slateId, score });
  });
  return out;
}

type Attempt =
  | {
      ok: true;
      scores: (number | null)[];
      reasons: (string | undefined)[];
      invalid: number;
      clamped: number;
      judgeDegraded?: { code: string; message: string; candidates: number };
    }
  | { ok: false; code: string; message: string };

async function attempt(judge: Judge, request: JudgeRequest, n: number, usage: Usage): Promise<Attempt> {
  let result: unknown;
  try {
    result = await judge.doJudge(request);
  } catch (error) {
    if (isLatticeError(error)) return { ok: false, code: error.code, message: error.message };
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, code: 'JUDGE_ERROR', message: `Judge threw: ${message}` };
  }
  const reported = (result as { usage?: Partial<Usage> } | null | undefined)?.usage;
  if (reported && typeof reported === 'object') addUsage(usage, sanitizeUsage(reported));
  const checked = validateJudgeResult(result, n);
  if (!checked.ok) return checked;
  const judgeDegraded = (result as { degraded?: { code: string; message: string; candidates: number } }).degraded;
  return { ...checked, ...(judgeDegraded ? { judgeDegraded } : {}) };
}

function sanitizeUsage(usage: Partial<Usage>): Partial<Usage> {
  const clean = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);
  return {
    calls: clean(usage.calls),
    inputTokens: clean(usage.inputTokens),
    outputTokens: clean(usage.outputTokens),
    cachedCalls: clean(usage.cachedCalls),
  };
}
