/**
 * Where a cold `lattice query` spends its time, on SciFact's 5,183-document index: each figure is
 * the median over fresh Node processes (the page cache is warm; nothing else is).
 *   node start       `node -e 0`
 *   import library   importing the package's entry (dist/src/index.js), after start
 *   open index       openIndex (SQLite open, schema and completeness checks, root)
 *   first search     the default search (BM25 statistics and seeds loaded on first use, then the tree)
 *   same search again  in the same process (what stays cached)
 *   whole command    `node bin/lattice.js query <index> <question> --json`, wall time
 * Usage: node dist/scripts/bench-cold-query.js [--runs 7] [--index file.db] [--dist dir]
 * (--dist measures another compiled tree, e.g. an older checkout's dist/, against the same index).
 * Builds .cache/cold-query/scifact.db from ../shared/datasets/scifact when --index is not given.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildIndex } from '../src/index.js';
import { datasetsDir, repoRoot } from './synthetic-corpus.js';

const QUESTION = 'Folate deficiency raises homocysteine levels';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, index: { type: 'string' }, dist: { type: 'string' } } });
const runs = Number(values.runs);
const dist = path.resolve(values.dist ?? path.join(repoRoot, 'dist'));
const index = path.resolve(values.index ?? path.join(repoRoot, '.cache/cold-query/scifact.db'));

if (!fs.existsSync(index)) {
  fs.mkdirSync(path.dirname(index), { recursive: true });
  process.stderr.write(`building ${index} from SciFact ...\n`);
  await buildIndex({ input: path.join(datasetsDir, 'scifact'), output: index });
}

/** One child process: milliseconds since its start at each step, as JSON. */
const child = `
const t0 = performance.now();
const lib = await import(${JSON.stringify(path.join(dist, 'src/index.js'))});
const t1 = performance.now();
const index = lib.openIndex(${JSON.stringify(index)});
const t2 = performance.now();
await index.search(${JSON.stringify(QUESTION)});
const t3 = performance.now();
await index.search(${JSON.stringify(QUESTION)});
const t4 = performance.now();
index.close();
console.log(JSON.stringify({ start: t0, importLib: t1 - t0, open: t2 - t1, search: t3 - t2, again: t4 - t3 }));
`;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const wall = (args: string[]): number => {
  const t = performance.now();
  execFileSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'ignore'] });
  return performance.now() - t;
};

const steps: Record<string, number[]> = { 'node start': [], 'import library': [], 'open index': [], 'first search': [], 'same search again': [], 'whole command': [] };
const bin = path.join(path.dirname(dist), 'bin/lattice.js');
for (let i = 0; i < runs; i++) {
  steps['node start']!.push(wall(['-e', '0']));
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8' })) as Record<string, number>;
  steps['import library']!.push(out['importLib']!);
  steps['open index']!.push(out['open']!);
  steps['first search']!.push(out['search']!);
  steps['same search again']!.push(out['again']!);
  if (fs.existsSync(bin)) steps['whole command']!.push(wall([bin, 'query', index, QUESTION, '--json']));
}

const [load1] = (await import('node:os')).loadavg();
console.log(`cold query on ${path.basename(index)} with ${dist}, median of ${runs} processes (load average ${load1!.toFixed(1)}):`);
for (const [step, xs] of Object.entries(steps)) if (xs.length > 0) console.log(`  ${step.padEnd(17)} ${median(xs).toFixed(0).padStart(5)} ms`);
