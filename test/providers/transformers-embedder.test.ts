/**
 * No model weights exist on this machine, so these tests cover what must hold without one:
 * clear MODEL_NOT_FOUND errors naming the missing piece, and no network access ever.
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
    expect(inspectModelFolder(both, 'q8').onnxFile).toBe(path.join(both, 'onnx', 'model_quantized.onnx'));
    const quantOnly = folder('quant-only', { 'config.json': CONFIG, 'tokenizer.json': '{}', 'onnx/model_quantized.onnx': 'x' });
    expect(inspectModelFolder(quantOnly).dtype).toBe('q8');
    const error = failure(() => inspectModelFolder(quantOnly, 'fp32'));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.details?.['found']).toEqual(['model_quantized.onnx']);
  });

  it('rejects an unknown dtype with CONFIG_INVALID', () => {
    const dir = folder('dtype', { 'config.json': CONFIG, 'tokenizer.json': '{}', 'onnx/model.onnx': 'x' });
    expect(failure(() => inspectModelFolder(dir, 'fp64' as never)).code).toBe('CONFIG_INVALID');
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
