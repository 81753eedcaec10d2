import { describe, expect, it } from 'vitest';
import { EmbeddingJudge } from '../../src/core/providers/embedding-judge.js';
import type { Embedder, EmbedRequest, JudgeCandidate } from '../../src/core/types.js';

/** A bag-of-letters embedder: 26 dimensions, one per letter a-z; it counts calls and texts. */
class LetterEmbedder implements Embedder {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'test';
  readonly modelId = 'letters';
  readonly dimensions = 26;
  readonly maxBatchSize = 2;
  calls = 0;
  texts: string[] = [];
  async doEmbed({ values }: EmbedRequest) {
    this.calls++;
    this.texts.push(...values);
    return {
      embeddings: values.map((text) => {
        const v = new Float32Array(26);
        for (const ch of text.toLowerCase()) {
          const i = ch.charCodeAt(0) - 97;
          if (i >= 0 && i < 26) v[i]! += 1;
        }
        return v;
      }),
    };
  }
}

const leaf = (nodeId: number, text: string): JudgeCandidate => ({ nodeId, kind: 'leaf', title: '', text });

describe('EmbeddingJudge', () => {
  it('scores 100 * cosine, clipped at 0, and ranks the nearer text first', async () => {
    const embedder = new LetterEmbedder();
    const judge = new EmbeddingJudge({ embedder });
    const { scores } = await judge.doJudge({ query: 'aaa', candidates: [leaf(1, 'a'), leaf(2, 'ab'), leaf(3, 'zzz')] });
    expect(scores[0]).toBeCloseTo(100, 5);
    expect(scores[1]).toBeCloseTo(100 / Math.SQRT2, 4);
    expect(scores[2]).toBe(0);
  });

  it('uses stored vectors when it has them and embeds only the query, once per query', async () => {
    const embedder = new LetterEmbedder();
    const stored = new Map([[7, Float32Array.from({ length: 26 }, (_, i) => (i === 1 ? 1 : 0))]]);
    const judge = new EmbeddingJudge({ embedder, vectorOf: (id) => stored.get(id) });
    const first = await judge.doJudge({ query: 'b', candidates: [leaf(7, 'ignored text')] });
    expect(first.scores[0]).toBeCloseTo(100, 5);
    await judge.doJudge({ query: 'b', candidates: [leaf(7, 'ignored text')] });
    expect(embedder.texts).toEqual(['b']);
  });

  it('batches to the embedder limit and caches candidate texts across slates', async () => {
    const embedder = new LetterEmbedder();
    const judge = new EmbeddingJudge({ embedder });
    const candidates = [leaf(1, 'abc'), leaf(2, 'def'), leaf(3, 'ghi')];
    await judge.doJudge({ query: 'q', candidates });
    expect(embedder.calls).toBe(2); // 4 texts, batches of 2
    await judge.doJudge({ query: 'q', candidates: [candidates[1]!, leaf(4, 'xyz')] });
    expect(embedder.texts).toEqual(['q', 'abc', 'def', 'ghi', 'xyz']);
  });

  it('refuses a stored vector of another length with a coded error', async () => {
    const judge = new EmbeddingJudge({ embedder: new LetterEmbedder(), vectorOf: () => new Float32Array(3) });
    await expect(judge.doJudge({ query: 'a', candidates: [leaf(1, 'a')] })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
