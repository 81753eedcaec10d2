/**
 * `checkIndex(file)`: proves an index file is sound, or lists what is wrong with it.
 * Two layers: SQLite's own page-level checks (integrity_check, foreign_key_check), then the
 * tree's invariants the traverser relies on (one root, every node reachable, no cycles,
 * children numbered 0..k−1, fan-out within the build's branching factor, every document at
 * exactly one leaf, preorder ranges, one embedding length, lexical index matching the corpus).
 * Why a list, not the first error: a damaged file usually breaks several invariants at once,
 * and the pattern tells a person whether to resume, rebuild or report a bug.
 * It only reads (read-only open); files that cannot be opened at all raise the usual INDEX_* errors.
 */
import Database from 'better-sqlite3';
import { isLatticeError, type LatticeError } from '../errors.js';
import { Bm25Index } from '../lexical/bm25.js';
import { LocalEmbedder } from '../providers/local-embedder.js';
import { parseMetaValue } from './json-columns.js';
import type { NodeRow as StoredNodeRow } from './node-queries.js';
import { openDatabase } from './open-database.js';

/** The checks, in the order they run. */
export const CHECKS = {
  sqlite: 'SQLite integrity and foreign keys',
  schema: 'schema version and tables',
  build: 'build finished',
  root: 'exactly one root',
  parents: 'every parent exists',
  cycles: 'no cycles',
  reachable: 'every node reachable from the root',
  structure: 'node kinds, depths, positions and child counts',
  'fan-out': 'clusters within the branching factor',
  documents: 'every document under exactly one leaf',
  ranges: 'preorder ranges and chunk ranges',
  embeddings: 'embedding dimensions and values',
  lexical: 'lexical index matches the documents',
  stats: 'recorded statistics match the tree',
} as const;

export type CheckName = keyof typeof CHECKS;

export interface CheckProblem {
  check: CheckName;
  message: string;
  nodeId?: number;
  docId?: string;
}

export interface CheckResult {
  name: CheckName;
  description: string;
  /** `skipped` when an earlier failure (unfinished build, missing tables) makes the check meaningless. */
  status: 'ok' | 'failed' | 'skipped';
  /** Every problem found by this check (the report lists at most `maxProblemsPerCheck`). */
  problems: number;
}

export interface CheckReport {
  file: string;
  ok: boolean;
  schemaVersion: number | null;
  buildStatus: string;
  counts: { nodes: number; clusters: number; documentNodes: number; chunks: number; documents: number };
  checks: CheckResult[];
  /** Problems in check order, at most `maxProblemsPerCheck` per check. */
  problems: CheckProblem[];
}

export interface CheckIndexOptions {
  /** Problems listed per check; the count in `checks` stays complete. Defaults to 20. */
  maxProblemsPerCheck?: number;
}

/**
 * The `nodes` columns the checks read: the store's row without the texts, `kind` as found (a
 * damaged file may hold any string), and the embedding's length and a summary flag instead of
 * the values themselves.
 */
type NodeRow = Omit<StoredNodeRow, 'kind' | 'title' | 'summary' | 'content_hash' | 'doc_text' | 'keywords'> & {
  kind: string;
  embedding_bytes: number | null;
  has_summary: number;
};

const REQUIRED_TABLES = ['meta', 'documents', 'nodes', 'blobs', 'model_cache', 'build_progress', 'traces'];

/** Collects problems per check, keeping full counts but a bounded list. */
class Findings {
  readonly problems: CheckProblem[] = [];
  private readonly counts = new Map<CheckName, number>();
  private readonly skipped = new Set<CheckName>();

  constructor(private readonly limit: number) {}

  add(check: CheckName, message: string, where: { nodeId?: number; docId?: string } = {}): void {
    const n = (this.counts.get(check) ?? 0) + 1;
    this.counts.set(check, n);
    if (n <= this.limit) this.problems.push({ check, message, ...where });
  }

  skip(...checks: CheckName[]): void {
    for (const check of checks) this.skipped.add(check);
  }

  results(): CheckResult[] {
    return (Object.keys(CHECKS) as CheckName[]).map((name) => {
      const problems = this.counts.get(name) ?? 0;
      const status = problems > 0 ? 'failed' : this.skipped.has(name) ? 'skipped' : 'ok';
      return { name, description: CHECKS[name], status, problems };
    });
  }

  get total(): number {
    let n = 0;
    for (const count of this.counts.values()) n += count;
    return n;
  }
}

