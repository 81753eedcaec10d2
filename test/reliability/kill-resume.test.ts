/**
 * SIGKILL at 25+ points of a real `lattice build --summarizer llm` child process, restarting it
 * each time: the build completes, `lattice check` passes, the tree equals an uninterrupted build's,
 * every interrupted index refuses to open for search, and a paid summary call is answered twice only
 * when a kill lands between its answer leaving the server and the cache write: at most the calls in
 * flight at that kill (never more than the concurrency), and never for a kill anywhere else.
 * Uses the compiled CLI (dist/), which `npm test` builds first.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKillCampaign, type KillCampaignResult } from '../../scripts/reliability/kill-campaign.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-kill-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('killing a build at many points', () => {
  let result: KillCampaignResult;

  it('recovers from every kill and ends with the uninterrupted tree', async () => {
    result = await runKillCampaign({ workDir: work });
    const table = result.points
      .map((p) => `${String(p.n).padStart(2)} ${p.stage.padEnd(14)} saved ${String(p.answersSaved).padStart(2)} in-flight ${p.inFlight} lost ${p.answersLost} open ${p.openError || 'ok'}  ${p.trigger}`)
      .join('\n');
    console.log(`${table}\n${result.seconds.toFixed(1)} s`);
    // One comparison, so a failure shows every figure at once.
    expect({
      problems: result.problems,
      enoughKills: result.interrupted >= 25,
      everyUnfinishedIndexRefused: result.refusedWhileIncomplete === result.interrupted,
      finalExit: result.finalExit,
      resumedMessage: result.resumedMessage,
      checkExit: result.checkExit,
      treeEqual: result.treeEqual,
      everyRepeatLostInTheWindow: result.extraAnswers === result.answersLost,
      lostOutsideWindow: result.lostOutsideWindow,
      atMostInFlightLostPerKill: result.maxLostAtOneKill <= result.concurrency,
      windowKills: result.windowKills >= 4,
      windowHit: result.answersLost >= 1,
      documentsLost: result.documentsLost,
      withinConcurrency: result.maxInFlight <= result.concurrency,
    }).toEqual({
      problems: [],
      enoughKills: true,
      everyUnfinishedIndexRefused: true,
      finalExit: 0,
      resumedMessage: true,
      checkExit: 0,
      treeEqual: true,
      everyRepeatLostInTheWindow: true,
      lostOutsideWindow: 0,
      atMostInFlightLostPerKill: true,
      windowKills: true,
      windowHit: true,
      documentsLost: 0,
      withinConcurrency: true,
    });
  }, 240_000);

  it('spreads the kills over every stage of the build', () => {
    const stages = new Set(result.points.map((p) => p.stage));
    for (const stage of ['start-up/load', 'embed', 'cluster', 'summarize', 'write'] as const) expect(stages).toContain(stage);
    // Some kills land with summary requests in flight.
    expect(result.points.filter((p) => p.inFlight > 0).length).toBeGreaterThanOrEqual(5);
  });
});
