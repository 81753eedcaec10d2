/**
 * Readers of the store's JSON-valued columns (meta values, a cluster's keywords and their
 * document counts). Why lenient: a value some other version wrote, or a damaged one, must read
 * as "none" rather than throw in the middle of a search; check-index reports such damage.
 */

/** A meta value as stored: JSON when it parses, the raw text otherwise. */
export function parseMetaValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Parses a stored JSON array whose items all pass `isItem`; anything else counts as none. */
function parseJsonArray<T>(value: string | null, isItem: (item: unknown) => item is T): T[] {
  if (value === null || value === '') return [];
  const parsed = parseMetaValue(value);
  return Array.isArray(parsed) && parsed.every(isItem) ? parsed : [];
}

/** Parses a stored keyword_docs value; anything but a JSON array of non-negative numbers counts as none. */
export function parseCounts(value: string | null): number[] {
  return parseJsonArray(value, (k): k is number => typeof k === 'number' && k >= 0);
}

/** Parses a stored keywords value; anything but a JSON array of strings counts as none. */
export function parseKeywords(value: string | null): string[] {
  return parseJsonArray(value, (k): k is string => typeof k === 'string');
}

/** Copies a stored BLOB into an aligned Float32Array. */
export function bufferToFloat32(buffer: Buffer): Float32Array {
  const copy = new Float32Array(buffer.byteLength / 4);
  new Uint8Array(copy.buffer).set(buffer);
  return copy;
}
