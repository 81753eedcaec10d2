/**
 * The `nodes` table and its mapping to the engine's one node type, `TreeNode`: the builder
 * writes NodeRecords (a TreeNode without its resolved text, plus what only the store keeps),
 * readers get TreeNodes whose text is a cluster's summary and keywords, a document's text or a
 * chunk's slice of it. This is the TreeReader the traverser walks at query time.
 * Invariant: node reads are memoised per open file (an open index is immutable while read);
 * replacing or clearing the nodes forgets the memo.
 */
import { LatticeError } from '../errors.js';
import { clusterText } from '../text/cluster-text.js';
import type { TreeReader } from '../tree.js';
import type { KeywordProfile, NodeKind, TreeNode } from '../types.js';
import { bufferToFloat32, parseCounts, parseKeywords } from './json-columns.js';
import { TableQueries, type Statements } from './statements.js';

/** A node as the builder writes it; `summary` is stored only for clusters (leaf text lives in documents). */
export interface NodeRecord extends Omit<TreeNode, 'text'> {
  summary: string | null;
  /** A cluster's keyword profile, most distinctive first; absent or null for none (and for leaves). */
  keywords?: string[] | null;
  /** Per keyword, documents under the cluster that contain it (parallel to keywords). */
  keywordDocs?: number[] | null;
  /** Preorder index of the last node of the subtree (so a subtree is one preorder range). */
  subtreeEnd: number;
  embedding: Float32Array | null;
}

/** A `nodes` row as SQLite returns it (snake_case columns), joined with its document's text. */
export interface NodeRow {
  id: number;
  parent_id: number | null;
  depth: number;
  position: number;
  kind: NodeKind;
  doc_id: string | null;
  chunk_index: number | null;
  char_start: number | null;
  char_end: number | null;
  title: string;
  summary: string | null;
  num_documents: number;
  num_children: number;
  preorder: number;
  subtree_end: number;
  content_hash: string;
  doc_text: string | null;
  keywords: string | null;
}

// Columns every schema has; `keywords` (schema 2) is added per file, see NodeQueries.nodeColumns.
const NODE_COLUMNS = `n.id, n.parent_id, n.depth, n.position, n.kind, n.doc_id, n.chunk_index, n.char_start,
  n.char_end, n.title, n.summary, n.num_documents, n.num_children, n.preorder, n.subtree_end, n.content_hash,
  d.text AS doc_text`;

/** The tree node a row describes, its text resolved from the row's summary, keywords or document. */
export function rowToNode(row: NodeRow): TreeNode {
  let text: string;
  if (row.kind === 'cluster') text = clusterText(row.summary ?? '', parseKeywords(row.keywords));
  else if (row.kind === 'chunk') text = (row.doc_text ?? '').slice(row.char_start ?? 0, row.char_end ?? undefined);
  else text = row.doc_text ?? '';
  return {
    id: row.id,
    parentId: row.parent_id,
    depth: row.depth,
    position: row.position,
    kind: row.kind,
    docId: row.doc_id,
    chunkIndex: row.chunk_index,
    charStart: row.char_start,
    charEnd: row.char_end,
    title: row.title,
    text,
    numDocuments: row.num_documents,
    numChildren: row.num_children,
    preorder: row.preorder,
    contentHash: row.content_hash,
  };
}

/** The parameters of the nodes INSERT for one record, in column order. */
function recordParams(n: NodeRecord): unknown[] {
  const keywords = n.keywords && n.keywords.length > 0 ? n.keywords : undefined;
  return [
    n.id,
    n.parentId,
    n.depth,
    n.position,
    n.kind,
    n.docId,
    n.chunkIndex,
    n.charStart,
    n.charEnd,
    n.title,
    n.summary,
    keywords ? JSON.stringify(keywords) : null,
    keywords && n.keywordDocs?.length === keywords.length ? JSON.stringify(n.keywordDocs) : null,
    n.numDocuments,
    n.numChildren,
    n.preorder,
    n.subtreeEnd,
    n.contentHash,
    n.embedding ? Buffer.from(n.embedding.buffer, n.embedding.byteOffset, n.embedding.byteLength) : null,
  ];
}

export class NodeQueries extends TableQueries implements TreeReader {
  private readonly nodeCache = new Map<number, TreeNode>();
  private readonly childCache = new Map<number, TreeNode[]>();
  private rootId: number | undefined;
  /** False for schema-1 files (read-only opens do not migrate them): no keywords column. */
  private readonly hasKeywords: boolean;
  /** False for files before schema 3: no keyword_docs column. */
  private readonly hasKeywordDocs: boolean;
  /** NODE_COLUMNS plus the keywords column, or NULL in its place for a schema-1 file. */
  private readonly nodeColumns: string;

  constructor(sql: Statements, schemaVersion: number) {
    super(sql);
    this.hasKeywords = schemaVersion >= 2;
    this.hasKeywordDocs = schemaVersion >= 3;
    this.nodeColumns = `${NODE_COLUMNS}, ${this.hasKeywords ? 'n.keywords' : 'NULL AS keywords'}`;
  }

  /** Deletes every node (the caller holds the transaction) and forgets what was read. */
  clear(): void {
    this.stmt(`DELETE FROM nodes`).run();
    this.forget();
  }

