import { describe, expect, it } from 'vitest';
import { chunkDocument, resolveChunkOptions, type ChunkOptions } from '../../indexer/chunk.js';
import { markdownHeadings } from '../../indexer/load/markdown-headings.js';
import type { Chunk } from '../../src/core/types.js';

/** Small seeded PRNG (mulberry32) so generated texts are the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = 'lattice tree node judge slate beam score summary cluster leaf query corpus relevance path calibration'.split(' ');

function sentence(rand: () => number, words = 6 + Math.floor(rand() * 14)): string {
  const out: string[] = [];
  for (let i = 0; i < words; i += 1) out.push(WORDS[Math.floor(rand() * WORDS.length)]!);
  const s = out.join(' ');
  return `${s[0]!.toUpperCase()}${s.slice(1)}${rand() < 0.8 ? '.' : '?'}`;
}

/** A paragraph of about `chars` characters. */
function paragraph(rand: () => number, chars: number): string {
  const parts: string[] = [];
  let length = 0;
  while (length < chars) {
    const s = sentence(rand);
    parts.push(s);
    length += s.length + 1;
  }
  return parts.join(' ');
}

/** Bodies of the chunks: the part of each chunk that the previous one did not already hold. */
function bodies(chunks: Chunk[]): { start: number; end: number }[] {
  return chunks.map((c, k) => ({ start: k === 0 ? c.start : chunks[k - 1]!.end, end: c.end }));
}

/** Invariants every chunking must satisfy. */
function checkInvariants(text: string, chunks: Chunk[], options: ChunkOptions = {}): void {
  const { chunkSize, overlap } = resolveChunkOptions(options);
  expect(chunks.length).toBeGreaterThan(1);
  expect(chunks[0]!.start).toBe(0);
  expect(chunks[chunks.length - 1]!.end).toBe(text.length);
  chunks.forEach((chunk, k) => {
    expect(chunk.index).toBe(k);
    expect(chunk.docId).toBe('doc');
    expect(chunk.text).toBe(text.slice(chunk.start, chunk.end));
    expect(chunk.end - chunk.start).toBeLessThanOrEqual(chunkSize);
    expect(chunk.end).toBeGreaterThan(chunk.start);
    expect(splitsSurrogate(text, chunk.start) || splitsSurrogate(text, chunk.end)).toBe(false);
    if (k > 0) {
      const prev = chunks[k - 1]!;
      // Bodies tile the text: each chunk goes on exactly where the previous ended.
      expect(chunk.end).toBeGreaterThan(prev.end);
      expect(chunk.start).toBeLessThanOrEqual(prev.end);
      expect(chunk.start).toBeGreaterThanOrEqual(prev.start);
      expect(prev.end - chunk.start).toBeLessThanOrEqual(overlap);
    }
  });
}