/**
 * Checks the index at `file` without writing to it. Returns a report (ok or a problem list);
 * throws INDEX_NOT_FOUND, INDEX_NOT_LATTICE, INDEX_TOO_NEW or INDEX_INCOMPLETE (an empty file)
 * for files it cannot read at all. Damaged pages come back as a report with `sqlite` problems.
 */
export function checkIndex(file: string, options: CheckIndexOptions = {}): CheckReport {
  const findings = new Findings(Math.max(1, Math.floor(options.maxProblemsPerCheck ?? 20)));
  let db: Database.Database;
  try {
    db = openDatabase(file, { readonly: true });
  } catch (error) {
    if (isLatticeError(error, 'INDEX_CORRUPT')) return damagedReport(file, error, findings);
    if (isLatticeError(error, 'INDEX_TOO_OLD')) {
      findings.add('schema', `${error.message} ${error.hint ?? ''}`.trim());
      findings.skip(...(Object.keys(CHECKS) as CheckName[]).filter((c) => c !== 'schema'));
      return report(file, findings, null, 'unknown', emptyCounts());
    }
    throw error;
  }
  try {
    return checkOpen(file, db, findings);
  } catch (error) {
    // A damaged page met while reading (integrity_check has usually listed it already).
    if (typeof (error as { code?: unknown }).code !== 'string' || !(error as { code: string }).code.startsWith('SQLITE_')) throw error;
    findings.add('sqlite', `reading the index failed: ${messageOf(error)}`);
    findings.skip(...(Object.keys(CHECKS) as CheckName[]).filter((c) => c !== 'sqlite'));
    return report(file, findings, null, 'unknown', emptyCounts());
  } finally {
    db.close();
  }
}

function checkOpen(file: string, db: Database.Database, findings: Findings): CheckReport {
  const treeChecks: CheckName[] = ['root', 'parents', 'cycles', 'reachable', 'structure', 'fan-out', 'documents', 'ranges', 'embeddings', 'lexical', 'stats'];
  checkSqlite(db, findings);

  // openDatabase has refused versions outside MIN_READABLE_SCHEMA_VERSION..SCHEMA_VERSION already.
  const version = db.pragma('user_version', { simple: true }) as number;
  const tables = new Set((db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((r) => r.name));
  const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
  if (missing.length > 0) {
    findings.add('schema', `missing table${missing.length === 1 ? '' : 's'}: ${missing.join(', ')}`);
    findings.skip('build', ...treeChecks);
    return report(file, findings, version, 'unknown', emptyCounts());
  }

  const meta = (key: string): unknown => {
    const row = db.prepare(`SELECT value FROM meta WHERE key = ?`).get(key) as { value: string } | undefined;
    return row ? parseMetaValue(row.value) : undefined;
  };
  const status = meta('build_status');
  const buildStatus = typeof status === 'string' ? status : 'empty';
  const documents = (db.prepare(`SELECT count(*) AS n FROM documents WHERE status = 'active'`).get() as { n: number }).n;
  if (buildStatus !== 'complete') {
    findings.add('build', `the build has not finished (status "${buildStatus}"); run the same \`lattice build\` command again to resume it`);
    findings.skip(...treeChecks);
    return report(file, findings, version, buildStatus, { ...emptyCounts(), documents });
  }

  const nodes = db
    .prepare(
      `SELECT id, parent_id, depth, position, kind, doc_id, chunk_index, char_start, char_end, num_documents, num_children,
              preorder, subtree_end, length(embedding) AS embedding_bytes, summary IS NOT NULL AS has_summary
       FROM nodes ORDER BY id`,
    )
    .all() as NodeRow[];
  const counts = {
    nodes: nodes.length,
    clusters: nodes.filter((n) => n.kind === 'cluster').length,
    documentNodes: nodes.filter((n) => n.kind === 'document').length,
    chunks: nodes.filter((n) => n.kind === 'chunk').length,
    documents,
  };
  const params = meta('build_params') as { branching?: unknown; embedder?: { provider?: unknown; dimensions?: unknown } } | undefined;
  checkTree(db, nodes, params, findings);
  checkStats(meta('tree_stats'), counts, findings);
  return report(file, findings, version, buildStatus, counts);
}

function checkSqlite(db: Database.Database, findings: Findings): void {
  try {
    for (const message of integrityMessages(db)) findings.add('sqlite', message);
  } catch (error) {
    findings.add('sqlite', `integrity check failed: ${messageOf(error)}`);
  }
  try {
    const rows = db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string; fkid: number }[];
    for (const row of rows) findings.add('sqlite', `${row.table} row ${row.rowid} points at a missing row of ${row.parent}`);
  } catch (error) {
    findings.add('sqlite', `foreign key check failed: ${messageOf(error)}`);
  }
}

