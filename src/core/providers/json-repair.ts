/**
 * Lenient JSON extraction from model answers: code fences, leading or trailing prose,
 * trailing commas, comments, Python literals and truncated tails (closed where the cut
 * falls inside a string or after a complete element).
 * Why: small and local models rarely emit clean JSON even when asked for it; a strict
 * parse would waste a paid answer that carries everything we need.
 * Why not the `jsonrepair` package (3.15, measured side by side in
 * test/providers/json-repair.test.ts): it repairs one JSON document but cannot pick the JSON
 * out of prose (a preamble makes it throw, a code fence with prose around it becomes an array
 * of strings), and it completes a cut answer with invented members ("b": null, "tru" as a
 * string) where this module cuts back to the last complete element; it agrees with this module
 * on 11 of the 19 answer shapes tested there.
 * Invariant: never throws, runs in time linear in the text per tried start position
 * (bounded; test/providers/json-repair.test.ts times a 1.001 MB answer), and only returns what
 * JSON.parse accepted after the repairs listed.
 * Used by: structured-output.ts (interpret, for ModelClient.chatJson), before the caller's validator runs.
 */

/** What was changed to make the text parse, for traces and tests. */
export type JsonRepairKind =
  | 'code-fence'
  | 'surrounding-prose'
  | 'trailing-comma'
  | 'comment'
  | 'python-literal'
  | 'control-character'
  | 'truncated';

export type JsonRepairResult =
  | { ok: true; value: unknown; repairs: JsonRepairKind[] }
  | { ok: false; error: string };

export interface JsonRepairOptions {
  /** Prefer a top-level object or array when prose contains several bracketed spans. Default `'any'`. */
  expect?: 'object' | 'array' | 'any';
  /** Start positions tried per source text, to bound work on garbage. Default 8. */
  maxStarts?: number;
  /** Texts longer than this many characters are cut before parsing. Default 1,000,000. */
  maxChars?: number;
}

/** Parses `text` as JSON, repairing the usual model mistakes; never throws. */
export function parseJsonLenient(text: string, options: JsonRepairOptions = {}): JsonRepairResult {
  const expect = options.expect ?? 'any';
  const maxStarts = options.maxStarts ?? 8;
  const maxChars = options.maxChars ?? 1_000_000;
  if (typeof text !== 'string') return { ok: false, error: 'answer is not text' };
  const cut = text.length > maxChars;
  const source = cut ? text.slice(0, maxChars) : text;
  const trimmed = source.trim();
  if (trimmed.length === 0) return { ok: false, error: 'empty answer' };

  if (!cut) {
    const direct = tryParse(trimmed);
    if (direct.ok && matchesExpect(direct.value, expect)) return { ok: true, value: direct.value, repairs: [] };
  }

  const sources: { text: string; repairs: JsonRepairKind[] }[] = [];
  for (const fenced of codeFences(source)) sources.push({ text: fenced, repairs: ['code-fence'] });
  sources.push({ text: source, repairs: [] });

  let firstError = 'no JSON object or array found';
  let sawStart = false;
  for (const src of sources) {
    const starts = startPositions(src.text, expect, maxStarts);
    for (const start of starts) {
      sawStart = true;
      const attempt = extractFrom(src.text, start);
      if (attempt.ok && matchesExpect(attempt.value, expect)) {
        const repairs = [...src.repairs, ...attempt.repairs];
        if (start > 0 && src.text.slice(0, start).trim().length > 0 && !repairs.includes('code-fence')) {
          repairs.push('surrounding-prose');
        }
        if (attempt.end < src.text.length && src.text.slice(attempt.end).trim().length > 0 && !repairs.includes('surrounding-prose') && !repairs.includes('code-fence')) {
          repairs.push('surrounding-prose');
        }
        return { ok: true, value: attempt.value, repairs: dedupe(repairs) };
      }
      if (!attempt.ok && firstError === 'no JSON object or array found') firstError = attempt.error;
    }
  }
  return { ok: false, error: sawStart ? `not valid JSON: ${firstError}` : firstError };
}

function dedupe<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function matchesExpect(value: unknown, expect: 'object' | 'array' | 'any'): boolean {
  if (expect === 'any') return true;
  if (expect === 'array') return Array.isArray(value);
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Bodies of ``` fenced blocks, in order; an unterminated fence runs to the end of the text. */
function codeFences(text: string): string[] {
  const out: string[] = [];
  let from = 0;
  while (out.length < 4) {
    const open = text.indexOf('```', from);
    if (open < 0) break;
    const lineEnd = text.indexOf('\n', open + 3);
    // The language tag (```json) runs to the end of the fence line.
    const bodyStart = lineEnd < 0 ? open + 3 : lineEnd + 1;
    const close = text.indexOf('```', bodyStart);
    out.push(text.slice(bodyStart, close < 0 ? text.length : close));
    if (close < 0) break;
    from = close + 3;
  }
  return out;
}

function startPositions(text: string, expect: 'object' | 'array' | 'any', max: number): number[] {
  const wanted = expect === 'object' ? '{' : expect === 'array' ? '[' : '{[';
  const out: number[] = [];
  for (let i = 0; i < text.length && out.length < max; i++) {
    if (wanted.includes(text[i]!)) out.push(i);
  }
  return out;
}

