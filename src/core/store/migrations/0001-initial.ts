/**
 * Schema version 1: documents, tree nodes, build state, embedder state, model cache, traces.
 * Why this shape: documents and nodes are separate so later versions can add and remove
 * documents incrementally (documents.status marks, nodes are repaired); leaf text lives only
 * in `documents` (nodes point at it) so a large corpus is not stored twice; preorder ranges
 * (`preorder`..`subtree_end`) answer "documents under a node" with one indexed range scan.
 */
import type Database from 'better-sqlite3';

export default function migrate(db: Database.Database): void {
  db.exec(`
    CREATE TABLE meta (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) STRICT;

    CREATE TABLE documents (
      doc_id TEXT PRIMARY KEY,
      title TEXT NOT NULL,
      text TEXT NOT NULL,
      source_path TEXT NOT NULL,
      source_line INTEGER,
      metadata TEXT,
      content_hash TEXT NOT NULL,
      status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deleted'))
    ) STRICT;

    CREATE TABLE nodes (
      id INTEGER PRIMARY KEY,
      parent_id INTEGER REFERENCES nodes(id),
      depth INTEGER NOT NULL,
      position INTEGER NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('cluster', 'document', 'chunk')),
      doc_id TEXT REFERENCES documents(doc_id),
      chunk_index INTEGER,
      char_start INTEGER,
      char_end INTEGER,
      title TEXT NOT NULL,
      summary TEXT,
      num_documents INTEGER NOT NULL,
      num_children INTEGER NOT NULL,
      preorder INTEGER NOT NULL,
      subtree_end INTEGER NOT NULL,
      content_hash TEXT NOT NULL,
      embedding BLOB
    ) STRICT;
    CREATE INDEX nodes_byParent ON nodes(parent_id, position);
    CREATE INDEX nodes_byDoc ON nodes(doc_id) WHERE doc_id IS NOT NULL;
    CREATE UNIQUE INDEX nodes_byPreorder ON nodes(preorder);

    CREATE TABLE blobs (
      name TEXT PRIMARY KEY,
      data BLOB NOT NULL
    ) STRICT;

    CREATE TABLE model_cache (
      key TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      model TEXT NOT NULL,
      response TEXT NOT NULL,
      input_tokens INTEGER NOT NULL,
      output_tokens INTEGER NOT NULL,
      created_at TEXT NOT NULL
    ) STRICT;

    CREATE TABLE build_progress (
      step TEXT PRIMARY KEY,
      status TEXT NOT NULL,
      data TEXT,
      updated_at TEXT NOT NULL
    ) STRICT;

    CREATE TABLE traces (
      id INTEGER PRIMARY KEY,
      query TEXT NOT NULL,
      created_at TEXT NOT NULL,
      options TEXT NOT NULL,
      result TEXT NOT NULL
    ) STRICT;
  `);
}
