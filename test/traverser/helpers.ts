/**
 * Hand-built trees and scripted judges for the traverser tests.
 * Node ids run DOWN while preorder runs up, so a tie broken by id instead of preorder shows.
 */
import { MemoryTree } from '../../src/core/tree.js';
import type { Judge, JudgeRequest, JudgeResult, TreeNode } from '../../src/core/types.js';

/** A document id (leaf), a chunked document, or a cluster. */
export type Spec = string | { doc: string; chunks: number } | { title?: string; children: Spec[] };

export function buildTree(spec: Spec): MemoryTree {
  const nodes: TreeNode[] = [];
  let preorder = 0;
  const visit = (s: Spec, parentId: number | null, depth: number, position: number): { id: number; docs: Set<string> } => {
    const id = 10_000 - preorder;
    const base: TreeNode = {
      id,
      parentId,
      depth,
      position,
      kind: 'cluster',
      docId: null,
      chunkIndex: null,
      charStart: null,
      charEnd: null,
      title: '',
      text: '',
      numDocuments: 0,
      numChildren: 0,
      preorder: preorder++,
      contentHash: '',
    };
    nodes.push(base);
    if (typeof s === 'string') {
      Object.assign(base, { kind: 'document', docId: s, title: `title ${s}`, text: `text of ${s}`, numDocuments: 1 });
      return { id, docs: new Set([s]) };
    }
    if ('doc' in s) {
      Object.assign(base, { kind: 'document', docId: s.doc, title: `title ${s.doc}`, text: `text of ${s.doc}`, numDocuments: 1, numChildren: s.chunks });
      for (let i = 0; i < s.chunks; i++) {
        const chunkId = 10_000 - preorder;
        nodes.push({
          ...base,
          id: chunkId,
          parentId: id,
          depth: depth + 1,
          position: i,
          kind: 'chunk',
          chunkIndex: i,
          charStart: i * 100,
          charEnd: (i + 1) * 100,
          title: `title ${s.doc} #${i}`,
          text: `chunk ${i} of ${s.doc}`,
          numChildren: 0,
          preorder: preorder++,
        });
      }
      return { id, docs: new Set([s.doc]) };
    }
    const docs = new Set<string>();
    s.children.forEach((child, i) => {
      for (const d of visit(child, id, depth + 1, i).docs) docs.add(d);
    });
    Object.assign(base, {
      title: s.title ?? `cluster ${id}`,
      text: `summary of ${[...docs].join(' ')}`,
      numDocuments: docs.size,
      numChildren: s.children.length,
    });
    return { id, docs };
  };
  visit(spec, null, 0, 0);
  return new MemoryTree(nodes);
}

/** A full tree with `branching` children per cluster and `depth` cluster levels; documents d0, d1, ... */
export function fullTree(branching: number, depth: number): MemoryTree {
  let next = 0;
  const make = (level: number): Spec =>
    level === depth ? `d${next++}` : { children: Array.from({ length: branching }, () => make(level + 1)) };
  return buildTree(make(0));
}

export type ScoreFn = (candidate: JudgeRequest['candidates'][number], request: JudgeRequest) => number;

/** A judge that scores each candidate with `score`, remembers every request and counts calls. */
export class ScriptedJudge implements Judge {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'test';
  readonly modelId = 'scripted';
  readonly requests: JudgeRequest[] = [];
  constructor(
    private readonly score: ScoreFn,
    private readonly extra: (request: JudgeRequest, callIndex: number) => Partial<JudgeResult> | Error | undefined = () => undefined,
  ) {}
  get calls(): number {
    return this.requests.length;
  }
  async doJudge(request: JudgeRequest): Promise<JudgeResult> {
    const index = this.requests.length;
    this.requests.push(request);
    const override = this.extra(request, index);
    if (override instanceof Error) throw override;
    return { scores: request.candidates.map((c) => this.score(c, request)), ...override };
  }
}

/**
 * Scores by relevance to a set of target documents: a leaf scores 90 when it is a target, else 10;
 * an inner node 80 when a target lies below it, else 20 (read from its summary text).
 */
export function targetScore(targets: readonly string[]): ScoreFn {
  const set = new Set(targets);
  return (candidate) => {
    if (candidate.kind === 'leaf') return candidate.docId !== undefined && set.has(candidate.docId) ? 90 : 10;
    const docs = candidate.text.replace(/^summary of |^text of /, '').split(' ');
    return docs.some((d) => set.has(d)) ? 80 : 20;
  };
}
