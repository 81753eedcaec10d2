/**
 * The transformers embedder on real weights (models/all-MiniLM-L6-v2, fetched by `npm run models`)
 * against a second runtime: test/fixtures/embeddings/minilm-reference.json holds the vectors Python
 * onnxruntime + tokenizers gives for the same ONNX file (make-reference.py beside it says how to
 * remake it). A missing model fails with the fetch step's message; it is never skipped.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { TransformersEmbedder } from '../../src/core/providers/transformers-embedder.js';
import { requireModel } from '../helpers/models.js';

interface Reference {
  model: { onnxFile: string; size: number; sha256: string; tokenizerSha256: string };
  maxTokens: number;
  sentences: { text: string; tokens: number; truncated: boolean; vector: number[] }[];
}

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'embeddings', 'minilm-reference.json');
const reference = JSON.parse(fs.readFileSync(fixture, 'utf8')) as Reference;

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function compare(expected: number[], actual: Float32Array): { maxAbs: number; cosine: number } {
  let maxAbs = 0;
  let dot = 0;
  let a = 0;
  let b = 0;
  expected.forEach((x, j) => {
    const y = actual[j]!;
    maxAbs = Math.max(maxAbs, Math.abs(x - y));
    dot += x * y;
    a += x * x;
    b += y * y;
  });
  return { maxAbs, cosine: dot / Math.sqrt(a * b) };
}

let modelPath: string;
let embedder: TransformersEmbedder;
beforeAll(async () => {
  modelPath = requireModel('all-MiniLM-L6-v2');
  requireModel('all-MiniLM-L6-v2', reference.model.onnxFile);
  // Three texts per pass: the batch is split and padded, which must not change any vector.
  embedder = await TransformersEmbedder.load({ modelPath, maxBatchSize: 3 });
}, 60_000);

describe('TransformersEmbedder on all-MiniLM-L6-v2 against Python onnxruntime', () => {
  it('runs the same files the reference was made from', () => {
    expect(sha256(path.join(modelPath, reference.model.onnxFile)), 'ONNX file differs from the fixture; rerun make-reference.py').toBe(reference.model.sha256);
    expect(sha256(path.join(modelPath, 'tokenizer.json'))).toBe(reference.model.tokenizerSha256);
    expect(embedder.folder).toMatchObject({ dtype: 'q8', maxTokens: reference.maxTokens, maxTokensSource: 'model card' });
    expect(embedder.dimensions).toBe(384);
  });

  it('gives every sentence the reference vector (max abs difference < 1e-3, cosine > 0.999)', async () => {
    const { embeddings } = await embedder.doEmbed({ values: reference.sentences.map((s) => s.text) });
    expect(embeddings).toHaveLength(reference.sentences.length);
    reference.sentences.forEach((sentence, i) => {
      const { maxAbs, cosine } = compare(sentence.vector, embeddings[i]!);
      expect(maxAbs, sentence.text.slice(0, 40)).toBeLessThan(1e-3);
      expect(cosine, sentence.text.slice(0, 40)).toBeGreaterThan(0.999);
    });
  });

  it('cuts a text past 256 word pieces as sentence-transformers does, and the cut matters', async () => {
    const long = reference.sentences.find((s) => s.truncated)!;
    expect(long.tokens).toBe(256);
    const before = embedder.truncatedTexts;
    const [cut] = (await embedder.doEmbed({ values: [long.text] })).embeddings;
    expect(embedder.truncatedTexts).toBe(before + 1);
    expect(compare(long.vector, cut!).maxAbs).toBeLessThan(1e-3);
    // The text's second half is on another subject: reading it all gives a clearly different vector.
    const whole = await TransformersEmbedder.load({ modelPath, maxTokens: 512 });
    const [uncut] = (await whole.doEmbed({ values: [long.text] })).embeddings;
    expect(compare(long.vector, uncut!).cosine).toBeLessThan(0.95);
  });
});
