/**
 * Text analysis shared by BM25, the lexical judge and the local embedder, modelled on
 * Lucene's EnglishAnalyzer: UAX#29-style word splitting (letters and digits, with
 * "don't", "e.g", "3.5" and "1,000" kept whole; Han and Hiragana one character a token),
 * English possessive removal, lower-casing, Lucene's 33-word stop list, Porter stemming.
 * Why Lucene's chain: it is what published BM25 baselines (BEIR, Pyserini) use, so our
 * figures can be checked against theirs.
 * Invariant: a pure function of (text, options); results are cached per raw word, so
 * repeated words cost one Map lookup.
 */
import { isStopword } from './stopwords.js';
import { porterStem } from './porter-stemmer.js';

export interface TokenizeOptions {
  /** Apply the Porter stemmer. Default true. */
  stem?: boolean;
  /** Drop Lucene's English stop words. Default true. */
  stopwords?: boolean;
}

// Word-break classes (a subset of UAX#29's, enough for StandardTokenizer-like splitting).
const OTHER = 0;
const LETTER = 1;
const DIGIT = 2;
const IDEO = 3; // Han, Hiragana: one token per character.
const MID_LETTER = 4; // joins letter-letter
const MID_NUM = 5; // joins digit-digit
const MID_NUM_LET = 6; // joins letter-letter and digit-digit
const EXTEND = 7; // combining marks and format characters: belong to the preceding character
const EXTEND_NUM_LET = 8; // underscore and friends: join anything word-like

/** Lucene's StandardTokenizer default maximum token length; longer runs are split. */
const MAX_TOKEN_LENGTH = 255;

const ASCII = new Uint8Array(128);
for (let c = 48; c <= 57; c++) ASCII[c] = DIGIT;
for (let c = 65; c <= 90; c++) ASCII[c] = LETTER;
for (let c = 97; c <= 122; c++) ASCII[c] = LETTER;
ASCII[95] = EXTEND_NUM_LET; // _
ASCII[39] = MID_NUM_LET; // '
ASCII[46] = MID_NUM_LET; // .
ASCII[58] = MID_LETTER; // :
ASCII[44] = MID_NUM; // ,
ASCII[59] = MID_NUM; // ;

const MID_LETTER_SET = new Set([0x00b7, 0x0387, 0x05f4, 0x2027, 0xfe13, 0xfe55, 0xff1a]);
const MID_NUM_SET = new Set([
  0x037e, 0x0589, 0x060c, 0x060d, 0x066c, 0x07f8, 0x2044, 0xfe10, 0xfe14, 0xfe50, 0xfe54, 0xff0c, 0xff1b,
]);
const MID_NUM_LET_SET = new Set([0x2018, 0x2019, 0x2024, 0xfe52, 0xff07, 0xff0e]);
const RE_IDEO = /[\p{Script=Han}\p{Script=Hiragana}]/u;
const RE_LETTER = /\p{L}/u;
const RE_DIGIT = /\p{Nd}/u;
const RE_EXTEND = /[\p{M}\p{Cf}]/u;
const RE_CONNECTOR = /\p{Pc}/u;

/** Classes of non-ASCII code points, memoised (texts reuse few of them). */
const wideClass = new Map<number, number>();

function classifyWide(cp: number): number {
  let c = wideClass.get(cp);
  if (c !== undefined) return c;
  const ch = String.fromCodePoint(cp);
  if (MID_LETTER_SET.has(cp)) c = MID_LETTER;
  else if (MID_NUM_SET.has(cp)) c = MID_NUM;
  else if (MID_NUM_LET_SET.has(cp)) c = MID_NUM_LET;
  else if (RE_IDEO.test(ch)) c = IDEO;
  else if (RE_LETTER.test(ch)) c = LETTER;
  else if (RE_DIGIT.test(ch)) c = DIGIT;
  else if (RE_EXTEND.test(ch)) c = EXTEND;
  else if (RE_CONNECTOR.test(ch)) c = EXTEND_NUM_LET;
  else c = OTHER;
  if (wideClass.size < 65536) wideClass.set(cp, c);
  return c;
}

// Scanner state written by classAt, to avoid allocating a pair per character.
let width = 1;

