/**
 * The corpus loader's front door: decides the input's format from what the path is, runs
 * the matching reader, drops repeated ids, and applies the bad-input policy.
 * Policy: every problem is an issue naming file:line and id. By default any error-severity
 * issue fails the load with one INPUT_BAD_DOCUMENTS listing counts and examples; with
 * `skipBad` the bad documents are skipped and returned in `issues`. Warnings (invalid UTF-8,
 * links not followed) never fail. Nothing is dropped silently. First step of indexer/build.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { LatticeError } from '../../src/core/errors.js';
import type { CorpusDocument } from '../../src/core/types.js';
import { countIssues, formatIssue, issueLocation } from './format-issues.js';
import { BEIR_CORPUS_FILE, loadBeir } from './load-beir.js';
import { type FolderWalkStats, loadFolder, TEXT_EXTENSIONS } from './load-folder.js';
import { loadJsonl } from './load-jsonl.js';
import {
  type CorpusFormat,
  ISSUE_SEVERITY,
  type LoadEvent,
  type LoadIssue,
  type LoadOptions,
  type LoadResult,
  type ResolvedLoadOptions,
} from './types.js';

/** Default `maxDocumentChars`: about 250k tokens, far beyond any passage a judge reads whole. */
export const DEFAULT_MAX_DOCUMENT_CHARS = 1_000_000;
const JSONL_EXTENSIONS = ['.jsonl', '.ndjson'];
const FORMATS: readonly CorpusFormat[] = ['jsonl', 'beir', 'folder'];
const INPUT_HINT = 'Pass a .jsonl file, a BEIR directory (one holding corpus.jsonl), a folder of .txt/.md files or one such file.';

/**
 * Loads every document of `input` (a .jsonl/.ndjson file, a BEIR directory or a folder of text files).
 * Fails with INPUT_NOT_FOUND, INPUT_UNSUPPORTED, INPUT_UNREADABLE, INPUT_BAD_DOCUMENTS (unless
 * `skipBad`), INPUT_EMPTY, or CONFIG_INVALID for bad options.
 */
export async function loadCorpus(input: string, options: LoadOptions = {}): Promise<LoadResult> {
  const resolved = resolveLoadOptions(options);
  const format = await detectCorpusFormat(input, resolved.format);
  const stats: FolderWalkStats = { ignoredByExtension: new Map() };
  const documents: CorpusDocument[] = [];
  const issues: LoadIssue[] = [];
  let files = 0;
  for await (const event of streamFormat(input, format, resolved, stats)) {
    if (event.type === 'document') documents.push(event.document);
    else if (event.type === 'issue') issues.push(event.issue);
    else files += 1;
  }
  const errors = issues.filter((issue) => issue.severity === 'error');
  if (errors.length > 0 && !resolved.skipBad) throw badDocumentsError(input, errors);
  if (documents.length === 0) throw emptyCorpusError(input, format, errors.length, issues.length - errors.length, stats);
  return { documents, issues, format, files };
}

/**
 * Streams documents and issues in input order, with repeated ids already turned into
 * `duplicate-id` issues, but without the failure policy: the caller decides what an error means.
 */
export async function* streamCorpus(input: string, options: LoadOptions = {}): AsyncGenerator<LoadEvent> {
  const resolved = resolveLoadOptions(options);
  const format = await detectCorpusFormat(input, resolved.format);
  yield* streamFormat(input, format, resolved, undefined);
}

/**
 * What `input` is: a file ending .jsonl/.ndjson is `jsonl`; a directory holding corpus.jsonl is
 * `beir`; any other directory, or one .txt/.md file, is `folder`. `forced` overrides the guess where the path allows it.
 */
