/**
 * The tree as the builder grows it in memory, before it is numbered and written.
 * Why a draft: both strategies assemble clusters in their own order (bottom-up level by
 * level, top-down by recursive splits); numbering (preorder ids, depths, subtree ranges)
 * happens once at the end so the stored tree is identical however it was grown.
 */
import type { Chunk, CorpusDocument, NodeKind } from '../src/core/types.js';

export interface DraftNode {
  kind: NodeKind;
  title: string;
  /** Cluster summary; null for documents and chunks. */
  summary: string | null;
  /** Cluster keyword profile (keyword-profile.ts), most distinctive first; null until computed and for documents and chunks. */
  keywords: string[] | null;
  /** Per keyword, how many documents under the cluster contain it; null like keywords. */
  keywordDocs: number[] | null;
  doc: CorpusDocument | null;
  chunk: Chunk | null;
  children: DraftNode[];
  embedding: Float32Array | null;
}

export function documentDraft(doc: CorpusDocument, chunks: Chunk[], embedding: Float32Array, chunkEmbeddings: Float32Array[]): DraftNode {
  return {
    kind: 'document',
    title: doc.title,
    summary: null,
    keywords: null,
    keywordDocs: null,
    doc,
    chunk: null,
    embedding,
    children: chunks.map((chunk, i) => ({
      kind: 'chunk',
      title: doc.title ? `${doc.title} (part ${chunk.index + 1}/${chunks.length})` : `part ${chunk.index + 1}/${chunks.length}`,
      summary: null,
      keywords: null,
      keywordDocs: null,
      doc,
      chunk,
      children: [],
      embedding: chunkEmbeddings[i] ?? null,
    })),
  };
}

export function clusterDraft(children: DraftNode[], embedding: Float32Array | null): DraftNode {
  return { kind: 'cluster', title: '', summary: null, keywords: null, keywordDocs: null, doc: null, chunk: null, children, embedding };
}

/** What a summariser reads about a node: a cluster's summary, or a document's title and opening. */
export function draftText(node: DraftNode, maxChars: number): string {
  const text = node.kind === 'cluster' ? node.summary ?? '' : node.chunk ? node.chunk.text : node.doc?.text ?? '';
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}
