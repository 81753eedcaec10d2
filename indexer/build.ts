/**
 * `buildIndex`: corpus in, one SQLite index file out. The offline half of LATTICE.
 * Steps: load and validate → chunk → fit the local embedder (or use a model) → embed the
 * leaves → cluster (bottom-up or top-down) → summarise level by level → keyword profiles from
 * the BM25 statistics → number and write.
 * Resumability: every paid model answer is committed to the index's cache the moment it
 * arrives, and every other step is deterministic for a seed, so re-running a killed build
 * redoes the cheap local work, pays for nothing twice and writes the same tree. The tree
 * and the "complete" mark are written in one transaction: a reader never sees half a tree.
 */
import path from 'node:path';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { LatticeError, isLatticeError } from '../src/core/errors.js';
import { Bm25Index, bm25Text } from '../src/core/lexical/bm25.js';
import { IndexStore } from '../src/core/store/index-store.js';
import { emptyUsage, type CountSpread, type Embedder, type ProgressListener, type Summarizer, type Usage } from '../src/core/types.js';
import { assembleTree, type TreeStats } from './assemble-tree.js';
import {
  resolveBuildOptions,
  validateBuildOptions,
  type ResolvedBuildOptions,
  type BuildOptions,
  type BuildParams,
  type BuildStrategy,
} from './build-options.js';
import { groupBottomUp } from './cluster/build-levels.js';
import { isClusterLeaf, splitTopDown, type ClusterTree } from './cluster/top-down-split.js';
import { clusterDraft, documentDraft, type DraftNode } from './draft-tree.js';
import { embedAll, meanVector } from './embed.js';
import { estimateBuild, type DryRunReport } from './estimate-build.js';
import { keywordProfiles } from './keyword-profile.js';
import { loadCorpus, type LoadIssue } from './load/index.js';
import { embeddingText, prepareLeaves, type LeafDocument } from './prepare-leaves.js';
import { checkProviderSettings, createBuildProviders, type BuildProviders } from './providers.js';
import { summarizeLevel, type SummarizeLevelOptions } from './summarize.js';

/** Characters of a document or chunk given to the embedder. */
const EMBED_CHARS = 8000;

/** What a finished build returns (and records in the index). */
export interface BuildReport {
  /** Tells a build from a dry run (`DryRunReport.kind` is 'dry-run'). */
  kind: 'build';
  output: string;
  strategy: BuildStrategy;
  branching: number;
  documents: number;
  chunks: number;
  nodes: number;
  clusters: number;
  depth: number;
  /** Children per cluster (the root included): at most `branching`. */
  fanOut: CountSpread;
  /** Chunks per chunked document (not bounded by `branching`; all 0 when no document was chunked). */
  chunksPerDocument: CountSpread;
  /** Model calls and tokens spent by this run (cached answers counted apart). */
  usage: Usage;
  seconds: number;
  /** True when this run continued an interrupted build. */
  resumed: boolean;
  issues: LoadIssue[];
  embedder: BuildParams['embedder'];
  summarizer: BuildParams['summarizer'];
}

/** Either report; narrow on `kind` ('build' | 'dry-run'). */
export type BuildResult = BuildReport | DryRunReport;

/**
 * Builds an index from a corpus. Throws LatticeError for bad input, bad options, an existing
 * index (unless `force`) and model failures after retries (re-run to resume).
 * Returns a DryRunReport when `dryRun` is true, else a BuildReport (the overloads say so to the
 * type checker; with a `dryRun` only known at run time, narrow the result on `kind`).
 */
