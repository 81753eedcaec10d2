/**
 * A judge made of an embedder: each candidate scores 100 · max(0, cosine(query, candidate)).
 * Why it exists: it is a real, non-oracle and noisy judge that costs one query embedding per
 * search (candidates with a stored vector cost nothing), so every benchmark can run with a
 * judge that is neither lexical nor the simulated oracle.
 * Where the candidate vector comes from: `vectorOf(nodeId)` when given (an index passes its
 * stored node embeddings, made by the same embedder: a document's text, a bottom-up cluster's
 * summary, a top-down cluster's centroid); otherwise the candidate's title and text are embedded
 * here and kept in a bounded cache, as they are for an embedder other than the index's.
 * Invariant: a fixed function of (query, candidate vector); the same candidate scores the same
 * in every slate, and vectors of the wrong length are refused, never silently compared.
 */
import { LatticeError } from '../errors.js';
import { cosine } from '../math/vector.js';
import type { Embedder, Judge, JudgeCandidate, JudgeRequest, JudgeResult } from '../types.js';

export interface EmbeddingJudgeOptions {
  /** Embeds the query, and the candidates that have no stored vector. */
  embedder: Embedder;
  /** Stored vector of a node (made by `embedder`), or undefined to embed its text instead. */
  vectorOf?: ((nodeId: number) => Float32Array | undefined) | undefined;
  /** Characters of a candidate's title and text that are embedded. Default 2,000. */
  maxChars?: number | undefined;
  /** Embedded queries and candidate texts kept. Default 4,096. */
  cacheSize?: number | undefined;
}

const DEFAULT_MAX_CHARS = 2_000;
const DEFAULT_CACHE_SIZE = 4_096;

/** Scores candidates by cosine to the query in an embedding space; provider `embedding`. */
export class EmbeddingJudge implements Judge {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'embedding';
  readonly modelId: string;

  private readonly embedder: Embedder;
  private readonly vectorOf: ((nodeId: number) => Float32Array | undefined) | undefined;
  private readonly maxChars: number;
  private readonly cacheSize: number;
  /** Text -> vector, least recently used first. */
  private readonly cache = new Map<string, Float32Array>();

  constructor(options: EmbeddingJudgeOptions) {
    this.embedder = options.embedder;
    this.vectorOf = options.vectorOf;
    this.maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
    this.cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE;
    this.modelId = `${options.embedder.provider}:${options.embedder.modelId}`;
  }

  async doJudge(request: JudgeRequest): Promise<JudgeResult> {
    const stored = request.candidates.map((c) => this.vectorOf?.(c.nodeId));
    const texts = request.candidates.map((c, i) => (stored[i] ? undefined : this.candidateText(c)));
    const embedded = await this.embedTexts([request.query, ...texts.filter((t): t is string => t !== undefined)], request.abortSignal);
    const query = embedded.get(request.query)!;
    const scores = request.candidates.map((candidate, i) => {
      const vector = stored[i] ?? embedded.get(texts[i]!)!;
      if (vector.length !== query.length) {
        throw new LatticeError('CONFIG_INVALID', `Node ${candidate.nodeId} has a ${vector.length}-dimensional vector; the judge's embedder makes ${query.length}.`, {
          hint: 'Give the embedding judge the embedder the index was built with, or let it embed candidate texts (no stored vectors).',
        });
      }
      return 100 * Math.max(0, Math.min(1, cosine(query, vector)));
    });
    return { scores };
  }

  private candidateText(candidate: JudgeCandidate): string {
    const text = candidate.title && !candidate.text.startsWith(candidate.title) ? `${candidate.title}\n${candidate.text}` : candidate.text;
    return text.slice(0, this.maxChars);
  }

  /** Vectors of `texts`, embedding in one call only those not cached. */
  private async embedTexts(texts: string[], abortSignal: AbortSignal | undefined): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    const missing = new Set<string>();
    for (const text of texts) {
      const hit = this.cache.get(text);
      if (hit) {
        this.cache.delete(text);
        this.cache.set(text, hit);
        out.set(text, hit);
      } else missing.add(text);
    }
    const pending = [...missing];
    const batchSize = Math.max(1, this.embedder.maxBatchSize);
    for (let start = 0; start < pending.length; start += batchSize) {
      const batch = pending.slice(start, start + batchSize);
      const { embeddings } = await this.embedder.doEmbed({ values: batch, ...(abortSignal ? { abortSignal } : {}) });
      batch.forEach((text, i) => {
        const vector = embeddings[i];
        if (!vector) {
          throw new LatticeError('MODEL_BAD_OUTPUT', `The embedder ${this.modelId} returned ${embeddings.length} vectors for ${batch.length} texts.`, {
            hint: 'Check the embedding model; every text must get one vector.',
          });
        }
        out.set(text, vector);
        this.cache.set(text, vector);
      });
    }
    while (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    return out;
  }
}
