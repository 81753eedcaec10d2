/**
 * Everyday developer questions about Node.js, each with the API-doc file(s) of Node's own
 * documentation that answer it (ids as a folder build of the docs names them: `fs.md`, ...).
 * Why fixed here: scripts/bench-node-docs.ts replays them as a regression benchmark on a real
 * Markdown corpus nobody on this project wrote. Written as a developer would ask, before any
 * run of the engine, and never reworded to suit it; a question counts as answered at rank k when
 * any of its expected files is among the first k hits.
 */

export interface NodeDocsQuestion {
  question: string;
  /** Files (relative to the api folder) that answer the question; any one of them counts. */
  expected: readonly string[];
}

export const NODE_DOCS_QUESTIONS: readonly NodeDocsQuestion[] = [
  { question: 'how do I read a file line by line', expected: ['readline.md'] },
  { question: 'how do worker threads share memory', expected: ['worker_threads.md'] },
  { question: 'spawn a child process and capture its output', expected: ['child_process.md'] },
  { question: 'compute a SHA-256 hash of a string', expected: ['crypto.md', 'webcrypto.md'] },
  { question: 'parse the command line arguments passed to my script', expected: ['util.md', 'process.md'] },
  { question: 'make an HTTP request to a server and read the response', expected: ['http.md'] },
  { question: 'run a function after a delay or repeatedly every few seconds', expected: ['timers.md'] },
  { question: 'compress data with gzip', expected: ['zlib.md'] },
  { question: 'join and normalize file paths on Windows and POSIX', expected: ['path.md'] },
  { question: 'emit and listen for custom events', expected: ['events.md'] },
  { question: 'pipe a readable stream into a writable stream and handle backpressure', expected: ['stream.md'] },
  { question: 'resolve a hostname to an IP address', expected: ['dns.md'] },
  { question: 'write unit tests with the built-in test runner', expected: ['test.md'] },
  { question: 'use import statements instead of require', expected: ['esm.md', 'modules.md', 'packages.md'] },
  { question: 'convert a buffer to a base64 string', expected: ['buffer.md'] },
  { question: 'find out how many CPU cores and how much memory the machine has', expected: ['os.md'] },
  { question: 'measure how long an operation takes with high resolution timing', expected: ['perf_hooks.md', 'process.md'] },
  { question: 'create a TCP server that accepts socket connections', expected: ['net.md'] },
  { question: 'handle an uncaught exception before the process exits', expected: ['process.md'] },
  { question: 'serve HTTPS with a TLS certificate and private key', expected: ['https.md', 'tls.md'] },
];
