/**
 * The online half of LATTICE (arXiv 2510.13217): a judge-guided beam search down the semantic tree.
 * Each iteration expands the best B frontier nodes by path relevance: every node's children are
 * judged in a slate with anchor nodes (traverser/slate.ts, score.ts), all scores so far are
 * re-calibrated jointly, a scale and an offset per slate (calibrate.ts, warm-started from the
 * previous iteration's scales), path relevance is recomputed (path-relevance.ts) and the next beam
 * is chosen (beam.ts). Leaves reached are ranked by their final score (rank.ts), optionally fused
 * with a flat ranking (fuse.ts). Seeds (flat retrieval hits) are judged in one extra slate at iteration 0.
 * Stops after `iterations`, on an empty frontier, on budget exhaustion or abort, always returning
 * the best ranking so far. Invariant: imports nothing from indexer/ or the CLI; deterministic
 * for the same tree, judge answers, query and seed.
 */
import { LatticeError } from '../src/core/errors.js';
import { createRng } from '../src/core/math/random.js';
import { isLeaf } from '../src/core/tree.js';
import type { TreeReader } from '../src/core/tree.js';
import { addUsage, emptyUsage } from '../src/core/types.js';
import type { Judge, TreeNode, Usage } from '../src/core/types.js';
import { referenceNode, selectBeam, topEntries } from './beam.js';
import type { FrontierEntry } from './beam.js';
import { calibrate } from './calibrate.js';
import type { Observation } from './calibrate.js';
import { Exclusion } from './exclusion.js';
import { fuseAppend, fuseRrf } from './fuse.js';
import { resolveSearchOptions } from './options.js';
import { leafScore, pathRelevance } from './path-relevance.js';
import type { PathNode } from './path-relevance.js';
import { rankDocuments } from './rank.js';
import type { RankCandidate, RankedDocument } from './rank.js';
import { observationsOf, scoreSlate } from './score.js';
import type { SlateScores } from './score.js';
import { buildSeedSlate, buildSlates, drawCalibrationLeaves, splitChildren } from './slate.js';
import type { ChildPart, PoolLeaf, Slate } from './slate.js';
import type {
  SearchHit,
  SearchOptions,
  SearchResult,
  SearchTrace,
  StopReason,
  TraceIteration,
  TraceSlate,
} from './types.js';

const SNIPPET_CHARS = 200;

/** Per-query state of one instantiated tree node. */
interface NodeState extends FrontierEntry {
  node: TreeNode;
  depth: number;
  leaf: boolean;
  /** Raw score from the slate that created the node (child or seed role); null until one is usable. */
  local: number | null;
  /** Calibrated latent (0..1); null while the node has no usable score. */
  latent: number | null;
  expanded: boolean;
  /** Children parts still to judge; null before the first expansion attempt. */
  pending: ChildPart[] | null;
  failures: number;
  dropped: boolean;
}

/**
 * Searches `tree` for `query`, asking `judge` to score slates of nodes; see SearchOptions for the
 * knobs and their defaults (DEFAULT_SEARCH_OPTIONS). Judge failures degrade the search and are
 * traced; bad options or an empty query throw CONFIG_INVALID.
 */
export async function search(
  tree: TreeReader,
  judge: Judge,
  query: string,
  options: Partial<SearchOptions> = {},
): Promise<SearchResult> {
  const started = performance.now();
  const opts = resolveSearchOptions(options);
  if (typeof query !== 'string' || query.trim().length === 0) {
    throw new LatticeError('CONFIG_INVALID', `Query is empty: ${JSON.stringify(query)}.`, {
      hint: 'Pass a non-empty query string.',
    });
  }
  if (typeof judge !== 'object' || judge === null || typeof judge.doJudge !== 'function') {
    throw new LatticeError('CONFIG_INVALID', 'The judge has no doJudge method.', {
      hint: 'Pass a Judge (see src/core/types.ts), e.g. the lexical judge or an LLM judge.',
    });
  }
  return new SearchRun(tree, judge, query, opts).run(started);
}

