/**
 * Cluster titles and summaries without a model: the title names the cluster's most
 * distinctive terms, the summary lists more of them ("Covers: ...") and then quotes the
 * titles or lead sentences of the most central children, within the word budget.
 * Distinctive = found in many children (weighted by centrality), rare in the sibling clusters'
 * texts (`contrast`) and, when corpus statistics are given, rare in the corpus (idf). Terms are
 * Porter stems, shown in their most common surface form; adjacent word pairs compete too.
 * Invariant: deterministic (every ranking breaks ties by term, then position); never calls out.
 * Used by: the build's summarize stage (`--summarizer extractive`) and as the LLM summariser's fallback.
 */
import { LatticeError } from '../errors.js';
import { isStopword } from '../text/stopwords.js';
import { porterStem } from '../text/porter-stemmer.js';
import { tokenize } from '../text/tokenize.js';
import type { SummarizeRequest, SummarizeResult, Summarizer, SummaryChild } from '../types.js';

/** Document frequencies of stems over a corpus, as computed by `corpusStatistics`. */
export interface CorpusStatistics {
  documentCount: number;
  /** Stem → number of documents containing it. */
  documentFrequency: ReadonlyMap<string, number>;
}

export interface ExtractiveSummarizerOptions {
  /** Terms in the title. Defaults to 3. */
  titleTerms?: number;
  /** Most terms after "Covers:". Defaults to 8. */
  coverTerms?: number;
  /** Most children quoted after the terms. Defaults to 5. */
  maxExamples?: number;
  /** Corpus document frequencies; without them only the sibling contrast penalises common words. */
  corpus?: CorpusStatistics;
  /** How strongly a term found in all sibling texts is pushed down: score / (1 + strength·share). Defaults to 3. */
  contrastStrength?: number;
}

interface Candidate {
  key: string;
  /** Stems of the term (1 or 2). */
  stems: string[];
  /** Sum of centrality weights of the children containing the term. */
  weight: number;
  /** Children containing the term. */
  children: number;
  /** Occurrences over all children. */
  occurrences: number;
  /** Lower-cased surface form → occurrences. */
  surfaces: Map<string, number>;
  score: number;
}

interface Analysed {
  /** Lower-cased words, stop words included, with their stems ('' for a stop or generic word). */
  words: string[];
  stems: string[];
}

/**
 * Words that never name a topic: English function words beyond the tokenizer's 33-word list,
 * and the boilerplate of abstracts and reports. Without corpus statistics they would top every
 * cluster's term list.
 */
const GENERIC_WORDS = new Set(
  (
    'about above after again against all also am among any because been before being below between both ' +
    'can could did do does doing done down during each either else even ever every few from further had has ' +
    'have having he her here hers him his how however i its itself just least less like many may me might ' +
    'more most much must my neither nor now off often once one only other others our ours out over own per ' +
    'quite rather same she should since so some than thereby therefore thus those though through too toward ' +
    'towards under until up upon us very via was we were what when where whether which while who whom whose ' +
    'why within without would yet you your ' +
    'across almost already although always another around became become becomes can\'t cannot ' +
    'use used uses using based result results resulted study studies studied show shows showed shown ' +
    'found find finds finding findings data increase increased increases increasing decrease decreased ' +
    'associated association compared comparison including include includes included new two three four five ' +
    'first second well high higher low lower different significant significantly effect effects ' +
    'analysis analyses method methods conclusion conclusions background objective objectives aim aims ' +
    'report reported reports observed observe suggest suggests suggested demonstrate demonstrated demonstrates ' +
    'identified identify performed total overall related potential present presented provide provides ' +
    'large small number level levels several various whereas respectively mean median approach known type types ' +
    // The summaries' own lead word: children and siblings of higher levels are summaries.
    'covers'
  ).split(' '),
);

const DEFAULTS = { titleTerms: 3, coverTerms: 8, maxExamples: 5, contrastStrength: 3 };
/** Share of the word budget the term list may take; the rest goes to quoted children. */
const COVER_SHARE = 0.6;
const MAX_EXAMPLE_WORDS = 24;
/** A phrase replaces a chosen word it extends when it covers at least this share of the word's children. */
const PHRASE_SHARE = 0.5;

function analyse(text: string): Analysed {
  const words = tokenize(text, { stem: false, stopwords: false });
  const stems = words.map((w) => (isStopword(w) || GENERIC_WORDS.has(w) || !isContentWord(w) ? '' : porterStem(w)));
  return { words, stems };
}

