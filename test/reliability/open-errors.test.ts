/**
 * Files that are not a usable index: missing, empty, a folder, text, random bytes, a foreign
 * SQLite database, truncated, damaged pages, a newer or older schema, an unfinished build.
 * Every way in (openIndex, `lattice query`, `inspect`, `check`, also as a child process) gives a
 * coded error or a problem list, never a stack trace and never a wrong answer.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex } from '../../indexer/build.js';
import { openIndex } from '../../src/api/lattice-index.js';
import { LatticeError, isLatticeError } from '../../src/core/errors.js';
import { createRng } from '../../src/core/math/random.js';
import type { Summarizer } from '../../src/core/types.js';
import { runLattice } from '../helpers/run-lattice.js';
import { endedCleanly, repoRoot, runCli, sampleCorpus } from '../../scripts/reliability/harness.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-open-'));
let good: string;
const files: Record<string, string> = {};

/** Expected outcome per file: the code every command gives, or 'damaged' (some commands may still answer). */
const expected: Record<string, string> = {
  missing: 'INDEX_NOT_FOUND',
  empty: 'INDEX_INCOMPLETE',
  folder: 'INDEX_NOT_LATTICE',
  text: 'INDEX_NOT_LATTICE',
  garbage: 'INDEX_NOT_LATTICE',
  foreign: 'INDEX_NOT_LATTICE',
  truncated: 'INDEX_CORRUPT',
  newer: 'INDEX_TOO_NEW',
  older: 'INDEX_TOO_OLD',
  unfinished: 'INDEX_INCOMPLETE',
  'hot journal': 'INDEX_INCOMPLETE',
  'damaged pages': 'damaged',
};

function copyOf(name: string, change?: (db: Database.Database) => void): string {
  const file = path.join(work, `${name}.db`);
  fs.copyFileSync(good, file);
  if (change) {
    const db = new Database(file);
    change(db);
    db.close();
  }
  return file;
}

