/**
 * Options, results and trace of one tree search, with every default in DEFAULT_SEARCH_OPTIONS.
 * Why one constant: the CLI, the library wrapper and the evaluation print and override the
 * same defaults, and a measured change of a default is then a one-line diff.
 * Conventions: scores are on 0..1 (the judge's 0..100 divided by 100); `alpha` is the
 * paper's weight on the PARENT's path relevance (the reference code's rcf is 1 − alpha).
 * Invariant: SearchResult and SearchTrace are plain JSON-serialisable data.
 */
import type { Judge, NodeKind, Usage } from '../src/core/types.js';
import type { CalibrationMethod } from './calibrate.js';

/** Spending caps for one query. Absent fields are unlimited. */
export interface SearchBudget {
  /** Maximum calls to the primary judge (one call per slate; fallback calls are not counted). */
  calls?: number;
  /** Maximum judge tokens (input + output, as the judge reports them); checked before each wave of slates. */
  tokens?: number;
}

/** A flat ranking to fuse with the tree ranking. */
export interface FlatFusion {
  /** Flat retrieval results; ranked by score descending (input order breaks ties). Duplicate ids keep their first entry. */
  results: { docId: string; score: number }[];
  /** Weight of the flat list in the fusion; the tree list weighs 1. Defaults to 1. */
  weight?: number;
  /**
   * 'rrf': reciprocal-rank fusion; 'append': the tree ranking first, then the flat documents it lacks
   * (in flat order), so the flat list only fills the tail (traverser/fuse.ts). Defaults to 'rrf'.
   */
  method?: 'rrf' | 'append';
  /** RRF smoothing constant k in 1 / (k + rank). Defaults to 60. */
  k?: number;
  /** 'append' only: tree documents scoring below this go after the flat ones. Defaults to none (all tree documents first). */
  minScore?: number;
  /**
   * 'append' only: at most this many tree documents come before the flat ones; the rest follow them.
   * Defaults to none (every tree document first). The tree then decides the first page and the flat
   * retriever the tail, where a judged but weakly scored document is worth less than a flat hit.
   */
  head?: number;
}

