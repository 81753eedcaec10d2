/**
 * Turns loaded documents into the tree's bottom: one document node each, with chunk
 * leaves under documents longer than the chunk size.
 * Why: the judge reads leaves, so a long document is split into readable ranges, yet a hit
 * must always name its source document; chunks therefore hang under their document node,
 * and clustering works on documents (a chunked document is embedded as its chunks' mean).
 * Invariant: output order follows input order; chunk offsets index the document's text.
 */
import type { Chunk, CorpusDocument } from '../src/core/types.js';
import { chunkDocument } from './chunk.js';

export interface LeafDocument {
  doc: CorpusDocument;
  /** Empty when the document is a single leaf. */
  chunks: Chunk[];
}

export interface PrepareOptions {
  chunkSize: number;
  chunkOverlap: number;
}

export function prepareLeaves(docs: readonly CorpusDocument[], options: PrepareOptions): LeafDocument[] {
  return docs.map((doc) => ({
    doc,
    chunks: chunkDocument({ id: doc.id, text: doc.text }, { chunkSize: options.chunkSize, overlap: options.chunkOverlap }),
  }));
}

/** The text an embedder sees for a document or one of its chunks: title first, as a reader would. */
export function embeddingText(title: string, text: string, maxChars: number): string {
  const joined = title && text ? `${title}\n\n${text}` : title || text;
  return joined.length > maxChars ? joined.slice(0, maxChars) : joined;
}
