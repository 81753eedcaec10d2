/**
 * `--dry-run`: how many summary (and embedding) calls a build would make and roughly how
 * many tokens they would take, computed from the loaded corpus without calling anything.
 * How: cluster counts follow from the corpus size alone (bottom-up: the level planner's group
 * count per level, level-sizes.ts; top-down: the splitter's fan-out rule with even splits), and token counts
 * from the characters each prompt would carry at about four characters per token.
 * These are estimates and are labelled so; the real build reports exact figures.
 */
import type { LoadIssue } from './load/index.js';
import { resolveGroupBounds } from './cluster/balanced-partition.js';
import { levelSizes } from './cluster/level-sizes.js';
import { leafGroupCount } from './cluster/top-down-split.js';
import type { BuildStrategy } from './build-options.js';
import type { LeafDocument } from './prepare-leaves.js';

/** What `buildIndex({ dryRun: true })` returns: the build's estimated cost; nothing is written. */
export interface DryRunReport {
  /** Tells a dry run from a build (`BuildReport.kind` is 'build'). */
  kind: 'dry-run';
  strategy: BuildStrategy;
  branching: number;
  documents: number;
  chunks: number;
  /** Estimated inner nodes, each one summary call (root included). */
  summaryCalls: number;
  /** Cluster counts per level, leaves-up (level 1 = clusters of documents). */
  levels: number[];
  estimatedInputTokens: number;
  estimatedOutputTokens: number;
  /** Embedding calls and input tokens when the embedder is a remote model (0 for local). */
  embeddingCalls: number;
  embeddingTokens: number;
  /** Whether summary calls cost model time (false for the extractive summariser). */
  summarizerIsModel: boolean;
  issues: LoadIssue[];
}

const CHARS_PER_TOKEN = 4;
/** Instructions and framing around the children in one summary prompt, in tokens. */
const PROMPT_OVERHEAD_TOKENS = 260;
const EMBED_BATCH = 64;

export function estimateBuild(
  leaves: LeafDocument[],
  o: {
    strategy: BuildStrategy;
    branching: number;
    embedder: string;
    summarizer: string;
    summaryWords: number;
    summaryChildChars: number;
    issues: LoadIssue[];
  },
): DryRunReport {
  const n = leaves.length;
  const levels = o.strategy === 'bottom-up' ? bottomUpLevels(n, o.branching) : topDownLevels(n, o.branching);
  const summaryCalls = levels.reduce((a, b) => a + b, 0);
  const summaryChars = o.summaryWords * 6;
  const docChars = leaves.map(({ doc }) => Math.min(o.summaryChildChars, doc.title.length + doc.text.length) + 40);
  const meanDocChars = docChars.length === 0 ? 0 : docChars.reduce((a, b) => a + b, 0) / docChars.length;

  let inputChars = 0;
  let below = n;
  levels.forEach((count, i) => {
    // Every item of the level below is shown once to its parent's summariser.
    inputChars += below * (i === 0 ? meanDocChars : summaryChars + 40);
    below = count;
  });
  const estimatedInputTokens = Math.round(inputChars / CHARS_PER_TOKEN + summaryCalls * PROMPT_OVERHEAD_TOKENS);
  const estimatedOutputTokens = Math.round(summaryCalls * (o.summaryWords * 1.4 + 20));

  const chunks = leaves.reduce((a, l) => a + l.chunks.length, 0);
  const embedTexts = leaves.reduce((a, l) => a + Math.max(1, l.chunks.length), 0) + (o.strategy === 'bottom-up' ? summaryCalls - 1 : 0);
  const remoteEmbedder = o.embedder !== 'local' && o.embedder !== 'transformers';
  const embedChars = leaves.reduce((a, l) => a + l.doc.title.length + l.doc.text.length + l.chunks.length * 200, 0);
  return {
    kind: 'dry-run',
    strategy: o.strategy,
    branching: o.branching,
    documents: n,
    chunks,
    summaryCalls,
    levels,
    estimatedInputTokens,
    estimatedOutputTokens,
    embeddingCalls: remoteEmbedder ? Math.ceil(embedTexts / EMBED_BATCH) : 0,
    embeddingTokens: remoteEmbedder ? Math.round((embedChars + summaryCalls * summaryChars) / CHARS_PER_TOKEN) : 0,
    summarizerIsModel: o.summarizer !== 'extractive',
    issues: o.issues,
  };
}

/** Bottom-up: the planned levels until at most M items remain, then one root. */
function bottomUpLevels(n: number, m: number): number[] {
  if (n === 0) return [];
  return [...levelSizes(n, resolveGroupBounds({ maxSize: m })), 1];
}

/** Top-down: leaf groups of about 0.8·M under splits of M children, with even splits assumed. */
function topDownLevels(n: number, m: number): number[] {
  if (n === 0) return [];
  const counts: number[] = [];
  const add = (height: number, count: number) => {
    counts[height] = (counts[height] ?? 0) + count;
  };
  const visit = (size: number): number => {
    if (size <= m) {
      add(0, 1);
      return 0;
    }
    if (size <= m * m) {
      add(0, leafGroupCount(size, m));
      add(1, 1);
      return 1;
    }
    let height = 0;
    const base = Math.floor(size / m);
    const extra = size % m;
    // Children of equal size share a shape; visit one of each size and scale its counts.
    const sizes = new Map<number, number>();
    for (let i = 0; i < m; i++) sizes.set(base + (i < extra ? 1 : 0), (sizes.get(base + (i < extra ? 1 : 0)) ?? 0) + 1);
    for (const [childSize, times] of sizes) {
      const before = counts.slice();
      const h = visit(childSize);
      for (let k = 0; k < counts.length; k++) counts[k] = (before[k] ?? 0) + ((counts[k] ?? 0) - (before[k] ?? 0)) * times;
      height = Math.max(height, h + 1);
    }
    add(height, 1);
    return height;
  };
  visit(n);
  return counts.map((c) => c ?? 0);
}
