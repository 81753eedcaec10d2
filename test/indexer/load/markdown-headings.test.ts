import { describe, expect, it } from 'vitest';
import { markdownHeadings } from '../../../indexer/load/markdown-headings.js';

describe('markdownHeadings', () => {
  it('finds ATX headings with their offsets and levels', () => {
    const text = '# One\nbody\n\n  ### Three ###\n####### seven is not\n#nospace\n## Two\r\nend';
    expect(markdownHeadings(text)).toEqual([
      { start: 0, level: 1, text: 'One' },
      { start: 12, level: 3, text: 'Three' },
      { start: text.indexOf('## Two'), level: 2, text: 'Two' },
    ]);
  });

  it('skips headings inside ``` and ~~~ fences, and fences closed only by a matching fence', () => {
    const text = '```py\n# comment\n~~~\n# still code\n```\n# Real\n~~~~\n# code\n~~~~\n## After';
    expect(markdownHeadings(text).map((h) => h.text)).toEqual(['Real', 'After']);
  });

  it('accepts an empty heading and returns nothing for plain text', () => {
    expect(markdownHeadings('#\ntext')).toEqual([{ start: 0, level: 1, text: '' }]);
    expect(markdownHeadings('no headings here\nat all')).toEqual([]);
    expect(markdownHeadings('')).toEqual([]);
  });
});
