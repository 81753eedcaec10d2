/**
 * The store's prepared-statement cache and the base of its per-table query modules.
 * Why one cache: every statement is prepared once per open file and every execution goes
 * through `guard`, so a damaged page met mid-query (after a clean open) still surfaces as
 * INDEX_CORRUPT, and a full disk as INDEX_WRITE_FAILED, whichever table was being read.
 * Invariant: SQL reaches `prepare` only from the literals of the query modules (see
 * test/reliability/sql-safety.test.ts); values always travel as `?` parameters.
 */
import type Database from 'better-sqlite3';
import { isLatticeError } from '../errors.js';
import { translateOpenError } from './open-database.js';

/** What a write reports (better-sqlite3's RunResult, restated so the published declarations do not need its types). */
export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

/** The statement methods the store uses, each translating SQLite failures into LatticeErrors. */
export interface GuardedStatement {
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
}

/** Prepared statements of one open index file, keyed by their SQL text. */
export class Statements {
  private readonly cache = new Map<string, GuardedStatement>();

  /** @internal Built by IndexStore; internal so the published declarations need no better-sqlite3 types. */
  constructor(
    private readonly db: Database.Database,
    /** The index file, named in error messages. */
    readonly file: string,
  ) {}

  /** The statement for `sql`, prepared on first use. */
  prepare(sql: string): GuardedStatement {
    let statement = this.cache.get(sql);
    if (!statement) {
      const prepared = this.guard(() => this.db.prepare(sql));
      statement = this.guarded(prepared);
      this.cache.set(sql, statement);
    }
    return statement;
  }

  /** Runs `fn` in one transaction; SQLite failures become coded errors. */
  transaction<T>(fn: () => T): T {
    return this.guard(() => this.db.transaction(fn)());
  }

  /** A statement whose every execution, and every step of an iteration, goes through `guard`. */
  private guarded(statement: Database.Statement): GuardedStatement {
    const guard = <T>(fn: () => T): T => this.guard(fn);
    return {
      run: (...params) => guard(() => statement.run(...params)),
      get: (...params) => guard(() => statement.get(...params)),
      all: (...params) => guard(() => statement.all(...params)),
      iterate: (...params) => {
        const rows = guard(() => statement.iterate(...params));
        const iterator: IterableIterator<unknown> = {
          [Symbol.iterator]: () => iterator,
          next: () => guard(() => rows.next()),
          return: (value?: unknown) => rows.return?.(value) ?? { done: true, value },
        };
        return iterator;
      },
    };
  }

  /** Translates SQLite errors raised mid-operation (a damaged page, a full disk) into LatticeErrors. */
  guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (isLatticeError(error)) throw error;
      const code = (error as { code?: string }).code;
      if (typeof code === 'string' && code.startsWith('SQLITE_')) throw translateOpenError(this.file, error);
      throw error;
    }
  }
}

/** Base of a table's query module: its `stmt` is the one way the module's SQL reaches SQLite. */
export abstract class TableQueries {
  constructor(protected readonly sql: Statements) {}

  protected stmt(sql: string): GuardedStatement {
    return this.sql.prepare(sql);
  }
}
