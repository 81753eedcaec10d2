/**
 * `npm run demo`: builds an index of the bundled sample corpus in local mode (no model
 * needed) and runs a few of its claims as queries, printing each command as it runs it,
 * so the output reads like a terminal session a user can repeat by hand.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/main.js';
import { processIO } from '../src/cli/io.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const sample = path.join('data', 'scifact-sample');
const queriesFile = path.join(root, sample, 'demo-queries.txt');
const indexFile = 'sample.db';

async function run(args: string[]): Promise<void> {
  process.stdout.write(`\n$ lattice ${args.map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(' ')}\n`);
  const code = await main(args, { ...processIO(), readStdin: undefined });
  if (code !== 0) {
    process.stderr.write(`demo: the command above exited with ${code}\n`);
    process.exit(code);
  }
}

process.chdir(root);
const queries = fs
  .readFileSync(queriesFile, 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

await run(['build', sample, '-o', indexFile, '--force']);
await run(['inspect', indexFile, '--depth', '1']);
for (const [i, query] of queries.entries()) {
  await run(['query', indexFile, query, '-k', '3', ...(i === 0 ? ['--trace'] : [])]);
}
process.stdout.write(`\nThe index is ${path.join(root, indexFile)}; try \`node bin/lattice.js query ${indexFile} "your question"\`.\n`);
