/**
 * Schema version 2: `nodes.keywords`, a cluster's keyword profile (indexer/keyword-profile.ts)
 * as a JSON array of words, most distinctive first.
 * Why a nullable column: version-1 files keep working. A writer adds the column when it opens
 * one (their clusters then have no keywords until rebuilt), and a reader of a version-1 file
 * treats every cluster as having none (IndexStore selects NULL in its place).
 */
import type Database from 'better-sqlite3';

export default function migrate(db: Database.Database): void {
  db.exec(`ALTER TABLE nodes ADD COLUMN keywords TEXT`);
}
