import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '../..');

describe('README library example', () => {
  it('is the file examples/library.ts, verbatim', () => {
    const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf8');
    const example = fs.readFileSync(path.join(repo, 'examples/library.ts'), 'utf8');
    const body = example.split('\n').slice(2).join('\n').trim();
    expect(readme).toContain(body);
  });

  it('runs against the compiled package and finds the folate trial in the top three', () => {
    // Runs in a scratch copy of the working directory layout so example.db lands outside the repo.
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-readme-'));
    try {
      fs.symlinkSync(path.join(repo, 'data'), path.join(work, 'data'));
      fs.mkdirSync(path.join(work, 'node_modules'));
      fs.symlinkSync(repo, path.join(work, 'node_modules', 'lattice'));
      const script = path.join(work, 'example.mjs');
      // Types are checked by test/package/pack-install.test.ts (tsc --strict on the packed package); here it only runs.
      const source = fs.readFileSync(path.join(repo, 'examples/library.ts'), 'utf8');
      const compiled = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } });
      fs.writeFileSync(script, compiled.outputText);
      const out = execFileSync(process.execPath, [script], { cwd: work, encoding: 'utf8', timeout: 120_000 });
      expect(out).toMatch(/^indexed 300 documents/m);
      expect(out).toMatch(/^[123]\. \d\.\d{3} Randomized trial of folic acid supplementation/m);
      expect(out).toMatch(/custom judge top hit: /);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
