/**
 * Checks a local transformers.js model folder before any library loads it, picks its ONNX
 * weights, and settles how many word pieces the model reads per text.
 * Why checked first: the library's own errors for a missing file are long and mention
 * downloads; ours name the folder, the missing file and the fix.
 * Why the token limit is settled here: a sentence-transformers model is trained and benchmarked
 * at its `max_seq_length` (256 for all-MiniLM-L6-v2), which is often shorter than what its
 * tokenizer allows (`model_max_length` 512); embedding longer texts is legal but off the model card.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LatticeError } from '../errors.js';

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

/**
 * `max_seq_length` of sentence-transformers models whose transformers.js exports drop
 * sentence_bert_config.json, keyed by config.json's `_name_or_path`. Values are those models'
 * own sentence_bert_config.json on the Hugging Face hub (all-MiniLM-L6-v2: "input text longer
 * than 256 word pieces is truncated", its model card).
 */
export const SENTENCE_TRANSFORMERS_MAX_SEQ_LENGTH: Readonly<Record<string, number>> = Object.freeze({
  'sentence-transformers/all-MiniLM-L6-v2': 256,
});

/** Where a folder's token limit came from, most specific first. */
export type MaxTokensSource = 'option' | 'sentence_bert_config.json' | 'model card' | 'tokenizer_config.json' | 'config.json';

export interface ModelFolder {
  /** Absolute folder path. */
  folder: string;
  dtype: OnnxDtype;
  /** Absolute path of the ONNX file that will be loaded. */
  onnxFile: string;
  /** `hidden_size` from config.json when present. */
  hiddenSize: number | undefined;
  /** Most word pieces per text, special tokens included; longer texts are truncated. */
  maxTokens: number;
  maxTokensSource: MaxTokensSource;
}

export interface InspectOptions {
  /** Weight format; default: fp32 when onnx/model.onnx exists, else the first format present (q8 for model_quantized.onnx). */
  dtype?: OnnxDtype | undefined;
  /**
   * Most word pieces per text. Default: sentence_bert_config.json's `max_seq_length`, else the
   * model card's (SENTENCE_TRANSFORMERS_MAX_SEQ_LENGTH), else tokenizer_config.json's
   * `model_max_length`, capped by config.json's `max_position_embeddings`.
   */
  maxTokens?: number | undefined;
  /**
   * The index file that records `modelPath`. A relative path is read from the working directory
   * first and, when no folder is there, from this file's folder: an index records the path as its
   * build was given it, and a query may run from elsewhere.
   */
  recordedIn?: string | undefined;
}

const HINT = 'Pass the path of a local transformers.js model folder (config.json, tokenizer.json, onnx/model.onnx); lattice never downloads models.';

function notFound(message: string, details: Record<string, unknown>, cause?: unknown): LatticeError {
  return new LatticeError('MODEL_NOT_FOUND', message, { hint: HINT, details, ...(cause !== undefined ? { cause } : {}) });
}

function readJson(file: string): Record<string, unknown> | undefined {
  if (!fs.existsSync(file)) return undefined;
  const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** Checks that `modelPath` looks like a loadable model folder, picks the ONNX file and the token limit; MODEL_NOT_FOUND otherwise. */
export function inspectModelFolder(modelPath: string, options: InspectOptions = {}): ModelFolder {
  const { dtype } = options;
  if (!modelPath || typeof modelPath !== 'string') throw notFound('No model folder was given for the transformers embedder.', {});
  const folder = locateFolder(modelPath, options.recordedIn);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(folder);
  } catch {
    if (options.recordedIn === undefined) throw notFound(`Model folder "${modelPath}" does not exist.`, { modelPath: folder });
    const beside = path.isAbsolute(modelPath) ? '' : ` (nor beside ${options.recordedIn})`;
    throw new LatticeError('MODEL_NOT_FOUND', `Model folder "${modelPath}", recorded by ${options.recordedIn}, does not exist${beside}.`, {
      hint: 'The index records the folder as its build was given it: run from the folder the build ran in, pass openIndex(file, { embeddingModel }), or rebuild with an absolute --embedding-model path.',
      details: { modelPath: folder },
    });
  }
  if (!stat.isDirectory()) throw notFound(`Model path "${modelPath}" is a file, not a model folder.`, { modelPath: folder });

  const configPath = path.join(folder, 'config.json');
  if (!fs.existsSync(configPath)) throw notFound(`Model folder "${modelPath}" has no config.json.`, { modelPath: folder, missing: 'config.json' });
  let config: Record<string, unknown>;
  try {
    config = readJson(configPath) ?? {};
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
    hiddenSize: positiveInt(config['hidden_size']),
    ...resolveMaxTokens(folder, config, options.maxTokens),
  };
}

function locateFolder(modelPath: string, recordedIn: string | undefined): string {
  const fromCwd = path.resolve(modelPath);
  if (path.isAbsolute(modelPath) || recordedIn === undefined || fs.existsSync(fromCwd)) return fromCwd;
  const beside = path.resolve(path.dirname(recordedIn), modelPath);
  return fs.existsSync(beside) ? beside : fromCwd;
}

function resolveMaxTokens(folder: string, config: Record<string, unknown>, option: number | undefined): Pick<ModelFolder, 'maxTokens' | 'maxTokensSource'> {
  // Position embeddings are a hard limit: a longer row fails inside the runtime.
  const positions = positiveInt(config['max_position_embeddings']);
  if (option !== undefined) {
    if (positiveInt(option) === undefined || option < 2 || (positions !== undefined && option > positions)) {
      throw new LatticeError('CONFIG_INVALID', `Invalid maxTokens ${String(option)} for the model in ${folder}.`, {
        hint: `Use a whole number from 2 to ${positions ?? 'the model\'s max_position_embeddings'} (word pieces per text, special tokens included).`,
      });
    }
    return { maxTokens: option, maxTokensSource: 'option' };
  }
  const cap = (n: number): number => (positions !== undefined ? Math.min(n, positions) : n);
  const optionalJson = (name: string): Record<string, unknown> | undefined => {
    try {
      return readJson(path.join(folder, name));
    } catch (error) {
      throw notFound(`${name} in model folder "${folder}" is not valid JSON.`, { modelPath: folder }, error);
    }
  };
  const sentenceBert = positiveInt(optionalJson('sentence_bert_config.json')?.['max_seq_length']);
  if (sentenceBert !== undefined) return { maxTokens: cap(sentenceBert), maxTokensSource: 'sentence_bert_config.json' };
  const name = config['_name_or_path'];
  const card = typeof name === 'string' && Object.hasOwn(SENTENCE_TRANSFORMERS_MAX_SEQ_LENGTH, name) ? SENTENCE_TRANSFORMERS_MAX_SEQ_LENGTH[name] : undefined;
  if (card !== undefined) return { maxTokens: cap(card), maxTokensSource: 'model card' };
  // Tokenizers with no real limit store a huge sentinel (1e30); only a plausible length counts.
  const tokenizerMax = positiveInt(optionalJson('tokenizer_config.json')?.['model_max_length']);
  if (tokenizerMax !== undefined && tokenizerMax <= 1_000_000) return { maxTokens: cap(tokenizerMax), maxTokensSource: 'tokenizer_config.json' };
  return { maxTokens: positions ?? 512, maxTokensSource: 'config.json' };
}