export interface SearchOptions {
  /** Frontier nodes expanded per iteration (B). Defaults to 2 (reference). */
  beamSize: number;
  /** Maximum iterations (N). Defaults to 20 (reference). */
  iterations: number;
  /**
   * Most children shown in one slate. A node with more children is split into
   * ceil(n / maxSlateSize) contiguous, near-equal parts, each judged as its own slate with the
   * same anchors (one judge call per part). Defaults to 40.
   */
  maxSlateSize: number;
  /**
   * Calibration leaves (K) appended to a slate whose children are all leaves: the best-calibrated
   * leaf seen so far (the anchor) plus K − 1 drawn at random, weighted towards high latents.
   * Defaults to 10 (reference).
   */
  calibrationNodes: number;
  /**
   * Weight of the parent's path relevance: p(v) = (1 − alpha)·score(v) + alpha·p(parent)
   * (paper convention; the reference's rcf = 1 − alpha weighs the node itself; 0.5 is the reference).
   * Defaults to 0.7: on SciFact train (simulated judge, 5 judge seeds) 0.7 vs 0.5 gave nDCG@10
   * 0.9867 vs 0.9853 seeded and 0.9177 vs 0.9105 from the root; the lexical judge from the root 0.282 vs 0.267.
   */
  alpha: number;
  /**
   * Which own-scores build the path relevance that orders the frontier:
   * - 'calibrated' (paper): calibrated latents, recomputed for every node after each refit;
   * - 'raw' (reference code): the raw score a node got when its parent was expanded, with the
   *   reference's rule p(v) = score(v) when score(v) <= 0.09.
   * Defaults to 'calibrated' (provisional; to be settled by measurement).
   */
  frontierScores: 'calibrated' | 'raw';
  /**
   * Final score of a leaf: 'path' = alpha·p(parent) + (1 − alpha)·latent(leaf) (reference);
   * 'latent' = latent(leaf) only. Defaults to 'latent': on SciFact train, seeded, 'latent' vs 'path'
   * gave nDCG@10 0.9867 vs 0.9852 (simulated judge) and 0.698 vs 0.647 (lexical judge, where 'path'
   * lets a weak leaf under a strong parent outrank a seed BM25 put first).
   */
  finalScore: 'path' | 'latent';
  /**
   * Frontier nodes whose own score (as chosen by frontierScores) is below this are not expanded
   * while it stays below (dropped, not sunk; with calibrated scores a refit can lift a node back).
   * Leaves are never pruned from the ranking. Defaults to 0 (off).
   */
  pruneThreshold: number;
  /** Hits returned. Defaults to 10. */
  topK: number;
  /** Spending caps; when one runs out the best ranking so far is returned with budgetLimited. Defaults to {} (none). */
  budget: SearchBudget;
  /**
   * Document ids removed from slates, the calibration pool, seeds, fusion and the output;
   * inner nodes whose documents are all excluded are never shown. Defaults to [].
   */
  excludeIds: readonly string[];
  /**
   * How judge scores become latents (traverser/calibrate.ts): 'joint' fits a scale and an offset per
   * slate; 'offset' an offset per slate with slope 1 (the reference model, as published before);
   * 'none' (ablation) uses a node's last raw score. Defaults to 'joint'. Measured nDCG@10 at the other
   * defaults, simulated judge (joint / offset / none): SciFact train seeded 0.9867 / 0.9846 / 0.9763,
   * from the root 0.9186 / 0.9163 / 0.9110; Cranfield, graded judgments (held-out half), 0.8641 / 0.8557 / 0.7636.
   */
  calibration: CalibrationMethod;
  /**
   * Ridges of the calibration fit: `offset` pulls slate offsets toward 0, `scale` slate scales toward 1
   * ('joint' only). Absent fields use calibrate.ts's defaults for the method (joint: 1 and 1, a prior of
   * offsets within about ±10 points and scales within about ±25 % against 15-25 points of noise per
   * score; SciFact train was flat between 0.1 and 3). Defaults to {}.
   */
  calibrationRidges: { offset?: number; scale?: number };
  /**
   * Anchors appended to a slate whose children are not all leaves: the reference node (the best
   * scored node at the parent's depth) and then the best scored inner nodes at depths 1 to the
   * parent's depth, by path relevance; 1 is the reference's single anchor, 0 none. Leaf slates take
   * calibration leaves instead. Defaults to 5: on SciFact train (simulated judge) 1 / 3 / 5 anchors gave
   * nDCG@10 about 0.983 / 0.986 / 0.987 seeded and 0.898 / 0.914 / 0.919 from the root, for about
   * 2 more candidates per slate on average (slate 11.7 → 13.9).
   */
  innerAnchors: number;
  /** false (ablation, the paper's alpha = 0): path relevance and final scores use the node's own score only. Defaults to true. */
  pathRelevance: boolean;
  /** Seed of the calibration-leaf draws (one generator per query and iteration). Defaults to 0. */
  seed: number | string;
  /** Query id passed to the judge (lets oracle judges look up judgments); also seeds the draws. Defaults to none. */
  queryId?: string;
  /** Slates judged at once within one iteration. Defaults to 4. */
  concurrency: number;
  /** Stops the search; the best ranking so far is returned with stopReason 'aborted'. */
  abortSignal?: AbortSignal;
  /** Fuse the tree ranking with a flat ranking (reciprocal-rank fusion). Defaults to none (off). */
  flat?: FlatFusion;
  /**
   * Document ids from a flat retriever: judged together in one extra slate at iteration 0; their
   * ancestors join the frontier with the best seed score below them as a provisional own score
   * until they are scored themselves, and their leaves join the calibration pool. Defaults to [] (off).
   */
  seeds: readonly string[];
  /** Judge used for a slate when the primary judge throws or answers unusably. Defaults to none. */
  fallbackJudge?: Judge;
  /** A node whose slate failed is retried in later iterations at most this many times, then dropped. Defaults to 2. */
  maxSlateRetries: number;
  /** Frontier entries recorded in the trace per iteration. Defaults to 10. */
  traceFrontier: number;
}