export async function detectCorpusFormat(input: string, forced?: CorpusFormat): Promise<CorpusFormat> {
  if (typeof input !== 'string' || input === '') {
    throw new LatticeError('INPUT_NOT_FOUND', 'no input path given', { hint: INPUT_HINT });
  }
  let info;
  try {
    info = await stat(input);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new LatticeError('INPUT_NOT_FOUND', `no file or folder at "${input}"`, {
        hint: `Check the path. ${INPUT_HINT}`,
        details: { path: input },
      });
    }
    throw new LatticeError('INPUT_UNREADABLE', `cannot read "${input}" (${code ?? String(error)})`, {
      hint: 'Check the permissions of the path and of the folders above it.',
      details: { path: input, errno: code },
      cause: error,
    });
  }
  const ext = path.extname(input).toLowerCase();
  if (info.isFile()) {
    // A single .txt/.md file is a one-document folder: id = its file name, same title, chunks and lines.
    if ((forced === undefined || forced === 'folder') && TEXT_EXTENSIONS.includes(ext)) return 'folder';
    if (forced === 'beir' || forced === 'folder') {
      throw new LatticeError('INPUT_UNSUPPORTED', `"${input}" is a file, but format "${forced}" reads a directory`, {
        hint: 'Pass the directory, or drop the format option to detect it.',
      });
    }
    if (forced === 'jsonl' || JSONL_EXTENSIONS.includes(ext)) return 'jsonl';
    throw new LatticeError('INPUT_UNSUPPORTED', `cannot read "${input}": "${ext || 'no extension'}" is not a corpus format`, {
      hint: unsupportedFileHint(ext),
      details: { path: input },
    });
  }
  if (info.isDirectory()) {
    if (forced === 'jsonl') {
      throw new LatticeError('INPUT_UNSUPPORTED', `"${input}" is a directory, but format "jsonl" reads a file`, {
        hint: `Pass the .jsonl file itself, or use format "beir" for a directory holding ${BEIR_CORPUS_FILE}.`,
      });
    }
    const hasCorpus = await isFile(path.join(input, BEIR_CORPUS_FILE));
    if (forced === 'beir' && !hasCorpus) {
      throw new LatticeError('INPUT_NOT_FOUND', `"${input}" has no ${BEIR_CORPUS_FILE}, so it is not a BEIR directory`, {
        hint: 'Pass the directory that holds corpus.jsonl, or drop the format option to read a folder of text files.',
      });
    }
    if (forced === 'folder') return 'folder';
    return hasCorpus ? 'beir' : 'folder';
  }
  throw new LatticeError('INPUT_UNSUPPORTED', `"${input}" is neither a regular file nor a directory`, { hint: INPUT_HINT });
}

/** Applies defaults and checks option values; throws CONFIG_INVALID naming the bad option. */
export function resolveLoadOptions(options: LoadOptions = {}): ResolvedLoadOptions {
  const maxDocumentChars = positiveInteger('maxDocumentChars', options.maxDocumentChars, DEFAULT_MAX_DOCUMENT_CHARS);
  const maxLineBytes = positiveInteger('maxLineBytes', options.maxLineBytes, maxDocumentChars * 6 + (1 << 20));
  if (options.format !== undefined && !FORMATS.includes(options.format)) {
    throw new LatticeError('CONFIG_INVALID', `format "${String(options.format)}" is not one of ${FORMATS.join(', ')}`, {
      hint: 'Use jsonl, beir or folder, or leave the format out to detect it from the path.',
    });
  }
  const idField = fieldName('idField', options.idField);
  const titleField = fieldName('titleField', options.titleField);
  const textField = fieldName('textField', options.textField);
  return {
    idFields: idField ? [idField] : ['_id', 'id'],
    titleFields: titleField ? [titleField] : ['title'],
    textFields: textField ? [textField] : ['text', 'contents'],
    maxDocumentChars,
    maxLineBytes,
    skipBad: options.skipBad === true,
    format: options.format,
    onProgress: options.onProgress,
    fieldsGiven: idField !== undefined || titleField !== undefined || textField !== undefined,
  };
}

async function* streamFormat(
  input: string,
  format: CorpusFormat,
  options: ResolvedLoadOptions,
  stats: FolderWalkStats | undefined,
): AsyncGenerator<LoadEvent> {
  let source: AsyncGenerator<LoadEvent>;
  if (format === 'folder') {
    if (options.fieldsGiven) {
      throw new LatticeError('CONFIG_INVALID', `field options (idField, titleField, textField) do not apply to the folder "${input}"`, {
        hint: 'Drop them: folder documents take their id from the file path and their title from the first heading or line.',
      });
    }
    source = loadFolder(input, input, options, stats);
  } else if (format === 'beir') {
    source = loadBeir(input, input, options);
  } else {
    source = loadJsonl(input, input, path.basename(input), options);
  }
  const firstSeen = new Map<string, string>();
  for await (const event of source) {
    if (event.type === 'document') {
      const { id } = event.document;
      const where = locationText(event.location);
      const earlier = firstSeen.get(id);
      if (earlier !== undefined) {
        const issue: LoadIssue = {
          kind: 'duplicate-id',
          severity: ISSUE_SEVERITY['duplicate-id'],
          path: event.location.path,
          id,
          message: `id already used at ${earlier}; the first one is kept`,
        };
        if (event.location.line !== undefined) issue.line = event.location.line;
        yield { type: 'issue', issue };
        continue;
      }
      firstSeen.set(id, where);
    }
    yield event;
  }
}

