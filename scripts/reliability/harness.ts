/**
 * Shared plumbing of the reliability suite and of scripts/bench-faults.ts: where the repository
 * and its compiled CLI are, small corpora cut from the bundled sample, running the real CLI as
 * a child process, and reading an index's tree for comparisons.
 * Why not vitest-only: the bench script replays the same scenarios and prints their figures,
 * so nothing here may import vitest.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

/** The repository root: the nearest folder above this file whose package.json is lattice's. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'lattice') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('lattice repository root not found above the reliability harness');
    dir = up;
  }
}

/** The CLI launcher; it runs the compiled dist/, so `npm run build` must have run first. */
export function cliPath(): string {
  const root = repoRoot();
  if (!fs.existsSync(path.join(root, 'dist/src/cli/main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (or `npx tsc -p .`) before the reliability suite');
  }
  return path.join(root, 'bin/lattice.js');
}

/** Writes the first `n` documents of data/scifact-sample as a JSONL corpus in `dir`; returns its path. */
export function sampleCorpus(dir: string, n: number, name = `corpus-${n}.jsonl`): string {
  const source = path.join(repoRoot(), 'data/scifact-sample/corpus.jsonl');
  const lines = fs.readFileSync(source, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(0, n);
  if (lines.length < n) throw new Error(`the sample corpus has only ${lines.length} documents`);
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Queries of the bundled sample (its queries.jsonl), first `n`. */
export function sampleQueries(n: number): string[] {
  const source = path.join(repoRoot(), 'data/scifact-sample/queries.jsonl');
  return fs
    .readFileSync(source, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(0, n)
    .map((l) => (JSON.parse(l) as { text: string }).text);
}

export interface TreeRow {
  id: number;
  parent_id: number | null;
  depth: number;
  position: number;
  kind: string;
  doc_id: string | null;
  chunk_index: number | null;
  title: string;
  summary: string | null;
  num_documents: number;
  preorder: number;
  subtree_end: number;
  content_hash: string;
}

/** The stored tree as plain rows (everything that must match between equivalent builds). */
export function treeRows(file: string): TreeRow[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare(
        `SELECT id, parent_id, depth, position, kind, doc_id, chunk_index, title, summary, num_documents, preorder, subtree_end, content_hash
         FROM nodes ORDER BY id`,
      )
      .all() as TreeRow[];
  } finally {
    db.close();
  }
}

/** Document ids stored in an index. */
export function storedDocumentIds(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT doc_id FROM documents ORDER BY doc_id`).all() as { doc_id: string }[]).map((r) => r.doc_id);
  } finally {
    db.close();
  }
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface SpawnedCli {
  child: ChildProcess;
  /** Resolves when the process has exited and its streams are drained. */
  done: Promise<CliRun>;
  /** stderr so far. */
  stderr(): string;
}

/** Starts `node bin/lattice.js <args>` (or `node <preload> ...` via nodeArgs) with its own environment. */
export function spawnCli(args: string[], options: { env?: NodeJS.ProcessEnv; nodeArgs?: string[]; cwd?: string } = {}): SpawnedCli {
  const started = performance.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), cliPath(), ...args], {
    cwd: options.cwd ?? repoRoot(),
    env: options.env ?? cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: performance.now() - started }));
  });
  return { child, done, stderr: () => stderr };
}

/** Runs the CLI to the end. */
export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {}): Promise<CliRun> {
  return spawnCli(args, options).done;
}

/** The parent's environment without model settings, so a developer's own key or server never leaks into a test. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(OPENAI_|LATTICE_)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

/** True when a CLI run ended the way the CLI promises for user errors: exit 0/1 and no stack trace. */
export function endedCleanly(run: CliRun): boolean {
  return (run.code === 0 || run.code === 1) && !/internal error|^\s+at .+\(.+:\d+:\d+\)$/m.test(run.stderr) && !/\n\s+at /.test(run.stdout);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `test` every `everyMs` until it returns true or `timeoutMs` passes; returns whether it did. */
export async function waitFor(test: () => boolean, timeoutMs: number, everyMs = 2): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    if (test()) return true;
    await sleep(everyMs);
  }
  return test();
}
