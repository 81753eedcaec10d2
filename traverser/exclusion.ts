/**
 * Which nodes a query must never show: leaves of excluded documents, and inner nodes whose
 * documents are all excluded (digest pitfall 8: the reference still shows them, and their stale
 * summaries steer the search wrong).
 * Precomputed per query from the excluded documents' paths (excluded documents per ancestor),
 * compared with each node's numDocuments; a node without a document count falls back to
 * tree.documentsUnder. Invariant: answers are cached and never change during a query.
 */
import { isLeaf } from '../src/core/tree.js';
import type { TreeReader } from '../src/core/tree.js';
import type { TreeNode } from '../src/core/types.js';

export class Exclusion {
  private readonly ids: ReadonlySet<string>;
  private readonly excludedBelow = new Map<number, number>();
  private readonly cache = new Map<number, boolean>();

  /** Precomputes per-node counts of excluded documents; ids not in the tree are ignored. */
  constructor(
    private readonly tree: TreeReader,
    excludeIds: readonly string[],
  ) {
    this.ids = new Set(excludeIds);
    for (const docId of this.ids) {
      const doc = tree.documentNode(docId);
      if (!doc) continue;
      for (const node of tree.path(doc.id)) this.excludedBelow.set(node.id, (this.excludedBelow.get(node.id) ?? 0) + 1);
    }
  }

  get size(): number {
    return this.ids.size;
  }

  /** True when `docId` is excluded. */
  has(docId: string): boolean {
    return this.ids.has(docId);
  }

  /** True when `node` must not be shown: an excluded leaf, or an inner node with only excluded documents. */
  hides(node: TreeNode): boolean {
    if (this.ids.size === 0) return false;
    if (isLeaf(node)) return node.docId !== null && this.ids.has(node.docId);
    const known = this.cache.get(node.id);
    if (known !== undefined) return known;
    const below = this.excludedBelow.get(node.id) ?? 0;
    let hidden: boolean;
    if (below === 0) hidden = false;
    else if (node.numDocuments > 0) hidden = below >= node.numDocuments;
    else {
      const docs = this.tree.documentsUnder(node.id);
      hidden = docs.length > 0 && docs.every((docId) => this.ids.has(docId));
    }
    this.cache.set(node.id, hidden);
    return hidden;
  }
}
