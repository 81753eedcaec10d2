/**
 * Benchmark corpora drawn deterministically from ../shared/datasets (SciFact, NPL, CISI,
 * Cranfield, interleaved); past the ~19.5k real documents, copies are varied (words dropped
 * and borrowed by a seeded rule) so no two documents are identical.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng } from '../src/eval/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root: scripts run compiled from dist/scripts/, or from scripts/ as sources. */
export const repoRoot = fs.existsSync(path.resolve(here, '../package.json')) ? path.resolve(here, '..') : path.resolve(here, '../..');
export const datasetsDir = path.resolve(repoRoot, '..', 'shared', 'datasets');

export interface BenchDoc {
  _id: string;
  title: string;
  text: string;
}

function readCorpus(name: string): BenchDoc[] {
  const file = path.join(datasetsDir, name, 'corpus.jsonl');
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as BenchDoc)
    .filter((d) => (d.title ?? '').trim() !== '' || (d.text ?? '').trim() !== '');
}

/** n documents: the real ones first (interleaved across collections), then varied copies. */
export function makeCorpus(n: number): BenchDoc[] {
  const sources = ['scifact', 'npl', 'cisi', 'cranfield'].map(readCorpus);
  const base: BenchDoc[] = [];
  const total = sources.reduce((a, s) => a + s.length, 0);
  for (let i = 0; base.length < total; i++) {
    for (const s of sources) if (i < s.length) base.push(s[i]!);
  }
  const out: BenchDoc[] = [];
  const rng = createRng('bench-build');
  for (let i = 0; out.length < n; i++) {
    const copy = Math.floor(i / base.length);
    const doc = base[i % base.length]!;
    if (copy === 0) {
      out.push({ _id: `d${i}`, title: doc.title ?? '', text: doc.text ?? '' });
      continue;
    }
    const donor = base[Math.floor(rng() * base.length)]!;
    const words = (doc.text ?? '').split(/\s+/).filter((_, k) => (k * 31 + copy * 17) % 7 !== 0);
    const borrowed = (donor.text ?? '').split(/\s+/).slice(0, 12);
    out.push({ _id: `d${i}`, title: doc.title ?? '', text: [...words, ...borrowed].join(' ') });
  }
  return out;
}

/** Writes makeCorpus(n) as JSONL. */
export function writeCorpus(file: string, n: number): void {
  fs.writeFileSync(file, makeCorpus(n).map((d) => JSON.stringify(d)).join('\n') + '\n');
}
