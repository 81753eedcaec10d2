import { describe, expect, it } from 'vitest';
import { LocalEmbedder } from '../../src/core/providers/local-embedder.js';
import { isLatticeError, type LatticeErrorCode } from '../../src/core/errors.js';
import { createRng } from '../../src/core/math/random.js';
import { cosine, dot, norm } from '../../src/core/math/vector.js';
import { gram, symmetricEigen } from '../../src/core/math/linalg.js';
import { tokenize } from '../../src/core/text/tokenize.js';

const TOPICS = {
  astronomy: ['star', 'galaxy', 'telescope', 'orbit', 'planet', 'comet', 'nebula', 'asteroid'],
  cooking: ['recipe', 'oven', 'flour', 'butter', 'sugar', 'bake', 'dough', 'pastry'],
  finance: ['stock', 'bond', 'market', 'dividend', 'investor', 'portfolio', 'equity', 'broker'],
} as const;
const GENERIC = ['good', 'new', 'people', 'time', 'year', 'work'];

/** 15 documents per topic: 7 topic words (seeded) and 2 generic words each. */
function topicCorpus(seed = 'topics'): { texts: string[]; topic: string[] } {
  const rng = createRng(seed);
  const texts: string[] = [];
  const topic: string[] = [];
  for (const [name, words] of Object.entries(TOPICS)) {
    for (let d = 0; d < 15; d++) {
      const picked: string[] = [];
      for (let i = 0; i < 7; i++) picked.push(words[Math.floor(rng() * words.length)]!);
      for (let i = 0; i < 2; i++) picked.push(GENERIC[Math.floor(rng() * GENERIC.length)]!);
      texts.push(picked.join(' '));
      topic.push(name);
    }
  }
  return { texts, topic };
}

async function embed(e: LocalEmbedder, values: string[]): Promise<Float32Array[]> {
  return (await e.doEmbed({ values })).embeddings;
}

function expectCode(fn: () => unknown, code: LatticeErrorCode): void {
  try {
    fn();
  } catch (error) {
    expect(isLatticeError(error, code), String(error)).toBe(true);
    return;
  }
  throw new Error(`expected LatticeError ${code}`);
}

