/**
 * Loads the evaluation side of a BEIR-layout dataset: the queries of one split that have
 * judgments, and those judgments. Why here and not in the corpus loader: the corpus feeds the
 * build; queries and qrels only matter to an evaluation.
 * Rules: only queries that appear in `qrels/<split>.tsv` are evaluated (BEIR, trec_eval); other
 * queries are skipped and counted; judged ids without a query text cannot be run and are counted too.
 * Invariant: queries come in queries.jsonl order, so a run is reproducible line by line.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { LatticeError } from '../core/errors.js';
import { loadQrels, loadQueries, type Qrels } from './metrics.js';

export interface EvalQuery {
  id: string;
  text: string;
}

export interface EvalDataset {
  /** Folder name, e.g. `scifact`. */
  name: string;
  dir: string;
  split: string;
  /** Judged queries with a text, in queries.jsonl order. */
  queries: EvalQuery[];
  /** Judgments of exactly those queries. */
  qrels: Qrels;
  /** Queries in queries.jsonl without judgments in this split (not evaluated). */
  skippedUnjudged: number;
  /** Judged query ids with no (or an empty) text in queries.jsonl (cannot be run, not evaluated). */
  skippedNoText: number;
  /** Judged (query, document) pairs with grade > 0. */
  relevantPairs: number;
}

export interface LoadDatasetOptions {
  /** Qrels file name under qrels/, without .tsv. Defaults to 'test'. */
  split?: string;
  /** Evaluate only the first N judged queries (in file order). Defaults to all. */
  limit?: number;
}

/** Reads `<dir>/queries.jsonl` and `<dir>/qrels/<split>.tsv`; throws EVAL_DATASET naming the missing file. */
export function loadEvalDataset(dir: string, options: LoadDatasetOptions = {}): EvalDataset {
  const split = options.split ?? 'test';
  if (!/^[A-Za-z0-9_.-]+$/.test(split)) {
    throw new LatticeError('CONFIG_INVALID', `Invalid split name "${split}".`, { hint: 'Use a qrels file name such as test, dev or train.' });
  }
  if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit >= 1)) {
    throw new LatticeError('CONFIG_INVALID', `Invalid query limit ${String(options.limit)}.`, { hint: 'Use a whole number >= 1.' });
  }
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new LatticeError('EVAL_DATASET', `Dataset folder "${dir}" does not exist.`, {
      hint: 'Pass --dataset <dir> with a BEIR-layout folder (queries.jsonl, qrels/test.tsv).',
    });
  }
  const queriesFile = path.join(dir, 'queries.jsonl');
  const qrelsFile = path.join(dir, 'qrels', `${split}.tsv`);
  if (!existsSync(queriesFile)) {
    throw new LatticeError('EVAL_DATASET', `No queries file at "${queriesFile}".`, {
      hint: 'A BEIR dataset folder holds queries.jsonl next to corpus.jsonl.',
    });
  }
  if (!existsSync(qrelsFile)) {
    throw new LatticeError('EVAL_DATASET', `No judgments for split "${split}" at "${qrelsFile}".`, {
      hint: 'Pick a split that exists under qrels/ with --split (e.g. test).',
    });
  }
  const texts = loadQueries(queriesFile);
  const allQrels = loadQrels(qrelsFile);
  const queries: EvalQuery[] = [];
  let skippedUnjudged = 0;
  for (const [id, text] of texts) {
    if (!allQrels.has(id)) {
      skippedUnjudged++;
      continue;
    }
    if (text.trim() === '') continue;
    queries.push({ id, text });
  }
  let skippedNoText = 0;
  for (const id of allQrels.keys()) {
    const text = texts.get(id);
    if (text === undefined || text.trim() === '') skippedNoText++;
  }
  const chosen = options.limit !== undefined ? queries.slice(0, options.limit) : queries;
  const qrels: Qrels = new Map();
  let relevantPairs = 0;
  for (const query of chosen) {
    const judged = allQrels.get(query.id)!;
    qrels.set(query.id, judged);
    for (const grade of judged.values()) if (grade > 0) relevantPairs++;
  }
  if (chosen.length === 0) {
    throw new LatticeError('EVAL_DATASET', `No query of "${queriesFile}" has judgments in "${qrelsFile}".`, {
      hint: 'Check that the query ids of queries.jsonl match the first column of the qrels.',
    });
  }
  return {
    name: path.basename(path.resolve(dir)),
    dir,
    split,
    queries: chosen,
    qrels,
    skippedUnjudged,
    skippedNoText,
    relevantPairs,
  };
}
