import { afterAll, afterEach, beforeAll } from 'vitest';
import { isLatticeError, type LatticeError } from '../../src/core/errors.js';
import { startOpenAITestServer, type OpenAITestServer, type TestServerOptions } from './openai-test-server.js';

/**
 * Starts one OpenAI-compatible test server for the calling test file, resets it after every
 * test (then runs `afterEachTest`, e.g. to restore configuration) and closes it at the end.
 * Returns a stand-in that forwards to the server once it is up, so tests read `server.stats`.
 */
export function useOpenAITestServer(options: TestServerOptions = {}, afterEachTest?: (server: OpenAITestServer) => void): OpenAITestServer {
  let server: OpenAITestServer | undefined;
  beforeAll(async () => {
    server = await startOpenAITestServer(options);
  });
  afterAll(async () => {
    await server?.close();
  });
  afterEach(() => {
    server!.reset();
    afterEachTest?.(server!);
  });
  return new Proxy({} as OpenAITestServer, {
    get: (_target, key) => {
      if (!server) throw new Error('the test server is not started yet (use it inside a test or hook)');
      const value = Reflect.get(server, key, server);
      return typeof value === 'function' ? value.bind(server) : value;
    },
    set: (_target, key, value) => Reflect.set(server!, key, value),
  });
}

/** The LatticeError a promise rejects with (fails the test when it resolves or throws something else). */
export async function rejection(promise: Promise<unknown>): Promise<LatticeError> {
  try {
    await promise;
  } catch (error) {
    if (isLatticeError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}
