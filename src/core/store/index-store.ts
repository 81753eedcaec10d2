/**
 * Typed access to one index file: the store's facade over its per-table query modules (meta,
 * documents, nodes, blobs, model cache, build progress, traces). It is the TreeReader the
 * traverser walks at query time and the response cache the model client writes through at
 * build time.
 * Invariants: every statement is parameterised and prepared once (statements.ts); multi-row
 * writes and writes that span tables run in one transaction; node reads are memoised per
 * instance (an open index is immutable while it is read).
 */
import type Database from 'better-sqlite3';
import { LatticeError } from '../errors.js';
import type { CachedResponse, ResponseCache } from '../providers/response-cache.js';
import type { TreeReader } from '../tree.js';
import type { KeywordProfile, NodeKind, TreeNode } from '../types.js';
import { BlobQueries } from './blob-queries.js';
import { BuildProgressQueries, type BuildStep } from './build-progress-queries.js';
import { DocumentQueries, type StoredDocument } from './document-queries.js';
import { MetaQueries } from './meta-queries.js';
import { ModelCacheQueries } from './model-cache-queries.js';
import { NodeQueries, type NodeRecord } from './node-queries.js';
import { openDatabase } from './open-database.js';
import { Statements } from './statements.js';
import { TraceQueries, type SavedTrace, type TraceSummary } from './trace-queries.js';

export type { NodeRecord, StoredDocument };

export type BuildStatus = 'building' | 'complete';

export interface OpenStoreOptions {
  readonly?: boolean;
  create?: boolean;
}

export class IndexStore implements TreeReader, ResponseCache {
  /** @internal The connection (tests); internal so the published declarations need no better-sqlite3 types. */
  readonly db: Database.Database;
  readonly file: string;
  readonly readonly: boolean;
  private readonly sql: Statements;
  private readonly meta: MetaQueries;
  private readonly documents: DocumentQueries;
  private readonly nodes: NodeQueries;
  private readonly blobs: BlobQueries;
  private readonly modelCache: ModelCacheQueries;
  private readonly progress: BuildProgressQueries;
  private readonly traces: TraceQueries;

  private constructor(file: string, db: Database.Database, readonly: boolean) {
    this.file = file;
    this.db = db;
    this.readonly = readonly;
    this.sql = new Statements(db, file);
    this.meta = new MetaQueries(this.sql);
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    this.documents = new DocumentQueries(this.sql, schemaVersion);
    this.nodes = new NodeQueries(this.sql, schemaVersion);
    this.blobs = new BlobQueries(this.sql);
    this.modelCache = new ModelCacheQueries(this.sql);
    this.progress = new BuildProgressQueries(this.sql);
    this.traces = new TraceQueries(this.sql);
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
    return this.sql.transaction(fn);
  }

  // --- meta ----------------------------------------------------------------

  getMeta<T = unknown>(key: string): T | undefined {
    return this.meta.get<T>(key);
  }

  setMeta(key: string, value: unknown): void {
    this.meta.set(key, value);
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

  /** Replaces all documents, and so drops the tree over them (a build writes the corpus once; resumes rewrite it identically). */
  replaceDocuments(docs: Iterable<StoredDocument>): void {
    this.transaction(() => {
      this.nodes.clear();
      this.documents.clear();
      this.documents.insertAll(docs);
    });
  }

  document(docId: string): StoredDocument | undefined {
    return this.documents.get(docId);
  }

  documentCount(): number {
    return this.documents.count();
  }

  /** Iterates active documents in id order without loading them all at once. */
  iterateDocuments(): IterableIterator<{ id: string; title: string; text: string }> {
    return this.documents.iterate();
  }

  // --- nodes (TreeReader) ------------------------------------------------------

  /** Replaces the whole tree in one transaction. */
  replaceNodes(nodes: Iterable<NodeRecord>): void {
    this.transaction(() => {
      this.nodes.clear();
      this.nodes.insertAll(nodes);
    });
    this.nodes.forget();
  }

  root(): TreeNode {
    return this.nodes.root();
  }

  node(id: number): TreeNode {
    return this.nodes.node(id);
  }

  children(id: number): TreeNode[] {
    return this.nodes.children(id);
  }

  path(id: number): TreeNode[] {
    return this.nodes.path(id);
  }

  documentsUnder(id: number): string[] {
    return this.nodes.documentsUnder(id);
  }

  documentNode(docId: string): TreeNode | undefined {
    return this.nodes.documentNode(docId);
  }

  size(): number {
    return this.nodes.size();
  }

  /** A cluster's keyword profile, most distinctive first; [] for leaves, unknown ids and files without keywords. */
  nodeKeywords(id: number): string[] {
    return this.nodes.keywords(id);
  }

  /** A cluster's keyword profile with each term's document share; see NodeQueries.profile. */
  nodeProfile(id: number): KeywordProfile | undefined {
    return this.nodes.profile(id);
  }

  /** Stored embedding of a node, or undefined when none was stored. */
  nodeEmbedding(id: number): Float32Array | undefined {
    return this.nodes.embedding(id);
  }

  /** Iterates the embeddings of one node kind in preorder (for building flat indexes). */
  iterateEmbeddings(kind: NodeKind): IterableIterator<{ id: number; docId: string | null; embedding: Float32Array }> {
    return this.nodes.iterateEmbeddings(kind);
  }

  // --- blobs -----------------------------------------------------------------

  getBlob(name: string): Buffer | undefined {
    return this.blobs.get(name);
  }

  setBlob(name: string, data: Buffer): void {
    this.blobs.set(name, data);
  }

  // --- model cache (implements the model client's ResponseCache) ---------------

  get(key: string): CachedResponse | undefined {
    return this.modelCache.get(key);
  }

  set(key: string, value: CachedResponse): void {
    if (this.readonly) return;
    this.modelCache.set(key, value);
  }

  cacheSize(): number {
    return this.modelCache.size();
  }

  // --- build progress ----------------------------------------------------------

  markStep(step: string, status: 'started' | 'done', data?: unknown): void {
    this.progress.mark(step, status, data);
  }

  steps(): BuildStep[] {
    return this.progress.list();
  }

  /** Forgets everything a build wrote except the model-call cache (a forced rebuild reuses paid calls). */
  resetBuild(): void {
    this.transaction(() => {
      this.nodes.clear();
      this.documents.clear();
      this.blobs.clear();
      this.progress.clear();
      this.traces.clear();
      this.meta.clearBuild();
    });
    this.nodes.forget();
  }

  // --- traces ------------------------------------------------------------------

  saveTrace(query: string, options: unknown, result: unknown): number {
    return this.traces.save(query, options, result);
  }

  listTraces(limit = 20): TraceSummary[] {
    return this.traces.list(limit);
  }

  getTrace(id: number): SavedTrace | undefined {
    return this.traces.get(id);
  }
}
