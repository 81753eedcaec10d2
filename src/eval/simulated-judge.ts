/**
 * A judge that knows the query's relevance judgments (qrels) and scores slates like a noisy,
 * miscalibrated LLM, so benchmarks measure what the engine (calibration, path relevance, beam search)
 * does with a noisy signal per judge call, through the same Judge interface as a model.
 * Model (fixed defaults, so figures compare across runs): rel(leaf) = grade / top grade; rel(inner) =
 * max over its documents, taken as 0 with probability 0.2 once per query and node (a miss). Per slate
 * s ~ U(0.6, 1.2), o ~ U(-15, 15); score = clip(100·(s·rel + noise) + o, 0, 100), noise ~ N(0, 0.15)
 * on leaves, N(0, 0.25) on inner nodes. Invariant: a slate's scores depend only on (seed, query id, node ids).
 */
import { LatticeError } from '../core/errors.js';
import { createRng, gaussian, type Rng } from '../core/math/random.js';
import type { Judge, JudgeCandidate, JudgeRequest, JudgeResult, TreeNode } from '../core/types.js';
import { LLM_JUDGE_CANDIDATE_CHARS, LLM_JUDGE_TITLE_CHARS } from '../core/providers/llm-judge.js';

/** Query id -> document id -> relevance grade (BEIR qrels; grade > 0 is relevant). */
export type SimulatedQrels = ReadonlyMap<string, ReadonlyMap<string, number>>;

/** The part of a tree the judge needs to find the inner nodes above a relevant document. */
export interface SimulatedJudgeTree {
  /** Nodes from the root down to `id`, both included. */
  path(id: number): TreeNode[];
  /** The `document` node of a document id, or undefined when it is not in the tree. */
  documentNode(docId: string): TreeNode | undefined;
}

/** Noise model of the simulated judge. Every field is optional; the defaults are the published ones. */
export interface SimulatedJudgeParams {
  /** Seed of every draw. Defaults to 0. */
  seed?: number | string;
  /** Per-slate scale s ~ U(scaleMin, scaleMax). Defaults to 0.6 and 1.2. */
  scaleMin?: number;
  scaleMax?: number;
  /** Per-slate offset o ~ U(−offsetSpread, offsetSpread), in score points (0..100). Defaults to 15. */
  offsetSpread?: number;
  /** Standard deviation of the per-score noise on leaves, on the 0..1 relevance scale. Defaults to 0.15. */
  leafNoise?: number;
  /** Standard deviation of the per-score noise on inner nodes (summaries are lossy). Defaults to 0.25. */
  innerNoise?: number;
  /** Probability that an inner node above relevant documents is missed (rel taken as 0). Defaults to 0.2. */
  missProbability?: number;
  /** Grade that maps to relevance 1. Defaults to the highest grade in the qrels. */
  topGrade?: number;
}

export interface SimulatedJudgeOptions extends SimulatedJudgeParams {
  qrels: SimulatedQrels;
  tree: SimulatedJudgeTree;
}

/** The published defaults of the noise model. */
export const DEFAULT_SIMULATED_JUDGE_PARAMS = Object.freeze({
  seed: 0 as number | string,
  scaleMin: 0.6,
  scaleMax: 1.2,
  offsetSpread: 15,
  leafNoise: 0.15,
  innerNoise: 0.25,
  missProbability: 0.2,
});

type ResolvedParams = Required<Omit<SimulatedJudgeParams, 'topGrade'>>;

/** What one slate drew: its scale and offset, and per candidate the relevance used, the noise and the score. */
export interface SimulatedSlate {
  scale: number;
  offset: number;
  /** Relevance after misses, on 0..1. */
  relevance: number[];
  /** Noise drawn per candidate, on the 0..1 scale. */
  noise: number[];
  /** 100·(s·rel + noise) + o before clipping. */
  unclipped: number[];
  /** Scores on 0..100. */
  scores: number[];
}

/**
 * Draws one slate's scores from its candidates' relevance (after misses) and kinds, with `rng`.
 * Exposed so the noise model can be tested draw by draw.
 */
