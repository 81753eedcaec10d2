/** The `blobs` table: named binary state of a build (the local embedder, the BM25 index). */
import { TableQueries } from './statements.js';

export class BlobQueries extends TableQueries {
  get(name: string): Buffer | undefined {
    const row = this.stmt(`SELECT data FROM blobs WHERE name = ?`).get(name) as { data: Buffer } | undefined;
    return row?.data;
  }

  set(name: string, data: Buffer): void {
    this.stmt(`INSERT INTO blobs (name, data) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET data = excluded.data`).run(name, data);
  }

  clear(): void {
    this.stmt(`DELETE FROM blobs`).run();
  }
}