function classAt(text: string, i: number): number {
  const u = text.charCodeAt(i);
  if (u < 128) {
    width = 1;
    return ASCII[u]!;
  }
  if (u >= 0xd800 && u <= 0xdbff && i + 1 < text.length) {
    const cp = text.codePointAt(i)!;
    width = cp > 0xffff ? 2 : 1;
    return classifyWide(cp);
  }
  width = 1;
  return classifyWide(u);
}

/**
 * Splits `text` into raw words (original case), calling `emit` with each word's
 * [start, end) code-unit range. Mid-word punctuation joins only between two letters
 * (apostrophe, period, colon) or two digits (period, comma, semicolon, apostrophe).
 */
function scanWords(text: string, emit: (start: number, end: number) => void): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = classAt(text, i);
    if (c === IDEO) {
      emit(i, i + width);
      i += width;
      continue;
    }
    if (c !== LETTER && c !== DIGIT && c !== EXTEND_NUM_LET) {
      i += width;
      continue;
    }
    const start = i;
    let last = c;
    let alnum = c !== EXTEND_NUM_LET;
    i += width;
    while (i < n) {
      const c2 = classAt(text, i);
      if (c2 === LETTER || c2 === DIGIT || c2 === EXTEND_NUM_LET) {
        last = c2;
        if (c2 !== EXTEND_NUM_LET) alnum = true;
        i += width;
        continue;
      }
      if (c2 === EXTEND) {
        i += width;
        continue;
      }
      if (c2 === MID_LETTER || c2 === MID_NUM || c2 === MID_NUM_LET) {
        const w2 = width;
        if (i + w2 >= n) break;
        const c3 = classAt(text, i + w2);
        const joinsLetters = c2 !== MID_NUM && last === LETTER && c3 === LETTER;
        const joinsDigits = c2 !== MID_LETTER && last === DIGIT && c3 === DIGIT;
        if (joinsLetters || joinsDigits) {
          i += w2 + width;
          continue;
        }
      }
      break;
    }
    if (!alnum) continue;
    for (let s = start; s < i; s += MAX_TOKEN_LENGTH) emit(s, Math.min(i, s + MAX_TOKEN_LENGTH));
  }
}

/** Possessive removal as Lucene's EnglishPossessiveFilter: a trailing 's / ’s / ＇s goes. */
function stripPossessive(word: string): string {
  const len = word.length;
  if (len >= 2) {
    const last = word.charCodeAt(len - 1);
    const apos = word.charCodeAt(len - 2);
    if ((last === 115 || last === 83) && (apos === 39 || apos === 0x2019 || apos === 0xff07)) {
      return word.slice(0, len - 2);
    }
  }
  return word;
}

const CACHE_LIMIT = 1 << 19;
/** Raw word -> analysed term ('' when dropped), one cache per option combination. */
const caches: Map<string, string>[] = [new Map(), new Map(), new Map(), new Map()];

function analyze(raw: string, stem: boolean, stop: boolean, cache: Map<string, string>): string {
  let term = cache.get(raw);
  if (term !== undefined) return term;
  term = stripPossessive(raw).toLowerCase();
  if (stop && isStopword(term)) term = '';
  else if (stem) term = porterStem(term);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(raw, term);
  return term;
}

/**
 * Analyses `text` into index terms, Lucene EnglishAnalyzer style.
 * Defaults: `stem` true (Porter), `stopwords` true (Lucene's English list).
 */
export function tokenize(text: string, options: TokenizeOptions = {}): string[] {
  if (typeof text !== 'string') {
    throw new TypeError(`tokenize expects a string, got ${text === null ? 'null' : typeof text}`);
  }
  const stem = options.stem ?? true;
  const stop = options.stopwords ?? true;
  const cache = caches[(stem ? 2 : 0) + (stop ? 1 : 0)]!;
  const out: string[] = [];
  scanWords(text, (s, e) => {
    const term = analyze(text.slice(s, e), stem, stop, cache);
    if (term.length > 0) out.push(term);
  });
  return out;
}

/** Counts of each term in `tokens`, in first-occurrence order. */
export function termFrequencies(tokens: readonly string[]): Map<string, number> {
  const tf = new Map<string, number>();
  for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
  return tf;
}
