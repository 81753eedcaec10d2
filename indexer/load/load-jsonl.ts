/**
 * Reads a JSON Lines corpus (one JSON object a line) into documents and issues.
 * Why: a corpus line can be wrong in many ways (not JSON, no id, an object where a string
 * belongs, no content, far too long); each becomes an issue naming file:line and id, never a
 * silent drop and never a crash, and memory stays bounded whatever the line length (read-lines.ts).
 * Invariants: documents come out in file order; blank lines are skipped; numeric ids become
 * strings; unknown fields land in `metadata`. Duplicate ids are load-corpus.ts's business.
 */
import { open, stat } from 'node:fs/promises';
import { LatticeError } from '../../src/core/errors.js';
import type { CorpusDocument } from '../../src/core/types.js';
import { formatCount } from './format-issues.js';
import { readLines, sniffEncodingProblem } from './read-lines.js';
import { ISSUE_SEVERITY, type LoadEvent, type LoadIssue, type LoadIssueKind, type ResolvedLoadOptions } from './types.js';

/** Bytes examined for UTF-16, gzip and binary content before streaming. */
const SNIFF_BYTES = 8192;
/** Progress is reported at most once per this many bytes. */
const PROGRESS_STEP_BYTES = 1 << 20;
const MAX_MESSAGE_CHARS = 160;

/**
 * Streams the documents and issues of the JSONL file at `file`.
 * `displayPath` names the file in issues; `sourcePath` is stored in each document's `source.path`.
 * Throws INPUT_UNREADABLE when the file cannot be opened.
 */
export async function* loadJsonl(
  file: string,
  displayPath: string,
  sourcePath: string,
  options: ResolvedLoadOptions,
): AsyncGenerator<LoadEvent> {
  yield { type: 'file', path: displayPath };
  const size = await sniffOrThrow(file, displayPath);
  if (size.problem !== undefined) {
    yield issue('bad-encoding', displayPath, undefined, undefined, size.problem);
    return;
  }
  const { onProgress } = options;
  let reported = 0;
  const onBytes = onProgress
    ? (bytesRead: number): void => {
        if (bytesRead - reported >= PROGRESS_STEP_BYTES) {
          reported = bytesRead;
          onProgress({ stage: 'load', done: bytesRead, total: size.bytes, message: displayPath });
        }
      }
    : undefined;

  try {
    for await (const raw of readLines(file, { maxLineBytes: options.maxLineBytes, ...(onBytes ? { onBytes } : {}) })) {
      if (raw.text === undefined) {
        const id = idFromHead(raw.head ?? '', options.idFields);
        yield issue(
          'oversized',
          displayPath,
          raw.line,
          id,
          `line is ${formatCount(raw.bytes)} bytes, over the ${formatCount(options.maxLineBytes)}-byte line limit; it was not read`,
        );
        continue;
      }
      if (raw.text.trim() === '') continue;
      const parsed = parseLine(raw.text, options);
      if (raw.invalidUtf8) {
        yield issue(
          'invalid-utf8',
          displayPath,
          raw.line,
          parsed.id,
          'bytes that are not valid UTF-8 were replaced by U+FFFD',
        );
      }
      if (parsed.problem) {
        yield issue(parsed.problem.kind, displayPath, raw.line, parsed.id, parsed.problem.message);
        continue;
      }
      const document: CorpusDocument = {
        id: parsed.id!,
        title: parsed.title!,
        text: parsed.text!,
        source: { path: sourcePath, line: raw.line },
      };
      if (parsed.metadata) document.metadata = parsed.metadata;
      yield { type: 'document', document, location: { path: displayPath, line: raw.line } };
    }
  } catch (error) {
    throw unreadable(error, displayPath);
  }
  onProgress?.({ stage: 'load', done: size.bytes, total: size.bytes, message: displayPath });
}

interface ParsedLine {
  id?: string;
  title?: string;
  text?: string;
  metadata?: Record<string, unknown>;
  problem?: { kind: LoadIssueKind; message: string };
}

/** Maps one non-blank line to a document's fields, or to the first problem found. */
function parseLine(line: string, options: ResolvedLoadOptions): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { problem: { kind: 'malformed', message: clip((error as Error).message) } };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problem: { kind: 'malformed', message: `not a JSON object (got ${typeName(value)})` } };
  }
  const record = value as Record<string, unknown>;

  const idField = firstPresent(record, options.idFields);
  if (idField === undefined) {
    return { problem: { kind: 'missing-id', message: `no id: expected a field ${quoteList(options.idFields)}` } };
  }
  const rawId = record[idField];
  let id: string;
  if (typeof rawId === 'string') {
    if (rawId.trim() === '') return { problem: { kind: 'missing-id', message: `"${idField}" is an empty string` } };
    id = rawId;
  } else if (typeof rawId === 'number') {
    if (!Number.isSafeInteger(rawId)) {
      return {
        problem: {
          kind: 'bad-field',
          message: `numeric id ${String(rawId)} in "${idField}" is not a whole number below 2^53; write it as a string`,
        },
      };
    }
    id = String(rawId);
  } else {
    return {
      problem: { kind: 'bad-field', message: `"${idField}" is ${typeName(rawId)}; expected a string or a number` },
    };
  }

  const title = stringField(record, options.titleFields, 'title');
  if (!title.ok) return { id, problem: title.problem };
  const text = stringField(record, options.textFields, 'text');
  if (!text.ok) return { id, problem: text.problem };
  if (title.value.trim() === '' && text.value.trim() === '') {
    return { id, problem: { kind: 'empty', message: 'no content: title and text are both empty or missing' } };
  }
  const chars = title.value.length + text.value.length;
  if (chars > options.maxDocumentChars) {
    return {
      id,
      problem: {
        kind: 'oversized',
        message: `${formatCount(chars)} characters, over the ${formatCount(options.maxDocumentChars)}-character document limit`,
      },
    };
  }

  const used = new Set([idField, title.field, text.field]);
  const metadata = collectMetadata(record, used);
  return { id, title: title.value, text: text.value, ...(metadata ? { metadata } : {}) };
}

