/**
 * Splits a file into lines from a byte stream, with a cap on how much of one line is held.
 * Why not `readline`: it buffers a whole line however long, so one 50 MB line costs 50 MB+
 * (twice, as a string); here a line past `maxLineBytes` stops being buffered and comes out
 * as oversized with its length and the first bytes (to find its id).
 * Invariants: line numbers are 1-based and count every `\n`; a UTF-8 BOM is dropped; `\r`
 * before `\n` is dropped; a last line without `\n` is still yielded; invalid UTF-8 is decoded
 * with U+FFFD and flagged. Used by load-jsonl.ts.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';

export interface RawLine {
  /** 1-based line number. */
  line: number;
  /** Decoded line without its terminator; undefined when the line exceeded `maxLineBytes`. */
  text: string | undefined;
  /** Length of the line in bytes, terminator excluded. */
  bytes: number;
  /** True when the bytes were not valid UTF-8 (the text carries U+FFFD replacements). */
  invalidUtf8: boolean;
  /** For an oversized line only: its first `headBytes` bytes, decoded. */
  head?: string;
}

export interface ReadLinesOptions {
  /** Longest line held in memory, in bytes. */
  maxLineBytes: number;
  /** Bytes of an oversized line kept for `head`; default 4096. */
  headBytes?: number;
  /** Read size in bytes; default 64 KiB. */
  chunkBytes?: number;
  /** Called after each read with the bytes read so far. */
  onBytes?: (bytesRead: number) => void;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

/** Yields the lines of the file at `path`; see the module comment for the guarantees. */
export async function* readLines(path: string, options: ReadLinesOptions): AsyncGenerator<RawLine> {
  const { maxLineBytes, headBytes = 4096, chunkBytes = 1 << 16, onBytes } = options;
  let parts: Buffer[] = [];
  let bytes = 0;
  let oversized = false;
  let head: string | undefined;
  let lineNo = 1;
  let bytesRead = 0;

  const append = (chunk: Buffer, start: number, end: number): void => {
    const n = end - start;
    if (n === 0) return;
    if (!oversized && bytes + n > maxLineBytes) {
      oversized = true;
      const keep = Math.min(headBytes, bytes + n);
      head = Buffer.concat([...parts, chunk.subarray(start, end)], keep).toString('utf8');
      parts = [];
    }
    if (!oversized) parts.push(chunk.subarray(start, end));
    bytes += n;
  };

  const finish = (): RawLine => {
    let out: RawLine;
    if (oversized) {
      const shown = lineNo === 1 ? (head ?? '').replace(/^\uFEFF/, '') : head ?? '';
      out = { line: lineNo, text: undefined, bytes, invalidUtf8: false, head: shown };
    } else {
      let buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      // The BOM is checked on the assembled first line, so a tiny first read cannot hide it.
      if (lineNo === 1 && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
      let len = buf.length;
      if (len > 0 && buf[len - 1] === CR) len -= 1;
      buf = buf.subarray(0, len);
      const valid = isUtf8(buf);
      out = { line: lineNo, text: buf.toString('utf8'), bytes: len, invalidUtf8: !valid };
    }
    parts = [];
    bytes = 0;
    oversized = false;
    head = undefined;
    lineNo += 1;
    return out;
  };

  const stream = createReadStream(path, { highWaterMark: chunkBytes });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytesRead += chunk.length;
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, pos);
      const end = nl === -1 ? chunk.length : nl;
      append(chunk, pos, end);
      if (nl === -1) break;
      yield finish();
      pos = nl + 1;
    }
    onBytes?.(bytesRead);
  }
  if (bytes > 0) yield finish();
}

/**
 * Names the encoding problem a file's first bytes reveal, or undefined for plausible UTF-8:
 * a UTF-16 byte-order mark, gzip magic, or NUL bytes (binary data or BOM-less UTF-16).
 */
export function sniffEncodingProblem(head: Buffer): string | undefined {
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) {
    return 'the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8';
  }
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    return 'the file is gzip-compressed; decompress it first';
  }
  if (head.includes(0)) {
    return 'the file holds NUL bytes (binary data, or UTF-16 without a byte-order mark); save it as UTF-8 text';
  }
  return undefined;
}