describe('LocalEmbedder', () => {
  const { texts, topic } = topicCorpus();

  it('implements the Embedder spec with unit-length vectors of the fitted dimension', async () => {
    const e = LocalEmbedder.fit(texts, { dimensions: 4, seed: 3 });
    expect(e.provider).toBe('local');
    expect(e.specificationVersion).toBe('v1');
    expect(e.dimensions).toBe(4);
    expect(e.modelId).toBe('lsa-4');
    const out = await embed(e, ['galaxy orbit', 'butter', '']);
    expect(out).toHaveLength(3);
    for (const v of out) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(4);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
  });

  it('puts a query nearer to its topic, including documents without the query word', async () => {
    const e = LocalEmbedder.fit(texts, { dimensions: 4, seed: 1 });
    const docs = await embed(e, texts);
    const [q] = await embed(e, ['comet']);
    const sims = docs.map((d) => cosine(q!, d));
    const astroWithoutComet = sims.filter((_, i) => topic[i] === 'astronomy' && !texts[i]!.includes('comet'));
    const others = sims.filter((_, i) => topic[i] !== 'astronomy');
    expect(astroWithoutComet.length).toBeGreaterThan(0);
    expect(Math.min(...astroWithoutComet)).toBeGreaterThan(Math.max(...others));
    // And the five nearest documents to a cooking query are cooking documents.
    const [c] = await embed(e, ['flour and butter pastry']);
    const ranked = docs.map((d, i) => ({ i, s: dot(c!, d) })).sort((a, b) => b.s - a.s);
    expect(ranked.slice(0, 5).every((r) => topic[r.i] === 'cooking')).toBe(true);
  });

  it('is deterministic for a seed', () => {
    const a = LocalEmbedder.fit(texts, { dimensions: 6, seed: 42 }).serialize();
    const b = LocalEmbedder.fit(texts, { dimensions: 6, seed: 42 }).serialize();
    expect(a.equals(b)).toBe(true);
  });

  it('round-trips through serialize/deserialize bit-exactly', async () => {
    const e = LocalEmbedder.fit(texts, { dimensions: 5, seed: 9 });
    const buf = e.serialize();
    const copy = LocalEmbedder.deserialize(buf);
    expect(copy.dimensions).toBe(5);
    expect(copy.modelId).toBe(e.modelId);
    expect(copy.serialize().equals(buf)).toBe(true);
    const probe = ['telescope nebula', 'dividend investor market', 'nothing known here', ''];
    const [x, y] = [await embed(e, probe), await embed(copy, probe)];
    for (let i = 0; i < probe.length; i++) expect(Array.from(y[i]!)).toEqual(Array.from(x[i]!));
    // A copy at an unaligned offset, as a database driver may hand back.
    const shifted = new Uint8Array(buf.length + 3);
    shifted.set(buf, 3);
    expect(LocalEmbedder.deserialize(shifted.subarray(3)).serialize().equals(buf)).toBe(true);
  });

  it('fitEmbed returns exactly what doEmbed gives for the fitted texts', async () => {
    const { embedder, embeddings } = LocalEmbedder.fitEmbed(texts, { dimensions: 4, seed: 5 });
    const again = await embed(embedder, texts);
    for (let i = 0; i < texts.length; i++) expect(Array.from(embeddings[i]!)).toEqual(Array.from(again[i]!));
  });

  it('recovers the exact singular values when the corpus rank is below the sketch size', () => {
    const e = LocalEmbedder.fit(texts, { dimensions: 40, seed: 2 });
    // Rebuild the TF-IDF matrix the way the embedder documents it and compare σ with eig(AᵀA).
    const N = texts.length;
    const terms = [...new Set(texts.flatMap((t) => tokenize(t)))].sort();
    const V = terms.length;
    const a = new Float64Array(N * V);
    texts.forEach((t, d) => {
      const tf = new Map<string, number>();
      for (const tok of tokenize(t)) tf.set(tok, (tf.get(tok) ?? 0) + 1);
      let ss = 0;
      for (const [term, f] of tf) {
        const df = texts.filter((x) => tokenize(x).includes(term)).length;
        const w = (1 + Math.log(f)) * Math.fround(Math.log((1 + N) / (1 + df)) + 1);
        a[d * V + terms.indexOf(term)] = w;
        ss += w * w;
      }
      for (let j = 0; j < V; j++) a[d * V + j] = a[d * V + j]! / Math.sqrt(ss);
    });
    const exact = symmetricEigen(gram(a, N, V), V).values;
    const sigma = e.singularValues();
    expect(sigma.length).toBe(e.dimensions);
    expect(e.dimensions).toBeLessThanOrEqual(V);
    for (let j = 0; j < sigma.length; j++) expect(sigma[j]).toBeCloseTo(Math.sqrt(Math.max(exact[j]!, 0)), 4);
  });

  it('gives texts without known words a fixed, finite fallback vector', async () => {
    const e = LocalEmbedder.fit(texts, { dimensions: 4 });
    const [a, b, c] = await embed(e, ['', 'zzz qqq', 'the of and']);
    expect(Array.from(a!)).toEqual(Array.from(b!));
    expect(Array.from(a!)).toEqual(Array.from(c!));
    expect(a!.every((x) => Number.isFinite(x))).toBe(true);
    expect(norm(a!)).toBeCloseTo(1, 5);
  });

  it('reduces dimensions for tiny corpora and still works for a single document', async () => {
    const small = LocalEmbedder.fit(['alpha beta', 'beta gamma', 'gamma delta'], { dimensions: 256 });
    expect(small.dimensions).toBeLessThanOrEqual(3);
    const one = LocalEmbedder.fit(['only one document here']);
    expect(one.dimensions).toBe(1);
    const [v, w] = await embed(one, ['document', 'unrelated']);
    expect(Math.abs(v![0]!)).toBeCloseTo(1, 6);
    expect(Number.isFinite(w![0]!)).toBe(true);
  });

  it('rejects empty and word-less corpora with INPUT_EMPTY', () => {
    expectCode(() => LocalEmbedder.fit([]), 'INPUT_EMPTY');
    expectCode(() => LocalEmbedder.fit(['the and of', '...', '']), 'INPUT_EMPTY');
    expectCode(() => LocalEmbedder.fit(['alpha', 'beta'], { minDf: 2 }), 'INPUT_EMPTY');
  });

  it('rejects bad options, bad texts and damaged data with clear codes', async () => {
    expectCode(() => LocalEmbedder.fit(texts, { dimensions: 0 }), 'CONFIG_INVALID');
    expectCode(() => LocalEmbedder.fit(texts, { dimensions: 2.5 }), 'CONFIG_INVALID');
    expectCode(() => LocalEmbedder.fit(texts, { sigmaPower: -1 }), 'CONFIG_INVALID');
    expectCode(() => LocalEmbedder.fit(['ok', 3 as unknown as string]), 'INPUT_BAD_DOCUMENTS');
    expectCode(() => LocalEmbedder.deserialize(Buffer.from('garbage')), 'INDEX_CORRUPT');
    const buf = LocalEmbedder.fit(texts, { dimensions: 3 }).serialize();
    expectCode(() => LocalEmbedder.deserialize(buf.subarray(0, buf.length - 8)), 'INDEX_CORRUPT');
    const e = LocalEmbedder.fit(texts, { dimensions: 3 });
    await expect(e.doEmbed({ values: [null as unknown as string] })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    const controller = new AbortController();
    controller.abort();
    await expect(e.doEmbed({ values: ['x'], abortSignal: controller.signal })).rejects.toThrow();
  });

  it('reports progress up to completion', () => {
    const seen: [number, number][] = [];
    LocalEmbedder.fit(texts, { dimensions: 3, onProgress: (done, total) => seen.push([done, total]) });
    expect(seen.length).toBeGreaterThan(2);
    const [lastDone, lastTotal] = seen[seen.length - 1]!;
    expect(lastDone).toBe(lastTotal);
    for (let i = 1; i < seen.length; i++) expect(seen[i]![0]).toBeGreaterThanOrEqual(seen[i - 1]![0]);
  });

  it('gives the same singular values and neighbours with the exact and the randomized SVD', async () => {
    // With more dimensions than the corpus rank, the randomized sketch spans the whole row space and is exact too.
    const exact = LocalEmbedder.fit(texts, { dimensions: 40, svd: 'exact' });
    const randomized = LocalEmbedder.fit(texts, { dimensions: 40, svd: 'randomized', seed: 5 });
    const a = exact.singularValues();
    const b = randomized.singularValues();
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) expect(a[i]!).toBeCloseTo(b[i]!, 3);
    // Embeddings agree up to the sign of each direction, so cosine similarities agree.
    const [x1, y1] = (await exact.doEmbed({ values: [texts[0]!, texts[1]!] })).embeddings;
    const [x2, y2] = (await randomized.doEmbed({ values: [texts[0]!, texts[1]!] })).embeddings;
    const cos = (u: Float32Array, v: Float32Array) => u.reduce((sum, ui, i) => sum + ui * v[i]!, 0);
    expect(cos(x1!, y1!)).toBeCloseTo(cos(x2!, y2!), 3);
  });
});