  /** Writes `nodes` into an empty table (the caller holds the transaction). */
  insertAll(nodes: Iterable<NodeRecord>): void {
    const insert = this.stmt(
      `INSERT INTO nodes (id, parent_id, depth, position, kind, doc_id, chunk_index, char_start, char_end, title, summary,
        keywords, keyword_docs, num_documents, num_children, preorder, subtree_end, content_hash, embedding)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const n of nodes) insert.run(...recordParams(n));
    this.forget();
  }

  /** Forgets memoised reads (after the table changed). */
  forget(): void {
    this.nodeCache.clear();
    this.childCache.clear();
    this.rootId = undefined;
  }

  private remember(row: NodeRow): TreeNode {
    const node = rowToNode(row);
    this.nodeCache.set(node.id, node);
    return node;
  }

  root(): TreeNode {
    if (this.rootId === undefined) {
      const row = this.stmt(
        `SELECT ${this.nodeColumns} FROM nodes n LEFT JOIN documents d ON d.doc_id = n.doc_id WHERE n.parent_id IS NULL ORDER BY n.id LIMIT 1`,
      ).get() as NodeRow | undefined;
      if (!row) {
        throw new LatticeError('INDEX_INCOMPLETE', `${this.sql.file} holds no tree.`, {
          hint: 'Run the same `lattice build` command again to finish the build.',
        });
      }
      this.rootId = this.remember(row).id;
    }
    return this.node(this.rootId);
  }

  node(id: number): TreeNode {
    const cached = this.nodeCache.get(id);
    if (cached) return cached;
    const row = this.stmt(`SELECT ${this.nodeColumns} FROM nodes n LEFT JOIN documents d ON d.doc_id = n.doc_id WHERE n.id = ?`).get(id) as
      | NodeRow
      | undefined;
    if (!row) {
      throw new LatticeError('INDEX_NODE_NOT_FOUND', `No node with id ${id} in ${this.sql.file}.`, {
        hint: 'List node ids with `lattice inspect <index>`.',
      });
    }
    return this.remember(row);
  }

  children(id: number): TreeNode[] {
    const cached = this.childCache.get(id);
    if (cached) return cached;
    const rows = this.stmt(
      `SELECT ${this.nodeColumns} FROM nodes n LEFT JOIN documents d ON d.doc_id = n.doc_id WHERE n.parent_id = ? ORDER BY n.position`,
    ).all(id) as NodeRow[];
    const kids = rows.map((row) => this.nodeCache.get(row.id) ?? this.remember(row));
    this.childCache.set(id, kids);
    return kids;
  }

  path(id: number): TreeNode[] {
    const out: TreeNode[] = [];
    let current: TreeNode | undefined = this.node(id);
    while (current) {
      out.push(current);
      current = current.parentId === null ? undefined : this.node(current.parentId);
    }
    return out.reverse();
  }

  documentsUnder(id: number): string[] {
    const row = this.stmt(`SELECT preorder, subtree_end FROM nodes WHERE id = ?`).get(id) as
      | { preorder: number; subtree_end: number }
      | undefined;
    if (!row) throw new LatticeError('INDEX_NODE_NOT_FOUND', `No node with id ${id} in ${this.sql.file}.`);
    const rows = this.stmt(
      `SELECT doc_id FROM nodes WHERE preorder BETWEEN ? AND ? AND kind = 'document' ORDER BY preorder`,
    ).all(row.preorder, row.subtree_end) as { doc_id: string }[];
    return rows.map((r) => r.doc_id);
  }

  documentNode(docId: string): TreeNode | undefined {
    const row = this.stmt(`SELECT id FROM nodes WHERE doc_id = ? AND kind = 'document'`).get(docId) as { id: number } | undefined;
    return row ? this.node(row.id) : undefined;
  }

  size(): number {
    return (this.stmt(`SELECT count(*) AS n FROM nodes`).get() as { n: number }).n;
  }

  /** A cluster's keyword profile, most distinctive first; [] for leaves, unknown ids and files without keywords. */
  keywords(id: number): string[] {
    if (!this.hasKeywords) return [];
    const row = this.stmt(`SELECT keywords FROM nodes WHERE id = ?`).get(id) as { keywords: string | null } | undefined;
    return parseKeywords(row?.keywords ?? null);
  }

  /**
   * A cluster's keyword profile with each term's document share, or undefined for leaves, unknown
   * ids and clusters stored without counts (files before schema 3, or built with --keywords 0).
   */
  profile(id: number): KeywordProfile | undefined {
    if (!this.hasKeywordDocs) return undefined;
    const row = this.stmt(`SELECT keywords, keyword_docs, num_documents FROM nodes WHERE id = ? AND kind = 'cluster'`).get(id) as
      | { keywords: string | null; keyword_docs: string | null; num_documents: number }
      | undefined;
    if (!row || !(row.num_documents > 0)) return undefined;
    const terms = parseKeywords(row.keywords);
    const docs = parseCounts(row.keyword_docs);
    if (terms.length === 0 || docs.length !== terms.length) return undefined;
    return { terms, density: docs.map((d) => Math.min(1, d / row.num_documents)) };
  }

  /** Stored embedding of a node, or undefined when none was stored. */
  embedding(id: number): Float32Array | undefined {
    const row = this.stmt(`SELECT embedding FROM nodes WHERE id = ?`).get(id) as { embedding: Buffer | null } | undefined;
    if (!row?.embedding) return undefined;
    return bufferToFloat32(row.embedding);
  }

  /** The embeddings of one node kind in preorder (for building flat indexes). */
  *iterateEmbeddings(kind: NodeKind): IterableIterator<{ id: number; docId: string | null; embedding: Float32Array }> {
    const rows = this.stmt(`SELECT id, doc_id, embedding FROM nodes WHERE kind = ? AND embedding IS NOT NULL ORDER BY preorder`).iterate(
      kind,
    ) as IterableIterator<{ id: number; doc_id: string | null; embedding: Buffer }>;
    for (const row of rows) yield { id: row.id, docId: row.doc_id, embedding: bufferToFloat32(row.embedding) };
  }
}