export async function buildIndex(options: BuildOptions & { dryRun: true }): Promise<DryRunReport>;
export async function buildIndex(options: BuildOptions & { dryRun?: false | undefined }): Promise<BuildReport>;
export async function buildIndex(options: BuildOptions): Promise<BuildResult>;
export async function buildIndex(options: BuildOptions): Promise<BuildResult> {
  validateBuildOptions(options);
  checkProviderSettings(options);
  const started = performance.now();
  const o = resolveBuildOptions(options);
  const progress: ProgressListener = options.onProgress ?? (() => {});

  const loaded = await loadCorpus(options.input, {
    skipBad: o.skipBad,
    maxDocumentChars: o.maxDocumentChars,
    onProgress: progress,
    ...(options.fields?.id ? { idField: options.fields.id } : {}),
    ...(options.fields?.title ? { titleField: options.fields.title } : {}),
    ...(options.fields?.text ? { textField: options.fields.text } : {}),
  });
  const leaves = prepareLeaves(loaded.documents, { chunkSize: o.chunkSize, chunkOverlap: o.chunkOverlap });
  progress({ stage: 'chunk', done: leaves.length, total: leaves.length });

  if (o.dryRun) {
    return estimateBuild(leaves, {
      strategy: o.strategy,
      branching: o.branching,
      embedder: typeof o.embedder === 'object' ? o.embedder.provider : o.embedder,
      summarizer: typeof o.summarizer === 'object' ? o.summarizer.provider : o.summarizer,
      summaryWords: o.summaryWords,
      summaryChildChars: o.summaryChildChars,
      issues: loaded.issues,
    });
  }

  const output = path.resolve(options.output);
  const store = openForBuild(output, o.force);
  const usage = emptyUsage();
  let providers: BuildProviders | undefined;
  try {
    const resumed = store.buildStatus() === 'building';
    providers = await createBuildProviders(options, store, usage);
    const params = buildParams(o, providers.embedderInfo(), providers.summarizer);
    const previous = store.getMeta<BuildParams>('build_params');
    if (resumed && previous && JSON.stringify(previous) !== JSON.stringify(params) && !o.force) {
      throw new LatticeError('INDEX_PARAMS_MISMATCH', `${output} holds an unfinished build with other parameters.`, {
        hint: 'Re-run the original command to resume it, or add --force to start over (paid model answers are reused).',
        details: { previous, requested: params },
      });
    }
    store.transaction(() => {
      store.setMeta('build_status', 'building');
      store.setMeta('build_params', params);
      store.setMeta('corpus', { input: path.basename(path.resolve(options.input)), format: loaded.format, files: loaded.files });
      store.markStep('load', 'done', { documents: loaded.documents.length, issues: loaded.issues.length });
    });
    store.replaceDocuments(leaves.map(({ doc }) => ({ ...doc, contentHash: hashDocument(doc.id, doc.title, doc.text) })));

    // Embed documents (chunked ones as the mean of their chunks).
    const { embedder, leafVectors } = await embedLeaves(leaves, providers, progress, options.signal);
    store.markStep('embed', 'done', { vectors: leafVectors.documents.length });

    const dims = embedder.dimensions || leafVectors.documents[0]?.length || 0;
    const drafts = leaves.map((leaf, i) => documentDraft(leaf.doc, leaf.chunks, leafVectors.documents[i]!, leafVectors.chunks[i]!));
    const summarizeOptions = {
      summarizer: providers.summarizer,
      maxWords: o.summaryWords,
      childChars: o.summaryChildChars,
      dimensions: dims,
      seed: o.seed,
      concurrency: o.concurrency * 2,
      usage,
      onProgress: progress,
      signal: options.signal,
    };

    const root =
      o.strategy === 'bottom-up'
        ? await buildBottomUp(drafts, o.branching, o.seed, embedder, summarizeOptions, usage)
        : await buildTopDown(drafts, o.branching, o.seed, summarizeOptions);
    store.markStep('summarize', 'done');

    progress({ stage: 'write', done: 0, total: 1 });
    const bm25 = Bm25Index.build(leaves.map(({ doc }) => ({ id: doc.id, text: bm25Text(doc) })));
    keywordProfiles(root, { stats: bm25.stats(), maxKeywords: o.keywords });
    const { records, stats } = assembleTree(root);
    const seconds = (performance.now() - started) / 1000;
    const report: BuildReport = {
      kind: 'build',
      output,
      strategy: o.strategy,
      branching: o.branching,
      documents: stats.documents,
      chunks: stats.chunks,
      nodes: stats.nodes,
      clusters: stats.clusters,
      depth: stats.depth,
      fanOut: stats.fanOut,
      chunksPerDocument: stats.chunksPerDocument,
      usage,
      seconds,
      resumed,
      issues: loaded.issues,
      embedder: params.embedder,
      summarizer: params.summarizer,
    };
    store.transaction(() => {
      store.replaceNodes(records);
      store.setBlob('bm25', bm25.serialize());
      const state = providers!.embedderState();
      if (state) store.setBlob('embedder', state);
      store.setMeta('tree_stats', stats satisfies TreeStats);
      store.setMeta('build_report', { ...report, issues: loaded.issues.length });
      store.markStep('write', 'done');
      store.setMeta('build_status', 'complete');
    });
    progress({ stage: 'write', done: 1, total: 1 });
    return report;
  } catch (error) {
    throw explainStop(error, store, output);
  } finally {
    store.close();
    await providers?.close();
  }
}

