/**
 * Merges a partial options object over DEFAULT_SEARCH_OPTIONS and checks every value.
 * Why strict: a mistyped option name or an out-of-range number silently changes what a search
 * measures, so unknown names and bad values are CONFIG_INVALID errors that quote the value.
 * An option given as undefined keeps its default.
 * Invariant: the returned object is fully populated and frozen. Used by traverser/search.ts.
 */
import { LatticeError } from '../src/core/errors.js';
import { DEFAULT_SEARCH_OPTIONS } from './types.js';
import type { SearchOptions } from './types.js';

const OPTIONAL_KEYS = ['queryId', 'abortSignal', 'flat', 'fallbackJudge'] as const;
const KNOWN_KEYS = new Set<string>([...Object.keys(DEFAULT_SEARCH_OPTIONS), ...OPTIONAL_KEYS]);

/** Full, validated search options; throws CONFIG_INVALID naming the option and the bad value. */
export function resolveSearchOptions(partial: Partial<SearchOptions> = {}): Readonly<SearchOptions> {
  if (typeof partial !== 'object' || partial === null) {
    throw invalid('options', partial, 'Pass an object of search options, e.g. { beamSize: 2 }.');
  }
  const merged: Record<string, unknown> = { ...DEFAULT_SEARCH_OPTIONS };
  for (const [key, value] of Object.entries(partial)) {
    if (!KNOWN_KEYS.has(key)) {
      throw new LatticeError('CONFIG_INVALID', `Unknown search option "${key}".`, {
        hint: `Valid options: ${[...KNOWN_KEYS].sort().join(', ')}.`,
      });
    }
    if (value !== undefined) merged[key] = value;
  }
  const o = merged as unknown as SearchOptions;
  integer('beamSize', o.beamSize, 1);
  integer('iterations', o.iterations, 1);
  integer('maxSlateSize', o.maxSlateSize, 1);
  integer('calibrationNodes', o.calibrationNodes, 0);
  integer('topK', o.topK, 1);
  integer('concurrency', o.concurrency, 1);
  integer('maxSlateRetries', o.maxSlateRetries, 0);
  integer('traceFrontier', o.traceFrontier, 0);
  fraction('alpha', o.alpha);
  fraction('pruneThreshold', o.pruneThreshold);
  oneOf('frontierScores', o.frontierScores, ['calibrated', 'raw']);
  oneOf('finalScore', o.finalScore, ['path', 'latent']);
  oneOf('calibration', o.calibration, ['joint', 'offset', 'none']);
  integer('innerAnchors', o.innerAnchors, 0);
  const ridges = o.calibrationRidges;
  if (typeof ridges !== 'object' || ridges === null || Array.isArray(ridges)) {
    throw invalid('calibrationRidges', ridges, 'Use { offset?: number, scale?: number } (ridges > 0).');
  }
  for (const [key, value] of Object.entries(ridges)) {
    if (key !== 'offset' && key !== 'scale') {
      throw invalid(`calibrationRidges.${key}`, value, 'Only offset and scale ridges can be set.');
    }
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
      throw invalid(`calibrationRidges.${key}`, value, 'Use a finite number > 0 (1 is the default prior).');
    }
  }
  if (typeof o.pathRelevance !== 'boolean') throw invalid('pathRelevance', o.pathRelevance, 'Use true or false.');
  if (!(typeof o.seed === 'string' || (typeof o.seed === 'number' && Number.isFinite(o.seed)))) {
    throw invalid('seed', o.seed, 'Use a finite number or a string.');
  }
  if (typeof o.budget !== 'object' || o.budget === null) throw invalid('budget', o.budget, 'Use { calls?: number, tokens?: number }.');
  if (o.budget.calls !== undefined) integer('budget.calls', o.budget.calls, 1);
  if (o.budget.tokens !== undefined) integer('budget.tokens', o.budget.tokens, 1);
  stringList('excludeIds', o.excludeIds);
  stringList('seeds', o.seeds);
  if (o.queryId !== undefined && typeof o.queryId !== 'string') throw invalid('queryId', o.queryId, 'Use a string.');
  if (o.abortSignal !== undefined && !(o.abortSignal instanceof AbortSignal)) {
    throw invalid('abortSignal', o.abortSignal, 'Pass an AbortSignal, e.g. from new AbortController().signal.');
  }
  if (o.fallbackJudge !== undefined && typeof (o.fallbackJudge as { doJudge?: unknown }).doJudge !== 'function') {
    throw invalid('fallbackJudge', o.fallbackJudge, 'Pass a Judge (an object with a doJudge method).');
  }
  if (o.flat !== undefined) {
    const flat = o.flat;
    if (typeof flat !== 'object' || flat === null || !Array.isArray(flat.results)) {
      throw invalid('flat', flat, 'Use { results: [{ docId, score }], weight?, method?: "rrf" | "append", k?, minScore?, head? }.');
    }
    flat.results.forEach((entry, i) => {
      if (typeof entry?.docId !== 'string' || typeof entry.score !== 'number' || !Number.isFinite(entry.score)) {
        throw invalid(`flat.results[${i}]`, entry, 'Each flat result needs a string docId and a finite score.');
      }
    });
    if (flat.weight !== undefined && !(typeof flat.weight === 'number' && Number.isFinite(flat.weight) && flat.weight >= 0)) {
      throw invalid('flat.weight', flat.weight, 'Use a finite number >= 0 (the tree ranking weighs 1).');
    }
    if (flat.k !== undefined && !(typeof flat.k === 'number' && Number.isFinite(flat.k) && flat.k > 0)) {
      throw invalid('flat.k', flat.k, 'Use a number > 0; 60 is the usual RRF constant.');
    }
    if (flat.method !== undefined) oneOf('flat.method', flat.method, ['rrf', 'append']);
    if (flat.minScore !== undefined && !(typeof flat.minScore === 'number' && Number.isFinite(flat.minScore))) {
      throw invalid('flat.minScore', flat.minScore, 'Use a finite score (0..1 for latents), or leave it out.');
    }
    if (flat.head !== undefined && !(Number.isInteger(flat.head) && flat.head >= 0)) {
      throw invalid('flat.head', flat.head, 'Use a whole number >= 0 (tree documents before the flat ones), or leave it out.');
    }
  }
  return Object.freeze(o);
}

function invalid(name: string, value: unknown, hint: string): LatticeError {
  return new LatticeError('CONFIG_INVALID', `Invalid search option ${name}: ${describeValue(value)}.`, { hint });
}

/** A short, printable form of an option value for error messages (long values are cut). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  try {
    const text = JSON.stringify(value);
    return text === undefined ? typeof value : text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return typeof value;
  }
}

function integer(name: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw invalid(name, value, `Use an integer >= ${min}.`);
  }
}

function fraction(name: string, value: unknown): void {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw invalid(name, value, 'Use a number between 0 and 1.');
}

function oneOf(name: string, value: unknown, allowed: readonly string[]): void {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw invalid(name, value, `Use one of: ${allowed.map((a) => `'${a}'`).join(', ')}.`);
  }
}

function stringList(name: string, value: unknown): void {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw invalid(name, value, 'Use an array of document id strings.');
  }
}
