/**
 * Embeddings from a local ONNX model folder through `@huggingface/transformers`
 * (feature-extraction, mean pooling, unit length), without any network access:
 * remote models are switched off and the folder is checked before the library loads.
 * Why checked first: the library's own errors for a missing file are long and mention
 * downloads; ours name the folder, the missing file and the fix.
 * Invariants: the library is imported lazily (it is heavy and optional at run time);
 * `dimensions` is known once `load` resolves; vectors come back in input order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LatticeError } from '../errors.js';
import type { EmbedRequest, EmbedResult, Embedder } from '../types.js';

/** Weight formats transformers.js can load, by file-name suffix (`onnx/model<suffix>.onnx`). */
export const ONNX_DTYPE_SUFFIX = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
} as const;

export type OnnxDtype = keyof typeof ONNX_DTYPE_SUFFIX;

export interface TransformersEmbedderOptions {
  /** Folder with config.json, tokenizer.json and onnx/model*.onnx (a transformers.js export). */
  modelPath: string;
  /** Weight format; default: fp32 when onnx/model.onnx exists, else the first format present. */
  dtype?: OnnxDtype | undefined;
  /** Texts per forward pass. Default 32. */
  maxBatchSize?: number | undefined;
}

export interface ModelFolder {
  /** Absolute folder path. */
  folder: string;
  dtype: OnnxDtype;
  /** Absolute path of the ONNX file that will be loaded. */
  onnxFile: string;
  /** `hidden_size` from config.json when present. */
  hiddenSize: number | undefined;
}

const HINT = 'Pass the path of a local transformers.js model folder (config.json, tokenizer.json, onnx/model.onnx); lattice never downloads models.';

function notFound(message: string, details: Record<string, unknown>, cause?: unknown): LatticeError {
  return new LatticeError('MODEL_NOT_FOUND', message, { hint: HINT, details, ...(cause !== undefined ? { cause } : {}) });
}

/** Checks that `modelPath` looks like a loadable model folder and picks the ONNX file; MODEL_NOT_FOUND otherwise. */
export function inspectModelFolder(modelPath: string, dtype?: OnnxDtype): ModelFolder {
  if (!modelPath || typeof modelPath !== 'string') throw notFound('No model folder was given for the transformers embedder.', {});
  const folder = path.resolve(modelPath);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(folder);
  } catch {
    throw notFound(`Model folder "${modelPath}" does not exist.`, { modelPath: folder });
  }
  if (!stat.isDirectory()) throw notFound(`Model path "${modelPath}" is a file, not a model folder.`, { modelPath: folder });

  const configPath = path.join(folder, 'config.json');
  if (!fs.existsSync(configPath)) throw notFound(`Model folder "${modelPath}" has no config.json.`, { modelPath: folder, missing: 'config.json' });
  let config: { hidden_size?: unknown };
  try {
    config = JSON.parse(fs.readFileSync(configPath, 'utf8')) as { hidden_size?: unknown };
  } catch (error) {
    throw notFound(`config.json in model folder "${modelPath}" is not valid JSON.`, { modelPath: folder }, error);
  }
  if (!fs.existsSync(path.join(folder, 'tokenizer.json'))) {
    throw notFound(`Model folder "${modelPath}" has no tokenizer.json.`, { modelPath: folder, missing: 'tokenizer.json' });
  }

  const onnxDir = path.join(folder, 'onnx');
  const present = fs.existsSync(onnxDir) ? fs.readdirSync(onnxDir).filter((f) => f.endsWith('.onnx')) : [];
  const fileFor = (d: OnnxDtype): string => `model${ONNX_DTYPE_SUFFIX[d]}.onnx`;
  let chosen: OnnxDtype | undefined;
  if (dtype !== undefined) {
    if (!(dtype in ONNX_DTYPE_SUFFIX)) {
      throw new LatticeError('CONFIG_INVALID', `Unknown ONNX weight format "${String(dtype)}".`, {
        hint: `Use one of ${Object.keys(ONNX_DTYPE_SUFFIX).join(', ')}.`,
      });
    }
    if (!present.includes(fileFor(dtype))) {
      throw notFound(`Model folder "${modelPath}" has no onnx/${fileFor(dtype)} for weight format ${dtype}.`, {
        modelPath: folder,
        missing: `onnx/${fileFor(dtype)}`,
        found: present,
      });
    }
    chosen = dtype;
  } else {
    chosen = (Object.keys(ONNX_DTYPE_SUFFIX) as OnnxDtype[]).find((d) => present.includes(fileFor(d)));
  }
  if (chosen === undefined) {
    const stray = fs.readdirSync(folder).filter((f) => f.endsWith('.onnx'));
    throw notFound(
      `Model folder "${modelPath}" has no ONNX weights in onnx/${stray.length > 0 ? ` (found ${stray.join(', ')} beside config.json; move them into onnx/)` : ''}.`,
      { modelPath: folder, missing: 'onnx/model.onnx', found: present },
    );
  }
  return {
    folder,
    dtype: chosen,
    onnxFile: path.join(onnxDir, fileFor(chosen)),
    hiddenSize: typeof config.hidden_size === 'number' ? config.hidden_size : undefined,
  };
}