interface Checkpoint {
  /** Length of the cleaned output just before a separating comma. */
  outLength: number;
  stack: string;
}

type Extracted =
  | { ok: true; value: unknown; repairs: JsonRepairKind[]; end: number }
  | { ok: false; error: string };

const CLOSER: Record<string, string> = { '{': '}', '[': ']' };
const WHITESPACE = /\s/;
const PYTHON_LITERALS: Record<string, string> = { True: 'true', False: 'false', None: 'null', NaN: 'null', Infinity: 'null' };

/**
 * Scans one bracketed value starting at `start`, writing a cleaned copy (comments and
 * trailing commas removed, raw control characters in strings escaped) and remembering
 * each element boundary so a truncated tail can be cut back to the last complete element.
 */
function extractFrom(text: string, start: number): Extracted {
  const repairs: JsonRepairKind[] = [];
  const stack: string[] = [];
  const checkpoints: Checkpoint[] = [];
  let out = '';
  // Length of `out` before a comma followed so far only by whitespace, else -1: a closing bracket
  // then drops both. Tracked as we go, since re-scanning `out` at every bracket is quadratic (a
  // 1 MB answer took minutes).
  let trailingComma = -1;
  let inString = false;
  let escape = false;
  let i = start;
  let complete = false;

  while (i < text.length) {
    const c = text[i]!;
    if (inString) {
      if (escape) {
        escape = false;
        out += c;
      } else if (c === '\\') {
        escape = true;
        out += c;
      } else if (c === '"') {
        inString = false;
        out += c;
      } else if (c < ' ') {
        out += c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : ' ';
        repairs.push('control-character');
      } else {
        out += c;
      }
      i++;
      continue;
    }
    if (c === '"') {
      inString = true;
      trailingComma = -1;
      out += c;
      i++;
    } else if (c === '{' || c === '[') {
      stack.push(c);
      trailingComma = -1;
      out += c;
      i++;
    } else if (c === '}' || c === ']') {
      const top = stack[stack.length - 1];
      if (top === undefined || CLOSER[top] !== c) return { ok: false, error: `unexpected "${c}" at offset ${i}` };
      if (trailingComma >= 0) {
        repairs.push('trailing-comma');
        out = out.slice(0, trailingComma);
        trailingComma = -1;
      }
      out += c;
      stack.pop();
      i++;
      if (stack.length === 0) {
        complete = true;
        break;
      }
    } else if (c === ',') {
      checkpoints.push({ outLength: out.length, stack: stack.join('') });
      trailingComma = out.length;
      out += c;
      i++;
    } else if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) {
      repairs.push('comment');
      if (text[i + 1] === '/') {
        const nl = text.indexOf('\n', i + 2);
        i = nl < 0 ? text.length : nl;
      } else {
        const endComment = text.indexOf('*/', i + 2);
        i = endComment < 0 ? text.length : endComment + 2;
      }
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < text.length && /[A-Za-z0-9_]/.test(text[j]!)) j++;
      const word = text.slice(i, j);
      const mapped = PYTHON_LITERALS[word];
      if (mapped !== undefined) repairs.push('python-literal');
      trailingComma = -1;
      out += mapped ?? word;
      i = j;
    } else {
      if (!WHITESPACE.test(c)) trailingComma = -1;
      out += c;
      i++;
    }
  }

  if (complete) {
    const parsed = tryParse(out);
    return parsed.ok ? { ok: true, value: parsed.value, repairs, end: i } : { ok: false, error: parsed.error };
  }

  // Truncated: first close what is open right here, then fall back to element boundaries.
  repairs.push('truncated');
  let tail = out;
  if (inString) {
    if (escape) tail = tail.slice(0, -1);
    tail = tail.replace(/\\u[0-9a-fA-F]{0,3}$/, '') + '"';
  }
  tail = completeLiteral(tail.replace(/\s+$/, '').replace(/,$/, ''));
  const closed = tryParse(tail + closers(stack.join('')));
  if (closed.ok) return { ok: true, value: closed.value, repairs, end: text.length };
  for (let k = checkpoints.length - 1, tries = 0; k >= 0 && tries < 6; k--, tries++) {
    const cp = checkpoints[k]!;
    const attempt = tryParse(out.slice(0, cp.outLength) + closers(cp.stack));
    if (attempt.ok) return { ok: true, value: attempt.value, repairs, end: text.length };
  }
  return { ok: false, error: `truncated JSON could not be recovered (${closed.error})` };
}

function closers(stack: string): string {
  let out = '';
  for (let k = stack.length - 1; k >= 0; k--) out += CLOSER[stack[k]!];
  return out;
}

/** Finishes a literal or number cut mid-token (`tru` → `true`, `12.` → `12`). */
function completeLiteral(text: string): string {
  const word = /([a-z]+)$/.exec(text);
  if (word) {
    const partial = word[1]!;
    for (const literal of ['true', 'false', 'null']) {
      if (literal.startsWith(partial)) return text.slice(0, -partial.length) + literal;
    }
  }
  return text.replace(/(\d)[.eE+-]+$/, '$1').replace(/-$/, '');
}
