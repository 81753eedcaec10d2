import { describe, expect, it } from 'vitest';
import { termFrequencies, tokenize } from '../../src/core/text/tokenize.js';
import { ENGLISH_STOP_WORDS, isStopword } from '../../src/core/text/stopwords.js';

describe('tokenize', () => {
  it('lower-cases, drops Lucene stop words and stems by default', () => {
    expect(tokenize('The Cats were RUNNING into the gardens')).toEqual(['cat', 'were', 'run', 'garden']);
  });

  it('can keep stop words and skip stemming', () => {
    expect(tokenize('The Cats were running', { stem: false, stopwords: false })).toEqual([
      'the', 'cats', 'were', 'running',
    ]);
    expect(tokenize('The Cats', { stem: true, stopwords: false })).toEqual(['the', 'cat']);
    expect(tokenize('The Cats', { stem: false, stopwords: true })).toEqual(['cats']);
  });

  it('removes English possessives before lower-casing', () => {
    expect(tokenize("John's dog and JOHN'S cat and Mary’s", { stem: false })).toEqual([
      'john', 'dog', 'john', 'cat', 'mary',
    ]);
  });

  it('keeps numbers, abbreviations and contractions whole like UAX#29', () => {
    expect(tokenize('IL-6 rose 3.5% in 1,000 cases, e.g. U.S.A. patients; don\'t', { stem: false })).toEqual([
      'il', '6', 'rose', '3.5', '1,000', 'cases', 'e.g', 'u.s.a', 'patients', "don't",
    ]);
  });

  it('splits on punctuation that does not sit between two letters or two digits', () => {
    expect(tokenize('alpha.  beta,gamma 12,a x:y a.1', { stem: false, stopwords: false })).toEqual([
      'alpha', 'beta', 'gamma', '12', 'a', 'x:y', 'a', '1',
    ]);
  });

  it('keeps letters and digits together and handles Unicode letters and marks', () => {
    expect(tokenize('p53 CD4+ T-cells café naïve Straße', { stem: false })).toEqual([
      'p53', 'cd4', 't', 'cells', 'café', 'naïve', 'straße',
    ]);
    // Combining acute accent stays inside the word.
    expect(tokenize('cafe\u0301 ok', { stem: false })).toEqual(['cafe\u0301', 'ok']);
  });

  it('emits Han characters one per token and keeps astral letters (no lower case exists) whole', () => {
    expect(tokenize('中文abc 𝐀𝐁', { stem: false })).toEqual(['中', '文', 'abc', '𝐀𝐁']);
  });

  it('returns nothing for empty, punctuation-only or stop-word-only text', () => {
    expect(tokenize('')).toEqual([]);
    expect(tokenize(' ... --- !!! ___ ')).toEqual([]);
    expect(tokenize('the and of to a')).toEqual([]);
  });

  it('splits runs longer than 255 characters', () => {
    const long = 'x'.repeat(600);
    const toks = tokenize(long, { stem: false });
    expect(toks.map((t) => t.length)).toEqual([255, 255, 90]);
  });

  it('gives the same answer on repeated calls (cache is transparent)', () => {
    const text = 'Generalizations of oscillators were studied';
    expect(tokenize(text)).toEqual(tokenize(text));
    expect(tokenize(text)).toEqual(['gener', 'oscil', 'were', 'studi']);
  });

  it('rejects non-strings with a TypeError', () => {
    expect(() => tokenize(undefined as unknown as string)).toThrow(TypeError);
  });
});

describe('stop words', () => {
  it('is exactly Lucene\'s 33-word English set', () => {
    expect(ENGLISH_STOP_WORDS.length).toBe(33);
    expect(isStopword('the')).toBe(true);
    expect(isStopword('which')).toBe(false);
  });
});

describe('termFrequencies', () => {
  it('counts terms in first-occurrence order', () => {
    const tf = termFrequencies(['b', 'a', 'b', 'c', 'b']);
    expect([...tf.entries()]).toEqual([['b', 3], ['a', 1], ['c', 1]]);
  });
});
