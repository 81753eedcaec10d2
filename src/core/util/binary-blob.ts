/**
 * The binary layout of the index's stored models (BM25 postings, the fitted LSA embedder):
 * an ASCII magic tag, a uint32 header length, a JSON header, padding to 4 bytes, then
 * 32-bit typed arrays, little-endian. One reader and one writer, so every stored model is
 * checked the same way: a damaged blob is an INDEX_CORRUPT error naming what is damaged,
 * and a format this code does not know is INDEX_TOO_NEW / INDEX_TOO_OLD.
 */
import { endianness } from 'node:os';
import { LatticeError } from '../errors.js';

const LITTLE_ENDIAN = endianness() === 'LE';

type Array32 = Uint32Array | Float32Array;

/** Packs a header (must hold a numeric `version`) and 32-bit arrays into one buffer. */
export function packBlob(magic: string, header: { version: number } & Record<string, unknown>, arrays: readonly Array32[]): Buffer {
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const headLen = magic.length + 4 + head.length;
  const pad = (4 - (headLen % 4)) % 4;
  const out = Buffer.alloc(headLen + pad + arrays.reduce((s, a) => s + a.byteLength, 0));
  out.write(magic, 0, 'ascii');
  out.writeUInt32LE(head.length, magic.length);
  head.copy(out, magic.length + 4);
  let off = headLen + pad;
  for (const a of arrays) {
    if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);
      off += a.byteLength;
    } else {
      for (let i = 0; i < a.length; i++, off += 4) {
        if (a instanceof Float32Array) out.writeFloatLE(a[i]!, off);
        else out.writeUInt32LE(a[i]!, off);
      }
    }
  }
  return out;
}

export interface BlobReader<H> {
  header: H;
  /** Total bytes the arrays must occupy, checked before any read: pass the count of 32-bit values. */
  expectValues(count: number): void;
  uint32(length: number): Uint32Array;
  float32(length: number): Float32Array;
}

/**
 * Opens a buffer written by `packBlob`. `what` names the model in error messages
 * ("BM25 index", "local embedder").
 */
export function unpackBlob<H extends { version: number }>(buf: Buffer | Uint8Array, magic: string, version: number, what: string): BlobReader<H> {
  const data = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const corrupt = blobCorruption(what);
  if (data.length < magic.length + 4 || data.toString('ascii', 0, magic.length) !== magic) throw corrupt(`missing ${what} header`);
  const hlen = data.readUInt32LE(magic.length);
  const hstart = magic.length + 4;
  if (hstart + hlen > data.length) throw corrupt(`header length ${hlen} exceeds ${data.length} bytes`);
  let header: H;
  try {
    header = JSON.parse(data.toString('utf8', hstart, hstart + hlen)) as H;
  } catch (error) {
    throw corrupt(`header is not JSON (${(error as Error).message})`);
  }
  if (header.version !== version) {
    throw new LatticeError(
      header.version > version ? 'INDEX_TOO_NEW' : 'INDEX_TOO_OLD',
      `${what} format ${String(header.version)} is not supported (this lattice reads ${version})`,
      { hint: 'Rebuild the index with this version of lattice.' },
    );
  }
  const headLen = hstart + hlen;
  const start = headLen + ((4 - (headLen % 4)) % 4);
  let off = start;
  const take = <T extends Array32>(make: (n: number) => T, length: number, readLE: (o: number) => number): T => {
    if (off + 4 * length > data.length) throw corrupt(`data ends early (needed ${off + 4 * length} bytes, have ${data.length})`);
    const a = make(length);
    if (LITTLE_ENDIAN) new Uint8Array(a.buffer).set(data.subarray(off, off + 4 * length));
    else for (let i = 0; i < length; i++) a[i] = readLE(off + 4 * i);
    off += 4 * length;
    return a;
  };
  return {
    header,
    expectValues(count) {
      const expected = start + 4 * count;
      if (data.length !== expected) throw corrupt(`expected ${expected} bytes, got ${data.length}`);
    },
    uint32: (length) => take((n) => new Uint32Array(n), length, (o) => data.readUInt32LE(o)),
    float32: (length) => take((n) => new Float32Array(n), length, (o) => data.readFloatLE(o)),
  };
}

/** The INDEX_CORRUPT error for a damaged stored model. */
export function blobCorruption(what: string): (why: string) => LatticeError {
  return (why) =>
    new LatticeError('INDEX_CORRUPT', `${what} data is damaged: ${why}`, {
      hint: 'Rebuild the index with `lattice build ... --force`.',
    });
}
