/**
 * The package as a consumer gets it: `npm pack`, then `npm install` of the tarball into a fresh
 * project with no .npmrc and no configuration, then `tsc --strict` on the README's library example
 * (examples/library.ts) and a run of the compiled file. Also: the tarball ships no tests or
 * sources, the optional peers (@huggingface/transformers with onnxruntime, node-llama-cpp) are not
 * installed, and asking for the transformers embedder without it is CONFIG_MISSING with the
 * install command.
 * Time: the install compiles better-sqlite3 and hnswlib-node with node-gyp (the registry is the
 * only network here, so better-sqlite3's prebuilt binary cannot be fetched); tarballs come from
 * npm's cache (--prefer-offline). Measured on the shared 2-core machine: see the README
 * (Dependencies). The limit below is generous because the machine is shared; the target is under
 * 3 minutes.
 * Needs: dist/ built (npm test builds first), Node's headers beside the node binary (as .ci/run).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '../..');
const INSTALL_TIMEOUT_MS = 600_000;

let work: string;
let project: string;
let tarball: string;

/** npm's environment for a consumer: none of this repository's npm settings, Node's own headers for node-gyp. */
function consumerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  const prefix = path.dirname(path.dirname(fs.realpathSync(process.execPath)));
  if (fs.existsSync(path.join(prefix, 'include/node/node.h'))) env['npm_config_nodedir'] = prefix;
  return env;
}

function npm(args: string[], cwd: string, timeout = INSTALL_TIMEOUT_MS): string {
  return execFileSync('npm', args, { cwd, env: consumerEnv(), encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-pack-'));
  // --ignore-scripts: dist/ is already built, and `prepare` would rebuild it.
  const packed = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], repo, 120_000)) as { filename: string }[];
  tarball = path.join(work, packed[0]!.filename);
  project = path.join(work, 'consumer');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2));
  const typescript = (JSON.parse(fs.readFileSync(path.join(repo, 'node_modules/typescript/package.json'), 'utf8')) as { version: string }).version;
  const typesNode = (JSON.parse(fs.readFileSync(path.join(repo, 'node_modules/@types/node/package.json'), 'utf8')) as { version: string }).version;
  npm(['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, `typescript@${typescript}`, `@types/node@${typesNode}`], project);
}, INSTALL_TIMEOUT_MS + 120_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('the packed package in a fresh project', () => {
  it('ships bin and dist, no tests, sources or source maps', () => {
    const installed = path.join(project, 'node_modules/lattice');
    expect(fs.existsSync(path.join(installed, 'bin/lattice.js'))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'dist/src/index.d.ts'))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'dist/src/eval/index.js'))).toBe(true);
    for (const absent of ['test', 'dist/test', 'src', 'scripts', 'dist/scripts']) expect(fs.existsSync(path.join(installed, absent)), absent).toBe(false);
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n');
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it('installs without the optional peers', () => {
    for (const peer of ['@huggingface/transformers', 'onnxruntime-node', 'node-llama-cpp', '@types/better-sqlite3']) {
      expect(fs.existsSync(path.join(project, 'node_modules', peer)), peer).toBe(false);
    }
  });

  it('type-checks the README library example with tsc --strict and runs it', () => {
    fs.copyFileSync(path.join(repo, 'examples/library.ts'), path.join(project, 'example.ts'));
    // The example reads data/scifact-sample from its working directory, as in the repository.
    fs.symlinkSync(path.join(repo, 'data'), path.join(project, 'data'));
    const tsconfig = {
      compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', skipLibCheck: false, types: ['node'], outDir: 'out' },
      files: ['example.ts'],
    };
    fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    const tsc = path.join(project, 'node_modules/typescript/bin/tsc');
    try {
      execFileSync(process.execPath, [tsc, '-p', '.'], { cwd: project, encoding: 'utf8', timeout: 120_000 });
    } catch (error) {
      throw new Error(`tsc --strict failed:\n${(error as { stdout?: string }).stdout ?? String(error)}`);
    }
    const out = execFileSync(process.execPath, ['out/example.js'], { cwd: project, encoding: 'utf8', timeout: 120_000 });
    expect(out).toMatch(/^indexed 300 documents/m);
    expect(out).toMatch(/custom judge top hit: /);
  });

  it('asks for the transformers embedder without it: CONFIG_MISSING with the install command', () => {
    fs.writeFileSync(
      path.join(project, 'peer.mjs'),
      `import { buildIndex } from 'lattice';
try {
  await buildIndex({ input: 'data/scifact-sample', output: 'peer.db', force: true, embedder: 'transformers', embeddingModel: 'models/none' });
  console.log('built');
} catch (error) {
  console.log(JSON.stringify({ code: error.code, hint: error.hint }));
}
`,
    );
    const run = execFileSync(process.execPath, ['peer.mjs'], { cwd: project, encoding: 'utf8', timeout: 120_000 });
    const result = JSON.parse(run.trim().split('\n').pop()!) as { code: string; hint: string };
    expect(result.code).toBe('CONFIG_MISSING');
    expect(result.hint).toContain('npm install @huggingface/transformers@4');
  });

  it('runs the CLI from the package bin', () => {
    const out = execFileSync(path.join(project, 'node_modules/.bin/lattice'), ['--version'], { cwd: project, encoding: 'utf8', timeout: 60_000 });
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
