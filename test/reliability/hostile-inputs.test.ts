/**
 * Hostile corpora through the real CLI (child processes): every one ends with a built index
 * (good documents all there, bad ones reported by line or file) or a coded refusal naming the
 * lines, never a crash; memory stays bounded on a 50 MB line. See hostile-corpora.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inBatches } from '../../scripts/reliability/fault-scenarios.js';
import { makeHostileCorpora, runHostileCorpus, unlockHostileCorpora, type HostileOutcome } from '../../scripts/reliability/hostile-corpora.js';
import { runCli, cleanEnv } from '../../scripts/reliability/harness.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-hostile-'));
afterAll(() => {
  unlockHostileCorpora(path.join(work, 'corpora'));
  fs.rmSync(work, { recursive: true, force: true });
});

describe('hostile corpora', () => {
  const corpora = makeHostileCorpora(path.join(work, 'corpora'));
  let outcomes: HostileOutcome[] = [];

  it('each ends in a built index or a coded refusal, as documented, never a crash', async () => {
    outcomes = await inBatches(corpora.map((c, i) => () => runHostileCorpus(c, work, i)), 2);
    const failures = outcomes.filter((o) => o.problems.length > 0).map((o) => `${o.name}: ${o.problems.join('; ')}`);
    expect(failures).toEqual([]);
    expect(outcomes.some((o) => o.outcome === 'crashed')).toBe(false);
    expect(outcomes.reduce((n, o) => n + o.lost, 0)).toBe(0);
  }, 180_000);

  it('keeps memory bounded on the 50 MB line', () => {
    const huge = outcomes.filter((o) => o.name.startsWith('50 MB line'));
    const baseline = outcomes.find((o) => o.name === 'BOM')!.maxRssMb!;
    expect(huge).toHaveLength(2);
    // Reading the line whole would cost 50 MB of bytes plus its string; the loader holds at most its line cap.
    for (const o of huge) expect(o.maxRssMb! - baseline).toBeLessThan(45);
  });

  it('prints bad lines as file:line with their kind, and says how to go on', async () => {
    const input = corpora.find((c) => c.name === 'duplicate ids')!.input;
    const run = await runCli(['build', input, '-o', path.join(work, 'text-mode.db')], { env: cleanEnv() });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error INPUT_BAD_DOCUMENTS: 2 bad documents .*duplicate-ids\.jsonl:6 duplicate-id/m);
    expect(run.stderr).toMatch(/^hint: .*--skip-bad/m);
    const skipped = await runCli(['build', input, '-o', path.join(work, 'text-mode-2.db'), '--skip-bad'], { env: cleanEnv() });
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toMatch(/^ {2}error {3}.*duplicate-ids\.jsonl:7 duplicate-id \(id "\d+"\): id already used at .*duplicate-ids\.jsonl:4; the first one is kept$/m);
  });
});
