/**
 * Reads a BEIR-layout directory: its `corpus.jsonl` holds the documents.
 * Why a step of its own: detection (a directory holding corpus.jsonl) and the path shown in
 * issues differ from a bare JSONL file, while the line rules are exactly load-jsonl.ts's.
 * Invariant: documents' `source.path` is `corpus.jsonl`, relative to the directory.
 * Queries and qrels are the evaluation's business, not the corpus loader's.
 */
import path from 'node:path';
import { loadJsonl } from './load-jsonl.js';
import type { LoadEvent, ResolvedLoadOptions } from './types.js';

/** File name that marks a BEIR directory. */
export const BEIR_CORPUS_FILE = 'corpus.jsonl';

/** Streams the documents and issues of `<dir>/corpus.jsonl`; `displayDir` prefixes paths in issues. */
export function loadBeir(dir: string, displayDir: string, options: ResolvedLoadOptions): AsyncGenerator<LoadEvent> {
  return loadJsonl(path.join(dir, BEIR_CORPUS_FILE), path.join(displayDir, BEIR_CORPUS_FILE), BEIR_CORPUS_FILE, options);
}
