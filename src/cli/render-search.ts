/**
 * Renders a search result for people: ranked hits with the path the search took, and,
 * with --trace, the search step by step (each iteration's beam, each slate's scores, and the
 * calibrated latents that turned slate-relative scores into one ranking).
 * Titles and summaries are shortened so a hit reads in two or three lines.
 */
import type { IndexSearchResult, TreeNode } from '../index.js';
import { formatInt, formatMs, shorten } from './output.js';

export interface RenderOptions {
  /** Width of titles and snippets, in characters. */
  width: number;
  /** Looks up node titles for the trace. */
  node: (id: number) => TreeNode | undefined;
}

export function renderHits(query: string, result: IndexSearchResult, options: RenderOptions): string {
  const lines: string[] = [];
  lines.push(`Query: ${shorten(query, options.width)}`);
  if (result.hits.length === 0) lines.push('  No documents found.');
  for (const hit of result.hits) {
    const title = hit.title ? shorten(hit.title, options.width - 20) : '(untitled)';
    lines.push(`${String(hit.rank).padStart(3)}. ${hit.score.toFixed(3)}  ${title}  [${hit.docId}]`);
    const path = hit.path
      .slice(1, -1)
      .map((p) => shorten(p.title || `#${p.id}`, 28))
      .join(' › ');
    if (path) lines.push(`       path: ${path}`);
    if (hit.snippet) lines.push(`       ${shorten(hit.snippet, options.width - 7)}`);
    const where = hit.source.path ? `${hit.source.path}${hit.source.line ? `:${hit.source.line}` : ''}` : '';
    const range = hit.chunk ? `chunk ${hit.chunk.index + 1}, chars ${hit.chunk.start}–${hit.chunk.end}` : '';
    if (where || range) lines.push(`       source: ${[where, range].filter(Boolean).join('  ')}`);
  }
  lines.push(summaryLine(result));
  return `${lines.join('\n')}\n`;
}

export function summaryLine(result: IndexSearchResult): string {
  const t = result.trace;
  const parts = [
    `judge ${t.judge.provider}/${t.judge.modelId}`,
    `${formatInt(t.judgeCalls)} judge calls${t.fallbackCalls > 0 ? ` (+${t.fallbackCalls} fallback)` : ''}`,
    `${formatInt(t.tokens.input + t.tokens.output)} tokens`,
    `${formatMs(result.elapsedMs)} (engine ${formatMs(result.engineMs)})`,
    `stop: ${result.stopReason}${result.budgetLimited ? ' (budget-limited)' : ''}`,
  ];
  const degraded = t.slates.filter((s) => s.status !== 'ok').length;
  if (degraded > 0) parts.push(`${degraded} slate(s) degraded or failed`);
  const lines = [`  — ${parts.join(' · ')}`];
  const faults = describeFaults(t.faults);
  if (faults) lines.push(`  — model faults: ${faults}`);
  return lines.join('\n');
}

/** One line naming each kind of model fault the search met, e.g. "retried 2× MODEL_RATE_LIMITED; 3 slates fell back (MODEL_UNREACHABLE)". */
export function describeFaults(faults: IndexSearchResult['trace']['faults'] | undefined): string {
  if (!faults) return '';
  const parts: string[] = [];
  for (const [code, n] of Object.entries(faults.retries)) parts.push(`retried ${n}× ${code}`);
  for (const [code, n] of Object.entries(faults.degradedSlates)) parts.push(`${n} slate(s) scored (in part or whole) by the fallback judge (${code})`);
  for (const [code, n] of Object.entries(faults.failedSlates)) parts.push(`${n} slate(s) failed (${code})`);
  return parts.join('; ');
}

export function renderTrace(result: IndexSearchResult, options: RenderOptions): string {
  const t = result.trace;
  const lines: string[] = ['Trace:'];
  const title = (id: number) => {
    const node = options.node(id);
    return node ? shorten(node.title || node.text || `#${id}`, 50) : `#${id}`;
  };
  for (const it of t.iterations) {
    lines.push(`  iteration ${it.iteration}: expand ${it.beam.map((id) => `#${id} ${title(id)}`).join(', ') || '(nothing)'}`);
    if (it.frontier.length > 0) {
      lines.push(`    frontier: ${it.frontier.slice(0, 5).map((f) => `#${f.id} p=${f.p.toFixed(3)}`).join(', ')}`);
    }
    for (const slate of t.slates.filter((s) => s.iteration === it.iteration)) {
      const head = slate.parentId === null ? 'seed slate' : `slate of #${slate.parentId}${slate.part ? ` (part ${slate.part.index + 1}/${slate.part.of})` : ''}`;
      lines.push(`    ${head}: ${slate.status}${slate.judgedBy === 'fallback' ? ' (fallback judge)' : ''}, ${formatMs(slate.latencyMs)}`);
      if (slate.degraded) lines.push(`      degraded: ${slate.degraded.code}: ${shorten(slate.degraded.message, 100)}`);
      if (slate.error) lines.push(`      failed: ${slate.error.code}: ${shorten(slate.error.message, 100)}`);
      for (const c of slate.candidates) {
        const latent = t.latents[String(c.id)];
        const score = c.score === null ? '  –  ' : (c.score * 100).toFixed(0).padStart(5);
        const role = c.role === 'child' ? '' : ` (${c.role})`;
        lines.push(
          `      ${score}  → ${latent === undefined ? '  –  ' : latent.toFixed(3)}  #${c.id} ${title(c.id)}${role}${c.reason ? ` — ${shorten(c.reason, 60)}` : ''}`,
        );
      }
    }
  }
  lines.push('  (raw judge score 0–100 → calibrated latent 0–1)');
  return `${lines.join('\n')}\n`;
}
