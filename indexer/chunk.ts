/**
 * Cuts a long document into chunks (character ranges of its text) that become leaves for the judge.
 * How: split at the strongest boundaries first (markdown headings, blank lines, sentence ends, line
 * breaks, whitespace, hard cuts last), pack neighbouring pieces of one split into bodies of at most
 * chunkSize − overlap, fold bodies under `minChunk` into a neighbour, then prefix each body after the
 * first with up to `overlap` characters of the previous one, starting at a word.
 * Invariants: `text === doc.text.slice(start, end)`; bodies tile the text; every chunk <= chunkSize;
 * no surrogate pair is cut; deterministic. A text of at most chunkSize gives `[]` (it stays one leaf).
 */
import { LatticeError } from '../src/core/errors.js';
import type { Chunk } from '../src/core/types.js';
import { markdownHeadings } from './load/markdown-headings.js';

export interface ChunkOptions {
  /** Longest chunk, in UTF-16 code units, overlap included; default 2000. */
  chunkSize?: number;
  /** Characters repeated from the end of the previous chunk; default min(200, chunkSize / 10); must be < chunkSize - 1. */
  overlap?: number;
  /** Pieces shorter than this are merged into a neighbour when that fits; default chunkSize / 10. */
  minChunk?: number;
}

export interface ResolvedChunkOptions {
  chunkSize: number;
  overlap: number;
  minChunk: number;
}

export const DEFAULT_CHUNK_SIZE = 2000;
export const DEFAULT_CHUNK_OVERLAP = 200;

/** Boundary strengths, strongest first; a piece's `lead` is the level of the cut it starts at. */
const HEADING = 0;
const PARAGRAPH = 1;
const SENTENCE = 2;
const LINE = 3;
const SPACE = 4;
const HARD = 5;
const TEXT_START = -1;

