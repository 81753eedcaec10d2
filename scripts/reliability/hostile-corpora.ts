/**
 * Generates hostile corpora (broken encodings, a 50 MB line, wrong field types, duplicates,
 * degenerate collections, folders with links leading out and files that cannot be read) and runs
 * the real CLI on each as a child process, recording how it ended: built (with which documents
 * and which line-numbered issues), or refused with a coded error. A crash, a stack trace, a
 * silently dropped good document or unbounded memory is a failure.
 * Each corpus states what a user should expect; the bad-input policy is indexer/load/README.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { checkIndex } from '../../src/index.js';
import { repoRoot, runCli, cleanEnv, storedDocumentIds, endedCleanly } from './harness.js';

export interface ExpectedIssue {
  kind: string;
  /** 1-based line (JSONL) or file name (folders) the issue must name. */
  at: number | string;
}

export interface HostileCorpus {
  name: string;
  /** What is hostile about it. */
  description: string;
  input: string;
  flags: string[];
  /** Ids of the documents a user meant to index (all must be in a built index). */
  goodIds: string[];
  expect:
    | { outcome: 'built'; documents: number; issues: ExpectedIssue[] }
    | { outcome: 'refused'; code: string; issues: ExpectedIssue[] };
  /** Peak memory allowed for the child, in MB (only set where memory is the point). */
  maxRssMb?: number;
}

export interface HostileOutcome {
  name: string;
  description: string;
  flags: string[];
  outcome: 'built' | 'refused' | 'crashed';
  exit: number | null;
  code?: string;
  documents: number;
  /** Issues the CLI reported, as `kind@line-or-file`. */
  issues: string[];
  maxRssMb: number | undefined;
  /** Good documents missing from a built index. */
  lost: number;
  /** One line for the report table. */
  summary: string;
  problems: string[];
}

/** Ten ordinary documents, so hostile lines sit among real text (the local embedder needs a vocabulary). */
function goodLines(count = 10, offset = 0): { lines: string[]; ids: string[] } {
  const source = path.join(repoRoot(), 'data/scifact-sample/corpus.jsonl');
  const lines = fs.readFileSync(source, 'utf8').split('\n').filter((l) => l.trim()).slice(offset, offset + count);
  return { lines, ids: lines.map((l) => (JSON.parse(l) as { _id: string })._id) };
}