type StringFieldResult =
  | { ok: true; field: string | undefined; value: string }
  | { ok: false; problem: { kind: LoadIssueKind; message: string } };

/** Reads the first present field of `fields` as a string; numbers are coerced, other types are errors. */
function stringField(record: Record<string, unknown>, fields: readonly string[], role: string): StringFieldResult {
  const field = firstPresent(record, fields);
  if (field === undefined) return { ok: true, field: undefined, value: '' };
  const raw = record[field];
  if (typeof raw === 'string') return { ok: true, field, value: raw };
  if (typeof raw === 'number') return { ok: true, field, value: String(raw) };
  return { ok: false, problem: { kind: 'bad-field', message: `${role} field "${field}" is ${typeName(raw)}; expected a string` } };
}

/** Other fields, verbatim; a `metadata` object is merged in under the top-level fields. */
function collectMetadata(record: Record<string, unknown>, used: Set<string | undefined>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let any = false;
  for (const [key, value] of Object.entries(record)) {
    if (used.has(key)) continue;
    if (key === 'metadata' && typeof value === 'object' && value !== null && !Array.isArray(value)) continue;
    out[key] = value;
    any = true;
  }
  const nested = record['metadata'];
  if (!used.has('metadata') && typeof nested === 'object' && nested !== null && !Array.isArray(nested)) {
    for (const [key, value] of Object.entries(nested as Record<string, unknown>)) {
      if (key in out) continue;
      out[key] = value;
      any = true;
    }
  }
  return any ? out : undefined;
}

function firstPresent(record: Record<string, unknown>, fields: readonly string[]): string | undefined {
  for (const field of fields) {
    if (Object.prototype.hasOwnProperty.call(record, field) && record[field] !== null && record[field] !== undefined) {
      return field;
    }
  }
  return undefined;
}

/** Best-effort id of an oversized line, from its first bytes; undefined when not found there. */
function idFromHead(head: string, idFields: readonly string[]): string | undefined {
  for (const field of idFields) {
    const escaped = JSON.stringify(field).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const match = new RegExp(`${escaped}\\s*:\\s*("(?:[^"\\\\]|\\\\.)*"|-?\\d+)`).exec(head);
    if (match?.[1] === undefined) continue;
    try {
      const value: unknown = JSON.parse(match[1]);
      if (typeof value === 'string' || typeof value === 'number') return String(value);
    } catch {
      // A head cut inside an escape sequence; the id is simply unknown.
    }
  }
  return undefined;
}

async function sniffOrThrow(file: string, displayPath: string): Promise<{ bytes: number; problem: string | undefined }> {
  try {
    const info = await stat(file);
    const handle = await open(file, 'r');
    try {
      const buf = Buffer.alloc(Math.min(SNIFF_BYTES, info.size));
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      return { bytes: info.size, problem: sniffEncodingProblem(buf.subarray(0, bytesRead)) };
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw unreadable(error, displayPath);
  }
}

function unreadable(error: unknown, displayPath: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return error;
  return new LatticeError('INPUT_UNREADABLE', `cannot read "${displayPath}" (${code})`, {
    hint: code === 'EACCES' || code === 'EPERM' ? 'Check the file permissions (it must be readable by you).' : 'Check that the path is a readable regular file.',
    details: { path: displayPath, errno: code },
    cause: error,
  });
}

function issue(
  kind: LoadIssueKind,
  path: string,
  line: number | undefined,
  id: string | undefined,
  message: string,
): LoadEvent {
  const out: LoadIssue = { kind, severity: ISSUE_SEVERITY[kind], path, message };
  if (line !== undefined) out.line = line;
  if (id !== undefined) out.id = id;
  return { type: 'issue', issue: out };
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'boolean':
      return `a boolean (${String(value)})`;
    case 'number':
      return `a number (${String(value)})`;
    case 'string':
      return 'a string';
    default:
      return typeof value;
  }
}

function quoteList(fields: readonly string[]): string {
  return fields.map((f) => `"${f}"`).join(' or ');
}

function clip(message: string): string {
  return message.length <= MAX_MESSAGE_CHARS ? message : `${message.slice(0, MAX_MESSAGE_CHARS - 1)}…`;
}
