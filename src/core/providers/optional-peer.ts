/**
 * Imports an optional peer dependency on demand, or says exactly how to install it.
 * Why: lattice keeps its install lean; node-llama-cpp (in-process GGUF models) and
 * @huggingface/transformers (local ONNX embedders, with onnxruntime) are optional peers, loaded
 * only when a run asks for them. Their absence is CONFIG_MISSING with the install command; any
 * other failure (a broken install of one of their own dependencies) keeps its own error.
 * Used by: llama-cpp-loader.ts, transformers-loader.ts.
 */
import { LatticeError } from '../errors.js';

/** An optional peer dependency: its npm name, the command that installs it, and what needs it. */
export interface OptionalPeer {
  /** The npm package name, as imported. */
  name: string;
  /** The exact install command the error quotes. */
  install: string;
  /** One sentence: what asked for it and why it is not there, e.g. "A .gguf model runs ... which is not installed." */
  message: string;
  /** What else the user can do instead, appended to the hint. */
  alternative: string;
}

/** Wraps `load()` (an `import(name)`) so that the peer's absence becomes CONFIG_MISSING naming `peer.install`. */
export function importOptionalPeer<T>(peer: OptionalPeer, load: () => Promise<T>): Promise<T> {
  return load().catch((error: unknown) => {
    throw isMissing(error, peer.name) ? notInstalled(peer, error) : error;
  });
}

/** True when the error says the package itself could not be found (not one of its dependencies). */
function isMissing(error: unknown, name: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  // Node quotes the missing specifier: "Cannot find package 'name' imported from ...".
  return String((error as Error).message).includes(`'${name}'`) || String((error as Error).message).includes(`"${name}"`);
}

function notInstalled(peer: OptionalPeer, cause: unknown): LatticeError {
  return new LatticeError('CONFIG_MISSING', peer.message, {
    hint: `Run \`${peer.install}\` (an optional peer dependency of lattice), ${peer.alternative}`,
    details: { package: peer.name, install: peer.install },
    cause,
  });
}