/** Writes the corpora into `dir` and describes them. Deterministic; about 50 MB on disk (one huge line). */
export function makeHostileCorpora(dir: string): HostileCorpus[] {
  fs.mkdirSync(dir, { recursive: true });
  const out: HostileCorpus[] = [];
  const jsonl = (name: string, content: Buffer | string): string => {
    const file = path.join(dir, `${name}.jsonl`);
    fs.writeFileSync(file, content);
    return file;
  };
  const good = goodLines();

  // Encoding and line endings.
  {
    const bad = Buffer.concat([
      Buffer.from(`${good.lines.slice(0, 2).join('\n')}\n{"_id":"latin1","text":"caf`),
      Buffer.from([0xe9, 0x20, 0xff, 0xfe]),
      Buffer.from(` au lait: coffee and milk"}\n${good.lines.slice(2).join('\n')}\n`),
    ]);
    out.push({
      name: 'invalid UTF-8',
      description: 'line 3 holds bytes that are not UTF-8',
      input: jsonl('invalid-utf8', bad),
      flags: [],
      goodIds: [...good.ids, 'latin1'],
      expect: { outcome: 'built', documents: 11, issues: [{ kind: 'invalid-utf8', at: 3 }] },
    });
  }
  out.push({
    name: 'BOM',
    description: 'the file starts with a UTF-8 byte-order mark',
    input: jsonl('bom', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${good.lines.join('\n')}\n`)])),
    flags: [],
    goodIds: good.ids,
    expect: { outcome: 'built', documents: 10, issues: [] },
  });
  out.push({
    name: 'CRLF',
    description: 'Windows line endings',
    input: jsonl('crlf', `${good.lines.join('\r\n')}\r\n`),
    flags: [],
    goodIds: good.ids,
    expect: { outcome: 'built', documents: 10, issues: [] },
  });
  {
    // A 50 MB line: a document of 50 million characters between good ones (line 5).
    const file = path.join(dir, 'huge-line.jsonl');
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, `${good.lines.slice(0, 4).join('\n')}\n{"_id":"huge","text":"`);
    const block = Buffer.alloc(1 << 20, 'lorem ipsum dolor sit amet ');
    for (let i = 0; i < 50; i++) fs.writeSync(fd, block);
    fs.writeSync(fd, `"}\n${good.lines.slice(4).join('\n')}\n`);
    fs.closeSync(fd);
    out.push(
      ...bothWays(
        { name: '50 MB line', description: 'one 50 MB line among good ones (line 5)', input: file, goodIds: good.ids, maxRssMb: 300 },
        [{ kind: 'oversized', at: 5 }],
        10,
      ),
    );
  }

  // Fields.
  {
    const lines = [
      good.lines[0]!,
      '{"_id":"nested-text","title":"t","text":{"body":"nested text"}}',
      '{"_id":"array-title","title":["a","b"],"text":"some text"}',
      '{"_id":{"oid":"x"},"text":"object id"}',
      '{"_id":"bool-text","text":true}',
      '{"_id":"meta","text":"metadata is kept as data","metadata":{"source":{"deep":[1,2,{"x":null}]}},"year":2020}',
      ...good.lines.slice(1),
    ];
    out.push(
      ...bothWays(
        {
          name: 'nested / non-string fields',
          description: 'objects, arrays and booleans where strings belong; nested metadata',
          input: jsonl('nested-fields', `${lines.join('\n')}\n`),
          goodIds: [...good.ids, 'meta'],
        },
        [2, 3, 4, 5].map((at) => ({ kind: 'bad-field', at })),
        11,
      ),
    );
  }
  {
    const lines = good.lines.map((l, i) => JSON.stringify({ ...(JSON.parse(l) as object), _id: 1000 + i }));
    out.push({
      name: 'numeric ids',
      description: 'ids written as JSON numbers',
      input: jsonl('numeric-ids', `${lines.join('\n')}\n`),
      flags: [],
      goodIds: good.ids.map((_, i) => String(1000 + i)),
      expect: { outcome: 'built', documents: 10, issues: [] },
    });
  }
  {
    const lines = [
      good.lines[0]!,
      '{"_id":"null-text","title":null,"text":null}',
      '{"_id":"empty-text","title":"","text":""}',
      '{"_id":"blank","title":"   ","text":"\\n\\t "}',
      '{"_id":"title-only","title":"A title and no text","text":null}',
      ...good.lines.slice(1),
    ];
    out.push(
      ...bothWays(
        {
          name: 'null or empty texts',
          description: 'null, empty and blank title and text (a title alone is a document)',
          input: jsonl('null-empty', `${lines.join('\n')}\n`),
          goodIds: [...good.ids, 'title-only'],
        },
        [2, 3, 4].map((at) => ({ kind: 'empty', at })),
        11,
      ),
    );
  }
  {
    const lines = [...good.lines.slice(0, 5), good.lines[1]!, good.lines[3]!.replace('"title":"', '"title":"Changed '), ...good.lines.slice(5)];
    out.push(
      ...bothWays(
        {
          name: 'duplicate ids',
          description: 'two ids repeated (lines 6 and 7); the first one is kept',
          input: jsonl('duplicate-ids', `${lines.join('\n')}\n`),
          goodIds: good.ids,
        },
        [6, 7].map((at) => ({ kind: 'duplicate-id', at })),
        10,
      ),
    );
  }
  {
    const lines = [good.lines[0]!, 'this is not json', '[1, 2, 3]', '{"_id":"cut", "text": "the line ends', ...good.lines.slice(1)];
    out.push({
      name: 'malformed lines, --skip-bad',
      description: 'prose, an array and a cut-off object among good lines',
      input: jsonl('malformed', `${lines.join('\n')}\n`),
      flags: ['--skip-bad'],
      goodIds: good.ids,
      expect: {
        outcome: 'built',
        documents: 10,
        issues: [
          { kind: 'malformed', at: 2 },
          { kind: 'malformed', at: 3 },
          { kind: 'malformed', at: 4 },
        ],
      },
    });
  }

  // Degenerate collections.
  out.push({
    name: 'one document',
    description: 'a corpus of a single document',
    input: jsonl('one-document', `${good.lines[0]}\n`),
    flags: [],
    goodIds: [good.ids[0]!],
    expect: { outcome: 'built', documents: 1, issues: [] },
  });
  {
    const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ _id: `same-${i}`, title: 'Same title', text: 'Exactly the same text in every document of this corpus.' }));
    out.push({
      name: 'identical documents',
      description: '40 documents with the same title and text',
      input: jsonl('identical', `${lines.join('\n')}\n`),
      flags: [],
      goodIds: lines.map((_, i) => `same-${i}`),
      expect: { outcome: 'built', documents: 40, issues: [] },
    });
  }
  {
    const texts = ['!!! ??? ...', '--- *** ---', '( ) [ ] { }', '¿¡ … —', '#$%&', '... ... ...', '+-+-+', '~~~', '<<>>', '|||'];
    const lines = texts.map((t, i) => JSON.stringify({ _id: `p${i}`, text: t }));
    out.push({
      name: 'no word characters',
      description: 'every document is punctuation only',
      input: jsonl('no-words', `${lines.join('\n')}\n`),
      flags: [],
      goodIds: [],
      expect: { outcome: 'refused', code: 'INPUT_EMPTY', issues: [] },
    });
    const mixed = [...good.lines, ...lines.slice(0, 3)];
    out.push({
      name: 'some documents without words',
      description: 'ten good documents and three of punctuation only',
      input: jsonl('some-no-words', `${mixed.join('\n')}\n`),
      flags: [],
      goodIds: [...good.ids, 'p0', 'p1', 'p2'],
      expect: { outcome: 'built', documents: 13, issues: [] },
    });
  }
  out.push({
    name: 'empty file',
    description: 'a corpus file of zero bytes',
    input: jsonl('empty', ''),
    flags: [],
    goodIds: [],
    expect: { outcome: 'refused', code: 'INPUT_EMPTY', issues: [] },
  });
  out.push({
    name: 'UTF-16 file',
    description: 'a JSONL file saved as UTF-16',
    input: jsonl('utf16', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${good.lines.slice(0, 3).join('\n')}\n`, 'utf16le')])),
    flags: [],
    goodIds: [],
    expect: { outcome: 'refused', code: 'INPUT_BAD_DOCUMENTS', issues: [{ kind: 'bad-encoding', at: 'utf16.jsonl' }] },
  });

  // Folders.
  {
    const outside = path.join(dir, 'outside');
    fs.mkdirSync(path.join(outside, 'private'), { recursive: true });
    fs.writeFileSync(path.join(outside, 'secret.md'), '# Secret\nOUTSIDE-SECRET-TEXT must never be indexed.\n');
    fs.writeFileSync(path.join(outside, 'private', 'more.txt'), 'OUTSIDE-SECRET-TEXT in a folder outside.\n');
    const root = path.join(dir, 'folder-links');
    fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
    const texts = good.lines.slice(0, 4).map((l) => JSON.parse(l) as { title: string; text: string });
    fs.writeFileSync(path.join(root, 'a.md'), `# ${texts[0]!.title}\r\n\r\n${texts[0]!.text}\r\n`);
    fs.writeFileSync(path.join(root, 'b.txt'), `\ufeff${texts[1]!.title}\n${texts[1]!.text}\n`);
    fs.writeFileSync(path.join(root, 'sub', 'c.md'), `${texts[2]!.title}\n\n${texts[2]!.text}\n`);
    fs.writeFileSync(path.join(root, 'sub', 'd.txt'), `${texts[3]!.title}\n\n${texts[3]!.text}\n`);
    fs.symlinkSync(path.join(outside, 'secret.md'), path.join(root, 'leak.md'));
    fs.symlinkSync(path.join(outside, 'private'), path.join(root, 'leak-dir'));
    fs.symlinkSync('..', path.join(root, 'sub', 'loop'));
    fs.symlinkSync('a.md', path.join(root, 'inside-link.md'));
    out.push({
      name: 'folder with links out',
      description: 'links to a file and a folder outside, a loop back up, a link inside, CRLF and BOM files',
      input: root,
      flags: [],
      goodIds: ['a.md', 'b.txt', 'inside-link.md', 'sub/c.md', 'sub/d.txt'],
      expect: {
        outcome: 'built',
        documents: 5,
        issues: [
          { kind: 'outside-link', at: 'leak-dir' },
          { kind: 'outside-link', at: 'leak.md' },
          { kind: 'symlink-loop', at: 'loop' },
        ],
      },
    });
  }
  {
    const root = path.join(dir, 'folder-unreadable');
    fs.mkdirSync(root, { recursive: true });
    const texts = good.lines.slice(4, 7).map((l) => JSON.parse(l) as { title: string; text: string });
    texts.forEach((t, i) => fs.writeFileSync(path.join(root, `ok-${i}.txt`), `${t.title}\n${t.text}\n`));
    fs.symlinkSync(path.join(root, 'nowhere.txt'), path.join(root, 'broken.md'));
    const fifo = spawnSync('mkfifo', [path.join(root, 'pipe.txt')]);
    fs.writeFileSync(path.join(root, 'binary.txt'), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 0x14, 0]));
    const locked = path.join(root, 'locked.md');
    fs.writeFileSync(locked, '# Locked\nno permission to read this\n');
    fs.chmodSync(locked, 0o000);
    // Root (as in some containers) reads any file whatever its mode: then it is simply a document.
    const lockedReadable = canRead(locked);
    const issues: ExpectedIssue[] = [
      { kind: 'unreadable', at: 'broken.md' },
      ...(fifo.status === 0 ? [{ kind: 'unreadable', at: 'pipe.txt' }] : []),
      { kind: 'bad-encoding', at: 'binary.txt' },
      ...(lockedReadable ? [] : [{ kind: 'unreadable', at: 'locked.md' }]),
    ];
    const goodIds = ['ok-0.txt', 'ok-1.txt', 'ok-2.txt', ...(lockedReadable ? ['locked.md'] : [])];
    out.push(
      ...bothWays(
        {
          name: 'folder with unreadable files',
          description: `a broken link, ${fifo.status === 0 ? 'a FIFO, ' : ''}a binary file${lockedReadable ? ' (mode 000 is readable by this user)' : ', a file with mode 000'}`,
          input: root,
          goodIds,
        },
        issues,
        goodIds.length,
      ),
    );
  }
  return out;
}

