/** The `build_progress` table: which build steps started and finished, for resuming a killed build. */
import { TableQueries } from './statements.js';

export interface BuildStep {
  step: string;
  status: string;
  updatedAt: string;
}

export class BuildProgressQueries extends TableQueries {
  mark(step: string, status: 'started' | 'done', data?: unknown): void {
    this.stmt(
      `INSERT INTO build_progress (step, status, data, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(step) DO UPDATE SET status = excluded.status, data = excluded.data, updated_at = excluded.updated_at`,
    ).run(step, status, data === undefined ? null : JSON.stringify(data), new Date().toISOString());
  }

  list(): BuildStep[] {
    return (this.stmt(`SELECT step, status, updated_at FROM build_progress ORDER BY updated_at, step`).all() as {
      step: string;
      status: string;
      updated_at: string;
    }[]).map((r) => ({ step: r.step, status: r.status, updatedAt: r.updated_at }));
  }

  clear(): void {
    this.stmt(`DELETE FROM build_progress`).run();
  }
}
