import { describe, expect, it } from 'vitest';
import { Exclusion } from '../../traverser/exclusion.js';
import { MemoryTree } from '../../src/core/tree.js';
import type { TreeNode } from '../../src/core/types.js';
import { buildTree } from './helpers.js';

describe('Exclusion', () => {
  const tree = buildTree({ children: [{ children: ['a', 'b'] }, { children: ['c', { doc: 'd', chunks: 2 }] }] });
  const [left, right] = tree.children(tree.root().id);

  it('hides excluded leaves, their chunks, and clusters whose documents are all excluded', () => {
    const ex = new Exclusion(tree, ['a', 'b', 'd', 'not-in-tree']);
    expect(ex.hides(tree.documentNode('a')!)).toBe(true);
    expect(ex.hides(tree.documentNode('c')!)).toBe(false);
    expect(ex.hides(left!)).toBe(true);
    expect(ex.hides(right!)).toBe(false);
    const chunked = tree.documentNode('d')!;
    expect(ex.hides(chunked)).toBe(true);
    expect(tree.children(chunked.id).every((chunk) => ex.hides(chunk))).toBe(true);
    expect(ex.hides(tree.root())).toBe(false);
    expect(new Exclusion(tree, []).hides(left!)).toBe(false);
  });

  it('falls back to documentsUnder when a node carries no document count', () => {
    const node = (id: number, parentId: number | null, extra: Partial<TreeNode> = {}): TreeNode => ({
      id, parentId, depth: 0, position: id, kind: 'cluster', docId: null, chunkIndex: null, charStart: null,
      charEnd: null, title: '', text: '', numDocuments: 0, numChildren: 0, preorder: id, contentHash: '', ...extra,
    });
    const bare = new MemoryTree([
      node(1, null, { numChildren: 2 }),
      node(2, 1, { numChildren: 2 }),
      node(3, 2, { kind: 'document', docId: 'x' }),
      node(4, 2, { kind: 'document', docId: 'y' }),
      node(5, 1, { kind: 'document', docId: 'z' }),
    ]);
    expect(new Exclusion(bare, ['x']).hides(bare.node(2))).toBe(false);
    expect(new Exclusion(bare, ['x', 'y']).hides(bare.node(2))).toBe(true);
    expect(new Exclusion(bare, ['x', 'y']).hides(bare.node(1))).toBe(false);
  });
});
