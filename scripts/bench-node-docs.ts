/**
 * Retrieval on a real Markdown corpus: Node.js's own API docs, as Debian's `nodejs` package installs
 * them (found with `dpkg -L nodejs`, else /usr/share/doc/nodejs/api; `--docs DIR` for another copy;
 * never copied into this repository). The folder also holds .html and .json.gz renderings of the same
 * pages: a folder build reads only the .md files (the loader's text extensions), so each page is
 * indexed once, from its source. Builds an index with the defaults, asks the questions of
 * scripts/node-docs-questions.ts and prints, per system, how many have an expected file at rank 1 and
 * within the top 3, plus the mean characters a top-1 hit hands a reader (its chunk, or the whole file).
 * Writes the figures to docs/benchmarks/node-docs.json (--json).
 * Run: npx tsc -p . && node dist/scripts/bench-node-docs.js [--docs DIR] [--index FILE] [--json FILE]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildIndex, openIndex, type IndexSearchOptions, type LatticeIndex } from '../src/index.js';
import { NODE_DOCS_QUESTIONS } from './node-docs-questions.js';
import { repoRoot } from './synthetic-corpus.js';

const KNOWN_PATH = '/usr/share/doc/nodejs/api';

/** The api folder of the installed Node.js docs, or undefined. */
function findNodeDocs(): string | undefined {
  const listed = spawnSync('dpkg', ['-L', 'nodejs'], { encoding: 'utf8' });
  if (listed.status === 0) {
    const fsDoc = listed.stdout.split('\n').find((line) => line.endsWith('/api/fs.md'));
    if (fsDoc && fs.existsSync(fsDoc)) return path.dirname(fsDoc);
  }
  return fs.existsSync(path.join(KNOWN_PATH, 'fs.md')) ? KNOWN_PATH : undefined;
}

interface Ranked {
  docIds: string[];
  /** Characters of the first hit's text as a reader gets it. */
  topChars: number;
}

type System = { name: string; run: (index: LatticeIndex, query: string) => Promise<Ranked> };

/** The text length of a hit: its own text when hits carry one, else its chunk's range, else the whole document. */
function hitChars(index: LatticeIndex, hit: { docId: string; text?: string; chunk?: { start: number; end: number } }): number {
  if (typeof hit.text === 'string') return hit.text.length;
  if (hit.chunk) return hit.chunk.end - hit.chunk.start;
  return index.document(hit.docId)?.text.length ?? 0;
}

function tree(name: string, options: IndexSearchOptions): System {
  return {
    name,
    run: async (index, query) => {
      const { hits } = await index.search(query, { topK: 3, ...options });
      return { docIds: hits.map((h) => h.docId), topChars: hits[0] ? hitChars(index, hits[0]) : 0 };
    },
  };
}

function flat(name: string, retriever: 'bm25' | 'dense'): System {
  return {
    name,
    run: async (index, query) => {
      const hits = await index.flatSearch(retriever, query, 3);
      return { docIds: hits.map((h) => h.docId), topChars: hits[0] ? (index.document(hits[0].docId)?.text.length ?? 0) : 0 };
    },
  };
}

const SYSTEMS: readonly System[] = [
  tree('default search', {}),
  tree('tree alone (--fusion none)', { fusion: false }),
  tree('fusion bm25 (rrf)', { fusion: 'bm25' }),
  tree('fusion dense (rrf)', { fusion: 'dense' }),
  flat('BM25 flat', 'bm25'),
  flat('dense flat', 'dense'),
];

async function main(): Promise<void> {
  const { values } = parseArgs({
    strict: true,
    options: {
      docs: { type: 'string' },
      index: { type: 'string' },
      json: { type: 'string', default: path.join(repoRoot, 'docs/benchmarks/node-docs.json') },
    },
  });
  const docs = values.docs ? path.resolve(values.docs) : findNodeDocs();
  if (docs === undefined || !fs.existsSync(docs)) {
    process.stderr.write(
      `The Node.js API docs are not installed (looked in \`dpkg -L nodejs\` and ${KNOWN_PATH}).\n` +
        'Install them with `apt-get install nodejs` (Debian), or pass --docs <the doc/api folder of a Node.js source tree>.\n',
    );
    process.exitCode = 1;
    return;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-bench-node-docs-'));
  try {
    const file = values.index ? path.resolve(values.index) : path.join(work, 'node-docs.db');
    if (!values.index || !fs.existsSync(file)) {
      process.stderr.write(`building an index of ${docs} with the defaults...\n`);
      await buildIndex({ input: docs, output: file });
    }
    const index = openIndex(file);
    const systems = [];
    const perQuestion: Record<string, string[]>[] = NODE_DOCS_QUESTIONS.map(() => ({}));
    try {
      for (const system of SYSTEMS) {
        let top1 = 0;
        let top3 = 0;
        let chars = 0;
        for (const [i, q] of NODE_DOCS_QUESTIONS.entries()) {
          const ranked = await system.run(index, q.question);
          const at = ranked.docIds.findIndex((id) => q.expected.includes(id));
          if (at === 0) top1 += 1;
          if (at >= 0 && at < 3) top3 += 1;
          chars += ranked.topChars;
          perQuestion[i]![system.name] = ranked.docIds;
        }
        const row = { system: system.name, top1, top3, meanTopHitChars: Math.round(chars / NODE_DOCS_QUESTIONS.length) };
        systems.push(row);
      }
    } finally {
      index.close();
    }
    const n = NODE_DOCS_QUESTIONS.length;
    console.log(`Node.js API docs (${docs}), ${n} questions: expected file at rank 1 / within the top 3`);
    for (const row of systems) {
      console.log(`  ${row.system.padEnd(28)} top-1 ${String(row.top1).padStart(2)}/${n}  top-3 ${String(row.top3).padStart(2)}/${n}  top hit ${row.meanTopHitChars} chars (mean)`);
    }
    const misses = NODE_DOCS_QUESTIONS.flatMap((q, i) => {
      const top = perQuestion[i]!['default search']?.[0];
      return top !== undefined && q.expected.includes(top) ? [] : [`  "${q.question}": ${top ?? '(none)'} (expected ${q.expected.join(' or ')})`];
    });
    if (misses.length > 0) console.log(`default search, top-1 misses:\n${misses.join('\n')}`);
    const result = {
      generatedBy: 'scripts/bench-node-docs.ts',
      machine: { cores: os.cpus().length, node: process.version },
      docs,
      questions: n,
      systems,
      perQuestion: NODE_DOCS_QUESTIONS.map((q, i) => ({ ...q, top3: perQuestion[i] })),
    };
    const json = path.resolve(values.json);
    fs.mkdirSync(path.dirname(json), { recursive: true });
    fs.writeFileSync(json, `${JSON.stringify(result, null, 1)}\n`);
    console.log(`wrote ${path.relative(process.cwd(), json)}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