function checkTree(
  db: Database.Database,
  nodes: NodeRow[],
  params: { branching?: unknown; embedder?: { provider?: unknown; dimensions?: unknown } } | undefined,
  findings: Findings,
): void {
  const byId = new Map<number, NodeRow>();
  for (const node of nodes) byId.set(node.id, node);
  const children = new Map<number, NodeRow[]>();
  for (const node of nodes) {
    if (node.parent_id === null) continue;
    const list = children.get(node.parent_id) ?? [];
    list.push(node);
    children.set(node.parent_id, list);
  }
  for (const list of children.values()) list.sort((a, b) => a.position - b.position || a.id - b.id);
  const kids = (id: number): NodeRow[] => children.get(id) ?? [];

  // Roots.
  const roots = nodes.filter((n) => n.parent_id === null);
  if (nodes.length === 0) findings.add('root', 'the index holds no nodes');
  else if (roots.length === 0) findings.add('root', 'no node is a root (every node has a parent)');
  else if (roots.length > 1) findings.add('root', `${roots.length} nodes have no parent: ${idList(roots.map((r) => r.id))}`);
  for (const root of roots) {
    if (root.kind !== 'cluster') findings.add('root', `root #${root.id} is a ${root.kind}, not a cluster`, { nodeId: root.id });
    if (root.depth !== 0) findings.add('root', `root #${root.id} has depth ${root.depth}, not 0`, { nodeId: root.id });
  }

  // Parents that do not exist, and self-parents.
  for (const node of nodes) {
    if (node.parent_id === null) continue;
    if (node.parent_id === node.id) findings.add('cycles', `node #${node.id} is its own parent`, { nodeId: node.id });
    else if (!byId.has(node.parent_id)) findings.add('parents', `node #${node.id} names parent #${node.parent_id}, which does not exist`, { nodeId: node.id });
  }

  // Reachability from the root(s); whatever is left over sits on a cycle or under a missing parent.
  const reached = new Set<number>();
  const stack = roots.map((r) => r.id);
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (reached.has(id)) continue;
    reached.add(id);
    for (const child of kids(id)) stack.push(child.id);
  }
  const unreached = nodes.filter((n) => !reached.has(n.id));
  findCycles(unreached, byId, findings);
  if (unreached.length > 0) {
    findings.add('reachable', `${unreached.length} node${unreached.length === 1 ? ' is' : 's are'} not reachable from the root: ${idList(unreached.map((n) => n.id))}`);
  }

  // Per-node structure.
  const branching = typeof params?.branching === 'number' ? params.branching : undefined;
  for (const node of nodes) {
    const list = kids(node.id);
    if (node.num_children !== list.length) {
      findings.add('structure', `node #${node.id} records ${node.num_children} children but has ${list.length}`, { nodeId: node.id });
    }
    list.forEach((child, i) => {
      if (child.position !== i) {
        findings.add('structure', `child #${child.id} of #${node.id} is at position ${child.position}, expected ${i} (positions must run 0..${list.length - 1})`, { nodeId: child.id });
      }
      if (child.depth !== node.depth + 1) {
        findings.add('structure', `node #${child.id} has depth ${child.depth} but its parent #${node.id} has depth ${node.depth}`, { nodeId: child.id });
      }
    });
    checkKind(node, list, byId, findings);
    if (node.kind === 'cluster' && branching !== undefined && list.length > branching) {
      findings.add('fan-out', `cluster #${node.id} has ${list.length} children, over the branching factor ${branching}`, { nodeId: node.id });
    }
  }
  if (branching === undefined) findings.add('fan-out', 'the build parameters record no branching factor');

  checkDocuments(db, nodes, kids, roots, findings);
  checkRanges(roots, kids, reached.size === nodes.length && roots.length === 1, findings);
  checkEmbeddings(db, nodes, params, findings);
  checkLexical(db, findings);
}

