/**
 * Ranking metrics with trec_eval's conventions (as pytrec_eval computes them for BEIR),
 * and loaders for BEIR's qrels/*.tsv and queries.jsonl.
 * nDCG@k: DCG = sum over ranks i = 1..k of grade_i / log2(i + 1) (linear gain = the qrels grade,
 * as trec_eval's ndcg_cut), IDCG = the same over all judged relevant documents (grade > 0)
 * sorted by grade. Relevant means grade > 0 for every metric. A ranking shorter than k is
 * scored as is (missing ranks gain nothing); P@k still divides by k.
 * A document repeated in a ranking counts once, at its first rank; later copies gain nothing.
 * Only queries present in the qrels are evaluated; a query without a ranking scores 0.
 */
import { readFileSync } from 'node:fs';
import { LatticeError } from '../core/errors.js';

/** Document id -> relevance grade for one query. */
export type QueryQrels = ReadonlyMap<string, number>;
/** Query id -> judged documents. */
export type Qrels = Map<string, Map<string, number>>;

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) {
    throw new LatticeError('CONFIG_INVALID', `metric cutoff k must be a whole number >= 1, got ${String(k)}`, {
      hint: 'Use a cutoff such as 10.',
    });
  }
}

/** Gains of the first k ranks (0 for unjudged, non-relevant or repeated documents). */
function gainsAtK(ranking: readonly string[], qrels: QueryQrels, k: number): number[] {
  const seen = new Set<string>();
  const gains: number[] = [];
  const n = Math.min(k, ranking.length);
  for (let i = 0; i < n; i++) {
    const id = ranking[i]!;
    const grade = seen.has(id) ? 0 : qrels.get(id) ?? 0;
    seen.add(id);
    gains.push(grade > 0 ? grade : 0);
  }
  return gains;
}

function relevantCount(qrels: QueryQrels): number {
  let n = 0;
  for (const g of qrels.values()) if (g > 0) n++;
  return n;
}

/** nDCG@k with linear gain (gain = grade) and log2(rank + 1) discount; 0 when nothing is relevant. */
export function ndcgAtK(ranking: readonly string[], qrels: QueryQrels, k: number): number {
  checkK(k);
  const ideal = [...qrels.values()].filter((g) => g > 0).sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, ideal.length); i++) idcg += ideal[i]! / Math.log2(i + 2);
  if (idcg === 0) return 0;
  const gains = gainsAtK(ranking, qrels, k);
  let dcg = 0;
  for (let i = 0; i < gains.length; i++) dcg += gains[i]! / Math.log2(i + 2);
  return dcg / idcg;
}

/** Fraction of all relevant documents found in the first k ranks; 0 when nothing is relevant. */
export function recallAtK(ranking: readonly string[], qrels: QueryQrels, k: number): number {
  checkK(k);
  const total = relevantCount(qrels);
  if (total === 0) return 0;
  return gainsAtK(ranking, qrels, k).filter((g) => g > 0).length / total;
}

/** Relevant documents in the first k ranks divided by k (trec_eval P@k, even for short rankings). */
export function precisionAtK(ranking: readonly string[], qrels: QueryQrels, k: number): number {
  checkK(k);
  return gainsAtK(ranking, qrels, k).filter((g) => g > 0).length / k;
}

/** Reciprocal rank of the first relevant document within the first k ranks, else 0. */
export function mrrAtK(ranking: readonly string[], qrels: QueryQrels, k: number): number {
  checkK(k);
  const gains = gainsAtK(ranking, qrels, k);
  for (let i = 0; i < gains.length; i++) if (gains[i]! > 0) return 1 / (i + 1);
  return 0;
}

export interface MeanMetrics {
  /** Number of evaluated queries (those in the qrels). */
  queries: number;
  ndcg: number;
  recall: number;
  precision: number;
  mrr: number;
  /** nDCG@k per evaluated query id, for paired comparisons. */
  perQueryNdcg: Map<string, number>;
}

/**
 * Mean metrics at cutoff `k` over the queries of `qrels` (queries without judgments are
 * not part of an evaluation). A query absent from `rankings` counts as an empty ranking.
 */
export function evaluateRankings(
  rankings: ReadonlyMap<string, readonly string[]>,
  qrels: Qrels,
  k: number,
): MeanMetrics {
  checkK(k);
  let ndcg = 0;
  let recall = 0;
  let precision = 0;
  let mrr = 0;
  const perQueryNdcg = new Map<string, number>();
  for (const [qid, judged] of qrels) {
    const ranking = rankings.get(qid) ?? [];
    const n = ndcgAtK(ranking, judged, k);
    perQueryNdcg.set(qid, n);
    ndcg += n;
    recall += recallAtK(ranking, judged, k);
    precision += precisionAtK(ranking, judged, k);
    mrr += mrrAtK(ranking, judged, k);
  }
  const q = qrels.size;
  const mean = (x: number): number => (q === 0 ? 0 : x / q);
  return { queries: q, ndcg: mean(ndcg), recall: mean(recall), precision: mean(precision), mrr: mean(mrr), perQueryNdcg };
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new LatticeError('EVAL_DATASET', `cannot read ${what} file "${file}": ${(error as Error).message}`, {
      hint: 'Pass the path of a BEIR-layout dataset (corpus.jsonl, queries.jsonl, qrels/test.tsv).',
      cause: error,
    });
  }
}

/**
 * Reads BEIR qrels (`query-id<TAB>corpus-id<TAB>score`, header line optional).
 * Rows with the same pair keep the last grade. Malformed rows are an EVAL_DATASET error naming file:line.
 */
export function loadQrels(file: string): Qrels {
  const text = readText(file, 'qrels');
  const qrels: Qrels = new Map();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const cols = line.split('\t');
    if (i === 0 && cols[0]?.trim() === 'query-id') continue;
    // TREC qrels files have four columns (qid, iteration, docid, grade); accept them too.
    const [qid, docId, grade] =
      cols.length === 4 ? [cols[0], cols[2], cols[3]] : cols.length === 3 ? cols : [undefined, undefined, undefined];
    const value = grade === undefined ? NaN : Number(grade.trim());
    if (!qid || !docId || grade === undefined || grade.trim() === '' || !Number.isFinite(value)) {
      throw new LatticeError('EVAL_DATASET', `malformed qrels row at ${file}:${i + 1}: "${line.slice(0, 120)}"`, {
        hint: 'Each row must be query-id, corpus-id and a numeric score separated by tabs.',
      });
    }
    let judged = qrels.get(qid.trim());
    if (!judged) {
      judged = new Map();
      qrels.set(qid.trim(), judged);
    }
    judged.set(docId.trim(), value);
  }
  return qrels;
}

/** Reads BEIR queries.jsonl (`{"_id", "text"}` a line) into id -> text, in file order. */
export function loadQueries(file: string): Map<string, string> {
  const text = readText(file, 'queries');
  const queries = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (error) {
      throw new LatticeError('EVAL_DATASET', `queries line ${file}:${i + 1} is not JSON: ${(error as Error).message}`, {
        hint: 'queries.jsonl needs one JSON object per line with "_id" and "text".',
      });
    }
    const rec = row as { _id?: unknown; text?: unknown };
    const id = typeof rec._id === 'number' ? String(rec._id) : rec._id;
    if (typeof id !== 'string' || id === '' || typeof rec.text !== 'string') {
      throw new LatticeError('EVAL_DATASET', `query at ${file}:${i + 1} lacks a string "_id" or "text"`, {
        hint: 'queries.jsonl needs one JSON object per line with "_id" and "text".',
      });
    }
    queries.set(id, rec.text);
  }
  return queries;
}
