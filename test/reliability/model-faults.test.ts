/**
 * Model-server faults, end to end: every fault kind injected into summary calls of a real build
 * and judge calls of a real search, transient and persistent (see fault-scenarios.ts for what
 * each scenario asserts: bounded retries with backoff, Retry-After honoured, concurrency within
 * its limit, builds that stop saying how to resume and resume without paying twice, searches
 * that degrade with a trace instead of throwing).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex } from '../../indexer/build.js';
import { FAULT_KINDS, inBatches, prepareBuildFixture, runBuildFault, runConcurrencyUnderRetries, runQueryFault, type BuildFixture, type FaultOutcome } from '../../scripts/reliability/fault-scenarios.js';
import { sampleCorpus, sampleQueries } from '../../scripts/reliability/harness.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-faults-'));
let fixture: BuildFixture;
let queryIndex: string;

beforeAll(async () => {
  fixture = await prepareBuildFixture(work, sampleCorpus(work, 40), 40);
  queryIndex = path.join(work, 'query.db');
  await buildIndex({ input: sampleCorpus(work, 60, 'query-corpus.jsonl'), output: queryIndex, branching: 5, seed: 3 });
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function explain(outcomes: FaultOutcome[]): string {
  return outcomes
    .filter((o) => !o.survived)
    .map((o) => `${o.target} ${o.kind} (${o.persistent ? 'persistent' : 'transient'}): ${o.problems.join('; ')}`)
    .join('\n');
}

describe('faults in summary calls during a build', () => {
  it('survives every fault kind once, with bounded retries, backoff and Retry-After', async () => {
    const outcomes = await inBatches(FAULT_KINDS.map((kind) => () => runBuildFault(fixture, kind, false)), 6);
    expect(explain(outcomes)).toBe('');
    expect(outcomes.every((o) => o.injected >= 3)).toBe(true);
    const retryAfter = outcomes.find((o) => o.kind === '429 + Retry-After')!;
    expect(retryAfter.minRetryGapMs).toBeGreaterThanOrEqual(960);
  });

  it('stops on a persistent fault with a resume hint, and resumes without paying twice', async () => {
    const outcomes = await inBatches(FAULT_KINDS.map((kind) => () => runBuildFault(fixture, kind, true)), 6);
    expect(explain(outcomes)).toBe('');
    const hang = outcomes.find((o) => o.kind === 'hang past timeout')!;
    expect(hang.maxAttempts).toBe(3);
  });

  it('keeps calls in flight within the concurrency limit while everything is being retried', async () => {
    const outcome = await runConcurrencyUnderRetries('summary', { fixture });
    expect(outcome.problems).toEqual([]);
    expect(outcome.peakInFlight).toBe(2);
  });
});

describe('faults in judge calls during a search', () => {
  const query = () => sampleQueries(1)[0]!;

  it('retries or repairs a transient fault and records retries in the trace', async () => {
    const outcomes = await inBatches(FAULT_KINDS.map((kind) => () => runQueryFault(queryIndex, query(), kind, false)), 6);
    expect(explain(outcomes)).toBe('');
  });

  it('degrades the affected slate on a persistent fault, never throws, and says so in the trace', async () => {
    const outcomes = await inBatches(FAULT_KINDS.map((kind) => () => runQueryFault(queryIndex, query(), kind, true)), 6);
    expect(explain(outcomes)).toBe('');
  });

  it('keeps judge calls in flight within the concurrency limit while everything is being retried', async () => {
    const outcome = await runConcurrencyUnderRetries('judge', { indexFile: queryIndex, query: query() });
    expect(outcome.problems).toEqual([]);
    expect(outcome.peakInFlight).toBe(2);
  });
});