/** The documented defaults; `search` merges a partial options object over these. */
export const DEFAULT_SEARCH_OPTIONS: Readonly<SearchOptions> = Object.freeze({
  beamSize: 2,
  iterations: 20,
  maxSlateSize: 40,
  calibrationNodes: 10,
  alpha: 0.7,
  frontierScores: 'calibrated',
  finalScore: 'latent',
  pruneThreshold: 0,
  topK: 10,
  budget: Object.freeze({}),
  excludeIds: Object.freeze([]),
  calibration: 'joint',
  calibrationRidges: Object.freeze({}),
  innerAnchors: 5,
  pathRelevance: true,
  seed: 0,
  concurrency: 4,
  seeds: Object.freeze([]),
  maxSlateRetries: 2,
  traceFrontier: 10,
}) as Readonly<SearchOptions>;

export interface SearchHitPathEntry {
  id: number;
  title: string;
  kind: NodeKind;
}

export interface SearchHit {
  docId: string;
  /** The node that earned the document its rank: the document leaf or its best chunk. */
  nodeId: number;
  /** Ranking score (the final leaf score, or the fused score with `flat`). */
  score: number;
  /** 1-based. */
  rank: number;
  title: string;
  /** First ~200 characters of the node's text, whitespace collapsed. */
  snippet: string;
  /** Present when the best node is a chunk; offsets into the document's text. */
  chunk?: { index: number; start: number; end: number };
  /** From the root down to `nodeId`, both included. */
  path: SearchHitPathEntry[];
}

export type StopReason = 'iterations' | 'frontier-empty' | 'budget' | 'aborted';

export type CandidateRole = 'child' | 'calibration' | 'anchor' | 'seed';

export interface TraceCandidate {
  id: number;
  role: CandidateRole;
  /** Score on 0..1 after clamping, or null when the judge gave none usable. */
  score: number | null;
  reason?: string;
}

export interface TraceSlate {
  iteration: number;
  /** Node whose children are judged; null for the seed slate. */
  parentId: number | null;
  /** Part index and count when the children were split over several slates. */
  part?: { index: number; of: number };
  candidates: TraceCandidate[];
  status: 'ok' | 'degraded' | 'failed';
  /** Which judge produced the scores. */
  judgedBy?: 'primary' | 'fallback';
  latencyMs: number;
  /** Why the slate is degraded: the judge's own report, invalid entries, clamping or a fallback. */
  degraded?: { code: string; message: string; candidates: number };
  /** Why the slate failed (no usable scores). */
  error?: { code: string; message: string };
}

export interface TraceIteration {
  iteration: number;
  /** Nodes expanded this iteration, best first. */
  beam: number[];
  /** Best frontier entries before expansion, with their path relevance. */
  frontier: { id: number; p: number }[];
  /** Judge scores calibrated so far (all slates of the query, this iteration included). */
  observations: number;
  /** Engine time (outside the judge) and time waiting for the judge, in ms. */
  engineMs: number;
  judgeMs: number;
}

export interface SearchTrace {
  query: string;
  queryId?: string;
  judge: { provider: string; modelId: string };
  /** Resolved options without the signal, the fallback judge and the flat list's entries. */
  options: Record<string, unknown>;
  slates: TraceSlate[];
  iterations: TraceIteration[];
  /** Calibrated latent (0..1) of every scored node at the end, keyed by node id. */
  latents: Record<string, number>;
  /** Primary judge invocations, fallback judge invocations, judge tokens (input + output). */
  judgeCalls: number;
  fallbackCalls: number;
  tokens: { input: number; output: number };
}

export interface SearchResult {
  hits: SearchHit[];
  budgetLimited: boolean;
  stopReason: StopReason;
  /** Judge usage summed over primary and fallback calls, as the judges reported it. */
  usage: Usage;
  elapsedMs: number;
  /** elapsedMs minus the time spent waiting for the judge. */
  engineMs: number;
  trace: SearchTrace;
}