export function simulateSlate(
  relevance: readonly number[],
  kinds: readonly ('leaf' | 'inner')[],
  params: Pick<ResolvedParams, 'scaleMin' | 'scaleMax' | 'offsetSpread' | 'leafNoise' | 'innerNoise'>,
  rng: Rng,
): SimulatedSlate {
  // Every draw is made whatever the parameters, so sweeps over one parameter reuse the same
  // random numbers for the others (paired comparisons).
  const scale = params.scaleMin + (params.scaleMax - params.scaleMin) * rng();
  const u = rng();
  const offset = params.offsetSpread === 0 ? 0 : params.offsetSpread * (2 * u - 1);
  const noise: number[] = [];
  const unclipped: number[] = [];
  const scores: number[] = [];
  relevance.forEach((rel, i) => {
    const sd = kinds[i] === 'inner' ? params.innerNoise : params.leafNoise;
    const z = gaussian(rng);
    const e = sd === 0 ? 0 : sd * z;
    const raw = 100 * (scale * rel + e) + offset;
    noise.push(e);
    unclipped.push(raw);
    scores.push(Math.min(100, Math.max(0, raw)));
  });
  return { scale, offset, relevance: [...relevance], noise, unclipped, scores };
}

// Rough size of what an LLM judge would read and write, so token figures mean something:
// the scoring prompt, candidates cut as the LLM judge cuts them, ~4 characters a token.
const PROMPT_CHARS = 1200;
const CHARS_PER_TOKEN = 4;
const OUTPUT_TOKENS_PER_CANDIDATE = 20;

/** A Judge that scores from the qrels with the noise model above; see the module comment. */
export class SimulatedJudge implements Judge {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'simulated';
  readonly modelId: string;
  /** Resolved noise parameters (defaults filled in). */
  readonly params: Readonly<ResolvedParams & { topGrade: number }>;
  private readonly qrels: SimulatedQrels;
  private readonly tree: SimulatedJudgeTree;
  /** Per query: node id -> highest grade of a document below it (before misses). */
  private readonly nodeGrades = new Map<string, Map<number, number>>();

  constructor(options: SimulatedJudgeOptions) {
    if (!options || !(options.qrels instanceof Map)) {
      throw new LatticeError('CONFIG_INVALID', 'The simulated judge needs qrels (query id -> document id -> grade).', {
        hint: 'Load them with loadQrels(<dataset>/qrels/test.tsv) from src/eval/metrics.ts.',
      });
    }
    if (!options.tree || typeof options.tree.path !== 'function' || typeof options.tree.documentNode !== 'function') {
      throw new LatticeError('CONFIG_INVALID', 'The simulated judge needs the tree (path and documentNode) to judge inner nodes.', {
        hint: 'Pass openIndex(file).tree() or any TreeReader.',
      });
    }
    this.qrels = options.qrels;
    this.tree = options.tree;
    const merged = { ...DEFAULT_SIMULATED_JUDGE_PARAMS };
    for (const key of Object.keys(DEFAULT_SIMULATED_JUDGE_PARAMS) as (keyof typeof merged)[]) {
      const value = options[key];
      if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
    }
    let top = 0;
    for (const judged of options.qrels.values()) for (const grade of judged.values()) top = Math.max(top, grade);
    const topGrade = options.topGrade ?? top;
    checkParams({ ...merged, topGrade });
    this.params = Object.freeze({ ...merged, topGrade });
    const p = this.params;
    this.modelId = `qrels s~U(${p.scaleMin},${p.scaleMax}) o~U(±${p.offsetSpread}) noise ${p.leafNoise}/${p.innerNoise} miss ${p.missProbability} seed ${String(p.seed)}`;
  }

  async doJudge(request: JudgeRequest): Promise<JudgeResult> {
    return this.judgeSync(request);
  }

  /** The same as doJudge, synchronously (the judge does no I/O). */
  judgeSync(request: JudgeRequest): JudgeResult {
    const queryId = request.queryId;
    if (queryId === undefined) {
      throw new LatticeError('CONFIG_MISSING', 'The simulated judge needs the query id to look up its judgments.', {
        hint: 'Pass queryId in the search options (the evaluation does this for you).',
      });
    }
    const judged = this.qrels.get(queryId);
    if (!judged) {
      throw new LatticeError('EVAL_DATASET', `The simulated judge has no judgments for query "${queryId}".`, {
        hint: 'Evaluate only queries that appear in the qrels of the split.',
      });
    }
    const candidates = request.candidates;
    const relevance = candidates.map((candidate) => this.relevance(queryId, judged, candidate));
    const kinds = candidates.map((candidate) => candidate.kind);
    const key = candidates.map((candidate) => candidate.nodeId).join(',');
    const rng = createRng(`${String(this.params.seed)}\u0000${queryId}\u0000slate\u0000${key}`);
    const slate = simulateSlate(relevance, kinds, this.params, rng);
    let chars = PROMPT_CHARS + request.query.length;
    for (const candidate of candidates) {
      chars += Math.min(candidate.title.length, LLM_JUDGE_TITLE_CHARS) + Math.min(candidate.text.length, LLM_JUDGE_CANDIDATE_CHARS) + 16;
    }
    return {
      scores: slate.scores,
      usage: {
        inputTokens: Math.ceil(chars / CHARS_PER_TOKEN),
        outputTokens: OUTPUT_TOKENS_PER_CANDIDATE * candidates.length,
      },
    };
  }