/**
 * The same corpus twice: refused by default (INPUT_BAD_DOCUMENTS listing `issues`), then built
 * with --skip-bad into `documents` documents, the same issues listed.
 */
function bothWays(corpus: Omit<HostileCorpus, 'flags' | 'expect'>, issues: ExpectedIssue[], documents: number): HostileCorpus[] {
  return [
    { ...corpus, flags: [], expect: { outcome: 'refused', code: 'INPUT_BAD_DOCUMENTS', issues } },
    { ...corpus, name: `${corpus.name}, --skip-bad`, flags: ['--skip-bad'], expect: { outcome: 'built', documents, issues } },
  ];
}

function canRead(file: string): boolean {
  try {
    fs.closeSync(fs.openSync(file, 'r'));
    return true;
  } catch {
    return false;
  }
}

/** A preload that reports the child's peak memory on exit (stderr, one marked line). */
function rssProbe(dir: string): string {
  const file = path.join(dir, 'rss-probe.cjs');
  if (!fs.existsSync(file)) {
    fs.writeFileSync(
      file,
      `process.on('exit', () => { try { require('fs').writeSync(2, '\\nlattice-test-maxrss-kb ' + process.resourceUsage().maxRSS + '\\n'); } catch {} });\n`,
    );
  }
  return file;
}