function checkKind(node: NodeRow, list: NodeRow[], byId: Map<number, NodeRow>, findings: Findings): void {
  const where = { nodeId: node.id };
  if (node.kind === 'cluster') {
    if (node.doc_id !== null) findings.add('structure', `cluster #${node.id} names document "${node.doc_id}"`, where);
    if (!node.has_summary) findings.add('structure', `cluster #${node.id} has no summary`, where);
    if (list.length === 0) findings.add('structure', `cluster #${node.id} has no children, so no document is under it`, where);
    for (const child of list) {
      if (child.kind === 'chunk') findings.add('structure', `chunk #${child.id} hangs directly under cluster #${node.id} instead of under its document`, { nodeId: child.id });
    }
  } else if (node.kind === 'document') {
    if (node.doc_id === null) findings.add('structure', `document node #${node.id} names no document`, where);
    for (const child of list) {
      if (child.kind !== 'chunk') findings.add('structure', `document node #${node.id} has a ${child.kind} child #${child.id}; only chunks may hang under a document`, { nodeId: child.id });
    }
  } else if (node.kind === 'chunk') {
    const parent = node.parent_id === null ? undefined : byId.get(node.parent_id);
    if (list.length > 0) findings.add('structure', `chunk #${node.id} has ${list.length} children; chunks are leaves`, where);
    if (parent && (parent.kind !== 'document' || parent.doc_id !== node.doc_id)) {
      findings.add('structure', `chunk #${node.id} of "${node.doc_id}" hangs under ${parent.kind} #${parent.id} (${parent.doc_id === null ? 'no document' : `"${parent.doc_id}"`})`, where);
    }
    if (node.chunk_index !== node.position) findings.add('structure', `chunk #${node.id} has index ${node.chunk_index} at position ${node.position}`, where);
  } else {
    findings.add('structure', `node #${node.id} has unknown kind "${node.kind}"`, where);
  }
}

/** Reports each cycle among `candidates` once, following parent links (3-colour walk). */
function findCycles(candidates: NodeRow[], byId: Map<number, NodeRow>, findings: Findings): void {
  const state = new Map<number, 'active' | 'done'>();
  for (const start of candidates) {
    if (state.has(start.id)) continue;
    const path: number[] = [];
    let current: NodeRow | undefined = start;
    while (current && !state.has(current.id)) {
      state.set(current.id, 'active');
      path.push(current.id);
      current = current.parent_id === null || current.parent_id === current.id ? undefined : byId.get(current.parent_id);
    }
    if (current && state.get(current.id) === 'active') {
      const cycle = path.slice(path.indexOf(current.id));
      findings.add('cycles', `parent links loop: ${[...cycle, cycle[0]!].map((id) => `#${id}`).join(' → ')}`, { nodeId: cycle[0]! });
    }
    for (const id of path) state.set(id, 'done');
  }
}

function checkDocuments(
  db: Database.Database,
  nodes: NodeRow[],
  kids: (id: number) => NodeRow[],
  roots: NodeRow[],
  findings: Findings,
): void {
  const docNodes = new Map<string, number[]>();
  for (const node of nodes) {
    if (node.kind !== 'document' || node.doc_id === null) continue;
    const list = docNodes.get(node.doc_id) ?? [];
    list.push(node.id);
    docNodes.set(node.doc_id, list);
  }
  const lengths = new Map<string, number>();
  // Iterated, so a large corpus is never held in memory at once; lengths are in UTF-16 units like chunk ranges.
  for (const row of db.prepare(`SELECT doc_id, text FROM documents WHERE status = 'active'`).iterate() as IterableIterator<{ doc_id: string; text: string }>) {
    lengths.set(row.doc_id, row.text.length);
    const at = docNodes.get(row.doc_id);
    if (!at) findings.add('documents', `document "${row.doc_id}" is in no leaf of the tree`, { docId: row.doc_id });
    else if (at.length > 1) findings.add('documents', `document "${row.doc_id}" appears at ${at.length} nodes: ${idList(at)}`, { docId: row.doc_id });
  }
  for (const node of nodes) {
    if ((node.kind === 'document' || node.kind === 'chunk') && node.doc_id !== null && !lengths.has(node.doc_id)) {
      findings.add('documents', `${node.kind} #${node.id} names document "${node.doc_id}", which is not in the documents table`, { nodeId: node.id });
    }
  }

  // Document counts, computed bottom-up over the tree (iteratively: deep trees must not overflow the stack).
  const computed = new Map<number, number>();
  const order: NodeRow[] = [];
  const stack = [...roots];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node.id)) continue;
    seen.add(node.id);
    order.push(node);
    for (const child of kids(node.id)) stack.push(child);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i]!;
    const own = node.kind === 'document' ? 1 : 0;
    const total = own + kids(node.id).reduce((sum, c) => sum + (computed.get(c.id) ?? 0), 0);
    computed.set(node.id, total);
    if (node.num_documents !== total) {
      findings.add('documents', `node #${node.id} records ${node.num_documents} documents under it, but ${total} are`, { nodeId: node.id });
    }
  }
  if (roots.length === 1 && computed.get(roots[0]!.id) !== lengths.size) {
    findings.add('documents', `the tree holds ${computed.get(roots[0]!.id) ?? 0} documents, the documents table ${lengths.size}`);
  }

  for (const node of nodes) {
    if (node.kind !== 'chunk' || node.doc_id === null) continue;
    const length = lengths.get(node.doc_id);
    const start = node.char_start;
    const end = node.char_end;
    if (start === null || end === null || start < 0 || end <= start || (length !== undefined && end > length)) {
      findings.add('ranges', `chunk #${node.id} covers characters ${start}–${end} of "${node.doc_id}" (${length ?? '?'} characters long)`, { nodeId: node.id });
    }
  }
}

