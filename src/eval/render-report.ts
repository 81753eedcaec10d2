/**
 * Turns evaluation results into text: the plain table `lattice eval` prints and the markdown
 * tables of the benchmark report. Why separate from the runner: the figures are computed once
 * (run-eval.ts) and shown two ways; neither the CLI command nor the bench script formats numbers
 * on its own, so both print the same digits.
 * Invariant: pure functions of their input; metrics with 4 decimals, costs rounded.
 */
import type { EvalReport, SystemReport } from './run-eval.js';

/** A metric on 0..1 with 4 decimals. */
export function metric(value: number): string {
  return value.toFixed(4);
}

/** A cost with thousands separators (one decimal below 100). */
export function cost(value: number): string {
  if (value === 0) return '0';
  if (Math.abs(value) < 100) return value.toFixed(1);
  return Math.round(value).toLocaleString('en-US');
}

/** Milliseconds with one decimal below 100 ms. */
export function ms(value: number): string {
  return value < 100 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US');
}

const HEADERS = ['system', 'nDCG@10', 'R@10', 'R@100', 'MRR@10', 'calls/q', 'tokens/q', 'engine ms (median / p95)'];

function row(system: SystemReport): string[] {
  return [
    system.name,
    metric(system.ndcg10),
    metric(system.recall10),
    metric(system.recall100),
    metric(system.mrr10),
    cost(system.calls),
    cost(system.tokens),
    `${ms(system.engineMs.median)} / ${ms(system.engineMs.p95)}`,
  ];
}

/** Left-aligned plain-text table with two spaces between columns (numbers right-aligned). */
export function textTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A GitHub markdown table; by default the first column is left-aligned and the others right-aligned (numbers). */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align?: readonly ('left' | 'right')[],
): string {
  const esc = (cell: string) => cell.replace(/\|/g, '\\|');
  const rule = headers.map((_, i) => ((align?.[i] ?? (i === 0 ? 'left' : 'right')) === 'left' ? '---' : '---:'));
  const out = [`| ${headers.map(esc).join(' | ')} |`, `| ${rule.join(' | ')} |`];
  for (const r of rows) out.push(`| ${r.map(esc).join(' | ')} |`);
  return out.join('\n');
}

/** What `lattice eval` prints: the dataset line, the judge, and one row per system. */
export function renderEvalReport(report: EvalReport): string {
  const d = report.dataset;
  const lines: string[] = [];
  const skipped: string[] = [];
  if (d.skippedUnjudged > 0) skipped.push(`${d.skippedUnjudged.toLocaleString('en-US')} skipped (no judgments in ${d.split})`);
  if (d.skippedNoText > 0) skipped.push(`${d.skippedNoText} judged without a query text`);
  lines.push(
    `${d.name} (${d.split}): ${d.queries.toLocaleString('en-US')} queries evaluated${skipped.length ? `, ${skipped.join(', ')}` : ''}; ${d.relevantPairs.toLocaleString('en-US')} relevant judgments${d.relevantNotIndexed > 0 ? `, ${d.relevantNotIndexed} of them not in the index` : ''}`,
  );
  lines.push(`index: ${report.index.file} (${report.index.documents.toLocaleString('en-US')} documents, depth ${report.index.depth})`);
  const j = report.judge;
  lines.push(`judge: ${j.name}${j.provider !== j.name ? ` (${j.provider})` : ''}${j.modelId ? `, ${j.modelId}` : ''}`);
  lines.push('');
  lines.push(textTable(HEADERS, report.systems.map(row)));
  lines.push('');
  for (const system of report.systems) lines.push(`  ${system.name}: ${system.description}`);
  return `${lines.join('\n')}\n`;
}