class SearchRun {
  private readonly states = new Map<number, NodeState>();
  /** Instantiated nodes in creation order (parents always before children). */
  private readonly order: NodeState[] = [];
  private readonly observations: Observation[] = [];
  private readonly exclusion: Exclusion;
  private readonly usage: Usage = emptyUsage();
  private readonly slateTrace: TraceSlate[] = [];
  private readonly iterationTrace: TraceIteration[] = [];
  private slateCount = 0;
  private primaryCalls = 0;
  private fallbackCalls = 0;
  private judgeMs = 0;
  private seedsIgnored = 0;
  /** Slate scales of the last calibration fit, the next fit's starting point. */
  private scales: ReadonlyMap<number, number> = new Map();

  constructor(
    private readonly tree: TreeReader,
    private readonly judge: Judge,
    private readonly query: string,
    private readonly opts: Readonly<SearchOptions>,
  ) {
    this.exclusion = new Exclusion(tree, opts.excludeIds);
  }

  async run(started: number): Promise<SearchResult> {
    const { opts } = this;
    const root = this.instantiate(this.tree.root());
    if (this.exclusion.hides(root.node)) root.dropped = true;
    const seedNodes = this.seedNodes();
    let stopReason: StopReason = 'iterations';
    let budgetLimited = false;

    for (let iteration = 0; iteration < opts.iterations; iteration++) {
      const iterationStart = performance.now();
      const judgeBefore = this.judgeMs;
      if (opts.abortSignal?.aborted) {
        stopReason = 'aborted';
        break;
      }
      const { beam, top } = selectBeam(this.frontier(), opts.beamSize, opts.pruneThreshold, opts.traceFrontier);
      const withSeeds = iteration === 0 && seedNodes.length > 0;
      if (beam.length === 0 && !withSeeds) {
        stopReason = 'frontier-empty';
        break;
      }
      if (this.budgetExhausted()) {
        stopReason = 'budget';
        budgetLimited = true;
        break;
      }

      const slates = this.planSlates(iteration, beam);
      if (withSeeds) slates.push(buildSeedSlate(iteration, seedNodes));

      const { outcomes, cut } = await this.judgeSlates(slates);
      let aborted = false;
      const failedNodes = new Set<NodeState>();
      outcomes.forEach((outcome, i) => {
        if (outcome.aborted) aborted = true;
        this.record(slates[i]!, outcome, failedNodes);
      });
      for (const state of failedNodes) {
        state.failures++;
        if (state.failures > opts.maxSlateRetries) state.dropped = true;
      }
      this.refit();

      const iterationMs = performance.now() - iterationStart;
      const judgeMs = this.judgeMs - judgeBefore;
      this.iterationTrace.push({
        iteration,
        beam: beam.map((entry) => entry.id),
        frontier: top.map((entry) => ({ id: entry.id, p: round(entry.p) })),
        observations: this.observations.length,
        engineMs: round(iterationMs - judgeMs, 3),
        judgeMs: round(judgeMs, 3),
      });
      if (aborted || opts.abortSignal?.aborted) {
        stopReason = 'aborted';
        break;
      }
      if (cut) {
        stopReason = 'budget';
        budgetLimited = true;
        break;
      }
    }

    const ranked = this.rank();
    const hits = this.hits(ranked);
    const elapsedMs = performance.now() - started;
    return {
      hits,
      budgetLimited,
      stopReason,
      usage: this.usage,
      elapsedMs,
      engineMs: Math.max(0, elapsedMs - this.judgeMs),
      trace: this.trace(),
    };
  }

  // -- frontier ------------------------------------------------------------

  private frontier(): NodeState[] {
    return this.order.filter((state) => !state.leaf && !state.expanded && !state.dropped);
  }

  private instantiate(node: TreeNode): NodeState {
    const existing = this.states.get(node.id);
    if (existing) return existing;
    if (node.parentId !== null && !this.states.has(node.parentId)) {
      // Only seeds reach a node before its parent; their whole chain is created root-down.
      for (const ancestor of this.tree.path(node.id).slice(0, -1)) this.instantiate(ancestor);
    }
    const state: NodeState = {
      id: node.id,
      node,
      depth: node.depth,
      preorder: node.preorder,
      leaf: isLeaf(node),
      p: node.parentId === null ? 1 : 0,
      own: node.parentId === null ? 1 : 0,
      local: null,
      latent: null,
      expanded: false,
      pending: null,
      failures: 0,
      dropped: false,
    };
    this.states.set(node.id, state);
    this.order.push(state);
    return state;
  }

