/**
 * Embeds many texts through any Embedder: batches to its limit, keeps a few batches in
 * flight, reports progress and checks what comes back.
 * Why: providers only know `doEmbed`; the wrapper owns batching and validation so a buggy
 * or remote embedder (wrong count, wrong length, NaN) fails loudly instead of corrupting
 * the tree. Retries and caching live below, in the model client.
 * Invariant: output[i] embeds texts[i]; every vector has `embedder.dimensions` finite values.
 */
import { LatticeError } from '../src/core/errors.js';
import { runPool } from '../src/core/util/run-pool.js';
import { addUsage, type Embedder, type ProgressStage, type ProgressListener, type Usage } from '../src/core/types.js';

export interface EmbedAllOptions {
  stage: ProgressStage;
  onProgress?: ProgressListener | undefined;
  signal?: AbortSignal | undefined;
  /** Batches in flight at once. Defaults to 4. */
  parallel?: number;
  usage?: Usage;
  message?: string;
}

export async function embedAll(embedder: Embedder, texts: readonly string[], options: EmbedAllOptions): Promise<Float32Array[]> {
  const batchSize = Math.max(1, embedder.maxBatchSize);
  const out: Float32Array[] = new Array(texts.length);
  let done = 0;
  const report = () => options.onProgress?.({ stage: options.stage, done, total: texts.length, ...(options.message ? { message: options.message } : {}) });
  report();
  const batches: number[] = [];
  for (let start = 0; start < texts.length; start += batchSize) batches.push(start);
  await runPool(
    batches,
    options.parallel ?? 4,
    async (start) => {
      const values = texts.slice(start, start + batchSize);
      // Providers reject empty strings; a single space embeds as "nothing" consistently.
      const result = await embedder.doEmbed({ values: values.map((v) => (v.trim() === '' ? ' ' : v)), ...(options.signal ? { abortSignal: options.signal } : {}) });
      if (!Array.isArray(result.embeddings) || result.embeddings.length !== values.length) {
        throw new LatticeError('MODEL_BAD_OUTPUT', `Embedder ${embedder.provider}/${embedder.modelId} returned ${result.embeddings?.length ?? 0} vectors for ${values.length} texts.`, {
          hint: 'Check the embedding model; a custom Embedder must return one vector per input, in order.',
        });
      }
      result.embeddings.forEach((vector, i) => {
        out[start + i] = checkVector(embedder, vector, start + i);
      });
      if (options.usage) addUsage(options.usage, result.usage);
      done += values.length;
      report();
    },
    options.signal,
  );
  return out;
}

function checkVector(embedder: Embedder, vector: Float32Array, index: number): Float32Array {
  const v = vector instanceof Float32Array ? vector : Float32Array.from(vector as ArrayLike<number>);
  if (embedder.dimensions > 0 && v.length !== embedder.dimensions) {
    throw new LatticeError('MODEL_BAD_OUTPUT', `Embedder ${embedder.provider}/${embedder.modelId} returned a vector of length ${v.length}; expected ${embedder.dimensions}.`, {
      hint: 'Use one embedding model for the whole build (its dimensions are fixed in the index).',
      details: { index },
    });
  }
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) {
      throw new LatticeError('MODEL_BAD_OUTPUT', `Embedder ${embedder.provider}/${embedder.modelId} returned a non-finite value.`, {
        hint: 'Check the embedding model; vectors must hold finite numbers.',
        details: { index },
      });
    }
  }
  return v;
}

/** Unit-length mean of vectors (the embedding of a chunked document or a cluster centroid). */
export function meanVector(vectors: readonly Float32Array[], dimensions: number): Float32Array {
  const out = new Float32Array(dimensions);
  for (const v of vectors) for (let i = 0; i < dimensions; i++) out[i] += v[i];
  let norm = 0;
  for (let i = 0; i < dimensions; i++) norm += out[i] * out[i];
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < dimensions; i++) out[i] /= norm;
  return out;
}
