/**
 * The tensor-side steps of a sentence embedder, free of any model runtime: cut each text's word
 * pieces to the model's length, pad a batch to its longest text, and mean-pool the model's token
 * vectors over the real tokens into unit-length sentence vectors.
 * Why here and not in transformers.js: its tokenizer truncates by dropping the tail of the
 * sequence, closing special token ([SEP]) included, while the Python tokenizers that
 * sentence-transformers (and so every published benchmark figure) uses keep it; and its
 * feature-extraction pipeline can only truncate at the tokenizer's `model_max_length`.
 * Invariants: row order is input order; padding never reaches a pooled vector.
 */

/** One text's encoding as the tokenizer returns it: equal-length id lists by input name (input_ids, attention_mask, ...). */
export type TokenEncoding = Record<string, number[]>;

export interface TokenBatch {
  /** Input name → row-major [rows, length] ids, ready for an int64 tensor. */
  inputs: Record<string, BigInt64Array>;
  rows: number;
  /** Tokens per row after padding (the longest row). */
  length: number;
  /** Row-major [rows, length] attention mask (1 for a real token, 0 for padding). */
  mask: Uint8Array;
  /** Real tokens per row (after truncation). */
  tokens: number[];
  /** Rows that were cut to `maxTokens`. */
  truncated: number;
}

export interface BatchShape {
  /** Most tokens a row may hold, special tokens included. */
  maxTokens: number;
  /** Id that fills `input_ids` past a row's end. */
  padId: number;
  /** Ids of the tokenizer's special tokens ([CLS], [SEP], ...). */
  specialIds: ReadonlySet<number>;
}

/**
 * Cuts one encoding to `maxTokens`: when the encoding ends with a special token (BERT's [SEP],
 * RoBERTa's </s>), that token is kept as the last one, as the Python tokenizers do.
 */
export function truncateEncoding(encoding: TokenEncoding, maxTokens: number, specialIds: ReadonlySet<number>): TokenEncoding {
  const ids = encoding['input_ids'] ?? [];
  if (ids.length <= maxTokens) return encoding;
  const keepClosing = maxTokens >= 2 && specialIds.has(ids[ids.length - 1]!);
  const out: TokenEncoding = {};
  for (const [name, values] of Object.entries(encoding)) {
    out[name] = keepClosing ? [...values.slice(0, maxTokens - 1), values[values.length - 1]!] : values.slice(0, maxTokens);
  }
  return out;
}

/** Truncates every encoding and right-pads the batch to its longest row. */
export function packBatch(encodings: readonly TokenEncoding[], shape: BatchShape): TokenBatch {
  const cut = encodings.map((e) => truncateEncoding(e, shape.maxTokens, shape.specialIds));
  const truncated = cut.filter((e, i) => e !== encodings[i]).length;
  const tokens = cut.map((e) => (e['input_ids'] ?? []).length);
  const length = Math.max(1, ...tokens);
  const rows = cut.length;
  const names = Object.keys(cut[0] ?? { input_ids: [] });
  if (!names.includes('attention_mask')) names.push('attention_mask');
  const inputs: Record<string, BigInt64Array> = {};
  for (const name of names) {
    const data = new BigInt64Array(rows * length);
    const pad = name === 'input_ids' ? BigInt(shape.padId) : 0n;
    cut.forEach((e, r) => {
      const values = name === 'attention_mask' && !e[name] ? new Array<number>(tokens[r]!).fill(1) : (e[name] ?? []);
      for (let t = 0; t < length; t++) data[r * length + t] = t < values.length ? BigInt(values[t]!) : pad;
    });
    inputs[name] = data;
  }
  const mask = new Uint8Array(rows * length);
  const maskIds = inputs['attention_mask']!;
  for (let i = 0; i < mask.length; i++) mask[i] = maskIds[i] === 0n ? 0 : 1;
  return { inputs, rows, length, mask, tokens, truncated };
}

/**
 * Mean of each row's token vectors over its real tokens, scaled to unit length (what
 * sentence-transformers' Pooling(mean) + Normalize modules compute). `hidden` is row-major
 * [rows, length, dimensions]. A row with no real token, or a zero mean, comes back as zeros.
 */
export function meanPoolNormalized(hidden: ArrayLike<number>, rows: number, length: number, dimensions: number, mask: Uint8Array): Float32Array[] {
  const out: Float32Array[] = [];
  const sum = new Float64Array(dimensions);
  for (let r = 0; r < rows; r++) {
    sum.fill(0);
    let count = 0;
    for (let t = 0; t < length; t++) {
      if (mask[r * length + t] === 0) continue;
      count++;
      const base = (r * length + t) * dimensions;
      for (let j = 0; j < dimensions; j++) sum[j] += hidden[base + j]!;
    }
    let norm = 0;
    for (let j = 0; j < dimensions; j++) norm += sum[j]! * sum[j]!;
    // Scaling by count cancels out under normalisation, so only the norm is needed.
    norm = Math.sqrt(norm);
    const vector = new Float32Array(dimensions);
    if (count > 0 && norm > 0) for (let j = 0; j < dimensions; j++) vector[j] = sum[j]! / norm;
    out.push(vector);
  }
  return out;
}
