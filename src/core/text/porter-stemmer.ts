/**
 * The Porter (1980) suffix-stripping stemmer, as in Martin Porter's reference C
 * implementation, which Lucene's PorterStemFilter follows: it includes the two
 * published departures from the paper ("bli" -> "ble" instead of "abli" -> "able",
 * and "logi" -> "log" in step 2). Words of one or two letters are returned unchanged.
 * Why ours: BM25 baselines we compare against stem with exactly this algorithm. The npm
 * `stemmer` package (2.0.1) is no faster and departs from the reference on "eed" and "ies",
 * which SciFact and NPL contain, so it would change the BM25 index
 * (test/text/porter-stemmer.test.ts; scripts/bench-bm25.ts counts and times both).
 * Invariant: pure function of its input; expects lower-case text (other characters count
 * as consonants, like in the reference code).
 */

/** Working buffer: b[0..k] is the word being stemmed; j marks the end of the stem for a suffix test. */
let b = new Uint16Array(64);
let k = 0;
let j = 0;

const A = 97;
const E = 101;
const I = 105;
const O = 111;
const U = 117;
const Y = 121;

function cons(i: number): boolean {
  switch (b[i]) {
    case A:
    case E:
    case I:
    case O:
    case U:
      return false;
    case Y:
      return i === 0 ? true : !cons(i - 1);
    default:
      return true;
  }
}

/** Number of consonant-vowel sequences ("m" in the paper) in b[0..j]. */
function m(): number {
  let n = 0;
  let i = 0;
  for (;;) {
    if (i > j) return n;
    if (!cons(i)) break;
    i++;
  }
  i++;
  for (;;) {
    for (;;) {
      if (i > j) return n;
      if (cons(i)) break;
      i++;
    }
    i++;
    n++;
    for (;;) {
      if (i > j) return n;
      if (!cons(i)) break;
      i++;
    }
    i++;
  }
}

function vowelInStem(): boolean {
  for (let i = 0; i <= j; i++) if (!cons(i)) return true;
  return false;
}

function doubleC(i: number): boolean {
  if (i < 1) return false;
  if (b[i] !== b[i - 1]) return false;
  return cons(i);
}

/** consonant-vowel-consonant ending at i, where the last consonant is not w, x or y. */
function cvc(i: number): boolean {
  if (i < 2 || !cons(i) || cons(i - 1) || !cons(i - 2)) return false;
  const ch = b[i];
  return !(ch === 119 || ch === 120 || ch === Y);
}

function ends(s: string): boolean {
  const len = s.length;
  if (len > k + 1) return false;
  const start = k - len + 1;
  for (let q = 0; q < len; q++) if (b[start + q] !== s.charCodeAt(q)) return false;
  j = k - len;
  return true;
}

function setTo(s: string): void {
  const len = s.length;
  const start = j + 1;
  for (let q = 0; q < len; q++) b[start + q] = s.charCodeAt(q);
  k = j + len;
}

function r(s: string): void {
  if (m() > 0) setTo(s);
}

/** Plurals and -ed / -ing (step 1a, 1b). */
function step1ab(): void {
  if (b[k] === 115 /* s */) {
    if (ends('sses')) k -= 2;
    else if (ends('ies')) setTo('i');
    else if (b[k - 1] !== 115) k--;
  }
  if (ends('eed')) {
    if (m() > 0) k--;
  } else if ((ends('ed') || ends('ing')) && vowelInStem()) {
    k = j;
    if (ends('at')) setTo('ate');
    else if (ends('bl')) setTo('ble');
    else if (ends('iz')) setTo('ize');
    else if (doubleC(k)) {
      const ch = b[k];
      k--;
      if (ch === 108 /* l */ || ch === 115 /* s */ || ch === 122 /* z */) k++;
    } else if (m() === 1 && cvc(k)) setTo('e'); // j === k here, so m() measures the whole stem
  }
}

/** Terminal y to i when there is another vowel in the stem (step 1c). */
function step1c(): void {
  if (ends('y') && vowelInStem()) b[k] = I;
}

