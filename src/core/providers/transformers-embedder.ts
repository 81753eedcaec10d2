/**
 * Embeddings from a local ONNX model folder through `@huggingface/transformers`, the way
 * sentence-transformers computes them: word pieces cut at the model's maximum length (keeping the
 * closing [SEP]), mean pooling over the real tokens, unit length. No network access: remote
 * models are switched off and the folder is checked (onnx-model-folder.ts) before the library loads.
 * Why not the library's feature-extraction pipeline: it truncates only at the tokenizer's
 * `model_max_length` (512 for MiniLM, whose model card says 256) and drops [SEP] when it cuts.
 * Invariants: the library is imported lazily (transformers-loader.ts: an optional peer); one forward
 * pass runs at a time (a pass already uses every core); `dimensions` is known once `load`
 * resolves; vectors come back in input order.
 */
import path from 'node:path';
import { LatticeError } from '../errors.js';
import type { EmbedRequest, EmbedResult, Embedder } from '../types.js';
import { importTransformers } from './transformers-loader.js';
import { inspectModelFolder, type ModelFolder, type OnnxDtype } from './onnx-model-folder.js';
import { meanPoolNormalized, packBatch, type BatchShape, type TokenEncoding } from './token-batch.js';

export { ONNX_DTYPE_SUFFIX, SENTENCE_TRANSFORMERS_MAX_SEQ_LENGTH, inspectModelFolder } from './onnx-model-folder.js';
export type { ModelFolder, MaxTokensSource, OnnxDtype } from './onnx-model-folder.js';

/**
 * Texts per forward pass when none is given. Measured by scripts/bench-transformers-embedder.ts
 * (256 SciFact abstracts, all-MiniLM-L6-v2 int8, 2 cores): from 8 texts up, throughput is flat
 * within noise (11.6 to 12.4 documents per CPU second at 8, 16, 32 and 64; 9.9 at 1), while the
 * runtime's peak memory grows with the batch (585 MB at 8, 910 MB at 16, 2.8 GB at 64).
 */
export const DEFAULT_TRANSFORMERS_BATCH_SIZE = 8;

export interface TransformersEmbedderOptions {
  /** Folder with config.json, tokenizer.json and onnx/model*.onnx (a transformers.js export). */
  modelPath: string;
  /** Weight format; default: fp32 when onnx/model.onnx exists, else the first format present (q8 for model_quantized.onnx). */
  dtype?: OnnxDtype | undefined;
  /** Texts per forward pass. Defaults to DEFAULT_TRANSFORMERS_BATCH_SIZE. */
  maxBatchSize?: number | undefined;
  /**
   * Most word pieces per text, special tokens included. Default: the model's own limit
   * (sentence_bert_config.json, else the model card, else tokenizer_config.json; see inspectModelFolder).
   */
  maxTokens?: number | undefined;
  /** The index file that records `modelPath`: a relative path missing from the working directory is read from its folder. */
  recordedIn?: string | undefined;
}

/** What one forward pass needs from the library, resolved once at load. */
interface Runtime {
  encode(texts: string[]): TokenEncoding[];
  forward(inputs: Record<string, BigInt64Array>, rows: number, length: number): Promise<{ dims: number[]; data: ArrayLike<number> }>;
  shape: BatchShape;
}

/** Embedder running a local ONNX model in-process; provider `transformers`. Create with `TransformersEmbedder.load`. */
export class TransformersEmbedder implements Embedder {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'transformers';
  readonly modelId: string;
  readonly dimensions: number;
  readonly maxBatchSize: number;
  readonly folder: ModelFolder;
  /** Texts cut at `folder.maxTokens` so far. */
  truncatedTexts = 0;

  private readonly runtime: Runtime;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(folder: ModelFolder, runtime: Runtime, dimensions: number, maxBatchSize: number) {
    this.folder = folder;
    this.modelId = path.basename(folder.folder);
    this.runtime = runtime;
    this.dimensions = dimensions;
    this.maxBatchSize = maxBatchSize;
  }

  /** Checks the folder, loads the tokenizer and the model offline and learns the vector length from one probe text. */
  static async load(options: TransformersEmbedderOptions): Promise<TransformersEmbedder> {
    const maxBatchSize = options.maxBatchSize ?? DEFAULT_TRANSFORMERS_BATCH_SIZE;
    if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) {
      throw new LatticeError('CONFIG_INVALID', `Embedding batch size must be a positive integer, got ${String(options.maxBatchSize)}.`, {
        hint: `Pass a batch size such as ${DEFAULT_TRANSFORMERS_BATCH_SIZE}.`,
      });
    }
    // The library first: without it installed, no folder would help.
    const library = await importTransformers();
    const folder = inspectModelFolder(options.modelPath, { dtype: options.dtype, maxTokens: options.maxTokens, recordedIn: options.recordedIn });

    const { env, AutoTokenizer, AutoModel, Tensor } = library;
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    const name = path.basename(folder.folder);
    // The library resolves a model id against localModelPath; a name it would not accept as an
    // id is passed as an absolute path instead, which it also reads from disk only.
    const usableName = /^[\w\-.]{1,96}$/.test(name) && !name.includes('..') && !name.includes('--');
    env.localModelPath = `${path.dirname(folder.folder)}${path.sep}`;
    const modelRef = usableName ? name : folder.folder;