/** Words worth naming: at least two characters and at least one letter (drops "12", "x"). */
function isContentWord(word: string): boolean {
  return word.length >= 2 && /\p{L}/u.test(word);
}

/** Per-text term keys: stems, and "stem1 stem2" for adjacent content words. */
function termsOf(a: Analysed): Map<string, { stems: string[]; surface: string }[]> {
  const out = new Map<string, { stems: string[]; surface: string }[]>();
  const add = (key: string, stems: string[], surface: string): void => {
    const list = out.get(key);
    if (list) list.push({ stems, surface });
    else out.set(key, [{ stems, surface }]);
  };
  for (let i = 0; i < a.stems.length; i++) {
    const s = a.stems[i]!;
    if (!s) continue;
    add(s, [s], a.words[i]!);
    const next = a.stems[i + 1];
    if (next) add(`${s} ${next}`, [s, next], `${a.words[i]} ${a.words[i + 1]}`);
  }
  return out;
}

/** Document frequencies of stems over `texts`, for the `corpus` option. */
export function corpusStatistics(texts: Iterable<string>): CorpusStatistics {
  const documentFrequency = new Map<string, number>();
  let documentCount = 0;
  for (const text of texts) {
    documentCount++;
    for (const stem of new Set(analyse(text).stems)) {
      if (stem) documentFrequency.set(stem, (documentFrequency.get(stem) ?? 0) + 1);
    }
  }
  return { documentCount, documentFrequency };
}

function wordCount(text: string): number {
  const t = text.trim();
  return t ? t.split(/\s+/).length : 0;
}

function firstWords(text: string, n: number): string {
  const all = text.trim().split(/\s+/).filter(Boolean);
  if (all.length <= n) return all.join(' ');
  return `${all.slice(0, n).join(' ')}…`;
}

/** The first sentence of a text, whitespace collapsed. */
function leadSentence(text: string): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  const match = /^.+?[.!?](?=\s|$)/u.exec(clean);
  return match ? match[0] : clean;
}

function endSentence(text: string): string {
  return /[.!?…]$/u.test(text) ? text : `${text}.`;
}

/**
 * Extractive, model-free Summarizer (provider 'extractive', model 'extractive-v1').
 * `corpus` statistics (from `corpusStatistics`) sharpen the terms; all options are optional.
 */
export class ExtractiveSummarizer implements Summarizer {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'extractive';
  readonly modelId = 'extractive-v1';
  private readonly titleTerms: number;
  private readonly coverTerms: number;
  private readonly maxExamples: number;
  private readonly contrastStrength: number;
  private readonly corpus: CorpusStatistics | undefined;

  constructor(options: ExtractiveSummarizerOptions = {}) {
    this.titleTerms = positiveInt('titleTerms', options.titleTerms ?? DEFAULTS.titleTerms);
    this.coverTerms = positiveInt('coverTerms', options.coverTerms ?? DEFAULTS.coverTerms);
    this.maxExamples = positiveInt('maxExamples', options.maxExamples ?? DEFAULTS.maxExamples, 0);
    const strength = options.contrastStrength ?? DEFAULTS.contrastStrength;
    if (!(strength >= 0) || !Number.isFinite(strength)) {
      throw new LatticeError('CONFIG_INVALID', `contrastStrength must be a finite number ≥ 0, got ${String(strength)}.`, {
        hint: 'Use 0 to ignore sibling texts, or a value such as 3.',
      });
    }
    this.contrastStrength = strength;
    this.corpus = options.corpus;
  }

  async doSummarize(request: SummarizeRequest): Promise<SummarizeResult> {
    request.abortSignal?.throwIfAborted();
    return this.summarize(request);
  }

  /** The synchronous core of doSummarize. */
  summarize(request: Pick<SummarizeRequest, 'children' | 'contrast' | 'maxWords'>): SummarizeResult {
    const { children, contrast, maxWords } = request;
    if (!Array.isArray(children)) {
      throw new LatticeError('CONFIG_INVALID', 'Summarize request has no children array.', {
        hint: 'Pass the cluster children as request.children.',
      });
    }
    if (!Number.isFinite(maxWords) || maxWords < 1) {
      throw new LatticeError('CONFIG_INVALID', `Summary word budget must be at least 1, got ${String(maxWords)}.`, {
        hint: 'Set the summary length (maxWords) to a positive number of words, e.g. 60.',
      });
    }
    const budget = Math.floor(maxWords);
    const ranked = this.rankTerms(children, Array.isArray(contrast) ? contrast : []);
    const casing = casingOf(children);
    const shown = ranked.map((c) => display(c, casing));

    const title = shown.length > 0 ? capitalise(shown.slice(0, this.titleTerms).join(', ')) : fallbackTitle(children);
    return { title, summary: this.compose(shown, children, budget) };
  }

