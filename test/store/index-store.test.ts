import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isLatticeError, type LatticeErrorCode } from '../../src/core/errors.js';
import { IndexStore } from '../../src/core/store/index-store.js';
import { parseKeywords } from '../../src/core/store/json-columns.js';
import type { NodeRecord } from '../../src/core/store/node-queries.js';
import { clusterText, splitClusterText } from '../../src/core/text/cluster-text.js';
import { SCHEMA_VERSION } from '../../src/core/store/open-database.js';
import { useTempDir } from '../helpers/temp-dir.js';

const tempDir = useTempDir();

function expectCode(fn: () => unknown, code: LatticeErrorCode): void {
  try {
    fn();
  } catch (error) {
    expect(isLatticeError(error) ? error.code : error).toBe(code);
    return;
  }
  expect.unreachable(`expected ${code}`);
}

function record(id: number, parentId: number | null, extra: Partial<NodeRecord>): NodeRecord {
  return {
    id, parentId, depth: 0, position: 0, kind: 'cluster', docId: null, chunkIndex: null, charStart: null, charEnd: null,
    title: `n${id}`, summary: null, numDocuments: 0, numChildren: 0, preorder: id - 1, subtreeEnd: id - 1,
    contentHash: `h${id}`, embedding: null, ...extra,
  };
}

/** A new index file holding document 'a' and the given nodes. */
function oneDocumentStore(name: string, nodes: NodeRecord[]): string {
  const file = path.join(tempDir(), name);
  const store = IndexStore.open(file, { create: true });
  store.replaceDocuments([{ id: 'a', title: 'Alpha', text: 'alpha text', source: { path: 'c.jsonl' }, contentHash: 'x' }]);
  store.replaceNodes(nodes);
  store.close();
  return file;
}

