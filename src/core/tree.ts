/**
 * Read access to a semantic tree, the seam between the store and the traverser.
 * Why an interface: the traverser walks the tree the same way whether it lives in
 * an SQLite index or in memory (hand-built trees in tests, synthetic benchmarks).
 * Invariant: children come in `position` order; ids are stable for the life of a reader.
 */
import { LatticeError } from './errors.js';
import type { TreeNode } from './types.js';

export interface TreeReader {
  /** The root cluster. */
  root(): TreeNode;
  /** One node; throws INDEX_NODE_NOT_FOUND for an unknown id. */
  node(id: number): TreeNode;
  /** Children in position order; empty for leaves. */
  children(id: number): TreeNode[];
  /** Nodes from the root down to `id`, both included. */
  path(id: number): TreeNode[];
  /** Ids of the documents in the subtree of `id`, each once, in tree order. */
  documentsUnder(id: number): string[];
  /** The `document` node of a document id, or undefined when the id is not in the tree. */
  documentNode(docId: string): TreeNode | undefined;
  /** Number of nodes in the tree. */
  size(): number;
}

/** True for nodes the search ranks directly: chunks, and documents that were not chunked. */
export function isLeaf(node: TreeNode): boolean {
  return node.numChildren === 0;
}

/** A TreeReader over nodes held in memory. `nodes` must contain exactly one root. */
export class MemoryTree implements TreeReader {
  private readonly byId = new Map<number, TreeNode>();
  private readonly kids = new Map<number, TreeNode[]>();
  private readonly byDoc = new Map<string, TreeNode>();
  private readonly rootNode: TreeNode;

  constructor(nodes: Iterable<TreeNode>) {
    let root: TreeNode | undefined;
    for (const node of nodes) {
      this.byId.set(node.id, node);
      if (node.parentId === null) {
        if (root) throw new LatticeError('INDEX_CORRUPT', `Tree has two roots: ${root.id} and ${node.id}.`);
        root = node;
      } else {
        const list = this.kids.get(node.parentId) ?? [];
        list.push(node);
        this.kids.set(node.parentId, list);
      }
      if (node.kind === 'document' && node.docId !== null) this.byDoc.set(node.docId, node);
    }
    if (!root) throw new LatticeError('INDEX_CORRUPT', 'Tree has no root.');
    this.rootNode = root;
    for (const list of this.kids.values()) list.sort((a, b) => a.position - b.position);
  }

  root(): TreeNode {
    return this.rootNode;
  }

  node(id: number): TreeNode {
    const node = this.byId.get(id);
    if (!node) throw new LatticeError('INDEX_NODE_NOT_FOUND', `No node with id ${id}.`, { hint: 'List node ids with `lattice inspect`.' });
    return node;
  }

  children(id: number): TreeNode[] {
    return this.kids.get(id) ?? [];
  }

  path(id: number): TreeNode[] {
    const out: TreeNode[] = [];
    let current: TreeNode | undefined = this.node(id);
    while (current) {
      out.push(current);
      current = current.parentId === null ? undefined : this.byId.get(current.parentId);
    }
    return out.reverse();
  }

  documentsUnder(id: number): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    const stack: TreeNode[] = [this.node(id)];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.kind === 'document' && node.docId !== null && !seen.has(node.docId)) {
        seen.add(node.docId);
        out.push(node.docId);
        continue;
      }
      if (node.kind === 'chunk' && node.docId !== null && !seen.has(node.docId)) {
        seen.add(node.docId);
        out.push(node.docId);
        continue;
      }
      const kids = this.children(node.id);
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
    }
    return out;
  }

  documentNode(docId: string): TreeNode | undefined {
    return this.byDoc.get(docId);
  }

  size(): number {
    return this.byId.size;
  }
}
