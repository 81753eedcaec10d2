/**
 * Turns load issues into text a person can act on: counts per kind, then one line per issue
 * naming file:line, id and what is wrong, errors before warnings.
 * Why here and not in the CLI: the INPUT_BAD_DOCUMENTS message and `lattice build --skip-bad`
 * must describe issues the same way. Invariant: pure; order within a severity is input order.
 */
import type { LoadIssue, LoadIssueKind } from './types.js';

export interface FormatIssuesOptions {
  /** Issue lines shown before "... N more"; default 20. */
  limit?: number;
}

/** Number of issues of each kind present, in first-seen order. */
export function countIssues(issues: readonly LoadIssue[]): Partial<Record<LoadIssueKind, number>> {
  const counts: Partial<Record<LoadIssueKind, number>> = {};
  for (const issue of issues) counts[issue.kind] = (counts[issue.kind] ?? 0) + 1;
  return counts;
}

/** `path:line`, or `path` when the issue has no line. */
export function issueLocation(issue: LoadIssue): string {
  return issue.line === undefined ? issue.path : `${issue.path}:${issue.line}`;
}

/** One line: `corpus.jsonl:17 malformed (id "x"): message`. */
export function formatIssue(issue: LoadIssue): string {
  const id = issue.id === undefined ? '' : ` (id ${JSON.stringify(issue.id)})`;
  return `${issueLocation(issue)} ${issue.kind}${id}: ${issue.message}`;
}

/** "3 errors (2 malformed, 1 empty)" style summary of one severity; '' when there are none. */
export function summarizeIssues(issues: readonly LoadIssue[]): string {
  const parts: string[] = [];
  for (const severity of ['error', 'warning'] as const) {
    const some = issues.filter((issue) => issue.severity === severity);
    if (some.length === 0) continue;
    const kinds = Object.entries(countIssues(some))
      .map(([kind, n]) => `${n} ${kind}`)
      .join(', ');
    parts.push(`${some.length} ${severity}${some.length === 1 ? '' : 's'} (${kinds})`);
  }
  return parts.join(', ');
}

/**
 * The summary line, then up to `limit` issue lines (errors first), then "... N more".
 * Returns '' for no issues, so a caller can print it unconditionally.
 */
export function formatIssues(issues: readonly LoadIssue[], options: FormatIssuesOptions = {}): string {
  if (issues.length === 0) return '';
  const limit = Math.max(0, Math.floor(options.limit ?? 20));
  const ordered = [
    ...issues.filter((issue) => issue.severity === 'error'),
    ...issues.filter((issue) => issue.severity !== 'error'),
  ];
  const lines = [summarizeIssues(issues)];
  for (const issue of ordered.slice(0, limit)) lines.push(`  ${issue.severity.padEnd(7)} ${formatIssue(issue)}`);
  if (ordered.length > limit) lines.push(`  ... ${ordered.length - limit} more`);
  return lines.join('\n');
}

/** Thousands-separated integer, locale-independent. */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