  private seedNodes(): TreeNode[] {
    const out: TreeNode[] = [];
    const seen = new Set<string>();
    for (const docId of this.opts.seeds) {
      if (seen.has(docId)) continue;
      seen.add(docId);
      const node = this.tree.documentNode(docId);
      if (!node || this.exclusion.hides(node) || out.length >= this.opts.maxSlateSize) {
        this.seedsIgnored++;
        continue;
      }
      out.push(node);
    }
    return out;
  }

  // -- slates --------------------------------------------------------------

  private planSlates(iteration: number, beam: readonly NodeState[]): Slate[] {
    const { opts } = this;
    const pool: PoolLeaf[] = [];
    for (const state of this.order) {
      if (state.leaf && state.latent !== null) pool.push({ node: state.node, latent: state.latent });
    }
    const rng = createRng(`${String(opts.seed)}\u0000${opts.queryId ?? this.query}\u0000${iteration}`);
    const calibration = drawCalibrationLeaves(pool, opts.calibrationNodes, rng);
    // Scores do not change while slates are planned, so the scored nodes are listed once.
    const scored = this.order.filter((other) => other.latent !== null);
    const scoredInner = scored.filter((other) => !other.leaf && other.depth >= 1);
    const slates: Slate[] = [];
    for (const state of beam) {
      if (state.pending === null) {
        const visible = this.tree.children(state.id).filter((child) => !this.exclusion.hides(child));
        state.pending = splitChildren(visible, opts.maxSlateSize);
      }
      if (state.pending.length === 0) {
        state.expanded = true;
        continue;
      }
      const reference = state.node.parentId === null || opts.innerAnchors < 1 ? null : referenceNode(scored, state.depth);
      const innerAnchors =
        reference === null || opts.innerAnchors <= 1
          ? []
          : topEntries(
              scoredInner.filter((other) => other.depth <= state.depth && other !== reference),
              opts.innerAnchors - 1,
            ).map((other) => other.node);
      slates.push(
        ...buildSlates({ iteration, parent: state.node, parts: state.pending, calibration, reference: reference?.node ?? null, innerAnchors }),
      );
    }
    return slates;
  }

  private budgetExhausted(): boolean {
    const { calls, tokens } = this.opts.budget;
    if (calls !== undefined && this.primaryCalls >= calls) return true;
    return tokens !== undefined && this.usage.inputTokens + this.usage.outputTokens >= tokens;
  }

  /** Judges slates in waves of `concurrency`, checking the budget and the abort signal before each wave. */
  private async judgeSlates(slates: readonly Slate[]): Promise<{ outcomes: SlateScores[]; cut: boolean }> {
    const outcomes: SlateScores[] = [];
    const context = {
      judge: this.judge,
      query: this.query,
      ...(this.opts.fallbackJudge ? { fallbackJudge: this.opts.fallbackJudge } : {}),
      ...(this.opts.queryId !== undefined ? { queryId: this.opts.queryId } : {}),
      ...(this.opts.abortSignal ? { abortSignal: this.opts.abortSignal } : {}),
    };
    let at = 0;
    while (at < slates.length) {
      if (this.opts.abortSignal?.aborted) break;
      if (this.budgetExhausted()) return { outcomes, cut: true };
      const callsLeft =
        this.opts.budget.calls === undefined ? Number.POSITIVE_INFINITY : this.opts.budget.calls - this.primaryCalls;
      const wave = slates.slice(at, at + Math.min(this.opts.concurrency, callsLeft));
      if (wave.length === 0) return { outcomes, cut: true };
      this.primaryCalls += wave.length;
      const waveStart = performance.now();
      const results = await Promise.all(wave.map((slate) => scoreSlate(slate, context)));
      this.judgeMs += performance.now() - waveStart;
      for (const result of results) {
        addUsage(this.usage, result.usage);
        if (result.fallbackCalled) this.fallbackCalls++;
        outcomes.push(result);
      }
      at += wave.length;
    }
    return { outcomes, cut: false };
  }

