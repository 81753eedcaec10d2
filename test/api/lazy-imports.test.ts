/**
 * Opening and searching an index must not load what only a build needs (the indexer, ml-kmeans)
 * or what only a model provider needs (@huggingface/transformers, node-llama-cpp): each costs a
 * cold `lattice query` time at start-up (scripts/bench-cold-query.ts measures it). A module
 * resolve hook in a fresh process records every module the process loads.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/temp-dir.js';

const repo = path.resolve(__dirname, '../..');
const tempDir = useTempDir();

function loadedModules(script: string): string[] {
  const dir = tempDir();
  const log = path.join(dir, 'loaded.txt');
  fs.writeFileSync(
    path.join(dir, 'hooks.mjs'),
    `import fs from 'node:fs';\nexport async function resolve(specifier, context, next) {\n  const result = await next(specifier, context);\n  fs.appendFileSync(${JSON.stringify(log)}, result.url + '\\n');\n  return result;\n}\n`,
  );
  fs.writeFileSync(path.join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${path.join(dir, 'hooks.mjs')}`)});\n`);
  fs.writeFileSync(path.join(dir, 'main.mjs'), script);
  execFileSync(process.execPath, ['--import', path.join(dir, 'register.mjs'), path.join(dir, 'main.mjs')], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
  return fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

describe('lazy imports', () => {
  it('importing the library and searching load neither the indexer nor an optional peer', () => {
    const work = tempDir();
    const file = path.join(work, 'sample.db');
    execFileSync(process.execPath, [path.join(repo, 'bin/lattice.js'), 'build', path.join(repo, 'data/scifact-sample'), '-o', file, '--quiet'], { timeout: 120_000 });
    const loaded = loadedModules(
      `const { openIndex } = await import(${JSON.stringify(path.join(repo, 'dist/src/index.js'))});\nconst index = openIndex(${JSON.stringify(file)});\nawait index.search('folate homocysteine');\nindex.close();\n`,
    );
    expect(loaded.some((url) => url.endsWith('/dist/src/api/lattice-index.js'))).toBe(true);
    for (const heavy of ['/dist/indexer/build.js', '/ml-kmeans/', '/@huggingface/transformers/', '/onnxruntime-node/', '/node-llama-cpp/']) {
      expect(loaded.filter((url) => url.includes(heavy)), heavy).toEqual([]);
    }
  });
});