  /** Candidate terms, best first, with overlapping pairs and singles removed. */
  private rankTerms(children: readonly SummaryChild[], contrast: readonly string[]): Candidate[] {
    const candidates = new Map<string, Candidate>();
    let totalWeight = 0;
    children.forEach((child) => {
      const weight = 1 + Math.max(0, Math.min(1, Number.isFinite(child.centrality) ? child.centrality : 0));
      totalWeight += weight;
      // A child cluster's summary starts with this summariser's own label; it says nothing about the topic.
      const body = child.kind === 'cluster' ? (child.text ?? '').replace(/^\s*Covers:\s*/u, '') : child.text ?? '';
      const text = [child.title ?? '', body].filter((t) => t.trim()).join('. ');
      for (const [key, hits] of termsOf(analyse(text))) {
        let cand = candidates.get(key);
        if (!cand) {
          cand = { key, stems: hits[0]!.stems, weight: 0, children: 0, occurrences: 0, surfaces: new Map(), score: 0 };
          candidates.set(key, cand);
        }
        cand.weight += weight;
        cand.children += 1;
        cand.occurrences += hits.length;
        for (const h of hits) cand.surfaces.set(h.surface, (cand.surfaces.get(h.surface) ?? 0) + 1);
      }
    });
    if (candidates.size === 0) return [];

    const contrastHits = new Map<string, number>();
    for (const text of contrast) {
      if (typeof text !== 'string' || !text.trim()) continue;
      for (const key of termsOf(analyse(text)).keys()) {
        if (candidates.has(key)) contrastHits.set(key, (contrastHits.get(key) ?? 0) + 1);
      }
    }
    const contrastCount = contrast.filter((t) => typeof t === 'string' && t.trim()).length;
    const multi = children.length >= 2;

    const scored: Candidate[] = [];
    for (const cand of candidates.values()) {
      // A word pair must recur to count as a phrase; otherwise every adjacent pair would compete.
      if (cand.stems.length === 2 && (multi ? cand.children < 2 : cand.occurrences < 2)) continue;
      const coverage = cand.weight / totalWeight;
      const share = contrastCount > 0 ? (contrastHits.get(cand.key) ?? 0) / contrastCount : 0;
      const idf = this.idf(cand.stems);
      const repetition = 1 + 0.1 * Math.log1p(cand.occurrences);
      cand.score = (coverage * idf * repetition) / (1 + this.contrastStrength * share);
      scored.push(cand);
    }
    scored.sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

    const chosen: Candidate[] = [];
    const usedStems = new Set<string>();
    const limit = Math.max(this.titleTerms, this.coverTerms);
    for (const cand of scored) {
      if (chosen.length >= limit) break;
      const used = cand.stems.filter((s) => usedStems.has(s));
      if (used.length === 0) {
        chosen.push(cand);
      } else if (cand.stems.length === 2 && used.length === 1) {
        // A phrase extending a chosen word ("insulin" → "insulin resistance") takes the word's place
        // when it covers at least half as much of the cluster; otherwise the word stays alone.
        const at = chosen.findIndex((c) => c.stems.length === 1 && c.stems[0] === used[0]);
        if (at < 0 || cand.weight < PHRASE_SHARE * chosen[at]!.weight) continue;
        chosen[at] = cand;
      } else {
        continue;
      }
      for (const s of cand.stems) usedStems.add(s);
    }
    return chosen;
  }

  /** Smoothed inverse document frequency; 1 (neutral) without corpus statistics. Pairs average their words. */
  private idf(stems: readonly string[]): number {
    const corpus = this.corpus;
    if (!corpus || corpus.documentCount <= 0) return 1;
    let sum = 0;
    for (const s of stems) {
      const df = corpus.documentFrequency.get(s) ?? 0;
      sum += Math.log(1 + (corpus.documentCount + 1) / (df + 1));
    }
    return sum / stems.length;
  }

