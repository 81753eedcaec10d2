import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLattice } from '../helpers/run-lattice.js';
import { useTempDir } from '../helpers/temp-dir.js';
import os from 'node:os';

const sample = path.resolve(__dirname, '../../data/scifact-sample');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-cli-'));
const indexFile = path.join(work, 'sample.db');
const tempDir = useTempDir();

describe('lattice CLI', () => {
  beforeAll(async () => {
    const r = await runLattice(['build', sample, '-o', indexFile]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/documents\s+300/);
    expect(r.stdout).toMatch(/Index written to/);
  });

  it('prints plain progress lines when stderr is not a TTY', async () => {
    const out = path.join(tempDir(), 'p.db');
    const r = await runLattice(['build', sample, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^load\s/m);
    expect(r.stderr).toMatch(/^summarize\s+\[#+\]\s+\d+\/\d+\s+100%/m);
    expect(r.stderr).not.toMatch(/\r/);
  });

  it('builds without keyword profiles on --keywords 0', async () => {
    const out = path.join(tempDir(), 'k0.db');
    expect((await runLattice(['build', sample, '-o', out, '-q', '--keywords', '0'])).code).toBe(0);
    const n = await runLattice(['inspect', out, '--node', '2']);
    expect(n.code).toBe(0);
    expect(n.stdout).toMatch(/^summary:/m);
    expect(n.stdout).not.toMatch(/keywords|Keywords:/);
    expect((await runLattice(['build', sample, '-o', out, '--force', '--keywords', '-1'])).stderr).toMatch(/^error CONFIG_INVALID:.*keywords/m);
  });

  it('refuses to overwrite a finished index without --force', async () => {
    const r = await runLattice(['build', sample, '-o', indexFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error INDEX_EXISTS:/m);
    expect(r.stderr).toMatch(/^hint: .*--force/m);
  });

  it('answers a query with ranked documents and their paths', async () => {
    const r = await runLattice(['query', indexFile, 'A deficiency of folate increases blood levels of homocysteine.', '-k', '5']);
    expect(r.code).toBe(0);
    const ranks = r.stdout.match(/^\s+\d+\. \d\.\d{3} /gm) ?? [];
    expect(ranks.length).toBe(5);
    expect(r.stdout).toMatch(/path: /);
    expect(r.stdout).toMatch(/source: corpus\.jsonl:\d+/);
    expect(r.stdout).toMatch(/judge lexical\/bm25/);
  });

  it('prints the whole result as JSON, and a trace on request', async () => {
    const r = await runLattice(['query', indexFile, 'homocysteine folate', '--json', '-k', '3']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.hits).toHaveLength(3);
    expect(result.hits[0].path[0].kind).toBe('cluster');
    expect(result.trace.slates.length).toBeGreaterThan(0);
    const t = await runLattice(['query', indexFile, 'homocysteine folate', '--trace', '-k', '3']);
    expect(t.stdout).toMatch(/^Trace:/m);
    expect(t.stdout).toMatch(/iteration 0: expand #1 /);
  });

  it("searches with the embedding judge: cosine with the index's own embedder, one query embedding, no model", async () => {
    const r = await runLattice(['query', indexFile, 'A deficiency of folate increases blood levels of homocysteine.', '--judge', 'embedding', '--json', '-k', '5']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.trace.judge.provider).toBe('embedding');
    expect(result.trace.judge.modelId).toMatch(/^local:lsa/);
    expect(result.trace.judgeCalls).toBeGreaterThan(0);
    expect(result.trace.fallbackCalls).toBe(0);
    expect(result.hits.map((h: { docId: string }) => h.docId)).toContain('11705328');
  });

  it('reads a batch of queries from stdin, one JSON document a line', async () => {
    const r = await runLattice(['query', indexFile, '--json', '-k', '2'], { stdin: ['folate homocysteine', '', 'HIV infectiveness'] });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1]!).query).toBe('HIV infectiveness');
  });

  it('inspects the index and one node', async () => {
    const r = await runLattice(['inspect', indexFile]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/documents\s+300/);
    expect(r.stdout).toMatch(/^#1 /m);
    const n = await runLattice(['inspect', indexFile, '--node', '2']);
    expect(n.code).toBe(0);
    expect(n.stdout).toMatch(/^#2 /);
    expect(n.stdout).toMatch(/children \(\d+\):/);
    // A cluster shows its summary and its keyword profile apart, the profile cut to 60 terms.
    expect(n.stdout).toMatch(/^summary:\n {2}\S/m);
    const keywords = /^keywords \(([\d,]+), most distinctive first\):\n((?: {2}.*\n?)+)/m.exec(n.stdout);
    expect(keywords).not.toBeNull();
    expect(Number(keywords![1]!.replace(/,/g, ''))).toBeGreaterThan(60);
    expect(keywords![2]!.trim().split(/,\s+/)).toHaveLength(61);
  });

  it('quotes a number flag given text, and suggests the flag or command meant (issue 13)', async () => {
    const k = await runLattice(['query', path.join(work, 'nope.db'), 'x', '-k', 'abc']);
    expect(k.code).toBe(2);
    expect(k.stderr).toContain('-k expects a number, got "abc".');
    expect(k.stderr).not.toMatch(/NaN/);
    const long = await runLattice(['query', path.join(work, 'nope.db'), 'x', '--top-k=zz']);
    expect(long.stderr).toContain('--top-k expects a number, got "zz".');
    const flag = await runLattice(['query', path.join(work, 'nope.db'), 'x', '--topk', '3']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('Unknown argument: topk. Did you mean --top-k?');
    const build = await runLattice(['build', sample, '-o', path.join(work, 'x.db'), '--brnching', '3']);
    expect(build.stderr).toContain('Did you mean --branching?');
    const far = await runLattice(['query', path.join(work, 'nope.db'), 'x', '--zzzzzz', '3']);
    expect(far.stderr).not.toContain('Did you mean');
    const command = await runLattice(['qurey', 'sample.db', 'x']);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('Did you mean query?');
  });

  it('reports usage errors with exit 2 and user errors with a code and a hint', async () => {
    expect((await runLattice(['frobnicate'])).code).toBe(2);
    const missing = await runLattice(['query', path.join(work, 'nope.db'), 'x']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error INDEX_NOT_FOUND:/m);
    const json = await runLattice(['query', path.join(work, 'nope.db'), 'x', '--json']);
    expect(JSON.parse(json.stdout).error.code).toBe('INDEX_NOT_FOUND');
  });

  it('dry-run counts summary calls without writing an index', async () => {
    const out = path.join(tempDir(), 'dry.db');
    const r = await runLattice(['build', sample, '-o', out, '--dry-run', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.kind).toBe('dry-run');
    expect(report.documents).toBe(300);
    // 300 documents, M = 10 (indexer/cluster/level-sizes.ts): the level under the root's children
    // takes max(ceil(300/8), round(300^(2/3))) = 45 clusters, the root's children round(√45) = 7.
    expect(report.levels).toEqual([45, 7, 1]);
    expect(report.summaryCalls).toBe(53);
    expect(fs.existsSync(out)).toBe(false);
  });
});
