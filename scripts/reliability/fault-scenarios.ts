/**
 * Model-server faults injected into real builds (summary calls) and real searches (judge calls)
 * through the OpenAI-compatible test server, one scenario per fault kind and persistence.
 * A transient fault hits the first attempt of a call once; a persistent one hits every attempt of
 * that call. Each scenario returns what it injected, whether the engine survived, and why not.
 * "Survived" means: a build completes (or, for a persistent fault, stops with a coded error
 * that says how to resume, and the resume completes without paying twice); a search resolves
 * with hits and its trace accounts for the fault. Shared by the vitest suite and bench-faults.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildIndex, checkIndex, isLatticeError, openIndex, type BuildReport, type IndexSearchResult } from '../../src/index.js';
import { runPool } from '../../src/eval/index.js';
import { startOpenAITestServer, type OpenAITestServer, type RecordedRequest, type ScriptedReply } from './openai-test-server.js';
import { storedDocumentIds, treeRows, type TreeRow } from './harness.js';

export type FaultTarget = 'summary' | 'judge';

export const FAULT_KINDS = [
  '429 + Retry-After',
  '429',
  '500',
  '502',
  '503',
  'connection reset',
  'hang past timeout',
  'empty content',
  'non-JSON',
  'truncated JSON',
  'missing ids',
  'extra ids',
  'duplicate ids',
  'score out of range',
  'score not a number',
  'huge answer',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

interface FaultSpec {
  family: 'transport' | 'content';
  /** Error code a persistent transport fault ends in. */
  code?: string;
  /** The answer is usable as sent (after clipping or dropping bogus entries): nothing degrades. */
  usableAsIs?: Partial<Record<FaultTarget, boolean>>;
  reply: (target: FaultTarget) => ScriptedReply;
}

/** A 5,000-word text (about 30,000 characters, some 7,500 tokens). */
const HUGE_TEXT = Array.from({ length: 5000 }, (_, i) => ['protein', 'signal', 'cells', 'therapy', 'outcome'][i % 5]).join(' ');

const judgeEntries = (answer: any): { id: number; score: number; reason: string }[] => (answer?.scores ?? []) as { id: number; score: number; reason: string }[];

