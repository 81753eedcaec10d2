/**
 * The raw output of scripts/bench-quality.ts (docs/benchmarks/quality.json), which
 * scripts/render-quality.ts turns into BENCHMARKS.md and the SVG charts. Everything the report
 * states, settings included, is in this file, so a reader can check any figure against it and
 * the report can be re-rendered without running anything.
 */
import type { SystemReport } from '../src/eval/index.js';

/** A system's figures without its per-query rows (those stay in the work folder). */
export type SystemFigures = Omit<SystemReport, 'perQuery'>;

export interface SystemRow {
  key: string;
  /** Two leading spaces mark a variant of the row above (rendered as ↳). */
  label: string;
  report: SystemFigures;
}

/** Lowest and highest score a lexical judge gives the root's children, as medians over the queries. */
export interface RootSlateSpread {
  presence: { low: number; high: number };
  mixed: { low: number; high: number };
}

export interface DatasetResult {
  name: string;
  dataset: { queries: number; skippedUnjudged: number; relevantPairs: number };
  build: {
    seconds: number;
    documents: number;
    nodes: number;
    depth: number;
    fanOut: { min: number; max: number; mean: number };
    reused: boolean;
    /** Cluster nodes per level, from the root's children down. */
    clustersPerLevel: number[];
  };
  main: SystemRow[];
  calls: { budget: number; tree: SystemFigures; root: SystemFigures; rerank: SystemFigures }[];
  noise: { level: number; tree: SystemFigures; root: SystemFigures; rerank: SystemFigures }[];
  offsets: { spread: number; rec: SystemFigures; recOff: SystemFigures; root: SystemFigures; rootOff: SystemFigures; rerank: SystemFigures }[];
  misses: { p: number; rec: SystemFigures; root: SystemFigures; rerank: SystemFigures }[];
  rootSlate: RootSlateSpread;
  rerankSlate: number;
  seconds: number;
}

/** The lexical judge on the tuning queries (SciFact train), where its settings were chosen. */
export interface TrainResult {
  name: string;
  split: string;
  queries: number;
  /** Build of the comparison index without keyword profiles (extractive summaries alone). */
  summariesOnlyBuild: { seconds: number; reused: boolean; keywords: number };
  rows: SystemRow[];
}

/** The settings the run used, recorded so the report quotes them rather than the code of the day. */
export interface RunSettings {
  search: Record<string, unknown>;
  seedWith: { retriever: string; count: number };
  /** The default fusion of the run (absent in runs made before it was recorded). */
  fusion?: { retriever: string; method: string; head: number; depth: number };
  simulatedJudge: {
    seed: number | string;
    missProbability: number;
    scaleMin: number;
    scaleMax: number;
    offsetSpread: number;
    leafNoise: number;
    innerNoise: number;
  };
  build: { branching: number; dimensions: number; keywords: number; seed: number };
  bm25: { k1: number; b: number };
  /** Hits each flat retriever returns. */
  flatDepth: number;
  lexicalDensity: { c: number; weight: number };
  callBudgets: number[];
  noiseLevels: number[];
  offsetSpreads: number[];
  missProbabilities: number[];
  beams: number[];
  beamCalls: number;
}

export interface QualityRun {
  generatedBy: string;
  /** The commit the run was made at, and whether the working tree had uncommitted changes. */
  source?: { commit: string; dirty: boolean };
  /** Load average (1, 5, 15 minutes) at the end: how shared the machine was while timings were taken. */
  machine: { cores: number; node: string; loadAverage?: number[] };
  totalSeconds: number;
  args: { datasets: string[]; limit?: number };
  settings: RunSettings;
  results: DatasetResult[];
  train?: TrainResult;
}

/** Datasets whose goals the issue names; CISI is reported too. */
export const GOAL_DATASETS = ['scifact', 'npl', 'cranfield'];

/** Drops the per-query rows, which only the run needs. */
export function figuresOf(report: SystemReport): SystemFigures {
  const { perQuery: _perQuery, ...rest } = report;
  return rest;
}

/** BM25 flat nDCG@10 on SciFact test published by BEIR and Pyserini (flat and multifield). */
export const PUBLISHED_BM25_SCIFACT = Object.freeze({ low: 0.665, high: 0.69 });

export const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
export const rel = (a: number, b: number) => (b === 0 ? 0 : a / b - 1);
const DISPLAY: Record<string, string> = { scifact: 'SciFact', npl: 'NPL', cranfield: 'Cranfield', cisi: 'CISI' };
export const show = (name: string) => DISPLAY[name] ?? name;
/** A row's label as the tables print it (variants of the row above as ↳). */
export const label = (row: SystemRow) => (row.label.startsWith('  ') ? `↳ ${row.label.trim()}` : row.label);

/** A row of a dataset's main table; throws naming the key when the run lacks it. */
export function get(r: { name: string; main: SystemRow[] }, key: string): SystemFigures {
  const row = r.main.find((m) => m.key === key);
  if (!row) throw new Error(`${r.name}: no "${key}" row in the run`);
  return row.report;
}
