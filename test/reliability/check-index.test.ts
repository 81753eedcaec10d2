/**
 * `checkIndex` and `lattice check`: a sound index passes; each kind of damage, made by editing
 * a copy of a real index with SQL, fails the check that guards that invariant (and only ever
 * with a readable message), with exit 1 and a structured --json report.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex } from '../../indexer/build.js';
import { isLatticeError } from '../../src/core/errors.js';
import { checkIndex, type CheckName } from '../../src/core/store/check-index.js';
import { runLattice } from '../helpers/run-lattice.js';
import { sampleCorpus } from '../../scripts/reliability/harness.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-check-'));
let good: string;
let copies = 0;

beforeAll(async () => {
  good = path.join(work, 'good.db');
  // chunkSize small enough that a few long abstracts are chunked, so chunk invariants are exercised.
  await buildIndex({ input: sampleCorpus(work, 60), output: good, branching: 5, seed: 2, chunkSize: 1500, chunkOverlap: 100 });
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A copy of the good index with `damage` applied through a plain SQLite connection. */
function damaged(damage: (db: Database.Database) => void): string {
  const file = path.join(work, `damaged-${++copies}.db`);
  fs.copyFileSync(good, file);
  const db = new Database(file);
  db.pragma('foreign_keys = OFF');
  damage(db);
  db.close();
  return file;
}

function failedChecks(file: string): CheckName[] {
  return checkIndex(file).checks.filter((c) => c.status === 'failed').map((c) => c.name);
}

const one = <T>(db: Database.Database, sql: string, ...params: unknown[]): T => db.prepare(sql).get(...params) as T;

