import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../../indexer/load/format-issues.js';
import { loadCorpus } from '../../../indexer/load/load-corpus.js';
import { datasetsDir, rejectsWith } from './load-helpers.js';

// Lines in each corpus.jsonl (one document a line).
const LINES: Record<string, number> = { scifact: 5183, cranfield: 1400, cisi: 1460, npl: 11426 };

describe.skipIf(!existsSync(datasetsDir))('real BEIR datasets', () => {
  for (const name of ['scifact', 'cisi', 'npl']) {
    it(`loads ${name}: ${LINES[name]} documents, no issues, ids unique, in file order`, async () => {
      const started = performance.now();
      const result = await loadCorpus(path.join(datasetsDir, name));
      const ms = performance.now() - started;
      expect(result.format).toBe('beir');
      expect(result.issues).toEqual([]);
      expect(result.documents).toHaveLength(LINES[name]!);
      expect(new Set(result.documents.map((d) => d.id)).size).toBe(LINES[name]);
      expect(result.documents.map((d) => d.source.line)).toEqual(result.documents.map((_, i) => i + 1));
      expect(result.documents.every((d) => d.text.length + d.title.length > 0)).toBe(true);
      expect(ms).toBeLessThan(10_000);
    });
  }

  it('cranfield: 1400 lines of which 2 have no title and no text, so the default fails and skipBad lists them', async () => {
    const dir = path.join(datasetsDir, 'cranfield');
    const error = await rejectsWith(loadCorpus(dir), 'INPUT_BAD_DOCUMENTS');
    expect(error.details?.['counts']).toEqual({ empty: 2 });
    const result = await loadCorpus(dir, { skipBad: true });
    expect(result.documents).toHaveLength(LINES['cranfield']! - 2);
    expect(result.issues.map((i) => [i.kind, i.line, i.id])).toEqual([
      ['empty', 471, '471'],
      ['empty', 995, '995'],
    ]);
    expect(formatIssues(result.issues)).toContain('corpus.jsonl:471');
  });

  it('scifact: the text and title of a known document survive intact', async () => {
    const result = await loadCorpus(path.join(datasetsDir, 'scifact', 'corpus.jsonl'));
    const doc = result.documents[0]!;
    expect(doc.id).toBe('4983');
    expect(doc.title.startsWith('Microstructural development of human newborn cerebral white matter')).toBe(true);
    expect(doc.source).toEqual({ path: 'corpus.jsonl', line: 1 });
    // The empty "metadata": {} of every SciFact line leaves no metadata behind.
    expect(result.documents.filter((d) => d.metadata !== undefined)).toHaveLength(0);
  });
});
