/**
 * Reads a folder of `.txt`, `.md` and `.markdown` files (recursively) into documents.
 * Why this way: the walk is finished and sorted before any file is read, so the order (and
 * every id) is the same on every machine; ids are POSIX paths relative to the folder.
 * Safety: hidden entries are skipped; symbolic links are followed only when they stay inside
 * the folder and do not lead back into their own ancestors (else a warning); FIFOs, sockets and
 * devices are never opened; a file over the byte cap is reported without being read.
 * Text: BOM dropped, CRLF turned into LF (so ids and hashes do not depend on a checkout's line endings);
 * Markdown loses its front matter, HTML comments and HTML tags (clean-text.ts), and the document's
 * source then carries the offset map back to the file (line numbers are the file's either way).
 */
import { isUtf8 } from 'node:buffer';
import type { Dirent } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CorpusDocument } from '../../src/core/types.js';
import { formatCount } from './format-issues.js';
import { cleanText } from './clean-text.js';
import { markdownHeadings } from './markdown-headings.js';
import { sniffEncodingProblem } from './read-lines.js';
import { ISSUE_SEVERITY, type LoadEvent, type LoadIssue, type LoadIssueKind, type ResolvedLoadOptions } from './types.js';

/** Extensions read as documents, lower-cased. */
export const TEXT_EXTENSIONS: readonly string[] = ['.txt', '.md', '.markdown'];
/** A first line or heading longer than this is not used as a title. */
export const MAX_TITLE_CHARS = 120;
const SNIFF_BYTES = 8192;
/** Files read ahead of the consumer; bounds memory to this many files of at most maxLineBytes each. */
const READ_AHEAD = 8;

interface FoundFile {
  /** POSIX path relative to the folder: the document id. */
  rel: string;
  abs: string;
}

/** Counts of files the walk passed over because of their extension, for the INPUT_EMPTY hint. */
export interface FolderWalkStats {
  ignoredByExtension: Map<string, number>;
}

/**
 * Streams the documents and issues of the folder `root`; `displayRoot` prefixes paths in issues.
 * `stats` (optional) receives what the walk ignored.
 */
export async function* loadFolder(
  root: string,
  displayRoot: string,
  options: ResolvedLoadOptions,
  stats?: FolderWalkStats,
): AsyncGenerator<LoadEvent> {
  const realRoot = await realpath(root);
  const files: FoundFile[] = [];
  const walkIssues: LoadIssue[] = [];
  // `root` may be one text file: a folder of one document, named by its file name.
  const single = (await stat(root)).isFile();
  const display = (rel: string): string => (single ? displayRoot : path.join(displayRoot, ...rel.split('/')));
  const report = (kind: LoadIssueKind, rel: string, message: string): void => {
    walkIssues.push({ kind, severity: ISSUE_SEVERITY[kind], path: display(rel), message });
  };
  const ignore = (name: string): void => {
    if (!stats) return;
    const ext = path.extname(name).toLowerCase() || '(none)';
    stats.ignoredByExtension.set(ext, (stats.ignoredByExtension.get(ext) ?? 0) + 1);
  };

  const walk = async (absDir: string, relDir: string, ancestors: ReadonlySet<string>): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(absDir, { withFileTypes: true });
    } catch (error) {
      report('unreadable', relDir || '.', `cannot list the folder (${errnoOf(error)})`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      const abs = path.join(absDir, entry.name);
      if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = await realpath(abs);
        } catch (error) {
          const code = errnoOf(error);
          if (code === 'ELOOP') report('symlink-loop', rel, 'symbolic link resolves to itself; not followed');
          else if (isTextFile(entry.name)) report('unreadable', rel, `broken symbolic link (${code})`);
          else ignore(entry.name);
          continue;
        }
        if (!isInside(realRoot, target)) {
          report('outside-link', rel, `symbolic link leads outside the folder (to ${target}); not followed`);
          continue;
        }
        let info;
        try {
          info = await stat(abs);
        } catch (error) {
          report('unreadable', rel, `cannot stat the link target (${errnoOf(error)})`);
          continue;
        }
        if (info.isDirectory()) {
          if (ancestors.has(target)) {
            report('symlink-loop', rel, 'symbolic link leads back to a folder that contains it; not followed');
            continue;
          }
          await walk(abs, rel, new Set([...ancestors, target]));
        } else if (isTextFile(entry.name)) {
          if (info.isFile()) files.push({ rel, abs });
          else report('unreadable', rel, 'not a regular file; not opened');
        } else {
          ignore(entry.name);
        }
      } else if (entry.isDirectory()) {
        let real: string;
        try {
          real = await realpath(abs);
        } catch (error) {
          report('unreadable', rel, `cannot resolve the folder (${errnoOf(error)})`);
          continue;
        }
        await walk(abs, rel, new Set([...ancestors, real]));
      } else if (isTextFile(entry.name)) {
        if (entry.isFile()) files.push({ rel, abs });
        else report('unreadable', rel, 'not a regular file (FIFO, socket or device); not opened');
      } else {
        ignore(entry.name);
      }
    }
  };

  if (single) files.push({ rel: path.basename(root), abs: root });
  else await walk(root, '', new Set([realRoot]));
  files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  for (const issue of walkIssues) yield { type: 'issue', issue };

  // Reads run a few files ahead of the consumer (file I/O dominates), but results are yielded in path order.
  const { onProgress } = options;
  const pending: Promise<LoadEvent[]>[] = [];
  let next = 0;
  const fill = (): void => {
    while (next < files.length && pending.length < READ_AHEAD) {
      const file = files[next]!;
      pending.push(readTextFile(file, display(file.rel), options));
      next += 1;
    }
  };
  fill();
  for (let done = 0; done < files.length; done += 1) {
    const file = files[done]!;
    const events = await pending.shift()!;
    fill();
    yield { type: 'file', path: display(file.rel) };
    yield* events;
    onProgress?.({ stage: 'load', done: done + 1, total: files.length, message: file.rel });
  }
}

