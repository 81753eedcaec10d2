/**
 * Opens an index file and brings its schema to the version this code speaks.
 * Why here: every way into an index (build, query, inspect, check) must refuse a
 * foreign, damaged or newer file with one clear error instead of a stack trace.
 * Invariants: writers run pending migrations inside one transaction that also sets
 * PRAGMA user_version; read-only opens never write, read every version from
 * MIN_READABLE_SCHEMA_VERSION up (IndexStore fills in what an older file lacks) and
 * refuse anything older.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { LatticeError, isLatticeError } from '../errors.js';
import migrate0001 from './migrations/0001-initial.js';
import migrate0002 from './migrations/0002-node-keywords.js';
import migrate0003 from './migrations/0003-keyword-docs.js';
import migrate0004 from './migrations/0004-source-offsets.js';

/** Identifies a lattice index among SQLite files (stored in meta.format). */
export const INDEX_FORMAT = 'lattice-index';

interface Migration {
  version: number;
  update: (db: Database.Database) => void;
}

/** The only registry of migrations, in strictly increasing order. */
const MIGRATIONS: readonly Migration[] = [
  { version: 1, update: migrate0001 },
  { version: 2, update: migrate0002 },
  { version: 3, update: migrate0003 },
  { version: 4, update: migrate0004 },
];

/** Schema version written by this code. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Oldest schema a read-only open accepts (versions 1 to 3 lack only the optional `nodes.keywords`, `nodes.keyword_docs` and `documents.source_map`). */
export const MIN_READABLE_SCHEMA_VERSION = 1;

export interface OpenDatabaseOptions {
  /** Open for reading only (query time). Defaults to false. */
  readonly?: boolean;
  /** Create the file when it does not exist. Defaults to false. */
  create?: boolean;
}

/** Opens (and for writers, creates or migrates) the SQLite file behind an index. */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database.Database {
  const exists = fs.existsSync(file);
  if (!exists && !options.create) {
    throw new LatticeError('INDEX_NOT_FOUND', `No index at ${file}.`, {
      hint: 'Build one with `lattice build <corpus> -o <index.db>`, or check the path.',
    });
  }
  if (exists && fs.statSync(file).isDirectory()) {
    throw new LatticeError('INDEX_NOT_LATTICE', `${file} is a directory, not an index file.`, {
      hint: 'Pass the path of the .db file that `lattice build -o` wrote.',
    });
  }

  let db: Database.Database;
  try {
    db = new Database(file, { readonly: Boolean(options.readonly), fileMustExist: !options.create });
  } catch (error) {
    throw translateOpenError(file, error);
  }
  try {
    // Any page read fails here for a file that is not SQLite at all.
    const version = db.pragma('user_version', { simple: true }) as number;
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const isEmpty = version === 0 && tableCount(db) === 0;
    if (isEmpty && !options.readonly && options.create) {
      // Schema and format marker commit together: a build killed in between must not leave a
      // file that later opens as "not a lattice index".
      db.transaction(() => {
        runMigrations(db, 0);
        db.prepare(`INSERT INTO meta (key, value) VALUES ('format', ?)`).run(INDEX_FORMAT);
      })();
      return db;
    }
    if (isEmpty && options.readonly) {
      // What a build killed in its first moments leaves behind (or any empty SQLite file).
      throw new LatticeError('INDEX_INCOMPLETE', `${file} is empty: no build has finished writing it.`, {
        hint: 'Run the `lattice build` command that targets it again, or pass the .db file of a finished build.',
        details: { status: 'empty' },
      });
    }
    if (!hasFormatMarker(db)) {
      throw new LatticeError('INDEX_NOT_LATTICE', `${file} is an SQLite file but not a lattice index.`, {
        hint: 'Pass an index written by `lattice build`, or build a new one with a different -o path.',
      });
    }
    if (version > SCHEMA_VERSION) {
      throw new LatticeError(
        'INDEX_TOO_NEW',
        `${file} has index schema version ${version}; this lattice reads up to version ${SCHEMA_VERSION}.`,
        { hint: 'Upgrade lattice (npm install lattice@latest) to read this index.', details: { version, supported: SCHEMA_VERSION } },
      );
    }
    if (version < SCHEMA_VERSION) {
      if (options.readonly) {
        if (version < MIN_READABLE_SCHEMA_VERSION) {
          throw new LatticeError(
            'INDEX_TOO_OLD',
            `${file} has index schema version ${version}; this lattice reads versions ${MIN_READABLE_SCHEMA_VERSION} to ${SCHEMA_VERSION}.`,
            { hint: 'Rebuild it with `lattice build <corpus> -o <index> --force` (a writer upgrades the file; cached model answers are reused).' },
          );
        }
      } else {
        runMigrations(db, version);
      }
    }
    return db;
  } catch (error) {
    db.close();
    if (isLatticeError(error)) throw error;
    throw translateOpenError(file, error);
  }
}

function tableCount(db: Database.Database): number {
  return (db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'`).get() as { n: number }).n;
}

function hasFormatMarker(db: Database.Database): boolean {
  const table = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).get();
  if (!table) return false;
  const row = db.prepare(`SELECT value FROM meta WHERE key = 'format'`).get() as { value: string } | undefined;
  return row?.value === INDEX_FORMAT;
}

function runMigrations(db: Database.Database, from: number): void {
  const pending = MIGRATIONS.filter((m) => m.version > from);
  const apply = db.transaction(() => {
    for (const migration of pending) {
      migration.update(db);
      db.pragma(`user_version = ${migration.version}`);
    }
  });
  apply();
  if (from > 0) db.pragma('optimize');
}

/** Maps SQLite's open-time failures (not a database, damaged, locked, no permission) to coded errors. */
export function translateOpenError(file: string, error: unknown): LatticeError {
  const code = (error as { code?: string }).code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_NOTADB' || /not a database/i.test(message)) {
    return new LatticeError('INDEX_NOT_LATTICE', `${file} is not a lattice index (not an SQLite database).`, {
      hint: 'Pass the .db file that `lattice build -o` wrote.',
      cause: error,
    });
  }
  if (code === 'SQLITE_CORRUPT' || /malformed|corrupt/i.test(message)) {
    return new LatticeError('INDEX_CORRUPT', `${file} is damaged: ${message}.`, {
      hint: 'Run `lattice check <index>` for details, then rebuild it with `lattice build` (to a new -o path if --force cannot read the damaged file).',
      cause: error,
    });
  }
  if (code === 'SQLITE_READONLY_ROLLBACK' || code === 'SQLITE_READONLY_RECOVERY') {
    // A writer was killed mid-transaction (a build stopped in its first moments, when the file is
    // not yet in WAL mode): SQLite must roll the journal back, which a read-only open may not do.
    return new LatticeError('INDEX_INCOMPLETE', `${file} was left mid-write by a process that stopped, and must be recovered before it can be read.`, {
      hint: 'Run the `lattice build` command that writes it again: opening it for writing recovers the file, and the build resumes.',
      details: { status: 'needs-recovery' },
      cause: error,
    });
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_PERM') {
    return new LatticeError('INDEX_NOT_FOUND', `Cannot open ${file}: ${message}.`, {
      hint: 'Check that the file exists and that you may read (and for builds, write) it and its folder.',
      cause: error,
    });
  }
  return new LatticeError('INDEX_CORRUPT', `Cannot read ${file}: ${message}.`, {
    hint: 'Run `lattice check <index>` for details, or rebuild the index.',
    cause: error,
  });
}
