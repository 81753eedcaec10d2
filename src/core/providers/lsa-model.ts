/**
 * The fitted state of the local LSA embedder and its stored binary form (the index's
 * `embedder` blob): magic, a JSON header with the vocabulary, then Float32 idf, projection,
 * fallback and singular values.
 * Invariant: serializeLsaModel / deserializeLsaModel round-trip bit-exactly; damaged input is
 * an INDEX_CORRUPT error, an unknown format version INDEX_TOO_NEW / INDEX_TOO_OLD.
 */
import { blobCorruption, packBlob, unpackBlob } from '../util/binary-blob.js';

/** Fitted state, as stored by `serializeLsaModel`. */
export interface LsaModel {
  vocabulary: string[];
  idf: Float32Array;
  /** vocabulary.length × dimensions, row-major. */
  projection: Float32Array;
  /** Embedding used for texts without any known term. */
  fallback: Float32Array;
  singularValues: Float32Array;
  dimensions: number;
  sigmaPower: number;
}

const MAGIC = 'LTLSA1';
const FORMAT_VERSION = 1;

export function serializeLsaModel(m: LsaModel): Buffer {
  return packBlob(
    MAGIC,
    { version: FORMAT_VERSION, dimensions: m.dimensions, sigmaPower: m.sigmaPower, vocabulary: m.vocabulary },
    [m.idf, m.projection, m.fallback, m.singularValues],
  );
}

export function deserializeLsaModel(buf: Buffer | Uint8Array): LsaModel {
  const blob = unpackBlob<{ version: number; dimensions: number; sigmaPower: number; vocabulary: string[] }>(
    buf,
    MAGIC,
    FORMAT_VERSION,
    'local embedder',
  );
  const { header } = blob;
  const corrupt = blobCorruption('local embedder');
  const k = header.dimensions;
  const v = Array.isArray(header.vocabulary) ? header.vocabulary.length : -1;
  if (!Number.isInteger(k) || k < 1 || v < 1) throw corrupt('bad dimensions or vocabulary');
  blob.expectValues(v + v * k + k + k);
  const read = (len: number): Float32Array => blob.float32(len);
  const idf = read(v);
  const projection = read(v * k);
  const fallback = read(k);
  const singularValues = read(k);
  return { vocabulary: header.vocabulary, idf, projection, fallback, singularValues, dimensions: k, sigmaPower: header.sigmaPower };
}