/** A build that stops on a model fault says what is saved and how to carry on. */
function explainStop(error: unknown, store: IndexStore, output: string): unknown {
  if (!isLatticeError(error) || !error.code.startsWith('MODEL_')) return error;
  let saved = 0;
  try {
    saved = store.cacheSize();
  } catch {
    // The count is a courtesy; never mask the real error.
  }
  return new LatticeError(error.code, `${error.message} The build stopped; ${saved} model answer(s) are saved in ${output}.`, {
    hint: `${error.hint ? `${error.hint} Then run` : 'Run'} the same command again: it resumes and does not repeat the saved calls.`,
    ...(error.details ? { details: error.details } : {}),
    cause: error,
    retryable: error.retryable,
  });
}

function openForBuild(output: string, force: boolean): IndexStore {
  const dir = path.dirname(output);
  if (!fs.existsSync(dir)) {
    throw new LatticeError('INDEX_NOT_FOUND', `The folder ${dir} does not exist.`, { hint: 'Create it, or pass another -o path.' });
  }
  const store = IndexStore.open(output, { create: true });
  const status = store.buildStatus();
  if (status === 'complete' && !force) {
    store.close();
    throw new LatticeError('INDEX_EXISTS', `${output} already holds a finished index.`, {
      hint: 'Pass another -o path, or add --force to rebuild it (paid model answers in its cache are reused).',
    });
  }
  if (status === 'complete' && force) store.resetBuild();
  return store;
}

function buildParams(
  o: ResolvedBuildOptions,
  embedder: BuildParams['embedder'],
  summarizer: Summarizer,
): BuildParams {
  return {
    strategy: o.strategy,
    branching: o.branching,
    embedder,
    summarizer: { provider: summarizer.provider, modelId: summarizer.modelId },
    summaryWords: o.summaryWords,
    summaryChildChars: o.summaryChildChars,
    keywords: o.keywords,
    chunkSize: o.chunkSize,
    chunkOverlap: o.chunkOverlap,
    seed: o.seed,
  };
}

async function embedLeaves(
  leaves: LeafDocument[],
  providers: BuildProviders,
  progress: ProgressListener,
  signal: AbortSignal | undefined,
): Promise<{ embedder: Embedder; leafVectors: { documents: Float32Array[]; chunks: Float32Array[][] } }> {
  // Texts: unchunked documents whole, chunked ones chunk by chunk.
  const texts: string[] = [];
  const owners: { leaf: number; chunk: number }[] = [];
  leaves.forEach((leaf, i) => {
    if (leaf.chunks.length === 0) {
      texts.push(embeddingText(leaf.doc.title, leaf.doc.text, EMBED_CHARS));
      owners.push({ leaf: i, chunk: -1 });
    } else {
      leaf.chunks.forEach((chunk, c) => {
        texts.push(embeddingText(leaf.doc.title, chunk.text, EMBED_CHARS));
        owners.push({ leaf: i, chunk: c });
      });
    }
  });
  const { embedder, vectors } = await providers.fitAndEmbed(texts, progress, signal);
  const documents: Float32Array[] = new Array(leaves.length);
  const chunks: Float32Array[][] = leaves.map(() => []);
  owners.forEach((owner, t) => {
    if (owner.chunk < 0) documents[owner.leaf] = vectors[t]!;
    else chunks[owner.leaf]![owner.chunk] = vectors[t]!;
  });
  const dims = vectors[0]?.length ?? 0;
  leaves.forEach((leaf, i) => {
    if (leaf.chunks.length > 0) documents[i] = meanVector(chunks[i]!, dims);
  });
  return { embedder, leafVectors: { documents, chunks } };
}

