/**
 * Prompts that a very small local model (SmolLM2-135M-Instruct) can follow: one worked example
 * (few-shot) in the exact answer format, one candidate a line with a short excerpt, and the
 * instructions in two sentences. Why: measured on SciFact slates, the default prompts (a page of
 * rules, 1,500-character candidates between tags) give a 135M model nothing it can imitate, and
 * its answers rarely validate; a worked example of the same shape is what it copies.
 * Quoting: excerpts are whitespace-collapsed onto one line each, so no candidate can start a line
 * that looks like another candidate or a new instruction; the look-alike delimiters of the default
 * prompts are neutralised too.
 * Used by: create-providers.ts for the llama-cpp provider (LlmJudge / LlmSummarizer `prompt` option).
 */
import type { JudgeCandidate, SummarizeRequest, SummaryChild } from '../types.js';
import { clipText, neutralizeDelimiters } from './llm-judge.js';
import type { ChatMessage } from './structured-output.js';

export interface CompactJudgePromptOptions {
  /** Characters of each candidate shown (title and text together). Default 240. */
  maxCandidateChars?: number | undefined;
}

const JUDGE_SYSTEM =
  'You score search results. For each numbered text, give a relevance score from 0 (unrelated to the query) to 100 (exactly about the query). Answer with JSON only.';

/**
 * Two worked examples in the answer's exact shape. Two, with the relevant candidate in different
 * places and different scores, because with one a 135M model copies its scores by position.
 */
const JUDGE_EXAMPLES: ChatMessage[] = [
  {
    role: 'user',
    content:
      'Query: vitamin D and bone fractures\n' +
      '[0] A faster algorithm for sorting large files on disk.\n' +
      '[1] Vitamin D supplements and hip fractures in older women. Daily vitamin D lowered the fracture rate.\n' +
      '[2] Calcium intake, bone density and osteoporosis in the elderly.\n' +
      'Score ids 0 to 2.',
  },
  {
    role: 'assistant',
    content: '{"scores": [{"id": 0, "score": 0, "reason": "unrelated"}, {"id": 1, "score": 95, "reason": "vitamin D and fractures"}, {"id": 2, "score": 50, "reason": "bone health"}]}',
  },
  {
    role: 'user',
    content:
      'Query: how do bees find flowers\n' +
      '[0] Honeybees use colour and scent to locate flowers.\n' +
      '[1] Tax policy and economic growth in Europe.\n' +
      'Score ids 0 to 1.',
  },
  {
    role: 'assistant',
    content: '{"scores": [{"id": 0, "score": 90, "reason": "bees finding flowers"}, {"id": 1, "score": 0, "reason": "unrelated"}]}',
  },
];

/** Longest reason the slate grammar lets the model write, in characters. */
export const COMPACT_REASON_CHARS = 40;

/**
 * The judge answer's JSON Schema for a slate of `n`, as a grammar can enforce it: exactly `n`
 * entries whose ids are fixed to 0..n−1 in order, integer scores, short reasons. It is a narrowing
 * of JUDGE_ANSWER (every answer it admits has JUDGE_ANSWER's shape); the 0–100 bound is left to
 * the validator, since grammars from JSON Schema carry no numeric bounds.
 */
export function slateAnswerSchema(n: number): Record<string, unknown> {
  const entry = (id: number): Record<string, unknown> => ({
    type: 'object',
    properties: { id: { const: id }, score: { type: 'integer' }, reason: { type: 'string', maxLength: COMPACT_REASON_CHARS } },
    required: ['id', 'score', 'reason'],
    additionalProperties: false,
  });
  return {
    type: 'object',
    properties: { scores: { type: 'array', prefixItems: Array.from({ length: n }, (_, id) => entry(id)), minItems: n, maxItems: n } },
    required: ['scores'],
    additionalProperties: false,
  };
}

function oneLine(text: string, max: number): string {
  return neutralizeDelimiters(clipText(text, max));
}

/** Title and text as one excerpt of at most `max` characters. */
function excerpt(title: string | undefined, text: string | undefined, max: number): string {
  const t = (title ?? '').trim();
  const body = (text ?? '').trim();
  const joined = t && body && !body.startsWith(t) ? `${t}. ${body}` : t || body;
  return oneLine(joined, max);
}

/** Judge messages for a slate, in the few-shot format above. */
export function compactJudgeMessages(query: string, candidates: JudgeCandidate[], options: CompactJudgePromptOptions = {}): ChatMessage[] {
  const max = options.maxCandidateChars ?? 240;
  const n = candidates.length;
  const lines = candidates.map((c, id) => `[${id}] ${excerpt(c.title, c.text, max)}`);
  return [
    { role: 'system', content: JUDGE_SYSTEM },
    ...JUDGE_EXAMPLES,
    { role: 'user', content: `Query: ${oneLine(query, 500)}\n${lines.join('\n')}\nScore ids 0 to ${n - 1}.` },
  ];
}

export interface CompactSummaryPromptOptions {
  /** Characters of each child shown. Default 300. */
  maxChildChars?: number | undefined;
  /** Children shown, most central first. Default 8. */
  maxChildren?: number | undefined;
}

const SUMMARY_SYSTEM = 'You write a short title and summary of a group of texts: what they are about together. Answer with JSON only.';

const SUMMARY_EXAMPLE: ChatMessage[] = [
  {
    role: 'user',
    content:
      '- Vitamin D supplements and hip fractures in older women.\n' +
      '- Calcium intake, bone density and osteoporosis in the elderly.\n' +
      '- Exercise programmes to prevent falls in nursing homes.\n' +
      'Write a title of at most 8 words and a summary of at most 40 words.',
  },
  {
    role: 'assistant',
    content:
      '{"title": "Bone health and fractures in older adults", "summary": "Studies of fracture and fall prevention in the elderly: vitamin D and calcium supplements, bone density, osteoporosis and exercise programmes."}',
  },
];

/** Summariser messages for one cluster, in the few-shot format above. */
export function compactSummaryMessages(request: SummarizeRequest, options: CompactSummaryPromptOptions = {}): ChatMessage[] {
  const maxChars = options.maxChildChars ?? 300;
  const maxChildren = options.maxChildren ?? 8;
  const words = Math.max(5, Math.round(request.maxWords));
  const ordered: SummaryChild[] = [...request.children].sort((a, b) => b.centrality - a.centrality).slice(0, maxChildren);
  const lines = ordered.map((child) => `- ${excerpt(child.title, child.text, maxChars)}`);
  return [
    { role: 'system', content: SUMMARY_SYSTEM },
    ...SUMMARY_EXAMPLE,
    { role: 'user', content: `${lines.join('\n')}\nWrite a title of at most 8 words and a summary of at most ${words} words.` },
  ];
}