  private compose(terms: readonly string[], children: readonly SummaryChild[], budget: number): string {
    if (terms.length === 0) {
      const n = children.length;
      const text = n === 0 ? 'Covers: nothing (no children).' : `Covers: ${n} item${n === 1 ? '' : 's'} without text.`;
      return firstWords(text, Math.max(1, budget));
    }
    if (budget < 2) return terms[0]!.split(' ')[0]!;
    const coverBudget = Math.max(2, Math.floor(budget * COVER_SHARE));
    let listed = [terms[0]!];
    for (const t of terms.slice(1, this.coverTerms)) {
      const next = [...listed, t];
      if (wordCount(`Covers: ${next.join(', ')}.`) > coverBudget) break;
      listed = next;
    }
    let summary = `Covers: ${listed.join(', ')}.`;
    if (wordCount(summary) > budget) return firstWords(`Covers: ${listed[0]}`, budget).replace(/…$/u, '');

    let used = wordCount(summary);
    const order = children
      .map((c, i) => ({ c, i }))
      .sort((a, b) => centralityOf(b.c) - centralityOf(a.c) || a.i - b.i);
    const seen = new Set<string>();
    let examples = 0;
    for (const { c } of order) {
      if (examples >= this.maxExamples) break;
      const label = exampleOf(c);
      if (!label || seen.has(label.toLowerCase())) continue;
      seen.add(label.toLowerCase());
      const left = budget - used;
      if (left < 3) break;
      let sentence = endSentence(firstWords(label, MAX_EXAMPLE_WORDS));
      if (wordCount(sentence) > left) sentence = firstWords(label, left);
      summary += ` ${sentence}`;
      used += wordCount(sentence);
      examples++;
    }
    return summary;
  }
}

function positiveInt(name: string, value: number, least = 1): number {
  if (!Number.isInteger(value) || value < least) {
    throw new LatticeError('CONFIG_INVALID', `${name} must be a whole number ≥ ${least}, got ${String(value)}.`, {
      hint: `Leave ${name} unset to use the default.`,
    });
  }
  return value;
}

function centralityOf(c: SummaryChild): number {
  return Number.isFinite(c.centrality) ? c.centrality : Number.NEGATIVE_INFINITY;
}

/** A child's title, or else the lead sentence of its text. */
function exampleOf(c: SummaryChild): string {
  const title = (c.title ?? '').replace(/\s+/g, ' ').trim();
  if (title) return title;
  return leadSentence(c.text ?? '');
}

function fallbackTitle(children: readonly SummaryChild[]): string {
  for (const c of children) {
    const t = exampleOf(c);
    if (t) return firstWords(t, 8);
  }
  return children.length === 0 ? 'Empty cluster' : `${children.length} untitled item${children.length === 1 ? '' : 's'}`;
}

function capitalise(text: string): string {
  return text.length > 0 ? text[0]!.toUpperCase() + text.slice(1) : text;
}

/**
 * Case variants of each word in the children (lower-cased word → variant → count), so
 * acronyms keep their capitals ("DNA", "HIV") while ordinary words stay lower-case.
 */
function casingOf(children: readonly SummaryChild[]): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const c of children) {
    for (const text of [c.title ?? '', c.text ?? '']) {
      for (const m of text.matchAll(/[\p{L}\p{N}][\p{L}\p{N}'’.-]*[\p{L}\p{N}]|[\p{L}\p{N}]/gu)) {
        const raw = m[0];
        const lower = raw.toLowerCase();
        let variants = out.get(lower);
        if (!variants) {
          variants = new Map();
          out.set(lower, variants);
        }
        variants.set(raw, (variants.get(raw) ?? 0) + 1);
      }
    }
  }
  return out;
}

/** Most common surface form of a term, with acronym capitals restored. */
function display(cand: Candidate, casing: Map<string, Map<string, number>>): string {
  let best = '';
  let bestCount = -1;
  for (const [surface, count] of cand.surfaces) {
    if (count > bestCount || (count === bestCount && surface < best)) {
      best = surface;
      bestCount = count;
    }
  }
  return best
    .split(' ')
    .map((word) => {
      const variants = casing.get(word);
      if (!variants) return word;
      let top = word;
      let topCount = 0;
      for (const [v, n] of variants) {
        if (n > topCount || (n === topCount && v < top)) {
          top = v;
          topCount = n;
        }
      }
      // Keep capitals only for acronyms and mixed-case names (mRNA, IL-6), not for sentence starts.
      const isUpperish = top !== top.toLowerCase() && top.slice(1) !== top.slice(1).toLowerCase();
      return isUpperish ? top : word;
    })
    .join(' ');
}
