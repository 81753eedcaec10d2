import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../../../indexer/load/load-corpus.js';
import { formatCount } from '../../../indexer/load/format-issues.js';
import type { LoadIssue } from '../../../indexer/load/types.js';
import { jsonl, put, rejectsWith, removeTempDirs, tempDir } from './load-helpers.js';

afterAll(removeTempDirs);

function corpusFile(body: string | Buffer, name = 'corpus.jsonl'): string {
  return put(tempDir(), name, body);
}

function find(issues: LoadIssue[], line: number): LoadIssue {
  const found = issues.find((issue) => issue.line === line);
  if (!found) throw new Error(`no issue at line ${line}: ${JSON.stringify(issues)}`);
  return found;
}

describe('JSONL documents', () => {
  it('maps _id/title/text, keeps other fields as metadata and records file:line', async () => {
    const file = corpusFile(
      jsonl(
        '{"_id": "d1", "title": "First", "text": "alpha", "year": 2001, "metadata": {"url": "u1", "year": 1999}}',
        '{"id": 7, "title": "Second", "contents": "beta"}',
        '{"_id": "d3", "text": "gamma only"}',
      ),
    );
    const result = await loadCorpus(file);
    expect(result.format).toBe('jsonl');
    expect(result.files).toBe(1);
    expect(result.issues).toEqual([]);
    expect(result.documents).toEqual([
      {
        id: 'd1',
        title: 'First',
        text: 'alpha',
        source: { path: 'corpus.jsonl', line: 1 },
        // Top-level "year" wins over the nested metadata's.
        metadata: { year: 2001, url: 'u1' },
      },
      { id: '7', title: 'Second', text: 'beta', source: { path: 'corpus.jsonl', line: 2 } },
      { id: 'd3', title: '', text: 'gamma only', source: { path: 'corpus.jsonl', line: 3 } },
    ]);
  });

  it('honours idField, titleField and textField and leaves the default names as metadata', async () => {
    const file = corpusFile(jsonl('{"docid": "x1", "headline": "H", "body": "B", "_id": "ignored", "text": "t"}'), 'c.ndjson');
    const result = await loadCorpus(file, { idField: 'docid', titleField: 'headline', textField: 'body' });
    expect(result.documents).toHaveLength(1);
    expect(result.documents[0]).toMatchObject({ id: 'x1', title: 'H', text: 'B', metadata: { _id: 'ignored', text: 't' } });
  });

  it('coerces numeric titles and texts, keeps title-only documents and treats null as absent', async () => {
    const file = corpusFile(
      jsonl(
        '{"_id": "n1", "title": 7, "text": 3.5}',
        '{"_id": "n2", "title": "only a title", "text": null}',
        '{"_id": "n3", "title": null, "text": "only text"}',
      ),
    );
    const { documents } = await loadCorpus(file);
    expect(documents.map((d) => [d.id, d.title, d.text])).toEqual([
      ['n1', '7', '3.5'],
      ['n2', 'only a title', ''],
      ['n3', '', 'only text'],
    ]);
  });

  it('reads a UTF-8 BOM, CRLF endings, blank lines and a last line without a newline', async () => {
    const body = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('{"_id": "a", "text": "one"}\r\n\r\n   \r\n{"_id": "b", "text": "two"}\n\n{"_id": "c", "text": "three"}'),
    ]);
    const { documents, issues } = await loadCorpus(corpusFile(body));
    expect(issues).toEqual([]);
    expect(documents.map((d) => [d.id, d.text, d.source.line])).toEqual([
      ['a', 'one', 1],
      ['b', 'two', 4],
      ['c', 'three', 6],
    ]);
  });
});