/** How each fault looks on the wire. Summary calls get the nearest analogue of judge-only faults (ids, scores). */
export const FAULTS: Record<FaultKind, FaultSpec> = {
  '429 + Retry-After': { family: 'transport', code: 'MODEL_RATE_LIMITED', reply: () => ({ type: 'status', status: 429, retryAfter: 1, message: 'Rate limit reached' }) },
  '429': { family: 'transport', code: 'MODEL_RATE_LIMITED', reply: () => ({ type: 'status', status: 429, message: 'Rate limit reached' }) },
  '500': { family: 'transport', code: 'MODEL_SERVER_ERROR', reply: () => ({ type: 'status', status: 500 }) },
  '502': { family: 'transport', code: 'MODEL_SERVER_ERROR', reply: () => ({ type: 'status', status: 502 }) },
  '503': { family: 'transport', code: 'MODEL_SERVER_ERROR', reply: () => ({ type: 'status', status: 503 }) },
  'connection reset': { family: 'transport', code: 'MODEL_UNREACHABLE', reply: () => ({ type: 'reset' }) },
  'hang past timeout': { family: 'transport', code: 'MODEL_TIMEOUT', reply: () => ({ type: 'hang' }) },
  'empty content': { family: 'content', reply: () => ({ type: 'content', content: '' }) },
  'non-JSON': { family: 'content', reply: () => ({ type: 'content', content: 'Sure! The first candidate looks the most relevant to me.' }) },
  'truncated JSON': {
    family: 'content',
    // Cut inside the summary string, the lenient parser closes the string: a shorter summary, accepted.
    usableAsIs: { summary: true },
    reply: () => ({ type: 'transform', transform: (answer: unknown) => JSON.stringify(answer).slice(0, Math.floor(JSON.stringify(answer).length / 2)) }),
  },
  'missing ids': {
    family: 'content',
    reply: (target) =>
      target === 'judge'
        ? { type: 'transform', transform: (answer: any) => ({ scores: judgeEntries(answer).slice(0, -1) }) }
        : { type: 'transform', transform: (answer: any) => ({ title: answer.title }) },
  },
  'extra ids': {
    family: 'content',
    // A judge answer naming ids outside the slate is rejected; after the repair, its valid entries are kept and the bogus ones dropped.
    usableAsIs: { summary: true, judge: true },
    reply: (target) =>
      target === 'judge'
        ? { type: 'transform', transform: (answer: any) => ({ scores: [...judgeEntries(answer), { id: judgeEntries(answer).length + 7, score: 100, reason: 'me' }] }) }
        : { type: 'transform', transform: (answer: any) => ({ ...answer, id: 7, extra: 'field' }) },
  },
  'duplicate ids': {
    family: 'content',
    usableAsIs: { summary: true },
    reply: (target) =>
      target === 'judge'
        ? { type: 'transform', transform: (answer: any) => ({ scores: [...judgeEntries(answer), { ...judgeEntries(answer)[0]!, score: 99 }] }) }
        : { type: 'transform', transform: (answer: any) => `{"title": "Shadow title", "title": ${JSON.stringify(answer.title)}, "summary": ${JSON.stringify(answer.summary)}}` },
  },
  'score out of range': {
    family: 'content',
    reply: (target) =>
      target === 'judge'
        ? { type: 'transform', transform: (answer: any) => ({ scores: judgeEntries(answer).map((e, i) => (i === 0 ? { ...e, score: 150 } : i === 1 ? { ...e, score: -5 } : e)) }) }
        : { type: 'transform', transform: () => ({ title: 42, summary: 17 }) },
  },
  'score not a number': {
    family: 'content',
    reply: (target) =>
      target === 'judge'
        ? { type: 'transform', transform: (answer: any) => ({ scores: judgeEntries(answer).map((e, i) => (i === 0 ? { ...e, score: 'very relevant' } : i === 1 ? { ...e, score: null } : e)) }) }
        : { type: 'transform', transform: () => ({ title: null, summary: ['not', 'a', 'string'] }) },
  },
  'huge answer': {
    family: 'content',
    usableAsIs: { summary: true, judge: true },
    reply: (target) =>
      target === 'judge'
        ? { type: 'transform', transform: (answer: any) => ({ scores: judgeEntries(answer).map((e) => ({ ...e, reason: HUGE_TEXT })) }) }
        : { type: 'transform', transform: (answer: any) => ({ title: answer.title, summary: HUGE_TEXT }) },
  },
};

export interface FaultOutcome {
  target: FaultTarget;
  kind: FaultKind;
  persistent: boolean;
  /** Fault replies the server actually sent. */
  injected: number;
  survived: boolean;
  /** One line on what happened. */
  detail: string;
  /** Why the scenario does not count as survived (empty when it does). */
  problems: string[];
  /** Most requests sent for one logical call (attempts, plus a repair). */
  maxAttempts: number;
  /** Shortest wait between a transport fault and the retry of the same call, in ms. */
  minRetryGapMs: number | null;
  maxInFlight: number;
  /** Corpus documents missing from the finished index (builds only). */
  documentsLost: number;
}

/** Settings shared by the scenarios; small so the whole matrix runs in seconds. */
export const SCENARIO = {
  model: 'test-chat',
  apiKey: 'sk-test-fault-scenarios',
  concurrency: 3,
  buildRetries: 2,
  queryRetries: 2,
  /**
   * Per-attempt timeout. Short only where a hang is injected: a scenario running beside others
   * can stall its event loop for a moment, and an answer that lands during a stall longer than
   * the timeout is discarded by the client and paid again (with the default of 60 s this needs
   * a minute-long stall; here it would be a false alarm).
   */
  timeoutMs: 5000,
  hangTimeoutMs: 1000,
  branching: 5,
  seed: 11,
  /** Backoff starts at 500 ms less up to 25 % jitter. */
  minBackoffMs: 375,
  /**
   * Timer slack allowed when checking a wait. The gap is measured from the server's record of when
   * an attempt ended, which an event loop busy on a loaded machine (load 10+ on 2 cores) writes up to
   * about 50 ms late; 100 ms still tells a backoff (>= 275 ms here) from none.
   */
  slackMs: 100,
} as const;