  /** True relevance of a candidate for a query, on 0..1, after the query's misses. */
  relevance(queryId: string, judged: ReadonlyMap<string, number>, candidate: JudgeCandidate): number {
    const top = this.params.topGrade;
    if (top <= 0) return 0;
    if (candidate.kind === 'leaf') {
      const docId = candidate.docId ?? this.docOf(candidate.nodeId);
      const grade = docId === undefined ? 0 : judged.get(docId) ?? 0;
      return grade > 0 ? Math.min(1, grade / top) : 0;
    }
    const grade = this.gradesFor(queryId, judged).get(candidate.nodeId) ?? 0;
    if (grade <= 0) return 0;
    if (this.missed(queryId, candidate.nodeId)) return 0;
    return Math.min(1, grade / top);
  }

  /** Whether the inner node is missed for this query (drawn once per query and node). */
  missed(queryId: string, nodeId: number): boolean {
    const p = this.params.missProbability;
    if (p <= 0) return false;
    return createRng(`${String(this.params.seed)}\u0000${queryId}\u0000miss\u0000${nodeId}`)() < p;
  }

  private docOf(nodeId: number): string | undefined {
    const path = this.tree.path(nodeId);
    return path[path.length - 1]?.docId ?? undefined;
  }

  /** Highest grade below each ancestor of the query's relevant documents (the documents included). */
  private gradesFor(queryId: string, judged: ReadonlyMap<string, number>): Map<number, number> {
    let grades = this.nodeGrades.get(queryId);
    if (grades) return grades;
    grades = new Map();
    for (const [docId, grade] of judged) {
      if (!(grade > 0)) continue;
      const node = this.tree.documentNode(docId);
      if (!node) continue;
      for (const ancestor of this.tree.path(node.id)) {
        if ((grades.get(ancestor.id) ?? 0) < grade) grades.set(ancestor.id, grade);
      }
    }
    // Bounded memory for long evaluations: one query's map is all a search needs at a time.
    if (this.nodeGrades.size >= 64) this.nodeGrades.clear();
    this.nodeGrades.set(queryId, grades);
    return grades;
  }
}

function checkParams(p: ResolvedParams & { topGrade: number }): void {
  const bad = (name: string, value: unknown, hint: string): never => {
    throw new LatticeError('CONFIG_INVALID', `Invalid simulated judge parameter ${name}: ${String(value)}.`, { hint });
  };
  const finite = (name: string, value: number) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) bad(name, value, 'Use a finite number.');
  };
  for (const name of ['scaleMin', 'scaleMax', 'offsetSpread', 'leafNoise', 'innerNoise', 'missProbability', 'topGrade'] as const) {
    finite(name, p[name]);
  }
  if (p.scaleMin > p.scaleMax) bad('scaleMin', p.scaleMin, `Use scaleMin <= scaleMax (${p.scaleMax}).`);
  if (p.offsetSpread < 0) bad('offsetSpread', p.offsetSpread, 'Use a spread >= 0 (score points).');
  if (p.leafNoise < 0) bad('leafNoise', p.leafNoise, 'Use a standard deviation >= 0.');
  if (p.innerNoise < 0) bad('innerNoise', p.innerNoise, 'Use a standard deviation >= 0.');
  if (p.missProbability < 0 || p.missProbability > 1) bad('missProbability', p.missProbability, 'Use a probability between 0 and 1.');
  if (p.topGrade < 0) bad('topGrade', p.topGrade, 'Use the highest relevance grade of the collection (e.g. 1 for binary qrels).');
  if (!(typeof p.seed === 'string' || (typeof p.seed === 'number' && Number.isFinite(p.seed)))) {
    bad('seed', p.seed, 'Use a finite number or a string.');
  }
}