function badDocumentsError(input: string, errors: LoadIssue[]): LatticeError {
  const shown = errors.slice(0, 3).map(formatIssue).join('; ');
  const more = errors.length > 3 ? `; and ${errors.length - 3} more` : '';
  const noun = errors.length === 1 ? 'bad document' : 'bad documents';
  const kinds = Object.entries(countIssues(errors))
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
  return new LatticeError('INPUT_BAD_DOCUMENTS', `${errors.length} ${noun} in "${input}" (${kinds}). First: ${shown}${more}`, {
    hint: 'Fix them, or pass --skip-bad (skipBad: true) to skip bad documents and list each one.',
    details: {
      counts: countIssues(errors),
      examples: errors.slice(0, 20).map((issue) => ({ ...issue, location: issueLocation(issue) })),
    },
  });
}

function emptyCorpusError(
  input: string,
  format: CorpusFormat,
  skipped: number,
  warnings: number,
  stats: FolderWalkStats,
): LatticeError {
  if (skipped > 0) {
    return new LatticeError('INPUT_EMPTY', `no usable documents in "${input}": all ${skipped} were skipped as bad`, {
      hint: 'Fix the issues listed with the error above; lattice needs at least one good document.',
    });
  }
  if (format !== 'folder') {
    return new LatticeError('INPUT_EMPTY', `"${input}" has no documents (every line is blank)`, {
      hint: 'Write one JSON object a line, e.g. {"_id": "d1", "title": "...", "text": "..."}.',
    });
  }
  const ignored = [...stats.ignoredByExtension.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const what = ignored.length === 0 ? '' : ` (it holds ${ignored.slice(0, 4).map(([ext, n]) => `${n} ${ext}`).join(', ')} file${ignored.length === 1 && ignored[0]![1] === 1 ? '' : 's'})`;
  const hasJsonl = ignored.some(([ext]) => JSONL_EXTENSIONS.includes(ext));
  const notFollowed = warnings > 0 ? `; ${warnings} link${warnings === 1 ? ' was' : 's were'} not followed` : '';
  return new LatticeError('INPUT_EMPTY', `no ${TEXT_EXTENSIONS.join(', ')} files in "${input}"${what}${notFollowed}`, {
    hint: hasJsonl
      ? 'To read a JSONL corpus, pass the .jsonl file itself.'
      : 'Add .txt or .md files (hidden files and folders are skipped), or convert the documents to JSONL.',
    details: { path: input, ignored: Object.fromEntries(ignored) },
  });
}

function unsupportedFileHint(ext: string): string {
  if (ext === '.json') return 'lattice reads JSON Lines (one object a line); if the file already is, rename it to .jsonl.';
  if (ext === '.gz' || ext === '.zip' || ext === '.bz2' || ext === '.xz') return 'Decompress the file first.';
  return INPUT_HINT;
}

function locationText(location: { path: string; line?: number }): string {
  return location.line === undefined ? location.path : `${location.path}:${location.line}`;
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new LatticeError('CONFIG_INVALID', `${name} must be a positive whole number, got ${JSON.stringify(value)}`, {
      hint: `Pass a positive integer for ${name}, or leave it out for the default.`,
    });
  }
  return value;
}

function fieldName(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new LatticeError('CONFIG_INVALID', `${name} must be a non-empty field name, got ${JSON.stringify(value)}`, {
      hint: `Name the JSONL field, e.g. ${name}: "${name === 'idField' ? 'doc_id' : name === 'titleField' ? 'headline' : 'body'}".`,
    });
  }
  return value;
}