/** Double suffixes to single ones (step 2). */
function step2(): void {
  if (k < 1) return;
  switch (b[k - 1]) {
    case A:
      if (ends('ational')) r('ate');
      else if (ends('tional')) r('tion');
      break;
    case 99 /* c */:
      if (ends('enci')) r('ence');
      else if (ends('anci')) r('ance');
      break;
    case E:
      if (ends('izer')) r('ize');
      break;
    case 108 /* l */:
      if (ends('bli')) r('ble');
      else if (ends('alli')) r('al');
      else if (ends('entli')) r('ent');
      else if (ends('eli')) r('e');
      else if (ends('ousli')) r('ous');
      break;
    case O:
      if (ends('ization')) r('ize');
      else if (ends('ation')) r('ate');
      else if (ends('ator')) r('ate');
      break;
    case 115 /* s */:
      if (ends('alism')) r('al');
      else if (ends('iveness')) r('ive');
      else if (ends('fulness')) r('ful');
      else if (ends('ousness')) r('ous');
      break;
    case 116 /* t */:
      if (ends('aliti')) r('al');
      else if (ends('iviti')) r('ive');
      else if (ends('biliti')) r('ble');
      break;
    case 103 /* g */:
      if (ends('logi')) r('log');
      break;
  }
}

/** -ic-, -full, -ness etc. (step 3). */
function step3(): void {
  switch (b[k]) {
    case E:
      if (ends('icate')) r('ic');
      else if (ends('ative')) r('');
      else if (ends('alize')) r('al');
      break;
    case I:
      if (ends('iciti')) r('ic');
      break;
    case 108 /* l */:
      if (ends('ical')) r('ic');
      else if (ends('ful')) r('');
      break;
    case 115 /* s */:
      if (ends('ness')) r('');
      break;
  }
}

/** Removes -ant, -ence etc. in context m > 1 (step 4). */
function step4(): void {
  if (k < 1) return;
  switch (b[k - 1]) {
    case A:
      if (ends('al')) break;
      return;
    case 99 /* c */:
      if (ends('ance')) break;
      if (ends('ence')) break;
      return;
    case E:
      if (ends('er')) break;
      return;
    case I:
      if (ends('ic')) break;
      return;
    case 108 /* l */:
      if (ends('able')) break;
      if (ends('ible')) break;
      return;
    case 110 /* n */:
      if (ends('ant')) break;
      if (ends('ement')) break;
      if (ends('ment')) break;
      if (ends('ent')) break;
      return;
    case O:
      if (ends('ion') && j >= 0 && (b[j] === 115 || b[j] === 116)) break;
      if (ends('ou')) break;
      return;
    case 115 /* s */:
      if (ends('ism')) break;
      return;
    case 116 /* t */:
      if (ends('ate')) break;
      if (ends('iti')) break;
      return;
    case U:
      if (ends('ous')) break;
      return;
    case 118 /* v */:
      if (ends('ive')) break;
      return;
    case 122 /* z */:
      if (ends('ize')) break;
      return;
    default:
      return;
  }
  if (m() > 1) k = j;
}

/** Removes a final -e and reduces -ll when m > 1 (step 5). */
function step5(): void {
  j = k;
  if (b[k] === E) {
    const a = m();
    if (a > 1 || (a === 1 && !cvc(k - 1))) k--;
  }
  if (b[k] === 108 /* l */ && doubleC(k) && m() > 1) k--;
}

/** Stems one lower-case word with the Porter algorithm. */
export function porterStem(word: string): string {
  const len = word.length;
  if (len <= 2) return word;
  if (len > b.length) b = new Uint16Array(len * 2);
  for (let q = 0; q < len; q++) b[q] = word.charCodeAt(q);
  k = len - 1;
  j = 0;
  step1ab();
  if (k > 0) {
    step1c();
    step2();
    step3();
    step4();
    step5();
  }
  // Steps may rewrite letters (y -> i, -biliti -> -ble), so the result comes from the buffer.
  let out = '';
  for (let q = 0; q <= k; q++) out += String.fromCharCode(b[q]!);
  return out === word ? word : out;
}
