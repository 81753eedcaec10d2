/**
 * The public `buildIndex`: the indexer, loaded when a build starts.
 * Why a wrapper: the indexer pulls in the clustering stack (ml-kmeans, the neighbour graph) that
 * opening and searching an index never use; importing it eagerly made every cold `lattice query`
 * load it (scripts/bench-cold-query.ts measures the difference).
 */
import type { BuildOptions } from '../../indexer/build-options.js';
import type { BuildReport, BuildResult } from '../../indexer/build.js';
import type { DryRunReport } from '../../indexer/estimate-build.js';

/**
 * Builds an index from a corpus. Throws LatticeError for bad input, bad options, an existing
 * index (unless `force`) and model failures after retries (re-run to resume).
 * Returns a DryRunReport when `dryRun` is true, else a BuildReport; with a `dryRun` known only at
 * run time, narrow the result on `kind`.
 */
export async function buildIndex(options: BuildOptions & { dryRun: true }): Promise<DryRunReport>;
export async function buildIndex(options: BuildOptions & { dryRun?: false | undefined }): Promise<BuildReport>;
export async function buildIndex(options: BuildOptions): Promise<BuildResult>;
export async function buildIndex(options: BuildOptions): Promise<BuildResult> {
  const indexer = await import('../../indexer/build.js');
  return indexer.buildIndex(options);
}