describe('checkIndex', () => {
  it('passes a freshly built index, with its counts', () => {
    const report = checkIndex(good);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.counts.documents).toBe(60);
    expect(report.counts.documentNodes).toBe(60);
    expect(report.counts.chunks).toBeGreaterThan(0);
    expect(report.checks.every((c) => c.status === 'ok')).toBe(true);
  });

  const cases: [string, CheckName, (db: Database.Database) => void][] = [
    ['a second root', 'root', (db) => db.prepare(`UPDATE nodes SET parent_id = NULL WHERE id = (SELECT max(id) FROM nodes WHERE kind = 'cluster')`).run()],
    ['no root', 'root', (db) => db.prepare(`UPDATE nodes SET parent_id = 2 WHERE parent_id IS NULL`).run()],
    ['a parent that does not exist', 'parents', (db) => db.prepare(`UPDATE nodes SET parent_id = 999999 WHERE id = (SELECT max(id) FROM nodes)`).run()],
    [
      'a cycle between two clusters',
      'cycles',
      (db) => {
        const a = one<{ id: number }>(db, `SELECT id FROM nodes WHERE kind = 'cluster' AND depth = 1 ORDER BY id LIMIT 1`).id;
        const b = one<{ id: number }>(db, `SELECT id FROM nodes WHERE parent_id = ? AND kind = 'cluster' LIMIT 1`, a).id;
        db.prepare(`UPDATE nodes SET parent_id = ? WHERE id = ?`).run(b, a);
      },
    ],
    ['a node that is its own parent', 'cycles', (db) => db.prepare(`UPDATE nodes SET parent_id = id WHERE id = (SELECT max(id) FROM nodes WHERE kind = 'cluster')`).run()],
    [
      'more children than the branching factor',
      'fan-out',
      (db) => {
        const root = one<{ id: number }>(db, `SELECT id FROM nodes WHERE parent_id IS NULL`).id;
        const count = one<{ n: number }>(db, `SELECT count(*) AS n FROM nodes WHERE parent_id = ?`, root).n;
        // Re-hang the first document of another cluster under the root, at the next position.
        const doc = one<{ id: number }>(db, `SELECT id FROM nodes WHERE kind = 'document' AND depth > 1 ORDER BY id LIMIT 1`).id;
        db.prepare(`UPDATE nodes SET parent_id = ?, position = ?, depth = 1 WHERE id = ?`).run(root, count, doc);
        db.prepare(`UPDATE nodes SET num_children = num_children + 1 WHERE id = ?`).run(root);
        db.prepare(`UPDATE meta SET value = json('{"strategy":"bottom-up","branching":' || ? || '}') WHERE key = 'build_params'`).run(count);
      },
    ],
    ['a recorded child count that is wrong', 'structure', (db) => db.prepare(`UPDATE nodes SET num_children = num_children + 1 WHERE parent_id IS NULL`).run()],
    ['a gap in child positions', 'structure', (db) => db.prepare(`UPDATE nodes SET position = position + 5 WHERE id = (SELECT max(id) FROM nodes WHERE kind = 'document')`).run()],
    ['a document in no leaf', 'documents', (db) => db.prepare(`INSERT INTO documents (doc_id, title, text, source_path, content_hash) VALUES ('orphan', '', 'text', 'x', 'h')`).run()],
    ['a recorded document count that is wrong', 'documents', (db) => db.prepare(`UPDATE nodes SET num_documents = num_documents + 3 WHERE parent_id IS NULL`).run()],
    ['a wrong preorder range', 'ranges', (db) => db.prepare(`UPDATE nodes SET subtree_end = subtree_end - 1 WHERE parent_id IS NULL`).run()],
    ['a chunk past the end of its document', 'ranges', (db) => db.prepare(`UPDATE nodes SET char_end = 10000000 WHERE id = (SELECT min(id) FROM nodes WHERE kind = 'chunk')`).run()],
    ['an embedding of another length', 'embeddings', (db) => db.prepare(`UPDATE nodes SET embedding = zeroblob(12) WHERE id = (SELECT max(id) FROM nodes WHERE kind = 'document')`).run()],
    [
      'an embedding holding NaN',
      'embeddings',
      (db) => {
        const row = one<{ id: number; embedding: Buffer }>(db, `SELECT id, embedding FROM nodes WHERE kind = 'document' LIMIT 1`);
        const copy = Buffer.from(row.embedding);
        copy.writeFloatLE(Number.NaN, 0);
        db.prepare(`UPDATE nodes SET embedding = ? WHERE id = ?`).run(copy, row.id);
      },
    ],
    ['a missing embedding', 'embeddings', (db) => db.prepare(`UPDATE nodes SET embedding = NULL WHERE id = (SELECT min(id) FROM nodes WHERE kind = 'document')`).run()],
    ['a missing BM25 index', 'lexical', (db) => db.prepare(`DELETE FROM blobs WHERE name = 'bm25'`).run()],
    ['a damaged local embedder', 'embeddings', (db) => db.prepare(`UPDATE blobs SET data = x'00010203' WHERE name = 'embedder'`).run()],
    ['statistics that do not match', 'stats', (db) => db.prepare(`UPDATE meta SET value = json_set(value, '$.nodes', 1) WHERE key = 'tree_stats'`).run()],
    ['an unfinished build', 'build', (db) => db.prepare(`UPDATE meta SET value = '"building"' WHERE key = 'build_status'`).run()],
  ];

  for (const [what, check, damage] of cases) {
    it(`finds ${what} (${check})`, () => {
      const file = damaged(damage);
      const report = checkIndex(file);
      expect(report.ok).toBe(false);
      expect(failedChecks(file)).toContain(check);
      const listed = report.problems.filter((p) => p.check === check);
      expect(listed.length).toBeGreaterThan(0);
      for (const p of listed) expect(p.message).toMatch(/\w/);
    });
  }

  it('skips the tree checks of an unfinished build instead of reporting its empty tree', () => {
    const file = damaged((db) => {
      db.prepare(`UPDATE meta SET value = '"building"' WHERE key = 'build_status'`).run();
      db.prepare(`DELETE FROM nodes`).run();
    });
    expect(failedChecks(file)).toEqual(['build']);
    expect(checkIndex(file).checks.find((c) => c.name === 'root')!.status).toBe('skipped');
  });

  it('reports damaged pages as SQLite problems instead of throwing', () => {
    const file = damaged(() => {});
    const size = fs.statSync(file).size;
    const handle = fs.openSync(file, 'r+');
    // Overwrite the inside of every fifth page after the schema pages (deterministic bytes).
    for (let page = 6; page * 4096 < size; page += 5) fs.writeSync(handle, Buffer.alloc(300, page % 251), 0, 300, page * 4096 + 200);
    fs.closeSync(handle);
    const report = checkIndex(file);
    expect(report.ok).toBe(false);
    expect(report.problems.some((p) => p.check === 'sqlite')).toBe(true);
  });

  it('refuses files it cannot read at all with coded errors', () => {
    const notSqlite = path.join(work, 'not-sqlite.db');
    fs.writeFileSync(notSqlite, 'hello, this is not a database\n'.repeat(200));
    expect(() => checkIndex(notSqlite)).toThrowError(expect.objectContaining({ code: 'INDEX_NOT_LATTICE' }));
    expect(() => checkIndex(path.join(work, 'absent.db'))).toThrowError(expect.objectContaining({ code: 'INDEX_NOT_FOUND' }));
    const newer = damaged((db) => db.pragma('user_version = 42'));
    try {
      checkIndex(newer);
      expect.unreachable();
    } catch (error) {
      expect(isLatticeError(error, 'INDEX_TOO_NEW')).toBe(true);
    }
  });

  it('never writes to the file it checks', () => {
    const before = fs.readFileSync(good);
    checkIndex(good);
    expect(fs.readFileSync(good).equals(before)).toBe(true);
  });
});