/** Preorder numbers must follow a position-ordered walk, and subtree_end must close each subtree. */
function checkRanges(roots: NodeRow[], kids: (id: number) => NodeRow[], sound: boolean, findings: Findings): void {
  if (!sound) {
    findings.skip('ranges');
    return;
  }
  const root = roots[0]!;
  let counter = 0;
  const stack: { node: NodeRow; exit: boolean }[] = [{ node: root, exit: false }];
  while (stack.length > 0) {
    const { node, exit } = stack.pop()!;
    if (exit) {
      const end = counter - 1;
      if (node.subtree_end !== end) findings.add('ranges', `node #${node.id} records subtree end ${node.subtree_end}, expected ${end}`, { nodeId: node.id });
      continue;
    }
    if (node.preorder !== counter) {
      findings.add('ranges', `node #${node.id} has preorder ${node.preorder}, expected ${counter}`, { nodeId: node.id });
    }
    counter++;
    stack.push({ node, exit: true });
    const list = kids(node.id);
    for (let i = list.length - 1; i >= 0; i--) stack.push({ node: list[i]!, exit: false });
  }
}

function checkEmbeddings(
  db: Database.Database,
  nodes: NodeRow[],
  params: { embedder?: { provider?: unknown; dimensions?: unknown } } | undefined,
  findings: Findings,
): void {
  const lengths = new Map<number, number[]>();
  for (const node of nodes) {
    if (node.embedding_bytes === null) {
      if (node.kind !== 'cluster') findings.add('embeddings', `${node.kind} #${node.id} has no embedding`, { nodeId: node.id });
      continue;
    }
    const list = lengths.get(node.embedding_bytes) ?? [];
    list.push(node.id);
    lengths.set(node.embedding_bytes, list);
  }
  let dims: number | undefined;
  if (lengths.size > 1) {
    const usual = [...lengths.entries()].sort((a, b) => b[1].length - a[1].length)[0]![0];
    for (const [bytes, ids] of lengths) {
      if (bytes === usual) continue;
      findings.add('embeddings', `${ids.length} node(s) have ${bytes / 4}-dimensional embeddings where the others have ${usual / 4}: ${idList(ids)}`, { nodeId: ids[0]! });
    }
    dims = usual / 4;
  } else if (lengths.size === 1) {
    dims = [...lengths.keys()][0]! / 4;
  }
  if (dims !== undefined && (!Number.isInteger(dims) || dims === 0)) {
    findings.add('embeddings', `embeddings are ${dims * 4} bytes long, not a whole number of 32-bit floats`);
    return;
  }
  // The local embedder may keep fewer dimensions than asked for (a small corpus has a low rank); its stored state is checked below.
  const declared = params?.embedder?.dimensions;
  if (dims !== undefined && params?.embedder?.provider !== 'local' && typeof declared === 'number' && declared !== dims) {
    findings.add('embeddings', `embeddings have ${dims} dimensions; the build parameters say ${declared}`);
  }

  let nonFinite = 0;
  let firstBad: number | undefined;
  for (const row of db.prepare(`SELECT id, embedding FROM nodes WHERE embedding IS NOT NULL`).iterate() as IterableIterator<{ id: number; embedding: Buffer }>) {
    if (row.embedding.byteLength % 4 !== 0) continue;
    for (let off = 0; off < row.embedding.byteLength; off += 4) {
      if (!Number.isFinite(row.embedding.readFloatLE(off))) {
        nonFinite++;
        firstBad ??= row.id;
        break;
      }
    }
  }
  if (nonFinite > 0) findings.add('embeddings', `${nonFinite} embedding(s) hold NaN or infinite values (first: #${firstBad})`, { nodeId: firstBad! });

  if (params?.embedder?.provider === 'local') {
    const blob = (db.prepare(`SELECT data FROM blobs WHERE name = 'embedder'`).get() as { data: Buffer } | undefined)?.data;
    if (!blob) findings.add('embeddings', 'the local embedder state is missing (queries could not be embedded)');
    else {
      try {
        const embedder = LocalEmbedder.deserialize(blob);
        if (dims !== undefined && embedder.dimensions !== dims) {
          findings.add('embeddings', `the stored local embedder has ${embedder.dimensions} dimensions; node embeddings have ${dims}`);
        }
      } catch (error) {
        findings.add('embeddings', `the stored local embedder cannot be read: ${messageOf(error)}`);
      }
    }
  }

}

