/**
 * The baseline the tree search must beat at equal cost: a flat retriever's top documents reranked by
 * the same judge, in slates of a fixed size, for a fixed number of judge calls.
 * Why anchors and calibration: judge scores are slate-relative (the simulated judge draws a scale and
 * offset per slate), so the first `anchors` flat hits are judged in every slate and all scores are
 * calibrated jointly with the engine's own calibration, as the tree search does. Slate 1 holds the top
 * hits, later slates the anchors plus the next unjudged hits; judged documents rank by calibrated score,
 * then the rest in flat order. Invariant: deterministic for a deterministic judge.
 */
import { LatticeError } from '../core/errors.js';
import { addUsage, emptyUsage, type Judge, type JudgeCandidate, type Usage } from '../core/types.js';
import { firstPerDocument } from '../core/util/first-per-document.js';
import { calibrate, type CalibrationMethod, type Observation } from '../index.js';
import type { ScoredDoc } from './trec-ranking.js';

export interface FlatRerankOptions {
  judge: Judge;
  query: string;
  /** Passed to the judge (oracle judges look up judgments by it). */
  queryId?: string;
  /** Flat results, best first. */
  candidates: readonly ScoredDoc[];
  /** What the judge sees for a document; undefined drops the document from the slates. */
  candidate: (docId: string) => JudgeCandidate | undefined;
  /** Judge calls to spend (one per slate). */
  calls: number;
  /** Documents per slate, anchors included. */
  slateSize: number;
  /** Top flat hits repeated in every slate after the first. Defaults to 2. */
  anchors?: number;
  /** 'joint' calibrates across slates (default); 'none' ranks by each document's last raw score. */
  calibration?: CalibrationMethod;
  /** Slates judged at once. Defaults to 4. */
  concurrency?: number;
}

export interface FlatRerankResult {
  /** Every candidate once: judged ones by calibrated score, then the rest in flat order. */
  results: ScoredDoc[];
  calls: number;
  usage: Usage;
  /** Documents judged at least once. */
  judged: number;
  /** Candidates shown to the judge, summed over the slates (anchors count each time). */
  items: number;
  judgeMs: number;
  engineMs: number;
}

/** Reranks `candidates` with `judge` for `calls` slates of `slateSize`; see the module comment. */
export async function flatRerank(options: FlatRerankOptions): Promise<FlatRerankResult> {
  const started = performance.now();
  const anchorsWanted = options.anchors ?? 2;
  const { slateSize, calls } = options;
  if (!Number.isInteger(slateSize) || slateSize < 1) {
    throw new LatticeError('CONFIG_INVALID', `Invalid rerank slate size ${String(slateSize)}.`, { hint: 'Use a whole number >= 1.' });
  }
  if (!Number.isInteger(calls) || calls < 0) {
    throw new LatticeError('CONFIG_INVALID', `Invalid rerank call budget ${String(calls)}.`, { hint: 'Use a whole number >= 0.' });
  }
  if (!Number.isInteger(anchorsWanted) || anchorsWanted < 0 || (anchorsWanted >= slateSize && calls > 1)) {
    throw new LatticeError('CONFIG_INVALID', `Invalid number of rerank anchors ${String(anchorsWanted)} for slates of ${slateSize}.`, {
      hint: 'Use fewer anchors than the slate size (2 is usual).',
    });
  }
  const docs: { docId: string; candidate: JudgeCandidate; flat: ScoredDoc; index: number }[] = [];
  for (const entry of firstPerDocument(options.candidates)) {
    const candidate = options.candidate(entry.docId);
    if (!candidate) continue;
    docs.push({ docId: entry.docId, candidate, flat: entry, index: docs.length });
  }

  // Plan every slate up front: the plan depends only on the flat order, so slates can be judged in parallel.
  const slates: number[][] = [];
  const anchors = Math.min(anchorsWanted, docs.length);
  let next = 0;
  while (slates.length < calls && next < docs.length) {
    if (slates.length === 0) {
      const first = docs.slice(0, slateSize).map((d) => d.index);
      slates.push(first);
      next = first.length;
      continue;
    }
    const fresh = slateSize - anchors;
    const members = docs.slice(next, next + fresh).map((d) => d.index);
    next += members.length;
    for (let a = 0; a < anchors; a++) members.push(a);
    slates.push(members);
  }

  const observations: Observation[] = [];
  const usage = emptyUsage();
  let judgeMs = 0;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  for (let at = 0; at < slates.length; at += concurrency) {
    const wave = slates.slice(at, at + concurrency);
    const waveStart = performance.now();
    const answers = await Promise.all(
      wave.map((members) =>
        options.judge.doJudge({
          query: options.query,
          ...(options.queryId !== undefined ? { queryId: options.queryId } : {}),
          candidates: members.map((i) => docs[i]!.candidate),
        }),
      ),
    );
    judgeMs += performance.now() - waveStart;
    answers.forEach((answer, w) => {
      addUsage(usage, answer.usage);
      const members = wave[w]!;
      const slateId = at + w;
      if (!Array.isArray(answer.scores) || answer.scores.length !== members.length) return;
      members.forEach((i, j) => {
        const score = answer.scores[j];
        if (typeof score === 'number' && Number.isFinite(score)) {
          observations.push({ nodeId: i, slate: slateId, score: Math.min(100, Math.max(0, score)) / 100 });
        }
      });
    });
  }

  const fit = calibrate(observations, { method: options.calibration ?? 'joint' });
  const judged = docs.filter((d) => fit.latents.has(d.index));
  judged.sort((a, b) => fit.latents.get(b.index)! - fit.latents.get(a.index)! || a.index - b.index);
  const rest = docs.filter((d) => !fit.latents.has(d.index));
  // Judged documents score 1 + latent (1..2); the rest keep their flat order below them.
  const results: ScoredDoc[] = [
    ...judged.map((d) => ({ docId: d.docId, score: 1 + fit.latents.get(d.index)! })),
    ...rest.map((d, i) => ({ docId: d.docId, score: 1 - (i + 1) / (rest.length + 1) })),
  ];
  const elapsed = performance.now() - started;
  const items = slates.reduce((acc, members) => acc + members.length, 0);
  return { results, calls: slates.length, usage, judged: judged.length, items, judgeMs, engineMs: Math.max(0, elapsed - judgeMs) };
}