const PARAGRAPH_END = /\n[ \t\r\f\v]*\n\s*/g;
const SENTENCE_END = /[.!?…]+["'”’)\]]*\s+|[。！？]+["'”’」』）)]*\s*/g;
const LINE_END = /\n\s*/g;
const WHITESPACE = /\s+/g;
/** Cut patterns by level; a cut falls at the end of each match. */
const PATTERNS: Record<number, RegExp> = { [PARAGRAPH]: PARAGRAPH_END, [SENTENCE]: SENTENCE_END, [LINE]: LINE_END, [SPACE]: WHITESPACE };

interface Group {
  start: number;
  end: number;
  lead: number;
}

/**
 * Chunks of `doc.text`, in order, or `[]` when the text fits in one chunk (length <= chunkSize).
 * Throws CONFIG_INVALID for sizes that are not whole numbers, or overlap >= chunkSize.
 */
export function chunkDocument(doc: { id: string; text: string }, options: ChunkOptions = {}): Chunk[] {
  const { chunkSize, overlap, minChunk } = resolveChunkOptions(options);
  const text = doc.text;
  if (text.length <= chunkSize) return [];
  const budget = chunkSize - overlap;
  const headings = text.includes('#') ? markdownHeadings(text).map((h) => h.start) : [];
  const groups: Group[] = [];
  pack(text, headings, budget, 0, text.length, HEADING, TEXT_START, groups);
  mergeSmall(groups, budget, minChunk);

  const chunks: Chunk[] = [];
  for (let k = 0; k < groups.length; k += 1) {
    const group = groups[k]!;
    const start = k === 0 || overlap === 0 ? group.start : overlapStart(text, groups[k - 1]!.start, group.start, overlap);
    chunks.push({ docId: doc.id, index: k, text: text.slice(start, group.end), start, end: group.end });
  }
  return chunks;
}

/** Defaults applied and checked; throws CONFIG_INVALID naming the bad option. */
export function resolveChunkOptions(options: ChunkOptions = {}): ResolvedChunkOptions {
  const chunkSize = whole('chunkSize', options.chunkSize ?? DEFAULT_CHUNK_SIZE, 2);
  const overlap = whole('overlap', options.overlap ?? Math.min(DEFAULT_CHUNK_OVERLAP, Math.floor(chunkSize / 10)), 0);
  if (chunkSize - overlap < 2) {
    throw new LatticeError('CONFIG_INVALID', `overlap ${overlap} must be at least 2 less than chunkSize ${chunkSize}`, {
      hint: 'Lower the overlap (a tenth of the chunk size is typical) or raise the chunk size.',
      details: { chunkSize, overlap },
    });
  }
  const budget = chunkSize - overlap;
  const minChunk = whole('minChunk', options.minChunk ?? Math.min(Math.floor(chunkSize / 10), budget), 0);
  if (minChunk > budget) {
    throw new LatticeError('CONFIG_INVALID', `minChunk ${minChunk} is larger than chunkSize - overlap (${budget})`, {
      hint: 'Lower minChunk, or leave it out for a tenth of the chunk size.',
      details: { chunkSize, overlap, minChunk },
    });
  }
  return { chunkSize, overlap, minChunk };
}

/**
 * Appends groups covering [a, b) to `out`: split at `level`'s boundaries, greedily join
 * neighbouring parts while they fit `budget`, and split oversized parts at the next level.
 */
function pack(
  text: string,
  headings: readonly number[],
  budget: number,
  a: number,
  b: number,
  level: number,
  lead: number,
  out: Group[],
): void {
  if (b - a <= budget) {
    out.push({ start: a, end: b, lead });
    return;
  }
  const cuts = level === HARD ? hardCuts(text, a, b, budget) : boundaries(text, headings, level, a, b);
  if (cuts.length === 0) {
    pack(text, headings, budget, a, b, level + 1, lead, out);
    return;
  }
  let current: Group | undefined;
  for (let i = 0; i <= cuts.length; i += 1) {
    const s = i === 0 ? a : cuts[i - 1]!;
    const e = i === cuts.length ? b : cuts[i]!;
    const partLead = i === 0 ? lead : level;
    if (e - s > budget) {
      if (current) out.push(current);
      current = undefined;
      pack(text, headings, budget, s, e, level + 1, partLead, out);
    } else if (current && e - current.start <= budget) {
      current.end = e;
    } else {
      if (current) out.push(current);
      current = { start: s, end: e, lead: partLead };
    }
  }
  if (current) out.push(current);
}

/** Cut positions strictly inside (a, b) for one boundary level, ascending. */
function boundaries(text: string, headings: readonly number[], level: number, a: number, b: number): number[] {
  if (level === HEADING) return headings.filter((h) => h > a && h < b);
  const pattern = PATTERNS[level];
  if (pattern === undefined) throw new Error(`no boundary pattern for level ${level}`);
  // Matching on a slice keeps each call linear in its own span, not in the rest of the text.
  const span = text.slice(a, b);
  const cuts: number[] = [];
  pattern.lastIndex = 0;
  for (let match = pattern.exec(span); match !== null; match = pattern.exec(span)) {
    const end = match.index + match[0].length;
    if (end > 0 && end < span.length) cuts.push(a + end);
    if (match[0].length === 0) pattern.lastIndex += 1;
  }
  return cuts;
}

/** Every `budget` characters, moved back one where a cut would split a surrogate pair. */
function hardCuts(text: string, a: number, b: number, budget: number): number[] {
  const cuts: number[] = [];
  let at = a;
  while (b - at > budget) {
    let cut = at + budget;
    if (splitsPair(text, cut)) cut -= 1;
    cuts.push(cut);
    at = cut;
  }
  return cuts;
}

/** Folds groups shorter than `minChunk` into the neighbour across the weaker boundary, when the result fits. */
function mergeSmall(groups: Group[], budget: number, minChunk: number): void {
  let i = 0;
  while (i < groups.length) {
    const group = groups[i]!;
    const prev = groups[i - 1];
    const next = groups[i + 1];
    if (group.end - group.start >= minChunk) {
      i += 1;
      continue;
    }
    const prevFits = prev !== undefined && group.end - prev.start <= budget;
    const nextFits = next !== undefined && next.end - group.start <= budget;
    let intoPrev: boolean;
    if (prevFits && nextFits) {
      // Larger lead = weaker cut; on a tie, the smaller neighbour keeps sizes even (earlier wins ties).
      if (group.lead !== next.lead) intoPrev = group.lead > next.lead;
      else intoPrev = prev.end - prev.start <= next.end - next.start;
    } else if (prevFits || nextFits) {
      intoPrev = prevFits;
    } else {
      i += 1;
      continue;
    }
    if (intoPrev) {
      prev!.end = group.end;
      groups.splice(i, 1);
      i = Math.max(0, i - 1);
    } else {
      next!.start = group.start;
      next!.lead = group.lead;
      groups.splice(i, 1);
    }
  }
}

/**
 * Where the chunk whose body starts at `bodyStart` begins: the first word start within the
 * last `overlap` characters of the previous body (never before `prevStart`); a plain
 * character offset when that stretch has no whitespace.
 */
function overlapStart(text: string, prevStart: number, bodyStart: number, overlap: number): number {
  const lo = Math.max(prevStart, bodyStart - overlap);
  for (let s = Math.max(lo, 1); s < bodyStart; s += 1) {
    if (isSpace(text.charCodeAt(s - 1)) && !isSpace(text.charCodeAt(s))) return s;
  }
  return splitsPair(text, lo) ? lo + 1 : lo;
}

function splitsPair(text: string, at: number): boolean {
  const before = text.charCodeAt(at - 1);
  const after = text.charCodeAt(at);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}

function isSpace(code: number): boolean {
  return (
    code === 0x20 ||
    (code >= 0x09 && code <= 0x0d) ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

function whole(name: string, value: number, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new LatticeError('CONFIG_INVALID', `${name} must be a whole number >= ${min}, got ${JSON.stringify(value)}`, {
      hint: `Pass a whole number of characters for ${name}, or leave it out for the default.`,
      details: { [name]: value },
    });
  }
  return value;
}