  /** Records a judged slate: trace entry, observations, newly reached nodes and expansion progress. */
  private record(slate: Slate, outcome: SlateScores, failedNodes: Set<NodeState>): void {
    this.slateTrace.push({
      iteration: slate.iteration,
      parentId: slate.parentId,
      ...(slate.part ? { part: slate.part } : {}),
      candidates: slate.candidates.map((candidate, i) => {
        const score = outcome.scores[i];
        const reason = outcome.reasons[i];
        return {
          id: candidate.node.id,
          role: candidate.role,
          score: score === null || score === undefined ? null : round(score),
          ...(reason ? { reason } : {}),
        };
      }),
      status: outcome.status,
      ...(outcome.judgedBy ? { judgedBy: outcome.judgedBy } : {}),
      latencyMs: round(outcome.latencyMs, 1),
      ...(outcome.degraded ? { degraded: outcome.degraded } : {}),
      ...(outcome.error ? { error: outcome.error } : {}),
    });
    const parent = slate.parentId === null ? null : this.states.get(slate.parentId)!;
    if (outcome.status === 'failed') {
      if (parent && !outcome.aborted) failedNodes.add(parent);
      return;
    }
    const slateId = this.slateCount++;
    this.observations.push(...observationsOf(slate, outcome.scores, slateId));
    slate.candidates.forEach((candidate, i) => {
      if (candidate.role !== 'child' && candidate.role !== 'seed') return;
      const state = this.instantiate(candidate.node);
      const score = outcome.scores[i];
      if (state.local === null && score !== null && score !== undefined) state.local = score;
    });
    if (parent && parent.pending) {
      const index = slate.part?.index ?? 0;
      parent.pending = parent.pending.filter((part) => part.index !== index);
      if (parent.pending.length === 0) parent.expanded = true;
    }
  }

  // -- calibration and path relevance -------------------------------------

  private refit(): void {
    const { opts } = this;
    const fit = calibrate(this.observations, {
      method: opts.calibration,
      offsetRidge: opts.calibrationRidges.offset,
      scaleRidge: opts.calibrationRidges.scale,
      initialScales: this.scales,
    });
    this.scales = fit.scales;
    for (const state of this.order) state.latent = fit.latents.get(state.id) ?? null;
    const nodes: PathNode[] = this.order.map((state) => ({
      id: state.id,
      parentId: state.node.parentId,
      score: opts.frontierScores === 'raw' ? state.local : state.latent,
    }));
    const { p, own } = pathRelevance(nodes, {
      alpha: opts.alpha,
      mode: opts.frontierScores,
      enabled: opts.pathRelevance,
    });
    for (const state of this.order) {
      state.p = p.get(state.id)!;
      state.own = own.get(state.id)!;
    }
  }

  // -- ranking and hits ----------------------------------------------------

  /**
   * Every reached leaf scores alpha·p(parent) + (1 − alpha)·latent; leaves never scored rank after
   * all scored ones. A chunked document ranks by its best chunk, or by its own latent while none
   * of its chunks has been scored.
   */
  private rank(): RankedDocument[] {
    const { opts } = this;
    const settings = { alpha: opts.alpha, enabled: opts.pathRelevance, finalScore: opts.finalScore };
    const chunkScored = new Set<string>();
    for (const state of this.order) {
      if (state.leaf && state.node.kind === 'chunk' && state.latent !== null && state.node.docId !== null) {
        chunkScored.add(state.node.docId);
      }
    }
    const candidates: RankCandidate[] = [];
    for (const state of this.order) {
      const { node } = state;
      if (node.docId === null || node.parentId === null || this.exclusion.has(node.docId)) continue;
      const chunkedDocument = !state.leaf && node.kind === 'document';
      if (!state.leaf && !(chunkedDocument && state.latent !== null && !chunkScored.has(node.docId))) continue;
      const parentP = this.states.get(node.parentId)?.p ?? 0;
      candidates.push({
        docId: node.docId,
        nodeId: node.id,
        preorder: node.preorder,
        score: leafScore(parentP, state.latent ?? 0, settings),
        scored: state.latent !== null,
      });
    }
    return rankDocuments(candidates);
  }

