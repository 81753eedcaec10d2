import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { buildIndex } from '../../indexer/build.js';
import { openIndex } from '../../src/api/lattice-index.js';
import { isLatticeError } from '../../src/core/errors.js';
import { checkIndex } from '../../src/core/store/check-index.js';
import { IndexStore } from '../../src/core/store/index-store.js';
import migrate0001 from '../../src/core/store/migrations/0001-initial.js';
import { INDEX_FORMAT, MIN_READABLE_SCHEMA_VERSION, SCHEMA_VERSION } from '../../src/core/store/open-database.js';
import { useTempDir } from '../helpers/temp-dir.js';

const tempDir = useTempDir();
const sampleCorpus = path.resolve(__dirname, '../../data/scifact-sample/corpus.jsonl');

function columns(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('PRAGMA table_info(nodes)').all() as { name: string }[]).map((c) => c.name);
  } finally {
    db.close();
  }
}

function userVersion(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

/** A schema-1 file, written the way the first release wrote it: one cluster over one document. */
function versionOneFile(file: string): void {
  const db = new Database(file);
  migrate0001(db);
  db.prepare(`INSERT INTO meta (key, value) VALUES ('format', ?), ('build_status', '"complete"')`).run(INDEX_FORMAT);
  db.prepare(`INSERT INTO documents (doc_id, title, text, source_path, content_hash) VALUES ('a', 'Alpha', 'alpha text', 'c.jsonl', 'x')`).run();
  const insert = db.prepare(
    `INSERT INTO nodes (id, parent_id, depth, position, kind, doc_id, title, summary, num_documents, num_children, preorder, subtree_end, content_hash)
     VALUES (?, ?, ?, 0, ?, ?, ?, ?, 1, ?, ?, 1, ?)`,
  );
  insert.run(1, null, 0, 'cluster', null, 'Root', 'Covers: alpha.', 1, 0, 'h1');
  insert.run(2, 1, 1, 'document', 'a', 'Alpha', null, 0, 1, 'h2');
  db.pragma('user_version = 1');
  db.close();
}

/** A current index of the first 120 sample documents, and the corpus it was built from. */
async function builtIndex(): Promise<{ corpus: string; file: string }> {
  const dir = tempDir();
  const corpus = path.join(dir, 'corpus.jsonl');
  fs.writeFileSync(corpus, `${fs.readFileSync(sampleCorpus, 'utf8').split('\n').filter(Boolean).slice(0, 120).join('\n')}\n`);
  const file = path.join(dir, 'index.db');
  await buildIndex({ input: corpus, output: file });
  return { corpus, file };
}

describe('schemas 2 to 4 (cluster keywords, their document counts)', () => {
  it('is what new files get', () => {
    const file = path.join(tempDir(), 'new.db');
    IndexStore.open(file, { create: true }).close();
    expect(SCHEMA_VERSION).toBe(4);
    expect(userVersion(file)).toBe(4);
    expect(columns(file)).toContain('keywords');
    expect(columns(file)).toContain('keyword_docs');
  });

  it('reads a schema-1 file read-only as clusters without keywords, and a writer migrates it forward', () => {
    const file = path.join(tempDir(), 'v1.db');
    versionOneFile(file);
    expect(MIN_READABLE_SCHEMA_VERSION).toBe(1);

    const reader = IndexStore.open(file, { readonly: true });
    expect(reader.root().text).toBe('Covers: alpha.');
    expect(reader.nodeKeywords(1)).toEqual([]);
    expect(reader.children(1).map((n) => n.text)).toEqual(['alpha text']);
    reader.close();
    // A read-only open writes nothing.
    expect(userVersion(file)).toBe(1);
    expect(columns(file)).not.toContain('keywords');

    const writer = IndexStore.open(file);
    expect(writer.root().text).toBe('Covers: alpha.');
    writer.close();
    expect(userVersion(file)).toBe(4);
    expect(columns(file)).toContain('keywords');
    expect(columns(file)).toContain('keyword_docs');
    const again = IndexStore.open(file, { readonly: true });
    expect(again.nodeKeywords(1)).toEqual([]);
    again.close();
  });

  it('still refuses files older than the oldest readable version', () => {
    const file = path.join(tempDir(), 'v0.db');
    versionOneFile(file);
    const db = new Database(file);
    db.pragma('user_version = 0');
    db.close();
    try {
      IndexStore.open(file, { readonly: true }).close();
      expect.unreachable('a schema-0 file must not open');
    } catch (error) {
      expect(isLatticeError(error, 'INDEX_TOO_OLD')).toBe(true);
    }
  });

  it('a built index carries keywords; the same index as schema 1 still searches and checks clean', async () => {
    const { file } = await builtIndex();
    const index = openIndex(file);
    const root = index.root();
    const child = index.children(root.id)[0]!;
    expect(child.kind).toBe('cluster');
    expect(child.text).toMatch(/\n\nKeywords: \S+, \S+/);
    const before = await index.search('folate homocysteine', { topK: 5, judge: 'lexical' });
    index.close();
    expect(checkIndex(file).ok).toBe(true);

    // What a reader of this version sees in a file the previous release wrote.
    const db = new Database(file);
    db.exec('ALTER TABLE documents DROP COLUMN source_map');
    db.exec('ALTER TABLE nodes DROP COLUMN keyword_docs');
    db.exec('ALTER TABLE nodes DROP COLUMN keywords');
    db.pragma('user_version = 1');
    db.close();
    const old = openIndex(file);
    expect(old.children(old.root().id)[0]!.text).not.toMatch(/Keywords:/);
    const after = await old.search('folate homocysteine', { topK: 5, judge: 'lexical' });
    expect(after.hits.length).toBeGreaterThan(0);
    expect(before.hits.length).toBeGreaterThan(0);
    old.close();
    const report = checkIndex(file);
    expect(report.problems).toEqual([]);
    expect(report.schemaVersion).toBe(1);
  });

  it('reads a schema-2 file (keywords, no counts) with presence scoring, and rebuilds it in place with --force', async () => {
    const { corpus, file } = await builtIndex();
    const db = new Database(file);
    db.exec('ALTER TABLE documents DROP COLUMN source_map');
    db.exec('ALTER TABLE nodes DROP COLUMN keyword_docs');
    db.pragma('user_version = 2');
    db.close();

    const old = openIndex(file);
    const child = old.children(old.root().id)[0]!;
    expect(child.text).toMatch(/Keywords:/);
    expect(old.sqliteStore().nodeProfile(child.id)).toBeUndefined();
    expect((await old.search('folate homocysteine', { topK: 5 })).hits.length).toBe(5);
    old.close();
    expect(checkIndex(file).problems).toEqual([]);

    await buildIndex({ input: corpus, output: file, force: true });
    expect(userVersion(file)).toBe(4);
    const rebuilt = openIndex(file);
    expect(rebuilt.sqliteStore().nodeProfile(rebuilt.children(rebuilt.root().id)[0]!.id)?.density.length).toBeGreaterThan(0);
    rebuilt.close();
  });
});

describe('schema 4 (offset maps from indexed text to the file)', () => {
  it('keeps a Markdown document’s offset map, and reads a schema-3 file without one', async () => {
    const dir = tempDir();
    const corpus = path.join(dir, 'docs');
    fs.mkdirSync(corpus);
    fs.writeFileSync(path.join(corpus, 'a.md'), '<!-- note -->\n# Alpha\n\nalpha <b>text</b>\n');
    fs.writeFileSync(path.join(corpus, 'b.md'), '# Beta\n\nbeta text\n');
    const file = path.join(dir, 'index.db');
    await buildIndex({ input: corpus, output: file });
    let index = openIndex(file);
    expect(index.document('a.md')!.text).toBe('\n# Alpha\n\nalpha text\n');
    expect(index.document('a.md')!.source.offsets).toEqual([[0, 13], [16, 32], [20, 40]]);
    expect(index.document('b.md')!.source).toEqual({ path: 'b.md' });
    index.close();

    const db = new Database(file);
    db.exec('ALTER TABLE documents DROP COLUMN source_map');
    db.pragma('user_version = 3');
    db.close();
    index = openIndex(file);
    expect(index.document('a.md')!.source).toEqual({ path: 'a.md' });
    expect((await index.search('alpha', { topK: 1 })).hits[0]!.docId).toBe('a.md');
    index.close();
  });
});
