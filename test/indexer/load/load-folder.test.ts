import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../../../indexer/load/load-corpus.js';
import { deriveTitle } from '../../../indexer/load/load-folder.js';
import { put, rejectsWith, removeTempDirs, tempDir } from './load-helpers.js';

afterAll(removeTempDirs);

/** Whether chmod 000 stops this process reading a file (it does not for root). */
function permissionsBiteHere(): boolean {
  const file = put(tempDir(), 'probe.txt', 'x');
  chmodSync(file, 0o000);
  try {
    readFileSync(file);
    return false;
  } catch {
    return true;
  } finally {
    chmodSync(file, 0o644);
  }
}

function hasMkfifo(): boolean {
  try {
    execFileSync('mkfifo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('folder of text files', () => {
  it('reads .txt/.md/.markdown recursively in sorted POSIX path order and skips hidden entries', async () => {
    const dir = tempDir();
    // Created out of order on purpose.
    put(dir, 'z.txt', 'Zed\nlast file');
    put(dir, 'b/d/e.markdown', '# Deep heading\n\nbody');
    put(dir, 'b/c.txt', 'C title\n\nc body');
    put(dir, 'a.md', 'Intro line\n\n## Section A\n\ntext');
    put(dir, 'a-b.MD', '# Upper case extension');
    put(dir, 'notes.pdf', 'not text');
    put(dir, '.hidden.md', '# hidden');
    put(dir, '.git/HEAD.md', '# git internals');
    put(dir, 'b/.cache/x.txt', 'cached');
    const result = await loadCorpus(dir);
    expect(result.format).toBe('folder');
    expect(result.issues).toEqual([]);
    expect(result.files).toBe(5);
    expect(result.documents.map((d) => d.id)).toEqual(['a-b.MD', 'a.md', 'b/c.txt', 'b/d/e.markdown', 'z.txt']);
    expect(result.documents.map((d) => d.title)).toEqual(['Upper case extension', 'Section A', 'C title', 'Deep heading', 'Zed']);
    expect(result.documents[2]).toEqual({ id: 'b/c.txt', title: 'C title', text: 'C title\n\nc body', source: { path: 'b/c.txt' } });
  });

  it('gives the same documents in the same order on every load', async () => {
    const dir = tempDir();
    for (const name of ['m.txt', 'B.txt', 'a/z.md', 'a.txt', 'a/b/c.txt', '_x.txt', 'é.txt', '10.txt', '9.txt']) {
      put(dir, name, `title of ${name}\nbody`);
    }
    const first = await loadCorpus(dir);
    const second = await loadCorpus(dir);
    expect(second).toEqual(first);
    const ids = first.documents.map((d) => d.id);
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(ids).toEqual(['10.txt', '9.txt', 'B.txt', '_x.txt', 'a.txt', 'a/b/c.txt', 'a/z.md', 'm.txt', 'é.txt']);
  });

  it('strips a BOM, normalises CRLF and flags invalid UTF-8 as a warning', async () => {
    const dir = tempDir();
    put(dir, 'bom.txt', Buffer.from('\uFEFFFirst\r\nsecond\r\n'));
    put(dir, 'bad.txt', Buffer.concat([Buffer.from('Bad bytes '), Buffer.from([0xc0, 0xaf]), Buffer.from(' here')]));
    const result = await loadCorpus(dir);
    const bom = result.documents.find((d) => d.id === 'bom.txt')!;
    expect(bom.text).toBe('First\nsecond\n');
    expect(bom.title).toBe('First');
    expect(result.documents.find((d) => d.id === 'bad.txt')!.text).toContain('\uFFFD');
    expect(result.issues).toEqual([
      { kind: 'invalid-utf8', severity: 'warning', path: path.join(dir, 'bad.txt'), id: 'bad.txt', message: expect.any(String) },
    ]);
  });

  it('reports empty, oversized and binary files; fails by default and lists them with skipBad', async () => {
    const dir = tempDir();
    put(dir, 'good.md', '# Good\n\ntext');
    put(dir, 'blank.txt', '  \n\n');
    put(dir, 'big.txt', 'w '.repeat(400));
    put(dir, 'binary.txt', Buffer.from([0x00, 0x01, 0x02, 0x00]));
    const error = await rejectsWith(loadCorpus(dir, { maxDocumentChars: 500 }), 'INPUT_BAD_DOCUMENTS');
    expect(error.message).toContain('3 bad documents');
    expect(error.message).toContain(path.join(dir, 'big.txt'));
    const result = await loadCorpus(dir, { maxDocumentChars: 500, skipBad: true });
    expect(result.documents.map((d) => d.id)).toEqual(['good.md']);
    expect(result.issues.map((i) => [i.id, i.kind])).toEqual([
      ['big.txt', 'oversized'],
      ['binary.txt', 'bad-encoding'],
      ['blank.txt', 'empty'],
    ]);
    // Over the byte cap the file is not even read.
    const capped = await loadCorpus(dir, { maxLineBytes: 100, skipBad: true });
    expect(capped.issues.find((i) => i.id === 'big.txt')!.message).toContain('800 bytes');
  });

  it('does not follow links out of the folder or back into an ancestor, and says so', async () => {
    const outside = tempDir();
    put(outside, 'secret.txt', 'Secret\noutside the corpus');
    put(outside, 'more/other.md', '# Other');
    const dir = tempDir();
    put(dir, 'real/doc.md', '# Real doc');
    put(dir, 'top.txt', 'Top');
    symlinkSync(path.join(outside, 'secret.txt'), path.join(dir, 'leak.txt'));
    symlinkSync(path.join(outside, 'more'), path.join(dir, 'leakdir'));
    symlinkSync('..', path.join(dir, 'real', 'up'));
    symlinkSync('.', path.join(dir, 'real', 'self'));
    symlinkSync('loop.md', path.join(dir, 'loop.md'));
    symlinkSync('top.txt', path.join(dir, 'alias.txt'));
    symlinkSync('real', path.join(dir, 'mirror'));
    const result = await loadCorpus(dir);
    // Links that stay inside are followed: a file link and a directory link.
    expect(result.documents.map((d) => d.id)).toEqual(['alias.txt', 'mirror/doc.md', 'real/doc.md', 'top.txt']);
    const kinds = Object.fromEntries(result.issues.map((i) => [path.relative(dir, i.path), [i.kind, i.severity]]));
    expect(kinds).toEqual({
      'leak.txt': ['outside-link', 'warning'],
      leakdir: ['outside-link', 'warning'],
      'loop.md': ['symlink-loop', 'warning'],
      'real/up': ['symlink-loop', 'warning'],
      'real/self': ['symlink-loop', 'warning'],
      // Reached through the followed directory link, the same links are reported again.
      'mirror/up': ['symlink-loop', 'warning'],
      'mirror/self': ['symlink-loop', 'warning'],
    });
    expect(result.documents.some((d) => d.text.includes('outside the corpus'))).toBe(false);
  });

  it('reports a broken link to a text file as unreadable', async () => {
    const dir = tempDir();
    put(dir, 'ok.txt', 'fine');
    symlinkSync('missing.txt', path.join(dir, 'gone.txt'));
    symlinkSync('missing-dir', path.join(dir, 'gone-dir'));
    const result = await loadCorpus(dir, { skipBad: true });
    expect(result.issues.map((i) => [path.relative(dir, i.path), i.kind])).toEqual([['gone.txt', 'unreadable']]);
  });

  it.skipIf(!hasMkfifo())('never opens a FIFO named like a text file (opening one would hang)', async () => {
    const dir = tempDir();
    put(dir, 'ok.txt', 'fine');
    execFileSync('mkfifo', [path.join(dir, 'pipe.txt')]);
    const result = await loadCorpus(dir, { skipBad: true });
    expect(result.documents.map((d) => d.id)).toEqual(['ok.txt']);
    expect(result.issues.map((i) => [i.path, i.kind, i.severity])).toEqual([[path.join(dir, 'pipe.txt'), 'unreadable', 'error']]);
  });

  // Root reads files whatever their mode, so chmod 000 proves nothing there: skipped, not faked.
  const canDenyReads = permissionsBiteHere();
  it.skipIf(!canDenyReads)('reports an unreadable file and folder (skipped when running as root: chmod 000 does not stop root)', async () => {
    const dir = tempDir();
    put(dir, 'ok.txt', 'fine');
    const locked = put(dir, 'locked.txt', 'secret');
    const lockedDir = path.join(dir, 'sub');
    put(dir, 'sub/inner.txt', 'inner');
    chmodSync(locked, 0o000);
    chmodSync(lockedDir, 0o000);
    try {
      const error = await rejectsWith(loadCorpus(dir), 'INPUT_BAD_DOCUMENTS');
      expect(error.details?.['counts']).toEqual({ unreadable: 2 });
      const result = await loadCorpus(dir, { skipBad: true });
      expect(result.documents.map((d) => d.id)).toEqual(['ok.txt']);
      expect(result.issues.map((i) => [path.relative(dir, i.path), i.kind]).sort()).toEqual([
        ['locked.txt', 'unreadable'],
        ['sub', 'unreadable'],
      ]);
    } finally {
      chmodSync(locked, 0o644);
      chmodSync(lockedDir, 0o755);
    }
  });

  it('an empty folder, or one without text files, is INPUT_EMPTY with a hint', async () => {
    const empty = tempDir();
    mkdirSync(path.join(empty, 'nested', 'deeper'), { recursive: true });
    await rejectsWith(loadCorpus(empty), 'INPUT_EMPTY');
    const other = tempDir();
    put(other, 'docs.jsonl', '{"_id": "a", "text": "x"}\n');
    put(other, 'paper.pdf', '%PDF');
    const error = await rejectsWith(loadCorpus(other), 'INPUT_EMPTY');
    expect(error.message).toContain('.jsonl');
    expect(error.hint).toContain('.jsonl file itself');
  });

  it('rejects JSONL field options for a folder', async () => {
    const dir = tempDir();
    put(dir, 'a.txt', 'x');
    await rejectsWith(loadCorpus(dir, { idField: 'doc' }), 'CONFIG_INVALID');
  });
});

describe('deriveTitle', () => {
  it('uses the first markdown heading outside code fences and after front matter', () => {
    expect(deriveTitle('---\ntitle: meta\n---\nplain first\n\n# Heading\n', 'x/a.md')).toBe('Heading');
    expect(deriveTitle('```\n# not a heading\n```\n\n## Real one ##\n', 'a.md')).toBe('Real one');
    expect(deriveTitle('---\nlayout: post\n---\n\nNo heading here\nmore', 'a.markdown')).toBe('No heading here');
  });

  it('takes the first non-empty line of a .txt, or the file name when that line is long', () => {
    expect(deriveTitle('\n\n  # Not markdown in txt  \nbody', 'notes/a.txt')).toBe('# Not markdown in txt');
    expect(deriveTitle(`${'word '.repeat(40)}\nbody`, 'notes/long-first-line.txt')).toBe('long-first-line');
    expect(deriveTitle(`# ${'h'.repeat(200)}`, 'dir/big-heading.md')).toBe('big-heading');
  });
});
