/**
 * Embeddings from an OpenAI-compatible `/v1/embeddings` endpoint, through the model client
 * (so batching, the concurrency limit, retries, per-text caching and usage are shared).
 * Why dimensions are discovered: most servers do not say a model's vector length up front;
 * it is taken from the first answer (or given), and every later answer must agree.
 * Invariant: vectors come back in input order, all of length `dimensions`.
 * Used by: the build's embed stages and query-time embedding.
 */
import { LatticeError } from '../errors.js';
import type { EmbedRequest, EmbedResult, Embedder } from '../types.js';
import type { ModelClient } from './model-client.js';

export interface OpenAIEmbedderOptions {
  client: ModelClient;
  /** Embedding model id. */
  model: string;
  /** Expected vector length; when absent it is learned from the first answer. */
  dimensions?: number | undefined;
  /** Also send `dimensions` as a request parameter (models that can shorten vectors). Default false. */
  requestDimensions?: boolean | undefined;
  /** Texts per HTTP request. Default 64. */
  maxBatchSize?: number | undefined;
}

/** Embedder backed by an OpenAI-compatible server; provider `openai`. */
export class OpenAIEmbedder implements Embedder {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'openai';
  readonly modelId: string;
  readonly maxBatchSize: number;

  private readonly client: ModelClient;
  private readonly requestDimensions: boolean;
  private knownDimensions: number | undefined;

  constructor(options: OpenAIEmbedderOptions) {
    if (!options.model) {
      throw new LatticeError('CONFIG_MISSING', 'No embedding model was given for the OpenAI-compatible embedder.', {
        hint: 'Pass --embedding-model <id> or set LATTICE_EMBEDDING_MODEL.',
      });
    }
    const batch = options.maxBatchSize ?? 64;
    if (!Number.isInteger(batch) || batch < 1) {
      throw new LatticeError('CONFIG_INVALID', `Embedding batch size must be a positive integer, got ${String(options.maxBatchSize)}.`, {
        hint: 'Pass a batch size such as 64.',
      });
    }
    if (options.dimensions !== undefined && (!Number.isInteger(options.dimensions) || options.dimensions < 1)) {
      throw new LatticeError('CONFIG_INVALID', `Embedding dimensions must be a positive integer, got ${String(options.dimensions)}.`, {
        hint: 'Omit dimensions to learn them from the server, or pass the model\'s vector length.',
      });
    }
    this.client = options.client;
    this.modelId = options.model;
    this.maxBatchSize = batch;
    this.requestDimensions = options.requestDimensions ?? false;
    this.knownDimensions = options.dimensions;
  }

  /** Vector length: as given, or learned from the first answer; 0 until then (see `probe`). */
  get dimensions(): number {
    return this.knownDimensions ?? 0;
  }

  /** Learns the vector length with one short (cached) request if it is not known yet. */
  async probe(abortSignal?: AbortSignal): Promise<number> {
    if (this.knownDimensions !== undefined) return this.knownDimensions;
    await this.doEmbed({ values: ['dimension probe'], ...(abortSignal ? { abortSignal } : {}) });
    return this.knownDimensions ?? 0;
  }

  async doEmbed(request: EmbedRequest): Promise<EmbedResult> {
    if (request.values.length === 0) return { embeddings: [], usage: {} };
    const result = await this.client.embed({
      model: this.modelId,
      input: request.values,
      batchSize: this.maxBatchSize,
      dimensions: this.requestDimensions ? this.knownDimensions : undefined,
      abortSignal: request.abortSignal,
    });
    for (const vector of result.embeddings) {
      if (this.knownDimensions === undefined) this.knownDimensions = vector.length;
      if (vector.length !== this.knownDimensions) {
        throw new LatticeError('MODEL_BAD_OUTPUT', `The embedding model "${this.modelId}" returned a vector of length ${vector.length}, expected ${this.knownDimensions}.`, {
          hint: 'Keep the same embedding model for a whole index, or pass its real vector length as dimensions.',
          details: { model: this.modelId, expected: this.knownDimensions, got: vector.length },
        });
      }
    }
    return { embeddings: result.embeddings, usage: result.usage };
  }
}
