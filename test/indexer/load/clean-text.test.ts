import { describe, expect, it } from 'vitest';
import { cleanText } from '../../../indexer/load/clean-text.js';
import { loadCorpus } from '../../../indexer/load/load-corpus.js';
import { fileOffset, fileRange, lineAt } from '../../../src/core/text/source-offsets.js';
import { put, tempDir } from './load-helpers.js';

/** Every character kept maps back to the same character of the file, and line numbers agree. */
function expectFaithful(raw: string, text: string, offsets: Parameters<typeof fileOffset>[0]): void {
  for (let i = 0; i < text.length; i++) expect(raw[fileOffset(offsets, i)], `offset ${i}`).toBe(text[i]);
  for (let i = 0; i <= text.length; i += 7) {
    const line = lineAt(text, i);
    expect(line).toBe(lineAt(raw, fileOffset(offsets, i)));
  }
}

const PAGE = [
  '---',
  'title: front matter',
  '---',
  '<!--',
  '  a note for maintainers',
  '-->',
  '# Worker threads',
  '',
  '<!--introduced_in=v10.5.0-->',
  '',
  '<!-- source_link=lib/worker_threads.js -->',
  'Workers <a id="share"></a>can <code>share</code> memory; see <Buffer> and <https://nodejs.org>.',
  '',
  '```html',
  '<!-- kept: code --> <div>kept</div>',
  '```',
  'Inline `<!-- kept -->` and `<b>kept</b>` code; a < b > c stays.',
  '<table><tr><td>cell</td></tr></table>',
  '',
].join('\n');

describe('cleanText', () => {
  it('drops front matter, HTML comments and HTML tags outside code, keeping every line break', () => {
    const { text, offsets } = cleanText(PAGE, true);
    expect(text).not.toContain('front matter');
    expect(text).not.toContain('introduced_in');
    expect(text).not.toContain('source_link');
    expect(text).not.toContain('maintainers');
    expect(text).toContain('Workers can share memory; see <Buffer> and <https://nodejs.org>.');
    expect(text).toContain('<!-- kept: code --> <div>kept</div>');
    expect(text).toContain('Inline `<!-- kept -->` and `<b>kept</b>` code; a < b > c stays.');
    expect(text).toContain('\ncell\n');
    expect(text.split('\n')).toHaveLength(PAGE.split('\n').length);
    expect(offsets).toBeDefined();
    expectFaithful(PAGE, text, offsets);
  });

  it('maps ranges to the file and lines to the file’s lines', () => {
    const { text, offsets } = cleanText(PAGE, true);
    const at = text.indexOf('Workers');
    const end = text.indexOf('memory') + 'memory'.length;
    const range = fileRange(offsets, at, end);
    expect(PAGE.slice(range.start, range.end)).toBe('Workers <a id="share"></a>can <code>share</code> memory');
    expect(lineAt(text, at)).toBe(12);
  });

  it('folds CRLF in any file and leaves plain text and clean Markdown as they are', () => {
    const crlf = 'one\r\ntwo <!-- x -->\r\nthree';
    const txt = cleanText(crlf, false);
    expect(txt.text).toBe('one\ntwo <!-- x -->\nthree');
    expectFaithful(crlf, txt.text, txt.offsets);
    const md = cleanText(crlf, true);
    expect(md.text).toBe('one\ntwo \nthree');
    expectFaithful(crlf, md.text, md.offsets);
    expect(cleanText('# Title\n\nplain *text*\n', true)).toEqual({ text: '# Title\n\nplain *text*\n', offsets: undefined });
    expect(cleanText('unclosed <!-- comment\nstays', true).text).toBe('unclosed <!-- comment\nstays');
  });
});

describe('loading Markdown', () => {
  it('indexes the cleaned text with its offset map and never takes a title from a comment', async () => {
    const dir = tempDir();
    put(dir, 'index.md', '<!--\n  NB: if you move this file...\n-->\n\n* [About](documentation.md)\n');
    put(dir, 'worker_threads.md', PAGE);
    const { documents } = await loadCorpus(dir);
    const index = documents.find((d) => d.id === 'index.md')!;
    expect(index.title).toBe('* [About](documentation.md)');
    expect(index.text).toBe('\n\n\n\n* [About](documentation.md)\n');
    const page = documents.find((d) => d.id === 'worker_threads.md')!;
    expect(page.title).toBe('Worker threads');
    expect(page.text).toBe(cleanText(PAGE, true).text);
    expect(page.source).toEqual({ path: 'worker_threads.md', offsets: cleanText(PAGE, true).offsets });
  });
});
