/** The `traces` table: saved search traces (`lattice query --save-trace`, `lattice inspect --trace`). */
import { TableQueries } from './statements.js';

export interface TraceSummary {
  id: number;
  query: string;
  createdAt: string;
}

export interface SavedTrace extends TraceSummary {
  options: unknown;
  result: unknown;
}

export class TraceQueries extends TableQueries {
  /** Stores a trace; returns its id. */
  save(query: string, options: unknown, result: unknown): number {
    const info = this.stmt(`INSERT INTO traces (query, created_at, options, result) VALUES (?, ?, ?, ?)`).run(
      query,
      new Date().toISOString(),
      JSON.stringify(options),
      JSON.stringify(result),
    );
    return Number(info.lastInsertRowid);
  }

  /** The newest traces first. */
  list(limit: number): TraceSummary[] {
    return (this.stmt(`SELECT id, query, created_at FROM traces ORDER BY id DESC LIMIT ?`).all(limit) as {
      id: number;
      query: string;
      created_at: string;
    }[]).map((r) => ({ id: r.id, query: r.query, createdAt: r.created_at }));
  }

  get(id: number): SavedTrace | undefined {
    const row = this.stmt(`SELECT id, query, created_at, options, result FROM traces WHERE id = ?`).get(id) as
      | { id: number; query: string; created_at: string; options: string; result: string }
      | undefined;
    if (!row) return undefined;
    return { id: row.id, query: row.query, createdAt: row.created_at, options: JSON.parse(row.options), result: JSON.parse(row.result) };
  }

  clear(): void {
    this.stmt(`DELETE FROM traces`).run();
  }
}
