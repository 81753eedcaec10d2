/**
 * Corpus loading, as the rest of the engine sees it: `loadCorpus` plus the issue printer.
 * Re-exports only; see README.md in this folder for the formats and the bad-input policy.
 */
export { DEFAULT_MAX_DOCUMENT_CHARS, detectCorpusFormat, loadCorpus, resolveLoadOptions, streamCorpus } from './load-corpus.js';
export { countIssues, formatCount, formatIssue, formatIssues, issueLocation, summarizeIssues } from './format-issues.js';
export type { FormatIssuesOptions } from './format-issues.js';
export { deriveTitle, MAX_TITLE_CHARS, TEXT_EXTENSIONS } from './load-folder.js';
export { BEIR_CORPUS_FILE } from './load-beir.js';
export { ISSUE_SEVERITY } from './types.js';
export type {
  CorpusFormat,
  LoadEvent,
  LoadIssue,
  LoadIssueKind,
  LoadIssueSeverity,
  LoadOptions,
  LoadResult,
} from './types.js';