interface JsonIssue {
  kind: string;
  path: string;
  line?: number;
  location?: string;
}

/** Builds `corpus` with the CLI (--json, so the report is structured) and judges the outcome. */
export async function runHostileCorpus(corpus: HostileCorpus, workDir: string, index: number): Promise<HostileOutcome> {
  const output = path.join(workDir, `hostile-${index}.db`);
  const run = await runCli(['build', corpus.input, '-o', output, '--json', ...corpus.flags], {
    env: cleanEnv(),
    nodeArgs: ['-r', rssProbe(workDir)],
  });
  const problems: string[] = [];
  const rss = /lattice-test-maxrss-kb (\d+)/.exec(run.stderr);
  const maxRssMb = rss ? Number(rss[1]) / 1024 : undefined;
  const stderr = run.stderr.replace(/\n?lattice-test-maxrss-kb \d+\n?/, '');
  let parsed: any;
  try {
    parsed = JSON.parse(run.stdout);
  } catch {
    parsed = undefined;
  }
  const clean = endedCleanly({ ...run, stderr }) && parsed !== undefined;
  const outcome: HostileOutcome['outcome'] = !clean ? 'crashed' : run.code === 0 ? 'built' : 'refused';
  let issues: JsonIssue[] = [];
  let code: string | undefined;
  if (outcome === 'built') issues = parsed.issues as JsonIssue[];
  if (outcome === 'refused') {
    code = parsed.error?.code as string;
    issues = (parsed.error?.details?.examples ?? []) as JsonIssue[];
  }
  const shown = issues.map((i) => `${i.kind}@${i.line ?? path.basename(i.path)}`);

  let documents = 0;
  let lost = 0;
  if (outcome === 'crashed') problems.push(`crashed (exit ${run.code}, signal ${run.signal}): ${stderr.slice(-400)}`);
  if (outcome !== corpus.expect.outcome) problems.push(`expected ${corpus.expect.outcome}, got ${outcome}${code ? ` (${code}: ${parsed.error.message})` : ''}`);
  if (outcome === 'built') {
    const ids = new Set(storedDocumentIds(output));
    documents = ids.size;
    lost = corpus.goodIds.filter((id) => !ids.has(id)).length;
    if (lost > 0) problems.push(`${lost} good document(s) missing from the index`);
    if (corpus.expect.outcome === 'built' && documents !== corpus.expect.documents) problems.push(`${documents} documents indexed, expected ${corpus.expect.documents}`);
    const report = checkIndex(output);
    if (!report.ok) problems.push(`lattice check failed: ${report.problems.map((p) => p.message).slice(0, 2).join('; ')}`);
    if (fs.readFileSync(output).includes('OUTSIDE-SECRET-TEXT')) problems.push('text from outside the folder reached the index');
  }
  if (outcome === 'refused' && corpus.expect.outcome === 'refused' && code !== corpus.expect.code) {
    problems.push(`refused with ${code}, expected ${corpus.expect.code}`);
  }
  for (const want of corpus.expect.issues) {
    const found = issues.some((i) => i.kind === want.kind && (typeof want.at === 'number' ? i.line === want.at : path.basename(i.path) === want.at));
    if (!found) problems.push(`no ${want.kind} issue at ${want.at} (got ${shown.join(', ') || 'none'})`);
  }
  if (corpus.maxRssMb !== undefined && (maxRssMb === undefined || maxRssMb > corpus.maxRssMb)) {
    problems.push(`peak memory ${maxRssMb?.toFixed(0) ?? '?'} MB, limit ${corpus.maxRssMb} MB`);
  }
  const summary =
    outcome === 'built'
      ? `built: ${documents} document${documents === 1 ? '' : 's'}${shown.length ? `; reported ${shown.join(', ')}` : ''}`
      : outcome === 'refused'
        ? `refused: ${code}${shown.length ? ` listing ${shown.join(', ')}` : ''}`
        : 'CRASHED';
  return { name: corpus.name, description: corpus.description, flags: corpus.flags, outcome, exit: run.code, ...(code ? { code } : {}), documents, issues: shown, maxRssMb, lost, summary, problems };
}

/** Makes the mode-000 fixture under `corporaDir` (makeHostileCorpora's folder) deletable again. */
export function unlockHostileCorpora(corporaDir: string): void {
  for (const dir of fs.existsSync(corporaDir) ? fs.readdirSync(corporaDir, { withFileTypes: true }) : []) {
    const locked = path.join(corporaDir, dir.name, 'locked.md');
    if (fs.existsSync(locked)) fs.chmodSync(locked, 0o644);
  }
}