/** The stored BM25 index holds exactly the active documents. */
function checkLexical(db: Database.Database, findings: Findings): void {
  const bm25 = (db.prepare(`SELECT data FROM blobs WHERE name = 'bm25'`).get() as { data: Buffer } | undefined)?.data;
  if (!bm25) {
    findings.add('lexical', 'the BM25 index is missing');
    return;
  }
  try {
    const index = Bm25Index.deserialize(bm25);
    const ids = new Set(index.documentIds());
    const active = (db.prepare(`SELECT doc_id FROM documents WHERE status = 'active'`).all() as { doc_id: string }[]).map((r) => r.doc_id);
    const absent = active.filter((id) => !ids.has(id));
    if (absent.length > 0) findings.add('lexical', `${absent.length} document(s) are missing from the BM25 index (first: "${absent[0]}")`, { docId: absent[0]! });
    else if (ids.size !== active.length) {
      findings.add('lexical', `the BM25 index holds ${ids.size} documents, the documents table ${active.length}`);
    }
  } catch (error) {
    findings.add('lexical', `the BM25 index cannot be read: ${messageOf(error)}`);
  }
}

function checkStats(stats: unknown, counts: CheckReport['counts'], findings: Findings): void {
  if (!stats || typeof stats !== 'object') {
    findings.add('stats', 'no tree statistics are recorded');
    return;
  }
  const s = stats as Record<string, unknown>;
  const pairs: [string, number][] = [
    ['nodes', counts.nodes],
    ['clusters', counts.clusters],
    ['documents', counts.documentNodes],
    ['chunks', counts.chunks],
  ];
  for (const [key, actual] of pairs) {
    if (s[key] !== actual) findings.add('stats', `tree statistics record ${String(s[key])} ${key}; the tree has ${actual}`);
  }
}

/** A report for a file SQLite refuses to read: what integrity_check can still say, else the open error. */
function damagedReport(file: string, error: LatticeError, findings: Findings): CheckReport {
  let listed = false;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      for (const message of integrityMessages(db)) {
        findings.add('sqlite', message);
        listed = true;
      }
    } finally {
      db.close();
    }
  } catch {
    // SQLite cannot even run its own check; the open error below says why.
  }
  if (!listed) findings.add('sqlite', error.message);
  findings.skip(...(Object.keys(CHECKS) as CheckName[]).filter((c) => c !== 'sqlite'));
  return report(file, findings, null, 'unknown', emptyCounts());
}

/** SQLite's integrity_check findings, one message each (a row may hold several lines). */
function integrityMessages(db: Database.Database): string[] {
  const rows = db.pragma('integrity_check(100)') as { integrity_check: string }[];
  return rows.flatMap((row) => row.integrity_check.split('\n')).map((m) => m.trim()).filter((m) => m !== '' && m !== 'ok' && !/^\*\*\* in database \w+ \*\*\*$/.test(m));
}

function report(file: string, findings: Findings, schemaVersion: number | null, buildStatus: string, counts: CheckReport['counts']): CheckReport {
  return { file, ok: findings.total === 0, schemaVersion, buildStatus, counts, checks: findings.results(), problems: findings.problems };
}

function emptyCounts(): CheckReport['counts'] {
  return { nodes: 0, clusters: 0, documentNodes: 0, chunks: 0, documents: 0 };
}

function idList(ids: number[], max = 8): string {
  const shown = ids.slice(0, max).map((id) => `#${id}`).join(', ');
  return ids.length > max ? `${shown} and ${ids.length - max} more` : shown;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
