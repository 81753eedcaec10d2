/**
 * @huggingface/transformers (with onnxruntime) and node-llama-cpp are optional peer dependencies:
 * a consumer installs them only to use a local ONNX model or a GGUF file, and their absence is
 * CONFIG_MISSING quoting the install command. The packed-install test (test/package/) checks the
 * same on a real install without them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLatticeError } from '../../src/core/errors.js';
import { importTransformers, TRANSFORMERS_INSTALL } from '../../src/core/providers/transformers-loader.js';

const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as Record<string, Record<string, unknown> | undefined>;

describe('@huggingface/transformers is an optional peer dependency', () => {
  it('is missing: CONFIG_MISSING with the install command; other failures keep their own error', async () => {
    const missing = Object.assign(new Error("Cannot find package '@huggingface/transformers' imported from /app/node_modules/lattice/dist/x.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    const error = await importTransformers(() => Promise.reject(missing)).catch((e: unknown) => e);
    expect(isLatticeError(error, 'CONFIG_MISSING')).toBe(true);
    expect((error as { hint?: string }).hint).toContain(TRANSFORMERS_INSTALL);
    expect((error as { details?: Record<string, unknown> }).details).toMatchObject({ package: '@huggingface/transformers', install: TRANSFORMERS_INSTALL });

    // One of its own dependencies missing is a broken install, not an absent peer.
    const inner = Object.assign(new Error("Cannot find package 'onnxruntime-common' imported from /app/node_modules/@huggingface/transformers/dist/x.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(importTransformers(() => Promise.reject(inner))).rejects.toBe(inner);
  });

  it('is optional for users and installed for this repository tests', () => {
    const version = pkg['devDependencies']?.['@huggingface/transformers'];
    expect(version).toMatch(/^\^4\./);
    expect(pkg['dependencies']?.['@huggingface/transformers']).toBeUndefined();
    expect(pkg['peerDependencies']?.['@huggingface/transformers']).toBe(version);
    expect(pkg['peerDependenciesMeta']?.['@huggingface/transformers']).toEqual({ optional: true });
  });

  it('ships what the CLI, the library and lattice/eval need, and no tests or sources', () => {
    const files = pkg['files'] as unknown as string[];
    expect(files).toEqual(expect.arrayContaining(['bin/', 'dist/src/', 'dist/indexer/', 'dist/traverser/']));
    expect(files.some((f) => /^(test|dist\/test|src|scripts)\b/.test(f))).toBe(false);
  });
});