describe('IndexStore', () => {
  it('round-trips documents, nodes, embeddings, cache and traces', () => {
    const file = path.join(tempDir(), 'index.db');
    const store = IndexStore.open(file, { create: true });
    store.replaceDocuments([
      { id: 'a', title: 'Alpha', text: 'alpha text here', source: { path: 'c.jsonl', line: 1 }, contentHash: 'x', metadata: { k: 1 } },
      { id: 'b', title: 'Beta', text: '0123456789', source: { path: 'c.jsonl', line: 2 }, contentHash: 'y' },
    ]);
    const emb = new Float32Array([0.5, -0.25, 1]);
    store.replaceNodes([
      record(1, null, { numChildren: 2, numDocuments: 2, subtreeEnd: 3, summary: 'root summary' }),
      record(2, 1, { depth: 1, kind: 'document', docId: 'a', numDocuments: 1, preorder: 1, subtreeEnd: 1, embedding: emb }),
      record(3, 1, { depth: 1, position: 1, kind: 'document', docId: 'b', numDocuments: 1, numChildren: 1, preorder: 2, subtreeEnd: 3 }),
      record(4, 3, { depth: 2, kind: 'chunk', docId: 'b', chunkIndex: 0, charStart: 2, charEnd: 5, preorder: 3, subtreeEnd: 3 }),
    ]);
    store.setMeta('build_status', 'complete');
    store.set('k1', { kind: 'chat', model: 'm', response: '{"x":1}', inputTokens: 3, outputTokens: 4 });
    const traceId = store.saveTrace('q', { beam: 2 }, { hits: [] });
    store.close();

    const reader = IndexStore.open(file, { readonly: true });
    reader.assertComplete();
    expect(reader.root().text).toBe('root summary');
    expect(reader.children(1).map((n) => n.docId)).toEqual(['a', 'b']);
    expect(reader.node(4).text).toBe('234');
    expect(reader.node(2).text).toBe('alpha text here');
    expect(reader.path(4).map((n) => n.id)).toEqual([1, 3, 4]);
    expect(reader.documentsUnder(1)).toEqual(['a', 'b']);
    expect(reader.documentNode('b')?.id).toBe(3);
    expect(Array.from(reader.nodeEmbedding(2)!)).toEqual([0.5, -0.25, 1]);
    expect(reader.document('a')?.metadata).toEqual({ k: 1 });
    expect(reader.get('k1')?.outputTokens).toBe(4);
    expect(reader.getTrace(traceId)?.query).toBe('q');
    expect(reader.size()).toBe(4);
    reader.close();
  });

  it('shows a cluster its keyword profile after its summary, and leaves without one', () => {
    const file = oneDocumentStore('kw.db', [
      record(1, null, { numChildren: 2, numDocuments: 1, subtreeEnd: 2, summary: 'Covers: alpha.', keywords: ['malaria', 'mosquitoes'] }),
      record(2, 1, { depth: 1, numChildren: 1, numDocuments: 1, preorder: 1, subtreeEnd: 2, summary: 'no keywords', keywords: [] }),
      record(3, 2, { depth: 2, kind: 'document', docId: 'a', numDocuments: 1, preorder: 2, subtreeEnd: 2 }),
    ]);
    const reader = IndexStore.open(file, { readonly: true });
    expect(reader.root().text).toBe('Covers: alpha.\n\nKeywords: malaria, mosquitoes.');
    expect(reader.nodeKeywords(1)).toEqual(['malaria', 'mosquitoes']);
    expect(reader.node(2).text).toBe('no keywords');
    expect(reader.nodeKeywords(2)).toEqual([]);
    expect(reader.node(3).text).toBe('alpha text');
    expect(reader.nodeKeywords(3)).toEqual([]);
    const raw = reader.db.prepare('SELECT keywords FROM nodes ORDER BY id').all() as { keywords: string | null }[];
    expect(raw.map((r) => r.keywords)).toEqual(['["malaria","mosquitoes"]', null, null]);
    reader.close();
  });

  it('gives a cluster its profile with document shares, when the counts were stored', () => {
    const file = oneDocumentStore('profile.db', [
      record(1, null, { numChildren: 1, numDocuments: 4, subtreeEnd: 2, summary: 's', keywords: ['malaria', 'nets'], keywordDocs: [4, 1] }),
      record(2, 1, { depth: 1, numChildren: 1, numDocuments: 4, preorder: 1, subtreeEnd: 2, summary: 's', keywords: ['a', 'b'], keywordDocs: [1] }),
      record(3, 2, { depth: 2, kind: 'document', docId: 'a', numDocuments: 1, preorder: 2, subtreeEnd: 2 }),
    ]);
    const reader = IndexStore.open(file, { readonly: true });
    expect(reader.nodeProfile(1)).toEqual({ terms: ['malaria', 'nets'], density: [1, 0.25] });
    // Counts that do not match the keywords, leaves and unknown ids have none.
    expect(reader.nodeProfile(2)).toBeUndefined();
    expect(reader.nodeProfile(3)).toBeUndefined();
    expect(reader.nodeProfile(99)).toBeUndefined();
    reader.close();
  });

  it('reads a damaged keywords value as none', () => {
    expect(parseKeywords('not json')).toEqual([]);
    expect(parseKeywords('{"a":1}')).toEqual([]);
    expect(parseKeywords('["a",2]')).toEqual([]);
    expect(parseKeywords(null)).toEqual([]);
    expect(parseKeywords('["a","b"]')).toEqual(['a', 'b']);
    expect(clusterText('', ['a'])).toBe('Keywords: a.');
    expect(clusterText('sum', [])).toBe('sum');
    for (const [summary, keywords] of [['Covers: a. Keywords: not a list', ['x', 'y']], ['', ['a']], ['plain', []]] as const) {
      expect(splitClusterText(clusterText(summary, keywords))).toEqual({ summary, keywords: [...keywords] });
    }
    expect(splitClusterText('no list here.')).toEqual({ summary: 'no list here.', keywords: [] });
  });

  it('refuses missing, foreign, garbage, newer and unfinished files with coded errors', () => {
    const dir = tempDir();
    expectCode(() => IndexStore.open(path.join(dir, 'missing.db')), 'INDEX_NOT_FOUND');

    const garbage = path.join(dir, 'garbage.db');
    fs.writeFileSync(garbage, Buffer.alloc(8192, 7));
    expectCode(() => IndexStore.open(garbage, { readonly: true }), 'INDEX_NOT_LATTICE');

    const foreign = path.join(dir, 'foreign.db');
    const other = new Database(foreign);
    other.exec('CREATE TABLE t (x)');
    other.close();
    expectCode(() => IndexStore.open(foreign, { readonly: true }), 'INDEX_NOT_LATTICE');

    const newer = path.join(dir, 'newer.db');
    IndexStore.open(newer, { create: true }).close();
    const raw = new Database(newer);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expectCode(() => IndexStore.open(newer, { readonly: true }), 'INDEX_TOO_NEW');

    const unfinished = path.join(dir, 'unfinished.db');
    const store = IndexStore.open(unfinished, { create: true });
    store.setMeta('build_status', 'building');
    store.close();
    const reader = IndexStore.open(unfinished, { readonly: true });
    expectCode(() => reader.assertComplete(), 'INDEX_INCOMPLETE');
    reader.close();
  });

  it('a truncated file is reported, not thrown raw', () => {
    const dir = tempDir();
    const file = path.join(dir, 'index.db');
    const store = IndexStore.open(file, { create: true });
    store.replaceDocuments(
      Array.from({ length: 500 }, (_, i) => ({ id: `d${i}`, title: 't', text: 'x'.repeat(500), source: { path: 'p' }, contentHash: 'h' })),
    );
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    store.close();
    const size = fs.statSync(file).size;
    fs.truncateSync(file, Math.floor(size / 3));
    try {
      const reader = IndexStore.open(file, { readonly: true });
      reader.documentCount();
      reader.close();
      expect.unreachable('a truncated index must not read as valid');
    } catch (error) {
      expect(isLatticeError(error)).toBe(true);
      expect(['INDEX_CORRUPT', 'INDEX_NOT_LATTICE']).toContain((error as { code: string }).code);
    }
  });
});
