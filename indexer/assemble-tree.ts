/**
 * Numbers a draft tree into stored node records: preorder ids, depths, positions,
 * subtree ranges, document counts and content hashes.
 * Why at the end: ids and hashes then depend only on the tree's shape and content, so
 * two builds of the same corpus with the same seed write byte-identical node tables.
 * Content hashes chain upwards (a cluster hashes its summary and its children's hashes),
 * so a later incremental update can find the subtrees a change touched.
 */
import { createHash } from 'node:crypto';
import type { NodeRecord } from '../src/core/store/node-queries.js';
import type { CountSpread } from '../src/core/types.js';
import type { DraftNode } from './draft-tree.js';

export interface TreeStats {
  nodes: number;
  clusters: number;
  documents: number;
  chunks: number;
  /** Depth of the deepest leaf (root = 0). */
  depth: number;
  /** Smallest, largest and mean child count over clusters (the root included): what --branching bounds. */
  fanOut: CountSpread;
  /**
   * The same over documents split into chunks: a document's chunks all hang under it, however
   * many there are (--branching does not apply to them). All zero when no document was chunked.
   */
  chunksPerDocument: CountSpread;
}

/** Accumulates a CountSpread one count at a time. */
function spreadCounter(): { add(count: number): void; result(): CountSpread } {
  let min = Infinity;
  let max = 0;
  let sum = 0;
  let n = 0;
  return {
    add(count) {
      min = Math.min(min, count);
      max = Math.max(max, count);
      sum += count;
      n++;
    },
    result: () => (n === 0 ? { min: 0, max: 0, mean: 0 } : { min, max, mean: sum / n }),
  };
}

export function assembleTree(root: DraftNode): { records: NodeRecord[]; stats: TreeStats } {
  const records: NodeRecord[] = [];
  let clusters = 0;
  let documents = 0;
  let chunks = 0;
  let maxDepth = 0;
  const fanOut = spreadCounter();
  const chunksPerDocument = spreadCounter();

  // Iterative preorder walk: corpora are shallow, but a degenerate tree must not overflow the stack.
  interface Frame {
    node: DraftNode;
    parentId: number | null;
    depth: number;
    position: number;
  }
  const order: { frame: Frame; record: NodeRecord }[] = [];
  const stack: Frame[] = [{ node: root, parentId: null, depth: 0, position: 0 }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { node } = frame;
    const preorder = records.length;
    const id = preorder + 1;
    const record: NodeRecord = {
      id,
      parentId: frame.parentId,
      depth: frame.depth,
      position: frame.position,
      kind: node.kind,
      docId: node.doc ? node.doc.id : null,
      chunkIndex: node.chunk ? node.chunk.index : null,
      charStart: node.chunk ? node.chunk.start : null,
      charEnd: node.chunk ? node.chunk.end : null,
      title: node.title,
      summary: node.kind === 'cluster' ? node.summary ?? '' : null,
      keywords: node.kind === 'cluster' ? node.keywords : null,
      keywordDocs: node.kind === 'cluster' ? node.keywordDocs : null,
      numDocuments: 0,
      numChildren: node.children.length,
      preorder,
      subtreeEnd: preorder,
      contentHash: '',
      embedding: node.embedding,
    };
    records.push(record);
    order.push({ frame, record });
    if (node.kind === 'cluster') clusters++;
    else if (node.kind === 'document') documents++;
    else chunks++;
    maxDepth = Math.max(maxDepth, frame.depth);
    if (node.children.length > 0) (node.kind === 'cluster' ? fanOut : chunksPerDocument).add(node.children.length);
    for (let i = node.children.length - 1; i >= 0; i--) {
      stack.push({ node: node.children[i]!, parentId: id, depth: frame.depth + 1, position: i });
    }
  }

  // Children come after their parent in preorder, so a reverse pass sees every child first.
  const childHashes = new Map<number, string[]>();
  const byId = new Map(records.map((r) => [r.id, r]));
  for (let i = order.length - 1; i >= 0; i--) {
    const { frame, record } = order[i]!;
    const node = frame.node;
    const hashes = childHashes.get(record.id) ?? [];
    const hash = createHash('sha256');
    hash.update(node.kind);
    if (node.kind === 'cluster') hash.update(`\0${node.title}\0${node.summary ?? ''}`);
    else if (node.doc) hash.update(`\0${node.doc.id}\0${node.doc.title}\0${node.doc.text}`);
    if (node.chunk) hash.update(`\0${node.chunk.start}:${node.chunk.end}`);
    for (const h of [...hashes].reverse()) hash.update(`\0${h}`);
    record.contentHash = hash.digest('hex');
    if (node.kind === 'document') record.numDocuments += 1;
    if (record.parentId !== null) {
      const parent = byId.get(record.parentId)!;
      parent.numDocuments += record.numDocuments;
      parent.subtreeEnd = Math.max(parent.subtreeEnd, record.subtreeEnd);
      const list = childHashes.get(parent.id) ?? [];
      list.push(record.contentHash);
      childHashes.set(parent.id, list);
    }
  }

  return {
    records,
    stats: {
      nodes: records.length,
      clusters,
      documents,
      chunks,
      depth: maxDepth,
      fanOut: fanOut.result(),
      chunksPerDocument: chunksPerDocument.result(),
    },
  };
}