beforeAll(async () => {
  const corpus = sampleCorpus(work, 50);
  good = path.join(work, 'good.db');
  await buildIndex({ input: corpus, output: good, branching: 5, seed: 1 });
  // Make the file self-contained (no WAL beside it) before copying bytes around.
  const db = new Database(good);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();

  files['missing'] = path.join(work, 'missing.db');
  files['empty'] = path.join(work, 'empty.db');
  fs.writeFileSync(files['empty'], '');
  files['folder'] = path.join(work, 'folder.db');
  fs.mkdirSync(files['folder']);
  files['text'] = path.join(work, 'text.db');
  fs.writeFileSync(files['text'], 'id,title\n1,not an index\n'.repeat(100));
  files['garbage'] = path.join(work, 'garbage.db');
  const random = createRng(99);
  fs.writeFileSync(files['garbage'], Buffer.from(Array.from({ length: 65536 }, () => Math.floor(random() * 256))));
  files['foreign'] = path.join(work, 'foreign.db');
  const foreign = new Database(files['foreign']);
  foreign.exec(`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada')`);
  foreign.close();
  files['truncated'] = path.join(work, 'truncated.db');
  const bytes = fs.readFileSync(good);
  fs.writeFileSync(files['truncated'], bytes.subarray(0, Math.floor(bytes.length / 2 / 4096) * 4096));
  files['newer'] = copyOf('newer', (d) => d.pragma('user_version = 99'));
  files['older'] = copyOf('older', (d) => d.pragma('user_version = 0'));
  files['damaged pages'] = copyOf('damaged-pages');
  const handle = fs.openSync(files['damaged pages'], 'r+');
  const size = fs.statSync(files['damaged pages']).size;
  for (let page = 5; page * 4096 < size; page += 3) fs.writeSync(handle, Buffer.alloc(512, 0xa5), 0, 512, page * 4096 + 64);
  fs.closeSync(handle);

  // A writer killed inside its first transaction, before the file is in WAL mode (a build stopped in
  // its first moments): the rollback journal is hot, and a read-only open may not roll it back.
  files['hot journal'] = path.join(work, 'hot-journal.db');
  const killed = spawnSync(
    process.execPath,
    [
      '-e',
      `const Database = require('better-sqlite3');
       const db = new Database(process.argv[1]);
       db.pragma('cache_size = 1');
       db.exec('BEGIN');
       db.exec('CREATE TABLE big (x)');
       const insert = db.prepare('INSERT INTO big VALUES (?)');
       for (let i = 0; i < 2000; i++) insert.run('x'.repeat(1000));
       process.kill(process.pid, 'SIGKILL');`,
      files['hot journal'],
    ],
    { cwd: repoRoot() },
  );
  expect(killed.signal).toBe('SIGKILL');
  expect(fs.existsSync(`${files['hot journal']}-journal`)).toBe(true);

  // A real unfinished build: the summariser fails for good on its fifth cluster.
  files['unfinished'] = path.join(work, 'unfinished.db');
  let calls = 0;
  const failing: Summarizer = {
    specificationVersion: 'v1',
    provider: 'test',
    modelId: 'fails-later',
    doSummarize: async (request) => {
      if (++calls >= 5) throw new LatticeError('MODEL_SERVER_ERROR', 'the model server is down');
      return { title: `cluster ${request.level}`, summary: request.children.map((c) => c.title).join('; ') };
    },
  };
  await expect(buildIndex({ input: corpus, output: files['unfinished'], branching: 5, seed: 1, summarizer: failing })).rejects.toThrow(/down/);
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('opening files that are not a usable index', () => {
  it('openIndex throws a coded LatticeError, never a raw one, and never returns a handle', () => {
    for (const [name, file] of Object.entries(files)) {
      if (expected[name] === 'damaged') continue;
      let thrown: unknown;
      try {
        openIndex(file).close();
      } catch (error) {
        thrown = error;
      }
      expect(isLatticeError(thrown), `${name}: ${String(thrown)}`).toBe(true);
      expect((thrown as LatticeError).code, name).toBe(expected[name]);
      expect((thrown as LatticeError).hint, name).toMatch(/\w/);
    }
  });

  it('every command reports the same code with a hint (exit 1), or a problem list for check', async () => {
    for (const [name, file] of Object.entries(files)) {
      for (const command of [['query', file, 'vitamin D'], ['inspect', file], ['check', file]]) {
        const r = await runLattice(command);
        const label = `${command[0]} on ${name}`;
        expect(r.stderr, label).not.toMatch(/internal error/);
        if (expected[name] === 'damaged') {
          // A damaged page may not lie on a query's path; when it does, the error is coded.
          expect([0, 1], label).toContain(r.code);
          if (r.code === 1 && command[0] !== 'check') expect(r.stderr, label).toMatch(/^error INDEX_CORRUPT: /m);
          if (command[0] === 'check') expect(r.code, label).toBe(1);
          continue;
        }
        expect(r.code, label).toBe(1);
        if (command[0] === 'check' && (name === 'truncated' || name === 'older' || name === 'unfinished')) {
          // check lists what it found instead of failing on the first problem.
          expect(r.stdout, label).toMatch(/problems? found/);
        } else {
          expect(r.stderr, label).toMatch(new RegExp(`^error ${expected[name]}: `, 'm'));
          expect(r.stderr, label).toMatch(/^hint: /m);
        }
      }
    }
  });

  it('says in JSON mode what went wrong', async () => {
    for (const name of ['garbage', 'newer', 'unfinished']) {
      const r = await runLattice(['query', files[name]!, 'vitamin D', '--json']);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).error.code).toBe(expected[name]);
    }
  });

  it('never prints a stack trace from the real command line either', async () => {
    const runs = await Promise.all(
      ['truncated', 'garbage', 'foreign', 'newer', 'empty', 'damaged pages'].map((name) => runCli(['inspect', files[name]!])),
    );
    for (const run of runs) {
      expect(endedCleanly(run), run.stderr).toBe(true);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('leaves the unfinished build resumable: the same build then completes', async () => {
    const corpus = path.join(work, 'corpus-50.jsonl');
    await buildIndex({
      input: corpus,
      output: files['unfinished']!,
      branching: 5,
      seed: 1,
      summarizer: {
        specificationVersion: 'v1',
        provider: 'test',
        modelId: 'fails-later',
        doSummarize: async (request) => ({ title: `cluster ${request.level}`, summary: request.children.map((c) => c.title).join('; ') }),
      },
    });
    const index = openIndex(files['unfinished']!);
    expect((await index.search('vitamin D')).hits.length).toBeGreaterThan(0);
    index.close();
  });
});
