/**
 * English stop words: exactly Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET (33 words).
 * Why this short list: published BM25 baselines (BEIR, Pyserini) are computed with it,
 * and a longer list drops query words ("which", "all") that carry meaning in claims.
 * Invariant: lower-case, unstemmed; the tokenizer removes them before stemming.
 * Used by: text/tokenize.ts.
 */

/** Lucene's English stop list, in its original order. */
export const ENGLISH_STOP_WORDS: readonly string[] = Object.freeze([
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'is', 'it',
  'no', 'not', 'of', 'on', 'or', 'such', 'that', 'the', 'their', 'then', 'there', 'these',
  'they', 'this', 'to', 'was', 'will', 'with',
]);

const STOP_SET: ReadonlySet<string> = new Set(ENGLISH_STOP_WORDS);

/** True when the lower-cased `word` is on Lucene's English stop list. */
export function isStopword(word: string): boolean {
  return STOP_SET.has(word);
}