function splitsSurrogate(text: string, at: number): boolean {
  const before = text.charCodeAt(at - 1);
  const after = text.charCodeAt(at);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('chunkDocument', () => {
  it('returns [] for a text that fits in one chunk, including the empty text', () => {
    expect(chunkDocument({ id: 'doc', text: '' })).toEqual([]);
    expect(chunkDocument({ id: 'doc', text: 'a'.repeat(2000) })).toEqual([]);
    expect(chunkDocument({ id: 'doc', text: 'a'.repeat(2001) }).length).toBeGreaterThan(1);
  });

  it('covers prose exactly, within size bounds, with overlap that starts at a word', () => {
    const rand = rng(7);
    const paragraphs: string[] = [];
    for (let i = 0; i < 30; i += 1) paragraphs.push(paragraph(rand, 100 + Math.floor(rand() * 900)));
    const text = paragraphs.join('\n\n');
    for (const options of [{}, { chunkSize: 500, overlap: 50 }, { chunkSize: 1200, overlap: 0 }, { chunkSize: 800, overlap: 300, minChunk: 100 }]) {
      const chunks = chunkDocument({ id: 'doc', text }, options);
      checkInvariants(text, chunks, options);
      const { overlap } = resolveChunkOptions(options);
      for (const chunk of chunks.slice(1)) {
        if (overlap > 0) {
          // Each overlap begins right after whitespace and is not empty.
          expect(/\s/.test(text[chunk.start - 1]!)).toBe(true);
          expect(/\s/.test(text[chunk.start]!)).toBe(false);
        }
      }
    }
  });

  it('ends chunks at paragraph breaks when paragraphs fit, and packs several small ones together', () => {
    const rand = rng(11);
    const paragraphs = Array.from({ length: 20 }, () => paragraph(rand, 300 + Math.floor(rand() * 300)));
    const text = paragraphs.join('\n\n');
    const chunks = chunkDocument({ id: 'doc', text }, { chunkSize: 2000, overlap: 200 });
    checkInvariants(text, chunks);
    for (const chunk of chunks.slice(0, -1)) expect(text.slice(0, chunk.end)).toMatch(/\n[ \t]*\n\s*$/);
    // Paragraphs of 300-600 characters fit several to a chunk.
    expect(chunks.length).toBeLessThan(paragraphs.length / 2);
  });

  it('falls back to sentence ends inside a paragraph longer than a chunk', () => {
    const text = paragraph(rng(3), 9000);
    const chunks = chunkDocument({ id: 'doc', text }, { chunkSize: 1000, overlap: 100 });
    checkInvariants(text, chunks, { chunkSize: 1000, overlap: 100 });
    for (const chunk of chunks.slice(0, -1)) expect(text.slice(0, chunk.end)).toMatch(/[.?]\s+$/);
  });

  it('starts a chunk body at every heading of sections that do not fit together', () => {
    const rand = rng(5);
    const sections = Array.from({ length: 8 }, (_, i) => `## Section ${i}\n\n${paragraph(rand, 1100)}\n\n${paragraph(rand, 300)}\n`);
    const text = `# Title\n\n${sections.join('\n')}`;
    const chunks = chunkDocument({ id: 'doc', text });
    checkInvariants(text, chunks);
    const headingStarts = markdownHeadings(text).map((h) => h.start).filter((s) => s > 0);
    const bodyStarts = new Set(bodies(chunks).map((b) => b.start));
    for (const start of headingStarts.slice(1)) expect(bodyStarts.has(start)).toBe(true);
  });

  it('never lets a chunk body run across a heading after a section longer than a chunk', () => {
    const rand = rng(9);
    const big = Array.from({ length: 6 }, () => paragraph(rand, 700)).join('\n\n');
    const text = `# Big\n\n${big}\n\n# Small A\n\n${paragraph(rand, 400)}\n\n# Small B\n\n${paragraph(rand, 400)}`;
    const options = { chunkSize: 1500, overlap: 150 };
    const chunks = chunkDocument({ id: 'doc', text }, options);
    checkInvariants(text, chunks, options);
    const smallA = text.indexOf('# Small A');
    for (const body of bodies(chunks)) expect(body.start < smallA && body.end > smallA).toBe(false);
    // The two short sections fit one chunk together and are packed into it.
    const last = chunks[chunks.length - 1]!;
    expect(last.text).toContain('# Small A');
    expect(last.text).toContain('# Small B');
  });

  it('ignores "#" lines inside code fences as split points', () => {
    const rand = rng(13);
    const code = (mark: string) => Array.from({ length: 60 }, (_, i) => (i % 5 === 0 ? `${mark} comment ${i}` : `x = ${i} * y`)).join('\n');
    const doc = (fence: string, mark: string) => `# Doc\n\n${paragraph(rng(13), 300)}\n\n${fence}\n${code(mark)}\n${fence}\n\n${paragraph(rand, 300)}`;
    const options = { chunkSize: 600, overlap: 60 };
    const offsets = (text: string) => chunkDocument({ id: 'doc', text }, options).map((c) => [c.start, c.end]);
    const fenced = doc('```', '#');
    checkInvariants(fenced, chunkDocument({ id: 'doc', text: fenced }, options), options);
    // Inside a fence, "# comment" must split exactly like a line that is no heading at all...
    expect(offsets(fenced)).toEqual(offsets(fenced.replace(/^# comment/gm, '% comment')));
    // ...whereas outside a fence the same lines are headings and move the cuts.
    const open = doc('xxx', '#');
    expect(offsets(open)).not.toEqual(offsets(open.replace(/^# comment/gm, '% comment')));
  });

  it('cuts a text with no whitespace at all into exact character windows with character overlap', () => {
    const text = 'abcdefghij'.repeat(500);
    const options = { chunkSize: 1000, overlap: 100 };
    const chunks = chunkDocument({ id: 'doc', text }, options);
    checkInvariants(text, chunks, options);
    expect(bodies(chunks).map((b) => b.end - b.start)).toEqual([900, 900, 900, 900, 900, 500]);
    for (const chunk of chunks.slice(1)) expect(chunks[chunk.index - 1]!.end - chunk.start).toBe(100);
  });

  it('never splits a surrogate pair, with odd sizes that would land mid-pair', () => {
    const long = '😀🎉𝔘'.repeat(1500);
    const cases: [string, ChunkOptions][] = [
      [long, { chunkSize: 1001, overlap: 101 }],
      [long, { chunkSize: 777, overlap: 0 }],
      // The smallest legal window: one pair of body, so every cut sits right at a pair boundary.
      [long.slice(0, 300), { chunkSize: 3, overlap: 1, minChunk: 0 }],
    ];
    for (const [text, options] of cases) {
      const chunks = chunkDocument({ id: 'doc', text }, options);
      checkInvariants(text, chunks, options);
      for (const chunk of chunks) expect(LONE_SURROGATE.test(chunk.text)).toBe(false);
    }
  });

  it('splits CJK text at full-width sentence ends', () => {
    const text = '这是一个关于检索的句子。'.repeat(400);
    const options = { chunkSize: 500, overlap: 50 };
    const chunks = chunkDocument({ id: 'doc', text }, options);
    checkInvariants(text, chunks, options);
    for (const chunk of chunks.slice(0, -1)) expect(text[chunk.end - 1]).toBe('。');
  });

  it('handles CRLF paragraphs like LF ones', () => {
    const rand = rng(21);
    const paragraphs = Array.from({ length: 12 }, () => paragraph(rand, 400));
    const text = paragraphs.join('\r\n\r\n');
    const chunks = chunkDocument({ id: 'doc', text }, { chunkSize: 1000, overlap: 100 });
    checkInvariants(text, chunks, { chunkSize: 1000, overlap: 100 });
    for (const chunk of chunks.slice(0, -1)) expect(text.slice(chunk.end - 4, chunk.end)).toBe('\r\n\r\n');
  });

  it('folds a piece shorter than minChunk into a neighbour instead of leaving a tiny chunk', () => {
    const rand = rng(17);
    // A short intro section before a section too long for one chunk: the heading split leaves the
    // intro alone, and only minChunk joins it to the first part of the long section.
    const long = Array.from({ length: 5 }, () => paragraph(rand, 500)).join('\n\n');
    const text = `# Title\n\nShort intro.\n\n## Long part\n\n${long}`;
    const options = { chunkSize: 1000, overlap: 100, minChunk: 100 };
    const chunks = chunkDocument({ id: 'doc', text }, options);
    checkInvariants(text, chunks, options);
    for (const body of bodies(chunks)) expect(body.end - body.start).toBeGreaterThanOrEqual(100);
    expect(chunks[0]!.text).toContain('## Long part');
    const without = chunkDocument({ id: 'doc', text }, { ...options, minChunk: 0 });
    expect(without[0]!.text).toBe('# Title\n\nShort intro.\n\n');
  });

  it('is deterministic and handles a 1M-character document', () => {
    const rand = rng(42);
    const parts: string[] = [];
    let length = 0;
    while (length < 1_000_000) {
      const p = rand() < 0.05 ? `\n## Heading ${length}\n` : paragraph(rand, 200 + Math.floor(rand() * 2000));
      parts.push(p);
      length += p.length + 2;
    }
    const text = parts.join('\n\n');
    const first = chunkDocument({ id: 'doc', text });
    checkInvariants(text, first);
    expect(chunkDocument({ id: 'doc', text })).toEqual(first);
  });

  it('rejects sizes that cannot work with CONFIG_INVALID', () => {
    const doc = { id: 'doc', text: 'x'.repeat(5000) };
    const bad: ChunkOptions[] = [
      { chunkSize: 0 },
      { chunkSize: -10 },
      { chunkSize: 1.5 },
      { chunkSize: Number.NaN },
      { chunkSize: 100, overlap: 100 },
      { chunkSize: 100, overlap: 150 },
      { chunkSize: 100, overlap: 99 },
      { chunkSize: 100, overlap: -1 },
      { chunkSize: 100, overlap: 10, minChunk: 91 },
      { chunkSize: 100, minChunk: -1 },
    ];
    for (const options of bad) {
      expect(() => chunkDocument(doc, options), JSON.stringify(options)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    }
    expect(resolveChunkOptions()).toEqual({ chunkSize: 2000, overlap: 200, minChunk: 200 });
    expect(resolveChunkOptions({ chunkSize: 500 })).toEqual({ chunkSize: 500, overlap: 50, minChunk: 50 });
  });
});
