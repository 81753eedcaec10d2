/**
 * The `meta` table: one JSON value per key (format marker, build status and parameters, tree
 * statistics). Values are written as JSON and read back leniently (see parseMetaValue).
 */
import { parseMetaValue } from './json-columns.js';
import { TableQueries } from './statements.js';

export class MetaQueries extends TableQueries {
  get<T = unknown>(key: string): T | undefined {
    const row = this.stmt(`SELECT value FROM meta WHERE key = ?`).get(key) as { value: string } | undefined;
    return row ? (parseMetaValue(row.value) as T) : undefined;
  }

  set(key: string, value: unknown): void {
    this.stmt(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(
      key,
      JSON.stringify(value),
    );
  }

  /** Forgets every key but the format marker (what makes the file a lattice index). */
  clearBuild(): void {
    this.stmt(`DELETE FROM meta WHERE key NOT IN ('format')`).run();
  }
}
