/**
 * Schema version 3: `nodes.keyword_docs`, per keyword of a cluster's profile how many documents
 * under the cluster contain it, as a JSON array parallel to `keywords` (the lexical judge's term
 * density, src/core/providers/lexical-judge.ts).
 * Why a nullable column: older files keep working; their clusters have no counts until rebuilt,
 * and the lexical judge then scores them by keyword presence alone.
 */
import type Database from 'better-sqlite3';

export default function migrate(db: Database.Database): void {
  db.exec(`ALTER TABLE nodes ADD COLUMN keyword_docs TEXT`);
}
