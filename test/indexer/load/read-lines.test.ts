import { afterAll, describe, expect, it } from 'vitest';
import { readLines, sniffEncodingProblem } from '../../../indexer/load/read-lines.js';
import { put, removeTempDirs, tempDir } from './load-helpers.js';

afterAll(removeTempDirs);

async function collect(file: string, maxLineBytes: number, chunkBytes: number) {
  const out = [];
  for await (const line of readLines(file, { maxLineBytes, chunkBytes, headBytes: 8 })) out.push(line);
  return out;
}

describe('readLines', () => {
  const text = 'héllo wörld\r\n😀 emoji 😀\n\nplain\nlast line, no newline ✓';

  it('decodes multi-byte characters split across reads, whatever the read size', async () => {
    const file = put(tempDir(), 'a.txt', text);
    for (const chunkBytes of [1, 2, 3, 5, 7, 64, 1 << 16]) {
      const lines = await collect(file, 1000, chunkBytes);
      expect(lines.map((l) => l.text)).toEqual(['héllo wörld', '😀 emoji 😀', '', 'plain', 'last line, no newline ✓']);
      expect(lines.map((l) => l.line)).toEqual([1, 2, 3, 4, 5]);
      expect(lines.every((l) => !l.invalidUtf8)).toBe(true);
    }
  });

  it('drops a BOM only at the start of the file, even when it arrives one byte at a time', async () => {
    const file = put(tempDir(), 'b.txt', Buffer.from('\uFEFFfirst\n\uFEFFsecond\n'));
    for (const chunkBytes of [1, 2, 64]) {
      const lines = await collect(file, 1000, chunkBytes);
      expect(lines.map((l) => l.text)).toEqual(['first', '\uFEFFsecond']);
    }
  });

  it('stops buffering a line past the cap and reports its full length and first bytes', async () => {
    const long = 'x'.repeat(500);
    const file = put(tempDir(), 'c.txt', `short\n${long}\nafter\n`);
    const lines = await collect(file, 100, 16);
    expect(lines.map((l) => [l.line, l.text, l.bytes])).toEqual([
      [1, 'short', 5],
      [2, undefined, 500],
      [3, 'after', 5],
    ]);
    expect(lines[1]!.head).toBe('xxxxxxxx');
  });

  it('flags invalid UTF-8 and replaces it', async () => {
    const file = put(tempDir(), 'd.txt', Buffer.from([0x61, 0xc3, 0x28, 0x0a, 0x62]));
    const lines = await collect(file, 100, 2);
    expect(lines[0]).toMatchObject({ text: 'a\uFFFD(', invalidUtf8: true });
    expect(lines[1]).toMatchObject({ text: 'b', invalidUtf8: false });
  });

  it('sniffs UTF-16, gzip and NUL bytes but passes UTF-8', () => {
    expect(sniffEncodingProblem(Buffer.from([0xff, 0xfe, 0x41, 0x00]))).toContain('UTF-16');
    expect(sniffEncodingProblem(Buffer.from([0xfe, 0xff, 0x00, 0x41]))).toContain('UTF-16');
    expect(sniffEncodingProblem(Buffer.from([0x1f, 0x8b, 0x08]))).toContain('gzip');
    expect(sniffEncodingProblem(Buffer.from('a\u0000b'))).toContain('NUL');
    expect(sniffEncodingProblem(Buffer.from('{"_id": "é"}'))).toBeUndefined();
  });
});