/** A chat call's identity across retries and its repair: the user message (the system prompt may change with the output mode). */
function identityOf(body: any): string {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  const user = messages.find((m: any) => m?.role === 'user');
  return typeof user?.content === 'string' ? user.content : JSON.stringify(messages);
}

/** Installs the fault policy on a server: which logical calls are faulted, and for how long. */
class Injector {
  readonly ordinals = new Map<string, number>();
  readonly faulted = new Set<string>();
  readonly faultedSeqs = new Set<number>();
  injected = 0;
  active = true;
  /** Requests from this sequence number on belong to a later run (a resume): no retry gap spans them. */
  runStartSeq = Number.POSITIVE_INFINITY;

  constructor(
    server: OpenAITestServer,
    private readonly spec: FaultSpec,
    private readonly target: FaultTarget,
    private readonly persistent: boolean,
    select: (ordinal: number) => boolean,
  ) {
    server.onRequest = (request) => {
      if (request.route !== 'chat') return undefined;
      const id = identityOf(request.body);
      let first = false;
      if (!this.ordinals.has(id)) {
        first = true;
        this.ordinals.set(id, this.ordinals.size);
        if (select(this.ordinals.size - 1)) this.faulted.add(id);
      }
      if (!this.active || !this.faulted.has(id) || (!this.persistent && !first)) return undefined;
      this.injected++;
      this.faultedSeqs.add(request.seq);
      return this.spec.reply(this.target);
    };
  }

  /** Requests per faulted call, in arrival order. */
  attempts(requests: RecordedRequest[]): Map<string, RecordedRequest[]> {
    const out = new Map<string, RecordedRequest[]>();
    for (const r of requests) {
      if (r.route !== 'chat') continue;
      const id = identityOf(r.body);
      out.set(id, [...(out.get(id) ?? []), r]);
    }
    return out;
  }

  /** Shortest gap between a faulted transport attempt's end and the next attempt of the same call. */
  minRetryGap(requests: RecordedRequest[]): number | null {
    if (this.spec.family !== 'transport') return null;
    let min: number | null = null;
    for (const list of this.attempts(requests).values()) {
      for (let i = 0; i + 1 < list.length; i++) {
        const r = list[i]!;
        if (!this.faultedSeqs.has(r.seq) || r.finishedAt === undefined || list[i + 1]!.seq >= this.runStartSeq) continue;
        const gap = list[i + 1]!.receivedAt - r.finishedAt;
        min = min === null ? gap : Math.min(min, gap);
      }
    }
    return min;
  }

  /** Waits between consecutive faulted attempts of each persistently faulted call, in ms. */
  retryGaps(requests: RecordedRequest[]): number[][] {
    const out: number[][] = [];
    for (const [id, list] of this.attempts(requests)) {
      if (!this.faulted.has(id)) continue;
      const gaps: number[] = [];
      for (let i = 0; i + 1 < list.length; i++) {
        const r = list[i]!;
        if (!this.faultedSeqs.has(r.seq) || r.finishedAt === undefined || list[i + 1]!.seq >= this.runStartSeq) continue;
        gaps.push(list[i + 1]!.receivedAt - r.finishedAt);
      }
      out.push(gaps);
    }
    return out;
  }

  /** Hashes answered usably (2xx, not a faulted reply) more than once: money spent twice. */
  repeatedUsable(requests: RecordedRequest[]): string[] {
    const counts = new Map<string, number>();
    for (const r of requests) {
      if (typeof r.outcome !== 'number' || r.outcome < 200 || r.outcome >= 300 || this.faultedSeqs.has(r.seq)) continue;
      counts.set(r.hash, (counts.get(r.hash) ?? 0) + 1);
    }
    return [...counts.entries()].filter(([, n]) => n > 1).map(([h]) => h);
  }
}

/**
 * Most requests the server held at once, from the request log. A request the client abandoned
 * (timeout) counts until the server saw its socket close, less a grace for the loopback to
 * deliver that close: the client frees its slot the moment it aborts, and the next call may
 * reach the server a few milliseconds before the close does.
 */
