/**
 * What must hold without any weights: clear MODEL_NOT_FOUND errors naming the missing piece, no
 * network access ever, and the token limit a folder implies. Real weights: transformers-reference.test.ts.
 * The folders are built here; the "broken" one holds placeholder files that no library could
 * load, to exercise the load-failure path (it is not a model and produces no vectors).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLatticeError, type LatticeError } from '../../src/core/errors.js';
import { TransformersEmbedder, inspectModelFolder } from '../../src/core/providers/transformers-embedder.js';

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-transformers-'));
});
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function folder(name: string, files: Record<string, string>): string {
  const dir = path.join(root, name);
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function failure(fn: () => unknown): LatticeError {
  try {
    fn();
  } catch (error) {
    if (isLatticeError(error)) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

async function loadFailure(modelPath: string, dtype?: 'fp32' | 'q8'): Promise<LatticeError> {
  try {
    await TransformersEmbedder.load({ modelPath, ...(dtype ? { dtype } : {}) });
  } catch (error) {
    if (isLatticeError(error)) return error;
    throw error;
  }
  throw new Error('expected load to fail');
}

const CONFIG = JSON.stringify({ model_type: 'bert', hidden_size: 8 });

describe('inspectModelFolder', () => {
  it('reports a missing folder', () => {
    const error = failure(() => inspectModelFolder(path.join(root, 'nowhere')));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.message).toContain('does not exist');
    expect(error.hint).toMatch(/never downloads/);
  });

  it('reports a file given instead of a folder', () => {
    const file = path.join(folder('plain-file-parent', { 'x.txt': 'x' }), 'x.txt');
    expect(failure(() => inspectModelFolder(file)).message).toContain('is a file');
  });

  it('names each missing piece', () => {
    expect(failure(() => inspectModelFolder(folder('empty', {}))).details?.['missing']).toBe('config.json');
    expect(failure(() => inspectModelFolder(folder('bad-config', { 'config.json': '{oops' }))).message).toContain('not valid JSON');
    expect(failure(() => inspectModelFolder(folder('no-tokenizer', { 'config.json': CONFIG }))).details?.['missing']).toBe('tokenizer.json');
    expect(failure(() => inspectModelFolder(folder('no-onnx', { 'config.json': CONFIG, 'tokenizer.json': '{}' }))).details?.['missing']).toBe('onnx/model.onnx');
  });

  it('points at ONNX files in the wrong place', () => {
    const dir = folder('flat', { 'config.json': CONFIG, 'tokenizer.json': '{}', 'model.onnx': 'x' });
    expect(failure(() => inspectModelFolder(dir)).message).toContain('move them into onnx/');
  });

  it('picks fp32 when present, else another format, and honours an explicit dtype', () => {
    const both = folder('both', { 'config.json': CONFIG, 'tokenizer.json': '{}', 'onnx/model.onnx': 'x', 'onnx/model_quantized.onnx': 'x' });
    expect(inspectModelFolder(both)).toMatchObject({ dtype: 'fp32', hiddenSize: 8 });
    expect(inspectModelFolder(both, { dtype: 'q8' }).onnxFile).toBe(path.join(both, 'onnx', 'model_quantized.onnx'));
    const quantOnly = folder('quant-only', { 'config.json': CONFIG, 'tokenizer.json': '{}', 'onnx/model_quantized.onnx': 'x' });
    expect(inspectModelFolder(quantOnly).dtype).toBe('q8');
    const error = failure(() => inspectModelFolder(quantOnly, { dtype: 'fp32' }));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.details?.['found']).toEqual(['model_quantized.onnx']);
  });

  it('rejects an unknown dtype with CONFIG_INVALID', () => {
    const dir = folder('dtype', { 'config.json': CONFIG, 'tokenizer.json': '{}', 'onnx/model.onnx': 'x' });
    expect(failure(() => inspectModelFolder(dir, { dtype: 'fp64' as never })).code).toBe('CONFIG_INVALID');
  });
});

describe('TransformersEmbedder.load', () => {
  it('fails on a missing folder before loading anything', async () => {
    const error = await loadFailure(path.join(root, 'missing-model'));
    expect(error.code).toBe('MODEL_NOT_FOUND');
  });

  it('turns a broken model folder into MODEL_NOT_FOUND without touching the network', async () => {
    const { env } = await import('@huggingface/transformers');
    const originalFetch = env.fetch;
    const globalFetch = globalThis.fetch;
    const fetched: string[] = [];
    env.fetch = (async (url: unknown) => {
      fetched.push(String(url));
      throw new Error('network is not allowed in this test');
    }) as typeof env.fetch;
    globalThis.fetch = (async (url: unknown) => {
      fetched.push(String(url));
      throw new Error('network is not allowed in this test');
    }) as typeof fetch;
    try {
      const dir = folder('broken-model', {
        'config.json': CONFIG,
        'tokenizer.json': '{}',
        'tokenizer_config.json': '{}',
        'onnx/model.onnx': '',
      });
      const error = await loadFailure(dir);
      expect(error.code).toBe('MODEL_NOT_FOUND');
      expect(error.message).toContain('Could not load the model');
      expect(error.details?.['modelPath']).toBe(dir);
      expect(fetched).toEqual([]);
      expect(env.allowRemoteModels).toBe(false);
    } finally {
      env.fetch = originalFetch;
      globalThis.fetch = globalFetch;
    }
  });

  it('rejects a bad batch size before looking at the folder', async () => {
    const error = await TransformersEmbedder.load({ modelPath: path.join(root, 'anything'), maxBatchSize: 0 }).catch((e: unknown) => e);
    expect(isLatticeError(error, 'CONFIG_INVALID')).toBe(true);
  });
});

describe('token limit of a model folder', () => {
  const files = (config: Record<string, unknown>, extra: Record<string, string> = {}) => ({
    'config.json': JSON.stringify({ hidden_size: 8, max_position_embeddings: 512, ...config }),
    'tokenizer.json': '{}',
    'onnx/model.onnx': 'x',
    ...extra,
  });

  it("takes sentence_bert_config.json's max_seq_length first", () => {
    const dir = folder('sbert', files({ _name_or_path: 'sentence-transformers/all-MiniLM-L6-v2' }, { 'sentence_bert_config.json': '{"max_seq_length": 128}' }));
    expect(inspectModelFolder(dir)).toMatchObject({ maxTokens: 128, maxTokensSource: 'sentence_bert_config.json' });
  });

  it("uses the model card's length for a sentence-transformers export without that file", () => {
    const dir = folder('card', files({ _name_or_path: 'sentence-transformers/all-MiniLM-L6-v2' }, { 'tokenizer_config.json': '{"model_max_length": 512}' }));
    expect(inspectModelFolder(dir)).toMatchObject({ maxTokens: 256, maxTokensSource: 'model card' });
  });

  it("falls back to the tokenizer's length, capped by the position embeddings, ignoring a sentinel", () => {
    expect(inspectModelFolder(folder('tok', files({}, { 'tokenizer_config.json': '{"model_max_length": 384}' })))).toMatchObject({ maxTokens: 384, maxTokensSource: 'tokenizer_config.json' });
    expect(inspectModelFolder(folder('capped', files({}, { 'tokenizer_config.json': '{"model_max_length": 8192}' }))).maxTokens).toBe(512);
    expect(inspectModelFolder(folder('sentinel', files({}, { 'tokenizer_config.json': '{"model_max_length": 1e30}' })))).toMatchObject({ maxTokens: 512, maxTokensSource: 'config.json' });
  });

  it('honours maxTokens and rejects one the model cannot read', () => {
    const dir = folder('explicit', files({}));
    expect(inspectModelFolder(dir, { maxTokens: 64 })).toMatchObject({ maxTokens: 64, maxTokensSource: 'option' });
    for (const bad of [1, 513, 2.5]) expect(failure(() => inspectModelFolder(dir, { maxTokens: bad })).code).toBe('CONFIG_INVALID');
  });
});

describe('a model path recorded in an index', () => {
  it('is read from the working directory first, then from beside the index file', () => {
    const home = folder('index-home', { 'models/m/config.json': CONFIG, 'models/m/tokenizer.json': '{}', 'models/m/onnx/model.onnx': 'x' });
    const indexFile = path.join(home, 'sub', '..', 'built.db');
    expect(inspectModelFolder('models/m', { recordedIn: indexFile }).folder).toBe(path.join(home, 'models', 'm'));
    const error = failure(() => inspectModelFolder('models/absent', { recordedIn: indexFile }));
    expect(error.message).toContain(`nor beside ${indexFile}`);
    expect(failure(() => inspectModelFolder('models/m')).message).toContain('does not exist');
  });
});
