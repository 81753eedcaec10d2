/**
 * Kills a real `lattice build --summarizer llm` child process with SIGKILL at many points, restarts
 * it each time on the same index file, and checks that it ends as if nothing had happened.
 * Kill points, in order (each restart resumes the previous one's work):
 *  A. before any summary answer (the test server holds summary calls): at timed offsets and at
 *     progress lines, spread over start-up, loading, embedding and clustering, then with the first
 *     summary request in flight;
 *  B. during summarisation, after k new answers: new requests are held, answers already on their
 *     way are delivered and committed, then the child dies with requests in flight, so no answer is lost;
 *  D. in the window B avoids: the moment the server has handed the k-th new answer to the socket (or
 *     a few ms later), before the client can have read and saved it. An answer caught there is paid
 *     for and lost, and the next run asks for it again. What holds: only the calls in flight at such
 *     a kill are repeated (at most the concurrency per kill), every repeated call is one lost at a
 *     window kill, and no kill elsewhere repeats anything;
 *  C. after the last summary, at small delays: inside tree assembly and the final write transaction.
 * After each kill the index must refuse to open (INDEX_INCOMPLETE, or not found before it exists).
 * Finally the build is run to the end and compared with an uninterrupted build with the same seed.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { isLatticeError, openIndex } from '../../src/index.js';
import { startOpenAITestServer, type OpenAITestServer } from './openai-test-server.js';
import { cleanEnv, runCli, sampleCorpus, sleep, spawnCli, storedDocumentIds, treeRows, waitFor, type CliRun } from './harness.js';

export type KillStage = 'start-up/load' | 'embed' | 'cluster' | 'summarize' | 'write' | 'finished';

export interface KillPoint {
  n: number;
  /** What set the kill off. */
  trigger: string;
  /** Where the build was, judged from the index and the server afterwards. */
  stage: KillStage;
  /** Summary answers saved in the index after the kill. */
  answersSaved: number;
  /** Summary requests the child had in flight when it died (phase D: sent and not saved). */
  inFlight: number;
  /** Answers the server sent this run that never reached the index: paid calls the next run repeats. */
  answersLost: number;
  /** Whether the kill aimed at the window between an answer's arrival and its cache write (phase D). */
  inAnswerWindow: boolean;
  /** Error code from opening the index for search right after the kill ('' if it opened). */
  openError: string;
}

export interface KillCampaignResult {
  points: KillPoint[];
  /** Kills that interrupted the build (not counting any that landed after it finished). */
  interrupted: number;
  /** Interrupted builds whose index then refused to open as a finished one. */
  refusedWhileIncomplete: number;
  /** Distinct summary calls of the build. */
  summaryCalls: number;
  finalExit: number | null;
  resumedMessage: boolean;
  checkExit: number | null;
  treeEqual: boolean;
  /** Request hashes the server answered successfully more than once over all runs. */
  repeatedSuccesses: number;
  /** Answers sent beyond the first for the same request, over all runs: paid calls repeated. */
  extraAnswers: number;
  /** Answers lost, summed over all kills. */
  answersLost: number;
  /** Answers lost at kills outside the answer window (should be 0). */
  lostOutsideWindow: number;
  /** Kills aimed at the answer window. */
  windowKills: number;
  /** Most answers lost at one kill. */
  maxLostAtOneKill: number;
  maxInFlight: number;
  concurrency: number;
  documents: number;
  documentsLost: number;
  seconds: number;
  problems: string[];
}

export interface KillCampaignOptions {
  workDir: string;
  /** Documents cut from the bundled sample. Default 80. */
  documents?: number;
  /** Branching factor (small gives more summary calls). Default 4. */
  branching?: number;
  concurrency?: number;
  /** Phase B kills; each after this many new answers, in turn. */
  answerSteps?: number[];
  /** Phase C delays after the last summary, in ms. */
  writeDelays?: number[];
  /** Phase D kills: after this many new answers, this many ms after the last one was sent (0: at once). */
  windowKills?: { afterAnswers: number; delayMs: number }[];
  onPoint?: (point: KillPoint) => void;
}

const MODEL = 'test-chat';
const SEED = 7;

