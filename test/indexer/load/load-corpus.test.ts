import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatIssues } from '../../../indexer/load/format-issues.js';
import { detectCorpusFormat, loadCorpus, resolveLoadOptions, streamCorpus } from '../../../indexer/load/load-corpus.js';
import type { LoadEvent, LoadIssue } from '../../../indexer/load/types.js';
import { jsonl, put, rejectsWith, removeTempDirs, tempDir } from './load-helpers.js';

afterAll(removeTempDirs);

describe('format detection', () => {
  it('detects a BEIR directory by its corpus.jsonl and names files inside it in issues', async () => {
    const dir = tempDir();
    put(dir, 'corpus.jsonl', jsonl('{"_id": "1", "title": "T", "text": "x"}', '{"_id": "1", "text": "again"}'));
    put(dir, 'queries.jsonl', jsonl('{"_id": "q1", "text": "query"}'));
    put(dir, 'qrels/test.tsv', 'query-id\tcorpus-id\tscore\nq1\t1\t1\n');
    put(dir, 'README.md', '# not a document of a BEIR corpus');
    expect(await detectCorpusFormat(dir)).toBe('beir');
    const result = await loadCorpus(dir, { skipBad: true });
    expect(result.format).toBe('beir');
    expect(result.files).toBe(1);
    expect(result.documents).toEqual([{ id: '1', title: 'T', text: 'x', source: { path: 'corpus.jsonl', line: 1 } }]);
    expect(result.issues).toEqual([
      {
        kind: 'duplicate-id',
        severity: 'error',
        path: path.join(dir, 'corpus.jsonl'),
        line: 2,
        id: '1',
        message: expect.stringContaining(`${path.join(dir, 'corpus.jsonl')}:1`),
      },
    ]);
  });

  it('treats a directory whose corpus.jsonl is itself a directory as a folder', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'corpus.jsonl'));
    put(dir, 'a.txt', 'A');
    expect(await detectCorpusFormat(dir)).toBe('folder');
  });

  it('detects .jsonl and .ndjson files whatever the case of the extension', async () => {
    const dir = tempDir();
    for (const name of ['a.jsonl', 'b.NDJSON', 'c.JsonL']) {
      expect(await detectCorpusFormat(put(dir, name, '{"_id": "a", "text": "x"}\n'))).toBe('jsonl');
    }
  });

  it('a missing path is INPUT_NOT_FOUND', async () => {
    const missing = path.join(tempDir(), 'nope', 'corpus.jsonl');
    const error = await rejectsWith(loadCorpus(missing), 'INPUT_NOT_FOUND');
    expect(error.message).toContain(missing);
    expect(error.hint).toContain('.jsonl');
    await rejectsWith(loadCorpus(''), 'INPUT_NOT_FOUND');
  });

  it('files that are not JSONL are INPUT_UNSUPPORTED with a hint that fits the file', async () => {
    const dir = tempDir();
    const json = await rejectsWith(loadCorpus(put(dir, 'corpus.json', '[{"_id": "a"}]')), 'INPUT_UNSUPPORTED');
    expect(json.hint).toContain('JSON Lines');
    const gz = await rejectsWith(loadCorpus(put(dir, 'corpus.jsonl.gz', 'x')), 'INPUT_UNSUPPORTED');
    expect(gz.hint).toContain('Decompress');
  });

  it('one .md or .txt file is a one-document corpus named by its file name (issue 13)', async () => {
    const dir = tempDir();
    const md = await loadCorpus(put(dir, 'guide.md', '# Reactor guide\n\nControl rods go here.\n'));
    expect(md.format).toBe('folder');
    expect(md.files).toBe(1);
    expect(md.documents.map((d) => [d.id, d.title, d.source?.path])).toEqual([['guide.md', 'Reactor guide', 'guide.md']]);
    const txt = await loadCorpus(put(dir, 'one.txt', 'Just a note\nwith two lines'), { format: 'folder' });
    expect(txt.documents.map((d) => d.id)).toEqual(['one.txt']);
    const empty = await rejectsWith(loadCorpus(put(dir, 'blank.md', '')), 'INPUT_BAD_DOCUMENTS');
    expect(empty.message).toContain('blank.md');
  });

  it('a forced format reads what the path allows and refuses the rest', async () => {
    const dir = tempDir();
    const asJson = put(dir, 'lines.json', jsonl('{"_id": "a", "text": "x"}'));
    const forced = await loadCorpus(asJson, { format: 'jsonl' });
    expect(forced.documents.map((d) => d.id)).toEqual(['a']);
    await rejectsWith(loadCorpus(asJson, { format: 'folder' }), 'INPUT_UNSUPPORTED');
    await rejectsWith(loadCorpus(dir, { format: 'jsonl' }), 'INPUT_UNSUPPORTED');
    await rejectsWith(loadCorpus(dir, { format: 'beir' }), 'INPUT_NOT_FOUND');
    put(dir, 'corpus.jsonl', jsonl('{"_id": "b", "text": "y"}'));
    put(dir, 'note.txt', 'A note');
    const asFolder = await loadCorpus(dir, { format: 'folder' });
    expect(asFolder.documents.map((d) => d.id)).toEqual(['note.txt']);
  });

  it('invalid options are CONFIG_INVALID', async () => {
    for (const bad of [0, -1, 1.5, Number.NaN, '10' as unknown as number]) {
      expect(() => resolveLoadOptions({ maxDocumentChars: bad })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    }
    expect(() => resolveLoadOptions({ maxLineBytes: 0 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => resolveLoadOptions({ idField: ' ' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => resolveLoadOptions({ format: 'csv' as never })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(resolveLoadOptions({ maxDocumentChars: 10 }).maxLineBytes).toBe(60 + (1 << 20));
  });
});

describe('streamCorpus', () => {
  it('yields documents and issues in input order without applying the failure policy', async () => {
    const file = put(tempDir(), 'c.jsonl', jsonl('{"_id": "a", "text": "x"}', 'broken', '{"_id": "a", "text": "y"}', '{"_id": "b", "text": "z"}'));
    const events: LoadEvent[] = [];
    for await (const event of streamCorpus(file)) events.push(event);
    expect(events.map((e) => (e.type === 'document' ? `doc:${e.document.id}` : e.type === 'issue' ? `issue:${e.issue.kind}@${e.issue.line}` : 'file'))).toEqual([
      'file',
      'doc:a',
      'issue:malformed@2',
      'issue:duplicate-id@3',
      'doc:b',
    ]);
  });
});

describe('formatIssues', () => {
  const issue = (kind: LoadIssue['kind'], severity: LoadIssue['severity'], line: number, id?: string): LoadIssue => ({
    kind,
    severity,
    path: 'data/corpus.jsonl',
    line,
    ...(id === undefined ? {} : { id }),
    message: `problem on ${line}`,
  });

  it('returns an empty string for no issues', () => {
    expect(formatIssues([])).toBe('');
  });

  it('summarises counts per severity and kind, lists errors first, and cuts at the limit', () => {
    const issues = [
      issue('invalid-utf8', 'warning', 1, 'w'),
      issue('malformed', 'error', 3),
      issue('empty', 'error', 5, 'e'),
      issue('malformed', 'error', 9),
    ];
    const text = formatIssues(issues, { limit: 2 });
    const lines = text.split('\n');
    expect(lines[0]).toBe('3 errors (2 malformed, 1 empty), 1 warning (1 invalid-utf8)');
    expect(lines[1]).toContain('data/corpus.jsonl:3 malformed: problem on 3');
    expect(lines[2]).toContain('data/corpus.jsonl:5 empty (id "e"): problem on 5');
    expect(lines[3]).toBe('  ... 2 more');
    expect(lines).toHaveLength(4);
    expect(formatIssues(issues).split('\n')).toHaveLength(5);
  });
});
