/**
 * Vocabulary of corpus loading: options, issues, stream events and the result.
 * Why separate: every loader (JSONL, BEIR, folder) and the CLI's issue printer share
 * these shapes, and none of them should import another loader to get them.
 * Invariant: an issue always names the file (and the line for JSONL) a user can open.
 */
import type { CorpusDocument, ProgressListener } from '../../src/core/types.js';

export type CorpusFormat = 'jsonl' | 'beir' | 'folder';

/**
 * What went wrong with one line, file or link.
 * - `malformed`: the line is not JSON, or not a JSON object.
 * - `missing-id`: no id field, or an empty id.
 * - `bad-field`: id, title or text has an unusable type (object, array, boolean, unsafe number).
 * - `duplicate-id`: the id was already loaded; the first occurrence is kept.
 * - `empty`: neither title nor text has content (a title-only document is valid).
 * - `oversized`: longer than `maxDocumentChars`, or a line/file longer than the byte cap.
 * - `invalid-utf8`: bytes that are not UTF-8 were replaced by U+FFFD (a warning; the document is kept).
 * - `bad-encoding`: a UTF-16, gzip or binary file where UTF-8 text was expected.
 * - `unreadable`: the file exists but cannot be read (permissions, broken link, FIFO).
 * - `outside-link`: a symbolic link leading out of the input folder (a warning; not followed).
 * - `symlink-loop`: a symbolic link leading back into its own ancestors (a warning; not followed).
 */
export type LoadIssueKind =
  | 'malformed'
  | 'missing-id'
  | 'bad-field'
  | 'duplicate-id'
  | 'empty'
  | 'oversized'
  | 'invalid-utf8'
  | 'bad-encoding'
  | 'unreadable'
  | 'outside-link'
  | 'symlink-loop';

export type LoadIssueSeverity = 'error' | 'warning';

/** One reported problem. Errors are documents that could not be loaded; warnings lost nothing the user asked for. */
export interface LoadIssue {
  kind: LoadIssueKind;
  severity: LoadIssueSeverity;
  /** The file as the user can open it: the input path joined with the file's place inside it. */
  path: string;
  /** 1-based line for JSONL inputs. */
  line?: number;
  /** The document id, when it could be read. */
  id?: string;
  message: string;
}

/** Severity of each kind; errors fail the load unless `skipBad` is set. */
export const ISSUE_SEVERITY: Readonly<Record<LoadIssueKind, LoadIssueSeverity>> = {
  malformed: 'error',
  'missing-id': 'error',
  'bad-field': 'error',
  'duplicate-id': 'error',
  empty: 'error',
  oversized: 'error',
  'invalid-utf8': 'warning',
  'bad-encoding': 'error',
  unreadable: 'error',
  'outside-link': 'warning',
  'symlink-loop': 'warning',
};

export interface LoadOptions {
  /** JSONL field holding the id; default `_id`, then `id`. */
  idField?: string;
  /** JSONL field holding the title; default `title`. */
  titleField?: string;
  /** JSONL field holding the text; default `text`, then `contents`. */
  textField?: string;
  /** Longest document accepted, in UTF-16 code units of title plus text; default 1,000,000. */
  maxDocumentChars?: number;
  /**
   * Longest JSONL line or text file read into memory, in bytes; default maxDocumentChars × 6 + 1 MiB
   * (a `\uXXXX` escape is 6 bytes per character). Longer ones are reported `oversized` without being buffered.
   */
  maxLineBytes?: number;
  /** Skip bad documents and list them in `issues` instead of failing; default false. */
  skipBad?: boolean;
  /** Force a format instead of detecting it from the path. */
  format?: CorpusFormat;
  /** Stage `load`: bytes for JSONL inputs, files for folders. */
  onProgress?: ProgressListener;
}

export interface LoadResult {
  documents: CorpusDocument[];
  /** Every issue, in input order: warnings always, errors only when `skipBad` let the load go on. */
  issues: LoadIssue[];
  format: CorpusFormat;
  /** Files read (1 for JSONL and BEIR inputs). */
  files: number;
}

/** What `streamCorpus` yields, in input order. */
export type LoadEvent =
  | { type: 'file'; path: string }
  | { type: 'document'; document: CorpusDocument; location: { path: string; line?: number } }
  | { type: 'issue'; issue: LoadIssue };

/** Options after defaults and validation. */
export interface ResolvedLoadOptions {
  idFields: readonly string[];
  titleFields: readonly string[];
  textFields: readonly string[];
  maxDocumentChars: number;
  maxLineBytes: number;
  skipBad: boolean;
  format: CorpusFormat | undefined;
  onProgress: ProgressListener | undefined;
  /** True when any field option was given; folders reject them. */
  fieldsGiven: boolean;
}
