/**
 * Order statistics of small lists of numbers: medians and quantiles for slate thresholds,
 * benchmark timings and evaluation reports.
 * Why two quantiles: the slate threshold interpolates between ranks (a smooth start for its
 * mixture fit), while reported timings use the nearest rank (a p95 that some query really took).
 * Invariant: inputs are never modified; `median` of an even count is the mean of the middle two.
 */

/** The median of a non-empty list (the mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = sortedCopy(values);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** An ascending copy of `values`. */
export function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/**
 * The q-quantile (q in [0, 1]) of an ascending, non-empty list, interpolated linearly between
 * the two closest ranks (R's and NumPy's default, "type 7").
 */
export function interpolatedQuantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/**
 * The q-quantile (q in [0, 1]) of an ascending list by nearest rank: the smallest value with at
 * least a share q of the list at or below it. NaN for an empty list.
 */
export function nearestRankQuantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
