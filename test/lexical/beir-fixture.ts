/**
 * Test helper: locates the shared BEIR datasets beside the repository and reads a corpus.
 * Datasets are resolved from the repository root, never from an absolute path.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const datasetsDir = path.resolve(repoRoot, '../shared/datasets');

export function datasetDir(name: string): string {
  return path.join(datasetsDir, name);
}

export function hasDataset(name: string): boolean {
  return existsSync(path.join(datasetDir(name), 'corpus.jsonl'));
}

export interface BeirDoc {
  id: string;
  title: string;
  text: string;
}

export function readCorpus(name: string): BeirDoc[] {
  const file = path.join(datasetDir(name), 'corpus.jsonl');
  const docs: BeirDoc[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const row = JSON.parse(line) as { _id: string | number; title?: string; text?: string };
    docs.push({ id: String(row._id), title: row.title ?? '', text: row.text ?? '' });
  }
  return docs;
}
