/**
 * Typed access to one index file: metadata, documents, tree nodes, blobs, the model-call
 * cache, build progress and saved traces. It is the TreeReader the traverser walks at
 * query time and the response cache the model client writes through at build time.
 * Invariants: every statement is parameterised; multi-row writes run in one transaction;
 * node reads are memoised per instance (an open index is immutable while it is read).
 */
import type Database from 'better-sqlite3';
import { LatticeError, isLatticeError } from '../errors.js';
import type { TreeReader } from '../tree.js';
import type { CorpusDocument, KeywordProfile, NodeKind, TreeNode } from '../types.js';
import { openDatabase, translateOpenError } from './open-database.js';

/** A cached, validated model answer (only successful answers are stored). */
export interface CachedModelResponse {
  kind: 'chat' | 'embedding';
  model: string;
  response: string;
  inputTokens: number;
  outputTokens: number;
}

/** A document row as stored, with its source. */
export interface StoredDocument extends CorpusDocument {
  contentHash: string;
}

/** A node as the builder writes it; `text` is stored only for clusters (leaf text lives in documents). */
export interface NodeRecord {
  id: number;
  parentId: number | null;
  depth: number;
  position: number;
  kind: NodeKind;
  docId: string | null;
  chunkIndex: number | null;
  charStart: number | null;
  charEnd: number | null;
  title: string;
  summary: string | null;
  /** A cluster's keyword profile, most distinctive first; absent or null for none (and for leaves). */
  keywords?: string[] | null;
  /** Per keyword, documents under the cluster that contain it (parallel to keywords). */
  keywordDocs?: number[] | null;
  numDocuments: number;
  numChildren: number;
  preorder: number;
  subtreeEnd: number;
  contentHash: string;
  embedding: Float32Array | null;
}

export type BuildStatus = 'building' | 'complete';

/** The statement methods the store uses, each translating SQLite failures into LatticeErrors. */
interface GuardedStatement {
  run(...params: unknown[]): Database.RunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
}

interface NodeRow {
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

// Columns every schema has; `keywords` (schema 2) is added per file, see IndexStore.nodeColumns.
const NODE_COLUMNS = `n.id, n.parent_id, n.depth, n.position, n.kind, n.doc_id, n.chunk_index, n.char_start,
  n.char_end, n.title, n.summary, n.num_documents, n.num_children, n.preorder, n.subtree_end, n.content_hash,
  d.text AS doc_text`;

/** Label that introduces the keyword profile in a cluster's text. */
export const KEYWORDS_LABEL = 'Keywords:';

/**
 * The text a cluster shows to judges and people: its summary, then its keyword profile
 * ("Keywords: a, b, c."), so a navigator sees the vocabulary of the whole subtree. Judges clip
 * long texts themselves (the LLM judge keeps the first 1,500 characters: the summary and the
 * most distinctive keywords).
 */
export function clusterText(summary: string, keywords: readonly string[]): string {
  if (keywords.length === 0) return summary;
  const list = `${KEYWORDS_LABEL} ${keywords.join(', ')}.`;
  return summary ? `${summary}\n\n${list}` : list;
}

/** Inverse of clusterText: the summary and the keywords of a cluster's text. */
export function splitClusterText(text: string): { summary: string; keywords: string[] } {
  const at = text.startsWith(`${KEYWORDS_LABEL} `) ? 0 : text.lastIndexOf(`\n\n${KEYWORDS_LABEL} `);
  if (at < 0 || !text.endsWith('.')) return { summary: text, keywords: [] };
  const list = text.slice(at === 0 ? KEYWORDS_LABEL.length + 1 : at + KEYWORDS_LABEL.length + 3, -1);
  return { summary: text.slice(0, at), keywords: list.split(', ') };
}

/** A meta value as stored: JSON when it parses, the raw text otherwise. */
export function parseMetaValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Parses a stored JSON array whose items all pass `isItem`; anything else counts as none. */
function parseJsonArray<T>(value: string | null, isItem: (item: unknown) => item is T): T[] {
  if (value === null || value === '') return [];
  const parsed = parseMetaValue(value);
  return Array.isArray(parsed) && parsed.every(isItem) ? parsed : [];
}

/** Parses a stored keyword_docs value; anything but a JSON array of non-negative numbers counts as none. */
export function parseCounts(value: string | null): number[] {
  return parseJsonArray(value, (k): k is number => typeof k === 'number' && k >= 0);
}

/** Parses a stored keywords value; anything but a JSON array of strings counts as none. */
export function parseKeywords(value: string | null): string[] {
  return parseJsonArray(value, (k): k is string => typeof k === 'string');
}

export interface OpenStoreOptions {
  readonly?: boolean;
  create?: boolean;
}

export class IndexStore implements TreeReader {
  readonly db: Database.Database;
  readonly file: string;
  readonly readonly: boolean;
  private readonly nodeCache = new Map<number, TreeNode>();
  private readonly childCache = new Map<number, TreeNode[]>();
  private rootId: number | undefined;
  private statements = new Map<string, GuardedStatement>();
  /** False for schema-1 files (read-only opens do not migrate them): no keywords column. */
  private readonly hasKeywords: boolean;
  /** False for files before schema 3: no keyword_docs column. */
  private readonly hasKeywordDocs: boolean;
  /** NODE_COLUMNS plus the keywords column, or NULL in its place for a schema-1 file. */
  private readonly nodeColumns: string;

