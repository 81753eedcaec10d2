/**
 * The `documents` table: the corpus as loaded, with each document's source and content hash.
 * Leaf nodes hold no text of their own; the node queries read it from here.
 */
import type { SourceOffsets } from '../text/source-offsets.js';
import type { CorpusDocument } from '../types.js';
import { TableQueries, type Statements } from './statements.js';

/** A document row as stored, with its source. */
export interface StoredDocument extends CorpusDocument {
  contentHash: string;
}

interface DocumentRow {
  doc_id: string;
  title: string;
  text: string;
  source_path: string;
  source_line: number | null;
  source_map: string | null;
  metadata: string | null;
  content_hash: string;
}

export class DocumentQueries extends TableQueries {
  /** The columns get() reads; files before schema 4 have no source_map column. */
  private readonly documentColumns: string;

  constructor(sql: Statements, schemaVersion: number) {
    super(sql);
    const sourceMap = schemaVersion >= 4 ? 'source_map' : 'NULL AS source_map';
    this.documentColumns = `doc_id, title, text, source_path, source_line, ${sourceMap}, metadata, content_hash`;
  }

  /** Deletes every document; the caller deletes the nodes that point at them first. */
  clear(): void {
    this.stmt(`DELETE FROM documents`).run();
  }

  insertAll(docs: Iterable<StoredDocument>): void {
    const insert = this.stmt(
      `INSERT INTO documents (doc_id, title, text, source_path, source_line, source_map, metadata, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const doc of docs) {
      insert.run(
        doc.id,
        doc.title,
        doc.text,
        doc.source.path,
        doc.source.line ?? null,
        doc.source.offsets ? JSON.stringify(doc.source.offsets) : null,
        doc.metadata && Object.keys(doc.metadata).length > 0 ? JSON.stringify(doc.metadata) : null,
        doc.contentHash,
      );
    }
  }

  get(docId: string): StoredDocument | undefined {
    const row = this.stmt(
      `SELECT ${this.documentColumns} FROM documents WHERE doc_id = ? AND status = 'active'`,
    ).get(docId) as DocumentRow | undefined;
    return row ? toDocument(row) : undefined;
  }

  count(): number {
    return (this.stmt(`SELECT count(*) AS n FROM documents WHERE status = 'active'`).get() as { n: number }).n;
  }

  /** Active documents in id order, read one at a time. */
  *iterate(): IterableIterator<{ id: string; title: string; text: string }> {
    const rows = this.stmt(`SELECT doc_id, title, text FROM documents WHERE status = 'active' ORDER BY doc_id`).iterate() as IterableIterator<
      Pick<DocumentRow, 'doc_id' | 'title' | 'text'>
    >;
    for (const row of rows) yield { id: row.doc_id, title: row.title, text: row.text };
  }
}

function toDocument(row: DocumentRow): StoredDocument {
  return {
    id: row.doc_id,
    title: row.title,
    text: row.text,
    source: {
      path: row.source_path,
      ...(row.source_line === null ? {} : { line: row.source_line }),
      ...(row.source_map === null ? {} : { offsets: JSON.parse(row.source_map) as SourceOffsets }),
    },
    ...(row.metadata ? { metadata: JSON.parse(row.metadata) as Record<string, unknown> } : {}),
    contentHash: row.content_hash,
  };
}
