/**
 * Every SQL statement is parameterised: a scan of the engine's sources finds no SQL built from
 * values (only named constants are ever spliced in), and a corpus whose ids, titles and texts
 * are SQL fragments builds, searches and checks cleanly with every id stored exactly as written.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildIndex } from '../../indexer/build.js';
import { openIndex } from '../../src/api/lattice-index.js';
import { checkIndex } from '../../src/core/store/check-index.js';
import { runLattice } from '../helpers/run-lattice.js';
import { repoRoot, sampleCorpus, storedDocumentIds } from '../../scripts/reliability/harness.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-sql-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/**
 * Constants that may be spliced into SQL text: the fixed column lists (NodeQueries.nodeColumns is
 * NODE_COLUMNS plus one of two fixed strings, chosen by the file's schema version, and
 * DocumentQueries.documentColumns likewise) and a migration's own version number.
 */
const ALLOWED_SPLICES = new Set(['NODE_COLUMNS', 'this.nodeColumns', 'this.documentColumns', 'migration.version']);

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

interface SqlCall {
  file: string;
  line: number;
  call: string;
  literal: string | undefined;
  concatenated: boolean;
}

/** Calls that send SQL to SQLite (db.prepare/exec/pragma and the store's stmt), with their first argument. */
function sqlCalls(root = repoRoot(), dirs = ['src', 'indexer', 'traverser']): SqlCall[] {
  const out: SqlCall[] = [];
  const pattern = /(\b(?:db|this\.db|store\.db|database|writer\.db)\.(?:prepare|exec|pragma)|\bthis\.stmt)\(\s*(`(?:[^`\\]|\\.)*`|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s)][^,)]*)(\s*[+,)]?)/g;
  for (const dir of dirs) {
    for (const file of sourceFiles(path.join(root, dir))) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(pattern)) {
        const arg = m[2]!;
        const isLiteral = /^[`'"]/.test(arg);
        out.push({
          file: path.relative(root, file),
          line: text.slice(0, m.index).split('\n').length,
          call: m[1]!,
          literal: isLiteral ? arg : undefined,
          concatenated: (m[3] ?? '').trim() === '+',
        });
      }
    }
  }
  return out;
}

describe('SQL statements', () => {
  it('are literals with ? placeholders; only fixed constants are ever spliced in', () => {
    const calls = sqlCalls();
    expect(calls.length).toBeGreaterThan(40);
    const problems: string[] = [];
    for (const c of calls) {
      const where = `${c.file}:${c.line} ${c.call}`;
      if (c.concatenated) problems.push(`${where}: SQL built with +`);
      if (c.literal === undefined) {
        // The store's statement cache is the one place SQL arrives as a variable (from its own literals).
        if (!(c.file === path.join('src', 'core', 'store', 'statements.ts') && c.call === 'this.db.prepare')) problems.push(`${where}: SQL from a variable`);
        continue;
      }
      for (const splice of c.literal.matchAll(/\$\{([^}]*)\}/g)) {
        if (!ALLOWED_SPLICES.has(splice[1]!.trim())) problems.push(`${where}: splices \${${splice[1]}} into SQL`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('the scan would notice a value spliced into SQL', () => {
    const dir = path.join(work, 'probe');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'probe.ts'),
      [
        'export const f = (db: any, id: string) => db.prepare(`SELECT * FROM nodes WHERE doc_id = \'${id}\'`).get();',
        "export const g = (db: any, id: string) => db.prepare('SELECT * FROM nodes WHERE doc_id = ' + id).get();",
      ].join('\n'),
    );
    const flagged = sqlCalls(work, ['probe']);
    expect(flagged).toHaveLength(2);
    expect(flagged[0]!.literal).toContain('${id}');
    expect(flagged[1]!.concatenated).toBe(true);
  });

  it('store ids, titles and texts that are SQL exactly as written, and stay searchable', async () => {
    const corpus = sampleCorpus(work, 20);
    const hostile = [
      { _id: "x'); DROP TABLE nodes; --", title: "Robert'); DELETE FROM documents; --", text: "vitamin' OR '1'='1 bone fracture study" },
      { _id: '"; UPDATE meta SET value = 1; --', title: 'quotes " and \' and `', text: 'SELECT * FROM documents WHERE 1=1; vitamin D' },
      { _id: '%_\\', title: 'LIKE wildcards', text: '100% of _ samples \\ escaped; vitamin D bone' },
    ];
    fs.appendFileSync(corpus, `${hostile.map((d) => JSON.stringify(d)).join('\n')}\n`);
    const output = path.join(work, 'sql.db');
    await buildIndex({ input: corpus, output, branching: 4, seed: 8 });
    expect(checkIndex(output).ok).toBe(true);
    const ids = storedDocumentIds(output);
    for (const d of hostile) expect(ids).toContain(d._id);
    expect(ids).toHaveLength(23);

    const index = openIndex(output);
    const result = await index.search("vitamin' OR '1'='1 bone", { topK: 23, excludeIds: [hostile[1]!._id] });
    expect(result.hits.map((h) => h.docId)).not.toContain(hostile[1]!._id);
    expect(result.hits.map((h) => h.docId)).toContain(hostile[0]!._id);
    expect(index.document(hostile[0]!._id)?.title).toBe(hostile[0]!.title);
    index.close();

    const cli = await runLattice(['query', output, "'; DROP TABLE documents; --", '--exclude', hostile[0]!._id, '--json']);
    expect(cli.code).toBe(0);
    expect(checkIndex(output).ok).toBe(true);
  });
});
