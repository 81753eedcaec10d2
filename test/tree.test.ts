import { describe, expect, it } from 'vitest';
import { MemoryTree } from '../src/core/tree.js';
import { isLatticeError } from '../src/core/errors.js';
import type { TreeNode } from '../src/core/types.js';

function node(id: number, parentId: number | null, extra: Partial<TreeNode> = {}): TreeNode {
  return {
    id, parentId, depth: 0, position: 0, kind: 'cluster', docId: null, chunkIndex: null,
    charStart: null, charEnd: null, title: `n${id}`, text: '', numDocuments: 0, numChildren: 0,
    preorder: id, contentHash: '', ...extra,
  };
}

describe('MemoryTree', () => {
  const tree = new MemoryTree([
    node(1, null, { numChildren: 2 }),
    node(3, 1, { position: 1, kind: 'document', docId: 'b' }),
    node(2, 1, { position: 0, numChildren: 1 }),
    node(4, 2, { kind: 'document', docId: 'a' }),
  ]);
  it('orders children by position and walks paths', () => {
    expect(tree.children(1).map((n) => n.id)).toEqual([2, 3]);
    expect(tree.path(4).map((n) => n.id)).toEqual([1, 2, 4]);
    expect(tree.documentsUnder(1)).toEqual(['a', 'b']);
  });
  it('throws a coded error for unknown nodes', () => {
    try {
      tree.node(99);
      expect.unreachable();
    } catch (e) {
      expect(isLatticeError(e, 'INDEX_NODE_NOT_FOUND')).toBe(true);
    }
  });
});