  private hits(ranked: readonly RankedDocument[]): SearchHit[] {
    const { opts } = this;
    let chosen: { docId: string; nodeId: number; score: number }[];
    if (opts.flat) {
      const byDoc = new Map(ranked.map((entry) => [entry.docId, entry]));
      const flat = opts.flat.results.filter((entry) => !this.exclusion.has(entry.docId));
      const fused =
        opts.flat.method === 'append'
          ? fuseAppend(ranked, flat, {
              ...(opts.flat.minScore !== undefined ? { minScore: opts.flat.minScore } : {}),
              ...(opts.flat.head !== undefined ? { head: opts.flat.head } : {}),
            })
          : fuseRrf(
              ranked.map((entry) => entry.docId),
              flat,
              { ...(opts.flat.weight !== undefined ? { weight: opts.flat.weight } : {}), ...(opts.flat.k !== undefined ? { k: opts.flat.k } : {}) },
            );
      chosen = [];
      for (const entry of fused) {
        if (chosen.length >= opts.topK) break;
        const nodeId = byDoc.get(entry.docId)?.nodeId ?? this.tree.documentNode(entry.docId)?.id;
        // A flat result that is not in this tree cannot be shown with a path; it is skipped.
        if (nodeId === undefined) continue;
        chosen.push({ docId: entry.docId, nodeId, score: entry.score });
      }
    } else {
      chosen = ranked.slice(0, opts.topK).map(({ docId, nodeId, score }) => ({ docId, nodeId, score }));
    }
    return chosen.map((entry, i) => {
      const path = this.tree.path(entry.nodeId);
      const node = path[path.length - 1]!;
      const snippet = node.text.replace(/\s+/g, ' ').trim().slice(0, SNIPPET_CHARS);
      return {
        docId: entry.docId,
        nodeId: entry.nodeId,
        score: entry.score,
        rank: i + 1,
        title: node.title,
        snippet,
        ...(node.kind === 'chunk' && node.chunkIndex !== null
          ? { chunk: { index: node.chunkIndex, start: node.charStart ?? 0, end: node.charEnd ?? 0 } }
          : {}),
        path: path.map((step) => ({ id: step.id, title: step.title, kind: step.kind })),
      };
    });
  }

  private trace(): SearchTrace {
    const { opts } = this;
    const latents: Record<string, number> = {};
    for (const state of this.order) if (state.latent !== null) latents[String(state.id)] = round(state.latent);
    const { abortSignal: _signal, fallbackJudge, flat, excludeIds, ...plain } = opts;
    return {
      query: this.query,
      ...(opts.queryId !== undefined ? { queryId: opts.queryId } : {}),
      judge: { provider: this.judge.provider, modelId: this.judge.modelId },
      options: {
        ...plain,
        budget: { ...opts.budget },
        seeds: [...opts.seeds],
        excludeIds: excludeIds.length,
        ...(this.seedsIgnored > 0 ? { seedsIgnored: this.seedsIgnored } : {}),
        ...(fallbackJudge ? { fallbackJudge: { provider: fallbackJudge.provider, modelId: fallbackJudge.modelId } } : {}),
        ...(flat
          ? {
              flat: {
                results: flat.results.length,
                weight: flat.weight ?? 1,
                method: flat.method ?? 'rrf',
                k: flat.k ?? 60,
                ...(flat.minScore !== undefined ? { minScore: flat.minScore } : {}),
                ...(flat.head !== undefined ? { head: flat.head } : {}),
              },
            }
          : {}),
      },
      slates: this.slateTrace,
      iterations: this.iterationTrace,
      latents,
      judgeCalls: this.primaryCalls,
      fallbackCalls: this.fallbackCalls,
      tokens: { input: this.usage.inputTokens, output: this.usage.outputTokens },
    };
  }
}

function round(value: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
