import { describe, expect, it } from 'vitest';
import { meanPoolNormalized, packBatch, truncateEncoding } from '../../src/core/providers/token-batch.js';

const SPECIAL = new Set([101, 102]);
const enc = (ids: number[]) => ({ input_ids: ids, attention_mask: ids.map(() => 1), token_type_ids: ids.map(() => 0) });

describe('truncateEncoding', () => {
  it('leaves a short encoding alone', () => {
    const e = enc([101, 7, 8, 102]);
    expect(truncateEncoding(e, 4, SPECIAL)).toBe(e);
  });

  it('keeps the closing special token when it cuts, as the Python tokenizers do', () => {
    expect(truncateEncoding(enc([101, 1, 2, 3, 4, 102]), 4, SPECIAL)).toEqual(enc([101, 1, 2, 102]));
  });

  it('cuts the tail when the encoding does not end with a special token', () => {
    expect(truncateEncoding(enc([101, 1, 2, 3, 4, 5]), 4, SPECIAL).input_ids).toEqual([101, 1, 2, 3]);
  });
});

describe('packBatch', () => {
  it('right-pads to the longest row, with the pad id and a zero mask', () => {
    const batch = packBatch([enc([101, 5, 102]), enc([101, 5, 6, 7, 8, 9, 102])], { maxTokens: 5, padId: 0, specialIds: SPECIAL });
    expect(batch).toMatchObject({ rows: 2, length: 5, tokens: [3, 5], truncated: 1 });
    expect(Array.from(batch.inputs['input_ids']!, Number)).toEqual([101, 5, 102, 0, 0, 101, 5, 6, 7, 102]);
    expect(Array.from(batch.mask)).toEqual([1, 1, 1, 0, 0, 1, 1, 1, 1, 1]);
    expect(Object.keys(batch.inputs).sort()).toEqual(['attention_mask', 'input_ids', 'token_type_ids']);
  });
});

describe('meanPoolNormalized', () => {
  it('averages real tokens only and returns unit vectors', () => {
    // Row 0: tokens (1,0) and (3,0), then a padded (100,100); row 1: one token (0,2).
    const hidden = [1, 0, 3, 0, 100, 100, 0, 2, 50, 50, 50, 50];
    const mask = new Uint8Array([1, 1, 0, 1, 0, 0]);
    const [a, b] = meanPoolNormalized(hidden, 2, 3, 2, mask);
    expect(Array.from(a!)).toEqual([1, 0]);
    expect(Array.from(b!)).toEqual([0, 1]);
  });

  it('gives zeros for a row with no real token', () => {
    expect(Array.from(meanPoolNormalized([1, 1], 1, 1, 2, new Uint8Array([0]))[0]!)).toEqual([0, 0]);
  });
});