/** The events of one file: at most one issue of each kind, then the document if it is usable. Never rejects. */
async function readTextFile(file: FoundFile, displayPath: string, options: ResolvedLoadOptions): Promise<LoadEvent[]> {
  const problem = (kind: LoadIssueKind, message: string): LoadEvent => ({
    type: 'issue',
    issue: { kind, severity: ISSUE_SEVERITY[kind], path: displayPath, id: file.rel, message },
  });
  let bytes: Buffer;
  try {
    const handle = await open(file.abs, 'r');
    try {
      const info = await handle.stat();
      if (info.size > options.maxLineBytes) {
        return [
          problem(
            'oversized',
            `file is ${formatCount(info.size)} bytes, over the ${formatCount(options.maxLineBytes)}-byte limit; it was not read`,
          ),
        ];
      }
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    return [problem('unreadable', `cannot read the file (${errnoOf(error)})`)];
  }
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  const encoding = sniffEncodingProblem(bytes.subarray(0, SNIFF_BYTES));
  if (encoding !== undefined) return [problem('bad-encoding', encoding)];
  const events: LoadEvent[] = [];
  if (!isUtf8(bytes)) events.push(problem('invalid-utf8', 'bytes that are not valid UTF-8 were replaced by U+FFFD'));
  const { text, offsets } = cleanText(bytes.toString('utf8'), isMarkdown(file.rel));
  if (text.trim() === '') return [...events, problem('empty', 'the file has no text')];
  if (text.length > options.maxDocumentChars) {
    return [
      ...events,
      problem('oversized', `${formatCount(text.length)} characters, over the ${formatCount(options.maxDocumentChars)}-character document limit`),
    ];
  }
  const document: CorpusDocument = {
    id: file.rel,
    title: deriveTitle(text, file.rel),
    text,
    source: offsets ? { path: file.rel, offsets } : { path: file.rel },
  };
  events.push({ type: 'document', document, location: { path: displayPath } });
  return events;
}

/**
 * Title of a folder document: for markdown, the first heading; otherwise (or without one) the
 * first non-empty line; the file name without extension when that is longer than MAX_TITLE_CHARS.
 */
export function deriveTitle(text: string, rel: string): string {
  const base = rel.slice(rel.lastIndexOf('/') + 1);
  const stem = base.slice(0, base.length - path.extname(base).length) || base;
  const markdown = isMarkdown(base);
  let body = text;
  if (markdown) {
    body = stripFrontMatter(text);
    const heading = markdownHeadings(body).find((h) => h.text !== '');
    if (heading) return heading.text.length <= MAX_TITLE_CHARS ? heading.text : stem;
  }
  const firstLine = body.split('\n', 64).find((line) => line.trim() !== '')?.trim();
  if (firstLine === undefined || firstLine.length > MAX_TITLE_CHARS) return stem;
  return firstLine;
}

/** Drops a leading YAML front-matter block (`---` ... `---`), which is metadata, not a title line. */
function stripFrontMatter(text: string): string {
  if (!text.startsWith('---\n')) return text;
  const close = text.indexOf('\n---', 4);
  if (close === -1) return text;
  const after = text.indexOf('\n', close + 4);
  return after === -1 ? '' : text.slice(after + 1);
}

function isMarkdown(name: string): boolean {
  return path.extname(name).toLowerCase() !== '.txt';
}

function isTextFile(name: string): boolean {
  return TEXT_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

function errnoOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : (error as Error | undefined)?.message ?? String(error);
}