    let runtime: Runtime;
    try {
      const tokenizer = await AutoTokenizer.from_pretrained(modelRef, { local_files_only: true });
      const model = await AutoModel.from_pretrained(modelRef, { local_files_only: true, dtype: folder.dtype });
      const specialIds = new Set<number>((tokenizer.all_special_ids as unknown as number[] | undefined) ?? []);
      runtime = {
        encode: (texts) => rowsOf(tokenizer(texts, { add_special_tokens: true, return_tensor: false }) as unknown as Record<string, number[][]>, texts.length),
        forward: async (inputs, rows, length) => {
          const feeds: Record<string, InstanceType<typeof Tensor>> = {};
          for (const [input, ids] of Object.entries(inputs)) feeds[input] = new Tensor('int64', ids, [rows, length]);
          const out = (await model(feeds)) as Record<string, { dims: number[]; data: ArrayLike<number> } | undefined>;
          const hidden = out['last_hidden_state'] ?? out['token_embeddings'];
          if (!hidden) throw new Error(`the model returned ${Object.keys(out).join(', ')}, not last_hidden_state`);
          return hidden;
        },
        shape: { maxTokens: folder.maxTokens, padId: typeof tokenizer.pad_token_id === 'number' ? tokenizer.pad_token_id : 0, specialIds },
      };
    } catch (error) {
      throw notLoaded(options.modelPath, folder, error);
    }
    let dimensions: number;
    try {
      const batch = packBatch(runtime.encode(['dimension probe']), runtime.shape);
      const hidden = await runtime.forward(batch.inputs, batch.rows, batch.length);
      dimensions = hidden.dims[hidden.dims.length - 1] ?? 0;
    } catch (error) {
      throw new LatticeError('MODEL_NOT_FOUND', `The model in "${options.modelPath}" loaded but failed on a probe text.`, {
        hint: 'Check that the model folder holds a complete feature-extraction export (inputs input_ids and attention_mask, output last_hidden_state).',
        details: { modelPath: folder.folder },
        cause: error,
      });
    }
    if (!(dimensions > 0)) throw notLoaded(options.modelPath, folder, new Error('the model produced empty vectors'));
    return new TransformersEmbedder(folder, runtime, dimensions, maxBatchSize);
  }

  async doEmbed(request: EmbedRequest): Promise<EmbedResult> {
    const out: Float32Array[] = [];
    for (let start = 0; start < request.values.length; start += this.maxBatchSize) {
      if (request.abortSignal?.aborted) throw request.abortSignal.reason;
      const texts = request.values.slice(start, start + this.maxBatchSize);
      out.push(...(await this.serialised(() => this.embedBatch(texts))));
    }
    return { embeddings: out };
  }

  private async embedBatch(texts: string[]): Promise<Float32Array[]> {
    let hidden: { dims: number[]; data: ArrayLike<number> };
    const batch = packBatch(this.runtime.encode(texts), this.runtime.shape);
    try {
      hidden = await this.runtime.forward(batch.inputs, batch.rows, batch.length);
    } catch (error) {
      throw new LatticeError('MODEL_SERVER_ERROR', `The local model "${this.modelId}" failed to embed a batch of ${texts.length} texts.`, {
        hint: 'Check that the model folder holds a complete feature-extraction export.',
        details: { modelPath: this.folder.folder },
        cause: error,
      });
    }
    const [rows, length, d] = hidden.dims;
    if (hidden.dims.length !== 3 || rows !== batch.rows || length !== batch.length || d !== this.dimensions) {
      throw new LatticeError('MODEL_BAD_OUTPUT', `The local model "${this.modelId}" returned token vectors of shape [${hidden.dims.join(', ')}], expected [${batch.rows}, ${batch.length}, ${this.dimensions}].`, {
        details: { modelPath: this.folder.folder },
      });
    }
    this.truncatedTexts += batch.truncated;
    return meanPoolNormalized(hidden.data, batch.rows, batch.length, this.dimensions, batch.mask);
  }

  /** Runs `task` after every pass already queued (embedAll keeps several batches in flight). */
  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** Batched encodings come back as { input name: rows }; the batch packer takes one encoding per text. */
function rowsOf(columns: Record<string, number[][]>, count: number): TokenEncoding[] {
  return Array.from({ length: count }, (_, r) => Object.fromEntries(Object.entries(columns).map(([input, rows]) => [input, rows[r] ?? []])));
}

function notLoaded(modelPath: string, folder: ModelFolder, error: unknown): LatticeError {
  return new LatticeError('MODEL_NOT_FOUND', `Could not load the model in "${modelPath}": ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, {
    hint: 'Pass the path of a local transformers.js model folder (config.json, tokenizer.json, onnx/model.onnx); lattice never downloads models.',
    details: { modelPath: folder.folder, onnxFile: folder.onnxFile },
    cause: error,
  });
}