/** Counts rows of `table` in the index, or 0 when the file or table is not there yet. */
function countRows(file: string, table: 'model_cache'): number {
  if (!fs.existsSync(file)) return 0;
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } catch {
    return 0;
  } finally {
    db?.close();
  }
}

/** Build steps whose mark was written at or after `sinceIso` (this run's). */
function stepsSince(file: string, sinceIso: string): Set<string> {
  const out = new Set<string>();
  if (!fs.existsSync(file)) return out;
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    for (const row of db.prepare(`SELECT step, updated_at FROM build_progress`).all() as { step: string; updated_at: string }[]) {
      if (row.updated_at >= sinceIso) out.add(row.step);
    }
  } catch {
    // No schema yet: nothing was marked.
  } finally {
    db?.close();
  }
  return out;
}

function buildStatus(file: string): string {
  if (!fs.existsSync(file)) return 'none';
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const row = db.prepare(`SELECT value FROM meta WHERE key = 'build_status'`).get() as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as string) : 'empty';
  } catch {
    return 'unreadable';
  } finally {
    db?.close();
  }
}

/** Runs the whole campaign; see the module comment. */
export async function runKillCampaign(options: KillCampaignOptions): Promise<KillCampaignResult> {
  const started = performance.now();
  const documents = options.documents ?? 80;
  const branching = options.branching ?? 4;
  const concurrency = options.concurrency ?? 3;
  const answerSteps = options.answerSteps ?? [1, 3, 2, 4, 0, 2, 3, 1, 4, 2, 3, 2, 1, 3];
  const writeDelays = options.writeDelays ?? [0, 3, 6, 10, 16, 25, 40, 60];
  const windowKills = options.windowKills ?? [
    { afterAnswers: 1, delayMs: 0 },
    { afterAnswers: 2, delayMs: 0 },
    { afterAnswers: 2, delayMs: 1 },
    { afterAnswers: 1, delayMs: 2 },
    { afterAnswers: 2, delayMs: 4 },
  ];
  const problems: string[] = [];
  const corpus = sampleCorpus(options.workDir, documents, 'kill-corpus.jsonl');
  const env = cleanEnv({ OPENAI_API_KEY: 'sk-test-kill-campaign' });
  const args = (output: string, server: OpenAITestServer): string[] => [
    'build', corpus, '-o', output, '--summarizer', 'llm', '--model', MODEL, '--base-url', server.baseURL,
    '--concurrency', String(concurrency), '--branching', String(branching), '--seed', String(SEED),
  ];

  // The uninterrupted reference, on a server of its own.
  const reference = await startOpenAITestServer();
  const referenceFile = path.join(options.workDir, 'uninterrupted.db');
  let referenceRun: CliRun;
  try {
    referenceRun = await runCli(args(referenceFile, reference), { env });
  } finally {
    await reference.close();
  }
  if (referenceRun.code !== 0) throw new Error(`the uninterrupted build failed: ${referenceRun.stderr}`);
  const referenceTree = treeRows(referenceFile);
  const summaryCalls = reference.successCounts().size;

  // Answers are slowed a little so kills can land between them.
  const server = await startOpenAITestServer({ delayMs: 25 });
  const target = path.join(options.workDir, 'killed.db');
  let holding = false;
  const held = new Set<number>();
  server.onRequest = (request) => {
    if (request.route !== 'chat' || !holding) return undefined;
    held.add(request.seq);
    return { type: 'hang' };
  };
  const points: KillPoint[] = [];
  let finished = false;

  /** Starts the child, waits for `trigger` to say when, kills it and records where it was. */
  type Trigger = (ctx: { startSeq: number; startIso: string; stderr: () => string; kill: () => void }) => Promise<string | undefined>;
  const killRun = async (label: string, hold: boolean, trigger: Trigger, inAnswerWindow = false): Promise<void> => {
    if (finished) return;
    holding = hold;
    const startSeq = server.requests.length;
    const startIso = new Date().toISOString();
    const savedBefore = countRows(target, 'model_cache');
    const run = spawnCli(args(target, server), { env });
    const kill = (): void => {
      if (!run.child.killed) run.child.kill('SIGKILL');
    };
    const detail = await trigger({ startSeq, startIso, stderr: run.stderr, kill });
    const chatsBefore = server.requests.slice(startSeq).filter((r) => r.route === 'chat');
    let inFlight = chatsBefore.filter((r) => r.outcome === undefined || r.outcome === 'hang' || held.has(r.seq)).length;
    kill();
    const result = await run.done;
    holding = false;
    server.onAnswered = undefined;
    // Let the server see the dead child's sockets close before the next child starts.
    if (!(await waitFor(() => server.stats.inFlight === 0, 5000))) {
      problems.push(`kill ${points.length + 1} (${label}): the server still held ${server.stats.inFlight} requests 5 s after the kill`);
    }

    const status = buildStatus(target);
    const steps = stepsSince(target, startIso);
    const chats = server.requests.slice(startSeq).filter((r) => r.route === 'chat').length;
    let stage: KillStage;
    if (result.code === 0 || status === 'complete') stage = 'finished';
    else if (steps.has('summarize')) stage = 'write';
    else if (chats > 0) stage = 'summarize';
    else if (steps.has('embed')) stage = 'cluster';
    else if (steps.has('load')) stage = 'embed';
    else stage = 'start-up/load';
    if (stage === 'finished') finished = true;
    const thisRun = server.requests.slice(startSeq).filter((r) => r.route === 'chat');
    const saved = countRows(target, 'model_cache') - savedBefore;
    const answersLost = thisRun.filter((r) => r.outcome === 200).length - saved;
    // At a window kill the answer just sent is still in flight for the client: sent, not saved.
    if (inAnswerWindow) inFlight = thisRun.length - saved;

    let openError = '';
    let openMessage = '';
    try {
      openIndex(target).close();
    } catch (error) {
      openError = isLatticeError(error) ? error.code : `not a LatticeError: ${String(error)}`;
      if (isLatticeError(error) && error.code !== 'INDEX_INCOMPLETE' && error.code !== 'INDEX_NOT_FOUND') openMessage = error.message;
    }
    if (stage !== 'finished' && !['INDEX_INCOMPLETE', 'INDEX_NOT_FOUND'].includes(openError)) {
      problems.push(`kill ${points.length + 1} (${label}): opening the unfinished index gave "${openError || 'success'}"${openMessage ? ` (${openMessage})` : ''}`);
    }
    if (result.signal !== 'SIGKILL' && stage !== 'finished') {
      problems.push(`kill ${points.length + 1} (${label}): the child exited on its own with ${result.code}: ${result.stderr.slice(-300)}`);
    }
    const point: KillPoint = {
      n: points.length + 1,
      trigger: detail ? `${label} (${detail})` : label,
      stage,
      answersSaved: countRows(target, 'model_cache'),
      inFlight,
      answersLost,
      inAnswerWindow,
      openError,
    };
    points.push(point);
    options.onPoint?.(point);
  };

  const lineSeen = (stderr: () => string, stage: string) => () => new RegExp(`^${stage}\\s`, 'm').test(stderr());

  // Phase A: no summary answer gets out.
  for (const ms of [120, 350]) {
    await killRun(`${ms} ms after start`, true, async () => {
      await sleep(ms);
      return undefined;
    });
  }
  for (const [stage, delay] of [['load', 0], ['chunk', 60], ['chunk', 200], ['fit-embedder', 0], ['embed', 0], ['cluster', 0]] as const) {
    await killRun(`${delay} ms after the "${stage}" line`, true, async ({ stderr }) => {
      const seen = await waitFor(lineSeen(stderr, stage), 20_000);
      if (!seen) problems.push(`the "${stage}" progress line never came`);
      await sleep(delay);
      return undefined;
    });
  }
  await killRun('first summary request in flight', true, async ({ startSeq }) => {
    await waitFor(() => server.requests.length > startSeq, 20_000);
    return undefined;
  });

  // Phase B: kill after k new answers, once the answers already sent are committed.
  let answered = 0;
  // Phase D needs summary calls left to kill at.
  const windowReserve = windowKills.reduce((sum, k) => sum + k.afterAnswers, 0);
  for (const step of answerSteps) {
    if (answered + step > summaryCalls - 3 - windowReserve) break;
    // Step 0: a resumed run killed with its first new requests in flight and nothing answered.
    await killRun(`after ${step} new answer${step === 1 ? '' : 's'}`, step === 0, async ({ startSeq }) => {
      const newAnswers = () => server.requests.slice(startSeq).filter((r) => r.route === 'chat' && r.outcome === 200).length;
      if (step === 0) await waitFor(() => server.requests.length > startSeq, 20_000);
      else await waitFor(() => newAnswers() >= step, 20_000);
      holding = true;
      // Answers already on their way are delivered...
      await waitFor(() => server.requests.slice(startSeq).every((r) => r.outcome !== undefined || held.has(r.seq)), 5000);
      // ...and committed to the index before the kill.
      const distinct = () => server.successCounts().size;
      const committed = await waitFor(() => countRows(target, 'model_cache') >= distinct(), 5000);
      if (!committed) problems.push(`answers were not committed within 5 s (${countRows(target, 'model_cache')} of ${distinct()})`);
      answered = distinct();
      return `${answered} of ${summaryCalls} answers saved`;
    });
  }

  // Phase D: the window phase B avoids, between an answer leaving the server and its cache write.
  for (const { afterAnswers, delayMs } of windowKills) {
    if (answered + afterAnswers > summaryCalls - 2) break;
    await killRun(
      `${delayMs} ms after new answer ${afterAnswers} was sent`,
      false,
      async ({ startSeq, kill }) => {
        let seen = 0;
        const sent = new Promise<void>((resolve) => {
          server.onAnswered = (request) => {
            if (request.route !== 'chat' || request.seq < startSeq || ++seen !== afterAnswers) return;
            // Synchronously, from the server's write callback: the client cannot have read the answer yet.
            if (delayMs === 0) kill();
            else setTimeout(kill, delayMs);
            resolve();
          };
        });
        if (!(await Promise.race([sent.then(() => true), sleep(20_000).then(() => false)]))) problems.push(`answer ${afterAnswers} of a window kill never came`);
        await sleep(delayMs);
        return undefined;
      },
      true,
    );
    answered = countRows(target, 'model_cache');
  }

  // Phase C: after the last summary is committed, inside tree assembly and the final write.
  for (const delay of writeDelays) {
    await killRun(`${delay} ms after summarising ended`, false, async ({ startIso }) => {
      const seen = await waitFor(() => stepsSince(target, startIso).has('summarize'), 30_000, 1);
      if (!seen) problems.push('the summarize step was never marked done');
      await sleep(delay);
      return undefined;
    });
  }

  // The build is run to the end, checked, and compared.
  holding = false;
  server.onRequest = undefined;
  const final = finished ? undefined : await runCli(args(target, server), { env });
  const check = await runCli(['check', target], { env });
  const treeEqual = JSON.stringify(treeRows(target)) === JSON.stringify(referenceTree);
  const stored = new Set(storedDocumentIds(target));
  const corpusIds = fs
    .readFileSync(corpus, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { _id: string })._id);
  const documentsLost = corpusIds.filter((id) => !stored.has(id)).length;
  await server.close();

  const interrupted = points.filter((p) => p.stage !== 'finished');
  const windowPoints = points.filter((p) => p.inAnswerWindow);
  return {
    points,
    interrupted: interrupted.length,
    refusedWhileIncomplete: interrupted.filter((p) => p.openError === 'INDEX_INCOMPLETE' || p.openError === 'INDEX_NOT_FOUND').length,
    summaryCalls,
    finalExit: final ? final.code : 0,
    resumedMessage: final ? /Resumed an interrupted build/.test(final.stdout) : true,
    checkExit: check.code,
    treeEqual,
    repeatedSuccesses: server.repeatedSuccesses().length,
    extraAnswers: [...server.successCounts().values()].reduce((sum, n) => sum + n - 1, 0),
    answersLost: points.reduce((sum, p) => sum + p.answersLost, 0),
    lostOutsideWindow: points.filter((p) => !p.inAnswerWindow).reduce((sum, p) => sum + p.answersLost, 0),
    windowKills: windowPoints.length,
    maxLostAtOneKill: Math.max(0, ...points.map((p) => p.answersLost)),
    maxInFlight: server.stats.maxInFlight,
    concurrency,
    documents,
    documentsLost,
    seconds: (performance.now() - started) / 1000,
    problems,
  };
}
