/**
 * API keys never reach the index, its cache, saved traces, the CLI's output or error messages.
 * Real CLI runs (child processes, key in OPENAI_API_KEY) build and search through a test server
 * that requires the key; then a wrong key (which the server echoes back in its 401 message, as
 * careless servers do) and a server that quotes the key in a 400 error. Every file the runs wrote
 * and everything they printed is searched for both keys.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAITestServer, type OpenAITestServer } from '../helpers/openai-test-server.js';
import { cleanEnv, runCli, sampleCorpus, sampleQueries, type CliRun } from '../../scripts/reliability/harness.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-secrets-'));
const KEY = `sk-lattice-test-${randomBytes(12).toString('hex')}`;
const WRONG = `sk-wrong-test-${randomBytes(12).toString('hex')}`;
let server: OpenAITestServer;
const runs: { name: string; run: CliRun }[] = [];

async function cli(name: string, args: string[], key: string): Promise<CliRun> {
  const run = await runCli(args, { env: cleanEnv({ OPENAI_API_KEY: key }) });
  runs.push({ name, run });
  // What a user would keep as logs.
  fs.writeFileSync(path.join(work, `${name}.stdout.log`), run.stdout);
  fs.writeFileSync(path.join(work, `${name}.stderr.log`), run.stderr);
  return run;
}

function allFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? allFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

beforeAll(async () => {
  server = await startOpenAITestServer({ apiKey: KEY });
});

afterAll(async () => {
  await server.close();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('API keys', () => {
  it('are used for calls but written nowhere, whatever the build, query or error', async () => {
    const corpus = sampleCorpus(work, 40);
    const index = path.join(work, 'index.db');
    const model = ['--model', 'test-chat', '--base-url', server.baseURL];
    const query = sampleQueries(1)[0]!;

    const build = await cli('build', ['build', corpus, '-o', index, '--summarizer', 'llm', ...model, '--branching', '5'], KEY);
    expect(build.code, build.stderr).toBe(0);
    expect((await cli('query-text', ['query', index, query, '--judge', 'llm', ...model, '--trace', '--save-trace'], KEY)).code).toBe(0);
    expect((await cli('query-json', ['query', index, query, '--judge', 'llm', ...model, '--json', '--save-trace'], KEY)).code).toBe(0);

    // A wrong key: the server answers 401 and quotes the key it got.
    const badBuild = await cli('build-wrong-key', ['build', corpus, '-o', path.join(work, 'wrong.db'), '--summarizer', 'llm', ...model], WRONG);
    expect(badBuild.code).toBe(1);
    expect(badBuild.stderr).toMatch(/^error MODEL_AUTH_FAILED: /m);
    const badQuery = await cli('query-wrong-key', ['query', index, query, '--judge', 'llm', ...model, '--json', '--save-trace'], WRONG);
    expect(badQuery.code).toBe(0);
    expect(JSON.parse(badQuery.stdout).trace.faults.degradedSlates.MODEL_AUTH_FAILED).toBeGreaterThan(0);

    // A server that quotes the key in an error body.
    server.onRequest = (r) => (r.route === 'chat' ? { type: 'status', status: 400, message: `Bad request from Authorization: Bearer ${KEY}` } : undefined);
    const quoted = await cli('build-quoted-key', ['build', corpus, '-o', path.join(work, 'quoted.db'), '--summarizer', 'llm', ...model, '--json'], KEY);
    server.onRequest = undefined;
    expect(quoted.code).toBe(1);
    expect(JSON.parse(quoted.stdout).error.code).toBe('MODEL_BAD_REQUEST');

    expect((await cli('inspect-traces', ['inspect', index, '--traces', '--json'], KEY)).code).toBe(0);
    expect((await cli('inspect-trace', ['inspect', index, '--trace', '1'], KEY)).code).toBe(0);
    expect((await cli('check', ['check', index, '--json'], KEY)).code).toBe(0);

    // The key really went to the server (so finding it nowhere means something).
    expect(server.requests.some((r) => r.authorization === `Bearer ${KEY}`)).toBe(true);
    expect(server.requests.some((r) => r.authorization === `Bearer ${WRONG}`)).toBe(true);

    const files = allFiles(work);
    expect(files.some((f) => f.endsWith('index.db'))).toBe(true);
    const leaks: string[] = [];
    for (const file of files) {
      const bytes = fs.readFileSync(file);
      for (const secret of [KEY, WRONG, KEY.slice(-16), WRONG.slice(-16)]) {
        if (bytes.includes(secret)) leaks.push(`${path.basename(file)} holds ${secret === KEY || secret === WRONG ? 'a key' : 'part of a key'}`);
      }
    }
    for (const { name, run } of runs) {
      if (run.stdout.includes(KEY.slice(-16)) || run.stderr.includes(KEY.slice(-16))) leaks.push(`${name} printed the key`);
      if (run.stdout.includes(WRONG.slice(-16)) || run.stderr.includes(WRONG.slice(-16))) leaks.push(`${name} printed the wrong key`);
    }
    expect(leaks).toEqual([]);
  }, 120_000);
});
