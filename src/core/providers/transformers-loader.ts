/**
 * Loads @huggingface/transformers (and with it onnxruntime) on demand, or says how to install it.
 * Why a module of its own: the library is an optional peer dependency of lattice, so a consumer
 * who never asks for a local ONNX model never installs it (its runtime is large, and
 * onnxruntime-node's install script reaches beyond the npm registry unless told to skip).
 * Used by: transformers-embedder.ts (the `transformers` embedder and `--judge-model`).
 */
import { importOptionalPeer, type OptionalPeer } from './optional-peer.js';

/** The install command quoted when the library is missing (the major lattice is tested with). */
export const TRANSFORMERS_INSTALL = 'npm install @huggingface/transformers@4 --onnxruntime-node-install=skip';

export type TransformersLibrary = typeof import('@huggingface/transformers');

const PEER: OptionalPeer = {
  name: '@huggingface/transformers',
  install: TRANSFORMERS_INSTALL,
  message: 'A local ONNX model (the transformers embedder, or --judge-model) runs through @huggingface/transformers, which is not installed.',
  alternative: 'or use the local or openai embedder.',
};

/** The library, or CONFIG_MISSING naming the install command. `load` replaces the import (tests). */
export function importTransformers(load: () => Promise<TransformersLibrary> = () => import('@huggingface/transformers')): Promise<TransformersLibrary> {
  return importOptionalPeer(PEER, load);
}
