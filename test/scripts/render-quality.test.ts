import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { qualityReport } from '../../scripts/render-quality.js';
import { renderFindings } from '../../scripts/quality-findings.js';
import type { QualityRun } from '../../scripts/quality-results.js';

const root = path.resolve(import.meta.dirname, '../..');
const paths = { json: path.join(root, 'docs/benchmarks/quality.json'), out: path.join(root, 'BENCHMARKS.md'), images: path.join(root, 'docs/benchmarks') };
const load = (): QualityRun => JSON.parse(fs.readFileSync(paths.json, 'utf8')) as QualityRun;

function setNdcg(run: QualityRun, dataset: string, key: string, value: number): void {
  const row = run.results.find((r) => r.name === dataset)!.main.find((m) => m.key === key)!;
  row.report.ndcg10 = value;
}

describe('BENCHMARKS.md', () => {
  it('is exactly what render-quality makes of the committed raw output (no figure typed by hand)', () => {
    // Also fails when a page BENCHMARKS.md links (docs/benchmarks/real-models.md, real-llm.md) appears or goes.
    const stale = 'BENCHMARKS.md is stale: run `npx tsc -p . && node dist/scripts/render-quality.js`';
    expect(fs.readFileSync(paths.out, 'utf8'), stale).toBe(qualityReport(load(), paths));
  });

  it('states the findings from the figures, so a changed figure changes the sentence', () => {
    const run = load();
    const bm25 = run.results.find((r) => r.name === 'scifact')!.main.find((m) => m.key === 'bm25')!.report.ndcg10;
    expect(renderFindings(run)).toContain(`BM25 flat scores nDCG@10 ${bm25.toFixed(4)} on SciFact test, inside the published`);
    setNdcg(run, 'scifact', 'bm25', 0.6);
    expect(renderFindings(run)).toContain('BM25 flat scores nDCG@10 0.6000 on SciFact test, outside the published');

    // Path relevance off from the root becomes the largest loss on every goal dataset.
    for (const name of ['scifact', 'npl', 'cranfield']) setNdcg(run, name, 'root-path-off', 0.01);
    expect(renderFindings(run)).toContain('where it is the largest loss of any ablation on SciFact, NPL, Cranfield, as in the paper.');
  });
});