describe('lattice check', () => {
  it('exits 0 on a sound index and lists every check', async () => {
    const r = await runLattice(['check', good]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}ok {4}exactly one root$/m);
    expect(r.stdout).toMatch(/No problems found\./);
  });

  it('exits 1 with a readable list, and a structured one with --json', async () => {
    const file = damaged((db) => {
      db.prepare(`UPDATE nodes SET parent_id = NULL WHERE id = (SELECT max(id) FROM nodes WHERE kind = 'cluster')`).run();
      db.prepare(`UPDATE nodes SET embedding = zeroblob(8) WHERE id = (SELECT max(id) FROM nodes WHERE kind = 'document')`).run();
    });
    const r = await runLattice(['check', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ {2}FAIL {2}exactly one root/m);
    expect(r.stdout).toMatch(/^ {2}\[root\] 2 nodes have no parent: #1, #\d+$/m);
    expect(r.stdout).toMatch(/^ {2}\[embeddings\] 1 node\(s\) have 2-dimensional embeddings/m);
    expect(r.stdout).toMatch(/\d+ problems found\. Rebuild the index/);
    const j = await runLattice(['check', file, '--json']);
    expect(j.code).toBe(1);
    const report = JSON.parse(j.stdout);
    expect(report.ok).toBe(false);
    expect(report.checks.find((c: { name: string }) => c.name === 'root').status).toBe('failed');
    expect(report.problems.some((p: { check: string }) => p.check === 'reachable' || p.check === 'root')).toBe(true);
  });

  it('says how to finish an unfinished build', async () => {
    const file = damaged((db) => db.prepare(`UPDATE meta SET value = '"building"' WHERE key = 'build_status'`).run());
    const r = await runLattice(['check', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\[build\] the build has not finished/);
    expect(r.stdout).toMatch(/Run the same `lattice build` command again/);
  });

  it('uses the usual coded errors for files it cannot open', async () => {
    const r = await runLattice(['check', path.join(work, 'absent.db')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error INDEX_NOT_FOUND:/m);
    const j = await runLattice(['check', path.join(work, 'absent.db'), '--json']);
    expect(JSON.parse(j.stdout).error.code).toBe('INDEX_NOT_FOUND');
  });
});