describe('JSONL bad input', () => {
  // One bad line of each kind, each on a known line, surrounded by good ones.
  const lines = [
    /* 1 */ '{"_id": "ok1", "title": "Good", "text": "fine"}',
    /* 2 */ '{"_id": "bad", "text": }',
    /* 3 */ '[1, 2, 3]',
    /* 4 */ '"just a string"',
    /* 5 */ '{"title": "no id", "text": "x"}',
    /* 6 */ '{"_id": "   ", "text": "blank id"}',
    /* 7 */ '{"_id": {"nested": 1}, "text": "x"}',
    /* 8 */ '{"_id": [1], "text": "x"}',
    /* 9 */ '{"_id": true, "text": "x"}',
    /* 10 */ '{"_id": 1.5, "text": "x"}',
    /* 11 */ '{"_id": 12345678901234567890, "text": "x"}',
    /* 12 */ '{"_id": "t-obj", "title": {"a": 1}, "text": "x"}',
    /* 13 */ '{"_id": "x-arr", "text": ["a", "b"]}',
    /* 14 */ '{"_id": "x-bool", "text": false}',
    /* 15 */ '{"_id": "empty1", "title": "", "text": ""}',
    /* 16 */ '{"_id": "empty2", "title": "  ", "text": "\\n\\t"}',
    /* 17 */ '{"_id": "empty3"}',
    /* 18 */ '{"_id": "ok1", "title": "Again", "text": "duplicate"}',
    /* 19 */ `{"_id": "long", "text": "${'y'.repeat(80)}"}`,
    /* 20 */ 'null',
    /* 21 */ '{"_id": "ok2", "text": "also fine"}',
  ];
  const expected: Record<number, LoadIssue['kind']> = {
    2: 'malformed',
    3: 'malformed',
    4: 'malformed',
    5: 'missing-id',
    6: 'missing-id',
    7: 'bad-field',
    8: 'bad-field',
    9: 'bad-field',
    10: 'bad-field',
    11: 'bad-field',
    12: 'bad-field',
    13: 'bad-field',
    14: 'bad-field',
    15: 'empty',
    16: 'empty',
    17: 'empty',
    18: 'duplicate-id',
    19: 'oversized',
    20: 'malformed',
  };

  it('skipBad keeps the good documents and lists every bad line with its kind, file and line', async () => {
    const file = corpusFile(jsonl(...lines));
    const result = await loadCorpus(file, { skipBad: true, maxDocumentChars: 50 });
    expect(result.documents.map((d) => d.id)).toEqual(['ok1', 'ok2']);
    // The first occurrence of a duplicate id is the one kept.
    expect(result.documents[0]!.text).toBe('fine');
    const byLine = Object.fromEntries(result.issues.map((issue) => [issue.line, issue.kind]));
    expect(byLine).toEqual(Object.fromEntries(Object.entries(expected).map(([line, kind]) => [Number(line), kind])));
    for (const issue of result.issues) {
      expect(issue.path).toBe(file);
      expect(issue.severity).toBe('error');
      expect(issue.message.length).toBeGreaterThan(5);
    }
    expect(find(result.issues, 3).message).toContain('not a JSON object');
    expect(find(result.issues, 18).message).toContain(`${file}:1`);
    expect(find(result.issues, 18).id).toBe('ok1');
    expect(find(result.issues, 19).id).toBe('long');
    expect(find(result.issues, 12).id).toBe('t-obj');
    expect(find(result.issues, 2).id).toBeUndefined();
  });

  it('fails by default with one INPUT_BAD_DOCUMENTS giving counts per kind and file:line examples', async () => {
    const file = corpusFile(jsonl(...lines));
    const error = await rejectsWith(loadCorpus(file, { maxDocumentChars: 50 }), 'INPUT_BAD_DOCUMENTS');
    expect(error.message).toContain('19 bad documents');
    expect(error.message).toContain('4 malformed');
    expect(error.message).toContain('8 bad-field');
    expect(error.message).toContain(`${file}:2`);
    expect(error.hint).toContain('--skip-bad');
    expect(error.details?.['counts']).toEqual({
      malformed: 4,
      'missing-id': 2,
      'bad-field': 8,
      empty: 3,
      'duplicate-id': 1,
      oversized: 1,
    });
  });

  it('one bad line among good ones still fails by default', async () => {
    const file = corpusFile(jsonl('{"_id": "a", "text": "x"}', '{oops', '{"_id": "b", "text": "y"}'));
    const error = await rejectsWith(loadCorpus(file), 'INPUT_BAD_DOCUMENTS');
    expect(error.message).toContain(`${file}:2`);
    expect(error.message).toContain('1 malformed');
  });

  it('reports a line over the byte cap as oversized with its line and id, and reads the next line', async () => {
    const big = `{"_id": "huge", "title": "t", "text": "${'z'.repeat(5000)}"}`;
    const file = corpusFile(jsonl('{"_id": "a", "text": "x"}', big, '{"_id": "b", "text": "y"}'));
    const result = await loadCorpus(file, { maxLineBytes: 1000, skipBad: true });
    expect(result.documents.map((d) => [d.id, d.source.line])).toEqual([
      ['a', 1],
      ['b', 3],
    ]);
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatchObject({ kind: 'oversized', line: 2, id: 'huge', severity: 'error' });
    expect(result.issues[0]!.message).toContain(formatCount(Buffer.byteLength(big)));
  });

  it('keeps a document with invalid UTF-8 and reports it as a warning that does not fail the load', async () => {
    const body = Buffer.concat([
      Buffer.from('{"_id": "a", "text": "fine \uFFFD literal"}\n{"_id": "b", "text": "bad '),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from(' bytes"}\n'),
    ]);
    const result = await loadCorpus(corpusFile(body));
    expect(result.documents.map((d) => d.id)).toEqual(['a', 'b']);
    expect(result.documents[1]!.text).toContain('\uFFFD');
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatchObject({ kind: 'invalid-utf8', severity: 'warning', line: 2, id: 'b' });
  });

  it('reports UTF-16, gzip and binary files as bad-encoding instead of a flood of malformed lines', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"_id": "a", "text": "x"}\n', 'utf16le')]);
    const gzip = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]);
    for (const body of [utf16, gzip]) {
      const file = corpusFile(body);
      const error = await rejectsWith(loadCorpus(file), 'INPUT_BAD_DOCUMENTS');
      expect(error.details?.['counts']).toEqual({ 'bad-encoding': 1 });
    }
  });

  it('an all-blank file is INPUT_EMPTY; a file whose every line was skipped is INPUT_EMPTY too', async () => {
    const blank = await rejectsWith(loadCorpus(corpusFile('\n  \n\r\n')), 'INPUT_EMPTY');
    expect(blank.hint).toContain('_id');
    const allBad = await rejectsWith(loadCorpus(corpusFile(jsonl('{x', '{"title": "no id"}')), { skipBad: true }), 'INPUT_EMPTY');
    expect(allBad.message).toContain('2');
    await rejectsWith(loadCorpus(corpusFile('')), 'INPUT_EMPTY');
  });

  it('reports progress in bytes ending at the file size', async () => {
    const file = corpusFile(jsonl('{"_id": "a", "text": "x"}', '{"_id": "b", "text": "y"}'));
    const events: { done: number; total: number }[] = [];
    await loadCorpus(file, { onProgress: (e) => events.push({ done: e.done, total: e.total }) });
    expect(events.length).toBeGreaterThan(0);
    const last = events[events.length - 1]!;
    expect(last.done).toBe(last.total);
    expect(last.total).toBe(52);
    expect(path.basename(file)).toBe('corpus.jsonl');
  });
});