export function peakInFlight(requests: RecordedRequest[], abortGraceMs = 25): number {
  const events: [number, number][] = [];
  for (const r of requests) {
    if (r.route !== 'chat' && r.route !== 'embeddings') continue;
    const abandoned = r.outcome === 'aborted' || r.outcome === 'hang';
    const end = r.finishedAt === undefined ? Number.POSITIVE_INFINITY : Math.max(r.receivedAt, r.finishedAt - (abandoned ? abortGraceMs : 0));
    events.push([r.receivedAt, 1], [end, -1]);
  }
  // Ends sort before starts at the same instant.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let peak = 0;
  for (const [, delta] of events) {
    current += delta;
    peak = Math.max(peak, current);
  }
  return peak;
}

function expectedWait(kind: FaultKind): number {
  return (kind === '429 + Retry-After' ? 1000 : SCENARIO.minBackoffMs) - SCENARIO.slackMs;
}

function errorText(error: unknown): string {
  if (isLatticeError(error)) return `${error.code}: ${error.message} ${error.hint ?? ''}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Notes a retry sent sooner than the fault asks for; returns the shortest gap (null without a retry). */
function checkRetryGap(injector: Injector, requests: RecordedRequest[], kind: FaultKind, problems: string[]): number | null {
  const gap = injector.minRetryGap(requests);
  if (gap !== null && gap < expectedWait(kind)) problems.push(`a retry came ${gap.toFixed(0)} ms after the fault, expected ≥ ${expectedWait(kind)} ms`);
  return gap;
}

/** Notes more requests at once than the scenarios allow; returns the peak. */
function checkInFlight(requests: RecordedRequest[], problems: string[]): number {
  const peak = peakInFlight(requests);
  if (peak > SCENARIO.concurrency) problems.push(`${peak} requests in flight, limit ${SCENARIO.concurrency}`);
  return peak;
}

/** A scenario survives when it found no problem and a fault was actually injected. */
function outcomeOf(
  target: FaultTarget,
  kind: FaultKind,
  persistent: boolean,
  injector: Injector,
  detail: string,
  problems: string[],
  measured: Pick<FaultOutcome, 'maxAttempts' | 'minRetryGapMs' | 'maxInFlight' | 'documentsLost'>,
): FaultOutcome {
  if (injector.injected === 0) problems.push('no fault was injected');
  return { target, kind, persistent, injected: injector.injected, survived: problems.length === 0, detail, problems, ...measured };
}

// ---------------------------------------------------------------------------
// Builds
// ---------------------------------------------------------------------------

export interface BuildFixture {
  corpus: string;
  documents: number;
  /** Tree of a fault-free build with the same settings. */
  reference: TreeRow[];
  workDir: string;
}

function timeoutFor(kind: FaultKind | undefined): number {
  return kind === 'hang past timeout' ? SCENARIO.hangTimeoutMs : SCENARIO.timeoutMs;
}

function buildOptions(corpus: string, output: string, server: OpenAITestServer, kind?: FaultKind) {
  return {
    input: corpus,
    output,
    summarizer: 'llm' as const,
    model: SCENARIO.model,
    baseURL: server.baseURL,
    apiKey: SCENARIO.apiKey,
    concurrency: SCENARIO.concurrency,
    maxRetries: SCENARIO.buildRetries,
    timeoutMs: timeoutFor(kind),
    branching: SCENARIO.branching,
    seed: SCENARIO.seed,
  };
}

/** Builds the fault-free reference once. */
export async function prepareBuildFixture(workDir: string, corpus: string, documents: number): Promise<BuildFixture> {
  const server = await startOpenAITestServer();
  try {
    const output = path.join(workDir, 'reference.db');
    await buildIndex(buildOptions(corpus, output, server));
    return { corpus, documents, reference: treeRows(output), workDir };
  } finally {
    await server.close();
  }
}

let buildCounter = 0;

/** One build with `kind` injected into summary calls number 0, 3 and 6 (transient) or into call 2 on every attempt (persistent). */
export async function runBuildFault(fixture: BuildFixture, kind: FaultKind, persistent: boolean): Promise<FaultOutcome> {
  const spec = FAULTS[kind];
  const server = await startOpenAITestServer();
  const output = path.join(fixture.workDir, `build-${kind.replace(/\W+/g, '-')}-${persistent ? 'p' : 't'}-${++buildCounter}.db`);
  const injector = new Injector(server, spec, 'summary', persistent, persistent ? (n) => n === 2 : (n) => n % 3 === 0 && n <= 6);
  const problems: string[] = [];
  let detail = '';
  let documentsLost = 0;
  try {
    let first: BuildReport | undefined;
    let stopped: unknown;
    try {
      first = (await buildIndex(buildOptions(fixture.corpus, output, server, kind))) as BuildReport;
    } catch (error) {
      stopped = error;
    }
    const stops = persistent && !spec.usableAsIs?.summary;
    if (stops) {
      const expected = spec.family === 'transport' ? spec.code! : 'MODEL_BAD_OUTPUT';
      if (first) problems.push('the build completed although one call never got a usable answer');
      else if (!isLatticeError(stopped, expected as never)) problems.push(`stopped with ${errorText(stopped)}, expected ${expected}`);
      else if (!/same command again/i.test(`${stopped.message} ${stopped.hint ?? ''}`)) problems.push(`the error does not say how to resume: ${errorText(stopped)}`);
      try {
        openIndex(output).close();
        problems.push('the unfinished index opened for search');
      } catch (error) {
        if (!isLatticeError(error, 'INDEX_INCOMPLETE')) problems.push(`opening the unfinished index gave ${errorText(error)}, not INDEX_INCOMPLETE`);
      }
      const attemptsOfFaulted = [...injector.attempts(server.requests).entries()].filter(([id]) => injector.faulted.has(id)).map(([, l]) => l.length);
      if (spec.family === 'transport') {
        // Backoff doubles (0.5 s, then 1 s, less up to 25 % jitter); a Retry-After of 1 s is waited out every time.
        const floors = kind === '429 + Retry-After' ? [1000, 1000] : [500 * 0.75, 1000 * 0.75];
        for (const gaps of injector.retryGaps(server.requests)) {
          gaps.forEach((gap, i) => {
            const floor = (floors[i] ?? floors[floors.length - 1]!) - SCENARIO.slackMs;
            if (gap < floor) problems.push(`retry ${i + 1} came ${gap.toFixed(0)} ms after the fault, expected ≥ ${floor.toFixed(0)} ms`);
          });
        }
      }
      const bound = spec.family === 'transport' ? SCENARIO.buildRetries + 1 : 2;
      if (attemptsOfFaulted.some((n) => n !== bound)) problems.push(`the failing call was tried ${attemptsOfFaulted.join('/')} times, expected exactly ${bound}`);
      // The server recovers; the same build resumes.
      injector.active = false;
      injector.runStartSeq = server.requests.length;
      let resumed: BuildReport | undefined;
      try {
        resumed = (await buildIndex(buildOptions(fixture.corpus, output, server, kind))) as BuildReport;
      } catch (error) {
        problems.push(`the resumed build failed: ${errorText(error)}`);
      }
      if (resumed && !resumed.resumed) problems.push('the second run did not report resuming');
      detail = isLatticeError(stopped) ? `stopped with ${stopped.code} after ${attemptsOfFaulted[0] ?? '?'} attempts; resumed to completion` : 'did not stop';
    } else if (!first) {
      problems.push(`the build failed: ${errorText(stopped)}`);
    }

    if (problems.length === 0 || fs.existsSync(output)) {
      const report = safeCheck(output);
      if (report && !report.ok) problems.push(`lattice check failed: ${report.problems.map((p) => p.message).slice(0, 3).join('; ')}`);
      const stored = safeIds(output);
      documentsLost = fixture.documents - stored.length;
      if (documentsLost !== 0) problems.push(`${documentsLost} documents lost`);
      const sameTree = JSON.stringify(safeTree(output)) === JSON.stringify(fixture.reference);
      if ((spec.family === 'transport' || stops) && !sameTree) problems.push('the tree differs from the fault-free build');
      if (!detail) {
        const gap = injector.minRetryGap(server.requests);
        detail = spec.family === 'transport'
          ? `retried after ${gap === null ? '?' : `${(gap / 1000).toFixed(2)} s`}; tree identical: ${sameTree ? 'yes' : 'no'}`
          : spec.usableAsIs?.summary
            ? 'answer used as sent (clipped or extra parts ignored)'
            : 'repaired by a second request';
      }
    }
    const gap = checkRetryGap(injector, server.requests, kind, problems);
    const firstRun = server.requests.filter((r) => r.seq < injector.runStartSeq);
    const maxAttempts = Math.max(0, ...[...injector.attempts(firstRun).values()].map((l) => l.length));
    if (maxAttempts > SCENARIO.buildRetries + 2) problems.push(`a call was sent ${maxAttempts} times (bound ${SCENARIO.buildRetries + 2})`);
    const peak = checkInFlight(server.requests, problems);
    const repeated = injector.repeatedUsable(server.requests);
    if (repeated.length > 0) problems.push(`${repeated.length} usable answer(s) paid for twice`);
    return outcomeOf('summary', kind, persistent, injector, detail, problems, { maxAttempts, minRetryGapMs: gap, maxInFlight: peak, documentsLost });
  } finally {
    await server.close();
  }
}

function safeCheck(file: string) {
  try {
    return checkIndex(file);
  } catch {
    return undefined;
  }
}

function safeIds(file: string): string[] {
  try {
    return storedDocumentIds(file);
  } catch {
    return [];
  }
}

function safeTree(file: string): TreeRow[] {
  try {
    return treeRows(file);
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------
// Searches
// ---------------------------------------------------------------------------

/** An index whose LLM judge talks to the test server. */
function openJudgedIndex(indexFile: string, server: OpenAITestServer, concurrency: number, timeoutMs: number) {
  return openIndex(indexFile, {
    judge: 'llm',
    model: SCENARIO.model,
    baseURL: server.baseURL,
    apiKey: SCENARIO.apiKey,
    concurrency,
    maxRetries: SCENARIO.queryRetries,
    timeoutMs,
  });
}

/** One search with `kind` injected into its first judge call, once (transient) or on every attempt (persistent). */
export async function runQueryFault(indexFile: string, query: string, kind: FaultKind, persistent: boolean): Promise<FaultOutcome> {
  const spec = FAULTS[kind];
  const server = await startOpenAITestServer();
  const injector = new Injector(server, spec, 'judge', persistent, (n) => n === 0);
  const problems: string[] = [];
  let detail = '';
  const index = openJudgedIndex(indexFile, server, SCENARIO.concurrency, timeoutFor(kind));
  try {
    let result: IndexSearchResult | undefined;
    try {
      result = await index.search(query, { topK: 5, iterations: 4 });
    } catch (error) {
      problems.push(`the search threw ${errorText(error)}`);
    }
    if (result) {
      if (result.hits.length === 0) problems.push('the search returned no hits');
      const faults = result.trace.faults;
      const degraded = result.trace.slates.filter((s) => s.status !== 'ok');
      const usable = spec.usableAsIs?.judge === true;
      if (spec.family === 'transport' && !persistent) {
        const retries = faults.retries[spec.code!] ?? 0;
        if (retries < 1) problems.push(`the trace records no ${spec.code} retry (${JSON.stringify(faults.retries)})`);
        if (degraded.length > 0) problems.push(`${degraded.length} slate(s) degraded although the retry succeeded`);
        detail = `retried (${retries} ${spec.code} retr${retries === 1 ? 'y' : 'ies'} in the trace); all slates judged by the model`;
      } else if (!persistent || usable) {
        if (degraded.length > 0) problems.push(`${degraded.length} slate(s) degraded: ${degraded.map((s) => s.degraded?.message ?? s.error?.message).join('; ')}`);
        detail = usable ? 'answer used (over-long text clipped, bogus ids dropped)' : 'repaired by a second request; all slates judged by the model';
      } else {
        const code = spec.family === 'transport' ? spec.code! : 'MODEL_BAD_OUTPUT';
        const count = faults.degradedSlates[code] ?? 0;
        const withCode = result.trace.slates.filter((s) => s.degraded?.code === code);
        // After an unreachable server the judge's breaker skips the model for a while: later
        // slates degrade at once, saying so, without paying for retries of their own.
        const skipped = withCode.filter((s) => /not retried for \d+ s more/.test(s.degraded!.message));
        if (count < 1 || count - skipped.length !== 1) {
          const why = result.trace.slates.filter((s) => s.degraded).map((s) => s.degraded!.message.slice(0, 160));
          problems.push(`the trace records ${count} slate(s) degraded with ${code}, expected 1 (${JSON.stringify(faults)}): ${why.join(' | ')}`);
        }
        if (skipped.length > 0 && code !== 'MODEL_UNREACHABLE') problems.push(`${skipped.length} slate(s) skipped the model after ${code}`);
        if ((faults.retries[code] ?? 0) > SCENARIO.queryRetries) problems.push(`${faults.retries[code]} ${code} retries; only the failing call may retry`);
        const slate = withCode.find((s) => !skipped.includes(s));
        detail = slate
          ? `slate degraded (${code}); ${slate.degraded!.candidates} of ${slate.candidates.length} candidates scored by the lexical fallback` +
            (skipped.length > 0 ? `; ${skipped.length} later slate(s) skipped the server (breaker)` : '')
          : 'no degraded slate';
      }
      const attemptsOfFaulted = [...injector.attempts(server.requests).entries()].filter(([id]) => injector.faulted.has(id)).map(([, l]) => l.length);
      if (persistent) {
        const bound = spec.family === 'transport' ? SCENARIO.queryRetries + 1 : 2;
        const wrong = usable ? attemptsOfFaulted.some((n) => n > bound) : attemptsOfFaulted.some((n) => n !== bound);
        if (wrong) problems.push(`the failing call was tried ${attemptsOfFaulted.join('/')} times, expected ${usable ? 'at most' : 'exactly'} ${bound}`);
      }
    }
    const gap = checkRetryGap(injector, server.requests, kind, problems);
    const maxAttempts = Math.max(0, ...[...injector.attempts(server.requests).values()].map((l) => l.length));
    const peak = checkInFlight(server.requests, problems);
    return outcomeOf('judge', kind, persistent, injector, detail, problems, { maxAttempts, minRetryGapMs: gap, maxInFlight: peak, documentsLost: 0 });
  } finally {
    index.close();
    await server.close();
  }
}

export interface ConcurrencyOutcome {
  target: FaultTarget;
  limit: number;
  /** 429s sent: every call's first attempt. */
  injected: number;
  peakInFlight: number;
  completed: boolean;
  problems: string[];
}

/**
 * Every call's first attempt gets a 429 while answers are slowed down, so retries and fresh
 * calls compete for slots: the server must never see more than `limit` requests at once.
 */
export async function runConcurrencyUnderRetries(
  target: FaultTarget,
  setup: { fixture?: BuildFixture; indexFile?: string; query?: string },
  limit = 2,
): Promise<ConcurrencyOutcome> {
  const server = await startOpenAITestServer({ delayMs: 40 });
  const injector = new Injector(server, FAULTS['429'], target, false, () => true);
  const problems: string[] = [];
  let completed = false;
  try {
    if (target === 'summary') {
      const output = path.join(setup.fixture!.workDir, `concurrency-${++buildCounter}.db`);
      try {
        await buildIndex({ ...buildOptions(setup.fixture!.corpus, output, server), concurrency: limit });
        completed = true;
      } catch (error) {
        problems.push(`the build failed: ${errorText(error)}`);
      }
    } else {
      const index = openJudgedIndex(setup.indexFile!, server, limit, SCENARIO.timeoutMs);
      try {
        const result = await index.search(setup.query!, { topK: 5, iterations: 3, beamSize: 3 });
        completed = result.hits.length > 0 && result.trace.slates.every((s) => s.status === 'ok');
        if (!completed) problems.push('the search lost slates although every retry succeeded');
      } catch (error) {
        problems.push(`the search threw ${errorText(error)}`);
      } finally {
        index.close();
      }
    }
    const peak = peakInFlight(server.requests);
    if (peak > limit) problems.push(`${peak} requests in flight, limit ${limit}`);
    if (injector.injected < 3) problems.push(`only ${injector.injected} faults were injected`);
    return { target, limit, injected: injector.injected, peakInFlight: peak, completed, problems };
  } finally {
    await server.close();
  }
}

/** Runs `tasks` with at most `limit` at once, keeping input order in the results. */
export async function inBatches<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  await runPool(tasks, limit, async (task, i) => {
    out[i] = await task();
  });
  return out;
}
