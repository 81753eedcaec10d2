/**
 * Writes the summaries of one level of clusters through any Summarizer.
 * Why per level: a parent is summarised from its children's summaries, so levels run in
 * order, while the clusters of one level run side by side (the model client caps calls in
 * flight). Each child is shown with its centrality to the cluster, and each cluster with its
 * nearest same-level neighbours as contrast, so a summary can say what sets it apart.
 * Invariant: results depend only on the clusters and the summariser's answers (cached for
 * model summarisers), never on completion order, so a resumed build writes the same tree.
 */
import { LatticeError } from '../src/core/errors.js';
import { addUsage, type ProgressListener, type Summarizer, type SummaryChild, type Usage } from '../src/core/types.js';
import { draftText, type DraftNode } from './draft-tree.js';
import { meanVector } from './embed.js';
import { nearestNeighbours } from './neighbours.js';
import { cosine } from '../src/core/math/vector.js';
import { runPool } from '../src/core/util/run-pool.js';

export interface SummarizeLevelOptions {
  summarizer: Summarizer;
  isRoot?: boolean;
  maxWords: number;
  childChars: number;
  dimensions: number;
  seed: number;
  concurrency: number;
  usage: Usage;
  onProgress?: ProgressListener | undefined;
  signal?: AbortSignal | undefined;
  level: number;
  /** Done/total offsets so one progress bar spans all levels. */
  progressBase: { done: number; total: number };
}

const CONTRAST_NEIGHBOURS = 3;
const CONTRAST_CHARS = 600;

/** Fills `title` and `summary` of every cluster in `clusters` (all of one level). */
export async function summarizeLevel(clusters: DraftNode[], options: SummarizeLevelOptions): Promise<void> {
  const centroids = clusters.map((c) => c.embedding ?? centroidOf(c, options.dimensions));
  const neighbours = nearestNeighbours(centroids, CONTRAST_NEIGHBOURS, options.seed);
  const contrastText = clusters.map((c) => contrastOf(c));
  await runPool(
    clusters,
    options.concurrency,
    async (cluster, i) => {
      const centroid = centroids[i]!;
      const children: SummaryChild[] = cluster.children.map((child) => ({
        kind: child.kind,
        title: child.title,
        text: draftText(child, options.childChars),
        centrality: child.embedding ? cosine(child.embedding, centroid) : 0,
      }));
      const result = await options.summarizer.doSummarize({
        children,
        contrast: neighbours[i]!.map((j) => contrastText[j]!),
        level: options.level,
        isRoot: options.isRoot ?? false,
        ...(options.signal ? { abortSignal: options.signal } : {}),
        maxWords: options.maxWords,
      });
      if (typeof result?.summary !== 'string' || typeof result.title !== 'string') {
        throw new LatticeError('MODEL_BAD_OUTPUT', `Summarizer ${options.summarizer.provider}/${options.summarizer.modelId} returned no title or summary.`, {
          hint: 'A custom Summarizer must resolve to { title: string, summary: string }.',
        });
      }
      cluster.title = result.title.trim() || children[0]?.title || 'cluster';
      cluster.summary = result.summary.trim();
      addUsage(options.usage, result.usage);
      options.progressBase.done += 1;
      options.onProgress?.({ stage: 'summarize', done: options.progressBase.done, total: options.progressBase.total, message: `level ${options.level}` });
    },
    options.signal,
  );
}

export function centroidOf(cluster: DraftNode, dimensions: number): Float32Array {
  const vectors = cluster.children.map((c) => c.embedding).filter((v): v is Float32Array => v !== null);
  return meanVector(vectors, dimensions);
}

/** A cluster as a neighbour sees it: its children's titles, or their openings when untitled. */
function contrastOf(cluster: DraftNode): string {
  const parts = cluster.children.map((c) => c.title || draftText(c, 120));
  const text = parts.join('; ');
  return text.length > CONTRAST_CHARS ? text.slice(0, CONTRAST_CHARS) : text;
}