/** What every level's summarize call shares; the level, root flag and progress offsets vary. */
type SummarizeBase = Omit<SummarizeLevelOptions, 'isRoot' | 'level' | 'progressBase' | 'onProgress'> & { onProgress: ProgressListener };

async function buildBottomUp(
  drafts: DraftNode[],
  branching: number,
  seed: number,
  embedder: Embedder,
  base: SummarizeBase,
  usage: Usage,
): Promise<DraftNode> {
  const progressBase = { done: 0, total: 0 };
  let current: DraftNode[] = drafts;
  let level = 0;
  await groupBottomUp(
    drafts.map((d) => d.embedding!),
    {
      maxSize: branching,
      seed,
      metric: 'cosine',
      ...(base.signal ? { abortSignal: base.signal } : {}),
      embedGroups: async (groups, lvl) => {
        level = lvl;
        base.onProgress({ stage: 'cluster', done: groups.length, total: groups.length, message: `level ${lvl}` });
        const clusters = groups.map((members) => clusterDraft(members.map((m) => current[m]!), null));
        // Total grows level by level; the bar shows the calls known so far.
        progressBase.total += clusters.length;
        await summarizeLevel(clusters, { ...base, level: lvl, progressBase });
        const vectors = await embedAll(
          embedder,
          clusters.map((c) => `${c.title}\n\n${c.summary ?? ''}`),
          { stage: 'embed-summaries', onProgress: base.onProgress, signal: base.signal, usage, message: `level ${lvl}` },
        );
        clusters.forEach((c, i) => (c.embedding = vectors[i]!));
        current = clusters;
        return vectors;
      },
    },
  );
  const root = clusterDraft(current, null);
  progressBase.total += 1;
  await summarizeLevel([root], { ...base, isRoot: true, level: level + 1, progressBase });
  root.embedding = meanVector(current.map((c) => c.embedding!), base.dimensions);
  return root;
}

async function buildTopDown(drafts: DraftNode[], branching: number, seed: number, base: SummarizeBase): Promise<DraftNode> {
  const base1 = { ...base };
  const shape = splitTopDown(
    drafts.map((d) => d.embedding!),
    { maxChildren: branching, seed, metric: 'cosine' },
  );
  base.onProgress({ stage: 'cluster', done: 1, total: 1 });
  // Materialise the cluster shape, remembering each cluster's height so summaries run leaves-up.
  const byHeight: DraftNode[][] = [];
  const materialise = (node: ClusterTree): { draft: DraftNode; height: number } => {
    if (isClusterLeaf(node)) {
      const draft = clusterDraft(node.members.map((m) => drafts[m]!), null);
      (byHeight[0] ??= []).push(draft);
      return { draft, height: 0 };
    }
    const kids = node.children.map(materialise);
    const height = 1 + Math.max(...kids.map((k) => k.height));
    const draft = clusterDraft(kids.map((k) => k.draft), null);
    (byHeight[height] ??= []).push(draft);
    return { draft, height };
  };
  const { draft: root } = materialise(shape);
  const progressBase = { done: 0, total: byHeight.reduce((n, level) => n + level.length, 0) };
  for (let h = 0; h < byHeight.length; h++) {
    const level = byHeight[h] ?? [];
    for (const cluster of level) cluster.embedding = meanVector(cluster.children.map((c) => c.embedding!), base.dimensions);
    if (level.length > 0) await summarizeLevel(level, { ...base1, level: h + 1, isRoot: h === byHeight.length - 1, progressBase });
  }
  return root;
}

function hashDocument(id: string, title: string, text: string): string {
  return createHash('sha256').update(`${id}\0${title}\0${text}`).digest('hex');
}
