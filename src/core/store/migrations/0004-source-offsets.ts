/**
 * Schema version 4: `documents.source_map`, the offset map from a document's indexed text back to
 * its file (src/core/text/source-offsets.ts) as JSON `[[textOffset, fileOffset], ...]`, for
 * documents whose loading dropped characters (Markdown markup, CRLF); NULL when offsets are the file's.
 * Why a nullable column: older files keep working; their hits name the indexed text's offsets.
 */
import type Database from 'better-sqlite3';

export default function migrate(db: Database.Database): void {
  db.exec(`ALTER TABLE documents ADD COLUMN source_map TEXT`);
}