type Extractor = (texts: string[], options: { pooling: 'mean'; normalize: boolean }) => Promise<{ dims: number[]; data: ArrayLike<number> }>;

/** Embedder running a local ONNX model in-process; provider `transformers`. Create with `TransformersEmbedder.load`. */
export class TransformersEmbedder implements Embedder {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'transformers';
  readonly modelId: string;
  readonly dimensions: number;
  readonly maxBatchSize: number;
  readonly folder: ModelFolder;

  private readonly extractor: Extractor;

  private constructor(folder: ModelFolder, extractor: Extractor, dimensions: number, maxBatchSize: number) {
    this.folder = folder;
    this.modelId = path.basename(folder.folder);
    this.extractor = extractor;
    this.dimensions = dimensions;
    this.maxBatchSize = maxBatchSize;
  }

  /** Checks the folder, loads the model offline and learns its vector length from one probe text. */
  static async load(options: TransformersEmbedderOptions): Promise<TransformersEmbedder> {
    const maxBatchSize = options.maxBatchSize ?? 32;
    if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) {
      throw new LatticeError('CONFIG_INVALID', `Embedding batch size must be a positive integer, got ${String(options.maxBatchSize)}.`, {
        hint: 'Pass a batch size such as 32.',
      });
    }
    const folder = inspectModelFolder(options.modelPath, options.dtype);

    let library: typeof import('@huggingface/transformers');
    try {
      library = await import('@huggingface/transformers');
    } catch (error) {
      throw new LatticeError('MODEL_NOT_FOUND', 'The @huggingface/transformers package could not be loaded.', {
        hint: 'Reinstall dependencies with `npm install`, or use the local or openai embedder.',
        cause: error,
      });
    }
    const { env, pipeline } = library;
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    const name = path.basename(folder.folder);
    // The library resolves a model id against localModelPath; a name it would not accept as an
    // id is passed as an absolute path instead, which it also reads from disk only.
    const usableName = /^[\w\-.]{1,96}$/.test(name) && !name.includes('..') && !name.includes('--');
    env.localModelPath = `${path.dirname(folder.folder)}${path.sep}`;
    const modelRef = usableName ? name : folder.folder;

    let extractor: Extractor;
    try {
      const loaded = await pipeline('feature-extraction', modelRef, { local_files_only: true, dtype: folder.dtype });
      extractor = loaded as unknown as Extractor;
    } catch (error) {
      throw notFound(
        `Could not load the model in "${options.modelPath}": ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
        { modelPath: folder.folder, onnxFile: folder.onnxFile },
        error,
      );
    }
    let dimensions: number;
    try {
      const probe = await extractor(['dimension probe'], { pooling: 'mean', normalize: true });
      dimensions = probe.dims[probe.dims.length - 1] ?? 0;
    } catch (error) {
      throw notFound(`The model in "${options.modelPath}" loaded but failed on a probe text.`, { modelPath: folder.folder }, error);
    }
    if (!(dimensions > 0)) throw notFound(`The model in "${options.modelPath}" produced empty vectors.`, { modelPath: folder.folder });
    return new TransformersEmbedder(folder, extractor, dimensions, maxBatchSize);
  }

  async doEmbed(request: EmbedRequest): Promise<EmbedResult> {
    const out: Float32Array[] = [];
    for (let start = 0; start < request.values.length; start += this.maxBatchSize) {
      if (request.abortSignal?.aborted) throw request.abortSignal.reason;
      const batch = request.values.slice(start, start + this.maxBatchSize);
      let tensor: { dims: number[]; data: ArrayLike<number> };
      try {
        tensor = await this.extractor(batch, { pooling: 'mean', normalize: true });
      } catch (error) {
        throw new LatticeError('MODEL_SERVER_ERROR', `The local model "${this.modelId}" failed to embed a batch of ${batch.length} texts.`, {
          hint: 'Check that the model folder holds a complete feature-extraction export.',
          details: { modelPath: this.folder.folder },
          cause: error,
        });
      }
      const d = tensor.dims[tensor.dims.length - 1] ?? 0;
      if (d !== this.dimensions || tensor.data.length !== batch.length * d) {
        throw new LatticeError('MODEL_BAD_OUTPUT', `The local model "${this.modelId}" returned vectors of shape [${tensor.dims.join(', ')}], expected [${batch.length}, ${this.dimensions}].`, {
          details: { modelPath: this.folder.folder },
        });
      }
      for (let i = 0; i < batch.length; i++) {
        const vector = new Float32Array(d);
        for (let j = 0; j < d; j++) vector[j] = tensor.data[i * d + j]!;
        out.push(vector);
      }
    }
    return { embeddings: out };
  }
}
