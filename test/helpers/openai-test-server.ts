/** The tests' OpenAI-compatible server on 127.0.0.1; it lives in scripts/reliability/ because scripts/bench-faults.ts replays the same faults. */
export * from '../../scripts/reliability/openai-test-server.js';