  private constructor(file: string, db: Database.Database, readonly: boolean) {
    this.file = file;
    this.db = db;
    this.readonly = readonly;
    const version = db.pragma('user_version', { simple: true }) as number;
    this.hasKeywords = version >= 2;
    this.hasKeywordDocs = version >= 3;
    this.nodeColumns = `${NODE_COLUMNS}, ${this.hasKeywords ? 'n.keywords' : 'NULL AS keywords'}`;
  }

  /** Opens an index file; see openDatabase for the errors it raises. */
  static open(file: string, options: OpenStoreOptions = {}): IndexStore {
    const db = openDatabase(file, options);
    return new IndexStore(file, db, Boolean(options.readonly));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Runs `fn` in one transaction; SQLite failures become coded errors. */
  transaction<T>(fn: () => T): T {
    return this.guard(() => this.db.transaction(fn)());
  }

  private stmt(sql: string): GuardedStatement {
    let statement = this.statements.get(sql);
    if (!statement) {
      const prepared = this.guard(() => this.db.prepare(sql));
      statement = this.guarded(prepared);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * A statement whose every execution goes through `guard`: a damaged page is often met only
   * when a query reads it (after a clean open), and must still surface as INDEX_CORRUPT.
   */
  private guarded(statement: Database.Statement): GuardedStatement {
    const guard = <T>(fn: () => T): T => this.guard(fn);
    return {
      run: (...params) => guard(() => statement.run(...params)),
      get: (...params) => guard(() => statement.get(...params)),
      all: (...params) => guard(() => statement.all(...params)),
      iterate: (...params) => {
        const rows = guard(() => statement.iterate(...params));
        const iterator: IterableIterator<unknown> = {
          [Symbol.iterator]: () => iterator,
          next: () => guard(() => rows.next()),
          return: (value?: unknown) => rows.return?.(value) ?? { done: true, value },
        };
        return iterator;
      },
    };
  }

  /** Translates SQLite errors raised mid-operation (a damaged page, a full disk) into LatticeErrors. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (isLatticeError(error)) throw error;
      const code = (error as { code?: string }).code;
      if (typeof code === 'string' && code.startsWith('SQLITE_')) throw translateOpenError(this.file, error);
      throw error;
    }
  }

  // --- meta ----------------------------------------------------------------

  getMeta<T = unknown>(key: string): T | undefined {
    const row = this.stmt(`SELECT value FROM meta WHERE key = ?`).get(key) as { value: string } | undefined;
    return row ? (parseMetaValue(row.value) as T) : undefined;
  }

  setMeta(key: string, value: unknown): void {
    this.stmt(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(
      key,
      JSON.stringify(value),
    );
  }

  buildStatus(): BuildStatus | undefined {
    return this.getMeta<BuildStatus>('build_status');
  }

  /** Throws INDEX_INCOMPLETE unless a build finished writing this index. */
  assertComplete(): void {
    const status = this.buildStatus();
    if (status !== 'complete') {
      throw new LatticeError('INDEX_INCOMPLETE', `The build of ${this.file} has not finished.`, {
        hint: 'Run the same `lattice build` command again: it resumes where it stopped without repeating paid model calls.',
        details: { status: status ?? 'empty' },
      });
    }
  }

  // --- documents -------------------------------------------------------------

  /** Replaces all documents (a build writes the corpus once; resumes rewrite it identically). */
  replaceDocuments(docs: Iterable<StoredDocument>): void {
    this.transaction(() => {
      this.stmt(`DELETE FROM nodes`).run();
      this.stmt(`DELETE FROM documents`).run();
      const insert = this.stmt(
        `INSERT INTO documents (doc_id, title, text, source_path, source_line, metadata, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const doc of docs) {
        insert.run(
          doc.id,
          doc.title,
          doc.text,
          doc.source.path,
          doc.source.line ?? null,
          doc.metadata && Object.keys(doc.metadata).length > 0 ? JSON.stringify(doc.metadata) : null,
          doc.contentHash,
        );
      }
    });
  }

  document(docId: string): StoredDocument | undefined {
    const row = this.stmt(
      `SELECT doc_id, title, text, source_path, source_line, metadata, content_hash FROM documents WHERE doc_id = ? AND status = 'active'`,
    ).get(docId) as
      | { doc_id: string; title: string; text: string; source_path: string; source_line: number | null; metadata: string | null; content_hash: string }
      | undefined;
    if (!row) return undefined;
    return {
      id: row.doc_id,
      title: row.title,
      text: row.text,
      source: row.source_line === null ? { path: row.source_path } : { path: row.source_path, line: row.source_line },
      ...(row.metadata ? { metadata: JSON.parse(row.metadata) as Record<string, unknown> } : {}),
      contentHash: row.content_hash,
    };
  }

  documentCount(): number {
    return (this.stmt(`SELECT count(*) AS n FROM documents WHERE status = 'active'`).get() as { n: number }).n;
  }

  /** Iterates active documents in id order without loading them all at once. */
  *iterateDocuments(): IterableIterator<{ id: string; title: string; text: string }> {
    const rows = this.stmt(`SELECT doc_id, title, text FROM documents WHERE status = 'active' ORDER BY doc_id`).iterate() as IterableIterator<{
      doc_id: string;
      title: string;
      text: string;
    }>;
    for (const row of rows) yield { id: row.doc_id, title: row.title, text: row.text };
  }

  // --- nodes -----------------------------------------------------------------

  /** Replaces the whole tree in one transaction. */
  replaceNodes(nodes: Iterable<NodeRecord>): void {
    this.transaction(() => {
      this.stmt(`DELETE FROM nodes`).run();
      const insert = this.stmt(
        `INSERT INTO nodes (id, parent_id, depth, position, kind, doc_id, chunk_index, char_start, char_end, title, summary,
          keywords, keyword_docs, num_documents, num_children, preorder, subtree_end, content_hash, embedding)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const n of nodes) {
        insert.run(
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
          n.keywords && n.keywords.length > 0 ? JSON.stringify(n.keywords) : null,
          n.keywords && n.keywords.length > 0 && n.keywordDocs?.length === n.keywords.length ? JSON.stringify(n.keywordDocs) : null,
          n.numDocuments,
          n.numChildren,
          n.preorder,
          n.subtreeEnd,
          n.contentHash,
          n.embedding ? Buffer.from(n.embedding.buffer, n.embedding.byteOffset, n.embedding.byteLength) : null,
        );
      }
    });
    this.nodeCache.clear();
    this.childCache.clear();
    this.rootId = undefined;
  }

  private toNode(row: NodeRow): TreeNode {
    let text: string;
    if (row.kind === 'cluster') text = clusterText(row.summary ?? '', parseKeywords(row.keywords));
    else if (row.kind === 'chunk') text = (row.doc_text ?? '').slice(row.char_start ?? 0, row.char_end ?? undefined);
    else text = row.doc_text ?? '';
    const node: TreeNode = {
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
    this.nodeCache.set(node.id, node);
    return node;
  }

  root(): TreeNode {
    if (this.rootId === undefined) {
      const row = this.stmt(
        `SELECT ${this.nodeColumns} FROM nodes n LEFT JOIN documents d ON d.doc_id = n.doc_id WHERE n.parent_id IS NULL ORDER BY n.id LIMIT 1`,
      ).get() as NodeRow | undefined;
      if (!row) {
        throw new LatticeError('INDEX_INCOMPLETE', `${this.file} holds no tree.`, {
          hint: 'Run the same `lattice build` command again to finish the build.',
        });
      }
      this.rootId = this.toNode(row).id;
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
      throw new LatticeError('INDEX_NODE_NOT_FOUND', `No node with id ${id} in ${this.file}.`, {
        hint: 'List node ids with `lattice inspect <index>`.',
      });
    }
    return this.toNode(row);
  }

  children(id: number): TreeNode[] {
    const cached = this.childCache.get(id);
    if (cached) return cached;
    const rows = this.stmt(
      `SELECT ${this.nodeColumns} FROM nodes n LEFT JOIN documents d ON d.doc_id = n.doc_id WHERE n.parent_id = ? ORDER BY n.position`,
    ).all(id) as NodeRow[];
    const kids = rows.map((row) => this.nodeCache.get(row.id) ?? this.toNode(row));
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
    if (!row) throw new LatticeError('INDEX_NODE_NOT_FOUND', `No node with id ${id} in ${this.file}.`);
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
  nodeKeywords(id: number): string[] {
    if (!this.hasKeywords) return [];
    const row = this.stmt(`SELECT keywords FROM nodes WHERE id = ?`).get(id) as { keywords: string | null } | undefined;
    return parseKeywords(row?.keywords ?? null);
  }

  /**
   * A cluster's keyword profile with each term's document share, or undefined for leaves, unknown
   * ids and clusters stored without counts (files before schema 3, or built with --keywords 0).
   */
  nodeProfile(id: number): KeywordProfile | undefined {
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
  nodeEmbedding(id: number): Float32Array | undefined {
    const row = this.stmt(`SELECT embedding FROM nodes WHERE id = ?`).get(id) as { embedding: Buffer | null } | undefined;
    if (!row?.embedding) return undefined;
    return bufferToFloat32(row.embedding);
  }

  /** Iterates the embeddings of one node kind in preorder (for building flat indexes). */
  *iterateEmbeddings(kind: NodeKind): IterableIterator<{ id: number; docId: string | null; embedding: Float32Array }> {
    const rows = this.stmt(`SELECT id, doc_id, embedding FROM nodes WHERE kind = ? AND embedding IS NOT NULL ORDER BY preorder`).iterate(
      kind,
    ) as IterableIterator<{ id: number; doc_id: string | null; embedding: Buffer }>;
    for (const row of rows) yield { id: row.id, docId: row.doc_id, embedding: bufferToFloat32(row.embedding) };
  }

  // --- blobs -----------------------------------------------------------------

  getBlob(name: string): Buffer | undefined {
    const row = this.stmt(`SELECT data FROM blobs WHERE name = ?`).get(name) as { data: Buffer } | undefined;
    return row?.data;
  }

  setBlob(name: string, data: Buffer): void {
    this.stmt(`INSERT INTO blobs (name, data) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET data = excluded.data`).run(name, data);
  }

  // --- model cache (implements the model client's ResponseCache) ---------------

  get(key: string): CachedModelResponse | undefined {
    const row = this.stmt(`SELECT kind, model, response, input_tokens, output_tokens FROM model_cache WHERE key = ?`).get(key) as
      | { kind: 'chat' | 'embedding'; model: string; response: string; input_tokens: number; output_tokens: number }
      | undefined;
    if (!row) return undefined;
    return { kind: row.kind, model: row.model, response: row.response, inputTokens: row.input_tokens, outputTokens: row.output_tokens };
  }

  set(key: string, value: CachedModelResponse): void {
    if (this.readonly) return;
    // Each answer commits on its own, so a build killed a moment later keeps every paid call.
    this.stmt(
      `INSERT INTO model_cache (key, kind, model, response, input_tokens, output_tokens, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(key) DO NOTHING`,
    ).run(key, value.kind, value.model, value.response, value.inputTokens, value.outputTokens, new Date().toISOString());
  }

  cacheSize(): number {
    return (this.stmt(`SELECT count(*) AS n FROM model_cache`).get() as { n: number }).n;
  }

  // --- build progress ----------------------------------------------------------

  markStep(step: string, status: 'started' | 'done', data?: unknown): void {
    this.stmt(
      `INSERT INTO build_progress (step, status, data, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(step) DO UPDATE SET status = excluded.status, data = excluded.data, updated_at = excluded.updated_at`,
    ).run(step, status, data === undefined ? null : JSON.stringify(data), new Date().toISOString());
  }

  steps(): { step: string; status: string; updatedAt: string }[] {
    return (this.stmt(`SELECT step, status, updated_at FROM build_progress ORDER BY updated_at, step`).all() as {
      step: string;
      status: string;
      updated_at: string;
    }[]).map((r) => ({ step: r.step, status: r.status, updatedAt: r.updated_at }));
  }

  /** Forgets everything a build wrote except the model-call cache (a forced rebuild reuses paid calls). */
  resetBuild(): void {
    this.transaction(() => {
      this.stmt(`DELETE FROM nodes`).run();
      this.stmt(`DELETE FROM documents`).run();
      this.stmt(`DELETE FROM blobs`).run();
      this.stmt(`DELETE FROM build_progress`).run();
      this.stmt(`DELETE FROM traces`).run();
      this.stmt(`DELETE FROM meta WHERE key NOT IN ('format')`).run();
    });
    this.nodeCache.clear();
    this.childCache.clear();
    this.rootId = undefined;
  }

  // --- traces ------------------------------------------------------------------

  saveTrace(query: string, options: unknown, result: unknown): number {
    const info = this.stmt(`INSERT INTO traces (query, created_at, options, result) VALUES (?, ?, ?, ?)`).run(
      query,
      new Date().toISOString(),
      JSON.stringify(options),
      JSON.stringify(result),
    );
    return Number(info.lastInsertRowid);
  }

  listTraces(limit = 20): { id: number; query: string; createdAt: string }[] {
    return (this.stmt(`SELECT id, query, created_at FROM traces ORDER BY id DESC LIMIT ?`).all(limit) as {
      id: number;
      query: string;
      created_at: string;
    }[]).map((r) => ({ id: r.id, query: r.query, createdAt: r.created_at }));
  }

  getTrace(id: number): { id: number; query: string; createdAt: string; options: unknown; result: unknown } | undefined {
    const row = this.stmt(`SELECT id, query, created_at, options, result FROM traces WHERE id = ?`).get(id) as
      | { id: number; query: string; created_at: string; options: string; result: string }
      | undefined;
    if (!row) return undefined;
    return { id: row.id, query: row.query, createdAt: row.created_at, options: JSON.parse(row.options), result: JSON.parse(row.result) };
  }
}

/** Copies a stored BLOB into an aligned Float32Array. */
export function bufferToFloat32(buffer: Buffer): Float32Array {
  const copy = new Float32Array(buffer.byteLength / 4);
  new Uint8Array(copy.buffer).set(buffer);
  return copy;
}
